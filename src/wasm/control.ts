// The pool's shared protocol, in one place for the calling thread (pool.ts, src/backend/wasm.ts)
// and the workers (worker.ts): the control words, the row chunks each thread takes, and how a
// job (marshal.ts) is written into shared memory and read back. Arrays travel as f64 in one data
// buffer, at offsets (in f64 units) held in control words; NONE stands for a null array.
import { keysAreQueries, valuesAreKeys, type ReduceJob, type TwoLayerJob } from './marshal.js';

/** The control words (Int32Array indices). */
export const C = {
  // Synchronisation: job sequence number, workers still running, operation, a worker failed.
  SEQ: 0,
  PENDING: 1,
  OP: 2,
  ERROR: 3,
  // Row chunks: the next chunk to take, rows per chunk, chunks, rows.
  NEXT: 4,
  CHUNK: 5,
  CHUNKS: 6,
  ROWS: 7,
  // Sizes and codes.
  N: 8,
  M: 9,
  D: 10,
  K: 11,
  F32: 12,
  SCORE: 13,
  MASK: 14,
  ACT: 15,
  // Array offsets.
  X: 16,
  Y: 17,
  H: 18,
  V: 19,
  LSE: 20,
  MEAN: 21,
  SEG: 22,
  NSEG: 23,
  BLK: 24,
  NBLK: 25,
  THETA: 26,
  OMEGA: 27,
  R: 28,
  OUT: 29,
} as const;
/** Control words in the control buffer. */
export const CONTROL_WORDS = 32;
/** f64 parameters in the params buffer: 0 is beta. */
export const PARAMS = 8;
export const OP = { REDUCE: 1, FORWARD: 2, BACKWARD: 3, EXIT: 9 } as const;
/** The offset of a null array. */
const NONE = -1;

/**
 * Row chunks handed out at run time (dynamic scheduling): each thread takes the next chunk
 * until none is left, so a thread slowed by other load on its core takes fewer. About 8 chunks
 * per thread, each a multiple of align rows (SIMD lanes); the last rows come first, since
 * causal rows cost ∝ i. Which thread computes a row never changes how it is computed.
 */
export function chunking(n: number, threads: number, align = 1): { chunk: number; chunks: number } {
  const chunk = Math.max(align, Math.ceil(Math.ceil(n / (8 * threads)) / align) * align);
  return { chunk, chunks: Math.ceil(n / chunk) };
}

/** The rows [i0, i1) of chunk c (of `chunks` chunks of `chunk` rows over n rows). */
export function chunkRows(c: number, chunk: number, chunks: number, n: number): [number, number] {
  const i0 = (chunks - 1 - c) * chunk;
  return [i0, Math.min(n, i0 + chunk)];
}

/** Takes the next chunk of the current job: its index, or -1 when none is left. */
export function takeChunk(ctrl: Int32Array): number {
  const c = Atomics.add(ctrl, C.NEXT, 1);
  return c < ctrl[C.CHUNKS] ? c : -1;
}

/** The rows of the chunks a thread takes from the current job, one range per call, then null. */
export function chunkSource(ctrl: Int32Array, taken?: (c: number) => void): () => [number, number] | null {
  return () => {
    const c = takeChunk(ctrl);
    if (c < 0) return null;
    taken?.(c);
    return chunkRows(c, ctrl[C.CHUNK], ctrl[C.CHUNKS], ctrl[C.ROWS]);
  };
}

/** The calling thread's side of the shared buffers (the Pool). */
export interface SharedWriter {
  readonly ctrl: Int32Array;
  readonly param: Float64Array;
  /** Starts a new layout of the data buffer. */
  reset(): void;
  /** Copies a in, returning its offset. */
  put(a: ArrayLike<number>): number;
  /** Reserves len f64, returning their offset. */
  reserve(len: number): number;
  view(offset: number, len: number): Float64Array;
}

/** A worker's side: the control words, the parameters and views of the data buffer. */
export interface SharedReader {
  readonly ctrl: Int32Array;
  readonly param: Float64Array;
  view(offset: number, len: number): Float64Array;
}

/**
 * Writes a reduction job for the workers. Inputs that are the same array (keysAreQueries,
 * valuesAreKeys) are written once, and readReduce gives them back as one array, so the workers
 * copy them once too. Returns the shared outputs the workers write their rows into.
 */
export function writeReduce(w: SharedWriter, j: ReduceJob): { lse: Float64Array; mean: Float64Array | null } {
  const c = w.ctrl;
  const k = j.v === null ? 0 : j.k;
  w.reset();
  c[C.OP] = OP.REDUCE;
  c[C.N] = j.n;
  c[C.M] = j.m;
  c[C.D] = j.d;
  c[C.K] = k;
  c[C.F32] = j.f32 ? 1 : 0;
  c[C.SCORE] = j.score;
  c[C.MASK] = j.mask;
  w.param[0] = j.beta;
  c[C.X] = w.put(j.x.subarray(0, j.n * j.d));
  c[C.Y] = keysAreQueries(j) ? c[C.X] : w.put(j.y.subarray(0, j.m * j.d));
  c[C.H] = j.h === null ? NONE : w.put(j.h.subarray(0, j.m));
  c[C.V] = k === 0 ? NONE : valuesAreKeys(j) ? c[C.Y] : w.put(j.v!.subarray(0, j.m * k));
  c[C.NSEG] = j.segments === null ? 0 : j.segments.length - 1;
  c[C.SEG] = j.segments === null ? NONE : w.put(j.segments);
  const b = j.blocks;
  c[C.NBLK] = b === null ? 0 : b.rows.length - 1;
  c[C.BLK] = NONE;
  if (b !== null) {
    // rows, ptr and ranges one after another (Q + 1, Q + 1 and 2 ptr[Q] entries).
    const Q1 = b.rows.length;
    c[C.BLK] = w.reserve(2 * Q1 + b.ranges.length);
    const all = w.view(c[C.BLK], 2 * Q1 + b.ranges.length);
    all.set(b.rows, 0);
    all.set(b.ptr, Q1);
    all.set(b.ranges, 2 * Q1);
  }
  c[C.LSE] = w.reserve(j.n);
  c[C.MEAN] = k === 0 ? NONE : w.reserve(j.n * k);
  return { lse: w.view(c[C.LSE], j.n), mean: k === 0 ? null : w.view(c[C.MEAN], j.n * k) };
}

/** The reduction job writeReduce wrote, its outputs views of the shared buffer. */
export function readReduce(r: SharedReader): ReduceJob {
  const c = r.ctrl;
  const n = c[C.N],
    m = c[C.M],
    d = c[C.D],
    k = c[C.K];
  const x = r.view(c[C.X], n * d);
  const y = c[C.Y] === c[C.X] ? x : r.view(c[C.Y], m * d);
  const S = c[C.NSEG],
    Q = c[C.NBLK];
  let blocks: ReduceJob['blocks'] = null;
  if (Q > 0) {
    const Q1 = Q + 1;
    const R = r.view(c[C.BLK] + 2 * Q1 - 1, 1)[0]; // ptr[Q]: the number of ranges
    const all = Int32Array.from(r.view(c[C.BLK], 2 * Q1 + 2 * R));
    blocks = { rows: all.subarray(0, Q1), ptr: all.subarray(Q1, 2 * Q1), ranges: all.subarray(2 * Q1) };
  }
  return {
    x,
    n,
    y,
    m,
    d,
    h: c[C.H] === NONE ? null : r.view(c[C.H], m),
    v: c[C.V] === NONE ? null : c[C.V] === c[C.Y] ? y : r.view(c[C.V], m * k),
    k,
    beta: r.param[0],
    score: c[C.SCORE],
    f32: c[C.F32] === 1,
    mask: c[C.MASK],
    segments: S === 0 ? null : Int32Array.from(r.view(c[C.SEG], S + 1)),
    blocks,
    lse: r.view(c[C.LSE], n),
    mean: c[C.MEAN] === NONE ? null : r.view(c[C.MEAN], n * k),
  };
}

/**
 * Writes a two-layer job (op FORWARD or BACKWARD, the latter with sample weights r) and returns
 * the shared output: f(x_i) (n) for FORWARD, the gradient rows (m x (d + 2)) for BACKWARD.
 */
export function writeTwoLayer(w: SharedWriter, op: number, j: TwoLayerJob, r: Float64Array | null): Float64Array {
  const c = w.ctrl;
  w.reset();
  c[C.OP] = op;
  c[C.N] = j.n;
  c[C.M] = j.m;
  c[C.D] = j.d;
  c[C.K] = 0;
  c[C.F32] = j.f32 ? 1 : 0;
  c[C.ACT] = j.act;
  c[C.X] = w.put(j.x.subarray(0, j.n * j.d));
  c[C.THETA] = w.put(j.theta.subarray(0, j.m * (j.d + 2)));
  c[C.OMEGA] = w.put(j.omega.subarray(0, j.m));
  c[C.R] = r === null ? NONE : w.put(r.subarray(0, j.n));
  const len = op === OP.BACKWARD ? j.m * (j.d + 2) : j.n;
  c[C.OUT] = w.reserve(len);
  return w.view(c[C.OUT], len);
}

/** The two-layer job writeTwoLayer wrote, with its sample weights (null for FORWARD) and shared output. */
export function readTwoLayer(s: SharedReader): { job: TwoLayerJob; r: Float64Array | null; out: Float64Array } {
  const c = s.ctrl;
  const n = c[C.N],
    m = c[C.M],
    d = c[C.D];
  const job: TwoLayerJob = {
    x: s.view(c[C.X], n * d),
    n,
    d,
    theta: s.view(c[C.THETA], m * (d + 2)),
    omega: s.view(c[C.OMEGA], m),
    m,
    act: c[C.ACT],
    f32: c[C.F32] === 1,
  };
  const out = s.view(c[C.OUT], c[C.OP] === OP.BACKWARD ? m * (d + 2) : n);
  return { job, r: c[C.R] === NONE ? null : s.view(c[C.R], n), out };
}
