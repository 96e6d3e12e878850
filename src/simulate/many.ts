// simulateMany(flow, measures, options): B independent systems stepped together. Each system
// runs its own generator (driver.ts) with its own step sizes, records, events and collapses; at
// every round all pending velocity requests are answered by ONE flow call over the stacked
// points, with a segment (block-diagonal) mask so each particle sees only its own system.
// The kernel guarantees each segment is bit-identical to a call on that system alone, and
// everything else a run computes is per system, so each Trajectory is bit-identical to
// simulate(flow, measures[b], options).
import { InvalidArgumentError, SimulationError } from '../errors.js';
import { capability, type Flow, type VelocityOptions } from '../flows/flow.js';
import { Measure } from '../measure.js';
import { runSystem, type Request } from './driver.js';
import { integratorInfo } from './integrators.js';
import { inSystem } from './failures.js';
import { lockstep, simulateLockstep } from './lockstep.js';
import { startOf } from './simulate.js';
import type { SimulateManyOptions } from './options.js';
import { runSpec, type SimulateOptions } from './spec.js';
import type { Trajectory, TrajectoryJSON } from './trajectory.js';

export type { SimulateManyOptions } from './options.js';

/**
 * Integrates `flow` from each measure (all of one dimension and space) and returns one
 * Trajectory per system, bit-identical to simulate(flow, measures[b], options). rk45 keeps a
 * step size per system (the flows are autonomous: systems need not share times); threads
 * split the stacked rows of every kernel call.
 * @throws InvalidArgumentError for an empty list, mixed dimensions, a flow without segment support, a stochastic
 *   integrator (every system would draw the same noise) or bad options; SimulationError naming the failing
 *   system (its `system` field) when a step fails.
 */
export function simulateMany(
  flow: Flow,
  measures: ReadonlyArray<Measure | Trajectory | TrajectoryJSON>,
  options: SimulateManyOptions,
): Trajectory[] {
  const spec = runSpec(flow, options as SimulateOptions, 'simulateMany');
  if (!capability(flow, 'segments')) {
    throw new InvalidArgumentError(
      'flow',
      flow.name,
      'must declare capabilities.segments for simulateMany (a velocity that takes a segment mask, as attention, circle and interaction do)',
    );
  }
  if (integratorInfo(spec.integrator).stochastic) {
    throw new InvalidArgumentError(
      'integrator',
      spec.integrator,
      'is not supported by simulateMany: every system would draw the same noise (run simulate per seed)',
    );
  }
  if (!Array.isArray(measures) || measures.length === 0)
    throw new InvalidArgumentError('measures', measures, 'must be a non-empty array of Measures (or Trajectories to resume)');
  const starts = measures.map((m, b) => {
    try {
      return startOf(flow, m, spec.clock);
    } catch (e) {
      if (e instanceof InvalidArgumentError) throw new InvalidArgumentError(`measures[${b}]`, m, e.rule);
      throw e;
    }
  });
  const dimOf = (s: Measure | Trajectory) => (s instanceof Measure ? s.dim : s.checkpoint.dim);
  const d = dimOf(starts[0]);
  starts.forEach((s, b) => {
    if (dimOf(s) !== d)
      throw new InvalidArgumentError(
        `measures[${b}].dim`,
        dimOf(s),
        `must equal measures[0].dim = ${d} (one kernel call serves every system)`,
      );
  });

  const B = starts.length;
  if (lockstep(spec) && starts.every((s) => s instanceof Measure)) return simulateLockstep(flow, starts as Measure[], spec);
  const reqs: Request[] = starts.map(() => ({
    x: new Float64Array(0),
    weights: new Float64Array(0),
    out: new Float64Array(0),
    logScale: 0,
  }));
  const runs = starts.map((s, b) => runSystem(flow, s, spec, reqs[b]));
  const results: Trajectory[] = new Array(B);
  /** Advances system b to its next request; true when it has finished. */
  const advance = (b: number): boolean => {
    let r: IteratorResult<void, Trajectory>;
    try {
      r = runs[b].next();
    } catch (e) {
      if (e instanceof SimulationError) throw inSystem(e, b, e.particle);
      throw e;
    }
    if (r.done) results[b] = r.value;
    return r.done === true;
  };
  let active: number[] = [];
  for (let b = 0; b < B; b++) if (!advance(b)) active.push(b);
  let xAll = new Float64Array(0),
    wAll = new Float64Array(0),
    outAll = new Float64Array(0);
  const segAll = new Int32Array(B + 1);
  // Under the arc-length clock a flow that can scale V returns each system's scale.
  const arc = spec.clock === 'arclength' && capability(flow, 'logScale');
  const scales = new Float64Array(B);
  const evalOpts: VelocityOptions = { ...spec.evalOpts, segments: null, logScale: null };
  while (active.length > 0) {
    // Stack the pending requests; one flow call answers them all.
    let rows = 0;
    for (const b of active) rows += reqs[b].weights.length;
    if (xAll.length < rows * d) {
      xAll = new Float64Array(rows * d);
      outAll = new Float64Array(rows * d);
      wAll = new Float64Array(rows);
    }
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
    evalOpts.logScale = arc ? scales.subarray(0, S) : null;
    if (S === 1) {
      const q = reqs[active[0]];
      evalOpts.segments = null;
      flow.velocity(q.x, q.weights, d, q.out, evalOpts);
      q.logScale = arc ? scales[0] : 0;
    } else {
      evalOpts.segments = segAll.subarray(0, S + 1);
      flow.velocity(xAll.subarray(0, rows * d), wAll.subarray(0, rows), d, outAll.subarray(0, rows * d), evalOpts);
      for (let s = 0; s < S; s++) {
        const q = reqs[active[s]];
        q.out.set(outAll.subarray(segAll[s] * d, segAll[s + 1] * d));
        q.logScale = arc ? scales[s] : 0;
      }
    }
    active = active.filter((b) => !advance(b));
  }
  return results;
}
