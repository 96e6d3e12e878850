// The Wasm backend: turns each call into a job for the core (src/wasm/marshal.ts), which lays it
// out in memory and calls the flat ABI, on this thread or, for large calls, split by rows
// (queries, samples or neurons) across the pool's threads (src/wasm/control.ts writes the job for them).
import { Arena, type CoreExports } from '../wasm/core.js';
import { OP, writeReduce, writeTwoLayer } from '../wasm/control.js';
import {
  ACTIVATION,
  marshalBackward,
  marshalForward,
  marshalReduce,
  MASK,
  SCORE,
  type NextRows,
  type ReduceJob,
  type TwoLayerJob,
} from '../wasm/marshal.js';
import type { Pool } from '../wasm/pool.js';
import { checkF32 } from './precision.js';
import { readMask } from './mask.js';
import type { Backend, Precision, ReduceArgs, TwoLayerArgs } from './types.js';

/**
 * Calls below threadCutoff pair-coordinates (query-key pairs x (d + k + 1): MaskPlan.pairs) stay
 * on the calling thread: waking the pool costs tens of microseconds. Measured (bench/threads.ts, attention
 * d = 3): 2 threads break even near N = 128 (1.1e5: f32 0.82x, f64 1.07x) and win 1.2-1.45x at
 * N = 256 (4.6e5).
 */
export const tuning = { threadCutoff: 1 << 17 };

export interface WasmBackend extends Backend {
  readonly memoryBytes: number;
  pool: Pool | null;
}

/** A range supplier that yields [i0, i1) once. */
function once(i0: number, i1: number): NextRows {
  let done = false;
  return () => {
    if (done) return null;
    done = true;
    return [i0, i1];
  };
}

/** The core's view of a two-layer call. */
function twoLayerJob(a: TwoLayerArgs): TwoLayerJob {
  return { x: a.x, n: a.n, d: a.d, theta: a.theta, omega: a.weights, m: a.m, act: ACTIVATION[a.activation], f32: a.precision === 'f32' };
}

export function createWasmBackend(core: CoreExports): WasmBackend {
  const arena = new Arena(core);

  /** The pool when this call is worth splitting over `rows` rows, else null. */
  function poolFor(rows: number, work: number): Pool | null {
    const pool = backend.pool;
    return pool !== null && pool.threads > 1 && rows >= 2 * pool.threads && work >= tuning.threadCutoff ? pool : null;
  }

  const backend: WasmBackend = {
    name: 'wasm',
    pool: null,

    get memoryBytes(): number {
      return arena.byteLength;
    },

    softmaxReduce(a: ReduceArgs): void {
      checkF32(a);
      const mask = readMask(a);
      const k = a.values === null ? 0 : a.k;
      const job: ReduceJob = {
        x: a.x,
        n: a.n,
        y: a.y,
        m: a.m,
        d: a.d,
        h: a.logWeights,
        v: a.values,
        k,
        beta: a.beta,
        score: SCORE[a.score],
        f32: a.precision === 'f32',
        mask: (mask.causal ? MASK.causal : 0) | (mask.diagonal ? MASK.diagonal : 0),
        segments: mask.segments,
        blocks: mask.blocks,
        lse: a.lse,
        mean: a.mean,
      };
      const pool = poolFor(a.n, mask.pairs * (a.d + k + 1));
      if (pool === null) {
        marshalReduce(core, arena, job, once(0, a.n));
        return;
      }
      const shared = writeReduce(pool, job);
      // This thread computes straight into the caller's arrays, the workers into shared memory.
      // Row chunks need not align with segments or blocks: the kernel finds each row's segment or block.
      for (const [i0, i1] of pool.run(a.n, 1, (next) => marshalReduce(core, arena, job, next))) {
        a.lse.set(shared.lse.subarray(i0, i1), i0);
        if (shared.mean !== null && a.mean !== null) a.mean.set(shared.mean.subarray(i0 * k, i1 * k), i0 * k);
      }
    },

    twoLayerForward(a: TwoLayerArgs, out: Float64Array): void {
      const job = twoLayerJob(a);
      const pool = poolFor(a.n, a.n * a.m * (a.d + 2));
      if (pool === null) {
        marshalForward(core, arena, job, out, once(0, a.n));
        return;
      }
      const shared = writeTwoLayer(pool, OP.FORWARD, job, null);
      for (const [i0, i1] of pool.run(a.n, 1, (next) => marshalForward(core, arena, job, out, next))) out.set(shared.subarray(i0, i1), i0);
    },

    twoLayerBackward(a: TwoLayerArgs, r: Float64Array, grad: Float64Array): void {
      const job = twoLayerJob(a);
      const pool = poolFor(a.m, a.n * a.m * (a.d + 2));
      if (pool === null) {
        marshalBackward(core, arena, job, r, grad, once(0, a.m));
        return;
      }
      const shared = writeTwoLayer(pool, OP.BACKWARD, job, r);
      const p = a.d + 2;
      // Neuron chunks start on a lane boundary (4 covers f64x2 and f32x4).
      for (const [j0, j1] of pool.run(a.m, 4, (next) => marshalBackward(core, arena, job, r, grad, next)))
        grad.set(shared.subarray(j0 * p, j1 * p), j0 * p);
    },

    exp(x: Float64Array, precision: Precision): Float64Array {
      const f32 = precision === 'f32';
      const lanes = f32 ? 4 : 2;
      const n = Math.ceil(x.length / lanes) * lanes;
      const size = f32 ? 4 : 8;
      arena.reset();
      const pin = arena.alloc(n * size);
      const pout = arena.alloc(n * size);
      if (f32) arena.f32(pin, x.length).set(x);
      else arena.f64(pin, x.length).set(x);
      if (f32) core.expArrayF32(pin, n, pout);
      else core.expArrayF64(pin, n, pout);
      return Float64Array.from(f32 ? arena.f32(pout, x.length) : arena.f64(pout, x.length));
    },
  };

  return backend;
}
