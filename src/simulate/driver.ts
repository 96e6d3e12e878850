// One system's run as a generator: every velocity evaluation yields once, with the request
// (points, weights, output) in `req`. simulate() answers each request with one flow call;
// simulateMany() gathers the requests of all systems into one segmented kernel call. The
// same code computes both, so an ensemble member is bit-identical to the system run alone.
//
// The driver is thin: it asks the stepper for accepted steps and hands each to the parts (event
// locator, recorder, collapse, stop rules, progress), then commits it. The stepper's natural
// step sequence never depends on tEnd or on the record schedule, so a run resumed from its
// checkpoint ends bit-identical to an uninterrupted one.
import { SimulationError } from '../errors.js';
import type { Flow } from '../flows/flow.js';
import type { Measure } from '../measure.js';
import { runStart, savedClockState, trajectoryOf, type RunParts } from './checkpoint.js';
import { ArcLengthClock, TimeClock, type Clock } from './clock.js';
import { Collapser } from './collapse.js';
import { EventLocator } from './events.js';
import { RunFailure, stepFailureMessage } from './failures.js';
import { integratorInfo } from './integrators.js';
import { makeObserver } from './observe.js';
import { ProgressReporter, type ProgressState } from './progress.js';
import { ArcLengthRecordSchedule, Recorder, TimeRecordSchedule, type Ending, type RecordSchedule } from './recorder.js';
import type { RunSpec } from './spec.js';
import { StepFailure, type Evaluation } from './steppers/stepper.js';
import { StopRules } from './stop-rules.js';
import { ParticleSystem, type Request } from './system.js';
import type { Trajectory, StopReason } from './trajectory.js';

export type { Request } from './system.js';

/** The run of one system; yields once per velocity evaluation, returns its Trajectory. */
export function* runSystem(
  flow: Flow,
  from: Measure | Trajectory,
  spec: RunSpec,
  req: Request,
  onRecord: ((z: Float64Array, t: number) => void) | null = null,
): Generator<void, Trajectory, void> {
  const wallStart = performance.now();
  const start = runStart(from);
  const { mu0, resumed, saved } = start;
  flow.check(mu0);
  const savedClock = savedClockState(saved);
  const arcClock = spec.clock === 'arclength' ? new ArcLengthClock(spec.logTEnd, savedClock.offset) : null;
  const clock: Clock = arcClock ?? new TimeClock(spec.tEnd);
  const system = new ParticleSystem(mu0, mu0.weights, clock, req, resumed?.stats.evaluations ?? 0);
  const collapser = new Collapser(
    spec.collapseTol,
    system.n,
    resumed ? { particleMap: saved!.particleMap, collapses: resumed.collapses, collapseMaps: resumed.collapseMaps } : null,
  );
  const stepper = integratorInfo(spec.integrator).create(
    {
      velocity: (z, out) => system.velocity(z, out),
      retract: system.retract,
      dt: spec.dt,
      rtol: spec.rtol,
      atol: spec.atol,
      maxStep: spec.maxStep,
      noise: spec.noise,
    },
    { s: saved?.t ?? 0, accepted: saved?.steps ?? 0, rejected: resumed?.stats.rejected ?? 0 },
  );

  // The state: the particles, then v = log(1 + t e^{-c}) under the arc-length clock; and its velocity.
  const x0 = new Float64Array(system.stateLength);
  x0.set(mu0.points);
  if (arcClock) x0[system.len] = savedClock.v;
  yield* stepper.restart(x0);
  if (arcClock && saved === undefined) arcClock.start(stepper.k);
  stepper.initStepSize(saved);

  const recorder = new Recorder(
    system,
    makeObserver(flow, mu0, spec.observe, spec.evalOpts).observe,
    arcClock !== null,
    spec.record.snapshots === true,
    onRecord,
    resumed,
  );
  const t0 = clock.time(stepper.x, stepper.s);
  if (resumed === null) recorder.take(stepper.x, 0, -Infinity);
  const schedule: RecordSchedule = arcClock
    ? new ArcLengthRecordSchedule(recorder, arcClock, spec.recordTargets, stepper.x, spec.tEnd)
    : new TimeRecordSchedule(recorder, spec.recordTimes, stepper.s, spec.tEnd);
  const events = new EventLocator(spec.events, system, clock, spec.rtol, resumed);
  const stops = new StopRules(spec.stop, system);
  const progress = new ProgressReporter(spec.onProgress, spec.progressInterval, spec.tEnd, spec.logTEnd, arcClock !== null, wallStart);
  const parts: RunParts = { flow, spec, start, clock, system, stepper, recorder, events, collapser, wallStart };

  const now = () => clock.time(stepper.x, stepper.s);
  const logNow = () => clock.logTime(stepper.x, stepper.s);
  const progressState = (): ProgressState => ({
    t: now(),
    logT: logNow(),
    steps: stepper.accepted,
    stepSize: stepper.h,
    particles: system.n,
    latest: recorder.latest(),
    latestTime: recorder.times[recorder.times.length - 1],
  });

  /** Merges particles within collapse.tol; the stepper restarts from the merged state. */
  function* collapse(): Evaluation {
    let t = 0;
    const merged = collapser.merge(stepper.x, system.weights, system.d, system.space, () => {
      t = now();
      return [t, logNow()];
    });
    if (merged === null) return;
    const v = arcClock ? arcClock.v(stepper.x) : 0;
    system.resize(merged.weights);
    const x = new Float64Array(system.stateLength);
    x.set(merged.points);
    system.retract(x);
    if (arcClock) x[system.len] = v;
    yield* stepper.restart(x);
    arcClock?.reanchor(stepper.x, stepper.k);
    events.reset(stepper.x, t);
  }

  let ending: Ending | null = null;
  let stopReason: StopReason | null = null;
  try {
    events.reset(stepper.x, t0);
    yield* collapse();
    // A stop rule met by the initial state ends the run at once.
    stopReason = stops.check(stepper.x, stepper.k, now());
    for (let stepsThisCall = 0; stopReason === null; stepsThisCall++) {
      if (clock.ended(stepper.x, stepper.s)) {
        stopReason = 'tEnd';
        break;
      }
      if (stepsThisCall >= spec.maxSteps) {
        stopReason = 'maxSteps';
        break;
      }
      if (spec.signal?.aborted) {
        stopReason = 'aborted';
        break;
      }

      yield* stepper.step();
      // Events first: a record's side step below reuses the stages the dense output reads.
      const crossings = events.scan(stepper);
      events.record(stepper, crossings);
      ending = yield* schedule.within(stepper, crossings.stopTheta);
      if (crossings.stopState !== null && ending === null) {
        const at = stepper.s + crossings.stopTheta * (stepper.sNext - stepper.s);
        ending = { state: crossings.stopState, t: clock.time(crossings.stopState, at), logT: clock.logTime(crossings.stopState, at) };
        stopReason = 'event';
        break;
      }
      stepper.commit();
      events.commit();
      if (spec.every > 0 && stepper.accepted % spec.every === 0 && ending === null) recorder.takeIfNew(stepper.x, now(), logNow());
      if (ending !== null) {
        stopReason = 'tEnd';
        break;
      }
      yield* collapse();
      if (arcClock?.stationary && (yield* confirmStationary(arcClock))) {
        // Without a finite tEnd there is nothing to hold to: the run ends on this state (a stop rule met here names it).
        if (!Number.isFinite(spec.logTEnd)) {
          stopReason = stops.check(stepper.x, stepper.k, now()) ?? 'stationary';
          break;
        }
        // The state is an equilibrium: it holds at every remaining record time, through tEnd.
        ending = (schedule as ArcLengthRecordSchedule).holdToEnd(stepper.x, stepper.scratch);
        stopReason = 'stationary';
        break;
      }
      stopReason = stops.check(stepper.x, stepper.k, now());
      progress.maybe(progressState);
    }
    // The stopping state is the last record whatever ended the run (as solve_ivp ends on the final t), unless a
    // record is already at its time.
    if (ending === null) recorder.takeIfNew(stepper.x, now(), logNow());
    else recorder.takeIfNew(ending.state, ending.t, ending.logT);
  } catch (e) {
    if (e instanceof StepFailure) {
      const particle = e.reason.kind === 'nonFinite' ? Math.floor(e.reason.index / system.d) : undefined;
      throw new SimulationError(
        stepFailureMessage(e, stepper, clock, system.d),
        trajectoryOf(parts, ending, stopReason ?? ('error' as StopReason)),
        { particle },
      );
    }
    if (e instanceof RunFailure) {
      const note = e.noteTrajectory ? `; the trajectory up to t = ${now()} is in error.trajectory` : '';
      throw new SimulationError(e.message + note, trajectoryOf(parts, ending, stopReason ?? ('error' as StopReason)));
    }
    throw e;
  }
  const result = trajectoryOf(parts, ending, stopReason ?? 'tEnd');
  progress.final(progressState);
  return result;

  /** Rechecks at the state itself (an intermediate stage may have been stationary alone); true when V = 0 there. */
  function* confirmStationary(arc: ArcLengthClock): Generator<void, boolean, void> {
    arc.stationary = false;
    yield* system.velocity(stepper.x, new Float64Array(system.stateLength));
    return arc.stationary;
  }
}
