// The stepper interface (SciPy's OdeSolver and DenseOutput as the model). A stepper owns one
// integrator and the state it advances: x (the particles, then the clock's entries), k = V(x) and
// the integration variable s. attempt(h) tries one step and says whether it is accepted and which
// step to try next; step() attempts until one is accepted, so rejection and step-size control stay
// inside the stepper. The driver hands the accepted step (x -> y over s -> sNext) to the run's parts
// and then commit()s it. Every velocity evaluation is a generator that yields one request: a single
// run answers it at once, an ensemble gathers the requests of all its systems into one kernel call.

/** A velocity evaluation out <- V(x): one yielded request, answered by the driver. */
export type Evaluation = Generator<void, void, void>;
/** out <- V(x), as a generator (see {@link Evaluation}). */
export type VelocityFn = (x: Float64Array, out: Float64Array) => Evaluation;
/** Puts the particles of a state back onto their space (the clock's entries are left alone). */
export type Retraction = (y: Float64Array) => void;

/** The outcome of one attempt. */
export interface Attempt {
  accepted: boolean;
  /** The step to try next. */
  hNext: number;
}

/** The interpolant of the last accepted step: `at(theta, out)` writes the retracted state at s + theta (sNext - s). */
export interface DenseOutput {
  at(theta: number, out: Float64Array): void;
}

/** Brownian noise of Euler–Maruyama: d x = V dt + sqrt(2 temperature) dB. */
export interface Noise {
  /** Temperature >= 0 (no noise at 0). */
  temperature: number;
  /** Seed of the noise streams. */
  seed: number;
}

/** What a stepper is built from: the velocity, the retraction and the integrator's options. */
export interface StepperSetup {
  velocity: VelocityFn;
  retract: Retraction;
  /** The fixed step, or the adaptive stepper's first step (undefined: Hairer's guess). */
  dt: number | undefined;
  rtol: number;
  atol: number;
  /** The adaptive stepper's largest step. */
  maxStep: number;
  noise: Noise | null;
}

/** Where a stepper stands: what a checkpoint keeps of it. */
export interface StepperState {
  /** The integration variable: time, or arc length under the arc-length clock. */
  s: number;
  /** Natural steps accepted since s = 0. */
  accepted: number;
  /** Attempts rejected by the error control since s = 0. */
  rejected: number;
}

/** A saved step size, from a checkpoint: reused when it came from the same integrator. */
export interface SavedStep {
  integrator: string;
  h: number;
  /** Fixed steps count s as base.t + (accepted - base.steps) h. */
  base?: { t: number; steps: number };
}

/** Why a step could not be taken; the driver names it in a SimulationError. */
export type StepFailureReason =
  /** The adaptive step size fell to h without a finite, accurate step. */
  | { kind: 'tooSmall'; h: number }
  /** s + length rounds back to s; `remedy` names the option to raise. */
  | { kind: 'stalled'; length: number; remedy: string }
  /** Entry `index` of the new state is not finite; sTo is where the step ended. */
  | { kind: 'nonFinite'; index: number; sTo: number };

/** Thrown by step() when no step can be taken. */
export class StepFailure extends Error {
  constructor(readonly reason: StepFailureReason) {
    super(`step failure (${reason.kind})`);
  }
}

/**
 * One integrator and its state. Between step() and commit() the accepted step is x -> y over
 * [s, sNext] (length `taken`), with ky = V(y) and dense() its interpolant.
 */
export interface Stepper {
  /** The current state (particles, then the clock's entries). */
  readonly x: Float64Array;
  /** V(x), as the clock scales it. */
  readonly k: Float64Array;
  /** The integration variable at x. */
  readonly s: number;
  /** The end of the accepted step, before commit(). */
  readonly y: Float64Array;
  /** V(y). */
  readonly ky: Float64Array;
  /** The integration variable at y. */
  readonly sNext: number;
  /** The length of the accepted step (sNext - s up to rounding). */
  readonly taken: number;
  /** The next step size (the fixed dt, or the controller's proposal). */
  readonly h: number;
  readonly accepted: number;
  readonly rejected: number;
  /** Fixed steps: where the current step size took effect. */
  readonly base: { t: number; steps: number };
  /** A state-sized buffer for the parts' dense and side outputs (reallocated by restart). */
  readonly scratch: Float64Array;
  /** Starts from x (a fresh state, or the system after a collapse changed its size): k <- V(x). */
  restart(x: Float64Array): Evaluation;
  /** Chooses the first step size, after the first restart (a saved one when it fits). */
  initStepSize(saved: SavedStep | undefined): void;
  /** One step of length h from x; fixed steppers throw StepFailure for a stalled or non-finite step. */
  attempt(h: number): Generator<void, Attempt, void>;
  /** Attempts until one is accepted, under the stepper's own step-size control; throws StepFailure. */
  step(): Evaluation;
  /** The interpolant of the accepted step; valid until the next attempt or side step. */
  dense(): DenseOutput;
  /** A step of the given length from x into out, retracted (a record's state, more accurate than dense output). */
  sideStep(length: number, out: Float64Array): Evaluation;
  /** Makes y the current state. */
  commit(): void;
}

/**
 * y <- x + h * sum_s c_s k_s (the tableau's linear combination), skipping zero weights. The
 * sum starts from 0 and adds terms in stage order; the unrolled cases do exactly that.
 */
export function combine(y: Float64Array, x: Float64Array, h: number, ks: Float64Array[], cs: readonly number[], count = cs.length): void {
  const len = x.length;
  const k: Float64Array[] = [],
    c: number[] = [];
  for (let t = 0; t < count; t++)
    if (cs[t] !== 0) {
      k.push(ks[t]);
      c.push(cs[t]);
    }
  if (k.length === 1) {
    const [k0] = k,
      [c0] = c;
    for (let i = 0; i < len; i++) y[i] = x[i] + h * (0 + c0 * k0[i]);
  } else if (k.length === 2) {
    const [k0, k1] = k,
      [c0, c1] = c;
    for (let i = 0; i < len; i++) y[i] = x[i] + h * (0 + c0 * k0[i] + c1 * k1[i]);
  } else {
    for (let i = 0; i < len; i++) {
      let s = 0;
      for (let t = 0; t < k.length; t++) s += c[t] * k[t][i];
      y[i] = x[i] + h * s;
    }
  }
}

/** Index of the first non-finite entry, or -1; one running sum first (a NaN or Infinity poisons it). */
export function firstNonFinite(a: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i];
  if (Number.isFinite(sum)) return -1;
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return i;
  return -1;
}

/** Throws StepFailure unless the step from s to sNext advances s and y is finite. */
export function checkStep(s: number, sNext: number, length: number, y: Float64Array, remedy: string): void {
  if (!(sNext > s)) throw new StepFailure({ kind: 'stalled', length, remedy });
  const bad = firstNonFinite(y);
  if (bad >= 0) throw new StepFailure({ kind: 'nonFinite', index: bad, sTo: sNext });
}

/** The buffers and bookkeeping every stepper shares; subclasses add their stages. */
export abstract class StepperBase implements Stepper {
  x: Float64Array = new Float64Array(0);
  k: Float64Array = new Float64Array(0);
  y: Float64Array = new Float64Array(0);
  ky: Float64Array = new Float64Array(0);
  scratch: Float64Array = new Float64Array(0);
  s: number;
  sNext: number;
  taken = 0;
  h = NaN;
  accepted: number;
  rejected: number;
  base: { t: number; steps: number };

  /** @param name the integrator's name in the registry (a checkpoint's step size is reused under the same name) */
  constructor(
    readonly name: string,
    protected readonly setup: StepperSetup,
    state: StepperState,
  ) {
    this.s = this.sNext = state.s;
    this.accepted = state.accepted;
    this.rejected = state.rejected;
    this.base = { t: state.s, steps: state.accepted };
  }

  /** Allocates the stage buffers for states of `length` entries. */
  protected abstract allocate(length: number): void;

  *restart(x: Float64Array): Evaluation {
    const length = x.length;
    this.x = x;
    this.k = new Float64Array(length);
    this.y = new Float64Array(length);
    this.ky = new Float64Array(length);
    this.scratch = new Float64Array(length);
    this.allocate(length);
    yield* this.setup.velocity(this.x, this.k);
  }

  abstract initStepSize(saved: SavedStep | undefined): void;

  /** Keeps a saved fixed-step base when the step size and integrator are the saved ones. */
  protected adoptBase(saved: SavedStep | undefined): void {
    if (saved !== undefined && saved.integrator === this.name && saved.h === this.h && saved.base) this.base = saved.base;
  }
  abstract attempt(h: number): Generator<void, Attempt, void>;
  abstract step(): Evaluation;
  abstract dense(): DenseOutput;
  abstract sideStep(length: number, out: Float64Array): Evaluation;

  commit(): void {
    // Swap buffers rather than copy them.
    [this.x, this.y] = [this.y, this.x];
    [this.k, this.ky] = [this.ky, this.k];
    this.s = this.sNext;
    this.accepted++;
  }
}
