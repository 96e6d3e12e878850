// The one streaming kernel: for every query row i,
//   lse_i  = log sum_j exp(beta * s(x_i, y_j) + h_j)
//   mean_i = sum_j exp(beta * s(x_i, y_j) + h_j - lse_i) * v_j
// with s = <x, y> (SCORE_DOT) or -|x - y|^2 (SCORE_SQDIST), optionally over j <= i only.
//
// Keys are first packed column-major ("SoA", one column per coordinate, padded to the
// lane count) so that one vector holds one coordinate of several keys. Each query then
// streams over the keys in tiles of TILE: scores into a small tile buffer while tracking
// the tile max, one rescale of the running sums if the max grew, exp in place, then the
// weighted value sums. Only O(TILE) scratch per query: no n x m matrix, ever.
import {
  lanes, vsplat, vload, vloadSplat, vadd, vsub, vmul, vmax, vexp, hsum, hmax, maskTail,
} from '../simd/vec';

export const SCORE_DOT: i32 = 0;
export const SCORE_SQDIST: i32 = 1;
export const TILE: i32 = 512;

@inline function roundUp(n: i32, to: i32): i32 {
  return (n + to - 1) / to * to;
}

/** Padded key count for a given m: a multiple of the lane count. */
export function paddedKeys<T>(m: i32): i32 {
  return roundUp(m, lanes<T>());
}

/**
 * Packs row-major keys y (m x d), log-weights h (m, or 0 for none) and values
 * v (m x k, or k = 0) into soa: d columns of mPad, then h, then k value columns.
 */
export function packKeys<T>(y: usize, m: i32, d: i32, h: usize, v: usize, k: i32, soa: usize): void {
  const size = <usize>sizeof<T>();
  const mPad = paddedKeys<T>(m);
  const col = <usize>mPad * size;
  memory.fill(soa, 0, col * <usize>(d + 1 + k));
  for (let j = 0; j < m; j++) {
    const row = y + <usize>(j * d) * size;
    const dst = soa + <usize>j * size;
    for (let c = 0; c < d; c++) store<T>(dst + <usize>c * col, load<T>(row + <usize>c * size));
  }
  const hcol = soa + <usize>d * col;
  if (h != 0) memory.copy(hcol, h, <usize>m * size);
  const vcol = hcol + col;
  const rows = k != 0 ? m : 0;
  for (let j = 0; j < rows; j++) {
    const row = v + <usize>(j * k) * size;
    const dst = vcol + <usize>j * size;
    for (let c = 0; c < k; c++) store<T>(dst + <usize>c * col, load<T>(row + <usize>c * size));
  }
}

/** beta * s + h for one chunk of keys starting at byte offset off, for D = d <= 4 (D constant after inlining) or D = 0 (any d). */
@inline function chunkScore<T>(
  xi: usize, soa: usize, col: usize, off: usize, d: i32, D: i32, sqdist: bool, betav: v128, hcol: usize,
  x0: v128, x1: v128, x2: v128, x3: v128,
): v128 {
  let s: v128;
  if (D == 0) {
    s = vsplat<T>(0);
    for (let c = 0; c < d; c++) {
      const yc = vload<T>(soa + <usize>c * col + off);
      const xc = vloadSplat<T>(xi + <usize>c * <usize>sizeof<T>());
      if (sqdist) { const t = vsub<T>(xc, yc); s = vadd<T>(s, vmul<T>(t, t)); }
      else s = vadd<T>(s, vmul<T>(xc, yc));
    }
  } else if (sqdist) {
    let t = vsub<T>(x0, vload<T>(soa + off));
    s = vmul<T>(t, t);
    if (D > 1) { t = vsub<T>(x1, vload<T>(soa + col + off)); s = vadd<T>(s, vmul<T>(t, t)); }
    if (D > 2) { t = vsub<T>(x2, vload<T>(soa + 2 * col + off)); s = vadd<T>(s, vmul<T>(t, t)); }
    if (D > 3) { t = vsub<T>(x3, vload<T>(soa + 3 * col + off)); s = vadd<T>(s, vmul<T>(t, t)); }
  } else {
    s = vmul<T>(x0, vload<T>(soa + off));
    if (D > 1) s = vadd<T>(s, vmul<T>(x1, vload<T>(soa + col + off)));
    if (D > 2) s = vadd<T>(s, vmul<T>(x2, vload<T>(soa + 2 * col + off)));
    if (D > 3) s = vadd<T>(s, vmul<T>(x3, vload<T>(soa + 3 * col + off)));
  }
  return vadd<T>(vmul<T>(s, betav), vload<T>(hcol + off));
}

/**
 * Scores of keys [j0, j0 + tn) into buf; lanes past tn are -inf. Returns the tile max.
 * betav carries the sign: -beta for sqdist.
 */
@inline function scoreTile<T>(
  buf: usize, xi: usize, soa: usize, col: usize, j0: i32, tn: i32, d: i32, D: i32, sqdist: bool, betav: v128, hcol: usize,
): f64 {
  const L = lanes<T>();
  const size = <usize>sizeof<T>();
  let x0 = vsplat<T>(0), x1 = vsplat<T>(0), x2 = vsplat<T>(0), x3 = vsplat<T>(0);
  if (D > 0) x0 = vloadSplat<T>(xi);
  if (D > 1) x1 = vloadSplat<T>(xi + size);
  if (D > 2) x2 = vloadSplat<T>(xi + 2 * size);
  if (D > 3) x3 = vloadSplat<T>(xi + 3 * size);
  let vm = vsplat<T>(-Infinity);
  const full = tn / L * L;
  let off = <usize>j0 * size;
  let b = buf;
  for (let j = 0; j < full; j += L) {
    const s = chunkScore<T>(xi, soa, col, off, d, D, sqdist, betav, hcol, x0, x1, x2, x3);
    vm = vmax<T>(vm, s);
    v128.store(b, s);
    off += 16; b += 16;
  }
  if (full < tn) {
    const s = maskTail<T>(chunkScore<T>(xi, soa, col, off, d, D, sqdist, betav, hcol, x0, x1, x2, x3), tn - full);
    vm = vmax<T>(vm, s);
    v128.store(b, s);
  }
  return hmax<T>(vm);
}

/** buf <- exp(buf - M) over tnv entries (a lane multiple); returns the sum. */
@inline function expTile<T>(buf: usize, tnv: i32, M: f64): f64 {
  const L = lanes<T>();
  const mv = vsplat<T>(M);
  let s0 = vsplat<T>(0), s1 = vsplat<T>(0);
  let b = buf;
  let j = 0;
  for (; j + 2 * L <= tnv; j += 2 * L) {
    const w0 = vexp<T>(vsub<T>(vload<T>(b), mv));
    const w1 = vexp<T>(vsub<T>(vload<T>(b + 16), mv));
    v128.store(b, w0); v128.store(b + 16, w1);
    s0 = vadd<T>(s0, w0); s1 = vadd<T>(s1, w1);
    b += 32;
  }
  if (j < tnv) {
    const w0 = vexp<T>(vsub<T>(vload<T>(b), mv));
    v128.store(b, w0);
    s0 = vadd<T>(s0, w0);
  }
  return hsum<T>(vadd<T>(s0, s1));
}

/** acc[c0 .. c0+D) += sum_j w_j v_c[j0 + j] for D in 1..4 (a constant after inlining). */
@inline function valueBlock<T>(buf: usize, tnv: i32, vcol: usize, col: usize, off: usize, c0: i32, D: i32, acc: usize): void {
  const L = lanes<T>();
  let a0 = vsplat<T>(0), a1 = vsplat<T>(0), a2 = vsplat<T>(0), a3 = vsplat<T>(0);
  const p0 = vcol + <usize>c0 * col + off;
  let b = buf;
  let o: usize = 0;
  for (let j = 0; j < tnv; j += L) {
    const w = vload<T>(b);
    a0 = vadd<T>(a0, vmul<T>(w, vload<T>(p0 + o)));
    if (D > 1) a1 = vadd<T>(a1, vmul<T>(w, vload<T>(p0 + col + o)));
    if (D > 2) a2 = vadd<T>(a2, vmul<T>(w, vload<T>(p0 + 2 * col + o)));
    if (D > 3) a3 = vadd<T>(a3, vmul<T>(w, vload<T>(p0 + 3 * col + o)));
    b += 16; o += 16;
  }
  const q = acc + <usize>c0 * 8;
  store<f64>(q, load<f64>(q) + hsum<T>(a0));
  if (D > 1) store<f64>(q + 8, load<f64>(q + 8) + hsum<T>(a1));
  if (D > 2) store<f64>(q + 16, load<f64>(q + 16) + hsum<T>(a2));
  if (D > 3) store<f64>(q + 24, load<f64>(q + 24) + hsum<T>(a3));
}

@inline function valueTile<T>(buf: usize, tnv: i32, vcol: usize, col: usize, j0: i32, k: i32, acc: usize): void {
  const off = <usize>j0 * <usize>sizeof<T>();
  for (let c0 = 0; c0 < k; c0 += 4) {
    const D = min(4, k - c0);
    if (D == 4) valueBlock<T>(buf, tnv, vcol, col, off, c0, 4, acc);
    else if (D == 3) valueBlock<T>(buf, tnv, vcol, col, off, c0, 3, acc);
    else if (D == 2) valueBlock<T>(buf, tnv, vcol, col, off, c0, 2, acc);
    else valueBlock<T>(buf, tnv, vcol, col, off, c0, 1, acc);
  }
}

/** The per-query loop for one score shape (D, sqdist constant after inlining). */
@inline function reduceRows<T>(
  x: usize, i0: i32, i1: i32, soa: usize, m: i32, d: i32, k: i32, D: i32, sqdist: bool, beta: f64,
  causal: bool, lse: usize, mean: usize, work: usize,
): void {
  const L = lanes<T>();
  const size = <usize>sizeof<T>();
  const mPad = paddedKeys<T>(m);
  const col = <usize>mPad * size;
  const hcol = soa + <usize>d * col;
  const vcol = hcol + col;
  const acc = work;                          // k f64 accumulators
  const buf = work + <usize>roundUp(k, 2) * 8; // TILE scores / weights
  const betav = vsplat<T>(sqdist ? -beta : beta);
  for (let i = i0; i < i1; i++) {
    const xi = x + <usize>(i * d) * size;
    const lim = causal ? min(i + 1, m) : m;
    let M = -Infinity;
    let S = 0.0;
    if (k > 0) memory.fill(acc, 0, <usize>k * 8);
    for (let j0 = 0; j0 < lim; j0 += TILE) {
      const tn = min(TILE, lim - j0);
      const tmax = scoreTile<T>(buf, xi, soa, col, j0, tn, d, D, sqdist, betav, hcol);
      if (tmax == -Infinity) continue; // every key in the tile has weight zero
      if (tmax > M) {
        // The running max grew: rescale what was summed so far (never more than a few times per row).
        if (S != 0) {
          const r = Math.exp(M - tmax);
          S *= r;
          for (let c = 0; c < k; c++) store<f64>(acc + <usize>c * 8, load<f64>(acc + <usize>c * 8) * r);
        }
        M = tmax;
      }
      const tnv = roundUp(tn, L);
      S += expTile<T>(buf, tnv, M);
      if (k > 0) valueTile<T>(buf, tnv, vcol, col, j0, k, acc);
    }
    store<f64>(lse + <usize>i * 8, M + Math.log(S));
    if (k > 0) {
      const inv = 1.0 / S;
      const out = mean + <usize>(i * k) * 8;
      for (let c = 0; c < k; c++) store<f64>(out + <usize>c * 8, load<f64>(acc + <usize>c * 8) * inv);
    }
  }
}

/**
 * Rows [i0, i1) of the reduction over keys packed by packKeys. x is row-major n x d in T;
 * lse (n) and mean (n x k) are f64; work holds k f64 plus TILE T.
 */
export function reduce<T>(
  x: usize, i0: i32, i1: i32, soa: usize, m: i32, d: i32, k: i32, beta: f64, score: i32, causal: bool,
  lse: usize, mean: usize, work: usize,
): void {
  const sq = score == SCORE_SQDIST;
  // Specialised bodies for the common small dimensions; one generic body for the rest.
  if (d == 3) {
    if (sq) reduceRows<T>(x, i0, i1, soa, m, d, k, 3, true, beta, causal, lse, mean, work);
    else reduceRows<T>(x, i0, i1, soa, m, d, k, 3, false, beta, causal, lse, mean, work);
  } else if (d == 2) {
    if (sq) reduceRows<T>(x, i0, i1, soa, m, d, k, 2, true, beta, causal, lse, mean, work);
    else reduceRows<T>(x, i0, i1, soa, m, d, k, 2, false, beta, causal, lse, mean, work);
  } else if (d == 1) {
    if (sq) reduceRows<T>(x, i0, i1, soa, m, d, k, 1, true, beta, causal, lse, mean, work);
    else reduceRows<T>(x, i0, i1, soa, m, d, k, 1, false, beta, causal, lse, mean, work);
  } else if (d == 4) {
    if (sq) reduceRows<T>(x, i0, i1, soa, m, d, k, 4, true, beta, causal, lse, mean, work);
    else reduceRows<T>(x, i0, i1, soa, m, d, k, 4, false, beta, causal, lse, mean, work);
  } else {
    if (sq) reduceRows<T>(x, i0, i1, soa, m, d, k, 0, true, beta, causal, lse, mean, work);
    else reduceRows<T>(x, i0, i1, soa, m, d, k, 0, false, beta, causal, lse, mean, work);
  }
}

/** Bytes of work space reduce needs for k value columns. */
export function workBytes<T>(k: i32): i32 {
  return roundUp(k, 2) * 8 + TILE * <i32>sizeof<T>();
}
