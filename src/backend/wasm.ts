// The Wasm backend: copies arguments into the core's memory, calls the flat ABI, copies
// results out. Scratch space is laid out anew from the heap base at every call. With a pool,
// large calls split their rows (queries, samples or neurons) across the pool's threads.
import { Arena, type CoreExports } from '../wasm/core.js';
import { C, OP, type Pool } from '../wasm/pool.js';
import { checkF32 } from './precision.js';
import { blockCount } from './blocks.js';
import { maskBits, pairCount, segmentCount } from './segments.js';
import type { Activation, Backend, Precision, ReduceArgs, TwoLayerArgs } from './types.js';

const ACTIVATION: Record<Activation, number> = { relu: 0, tanh: 1, sigmoid: 2 };

/**
 * Calls below threadCutoff pair-coordinates (query-key pairs x (d + k + 1); with segments the
 * pairs are the sum over segments of n_s^2, with blocks the pairs the block mask keeps) stay on the calling thread: waking the pool costs tens of microseconds. Measured (bench/threads.ts, attention
 * d = 3): 2 threads break even near N = 128 (1.1e5: f32 0.82x, f64 1.07x) and win 1.2-1.45x at
 * N = 256 (4.6e5).
 */
export const tuning = { threadCutoff: 1 << 17 };

export interface WasmBackend extends Backend {
  readonly memoryBytes: number;
  pool: Pool | null;
}

export function createWasmBackend(core: CoreExports): WasmBackend {
  const arena = new Arena(core);

  /** Writes a Float64Array into memory at ptr in the chosen precision. */
  function put(ptr: number, a: Float64Array, f32: boolean): void {
    if (f32) arena.f32(ptr, a.length).set(a);
    else arena.f64(ptr, a.length).set(a);
  }

  /** Writes the first len entries of a into memory at ptr (16-byte aligned) in the chosen precision, through the cached views. */
  function putPrefix(ptr: number, a: Float64Array, len: number, f32: boolean): void {
    const src = a.length === len ? a : a.subarray(0, len);
    if (f32) arena.F32.set(src, ptr >> 2);
    else arena.F64.set(src, ptr >> 3);
  }

  /** Copies len f64 from memory at ptr into out from index at. */
  function takeF64(ptr: number, len: number, out: Float64Array, at: number): void {
    const F = arena.F64;
    const p = ptr >> 3;
    if (len <= 64) for (let i = 0; i < len; i++) out[at + i] = F[p + i];
    else out.set(F.subarray(p, p + len), at);
  }

  /** A range supplier that yields [i0, i1) once. */
  function once(i0: number, i1: number): () => [number, number] | null {
    let done = false;
    return () => (done ? null : ((done = true), [i0, i1]));
  }

  /** The segments overlapping rows [i0, i1) (i0 < i1): [s0, s1), by binary search over the S + 1 offsets. */
  function segmentsOf(seg: Int32Array, S: number, i0: number, i1: number): [number, number] {
    let lo = 0, hi = S; // s0: the last segment starting at or before i0
    while (hi - lo > 1) { const mid = (lo + hi) >> 1; if (seg[mid] <= i0) lo = mid; else hi = mid; }
    const s0 = lo;
    lo = s0; hi = S; // s1: the first offset at or after i1
    while (lo < hi) { const mid = (lo + hi) >> 1; if (seg[mid] < i1) lo = mid + 1; else hi = mid; }
    return [s0, lo];
  }

  /**
   * Lays out and packs the keys, then reduces each row range next() yields (until null) into
   * a.lse / a.mean. Inputs that are the same array (self-attention: y = x, values = x) are copied once.
   * Without segments every key is copied and packed once; with segments each range copies and packs
   * only the rows of the segments it touches, so a pool thread does work in proportion to its rows.
   * With Q > 0 query blocks (a.blocks) the keys are packed once, unsegmented, followed by one zero
   * vector (a range's last vector may read a lane past the SoA), and the kernel finds each row's block.
   */
  function reduceRows(a: ReduceArgs, S: number, Q: number, next: () => [number, number] | null): void {
    const f32 = a.precision === 'f32';
    const size = f32 ? 4 : 8;
    const lanes = 16 / size;
    const k = a.values === null ? 0 : a.k;
    const { n, m, d } = a;
    const seg = S === 0 ? null : a.segments!;
    let slots = 0;
    if (seg === null) slots = Math.ceil(m / lanes) * lanes;
    else for (let s = 0; s < S; s++) slots += Math.ceil((seg[s + 1] - seg[s]) / lanes) * lanes;
    const yIsX = a.y === a.x && m <= n;
    const vIsY = a.values === a.y && k === d;
    arena.reset();
    const px = arena.alloc(n * d * size);
    const py = yIsX ? px : arena.alloc(m * d * size);
    const ph = a.logWeights === null ? 0 : arena.alloc(m * size);
    const pv = k === 0 ? 0 : vIsY ? py : arena.alloc(m * k * size);
    const soaBytes = (d + 1 + k) * slots * size;
    const psoa = arena.alloc(soaBytes + (Q === 0 ? 0 : 16));
    const plse = arena.alloc(n * 8);
    const pmean = k === 0 ? 0 : arena.alloc(n * k * 8);
    const pwork = arena.alloc(f32 ? core.workBytesF32(k) : core.workBytesF64(k));
    const pseg = S === 0 ? 0 : arena.alloc((S + 1) * 4);
    const ppoff = S === 0 ? 0 : arena.alloc((S + 1) * 4);
    const blk = Q === 0 ? null : a.blocks!;
    const pblk = blk === null ? 0 : arena.alloc((2 * (Q + 1) + blk.ranges.length) * 4);
    // The cached views only now: every alloc above may have grown (and detached) the buffer.
    const score = a.score === 'sqdist' ? 1 : 0;
    const causal = maskBits(a);
    if (seg === null) {
      putPrefix(px, a.x, n * d, f32);
      if (!yIsX) putPrefix(py, a.y, m * d, f32);
      if (a.logWeights !== null) putPrefix(ph, a.logWeights, m, f32);
      if (k !== 0 && !vIsY) putPrefix(pv, a.values!, m * k, f32);
      if (f32) core.packKeysF32(py, m, d, ph, pv, k, psoa, pseg, S, ppoff);
      else core.packKeysF64(py, m, d, ph, pv, k, psoa, pseg, S, ppoff);
      if (blk !== null) {
        const I = arena.I32, p = pblk >> 2;
        I.fill(0, (psoa + soaBytes) >> 2, ((psoa + soaBytes) >> 2) + 4);
        I.set(blk.rows, p);
        I.set(blk.ptr, p + Q + 1);
        I.set(blk.ranges, p + 2 * (Q + 1));
      }
    } else {
      arena.I32.set(seg, pseg >> 2);
      if (f32) core.segmentSlotsF32(pseg, S, ppoff); else core.segmentSlotsF64(pseg, S, ppoff);
    }
    for (let r = next(); r !== null; r = next()) {
      const i0 = r[0], i1 = r[1];
      if (seg !== null && i0 < i1) {
        // Rows [j0, j1) hold every query of the range and every key its rows see (n = m).
        const [s0, s1] = segmentsOf(seg, S, i0, i1);
        const j0 = seg[s0], j1 = seg[s1];
        putRows(px, a.x, j0, j1, d, f32);
        if (!yIsX) putRows(py, a.y, j0, j1, d, f32);
        if (a.logWeights !== null) putRows(ph, a.logWeights, j0, j1, 1, f32);
        if (k !== 0 && !vIsY) putRows(pv, a.values!, j0, j1, k, f32);
        if (f32) core.packSegmentsF32(py, d, ph, pv, k, psoa, pseg, S, ppoff, s0, s1);
        else core.packSegmentsF64(py, d, ph, pv, k, psoa, pseg, S, ppoff, s0, s1);
      }
      const bptr = pblk + (Q + 1) * 4, branges = pblk + 2 * (Q + 1) * 4;
      if (f32) core.reduceF32(px, i0, i1, psoa, m, d, k, a.beta, score, causal, plse, pmean, pwork, pseg, S, ppoff, pblk, Q, bptr, branges);
      else core.reduceF64(px, i0, i1, psoa, m, d, k, a.beta, score, causal, plse, pmean, pwork, pseg, S, ppoff, pblk, Q, bptr, branges);
      takeF64(plse + i0 * 8, i1 - i0, a.lse, i0);
      if (k !== 0 && a.mean !== null) takeF64(pmean + i0 * k * 8, (i1 - i0) * k, a.mean, i0 * k);
    }
  }

  /** Writes rows [r0, r1) of a row-major array of width w into memory at ptr (its row 0) in the chosen precision. */
  function putRows(ptr: number, a: Float64Array, r0: number, r1: number, w: number, f32: boolean): void {
    const src = a.subarray(r0 * w, r1 * w);
    if (f32) arena.F32.set(src, (ptr >> 2) + r0 * w);
    else arena.F64.set(src, (ptr >> 3) + r0 * w);
  }

  /** Copies samples and packed neurons in; reserves the outputs of one forward or backward call. */
  function layoutTwoLayer(a: TwoLayerArgs, backward: boolean) {
    const f32 = a.precision === 'f32';
    const size = f32 ? 4 : 8;
    const mPad = f32 ? core.paddedNeuronsF32(a.m) : core.paddedNeuronsF64(a.m);
    arena.reset();
    const px = arena.alloc(a.n * a.d * size);
    const ptheta = arena.alloc(a.m * (a.d + 2) * size);
    const pomega = arena.alloc(a.m * size);
    const psoa = arena.alloc((a.d + 3) * mPad * size);
    const pout = backward ? 0 : arena.alloc(a.n * 8);
    const pr = backward ? arena.alloc(a.n * size) : 0;
    const pgrad = backward ? arena.alloc(a.m * (a.d + 2) * 8) : 0;
    const pwork = backward ? arena.alloc(core.twoLayerWorkBytes(a.d)) : 0;
    put(px, a.x.subarray(0, a.n * a.d), f32);
    put(ptheta, a.theta.subarray(0, a.m * (a.d + 2)), f32);
    put(pomega, a.weights.subarray(0, a.m), f32);
    if (f32) core.packNeuronsF32(ptheta, pomega, a.m, a.d, psoa);
    else core.packNeuronsF64(ptheta, pomega, a.m, a.d, psoa);
    return { f32, px, psoa, pout, pr, pgrad, pwork };
  }

  function forwardRows(a: TwoLayerArgs, out: Float64Array, next: () => [number, number] | null): void {
    const { f32, px, psoa, pout } = layoutTwoLayer(a, false);
    for (let r = next(); r !== null; r = next()) {
      const [i0, i1] = r;
      if (f32) core.forwardF32(px, i0, i1, psoa, a.m, a.d, ACTIVATION[a.activation], pout);
      else core.forwardF64(px, i0, i1, psoa, a.m, a.d, ACTIVATION[a.activation], pout);
      out.set(arena.f64(pout + i0 * 8, i1 - i0), i0);
    }
  }

  function backwardNeurons(a: TwoLayerArgs, r: Float64Array, grad: Float64Array, next: () => [number, number] | null): void {
    const { f32, px, psoa, pr, pgrad, pwork } = layoutTwoLayer(a, true);
    put(pr, r.subarray(0, a.n), f32);
    const act = ACTIVATION[a.activation];
    const p = a.d + 2;
    for (let range = next(); range !== null; range = next()) {
      const [j0, j1] = range;
      if (f32) core.backwardF32(px, pr, a.n, psoa, a.m, j0, j1, a.d, act, pgrad, pwork);
      else core.backwardF64(px, pr, a.n, psoa, a.m, j0, j1, a.d, act, pgrad, pwork);
      grad.set(arena.f64(pgrad + j0 * p * 8, (j1 - j0) * p), j0 * p);
    }
  }

  /** The pool when this call is worth splitting over `rows` rows, else null. */
  function poolFor(rows: number, work: number): Pool | null {
    const pool = backend.pool;
    return pool !== null && pool.threads > 1 && rows >= 2 * pool.threads && work >= tuning.threadCutoff ? pool : null;
  }

  /** Sets the control words shared by every threaded call. */
  function describe(pool: Pool, op: number, n: number, m: number, d: number, k: number, f32: boolean): void {
    const c = pool.ctrl;
    c[C.OP] = op; c[C.N] = n; c[C.M] = m; c[C.D] = d; c[C.K] = k; c[C.F32] = f32 ? 1 : 0;
  }

  const backend: WasmBackend = {
    name: 'wasm',
    pool: null,

    get memoryBytes(): number {
      return arena.byteLength;
    },

    softmaxReduce(a: ReduceArgs): void {
      checkF32(a);
      const S = segmentCount(a);
      const Q = blockCount(a);
      const k = a.values === null ? 0 : a.k;
      const pool = poolFor(a.n, pairCount(a, S, Q) * (a.d + k + 1));
      if (pool === null) return reduceRows(a, S, Q, once(0, a.n));
      pool.reset();
      const c = pool.ctrl;
      describe(pool, OP.REDUCE, a.n, a.m, a.d, k, a.precision === 'f32');
      // Inputs that are the same array (self-attention: y = x, values = y) are shared once; the
      // workers see equal offsets and copy them once too.
      c[C.X] = pool.put(a.x.subarray(0, a.n * a.d));
      c[C.Y] = a.y === a.x && a.m <= a.n ? c[C.X] : pool.put(a.y.subarray(0, a.m * a.d));
      c[C.HAS_H] = a.logWeights === null ? 0 : 1;
      c[C.H] = a.logWeights === null ? 0 : pool.put(a.logWeights.subarray(0, a.m));
      c[C.V] = k === 0 ? 0 : a.values === a.y && k === a.d ? c[C.Y] : pool.put(a.values!.subarray(0, a.m * k));
      c[C.LSE] = pool.reserve(a.n);
      c[C.MEAN] = k === 0 ? 0 : pool.reserve(a.n * k);
      c[C.SCORE] = a.score === 'sqdist' ? 1 : 0;
      c[C.CAUSAL] = maskBits(a);
      c[C.NSEG] = S;
      c[C.SEG] = S === 0 ? 0 : pool.put(a.segments!);
      c[C.NBLK] = Q;
      c[C.BLK] = Q === 0 ? 0 : pool.put(concatBlocks(a.blocks!));
      pool.param[0] = a.beta;
      // This thread computes straight into the caller's arrays, the workers into shared memory.
      // Row chunks need not align with segments or blocks: the kernel finds each row's segment or block.
      for (const [i0, i1] of pool.run(a.n, 1, (next) => reduceRows(a, S, Q, next))) {
        a.lse.set(pool.view(c[C.LSE] + i0, i1 - i0), i0);
        if (k !== 0 && a.mean !== null) a.mean.set(pool.view(c[C.MEAN] + i0 * k, (i1 - i0) * k), i0 * k);
      }
    },

    twoLayerForward(a: TwoLayerArgs, out: Float64Array): void {
      const pool = poolFor(a.n, a.n * a.m * (a.d + 2));
      if (pool === null) return forwardRows(a, out, once(0, a.n));
      const c = twoLayerJob(pool, a, OP.FORWARD);
      c[C.LSE] = pool.reserve(a.n);
      for (const [i0, i1] of pool.run(a.n, 1, (next) => forwardRows(a, out, next))) out.set(pool.view(c[C.LSE] + i0, i1 - i0), i0);
    },

    twoLayerBackward(a: TwoLayerArgs, r: Float64Array, grad: Float64Array): void {
      const pool = poolFor(a.m, a.n * a.m * (a.d + 2));
      if (pool === null) return backwardNeurons(a, r, grad, once(0, a.m));
      const c = twoLayerJob(pool, a, OP.BACKWARD);
      c[C.R] = pool.put(r.subarray(0, a.n));
      const p = a.d + 2;
      c[C.GRAD] = pool.reserve(a.m * p);
      // Neuron chunks start on a lane boundary (4 covers f64x2 and f32x4).
      for (const [j0, j1] of pool.run(a.m, 4, (next) => backwardNeurons(a, r, grad, next))) grad.set(pool.view(c[C.GRAD] + j0 * p, (j1 - j0) * p), j0 * p);
    },

    exp(x: Float64Array, precision: Precision): Float64Array {
      const f32 = precision === 'f32';
      const lanes = f32 ? 4 : 2;
      const n = Math.ceil(x.length / lanes) * lanes;
      const size = f32 ? 4 : 8;
      arena.reset();
      const pin = arena.alloc(n * size);
      const pout = arena.alloc(n * size);
      put(pin, x, f32);
      if (f32) core.expArrayF32(pin, n, pout);
      else core.expArrayF64(pin, n, pout);
      return Float64Array.from(f32 ? arena.f32(pout, x.length) : arena.f64(pout, x.length));
    },
  };

  /** rows, ptr and ranges of a block mask in one array (the layout the kernel and the workers read). */
  function concatBlocks(b: NonNullable<ReduceArgs['blocks']>): Int32Array {
    const Q1 = b.rows.length;
    const all = new Int32Array(2 * Q1 + b.ranges.length);
    all.set(b.rows, 0);
    all.set(b.ptr, Q1);
    all.set(b.ranges, 2 * Q1);
    return all;
  }

  function twoLayerJob(pool: Pool, a: TwoLayerArgs, op: number): Int32Array {
    pool.reset();
    const c = pool.ctrl;
    describe(pool, op, a.n, a.m, a.d, 0, a.precision === 'f32');
    c[C.ACT] = ACTIVATION[a.activation];
    c[C.X] = pool.put(a.x.subarray(0, a.n * a.d));
    c[C.THETA] = pool.put(a.theta.subarray(0, a.m * (a.d + 2)));
    c[C.OMEGA] = pool.put(a.weights.subarray(0, a.m));
    return c;
  }

  return backend;
}
