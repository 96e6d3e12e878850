// Fixed-step explicit Runge–Kutta methods from their Butcher tableaux (Euler, Heun, RK4, ...),
// with cubic Hermite dense output. Stages are evaluated where the tableau puts them; every step
// ends with the space's retraction. Euler–Maruyama is Euler's tableau plus Brownian increments.
import { addNoise } from './noise.js';
import {
  checkStep,
  combine,
  StepperBase,
  type Attempt,
  type DenseOutput,
  type Evaluation,
  type SavedStep,
  type StepperSetup,
  type StepperState,
} from './stepper.js';

/** An explicit tableau: stage s is evaluated at x + h sum_{t<s} a[s][t] k_t; the step is x + h sum_s b_s k_s. */
export interface Tableau {
  /** a[0] is empty (the first stage is V(x)); a[s] holds s coefficients. */
  a: readonly (readonly number[])[];
  b: readonly number[];
}

export const EULER: Tableau = { a: [[]], b: [1] };
export const HEUN: Tableau = { a: [[], [1]], b: [0.5, 0.5] };
export const RK4: Tableau = { a: [[], [0.5], [0, 0.5], [0, 0, 1]], b: [1 / 6, 1 / 3, 1 / 3, 1 / 6] };

/**
 * Cubic Hermite interpolation on [x0, x1] with end slopes k0, k1 over a step of length h:
 * the dense output of the fixed-step methods (third order, exact for cubics).
 */
export function hermite(
  x0: Float64Array,
  x1: Float64Array,
  k0: Float64Array,
  k1: Float64Array,
  h: number,
  theta: number,
  out: Float64Array,
): void {
  const t = theta,
    t2 = t * t,
    t3 = t2 * t;
  const h00 = 2 * t3 - 3 * t2 + 1,
    h10 = t3 - 2 * t2 + t,
    h01 = -2 * t3 + 3 * t2,
    h11 = t3 - t2;
  for (let i = 0; i < out.length; i++) out[i] = h00 * x0[i] + h10 * h * k0[i] + h01 * x1[i] + h11 * h * k1[i];
}

/**
 * A fixed step dt from a tableau. Steps count s as base.t + (accepted - base.steps) dt, so s never
 * drifts by repeated addition. With `setup.noise` (Euler–Maruyama) every step adds the Brownian
 * increment of its index, and the interpolant is refused (there is none between noisy steps).
 */
export class FixedStepper extends StepperBase {
  private ks: Float64Array[] = [];
  private tmp = new Float64Array(0);
  private readonly interpolant: DenseOutput;

  constructor(
    name: string,
    private readonly tableau: Tableau,
    setup: StepperSetup,
    state: StepperState,
  ) {
    super(name, setup, state);
    const noisy = setup.noise !== null;
    this.interpolant = {
      at: (theta, out) => {
        if (noisy) throw new Error(`${name} has no dense output`);
        hermite(this.x, this.y, this.k, this.ky, this.taken, theta, out);
        this.setup.retract(out);
      },
    };
  }

  protected allocate(length: number): void {
    this.ks = this.tableau.b.map((_, s) => (s === 0 ? this.k : new Float64Array(length)));
    this.tmp = new Float64Array(length);
  }

  initStepSize(saved: SavedStep | undefined): void {
    this.h = this.setup.dt!;
    this.adoptBase(saved);
  }

  /** y <- one step of length h from x (stages, noise of step `index`, retraction). */
  private *advance(h: number, y: Float64Array, side: 0 | 1): Evaluation {
    const { a, b } = this.tableau;
    const ks = this.ks;
    ks[0] = this.k;
    for (let s = 1; s < b.length; s++) {
      combine(this.tmp, this.x, h, ks, a[s], s);
      yield* this.setup.velocity(this.tmp, ks[s]);
    }
    combine(y, this.x, h, ks, b);
    const noise = this.setup.noise;
    if (noise !== null && noise.temperature > 0) addNoise(y, noise, h, this.accepted + 1, side);
    this.setup.retract(y);
  }

  /** Always accepted; throws StepFailure when s does not advance or y is not finite (before V(y) is asked for). */
  *attempt(h: number): Generator<void, Attempt, void> {
    yield* this.advance(h, this.y, 0);
    const sNext = h === this.h ? this.base.t + (this.accepted + 1 - this.base.steps) * h : this.s + h;
    checkStep(this.s, sNext, h, this.y, 'dt');
    // V at the new state: the next step's k and the interpolant's end slope.
    yield* this.setup.velocity(this.y, this.ky);
    this.sNext = sNext;
    this.taken = h;
    return { accepted: true, hNext: h };
  }

  *step(): Evaluation {
    yield* this.attempt(this.h);
  }

  dense(): DenseOutput {
    return this.interpolant;
  }

  *sideStep(length: number, out: Float64Array): Evaluation {
    yield* this.advance(length, out, 1);
  }
}
