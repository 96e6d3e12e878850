// Vector exp for the kernel, which only ever feeds it s - max <= 0 (and -inf for
// masked or zero-weight keys). Classic range reduction x = k ln2 + r, |r| <= ln2/2,
// a polynomial for e^r, and 2^k assembled in the exponent bits.
// Underflow (x below the smallest normal) returns exactly 0, -inf included.

// f64: Cody–Waite split of ln2 (the high part has 32 significant bits, so k*LN2_HI is exact),
// and the Taylor series of e^r to degree 12: truncation error <= r^13/13! < 2e-16 relative.
const LOG2E: f64 = 1.4426950408889634;
const LN2_HI: f64 = 6.93147180369123816490e-01;
const LN2_LO: f64 = 1.90821492927058770002e-10;
const ROUND_MAGIC: f64 = 6755399441055744.0; // 1.5 * 2^52: adding it rounds to an integer held in the low mantissa bits
const F64_MIN_ARG: f64 = -708.39; // e^x below the smallest normal double
const F64_MAX_ARG: f64 = 709.0;

@inline export function expF64x2(x: v128): v128 {
  const underflow = f64x2.lt(x, f64x2.splat(F64_MIN_ARG));
  // No lower clamp: lanes below F64_MIN_ARG (-inf included) compute garbage, NaN at worst, and the
  // underflow mask zeroes them at the end.
  x = f64x2.pmin(x, f64x2.splat(F64_MAX_ARG));
  const t = f64x2.add(f64x2.mul(x, f64x2.splat(LOG2E)), f64x2.splat(ROUND_MAGIC));
  const k = f64x2.sub(t, f64x2.splat(ROUND_MAGIC));
  let r = f64x2.sub(x, f64x2.mul(k, f64x2.splat(LN2_HI)));
  r = f64x2.sub(r, f64x2.mul(k, f64x2.splat(LN2_LO)));
  // Estrin's scheme: the same polynomial with a dependency chain of depth 5 instead of 12.
  const r2 = f64x2.mul(r, r);
  const r4 = f64x2.mul(r2, r2);
  const r8 = f64x2.mul(r4, r4);
  const p01 = f64x2.add(f64x2.splat(1.0), r);
  const p23 = f64x2.add(f64x2.splat(0.5), f64x2.mul(r, f64x2.splat(1.0 / 6.0)));
  const p45 = f64x2.add(f64x2.splat(1.0 / 24.0), f64x2.mul(r, f64x2.splat(1.0 / 120.0)));
  const p67 = f64x2.add(f64x2.splat(1.0 / 720.0), f64x2.mul(r, f64x2.splat(1.0 / 5040.0)));
  const p89 = f64x2.add(f64x2.splat(1.0 / 40320.0), f64x2.mul(r, f64x2.splat(1.0 / 362880.0)));
  const pab = f64x2.add(f64x2.splat(1.0 / 3628800.0), f64x2.mul(r, f64x2.splat(1.0 / 39916800.0)));
  const q0 = f64x2.add(p01, f64x2.mul(p23, r2));
  const q1 = f64x2.add(p45, f64x2.mul(p67, r2));
  const q2 = f64x2.add(p89, f64x2.mul(pab, r2));
  const s0 = f64x2.add(q0, f64x2.mul(q1, r4));
  const s1 = f64x2.add(q2, f64x2.mul(f64x2.splat(1.0 / 479001600.0), r4)); // 1/12! r^12
  const p = f64x2.add(s0, f64x2.mul(s1, r8));
  // t's low bits hold k; (k + 1023) << 52 is 2^k.
  const scale = i64x2.shl(i64x2.add(t, i64x2.splat(1023)), 52);
  return v128.andnot(f64x2.mul(p, scale), underflow);
}

// f32: two-part ln2 and a degree-7 polynomial (Cephes expf's coefficients), max error about 1 ulp.
// k = round(x log2e) by the magic-number trick, as in f64: t = x log2e + 1.5 * 2^23 holds k in its
// low mantissa bits, so 2^k is assembled from t's bits without a float-to-int conversion.
const F32_MIN_ARG: f32 = -87.33;
const F32_MAX_ARG: f32 = 88.0;
const F32_ROUND_MAGIC: f32 = 12582912.0; // 1.5 * 2^23

@inline export function expF32x4(x: v128): v128 {
  const underflow = f32x4.lt(x, f32x4.splat(F32_MIN_ARG));
  x = f32x4.pmin(x, f32x4.splat(F32_MAX_ARG)); // (no lower clamp: underflow lanes are masked to 0 below)
  const t = f32x4.add(f32x4.mul(x, f32x4.splat(<f32>1.44269504088896341)), f32x4.splat(F32_ROUND_MAGIC));
  const k = f32x4.sub(t, f32x4.splat(F32_ROUND_MAGIC));
  let r = f32x4.sub(x, f32x4.mul(k, f32x4.splat(<f32>0.693359375)));
  r = f32x4.sub(r, f32x4.mul(k, f32x4.splat(<f32>-2.12194440e-4)));
  // p = 1 + r + r^2 (c0 + c1 r + ... + c5 r^5), the inner polynomial by Estrin's scheme.
  const r2 = f32x4.mul(r, r);
  const r4 = f32x4.mul(r2, r2);
  const a01 = f32x4.add(f32x4.splat(<f32>5.0000001201e-1), f32x4.mul(r, f32x4.splat(<f32>1.6666665459e-1)));
  const a23 = f32x4.add(f32x4.splat(<f32>4.1665795894e-2), f32x4.mul(r, f32x4.splat(<f32>8.3334519073e-3)));
  const a45 = f32x4.add(f32x4.splat(<f32>1.3981999507e-3), f32x4.mul(r, f32x4.splat(<f32>1.9875691500e-4)));
  const inner = f32x4.add(f32x4.add(a01, f32x4.mul(a23, r2)), f32x4.mul(a45, r4));
  const p = f32x4.add(f32x4.add(f32x4.mul(inner, r2), r), f32x4.splat(<f32>1.0));
  // t's low bits hold k + 2^22; (k + 127) << 23 keeps only k + 127 (in 1..254 for every lane the underflow mask keeps).
  const scale = i32x4.shl(i32x4.add(t, i32x4.splat(127)), 23);
  return v128.andnot(f32x4.mul(p, scale), underflow);
}
