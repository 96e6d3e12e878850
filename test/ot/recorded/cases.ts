// Sinkhorn results the OT restructuring must not change, beyond test/golden: self-transport, the divergence with
// truncation and precision phases, warm starts, f32, aborts, warnings, onProgress sequences, plan(), planRow(),
// barycentricMap(), keptFraction and the column-pass marginal error above PLAN_LIMIT. record.ts writes their bits
// once; recorded.test.ts recomputes them. Only calls may change with the API, never the cases. Truncated solves
// are no longer recorded: issue 20 changed their masks (leaf size, two-level bound, margins) by design, so their
// last bits moved; test/ot/truncate.test.ts holds them to the exact solves instead.
import { createHash } from 'node:crypto';
import { toHex } from '../../golden/bits.js';
import {
  Measure,
  sinkhorn,
  sinkhornDivergence,
  type SinkhornOptions,
  type SinkhornProgress,
  type SinkhornResult,
} from '../../../src/index.js';

/** A case's numbers (compared by their bits) and texts (compared as strings). */
export type Recorded = Record<string, number[] | string>;

const PROBLEM = { ab: 0, aa: 1, bb: 2 } as const;
const STAGE = { coarse: 0, annealing: 1, iterating: 2, newton: 3 } as const;

/** onProgress and the calls it saw (elapsedMs left out): their count and the SHA-256 of their bits. */
function watch(): { onProgress: (p: SinkhornProgress) => void; seen: () => string } {
  const hash = createHash('sha256');
  let count = 0;
  const onProgress = (p: SinkhornProgress) => {
    count++;
    hash.update([PROBLEM[p.problem], STAGE[p.stage], p.iteration, p.eps, p.marginalError].map(toHex).join(''));
  };
  return { onProgress, seen: () => `${count} calls, sha256 ${hash.digest('hex')}` };
}

function result(r: SinkhornResult, prefix: string, out: Recorded, plan = true): void {
  out[`${prefix}.numbers`] = [
    r.value,
    r.cost,
    r.iterations,
    r.marginalError,
    r.converged ? 1 : 0,
    r.newtonSteps ?? -1,
    r.keptFraction ?? -1,
    r.aborted ? 1 : 0,
    r.eps,
  ];
  out[`${prefix}.f`] = [...r.f];
  out[`${prefix}.g`] = [...r.g];
  out[`${prefix}.warning`] = r.warning ?? '';
  out[`${prefix}.map`] = [...r.barycentricMap()];
  out[`${prefix}.row`] = [...r.planRow(Math.min(3, r.f.length - 1))];
  if (plan) out[`${prefix}.plan`] = [...r.plan()];
}

function solve(a: Measure, b: Measure, options: Omit<SinkhornOptions, 'onProgress'>, plan = false): Recorded {
  const w = watch();
  const out: Recorded = {};
  result(sinkhorn(a, b, { ...options, onProgress: w.onProgress }), 'r', out, plan);
  out.progress = w.seen();
  return out;
}

function divergence(a: Measure, b: Measure, options: Omit<SinkhornOptions, 'onProgress'>): Recorded {
  const w = watch();
  const s = sinkhornDivergence(a, b, { ...options, onProgress: w.onProgress });
  const out: Recorded = {
    value: [s.value, s.converged ? 1 : 0, s.aborted ? 1 : 0],
    gradient: [...s.gradient],
    weightGradient: [...s.weightGradient],
    warning: s.warning ?? '',
    progress: w.seen(),
  };
  result(s.ab, 'ab', out, false);
  for (const [k, t] of [
    ['aa', s.aa],
    ['bb', s.bb],
  ] as const) {
    out[`${k}.numbers`] = [t.value, t.iterations, t.marginalError, t.converged ? 1 : 0, t.aborted ? 1 : 0, t.stagnated ? 1 : 0];
    out[`${k}.f`] = [...t.f];
    out[`${k}.rows`] = [...t.rowSums, ...t.rowMeans];
    out[`${k}.warning`] = t.warning ?? '';
  }
  return out;
}

/** A signal that fires at its k-th read. */
function abortAfter(k: number): AbortSignal {
  let reads = 0;
  return {
    get aborted() {
      return ++reads > k;
    },
  } as unknown as AbortSignal;
}

const A = () => Measure.gaussian(40, 2, { seed: 21 });
const B = () => Measure.uniformBox(30, 2, { seed: 22, low: -1, high: 1.5 });

export const CASES: Record<string, () => Recorded> = {
  'cross default': () => solve(A(), B(), { eps: 0.05 }, true),
  'cross plain, tight': () => solve(A(), B(), { eps: 0.02, acceleration: false, tol: 1e-8 }),
  'cross overrelaxation, tight': () => solve(A(), B(), { eps: 0.02, acceleration: 'overrelaxation', tol: 1e-8 }),
  'cross anderson small eps (scaling, Newton)': () => solve(A(), B(), { eps: 1e-3, tol: 1e-9 }),
  'cross mixed': () => solve(A(), B(), { eps: 0.01, precision: 'mixed', tol: 1e-8 }),
  'cross f32': () => solve(A(), B(), { eps: 0.05, precision: 'f32' }),
  'cross f32 below reach': () => solve(A(), B(), { eps: 0.01, precision: 'f32', tol: 1e-12 }),
  'cross js backend': () => solve(A(), B(), { eps: 0.03, backend: 'js' }),
  'cross unbalanced': () => solve(A(), B(), { eps: 0.05, reach: 0.3 }, true),
  'cross unbalanced scaled': () => solve(A(), B(), { eps: 0.005, reach: 2, scaling: 0.8 }),
  'cross maxIter warning': () => solve(A(), B(), { eps: 0.001, maxIter: 7, acceleration: false }),
  'cross warm f': () => solve(A(), B(), { eps: 0.02, warmStart: { f: sinkhorn(A(), B(), { eps: 0.05 }).f } }),
  'cross warm g': () => solve(A(), B(), { eps: 0.02, warmStart: { g: sinkhorn(A(), B(), { eps: 0.05 }).g } }),
  'cross warm fg': () => {
    const r = sinkhorn(A(), B(), { eps: 0.05 });
    return solve(A(), B(), { eps: 0.02, warmStart: { f: r.f, g: r.g }, acceleration: 'overrelaxation' });
  },
  'cross aborted': () => solve(A(), B(), { eps: 0.001, signal: abortAfter(9) }),
  'cross aborted in annealing': () => solve(A(), B(), { eps: 1e-4, signal: abortAfter(3), acceleration: false }),
  'same default': () => solve(A(), A(), { eps: 0.02 }, true),
  'same mixed': () => solve(A(), A(), { eps: 0.02, precision: 'mixed' }),
  'same unbalanced': () => solve(A(), A(), { eps: 0.02, reach: 0.5 }),
  circle: () => solve(Measure.uniformCircle(25, { seed: 25 }), Measure.uniformCircle(20, { seed: 26 }), { eps: 0.05 }),
  sphere: () => solve(Measure.uniformSphere(25, 3, { seed: 27 }), Measure.uniformSphere(20, 3, { seed: 28 }), { eps: 0.05 }),
  'above PLAN_LIMIT (column pass)': () => {
    const r = sinkhorn(Measure.gaussian(3200, 2, { seed: 29 }), Measure.gaussian(3200, 2, { seed: 30 }), {
      eps: 0.5,
      maxIter: 3,
      scaling: false,
    });
    return {
      numbers: [r.value, r.cost, r.iterations, r.marginalError],
      f: [...r.f.subarray(0, 50)],
      row: [...r.planRow(7).subarray(0, 50)],
    };
  },
  'divergence default': () => divergence(A(), B(), { eps: 0.05 }),
  'divergence tight small eps': () => divergence(A(), B(), { eps: 0.005, tol: 1e-9 }),
  'divergence mixed': () => divergence(A(), B(), { eps: 0.01, precision: 'mixed' }),
  'divergence f32 below reach': () => divergence(A(), B(), { eps: 0.01, precision: 'f32', tol: 1e-12 }),
  'divergence unbalanced': () => divergence(A(), B(), { eps: 0.05, reach: 0.7 }),
  'divergence plain scaled': () => divergence(A(), B(), { eps: 0.03, acceleration: false, scaling: 0.6 }),
  'divergence aborted': () => divergence(A(), B(), { eps: 0.001, signal: abortAfter(30) }),
  'divergence maxIter': () => divergence(A(), B(), { eps: 0.001, maxIter: 5 }),
  'divergence circle': () => divergence(Measure.uniformCircle(25, { seed: 31 }), Measure.uniformCircle(20, { seed: 32 }), { eps: 0.05 }),
};
