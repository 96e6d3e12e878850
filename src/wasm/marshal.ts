// The one way each kernel call is laid out in the core's memory and called, for the calling
// thread (src/backend/wasm.ts) and every pool worker (worker.ts) alike: the same copies, the same
// packing and the same ABI call on the same inputs, so a row's result never depends on the thread.
import type { Arena, CoreExports } from './core.js';

/** The next rows [i0, i1) to compute, or null when none are left. */
export type NextRows = () => [number, number] | null;

/** The kernel's mask bits (assembly/kernels/softmax.ts MASK_CAUSAL, MASK_NO_SELF). */
export const MASK = { causal: 1, diagonal: 2 } as const;
/** The kernel's score codes. */
export const SCORE = { dot: 0, sqdist: 1 } as const;
/** The kernel's activation codes. */
export const ACTIVATION = { relu: 0, tanh: 1, sigmoid: 2 } as const;

/**
 * One reduction call as the core sees it: f64 inputs (only their first n·d, m·d, m, m·k entries
 * are read), the mask as the kernel encodes it, and the outputs, written row by row.
 */
export interface ReduceJob {
  x: Float64Array;
  n: number;
  y: Float64Array;
  m: number;
  d: number;
  /** Key log-weights, or null for 0. */
  h: Float64Array | null;
  /** Values (m x k), or null when k = 0. */
  v: Float64Array | null;
  k: number;
  beta: number;
  /** A SCORE code. */
  score: number;
  f32: boolean;
  /** MASK bits. */
  mask: number;
  /** S + 1 segment offsets, or null for none. */
  segments: Int32Array | null;
  /** A block-sparse mask (query blocks and their key ranges), or null for none. */
  blocks: { rows: Int32Array; ptr: Int32Array; ranges: Int32Array } | null;
  /** Output, length n. */
  lse: Float64Array;
  /** Output, n x k, or null (then the means are not copied out). */
  mean: Float64Array | null;
}

/** Whether the keys are the queries' first m rows, copied in once (self-attention: y = x). */
export function keysAreQueries(j: ReduceJob): boolean {
  return j.y === j.x && j.m <= j.n;
}

/** Whether the values are the keys, copied in once (values = y, k = d). */
export function valuesAreKeys(j: ReduceJob): boolean {
  return j.v !== null && j.v === j.y && j.k === j.d;
}

/**
 * Lays out and packs the keys, then reduces each row range next() yields (until null) into
 * j.lse / j.mean. Without segments every key is copied and packed once; with segments each range
 * copies and packs only the rows of the segments it touches, so a pool thread does work in
 * proportion to its rows. With Q > 0 query blocks the keys are packed once, unsegmented, followed
 * by one zero vector (a range's last vector may read a lane past the SoA), and the kernel finds
 * each row's block.
 */
export function marshalReduce(core: CoreExports, arena: Arena, j: ReduceJob, next: NextRows): void {
  const { n, m, d, f32 } = j;
  const size = f32 ? 4 : 8;
  const lanes = 16 / size;
  const k = j.v === null ? 0 : j.k;
  const seg = j.segments;
  const S = seg === null ? 0 : seg.length - 1;
  const blk = j.blocks;
  const Q = blk === null ? 0 : blk.rows.length - 1;
  let slots = 0;
  if (seg === null) slots = Math.ceil(m / lanes) * lanes;
  else for (let s = 0; s < S; s++) slots += Math.ceil((seg[s + 1] - seg[s]) / lanes) * lanes;
  const yIsX = keysAreQueries(j);
  const vIsY = valuesAreKeys(j);
  arena.reset();
  const px = arena.alloc(n * d * size);
  const py = yIsX ? px : arena.alloc(m * d * size);
  const ph = j.h === null ? 0 : arena.alloc(m * size);
  const pv = k === 0 ? 0 : vIsY ? py : arena.alloc(m * k * size);
  const soaBytes = (d + 1 + k) * slots * size;
  const psoa = arena.alloc(soaBytes + (Q === 0 ? 0 : 16));
  const plse = arena.alloc(n * 8);
  const pmean = k === 0 ? 0 : arena.alloc(n * k * 8);
  const pwork = arena.alloc(f32 ? core.workBytesF32(k) : core.workBytesF64(k));
  const pseg = S === 0 ? 0 : arena.alloc((S + 1) * 4);
  const ppoff = S === 0 ? 0 : arena.alloc((S + 1) * 4);
  const pblk = blk === null ? 0 : arena.alloc((2 * (Q + 1) + blk.ranges.length) * 4);
  const bptr = pblk + (Q + 1) * 4,
    branges = pblk + 2 * (Q + 1) * 4;
  // The cached views only now: every alloc above may have grown (and detached) the buffer.
  if (seg === null) {
    putPrefix(arena, px, j.x, n * d, f32);
    if (!yIsX) putPrefix(arena, py, j.y, m * d, f32);
    if (j.h !== null) putPrefix(arena, ph, j.h, m, f32);
    if (k !== 0 && !vIsY) putPrefix(arena, pv, j.v!, m * k, f32);
    if (f32) core.packKeysF32(py, m, d, ph, pv, k, psoa, pseg, S, ppoff);
    else core.packKeysF64(py, m, d, ph, pv, k, psoa, pseg, S, ppoff);
    if (blk !== null) {
      const I = arena.I32,
        p = pblk >> 2;
      I.fill(0, (psoa + soaBytes) >> 2, ((psoa + soaBytes) >> 2) + 4);
      I.set(blk.rows, p);
      I.set(blk.ptr, p + Q + 1);
      I.set(blk.ranges, p + 2 * (Q + 1));
    }
  } else {
    arena.I32.set(seg, pseg >> 2);
    if (f32) core.segmentSlotsF32(pseg, S, ppoff);
    else core.segmentSlotsF64(pseg, S, ppoff);
  }
  for (let r = next(); r !== null; r = next()) {
    const i0 = r[0],
      i1 = r[1];
    if (seg !== null && i0 < i1) {
      // Rows [j0, j1) hold every query of the range and every key its rows see (n = m).
      const [s0, s1] = segmentsOf(seg, S, i0, i1);
      const j0 = seg[s0],
        j1 = seg[s1];
      putRows(arena, px, j.x, j0, j1, d, f32);
      if (!yIsX) putRows(arena, py, j.y, j0, j1, d, f32);
      if (j.h !== null) putRows(arena, ph, j.h, j0, j1, 1, f32);
      if (k !== 0 && !vIsY) putRows(arena, pv, j.v!, j0, j1, k, f32);
      if (f32) core.packSegmentsF32(py, d, ph, pv, k, psoa, pseg, S, ppoff, s0, s1);
      else core.packSegmentsF64(py, d, ph, pv, k, psoa, pseg, S, ppoff, s0, s1);
    }
    if (f32) core.reduceF32(px, i0, i1, psoa, m, d, k, j.beta, j.score, j.mask, plse, pmean, pwork, pseg, S, ppoff, pblk, Q, bptr, branges);
    else core.reduceF64(px, i0, i1, psoa, m, d, k, j.beta, j.score, j.mask, plse, pmean, pwork, pseg, S, ppoff, pblk, Q, bptr, branges);
    takeF64(arena, plse + i0 * 8, i1 - i0, j.lse, i0);
    if (k !== 0 && j.mean !== null) takeF64(arena, pmean + i0 * k * 8, (i1 - i0) * k, j.mean, i0 * k);
  }
}

/**
 * A two-layer network call as the core sees it: samples x (n x d), particles theta
 * (m x (d + 2), rows (a, w, b)), weights omega (m), an ACTIVATION code.
 */
export interface TwoLayerJob {
  x: Float64Array;
  n: number;
  d: number;
  theta: Float64Array;
  omega: Float64Array;
  m: number;
  act: number;
  f32: boolean;
}

/** out[i] = f(x_i) for each sample row range next() yields. */
export function marshalForward(core: CoreExports, arena: Arena, j: TwoLayerJob, out: Float64Array, next: NextRows): void {
  const { px, psoa } = layoutTwoLayer(core, arena, j);
  const pout = arena.alloc(j.n * 8);
  for (let r = next(); r !== null; r = next()) {
    const [i0, i1] = r;
    if (j.f32) core.forwardF32(px, i0, i1, psoa, j.m, j.d, j.act, pout);
    else core.forwardF64(px, i0, i1, psoa, j.m, j.d, j.act, pout);
    out.set(arena.f64(pout + i0 * 8, i1 - i0), i0);
  }
}

/** grad rows (width d + 2) of each neuron range next() yields, with sample weights r (length n). */
export function marshalBackward(
  core: CoreExports,
  arena: Arena,
  j: TwoLayerJob,
  r: Float64Array,
  grad: Float64Array,
  next: NextRows,
): void {
  const { px, psoa } = layoutTwoLayer(core, arena, j);
  const size = j.f32 ? 4 : 8;
  const pr = arena.alloc(j.n * size);
  const pgrad = arena.alloc(j.m * (j.d + 2) * 8);
  const pwork = arena.alloc(core.twoLayerWorkBytes(j.d));
  put(arena, pr, r.subarray(0, j.n), j.f32);
  const p = j.d + 2;
  for (let range = next(); range !== null; range = next()) {
    const [j0, j1] = range;
    if (j.f32) core.backwardF32(px, pr, j.n, psoa, j.m, j0, j1, j.d, j.act, pgrad, pwork);
    else core.backwardF64(px, pr, j.n, psoa, j.m, j0, j1, j.d, j.act, pgrad, pwork);
    grad.set(arena.f64(pgrad + j0 * p * 8, (j1 - j0) * p), j0 * p);
  }
}

/** Copies samples in and packs the neurons. */
function layoutTwoLayer(core: CoreExports, arena: Arena, j: TwoLayerJob): { px: number; psoa: number } {
  const { f32, n, m, d } = j;
  const size = f32 ? 4 : 8;
  const mPad = f32 ? core.paddedNeuronsF32(m) : core.paddedNeuronsF64(m);
  arena.reset();
  const px = arena.alloc(n * d * size);
  const ptheta = arena.alloc(m * (d + 2) * size);
  const pomega = arena.alloc(m * size);
  const psoa = arena.alloc((d + 3) * mPad * size);
  put(arena, px, j.x.subarray(0, n * d), f32);
  put(arena, ptheta, j.theta.subarray(0, m * (d + 2)), f32);
  put(arena, pomega, j.omega.subarray(0, m), f32);
  if (f32) core.packNeuronsF32(ptheta, pomega, m, d, psoa);
  else core.packNeuronsF64(ptheta, pomega, m, d, psoa);
  return { px, psoa };
}

/** The segments overlapping rows [i0, i1) (i0 < i1): [s0, s1), by binary search over the S + 1 offsets. */
function segmentsOf(seg: Int32Array, S: number, i0: number, i1: number): [number, number] {
  let lo = 0,
    hi = S; // s0: the last segment starting at or before i0
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (seg[mid] <= i0) lo = mid;
    else hi = mid;
  }
  const s0 = lo;
  lo = s0;
  hi = S; // s1: the first offset at or after i1
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (seg[mid] < i1) lo = mid + 1;
    else hi = mid;
  }
  return [s0, lo];
}

/** Writes a into memory at ptr in the chosen precision. */
function put(arena: Arena, ptr: number, a: Float64Array, f32: boolean): void {
  if (f32) arena.f32(ptr, a.length).set(a);
  else arena.f64(ptr, a.length).set(a);
}

/** Writes the first len entries of a into memory at ptr (16-byte aligned) in the chosen precision, through the cached views. */
function putPrefix(arena: Arena, ptr: number, a: Float64Array, len: number, f32: boolean): void {
  const src = a.length === len ? a : a.subarray(0, len);
  if (f32) arena.F32.set(src, ptr >> 2);
  else arena.F64.set(src, ptr >> 3);
}

/** Writes rows [r0, r1) of a row-major array of width w into memory at ptr (its row 0) in the chosen precision. */
function putRows(arena: Arena, ptr: number, a: Float64Array, r0: number, r1: number, w: number, f32: boolean): void {
  const src = a.subarray(r0 * w, r1 * w);
  if (f32) arena.F32.set(src, (ptr >> 2) + r0 * w);
  else arena.F64.set(src, (ptr >> 3) + r0 * w);
}

/** Copies len f64 from memory at ptr into out from index at. */
function takeF64(arena: Arena, ptr: number, len: number, out: Float64Array, at: number): void {
  const F = arena.F64;
  const p = ptr >> 3;
  if (len <= 64) for (let i = 0; i < len; i++) out[at + i] = F[p + i];
  else out.set(F.subarray(p, p + len), at);
}
