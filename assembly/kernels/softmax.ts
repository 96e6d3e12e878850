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
//
// Segments (a block-diagonal mask: many independent systems in one call) pack each system's
// keys from its own lane-aligned offset in the SoA, so a row of system s streams exactly the
// vectors, tiles and summation order it would stream in a call on system s alone: the results
// are bit-identical to separate calls.
//
// A block-sparse mask (blocks: query blocks, each seeing a list of key ranges) uses the keys
// packed once, unsegmented. A row streams its block's ranges in list order, each in tiles of
// TILE from the range start, exactly as the dense loop streams [0, m): one range [0, m) is the
// dense call, bit for bit. A range may start anywhere (v128 loads need no alignment); the lanes
// past a range's end in its last vector are masked to -inf like the tail of a tile, so their
// weights are exactly 0 (finite values, and the zero vector the host puts after the SoA, keep
// their products 0).
import {
  lanes, vsplat, vload, vloadSplat, vadd, vsub, vmul, vmax, vexp, hsum, hmax, maskTail,
} from '../simd/vec';

export const SCORE_DOT: i32 = 0;
export const SCORE_SQDIST: i32 = 1;
export const TILE: i32 = 512;
/** Mask bits of reduce's `mask` argument. */
export const MASK_CAUSAL: i32 = 1;   // row i sees keys j <= i (of its segment)
export const MASK_NO_SELF: i32 = 2;  // row i never sees key i (of its segment): n = m

/**
 * The dimensions d with a kernel body of their own (bit d set): the query stays in registers
 * and the score loop is unrolled. Every other d runs the generic body (a loop over d). Which
 * ones pay is measured by bench/dims.ts, which builds variants with `asc --use MEANFIELD_DIMS=mask`.
 */
// @ts-ignore: isDefined and MEANFIELD_DIMS are compile-time names of the AssemblyScript compiler
export const SPECIALISED: i32 = isDefined(MEANFIELD_DIMS) ? MEANFIELD_DIMS : 0b111111110;

@inline function specialised(d: i32): bool {
  return (SPECIALISED & (1 << d)) != 0;
}

@inline function roundUp(n: i32, to: i32): i32 {
  return (n + to - 1) / to * to;
}

/** Padded key count for a given m: a multiple of the lane count. */
export function paddedKeys<T>(m: i32): i32 {
  return roundUp(m, lanes<T>());
}

/** Keys [j0, j1) of row-major y, h, v into the SoA columns (stride col bytes) from slot p, zero-padding to a lane multiple. */
@inline function packBlock<T>(y: usize, j0: i32, j1: i32, d: i32, h: usize, v: usize, k: i32, soa: usize, col: usize, p: i32): void {
  const size = <usize>sizeof<T>();
  const cnt = j1 - j0;
  const pad = paddedKeys<T>(cnt) - cnt;
  const base = soa + <usize>p * size;
  const tail = <usize>cnt * size;
  for (let c = 0; c < d; c++) {
    const dst = base + <usize>c * col;
    let src = y + <usize>(j0 * d + c) * size;
    for (let j = 0; j < cnt; j++) { store<T>(dst + <usize>j * size, load<T>(src)); src += <usize>d * size; }
    if (pad != 0) memory.fill(dst + tail, 0, <usize>pad * size);
  }
  const hdst = base + <usize>d * col;
  if (h != 0) memory.copy(hdst, h + <usize>j0 * size, tail);
  else memory.fill(hdst, 0, tail);
  if (pad != 0) memory.fill(hdst + tail, 0, <usize>pad * size);
  for (let c = 0; c < k; c++) {
    const dst = hdst + <usize>(c + 1) * col;
    let src = v + <usize>(j0 * k + c) * size;
    for (let j = 0; j < cnt; j++) { store<T>(dst + <usize>j * size, load<T>(src)); src += <usize>k * size; }
    if (pad != 0) memory.fill(dst + tail, 0, <usize>pad * size);
  }
}

/**
 * Padded key slots of a call: paddedKeys(m) without segments (S = 0), else the sum over the
 * S segments (offsets seg, i32 x (S + 1)) of their padded lengths.
 */
export function keySlots<T>(m: i32, seg: usize, S: i32): i32 {
  if (S == 0) return paddedKeys<T>(m);
  let p = 0;
  for (let s = 0; s < S; s++) p += paddedKeys<T>(load<i32>(seg + <usize>(s + 1) * 4) - load<i32>(seg + <usize>s * 4));
  return p;
}

/**
 * Packs row-major keys y (m x d), log-weights h (m, or 0 for none) and values v (m x k, or k = 0)
 * into soa: d columns of keySlots, then h, then k value columns. With segments (S > 0), segment
 * s starts at slot poff[s] (written here, i32 x (S + 1), poff[S] = keySlots), a lane multiple.
 */
export function packKeys<T>(y: usize, m: i32, d: i32, h: usize, v: usize, k: i32, soa: usize, seg: usize, S: i32, poff: usize): void {
  const slots = keySlots<T>(m, seg, S);
  const col = <usize>slots * <usize>sizeof<T>();
  if (S == 0) { packBlock<T>(y, 0, m, d, h, v, k, soa, col, 0); return; }
  let p = 0;
  for (let s = 0; s < S; s++) {
    const a = load<i32>(seg + <usize>s * 4), b = load<i32>(seg + <usize>(s + 1) * 4);
    store<i32>(poff + <usize>s * 4, p);
    packBlock<T>(y, a, b, d, h, v, k, soa, col, p);
    p += paddedKeys<T>(b - a);
  }
  store<i32>(poff + <usize>S * 4, p);
}

/**
 * The slot layout of a segmented call without packing anything: poff[s] (i32 x (S + 1)) gets
 * segment s's first slot, poff[S] the total. Returns the total (keySlots).
 */
export function segmentSlots<T>(seg: usize, S: i32, poff: usize): i32 {
  let p = 0;
  for (let s = 0; s < S; s++) {
    store<i32>(poff + <usize>s * 4, p);
    p += paddedKeys<T>(load<i32>(seg + <usize>(s + 1) * 4) - load<i32>(seg + <usize>s * 4));
  }
  store<i32>(poff + <usize>S * 4, p);
  return p;
}

/**
 * Packs segments [s0, s1) only, into the layout segmentSlots wrote to poff: what packKeys writes
 * for them, byte for byte. A thread packs just the segments its rows need.
 */
export function packSegments<T>(
  y: usize, d: i32, h: usize, v: usize, k: i32, soa: usize, seg: usize, S: i32, poff: usize, s0: i32, s1: i32,
): void {
  const col = <usize>load<i32>(poff + <usize>S * 4) * <usize>sizeof<T>();
  for (let s = s0; s < s1; s++) {
    const a = load<i32>(seg + <usize>s * 4), b = load<i32>(seg + <usize>(s + 1) * 4);
    packBlock<T>(y, a, b, d, h, v, k, soa, col, load<i32>(poff + <usize>s * 4));
  }
}

/** beta * s + h for one chunk of keys at byte offset off, for D = d <= 8 (D constant after inlining) or D = 0 (any d). */
@inline function chunkScore<T>(
  xi: usize, soa: usize, col: usize, off: usize, d: i32, D: i32, sqdist: bool, betav: v128, hcol: usize,
  x0: v128, x1: v128, x2: v128, x3: v128, x4: v128, x5: v128, x6: v128, x7: v128,
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
    if (D > 4) { t = vsub<T>(x4, vload<T>(soa + 4 * col + off)); s = vadd<T>(s, vmul<T>(t, t)); }
    if (D > 5) { t = vsub<T>(x5, vload<T>(soa + 5 * col + off)); s = vadd<T>(s, vmul<T>(t, t)); }
    if (D > 6) { t = vsub<T>(x6, vload<T>(soa + 6 * col + off)); s = vadd<T>(s, vmul<T>(t, t)); }
    if (D > 7) { t = vsub<T>(x7, vload<T>(soa + 7 * col + off)); s = vadd<T>(s, vmul<T>(t, t)); }
  } else if (D > 4) {
    // Two partial sums: a shorter dependency chain for the wider dimensions.
    s = vmul<T>(x0, vload<T>(soa + off));
    let u = vmul<T>(x1, vload<T>(soa + col + off));
    s = vadd<T>(s, vmul<T>(x2, vload<T>(soa + 2 * col + off)));
    u = vadd<T>(u, vmul<T>(x3, vload<T>(soa + 3 * col + off)));
    s = vadd<T>(s, vmul<T>(x4, vload<T>(soa + 4 * col + off)));
    if (D > 5) u = vadd<T>(u, vmul<T>(x5, vload<T>(soa + 5 * col + off)));
    if (D > 6) s = vadd<T>(s, vmul<T>(x6, vload<T>(soa + 6 * col + off)));
    if (D > 7) u = vadd<T>(u, vmul<T>(x7, vload<T>(soa + 7 * col + off)));
    s = vadd<T>(s, u);
  } else {
    s = vmul<T>(x0, vload<T>(soa + off));
    if (D > 1) s = vadd<T>(s, vmul<T>(x1, vload<T>(soa + col + off)));
    if (D > 2) s = vadd<T>(s, vmul<T>(x2, vload<T>(soa + 2 * col + off)));
    if (D > 3) s = vadd<T>(s, vmul<T>(x3, vload<T>(soa + 3 * col + off)));
  }
  return vadd<T>(vmul<T>(s, betav), vload<T>(hcol + off));
}

/**
 * Scores of keys [j0, j0 + tn) into buf; lanes past tn are -inf, and so is key j0 + self when
 * 0 <= self < tn (the diagonal mask; self = -1 for none). Returns the tile max.
 * betav carries the sign: -beta for sqdist.
 */
@inline function scoreTile<T>(
  buf: usize, xi: usize, soa: usize, col: usize, j0: i32, tn: i32, d: i32, D: i32, sqdist: bool, betav: v128, hcol: usize,
  self: i32,
): f64 {
  const L = lanes<T>();
  const size = <usize>sizeof<T>();
  let x0 = vsplat<T>(0), x1 = vsplat<T>(0), x2 = vsplat<T>(0), x3 = vsplat<T>(0);
  let x4 = vsplat<T>(0), x5 = vsplat<T>(0), x6 = vsplat<T>(0), x7 = vsplat<T>(0);
  if (D > 0) x0 = vloadSplat<T>(xi);
  if (D > 1) x1 = vloadSplat<T>(xi + size);
  if (D > 2) x2 = vloadSplat<T>(xi + 2 * size);
  if (D > 3) x3 = vloadSplat<T>(xi + 3 * size);
  if (D > 4) x4 = vloadSplat<T>(xi + 4 * size);
  if (D > 5) x5 = vloadSplat<T>(xi + 5 * size);
  if (D > 6) x6 = vloadSplat<T>(xi + 6 * size);
  if (D > 7) x7 = vloadSplat<T>(xi + 7 * size);
  let vm = vsplat<T>(-Infinity);
  const full = tn / L * L;
  let off = <usize>j0 * size;
  let b = buf;
  // Two chunks need a mask: the one holding the excluded key (its lane dropped) and the last one
  // when partial (the lanes past tn dropped). One compare per chunk finds either: `next` is the
  // first of them not yet reached (-1: none left).
  const selfChunk = self >= 0 && self < tn ? self - self % L : -1;
  const selfLane = laneIs<T>(self >= 0 ? self % L : 0);
  const tailChunk = full < tn ? full : -1;
  let next = selfChunk >= 0 && (tailChunk < 0 || selfChunk < tailChunk) ? selfChunk : tailChunk;
  for (let j = 0; j < tn; j += L) {
    let s = chunkScore<T>(xi, soa, col, off, d, D, sqdist, betav, hcol, x0, x1, x2, x3, x4, x5, x6, x7);
    if (j == next) {
      if (j == tailChunk) s = maskTail<T>(s, tn - full);
      if (j == selfChunk) s = v128.bitselect(vsplat<T>(-Infinity), s, selfLane);
      next = j < tailChunk ? tailChunk : -1;
    }
    vm = vmax<T>(vm, s);
    v128.store(b, s);
    off += 16; b += 16;
  }
  // An odd count of vectors gets one more of -inf (weight exactly 0), so expTile runs in pairs
  // with no tail. buf holds TILE / L vectors, an even count, so there is room.
  if (((b - buf) & 16) != 0) v128.store(b, vsplat<T>(-Infinity));
  return hmax<T>(vm);
}

/** All ones in lane `lane` of a vector of T, zeros elsewhere. */
@inline function laneIs<T>(lane: i32): v128 {
  if (sizeof<T>() == 8) return i64x2.eq(i64x2(0, 1), i64x2.splat(<i64>lane));
  return i32x4.eq(i32x4(0, 1, 2, 3), i32x4.splat(lane));
}

/**
 * buf <- exp(buf - M) over tnv entries (a lane multiple), two vectors at a time (scoreTile pads
 * an odd count with a vector of -inf: exp gives 0, adding it changes no sum); returns the sum.
 * Inlined: a call per tile measured 3-6% slower in f64 (bench/dims.ts).
 */
@inline function expTile<T>(buf: usize, tnv: i32, M: f64): f64 {
  const L = lanes<T>();
  const mv = vsplat<T>(M);
  let s0 = vsplat<T>(0), s1 = vsplat<T>(0);
  let b = buf;
  for (let j = 0; j < tnv; j += 2 * L) {
    const w0 = vexp<T>(vsub<T>(vload<T>(b), mv));
    const w1 = vexp<T>(vsub<T>(vload<T>(b + 16), mv));
    v128.store(b, w0); v128.store(b + 16, w1);
    s0 = vadd<T>(s0, w0); s1 = vadd<T>(s1, w1);
    b += 32;
  }
  return hsum<T>(vadd<T>(s0, s1));
}

/** q[0..4) += the lane sums of a0..a3, in f64 (the f32 lanes summed pairwise in f32 first). */
@inline function addSums4<T>(q: usize, a0: v128, a1: v128, a2: v128, a3: v128): void {
  if (sizeof<T>() == 8) {
    const s01 = f64x2.add(f64x2.shuffle(a0, a1, 0, 2), f64x2.shuffle(a0, a1, 1, 3));
    const s23 = f64x2.add(f64x2.shuffle(a2, a3, 0, 2), f64x2.shuffle(a2, a3, 1, 3));
    v128.store(q, f64x2.add(v128.load(q), s01));
    v128.store(q + 16, f64x2.add(v128.load(q + 16), s23));
  } else {
    // A 4 x 4 transpose-and-add: lane c of r is sum(a_c).
    const u0 = f32x4.add(f32x4.shuffle(a0, a1, 0, 1, 4, 5), f32x4.shuffle(a0, a1, 2, 3, 6, 7));
    const u1 = f32x4.add(f32x4.shuffle(a2, a3, 0, 1, 4, 5), f32x4.shuffle(a2, a3, 2, 3, 6, 7));
    const r = f32x4.add(f32x4.shuffle(u0, u1, 0, 2, 4, 6), f32x4.shuffle(u0, u1, 1, 3, 5, 7));
    v128.store(q, f64x2.add(v128.load(q), f64x2.promote_low_f32x4(r)));
    v128.store(q + 16, f64x2.add(v128.load(q + 16), f64x2.promote_low_f32x4(i32x4.shuffle(r, r, 2, 3, 0, 1))));
  }
}

/** acc[c0 .. c0+D) += sum_j w_j v_c[j0 + j] for D in 1..4 or 8 (a constant after inlining). */
@inline function valueBlock<T>(buf: usize, tnv: i32, vcol: usize, col: usize, off: usize, c0: i32, D: i32, acc: usize): void {
  const L = lanes<T>();
  let a0 = vsplat<T>(0), a1 = vsplat<T>(0), a2 = vsplat<T>(0), a3 = vsplat<T>(0);
  let a4 = vsplat<T>(0), a5 = vsplat<T>(0), a6 = vsplat<T>(0), a7 = vsplat<T>(0);
  const p0 = vcol + <usize>c0 * col + off;
  let b = buf;
  let o: usize = 0;
  for (let j = 0; j < tnv; j += L) {
    const w = vload<T>(b);
    a0 = vadd<T>(a0, vmul<T>(w, vload<T>(p0 + o)));
    if (D > 1) a1 = vadd<T>(a1, vmul<T>(w, vload<T>(p0 + col + o)));
    if (D > 2) a2 = vadd<T>(a2, vmul<T>(w, vload<T>(p0 + 2 * col + o)));
    if (D > 3) a3 = vadd<T>(a3, vmul<T>(w, vload<T>(p0 + 3 * col + o)));
    if (D > 4) {
      a4 = vadd<T>(a4, vmul<T>(w, vload<T>(p0 + 4 * col + o)));
      a5 = vadd<T>(a5, vmul<T>(w, vload<T>(p0 + 5 * col + o)));
      a6 = vadd<T>(a6, vmul<T>(w, vload<T>(p0 + 6 * col + o)));
      a7 = vadd<T>(a7, vmul<T>(w, vload<T>(p0 + 7 * col + o)));
    }
    b += 16; o += 16;
  }
  const q = acc + <usize>c0 * 8;
  if (D >= 4) {
    addSums4<T>(q, a0, a1, a2, a3);
    if (D > 4) addSums4<T>(q + 32, a4, a5, a6, a7);
  } else {
    store<f64>(q, load<f64>(q) + hsum<T>(a0));
    if (D > 1) store<f64>(q + 8, load<f64>(q + 8) + hsum<T>(a1));
    if (D > 2) store<f64>(q + 16, load<f64>(q + 16) + hsum<T>(a2));
  }
}

/** Value sums of one tile: blocks of 8 columns, then 4, then the 1-3 left. */
function valueTile<T>(buf: usize, tnv: i32, vcol: usize, col: usize, j0: i32, k: i32, acc: usize): void {
  const off = <usize>j0 * <usize>sizeof<T>();
  let c0 = 0;
  for (; c0 + 8 <= k; c0 += 8) valueBlock<T>(buf, tnv, vcol, col, off, c0, 8, acc);
  if (c0 + 4 <= k) { valueBlock<T>(buf, tnv, vcol, col, off, c0, 4, acc); c0 += 4; }
  const D = k - c0;
  if (D == 3) valueBlock<T>(buf, tnv, vcol, col, off, c0, 3, acc);
  else if (D == 2) valueBlock<T>(buf, tnv, vcol, col, off, c0, 2, acc);
  else if (D == 1) valueBlock<T>(buf, tnv, vcol, col, off, c0, 1, acc);
}

/**
 * The per-query loop for one score shape (D, sqdist constant after inlining): rows [i0, i1)
 * against the mk keys packed from soa (column stride col bytes); row i sees key j < mk, or
 * only j <= i - rowBase when causal. With a range list (rng != 0: nr pairs of i32 [start, end))
 * every row sees the keys of those ranges instead, streamed in list order.
 */
@inline function reduceRows<T>(
  x: usize, i0: i32, i1: i32, rowBase: i32, soa: usize, mk: i32, col: usize, d: i32, k: i32, D: i32, sqdist: bool, beta: f64,
  mask: i32, lse: usize, mean: usize, work: usize, rng: usize, nr: i32,
): void {
  const causal = (mask & MASK_CAUSAL) != 0;
  const noSelf = (mask & MASK_NO_SELF) != 0;
  const L = lanes<T>();
  const size = <usize>sizeof<T>();
  const hcol = soa + <usize>d * col;
  const vcol = hcol + col;
  const acc = work;                          // k f64 accumulators
  const buf = work + <usize>roundUp(k, 4) * 8; // TILE scores / weights
  const betav = vsplat<T>(sqdist ? -beta : beta);
  for (let i = i0; i < i1; i++) {
    const xi = x + <usize>(i * d) * size;
    const lim = causal ? min(i - rowBase + 1, mk) : mk;
    let M = -Infinity;
    let S = 0.0;
    for (let c = 0; c < k; c += 2) v128.store(acc + <usize>c * 8, f64x2.splat(0)); // (not memory.fill: a call per row)
    // The row's key ranges: [0, lim) alone without a range list. M, S and acc carry across ranges.
    const ranges = rng == 0 ? 1 : nr;
    for (let ri = 0; ri < ranges; ri++) {
      let a = 0, e = lim;
      if (rng != 0) { a = load<i32>(rng + <usize>ri * 8); e = load<i32>(rng + <usize>ri * 8 + 4); }
      for (let j0 = a; j0 < e; j0 += TILE) {
        const tn = min(TILE, e - j0);
        // The diagonal mask drops key i inside the score pass (before the tile max).
        const tmax = scoreTile<T>(buf, xi, soa, col, j0, tn, d, D, sqdist, betav, hcol, noSelf ? i - rowBase - j0 : -1);
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
    }
    store<f64>(lse + <usize>i * 8, M + Math.log(S));
    if (k > 0) {
      const inv = 1.0 / S;
      const out = mean + <usize>(i * k) * 8;
      for (let c = 0; c < k; c++) store<f64>(out + <usize>c * 8, load<f64>(acc + <usize>c * 8) * inv);
    }
  }
}

/** One block of rows against one block of keys, dispatched to the body specialised for d, or the generic one. */
function reduceBlock<T>(
  x: usize, i0: i32, i1: i32, rowBase: i32, soa: usize, mk: i32, col: usize, d: i32, k: i32, beta: f64, sq: bool,
  mask: i32, lse: usize, mean: usize, work: usize, rng: usize, nr: i32,
): void {
  if (i0 >= i1) return;
  // Most used first. A test whose d SPECIALISED lacks folds to false at compile time.
  if (specialised(3) && d == 3) {
    if (sq) reduceRows<T>(x, i0, i1, rowBase, soa, mk, col, d, k, 3, true, beta, mask, lse, mean, work, rng, nr);
    else reduceRows<T>(x, i0, i1, rowBase, soa, mk, col, d, k, 3, false, beta, mask, lse, mean, work, rng, nr);
  } else if (specialised(2) && d == 2) {
    if (sq) reduceRows<T>(x, i0, i1, rowBase, soa, mk, col, d, k, 2, true, beta, mask, lse, mean, work, rng, nr);
    else reduceRows<T>(x, i0, i1, rowBase, soa, mk, col, d, k, 2, false, beta, mask, lse, mean, work, rng, nr);
  } else if (specialised(8) && d == 8) {
    if (sq) reduceRows<T>(x, i0, i1, rowBase, soa, mk, col, d, k, 8, true, beta, mask, lse, mean, work, rng, nr);
    else reduceRows<T>(x, i0, i1, rowBase, soa, mk, col, d, k, 8, false, beta, mask, lse, mean, work, rng, nr);
  } else if (specialised(1) && d == 1) {
    if (sq) reduceRows<T>(x, i0, i1, rowBase, soa, mk, col, d, k, 1, true, beta, mask, lse, mean, work, rng, nr);
    else reduceRows<T>(x, i0, i1, rowBase, soa, mk, col, d, k, 1, false, beta, mask, lse, mean, work, rng, nr);
  } else if (specialised(4) && d == 4) {
    if (sq) reduceRows<T>(x, i0, i1, rowBase, soa, mk, col, d, k, 4, true, beta, mask, lse, mean, work, rng, nr);
    else reduceRows<T>(x, i0, i1, rowBase, soa, mk, col, d, k, 4, false, beta, mask, lse, mean, work, rng, nr);
  } else if (specialised(5) && d == 5) {
    if (sq) reduceRows<T>(x, i0, i1, rowBase, soa, mk, col, d, k, 5, true, beta, mask, lse, mean, work, rng, nr);
    else reduceRows<T>(x, i0, i1, rowBase, soa, mk, col, d, k, 5, false, beta, mask, lse, mean, work, rng, nr);
  } else if (specialised(6) && d == 6) {
    if (sq) reduceRows<T>(x, i0, i1, rowBase, soa, mk, col, d, k, 6, true, beta, mask, lse, mean, work, rng, nr);
    else reduceRows<T>(x, i0, i1, rowBase, soa, mk, col, d, k, 6, false, beta, mask, lse, mean, work, rng, nr);
  } else if (specialised(7) && d == 7) {
    if (sq) reduceRows<T>(x, i0, i1, rowBase, soa, mk, col, d, k, 7, true, beta, mask, lse, mean, work, rng, nr);
    else reduceRows<T>(x, i0, i1, rowBase, soa, mk, col, d, k, 7, false, beta, mask, lse, mean, work, rng, nr);
  } else {
    if (sq) reduceRows<T>(x, i0, i1, rowBase, soa, mk, col, d, k, 0, true, beta, mask, lse, mean, work, rng, nr);
    else reduceRows<T>(x, i0, i1, rowBase, soa, mk, col, d, k, 0, false, beta, mask, lse, mean, work, rng, nr);
  }
}

/**
 * Rows [i0, i1) of the reduction over keys packed by packKeys. x is row-major n x d in T;
 * lse (n) and mean (n x k) are f64; work holds workBytes(k). Without segments (S = 0) every row
 * sees the m keys; with S segments (seg: i32 offsets, S + 1 of them, n = m; poff: the slots
 * packKeys wrote) row i of segment s sees the keys of segment s only. [i0, i1) may span or cut
 * segments anywhere.
 *
 * With a block mask (Q > 0 query blocks; keys packed without segments, S = 0, and the host puts
 * one zero vector after the SoA): brows (i32 x (Q + 1)) are the blocks' row offsets, bptr
 * (i32 x (Q + 1)) their offsets into branges, i32 pairs [start, end) of key indices; row i of
 * block q sees the keys of ranges bptr[q] .. bptr[q + 1] - 1, in that order. [i0, i1) may cut
 * blocks anywhere. Q = 0: no block mask.
 */
export function reduce<T>(
  x: usize, i0: i32, i1: i32, soa: usize, m: i32, d: i32, k: i32, beta: f64, score: i32, mask: i32,
  lse: usize, mean: usize, work: usize, seg: usize, S: i32, poff: usize,
  brows: usize, Q: i32, bptr: usize, branges: usize,
): void {
  const sq = score == SCORE_SQDIST;
  const size = <usize>sizeof<T>();
  if (S == 0 && Q == 0) {
    reduceBlock<T>(x, i0, i1, 0, soa, m, <usize>paddedKeys<T>(m) * size, d, k, beta, sq, mask, lse, mean, work, 0, 0);
    return;
  }
  if (i0 >= i1) return;
  if (Q != 0) {
    const col = <usize>paddedKeys<T>(m) * size;
    let q = lastAtOrBefore(brows, Q, i0);
    let i = i0;
    for (; q < Q && i < i1; q++) {
      const b = load<i32>(brows + <usize>(q + 1) * 4);
      if (b <= i) continue;
      const r1 = min(b, i1);
      const p0 = load<i32>(bptr + <usize>q * 4), p1 = load<i32>(bptr + <usize>(q + 1) * 4);
      reduceBlock<T>(x, i, r1, 0, soa, m, col, d, k, beta, sq, mask, lse, mean, work, branges + <usize>p0 * 8, p1 - p0);
      i = r1;
    }
    return;
  }
  const col = <usize>load<i32>(poff + <usize>S * 4) * size;
  let i = i0;
  for (let s = lastAtOrBefore(seg, S, i0); s < S && i < i1; s++) {
    const a = load<i32>(seg + <usize>s * 4), b = load<i32>(seg + <usize>(s + 1) * 4);
    if (b <= i) continue;
    const r1 = min(b, i1);
    const keys = soa + <usize>load<i32>(poff + <usize>s * 4) * size;
    reduceBlock<T>(x, i, r1, a, keys, b - a, col, d, k, beta, sq, mask, lse, mean, work, 0, 0);
    i = r1;
  }
}

/** The last of S + 1 nondecreasing i32 offsets at off, among the first S, that is <= i (so its part ends after i, empty parts skipped). */
@inline function lastAtOrBefore(off: usize, S: i32, i: i32): i32 {
  let lo = 0, hi = S;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (load<i32>(off + <usize>mid * 4) <= i) lo = mid; else hi = mid;
  }
  return lo;
}

/** Bytes of work space reduce needs for k value columns. */
export function workBytes<T>(k: i32): i32 {
  return roundUp(k, 4) * 8 + TILE * <i32>sizeof<T>();
}
