// Clocks: how the integration variable s maps to time. The time clock integrates dx/dt = V, so s is
// t. The arc-length clock integrates dx/ds = V / ‖V‖_{L²(mu)} and carries one more state entry,
// v = log(1 + t e^{-c}), with dv/ds = e^{-v-c} / ‖V‖: slow phases cost few steps, and log t stays
// representable past t = 1e308. The offset c = -log ‖V(x_0)‖ makes dv/ds start at 1 whether V is
// e^{-800} or e^{+4000}; a merge re-anchors it (see ArcLengthClock.reanchor).
import { velocityNorm } from '../analysis/stationarity.js';

/** The map from the integration variable to time, and the scaling of the velocity it needs. */
export interface Clock {
  readonly name: 'time' | 'arclength';
  /** Entries the clock appends to the state (v under the arc-length clock). */
  readonly extra: 0 | 1;
  /** How messages name the integration variable. */
  readonly variable: string;
  /** t at the state z and integration variable s (Infinity past the double range). */
  time(z: Float64Array, s: number): number;
  /** log t at (z, s). */
  logTime(z: Float64Array, s: number): number;
  /** Turns V e^{-logScale} (as the flow returned it) into d/ds in place; len = the particles' entries. */
  scale(z: Float64Array, out: Float64Array, logScale: number, weights: Float64Array, d: number, len: number): void;
  /** True once the run has reached its end time. */
  ended(z: Float64Array, s: number): boolean;
}

/** s is t. */
export class TimeClock implements Clock {
  readonly name = 'time';
  readonly extra = 0;
  readonly variable = 't';
  constructor(private readonly tEnd: number) {}
  time(_z: Float64Array, s: number): number {
    return s;
  }
  logTime(_z: Float64Array, s: number): number {
    return Math.log(s);
  }
  scale(): void {}
  ended(_z: Float64Array, s: number): boolean {
    return s >= this.tEnd;
  }
}

/** log t from the clock v and the offset c: accurate for tiny and huge t. */
export function logTimeOf(v: number, c: number): number {
  return c + (v > 36 ? v + Math.log1p(-Math.exp(-v)) : Math.log(Math.expm1(v)));
}

/** v = log(1 + t e^{-c}) from log t. */
export function clockOfLogTime(logT: number, c: number): number {
  const l = logT - c;
  return l > 36 ? l + Math.log1p(Math.exp(-l)) : Math.log1p(Math.exp(l));
}

/** t from v (Infinity past the double range). */
export function timeOf(v: number, c: number): number {
  return Math.exp(c) * Math.expm1(v);
}

/** s is arc length; the state's last entry is v = log(1 + t e^{-c}). */
export class ArcLengthClock implements Clock {
  readonly name = 'arclength';
  readonly extra = 1;
  readonly variable = 'the arc length';
  /** log ‖V‖ of the latest evaluation (the norm before the flow's scaling). */
  lastLogNorm = 0;
  /** Set when an evaluation met V = 0 (or a non-finite norm): time would run on without motion. */
  stationary = false;

  /** @param offset c (0 for a fresh run until start(); a checkpoint's otherwise) */
  constructor(
    readonly logTEnd: number,
    public offset: number,
  ) {}

  /** v of the state z (its last entry). */
  v(z: Float64Array): number {
    return z[z.length - 1];
  }

  time(z: Float64Array): number {
    return timeOf(this.v(z), this.offset);
  }

  logTime(z: Float64Array): number {
    return logTimeOf(this.v(z), this.offset);
  }

  /** Where log t lies on the clock (v). */
  position(logT: number): number {
    return clockOfLogTime(logT, this.offset);
  }

  /** v at the end time. */
  end(): number {
    return this.position(this.logTEnd);
  }

  ended(z: Float64Array): boolean {
    return this.v(z) >= this.end();
  }

  /** dx/ds = V / ‖V‖_{L²(mu)}, dv/ds = e^{-v - c} / ‖V‖, from out = V e^{-logScale}. */
  scale(z: Float64Array, out: Float64Array, logScale: number, weights: Float64Array, d: number, len: number): void {
    const norm = velocityNorm(out, weights, d); // the first n·d entries: V itself, not the clock
    this.lastLogNorm = Math.log(norm) + logScale;
    if (!(norm > 0) || !Number.isFinite(norm)) {
      // A stationary state: time runs on forever without motion. Stop at the next natural state.
      out.fill(0, 0, len + 1);
      this.stationary = true;
      return;
    }
    for (let i = 0; i < len; i++) out[i] /= norm;
    out[len] = Math.exp(-z[len] - this.offset - Math.log(norm) - logScale);
  }

  /**
   * A fresh run counts time in units of e^c = 1 / ‖V(x_0)‖, where dv/ds starts at 1: after the first
   * evaluation, k = V(x_0) scaled.
   */
  start(k: Float64Array): void {
    if (!Number.isFinite(this.lastLogNorm)) return;
    this.offset = -this.lastLogNorm;
    k[k.length - 1] = 1;
  }

  /**
   * A merge can drop ‖V‖ by many orders at once, and dv/ds = e^{-v-c} / ‖V‖ would jump with it:
   * measure time from the new speed (c = -log ‖V‖), keeping t itself, so dv/ds is e^{-v} <= 1 again.
   * x and k are the merged state and its velocity.
   */
  reanchor(x: Float64Array, k: Float64Array): void {
    if (!Number.isFinite(this.lastLogNorm)) return;
    const last = x.length - 1;
    const logT = logTimeOf(x[last], this.offset);
    this.offset = -this.lastLogNorm;
    x[last] = clockOfLogTime(logT, this.offset);
    k[last] = Math.exp(-x[last]);
  }
}
