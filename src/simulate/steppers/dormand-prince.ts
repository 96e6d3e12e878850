// Dormand–Prince 5(4) with its embedded error estimate, an order-5 step-size controller and
// Hairer's 4th-order continuous extension (Hairer, Nørsett & Wanner, Solving ODEs I, table 5.2).
import {
  checkStep,
  combine,
  StepFailure,
  StepperBase,
  type Attempt,
  type DenseOutput,
  type Evaluation,
  type SavedStep,
} from './stepper.js';

const A = [
  [],
  [1 / 5],
  [3 / 40, 9 / 40],
  [44 / 45, -56 / 15, 32 / 9],
  [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
  [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
] as const;
const B5 = [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84] as const;
/** b5 - b4: the embedded error estimate's weights (the 7th is -1/40 on k7 = V(y)). */
const E = [71 / 57600, 0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40] as const;
/** Dormand–Prince's continuous extension (Hairer's DOPRI5 dense output, 4th order), on k1..k7. */
const D = [
  -12715105075 / 11282082432,
  0,
  87487479700 / 32700410799,
  -10690763975 / 1880347072,
  701980252875 / 199316789632,
  -1453857185 / 822651844,
  69997945 / 29380423,
] as const;

/** Step-size update after an attempt with scaled error err (order 5 controller, safety 0.9). */
export function nextStepSize(h: number, err: number): number {
  const factor = err === 0 ? 5 : Math.min(5, Math.max(0.2, 0.9 * Math.pow(err, -1 / 5)));
  return h * factor;
}

/** Hairer's initial step guess from |x|, |V(x)| and the tolerances. */
export function initialStepSize(x: Float64Array, k1: Float64Array, rtol: number, atol: number, tSpan: number): number {
  let d0 = 0,
    d1 = 0;
  for (let i = 0; i < x.length; i++) {
    const sc = atol + rtol * Math.abs(x[i]);
    d0 += (x[i] / sc) ** 2;
    d1 += (k1[i] / sc) ** 2;
  }
  d0 = Math.sqrt(d0 / x.length);
  d1 = Math.sqrt(d1 / x.length);
  const h = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : 0.01 * (d0 / d1);
  return Math.min(h, tSpan);
}

/** The adaptive stepper 'rk45': error control by rtol and atol, steps at most maxStep. */
export class DormandPrince extends StepperBase {
  private ks: Float64Array[] = [];
  private tmp = new Float64Array(0);
  /** False once a side step has reused the stages the interpolant reads. */
  private denseValid = false;
  private readonly interpolant: DenseOutput = {
    at: (theta, out) => {
      if (!this.denseValid) throw new Error('rk45: the dense output was read after a side step reused its stages');
      this.continuous(theta, out);
      this.setup.retract(out);
    },
  };

  protected allocate(length: number): void {
    this.ks = Array.from({ length: 6 }, () => new Float64Array(length));
    this.tmp = new Float64Array(length);
    this.denseValid = false;
  }

  initStepSize(saved: SavedStep | undefined): void {
    const { dt, rtol, atol, maxStep } = this.setup;
    this.h =
      saved !== undefined && saved.integrator === this.name
        ? saved.h
        : Math.min(dt ?? initialStepSize(this.x, this.k, rtol, atol, Infinity), maxStep);
    this.adoptBase(saved);
  }

  /** The six stages from x and the 5th-order solution into y (unretracted). */
  private *stages(h: number, y: Float64Array): Evaluation {
    const ks = this.ks;
    ks[0] = this.k;
    for (let s = 1; s < 6; s++) {
      combine(this.tmp, this.x, h, ks, A[s], s);
      yield* this.setup.velocity(this.tmp, ks[s]);
    }
    combine(y, this.x, h, ks, B5);
  }

  /**
   * y <- the retracted 5th-order solution, ky <- V(y) (first-same-as-last: at the retracted point it is
   * exactly V(state) for the next step, so a run resumed from a checkpoint is bit-identical); accepted
   * when the scaled error norm is finite and <= 1.
   */
  *attempt(h: number): Generator<void, Attempt, void> {
    const { x, y, ky } = this;
    const { rtol, atol } = this.setup;
    yield* this.stages(h, y);
    this.setup.retract(y);
    yield* this.setup.velocity(y, ky);
    const len = x.length;
    let sum = 0;
    for (let i = 0; i < len; i++) {
      let e = E[6] * ky[i];
      for (let s = 0; s < 6; s++) if (E[s] !== 0) e += E[s] * this.ks[s][i];
      const scale = atol + rtol * Math.max(Math.abs(x[i]), Math.abs(y[i]));
      sum += ((h * e) / scale) ** 2;
    }
    const err = Math.sqrt(sum / len);
    this.denseValid = true;
    if (Number.isFinite(err) && err <= 1) return { accepted: true, hNext: nextStepSize(h, err) };
    return { accepted: false, hNext: Number.isFinite(err) ? nextStepSize(h, err) : h * 0.2 };
  }

  *step(): Evaluation {
    let hTry: number;
    for (;;) {
      hTry = Math.min(this.h, this.setup.maxStep);
      const attempt = yield* this.attempt(hTry);
      this.h = attempt.hNext;
      if (attempt.accepted) break;
      this.rejected++;
      if (!(this.h > 1e-14 * Math.max(1, Math.abs(this.s)))) throw new StepFailure({ kind: 'tooSmall', h: this.h });
    }
    this.taken = hTry;
    this.sNext = this.s + hTry;
    checkStep(this.s, this.sNext, hTry, this.y, 'maxStep or the tolerances');
  }

  dense(): DenseOutput {
    return this.interpolant;
  }

  /** The continuous extension of the accepted step at theta in [0, 1], unretracted. */
  private continuous(theta: number, out: Float64Array): void {
    const { x, y, ky: k7, taken: h, ks } = this;
    const k1 = ks[0];
    const t1 = 1 - theta;
    for (let i = 0; i < x.length; i++) {
      const r2 = y[i] - x[i];
      const r3 = h * k1[i] - r2;
      const r4 = r2 - h * k7[i] - r3;
      let r5 = D[6] * k7[i];
      for (let s = 0; s < 6; s++) if (D[s] !== 0) r5 += D[s] * ks[s][i];
      r5 *= h;
      out[i] = x[i] + theta * (r2 + t1 * (r3 + theta * (r4 + t1 * r5)));
    }
  }

  /** A plain 5th-order step without error control (a record's state). */
  *sideStep(length: number, out: Float64Array): Evaluation {
    this.denseValid = false;
    yield* this.stages(length, out);
    this.setup.retract(out);
  }
}
