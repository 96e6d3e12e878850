// Events: scalar functions g(mu, t) whose zero crossings are located on the accepted step's dense
// output (Illinois method), not on record times. A terminal crossing ends the run there.
import type { Measure } from '../measure.js';
import type { Clock } from './clock.js';
import { RunFailure } from './failures.js';
import type { Stepper } from './steppers/stepper.js';
import type { ParticleSystem } from './system.js';
import type { EventRecord, Trajectory } from './trajectory.js';

/** A checked event (RunSpec.events). */
export interface EventRule {
  name: string;
  fn: (mu: Measure, t: number) => number;
  direction: 1 | -1 | 0;
  terminal: boolean;
}

/** The crossings inside one step, in order of theta, and the state at the first terminal one. */
export interface Crossings {
  found: Array<{ k: number; theta: number }>;
  /** theta of the first terminal crossing (Infinity when none). */
  stopTheta: number;
  /** The state there (null when none). */
  stopState: Float64Array | null;
}

const NONE: Crossings = { found: [], stopTheta: Infinity, stopState: null };

/** Locates and records the events' crossings, step by step. */
export class EventLocator {
  readonly records: Record<string, EventRecord> = {};
  private readonly gPrev: Float64Array;
  private readonly gNew: Float64Array;

  /** @param rtol the location tolerance in theta is 1e-3 rtol (or rounding of t, if coarser) */
  constructor(
    private readonly events: readonly EventRule[],
    private readonly system: ParticleSystem,
    private readonly clock: Clock,
    private readonly rtol: number,
    resumed: Trajectory | null,
  ) {
    if (resumed) {
      for (const [k, v] of Object.entries(resumed.events))
        this.records[k] = { times: [...v.times], logTimes: [...v.logTimes], measures: [...v.measures] };
    }
    for (const e of events) this.records[e.name] ??= { times: [], logTimes: [], measures: [] };
    this.gPrev = new Float64Array(events.length);
    this.gNew = new Float64Array(events.length);
  }

  /** g of every event at the state x at time t: the run's start, or the state a merge left. */
  reset(x: Float64Array, t: number): void {
    for (let k = 0; k < this.events.length; k++) this.gPrev[k] = this.value(k, x, t);
  }

  /** The crossings inside the accepted step (before its commit). */
  scan(step: Stepper): Crossings {
    if (this.events.length === 0) return NONE;
    const { x, y, s, sNext } = step;
    const tStart = this.clock.time(x, s),
      tNew = this.clock.time(y, sNext);
    for (let k = 0; k < this.events.length; k++) this.gNew[k] = this.value(k, y, tNew);
    const found: Crossings['found'] = [];
    let stopTheta = Infinity;
    for (let k = 0; k < this.events.length; k++) {
      const e = this.events[k],
        a = this.gPrev[k],
        b = this.gNew[k];
      const up = a < 0 && b >= 0,
        down = a > 0 && b <= 0;
      if (!((up && e.direction >= 0) || (down && e.direction <= 0))) continue;
      const theta = this.locate(k, a, b, step, tStart);
      found.push({ k, theta });
      if (e.terminal) stopTheta = Math.min(stopTheta, theta);
    }
    if (found.length > 1) found.sort((p, q) => p.theta - q.theta);
    let stopState: Float64Array | null = null;
    if (stopTheta <= 1) {
      step.dense().at(stopTheta, step.scratch);
      stopState = Float64Array.from(step.scratch);
    }
    return { found, stopTheta, stopState };
  }

  /** Records the crossings up to the first terminal one. */
  record(step: Stepper, { found, stopTheta }: Crossings): void {
    const side = step.scratch,
      dense = step.dense();
    for (const { k, theta } of found) {
      if (theta > stopTheta) continue;
      dense.at(theta, side);
      const at = step.s + theta * (step.sNext - step.s);
      const rec = this.records[this.events[k].name];
      rec.times.push(this.clock.time(side, at));
      rec.logTimes.push(this.clock.logTime(side, at));
      rec.measures.push(this.system.measure(side));
    }
  }

  /** The accepted step is now the current state. */
  commit(): void {
    this.gPrev.set(this.gNew);
  }

  private value(k: number, z: Float64Array, t: number): number {
    const e = this.events[k];
    const g = e.fn(this.system.measure(z), t);
    if (typeof g !== 'number' || !Number.isFinite(g))
      throw new RunFailure(`events.${e.name} must return a finite number, got ${String(g)} at t = ${t}`);
    return g;
  }

  /** The theta in [0, 1] where event k changes sign (from ga to gb), by the Illinois method on the dense output. */
  private locate(k: number, ga: number, gb: number, step: Stepper, tStart: number): number {
    const side = step.scratch,
      dense = step.dense();
    const span = step.sNext - step.s;
    let a = 0,
      b = 1,
      side0 = 0;
    const tolTheta = Math.max(1e-3 * this.rtol, (4e-16 * Math.abs(tStart)) / Math.max(Math.abs(span), 1e-300));
    for (let it = 0; it < 100 && b - a > tolTheta; it++) {
      let th = (a * gb - b * ga) / (gb - ga);
      if (!(th > a && th < b)) th = 0.5 * (a + b);
      dense.at(th, side);
      const g = this.value(k, side, this.clock.time(side, step.s + th * span));
      if (g === 0) return th;
      if (g < 0 === ga < 0) {
        a = th;
        ga = g;
        if (side0 === -1) gb /= 2;
        side0 = -1;
      } else {
        b = th;
        gb = g;
        if (side0 === 1) ga /= 2;
        side0 = 1;
      }
    }
    return b;
  }
}
