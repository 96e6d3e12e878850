// Sums over data x neurons for a two-layer network f(x) = sum_j c_j sigma(<w_j, x> + b_j):
//   forward:  f_i = sum_j c_j sigma(z_ij)                       for samples i in [i0, i1)
//   backward: g_j = sum_i r_i (sigma(z_ij), a_j sigma'(z_ij) x_i, a_j sigma'(z_ij))
//             for neurons j in [j0, j1), in the particle layout (a, w, b).
// z_ij = <w_j, x_i> + b_j is recomputed in each pass, so memory stays O((n + m) d): no n x m buffer.
// Neurons are packed column-major (w_0 .. w_{d-1}, b, a, c), one vector holding several neurons.
import { lanes, vsplat, vload, vloadSplat, vadd, vsub, vmul, vdiv, vabs, vgt, vlt, vexp, hsum } from '../simd/vec';

export const ACT_RELU: i32 = 0;
export const ACT_TANH: i32 = 1;
export const ACT_SIGMOID: i32 = 2;

/** Padded neuron count: a multiple of the lane count. */
export function paddedNeurons<T>(m: i32): i32 {
  const L = lanes<T>();
  return (m + L - 1) / L * L;
}

/**
 * Packs particles theta (m x (d + 2), rows (a, w, b)) and weights omega (m) into soa:
 * d columns of w, then b, a and c = omega * a, each mPad long. Padding neurons have a = c = 0.
 */
export function packNeurons<T>(theta: usize, omega: usize, m: i32, d: i32, soa: usize): void {
  const size = <usize>sizeof<T>();
  const col = <usize>paddedNeurons<T>(m) * size;
  const p = d + 2;
  memory.fill(soa, 0, col * <usize>(d + 3));
  for (let j = 0; j < m; j++) {
    const row = theta + <usize>(j * p) * size;
    const dst = soa + <usize>j * size;
    for (let c = 0; c < d; c++) store<T>(dst + <usize>c * col, load<T>(row + <usize>(c + 1) * size));
    const a = load<T>(row);
    store<T>(dst + <usize>d * col, load<T>(row + <usize>(d + 1) * size));
    store<T>(dst + <usize>(d + 1) * col, a);
    store<T>(dst + <usize>(d + 2) * col, a * load<T>(omega + <usize>j * size));
  }
}

/** sigma(z) for one activation (a constant after inlining). */
@inline function activate<T>(z: v128, act: i32): v128 {
  const zero = vsplat<T>(0);
  const one = vsplat<T>(1);
  if (act == ACT_RELU) return v128.and(z, vgt<T>(z, zero));
  if (act == ACT_SIGMOID) {
    // e = exp(-|z|) never overflows; sigma = 1/(1+e) for z >= 0, e/(1+e) for z < 0.
    const e = vexp<T>(vsub<T>(zero, vabs<T>(z)));
    const q = vdiv<T>(one, vadd<T>(one, e));
    return v128.bitselect(vmul<T>(e, q), q, vlt<T>(z, zero));
  }
  // tanh |z| = (1 - e)/(1 + e) with e = exp(-2|z|); the sign of z restored bitwise.
  const e = vexp<T>(vmul<T>(vsplat<T>(-2), vabs<T>(z)));
  const t = vdiv<T>(vsub<T>(one, e), vadd<T>(one, e));
  return v128.or(t, v128.and(z, vsplat<T>(-0.0)));
}

/** sigma'(z) given z and s = sigma(z). */
@inline function derivative<T>(z: v128, s: v128, act: i32): v128 {
  const one = vsplat<T>(1);
  if (act == ACT_RELU) return v128.and(one, vgt<T>(z, vsplat<T>(0)));
  if (act == ACT_SIGMOID) return vmul<T>(s, vsub<T>(one, s));
  return vsub<T>(one, vmul<T>(s, s));
}

/** z = b + sum_c x_c w_c for the neurons at byte offset off (D = d when d <= 4 after inlining, else 0). */
@inline function preactivation<T>(xi: usize, soa: usize, col: usize, off: usize, d: i32): v128 {
  const size = <usize>sizeof<T>();
  let z = vload<T>(soa + <usize>d * col + off);
  for (let c = 0; c < d; c++) z = vadd<T>(z, vmul<T>(vloadSplat<T>(xi + <usize>c * size), vload<T>(soa + <usize>c * col + off)));
  return z;
}

@inline function forwardRows<T>(x: usize, i0: i32, i1: i32, soa: usize, m: i32, d: i32, act: i32, out: usize): void {
  const size = <usize>sizeof<T>();
  const mPad = paddedNeurons<T>(m);
  const col = <usize>mPad * size;
  const ccol = soa + <usize>(d + 2) * col;
  const L = lanes<T>();
  for (let i = i0; i < i1; i++) {
    const xi = x + <usize>(i * d) * size;
    let acc0 = vsplat<T>(0), acc1 = vsplat<T>(0);
    let off: usize = 0;
    let j = 0;
    // Two neuron vectors per pass: two independent exp chains in flight.
    for (; j + 2 * L <= mPad; j += 2 * L) {
      const z0 = preactivation<T>(xi, soa, col, off, d);
      const z1 = preactivation<T>(xi, soa, col, off + 16, d);
      acc0 = vadd<T>(acc0, vmul<T>(vload<T>(ccol + off), activate<T>(z0, act)));
      acc1 = vadd<T>(acc1, vmul<T>(vload<T>(ccol + off + 16), activate<T>(z1, act)));
      off += 32;
    }
    if (j < mPad) acc0 = vadd<T>(acc0, vmul<T>(vload<T>(ccol + off), activate<T>(preactivation<T>(xi, soa, col, off, d), act)));
    store<f64>(out + <usize>i * 8, hsum<T>(vadd<T>(acc0, acc1)));
  }
}

@inline function backwardNeurons<T>(
  x: usize, r: usize, n: i32, soa: usize, m: i32, j0: i32, j1: i32, d: i32, act: i32, grad: usize, work: usize,
): void {
  const size = <usize>sizeof<T>();
  const L = lanes<T>();
  const col = <usize>paddedNeurons<T>(m) * size;
  const p = d + 2;
  for (let jb = j0; jb < j1; jb += L) {
    const off = <usize>jb * size;
    memory.fill(work, 0, <usize>d * 16);
    let ga = vsplat<T>(0), gb = vsplat<T>(0);
    for (let i = 0; i < n; i++) {
      const xi = x + <usize>(i * d) * size;
      const z = preactivation<T>(xi, soa, col, off, d);
      const s = activate<T>(z, act);
      const ri = vloadSplat<T>(r + <usize>i * size);
      ga = vadd<T>(ga, vmul<T>(ri, s));
      const t = vmul<T>(ri, derivative<T>(z, s, act));
      gb = vadd<T>(gb, t);
      for (let c = 0; c < d; c++) {
        const q = work + <usize>c * 16;
        v128.store(q, vadd<T>(v128.load(q), vmul<T>(t, vloadSplat<T>(xi + <usize>c * size))));
      }
    }
    // Lanes out to rows (a, w, b) of f64 via the work buffer, scaling w and b parts by a_j.
    v128.store(work + <usize>d * 16, ga);
    v128.store(work + <usize>(d + 1) * 16, gb);
    const jEnd = min(jb + L, j1);
    for (let j = jb; j < jEnd; j++) {
      const lane = <usize>(j - jb) * size;
      const a = <f64>load<T>(soa + <usize>(d + 1) * col + <usize>j * size);
      const row = grad + <usize>(j * p) * 8;
      store<f64>(row, <f64>load<T>(work + <usize>d * 16 + lane));
      for (let c = 0; c < d; c++) store<f64>(row + <usize>(c + 1) * 8, a * <f64>load<T>(work + <usize>c * 16 + lane));
      store<f64>(row + <usize>(d + 1) * 8, a * <f64>load<T>(work + <usize>(d + 1) * 16 + lane));
    }
  }
}

/** f_i for samples [i0, i1); x is row-major n x d in T, out is f64. */
export function forward<T>(x: usize, i0: i32, i1: i32, soa: usize, m: i32, d: i32, act: i32, out: usize): void {
  if (act == ACT_RELU) forwardRows<T>(x, i0, i1, soa, m, d, ACT_RELU, out);
  else if (act == ACT_TANH) forwardRows<T>(x, i0, i1, soa, m, d, ACT_TANH, out);
  else forwardRows<T>(x, i0, i1, soa, m, d, ACT_SIGMOID, out);
}

/**
 * Gradient rows for neurons [j0, j1) (j0 a multiple of the lane count) given per-sample
 * weights r (n, in T); grad is f64 m x (d + 2); work holds d + 2 vectors.
 */
export function backward<T>(
  x: usize, r: usize, n: i32, soa: usize, m: i32, j0: i32, j1: i32, d: i32, act: i32, grad: usize, work: usize,
): void {
  if (act == ACT_RELU) backwardNeurons<T>(x, r, n, soa, m, j0, j1, d, ACT_RELU, grad, work);
  else if (act == ACT_TANH) backwardNeurons<T>(x, r, n, soa, m, j0, j1, d, ACT_TANH, grad, work);
  else backwardNeurons<T>(x, r, n, soa, m, j0, j1, d, ACT_SIGMOID, grad, work);
}

export function backwardWorkBytes(d: i32): i32 {
  return (d + 2) * 16;
}
