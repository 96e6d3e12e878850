// simulateMany(flow, measures, options): B independent systems stepped together. Each system
// runs its own generator (run.ts) with its own step sizes, records, events and collapses; at
// every round all pending velocity requests are answered by ONE flow call over the stacked
// points, with a segment (block-diagonal) mask so each particle sees only its own system.
// The kernel guarantees each segment is bit-identical to a call on that system alone, and
// everything else a run computes is per system, so each Trajectory is bit-identical to
// simulate(flow, measures[b], options).
import { InvalidArgumentError, SimulationError } from '../errors.js';
import type { Flow, VelocityOptions } from '../flows/flow.js';
import { Measure } from '../measure.js';
import { runSystem, type Request } from './run.js';
import { startOf } from './simulate.js';
import { makeObserver } from './observe.js';
import { runSpec, type RunSpec, type SimulateOptions } from './spec.js';
import { decodeFloat64, encodeFloat64 } from './float64.js';
import { Trajectory, type TrajectoryJSON } from './trajectory.js';

/** Options of {@link simulateMany}: those of simulate, without onProgress (per-system progress would interleave). */
export type SimulateManyOptions = Omit<SimulateOptions, 'onProgress' | 'progressInterval'>;

/**
 * Integrates `flow` from each measure (all of one dimension and space) and returns one
 * Trajectory per system, bit-identical to simulate(flow, measures[b], options). rk45 keeps a
 * step size per system (the flows are autonomous: systems need not share times); threads
 * split the stacked rows of every kernel call.
 * @throws InvalidArgumentError for an empty list, mixed dimensions, a flow without segment support or bad options.
 */
export function simulateMany(flow: Flow, measures: ReadonlyArray<Measure | Trajectory | TrajectoryJSON>, options: SimulateManyOptions): Trajectory[] {
  const spec = runSpec(flow, options as SimulateOptions, 'simulateMany');
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
  if (lockstep(spec) && starts.every((s) => s instanceof Measure)) return simulateLockstep(flow, starts as Measure[], spec);
  const reqs: Request[] = starts.map(() => ({ x: new Float64Array(0), weights: new Float64Array(0), out: new Float64Array(0), logScale: 0 }));
  const runs = starts.map((s, b) => runSystem(flow, s, spec, reqs[b]));
  const results: Trajectory[] = new Array(B);
  let active: number[] = [];
  for (let b = 0; b < B; b++) {
    const r = runs[b].next();
    if (r.done) results[b] = r.value; else active.push(b);
  }
  let xAll = new Float64Array(0), wAll = new Float64Array(0), outAll = new Float64Array(0);
  const segAll = new Int32Array(B + 1);
  const arc = spec.clock === 'arclength';
  const scales = new Float64Array(B);
  const evalOpts: VelocityOptions = { ...spec.evalOpts, segments: null, logScale: null };
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
    const still: number[] = [];
    for (const b of active) {
      const r = runs[b].next();
      if (r.done) results[b] = r.value; else still.push(b);
    }
    active = still;
  }
  return results;
}

/**
 * Fixed steps without per-system decisions (no events, collapse, stop rules, noise or
 * arc length): every system takes the same steps at the same times, so the batch is one
 * state vector. Combine is elementwise and retraction row by row, so each system's numbers
 * are the ones its own run computes; the only per-system work left is observing at records.
 */
function lockstep(spec: RunSpec): boolean {
  return spec.integrator !== 'rk45' && spec.clock === 'time' && spec.events.length === 0 && spec.collapseTol === null
    && spec.noise === null && spec.stop.clusterTol === null && spec.stop.velocityBelow === null && spec.stop.custom === null;
}

function simulateLockstep(flow: Flow, mus: Measure[], spec: RunSpec): Trajectory[] {
  const B = mus.length, d = mus[0].dim, space = mus[0].space;
  const offsets = new Int32Array(B + 1);
  for (let b = 0; b < B; b++) offsets[b + 1] = offsets[b] + mus[b].size;
  const rows = offsets[B];
  const points = new Float64Array(rows * d), weights = new Float64Array(rows);
  mus.forEach((m, b) => {
    if (m.space !== space) throw new InvalidArgumentError(`measures[${b}].space`, m.space, `must equal measures[0].space = '${space}'`);
    flow.check(m);
    points.set(m.points, offsets[b] * d);
    weights.set(m.weights, offsets[b]);
  });
  // One system of all rows, whose velocity is the segmented kernel call.
  const all = new Measure(points, { dim: d, weights, space });
  const segments: VelocityOptions = { ...spec.evalOpts, segments: offsets };
  const observers = mus.map((m) => makeObserver(flow, m, spec.observe, spec.evalOpts));
  const observed: Array<Record<string, number[]>> = mus.map(() => ({}));
  const snapshots: Measure[][] = mus.map(() => []);
  const onRecord = (z: Float64Array, t: number) => {
    for (let b = 0; b < B; b++) {
      const zb = z.subarray(offsets[b] * d, offsets[b + 1] * d);
      observers[b].observe(zb, mus[b].weights, t, observed[b]);
      if (spec.record.snapshots) snapshots[b].push(mus[b].withPoints(Float64Array.from(zb)));
    }
  };
  const req: Request = { x: new Float64Array(0), weights: new Float64Array(0), out: new Float64Array(0), logScale: 0 };
  const run = runSystem(flow, all, { ...spec, observe: {}, record: { ...spec.record, snapshots: false } }, req, onRecord);
  let big: Trajectory;
  try {
    for (let r = run.next(); ; r = run.next()) {
      if (r.done) { big = r.value; break; }
      flow.velocity(req.x, req.weights, d, req.out, segments);
    }
  } catch (e) {
    if (e instanceof SimulationError) {
      const m = /particle (\d+)/.exec(e.message);
      const row = m ? Number(m[1]) : -1;
      const b = row < 0 ? -1 : offsets.findIndex((o, i) => i < B && row >= o && row < offsets[i + 1]);
      throw new SimulationError(`${b >= 0 ? `system ${b} (measures[${b}]): ` : ''}${e.message}`, e.trajectory);
    }
    throw e;
  }
  const c = big.checkpoint;
  const endPoints = decodeFloat64(c.points);
  return mus.map((m, b) => {
    const slice = (z: Float64Array) => Float64Array.from(z.subarray(offsets[b] * d, offsets[b + 1] * d));
    return new Trajectory({
      flow: big.flow, times: Array.from(big.times), observables: observed[b], snapshots: snapshots[b],
      final: m.withPoints(slice(big.final.points)), finalTime: big.finalTime, finalLogTime: big.finalLogTime,
      stopReason: big.stopReason, stats: { ...big.stats },
      checkpoint: { ...c, points: encodeFloat64(slice(endPoints)), weights: Array.from(m.weights), base: c.base ? { ...c.base } : undefined },
      originalWeights: m.weights,
    });
  });
}
