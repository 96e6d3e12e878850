// simulateMany's fast path: fixed steps without per-system decisions run all systems as one state
// vector, whose velocity is one segmented kernel call.
import { InvalidArgumentError, SimulationError } from '../errors.js';
import type { Flow, VelocityOptions } from '../flows/flow.js';
import { Measure } from '../measure.js';
import { runSystem, type Request } from './driver.js';
import { decodeFloat64, encodeFloat64 } from './float64.js';
import { inSystem } from './failures.js';
import { integratorInfo } from './integrators.js';
import { makeObserver } from './observe.js';
import type { RunSpec } from './spec.js';
import { Trajectory } from './trajectory.js';

/**
 * Fixed steps without per-system decisions (no events, collapse, stop rules, noise or
 * arc length): every system takes the same steps at the same times, so the batch is one
 * state vector. Combine is elementwise and retraction row by row, so each system's numbers
 * are the ones its own run computes; the only per-system work left is observing at records.
 */
export function lockstep(spec: RunSpec): boolean {
  const { adaptive, stochastic } = integratorInfo(spec.integrator);
  return (
    !adaptive &&
    !stochastic &&
    spec.clock === 'time' &&
    spec.events.length === 0 &&
    spec.collapseTol === null &&
    spec.stop.clusterTol === null &&
    spec.stop.velocityBelow === null &&
    spec.stop.custom === null
  );
}

/** The systems' trajectories, each bit-identical to its own run (see lockstep). */
export function simulateLockstep(flow: Flow, mus: Measure[], spec: RunSpec): Trajectory[] {
  const B = mus.length,
    d = mus[0].dim,
    space = mus[0].space;
  const offsets = new Int32Array(B + 1);
  for (let b = 0; b < B; b++) offsets[b + 1] = offsets[b] + mus[b].size;
  const rows = offsets[B];
  const points = new Float64Array(rows * d),
    weights = new Float64Array(rows);
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
      if (r.done) {
        big = r.value;
        break;
      }
      flow.velocity(req.x, req.weights, d, req.out, segments);
    }
  } catch (e) {
    if (e instanceof SimulationError) {
      // The failing particle is a row of the stacked systems: name its system, and its index there.
      const row = e.particle ?? -1;
      const b = row < 0 ? -1 : offsets.findIndex((o, i) => i < B && row >= o && row < offsets[i + 1]);
      if (b >= 0) throw inSystem(e, b, row - offsets[b]);
    }
    throw e;
  }
  const c = big.checkpoint;
  const endPoints = decodeFloat64(c.points);
  return mus.map((m, b) => {
    const slice = (z: Float64Array) => Float64Array.from(z.subarray(offsets[b] * d, offsets[b + 1] * d));
    return new Trajectory({
      flow: big.flow,
      times: Array.from(big.times),
      observables: observed[b],
      snapshots: snapshots[b],
      final: m.withPoints(slice(big.final.points)),
      finalTime: big.finalTime,
      finalLogTime: big.finalLogTime,
      stopReason: big.stopReason,
      stats: { ...big.stats },
      checkpoint: {
        ...c,
        points: encodeFloat64(slice(endPoints)),
        weights: Array.from(m.weights),
        base: c.base ? { ...c.base } : undefined,
      },
      originalWeights: m.weights,
    });
  });
}
