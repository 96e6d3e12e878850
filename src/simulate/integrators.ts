// Explicit integrators over a velocity function, with dense output. Every velocity
// evaluation is a generator that yields one request: a single run answers it at once, an
// ensemble gathers the requests of all its systems into one kernel call. Every step ends
// with the space's retraction; stages are evaluated where the Butcher tableau puts them.

/** A velocity evaluation out <- V(x): one yielded request, answered by the driver. */
export type Evaluation = Generator<void, void, void>;
/** out <- V(x), as a generator (see {@link Evaluation}). */
export type VelocityFn = (x: Float64Array, out: Float64Array) => Evaluation;
export type IntegratorName = 'euler' | 'heun' | 'rk4' | 'rk45';

/**
 * y <- x + h * sum_s c_s k_s (the tableau's linear combination), skipping zero weights. The
 * sum starts from 0 and adds terms in stage order; the unrolled cases do exactly that.
 */
function combine(y: Float64Array, x: Float64Array, h: number, ks: Float64Array[], cs: readonly number[], count = cs.length): void {
  const len = x.length;
  const k: Float64Array[] = [], c: number[] = [];
  for (let t = 0; t < count; t++) if (cs[t] !== 0) { k.push(ks[t]); c.push(cs[t]); }
  if (k.length === 1) {
    const [k0] = k, [c0] = c;
    for (let i = 0; i < len; i++) y[i] = x[i] + h * (0 + c0 * k0[i]);
  } else if (k.length === 2) {
    const [k0, k1] = k, [c0, c1] = c;
    for (let i = 0; i < len; i++) y[i] = x[i] + h * (0 + c0 * k0[i] + c1 * k1[i]);
  } else {
    for (let i = 0; i < len; i++) {
      let s = 0;
      for (let t = 0; t < k.length; t++) s += c[t] * k[t][i];
      y[i] = x[i] + h * s;
    }
  }
}

/** A fixed-step method: y <- one step of length h from x, given k1 = V(x). */
export interface FixedStep {
  evaluationsPerStep: number;
  step(f: VelocityFn, x: Float64Array, k1: Float64Array, h: number, y: Float64Array): Evaluation;
  /** Euler's step as a plain call (no velocity evaluation inside, so no generator). */
  euler(x: Float64Array, k1: Float64Array, h: number, y: Float64Array): void;
}

export function fixedStepper(name: 'euler' | 'heun' | 'rk4', len: number): FixedStep {
  const k2 = new Float64Array(len), k3 = new Float64Array(len), k4 = new Float64Array(len);
  const tmp = new Float64Array(len);
  const euler = (x: Float64Array, k1: Float64Array, h: number, y: Float64Array) => combine(y, x, h, [k1], [1]);
  if (name === 'euler') {
    // eslint-disable-next-line require-yield
    return { evaluationsPerStep: 1, euler, *step(_f, x, k1, h, y) { euler(x, k1, h, y); } };
  }
  if (name === 'heun') {
    return {
      evaluationsPerStep: 2, euler,
      *step(f, x, k1, h, y) {
        combine(tmp, x, h, [k1], [1]);
        yield* f(tmp, k2);
        combine(y, x, h, [k1, k2], [0.5, 0.5]);
      },
    };
  }
  return {
    evaluationsPerStep: 4, euler,
    *step(f, x, k1, h, y) {
      combine(tmp, x, h, [k1], [0.5]);
      yield* f(tmp, k2);
      combine(tmp, x, h, [k2], [0.5]);
      yield* f(tmp, k3);
      combine(tmp, x, h, [k3], [1]);
      yield* f(tmp, k4);
      combine(y, x, h, [k1, k2, k3, k4], [1 / 6, 1 / 3, 1 / 3, 1 / 6]);
    },
  };
}

/**
 * Cubic Hermite interpolation on [x0, x1] with end slopes k0, k1 over a step of length h:
 * the dense output of the fixed-step methods (third order, exact for cubics).
 */
export function hermite(x0: Float64Array, x1: Float64Array, k0: Float64Array, k1: Float64Array, h: number, theta: number, out: Float64Array): void {
  const t = theta, t2 = t * t, t3 = t2 * t;
  const h00 = 2 * t3 - 3 * t2 + 1, h10 = t3 - 2 * t2 + t, h01 = -2 * t3 + 3 * t2, h11 = t3 - t2;
  for (let i = 0; i < out.length; i++) out[i] = h00 * x0[i] + h10 * h * k0[i] + h01 * x1[i] + h11 * h * k1[i];
}

// Dormand–Prince 5(4) (Hairer, Nørsett & Wanner, Solving ODEs I, table 5.2).
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
const D = [-12715105075 / 11282082432, 0, 87487479700 / 32700410799, -10690763975 / 1880347072,
  701980252875 / 199316789632, -1453857185 / 822651844, 69997945 / 29380423] as const;

export interface AdaptiveStep {
  /**
   * One Dormand–Prince attempt of length h from x (k1 = V(x)). Writes the 5th-order solution
   * to y, retracted by `retract`, and k7 = V(y) to k7 (first-same-as-last for the next step).
   * Returns the scaled error norm (accept when <= 1).
   */
  attempt(f: VelocityFn, x: Float64Array, k1: Float64Array, h: number, y: Float64Array, k7: Float64Array,
    retract: (y: Float64Array) => void, rtol: number, atol: number): Generator<void, number, void>;
  /** A plain 5th-order step without error control (for side steps to record times). */
  step(f: VelocityFn, x: Float64Array, k1: Float64Array, h: number, y: Float64Array): Evaluation;
  /**
   * The continuous extension of the last accepted attempt from x to y (length h) at
   * theta in [0, 1], unretracted; valid until the next attempt.
   */
  dense(x: Float64Array, y: Float64Array, k7: Float64Array, h: number, theta: number, out: Float64Array): void;
}

export function dormandPrince(len: number): AdaptiveStep {
  const ks: Float64Array[] = Array.from({ length: 6 }, () => new Float64Array(len));
  const tmp = new Float64Array(len);
  function* stages(f: VelocityFn, x: Float64Array, k1: Float64Array, h: number, y: Float64Array): Evaluation {
    ks[0] = k1;
    for (let s = 1; s < 6; s++) {
      combine(tmp, x, h, ks, A[s], s);
      yield* f(tmp, ks[s]);
    }
    combine(y, x, h, ks, B5);
  }
  return {
    *attempt(f, x, k1, h, y, k7, retract, rtol, atol) {
      yield* stages(f, x, k1, h, y);
      retract(y);
      // k7 at the retracted point: it is then exactly V(state) for the next step, so a run
      // resumed from a checkpoint (which recomputes V(state)) is bit-identical.
      yield* f(y, k7);
      let err = 0;
      for (let i = 0; i < len; i++) {
        let e = E[6] * k7[i];
        for (let s = 0; s < 6; s++) if (E[s] !== 0) e += E[s] * ks[s][i];
        const scale = atol + rtol * Math.max(Math.abs(x[i]), Math.abs(y[i]));
        err += ((h * e) / scale) ** 2;
      }
      return Math.sqrt(err / len);
    },
    step: stages,
    dense(x, y, k7, h, theta, out) {
      const k1 = ks[0];
      const t1 = 1 - theta;
      for (let i = 0; i < len; i++) {
        const r2 = y[i] - x[i];
        const r3 = h * k1[i] - r2;
        const r4 = r2 - h * k7[i] - r3;
        let r5 = D[6] * k7[i];
        for (let s = 0; s < 6; s++) if (D[s] !== 0) r5 += D[s] * ks[s][i];
        r5 *= h;
        out[i] = x[i] + theta * (r2 + t1 * (r3 + theta * (r4 + t1 * r5)));
      }
    },
  };
}

/** Step-size update after an attempt with scaled error err (order 5 controller, safety 0.9). */
export function nextStepSize(h: number, err: number): number {
  const factor = err === 0 ? 5 : Math.min(5, Math.max(0.2, 0.9 * Math.pow(err, -1 / 5)));
  return h * factor;
}

/** Hairer's initial step guess from |x|, |V(x)| and the tolerances. */
export function initialStepSize(x: Float64Array, k1: Float64Array, rtol: number, atol: number, tSpan: number): number {
  let d0 = 0, d1 = 0;
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
