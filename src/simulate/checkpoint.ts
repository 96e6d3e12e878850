// Where a run starts (a measure, or a saved Trajectory to resume) and the Trajectory it returns,
// assembled from its parts' states: the checkpoint is the stepper's state (s, steps, h, base), the
// system's particles and weights, the clock's (v, c) and the collapse map.
import type { Flow } from '../flows/flow.js';
import { Measure } from '../measure.js';
import { ArcLengthClock, type Clock } from './clock.js';
import type { Collapser } from './collapse.js';
import type { EventLocator } from './events.js';
import { decodeFloat64, encodeFloat64 } from './float64.js';
import type { Ending, Recorder } from './recorder.js';
import type { RunSpec } from './spec.js';
import type { Stepper } from './steppers/stepper.js';
import type { ParticleSystem } from './system.js';
import { Trajectory, type Checkpoint, type StopReason } from './trajectory.js';

/** The start of a run: its measure, and the run it resumes (null for a fresh one). */
export interface RunStart {
  mu0: Measure;
  resumed: Trajectory | null;
  saved: Checkpoint | undefined;
}

export function runStart(start: Measure | Trajectory): RunStart {
  if (!(start instanceof Trajectory)) return { mu0: start, resumed: null, saved: undefined };
  const c = start.checkpoint;
  return { mu0: new Measure(decodeFloat64(c.points), { dim: c.dim, weights: c.weights, space: c.space }), resumed: start, saved: c };
}

/** The arc-length clock of a run: the saved one when resumed (checkpoints before 0.2 call v `u`). */
export function savedClockState(saved: Checkpoint | undefined): { v: number; offset: number } {
  return { v: saved?.v ?? saved?.u ?? 0, offset: saved?.clockOffset ?? 0 };
}

/** Everything a Trajectory is assembled from. */
export interface RunParts {
  flow: Flow;
  spec: RunSpec;
  start: RunStart;
  clock: Clock;
  system: ParticleSystem;
  stepper: Stepper;
  recorder: Recorder;
  events: EventLocator;
  collapser: Collapser;
  /** performance.now() when this call started. */
  wallStart: number;
}

/** The run's Trajectory: the records so far, the end state (the stepper's current one unless `ending`), stats and checkpoint. */
export function trajectoryOf(parts: RunParts, ending: Ending | null, stopReason: StopReason): Trajectory {
  const { flow, spec, start, clock, system, stepper, recorder, events, collapser } = parts;
  const { x, s } = stepper;
  const arc = clock instanceof ArcLengthClock;
  const collapse = collapser.tol !== null;
  const copy = (v: number[]) => v.slice();
  const checkpoint: Checkpoint = {
    t: s,
    steps: stepper.accepted,
    h: stepper.h,
    base: stepper.base,
    points: encodeFloat64(x.subarray(0, system.len)),
    weights: Array.from(system.weights),
    dim: system.d,
    space: system.space,
    integrator: spec.integrator,
    clock: spec.clock,
    ...(arc ? { v: clock.v(x), clockOffset: clock.offset } : {}),
    ...(collapse ? { particleMap: Array.from(collapser.map) } : {}),
  };
  return new Trajectory({
    flow: { name: flow.name, params: flow.params },
    times: copy(recorder.times),
    logTimes: arc ? copy(recorder.logTimes) : undefined,
    observables: Object.fromEntries(Object.entries(recorder.observed).map(([k, v]) => [k, copy(v)])),
    snapshots: recorder.snapshots.slice(),
    final: system.measure(ending?.state ?? x),
    finalTime: ending ? ending.t : clock.time(x, s),
    finalLogTime: ending ? ending.logT : clock.logTime(x, s),
    stopReason,
    stats: {
      accepted: stepper.accepted,
      rejected: stepper.rejected,
      evaluations: system.evaluations,
      wallTimeMs: (start.resumed?.stats.wallTimeMs ?? 0) + performance.now() - parts.wallStart,
      lastStepSize: stepper.h,
    },
    checkpoint,
    sizes: collapse ? copy(recorder.sizes) : undefined,
    collapses: collapser.collapses.slice(),
    collapseMaps: collapser.maps.slice(),
    originalWeights: start.resumed?.originalWeights ?? start.mu0.weights,
    events: Object.fromEntries(
      Object.entries(events.records).map(([k, v]) => [
        k,
        { times: copy(v.times), logTimes: copy(v.logTimes), measures: v.measures.slice() },
      ]),
    ),
  });
}
