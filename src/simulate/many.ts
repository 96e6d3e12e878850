// simulateMany(flow, measures, options): B independent systems stepped together. Each system
// runs its own generator (run.ts) with its own step sizes, records, events and collapses; at
// every round all pending velocity requests are answered by ONE flow call over the stacked
// points, with a segment (block-diagonal) mask so each particle sees only its own system.
// The kernel guarantees each segment is bit-identical to a call on that system alone, and
// everything else a run computes is per system, so each Trajectory is bit-identical to
// simulate(flow, measures[b], options).
import { InvalidArgumentError } from '../errors.js';
import type { Flow, VelocityOptions } from '../flows/flow.js';
import { Measure } from '../measure.js';
import { runSystem, type Request } from './run.js';
import { startOf } from './simulate.js';
import { runSpec, type SimulateOptions } from './spec.js';
import type { Trajectory } from './trajectory.js';

/** Options of {@link simulateMany}: those of simulate, without onProgress (per-system progress would interleave). */
export type SimulateManyOptions = Omit<SimulateOptions, 'onProgress' | 'progressInterval'>;

/**
 * Integrates `flow` from each measure (all of one dimension and space) and returns one
 * Trajectory per system, bit-identical to simulate(flow, measures[b], options). rk45 keeps a
 * step size per system (the flows are autonomous: systems need not share times); threads
 * split the stacked rows of every kernel call.
 * @throws InvalidArgumentError for an empty list, mixed dimensions, a flow without segment support or bad options.
 */
export function simulateMany(flow: Flow, measures: ReadonlyArray<Measure | Trajectory>, options: SimulateManyOptions): Trajectory[] {
  const spec = runSpec(flow, options as SimulateOptions);
  if (options !== null && typeof options === 'object' && 'onProgress' in options && (options as SimulateOptions).onProgress !== undefined) {
    throw new InvalidArgumentError('onProgress', (options as SimulateOptions).onProgress, 'is not supported by simulateMany (run simulate per system for progress, or watch the returned trajectories)');
  }
  if (!['attention', 'circle', 'interaction'].includes(flow.name)) {
    throw new InvalidArgumentError('flow', flow.name, 'must be an attention, circle or interaction flow for simulateMany (their kernels take a segment mask)');
  }
  if (!Array.isArray(measures) || measures.length === 0) throw new InvalidArgumentError('measures', measures, 'must be a non-empty array of Measures (or Trajectories to resume)');
  const starts = measures.map((m, b) => {
    try { return startOf(flow, m, spec.clock); } catch (e) {
      if (e instanceof InvalidArgumentError) throw new InvalidArgumentError(`measures[${b}]`, m, e.rule);
      throw e;
    }
  });
  const dimOf = (s: Measure | Trajectory) => (s instanceof Measure ? s.dim : s.checkpoint.dim);
  const d = dimOf(starts[0]);
  starts.forEach((s, b) => {
    if (dimOf(s) !== d) throw new InvalidArgumentError(`measures[${b}].dim`, dimOf(s), `must equal measures[0].dim = ${d} (one kernel call serves every system)`);
  });

  const B = starts.length;
  const reqs: Request[] = starts.map(() => ({ x: new Float64Array(0), weights: new Float64Array(0), out: new Float64Array(0) }));
  const runs = starts.map((s, b) => runSystem(flow, s, spec, reqs[b]));
  const results: Trajectory[] = new Array(B);
  let active: number[] = [];
  for (let b = 0; b < B; b++) {
    const r = runs[b].next();
    if (r.done) results[b] = r.value; else active.push(b);
  }
  let xAll = new Float64Array(0), wAll = new Float64Array(0), outAll = new Float64Array(0);
  const segAll = new Int32Array(B + 1);
  const evalOpts: VelocityOptions = { ...spec.evalOpts, segments: null };
  while (active.length > 0) {
    // Stack the pending requests; one flow call answers them all.
    let rows = 0;
    for (const b of active) rows += reqs[b].weights.length;
    if (xAll.length < rows * d) { xAll = new Float64Array(rows * d); outAll = new Float64Array(rows * d); wAll = new Float64Array(rows); }
    const S = active.length;
    let r0 = 0;
    for (let s = 0; s < S; s++) {
      const q = reqs[active[s]];
      const n = q.weights.length;
      segAll[s] = r0;
      xAll.set(q.x.subarray(0, n * d), r0 * d);
      wAll.set(q.weights, r0);
      r0 += n;
    }
    segAll[S] = rows;
    if (S === 1) {
      const q = reqs[active[0]];
      flow.velocity(q.x, q.weights, d, q.out, spec.evalOpts);
    } else {
      evalOpts.segments = segAll.subarray(0, S + 1);
      flow.velocity(xAll.subarray(0, rows * d), wAll.subarray(0, rows), d, outAll.subarray(0, rows * d), evalOpts);
      for (let s = 0; s < S; s++) {
        const q = reqs[active[s]];
        q.out.set(outAll.subarray(segAll[s] * d, segAll[s + 1] * d));
      }
    }
    const still: number[] = [];
    for (const b of active) {
      const r = runs[b].next();
      if (r.done) results[b] = r.value; else still.push(b);
    }
    active = still;
  }
  return results;
}
