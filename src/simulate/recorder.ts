// Records: times, observables, particle counts and snapshots at the record schedule. Under the
// time clock the state at a record time inside a step comes from a side step of the right length
// from the step's start (more accurate than dense output, and independent of where the natural
// steps fall, so a resumed run records the same numbers); under the arc-length clock record times
// are located on the clock's entry of the dense output.
import type { Measure } from '../measure.js';
import type { ArcLengthClock } from './clock.js';
import type { Observer } from './observe.js';
import type { Stepper } from './steppers/stepper.js';
import type { ParticleSystem } from './system.js';
import type { Trajectory } from './trajectory.js';

/** The state a run ends on, and its time. */
export interface Ending {
  state: Float64Array;
  t: number;
  logT: number;
}

/** The recorded series of a run. */
export class Recorder {
  readonly times: number[];
  /** Natural logs of the times (kept under the arc-length clock only). */
  readonly logTimes: number[];
  readonly sizes: number[];
  readonly observed: Record<string, number[]> = {};
  readonly snapshots: Measure[];

  /**
   * @param logClock keep logTimes and compare records by log t (the arc-length clock)
   * @param onRecord called with every recorded state (simulateMany's lockstep observes its systems there)
   */
  constructor(
    private readonly system: ParticleSystem,
    private readonly observe: Observer,
    private readonly logClock: boolean,
    private readonly keepSnapshots: boolean,
    private readonly onRecord: ((z: Float64Array, t: number) => void) | null,
    resumed: Trajectory | null,
  ) {
    this.times = resumed ? Array.from(resumed.times) : [];
    this.logTimes = resumed?.logTimes ? Array.from(resumed.logTimes) : [];
    this.sizes = resumed?.sizes ? Array.from(resumed.sizes) : [];
    if (resumed) for (const [k, v] of Object.entries(resumed.observables)) this.observed[k] = Array.from(v);
    this.snapshots = resumed ? [...resumed.snapshots] : [];
  }

  /** Records the state z at time t (log t = logT). */
  take(z: Float64Array, t: number, logT: number): void {
    this.times.push(t);
    if (this.logClock) this.logTimes.push(logT);
    this.sizes.push(this.system.n);
    this.observe(z, this.system.weights, t, this.observed);
    this.onRecord?.(z, t);
    if (this.keepSnapshots) this.snapshots.push(this.system.measure(z));
  }

  /** Records z unless the latest record is already at this time. */
  takeIfNew(z: Float64Array, t: number, logT: number): void {
    if (this.logClock ? this.logTimes[this.logTimes.length - 1] !== logT : this.times[this.times.length - 1] !== t) this.take(z, t, logT);
  }

  /** The latest value of every observable. */
  latest(): Record<string, number> {
    const latest: Record<string, number> = {};
    for (const [k, v] of Object.entries(this.observed)) if (v.length) latest[k] = v[v.length - 1];
    return latest;
  }
}

/** When to record inside an accepted step. */
export interface RecordSchedule {
  /**
   * Records the schedule's times inside the accepted step (before theta = stopTheta, a terminal
   * event's); returns the end state when one of them is the end time.
   */
  within(step: Stepper, stopTheta: number): Generator<void, Ending | null, void>;
}

/** Record times in t: states from side steps (the step's end itself when a time falls on it). */
export class TimeRecordSchedule implements RecordSchedule {
  private next = 0;
  private readonly pending: number[];

  /** @param times record times in (0, tEnd] (those at or before s are dropped: a resumed run has taken them) */
  constructor(
    private readonly recorder: Recorder,
    times: number[],
    s: number,
    private readonly tEnd: number,
  ) {
    this.pending = times.filter((r) => r > s);
  }

  *within(step: Stepper, stopTheta: number): Generator<void, Ending | null, void> {
    const { s, sNext, y, scratch: side } = step;
    const pending = this.pending;
    let ending: Ending | null = null;
    while (this.next < pending.length && pending[this.next] <= sNext * (1 + 1e-12)) {
      const at = pending[this.next];
      if (at > s + stopTheta * (sNext - s)) break;
      this.next++;
      let state = y;
      if (Math.abs(at - sNext) > 1e-12 * Math.max(1, sNext)) {
        yield* step.sideStep(at - s, side);
        state = side;
      }
      this.recorder.take(state, at, Math.log(at));
      if (at === this.tEnd || (this.tEnd > 0 && at >= this.tEnd))
        ending = { state: Float64Array.from(state), t: this.tEnd, logT: Math.log(this.tEnd) };
    }
    return ending;
  }
}

/** Record times in log t, located on the clock entry v of the dense output. */
export class ArcLengthRecordSchedule implements RecordSchedule {
  private next = 0;
  private readonly pending: Array<{ t: number; logT: number }>;

  /**
   * @param targets record times as (t, log t), the end time last; those at or before the state x are dropped
   * @param tEnd the end time (its log is the clock's logTEnd)
   */
  constructor(
    private readonly recorder: Recorder,
    private readonly clock: ArcLengthClock,
    targets: Array<{ t: number; logT: number }>,
    x: Float64Array,
    private readonly tEnd: number,
  ) {
    this.pending = targets.filter((r) => clock.position(r.logT) > clock.v(x));
  }

  // eslint-disable-next-line require-yield
  *within(step: Stepper, stopTheta: number): Generator<void, Ending | null, void> {
    const { clock, pending } = this;
    const { y, scratch: side } = step;
    const last = y.length - 1;
    const dense = step.dense();
    let ending: Ending | null = null;
    while (this.next < pending.length && clock.position(pending[this.next].logT) <= y[last]) {
      const r = pending[this.next++];
      const target = clock.position(r.logT);
      const theta =
        target >= y[last]
          ? 1
          : solveTheta((th) => {
              dense.at(th, side);
              return side[last] - target;
            });
      if (theta > stopTheta) {
        this.next--;
        break;
      }
      if (theta === 1) side.set(y);
      else dense.at(theta, side);
      side[last] = target;
      this.recorder.take(side, r.t, r.logT);
      if (target >= clock.end()) ending = { state: Float64Array.from(side), t: r.t, logT: r.logT };
    }
    return ending;
  }

  /** A stationary state holds at every remaining record time; returns the state at the end time. */
  holdToEnd(x: Float64Array, side: Float64Array): Ending {
    const last = x.length - 1;
    while (this.next < this.pending.length) {
      const r = this.pending[this.next++];
      side.set(x);
      side[last] = this.clock.position(r.logT);
      this.recorder.take(side, r.t, r.logT);
    }
    const state = Float64Array.from(x);
    state[last] = this.clock.end();
    return { state, t: this.tEnd, logT: this.clock.logTEnd };
  }
}

/** The theta in [0, 1] where the increasing function g crosses 0 (g(0) < 0 <= g(1)), by bisection. */
function solveTheta(g: (theta: number) => number): number {
  let a = 0,
    b = 1;
  for (let it = 0; it < 60; it++) {
    const m = 0.5 * (a + b);
    if (g(m) < 0) a = m;
    else b = m;
  }
  return b;
}
