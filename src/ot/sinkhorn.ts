// Log-domain Sinkhorn for OT_eps(a, b) = min_P <P, C> + eps KL(P | a ⊗ b), C = |x - y|^2.
// Each half-iteration is one pass of the kernel (score -|x - y|^2, beta = 1/eps, log-weights
// log b_j + g_j/eps), so nothing n x m is ever stored unless plan() is asked for.
import { InvalidArgumentError } from '../errors.js';
import { integerAtLeast, positiveNumber, toFloat64 } from '../validate.js';
import { epsSchedule, HalfStep, otPair, rowMarginalError, type OTOptions, type OTPair } from './common.js';
import { selfTransport } from './self.js';

/** Options of sinkhorn and sinkhornDivergence; eps is required. */
export interface SinkhornOptions extends OTOptions {
  /** Entropic regularisation (> 0), in units of the cost |x - y|^2. */
  eps: number;
  /** Stop when the L1 marginal error of the plan is <= tol. Default 1e-9. */
  tol?: number;
  /** Iterations at the final eps. Default 100 000. */
  maxIter?: number;
  /**
   * eps-scaling: anneal from the squared diameter down to eps, the blur sqrt(eps) shrinking by
   * this factor per stage (as GeomLoss does, one iteration per stage). Default 0.9 when eps < diameter²/20,
   * else off; false turns it off. Slower annealing than GeomLoss's 0.5 keeps the potentials in the basin of the
   * final solution, so tiny eps/diameter² (1e-5) still converges to 1e-9 marginals in a few dozen iterations.
   */
  scaling?: number | false;
  /** Start from these potentials (e.g. a previous result's f and g). */
  warmStart?: {
    /** Potential on a's points (length n); alone, g is computed from it. */
    f?: ArrayLike<number>;
    /** Potential on b's points (length m). */
    g?: ArrayLike<number>;
  };
}

/** The solution of OT_eps(a, b) for a and b normalised to probability measures. */
export interface SinkhornResult {
  /** OT_eps(a, b) = <P, C> + eps KL(P | a ⊗ b) for the returned plan. */
  objective: number;
  /** <P, C>. */
  cost: number;
  /** Dual potentials, shifted so that <a, f> = <b, g>; OT_eps = <a, f> + <b, g> at convergence. */
  f: Float64Array;
  /** Dual potential on b's points (length m); see f. */
  g: Float64Array;
  /** Sinkhorn iterations (one f- and one g-update each), annealing stages included. */
  iterations: number;
  /** L1 error of the plan's marginals (its columns are exact). */
  marginalError: number;
  /** marginalError <= tol within maxIter. */
  converged: boolean;
  /** Set when not converged: what was reached and what to change. */
  warning?: string;
  /** The regularisation solved for (options.eps). */
  eps: number;
  /** The dense plan P (n x m), refused above PLAN_LIMIT entries. */
  plan(): Float64Array;
  /** Row i of the plan (length m). */
  planRow(i: number): Float64Array;
  /** T(x_i) = sum_j P_ij y_j / a_i (n x d), in the measures' coordinates. */
  barycentricMap(): Float64Array;
}

/** Largest n * m that plan() materialises. */
export const PLAN_LIMIT = 1e7;

/**
 * Entropic OT between Measures a (n points) and b (m points) of the same dimension, cost |x - y|^2,
 * weights normalised to 1; log-domain Sinkhorn with eps-scaling. Throws InvalidArgumentError for
 * bad measures or options. Non-convergence is reported (converged, warning), not thrown.
 */
export function sinkhorn(a: unknown, b: unknown, options: SinkhornOptions): SinkhornResult {
  const p = otPair(a, b);
  const o = checkOptions(options, p);
  return solve(p, o).result;
}

export interface CheckedOptions extends OTOptions {
  eps: number;
  tol: number;
  maxIter: number;
  schedule: number[];
  warmStart?: SinkhornOptions['warmStart'];
}

export function checkOptions(options: SinkhornOptions, p: OTPair): CheckedOptions {
  if (options === undefined || options === null) throw new InvalidArgumentError('options', options, 'must give eps');
  const eps = positiveNumber('eps', options.eps);
  const tol = positiveNumber('tol', options.tol ?? 1e-9);
  const maxIter = integerAtLeast('maxIter', options.maxIter ?? 100_000, 1);
  let scaling = options.scaling;
  if (scaling === undefined) scaling = eps < p.diameter2 / 20 ? 0.9 : false;
  if (scaling !== false && !(typeof scaling === 'number' && scaling > 0 && scaling < 1)) {
    throw new InvalidArgumentError('scaling', scaling, 'must be a number in (0, 1) or false');
  }
  const schedule = scaling === false ? [eps] : epsSchedule(p.diameter2, eps, scaling);
  return { ...options, eps, tol, maxIter, schedule };
}

/**
 * The solve, plus what the divergence's gradient needs: the plan's row sums r_i and the row
 * means of (y, |y|^2) in centred coordinates ((d + 1) per row).
 */
export function solve(p: OTPair, o: CheckedOptions): { result: SinkhornResult; rowSums: Float64Array; rowMeans: Float64Array } {
  const { n, m, d, x, y, a, b, la, lb } = p;
  const step = new HalfStep(o);
  let f: Float64Array = new Float64Array(n), g: Float64Array = new Float64Array(m), fNext: Float64Array = new Float64Array(n);
  if (o.warmStart?.g !== undefined) g = sized('warmStart.g', o.warmStart.g, m);
  if (o.warmStart?.f !== undefined) {
    f = sized('warmStart.f', o.warmStart.f, n);
    if (o.warmStart.g === undefined) step.run(y, m, x, n, d, la, f, o.schedule[0], g);
  }
  const warm = o.warmStart !== undefined;
  const eps = o.eps;
  let err = Infinity;
  let it = 0;
  let passes = 0;
  if (p.same) {
    // Alternating updates crawl on self-transport; the symmetric averaged iteration does not.
    const s = selfTransport(x, a, la, n, d, o);
    f = s.f;
    g = s.f.slice();
    err = s.marginalError;
    it = s.iterations;
  } else {
    // Annealing: one iteration per stage (skipped on a warm start), then iterate at eps.
    if (!warm) {
      for (const e of o.schedule.slice(0, -1)) {
        step.run(x, n, y, m, d, lb, g, e, f);
        step.run(y, m, x, n, d, la, f, e, g);
        passes += 2;
      }
    }
    step.run(x, n, y, m, d, lb, g, eps, f);
    while (it < o.maxIter) {
      step.run(y, m, x, n, d, la, f, eps, g);       // columns of P(f, g) exact
      step.run(x, n, y, m, d, lb, g, eps, fNext);   // rows of P(f, g) are a_i exp((f_i - fNext_i)/eps)
      it++;
      err = rowMarginalError(a, f, fNext, eps);
      if (err <= o.tol) break;
      [f, fNext] = [fNext, f];
    }
  }
  // One more pass with values (y, |y|^2): row means give the cost and the barycentric map.
  const values = new Float64Array(m * (d + 1));
  for (let j = 0; j < m; j++) {
    let s = 0;
    for (let c = 0; c < d; c++) { values[j * (d + 1) + c] = y[j * d + c]; s += y[j * d + c] ** 2; }
    values[j * (d + 1) + d] = s;
  }
  const mean = new Float64Array(n * (d + 1));
  step.run(x, n, y, m, d, lb, g, eps, fNext, values, mean, d + 1);
  let cost = 0, objective = 0;
  const rowSums = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (a[i] === 0) continue;
    const r = a[i] * Math.exp((f[i] - fNext[i]) / eps); // row sum of P(f, g)
    rowSums[i] = r;
    let xx = 0, xm = 0;
    for (let c = 0; c < d; c++) { xx += x[i * d + c] ** 2; xm += x[i * d + c] * mean[i * (d + 1) + c]; }
    cost += r * (xx - 2 * xm + mean[i * (d + 1) + d]);
    objective += r * f[i];
  }
  // The plan's columns are exact (alternating), or equal to its rows (symmetric).
  if (p.same) objective *= 2;
  else for (let j = 0; j < m; j++) if (b[j] > 0) objective += b[j] * g[j];
  // The symmetric gauge: <a, f> = <b, g> (the plan is unchanged by f + c, g - c).
  const shift = (dot(a, f) - dot(b, g)) / 2;
  const F = f.map((v) => v - shift), G = g.map((v) => v + shift);
  const converged = err <= o.tol;
  const result: SinkhornResult = {
    objective, cost, f: F, g: G, iterations: it + passes / 2, marginalError: err, converged, eps,
    plan() {
      if (n * m > PLAN_LIMIT) throw new InvalidArgumentError('plan', `${n} x ${m} entries`, `is refused above ${PLAN_LIMIT} entries; use planRow(i) or barycentricMap()`);
      const P = new Float64Array(n * m);
      for (let i = 0; i < n; i++) P.set(result.planRow(i), i * m);
      return P;
    },
    planRow(i: number) {
      if (!Number.isInteger(i) || i < 0 || i >= n) throw new InvalidArgumentError('i', i, `must be an integer in [0, ${n})`);
      const row = new Float64Array(m);
      for (let j = 0; j < m; j++) {
        let c2 = 0;
        for (let c = 0; c < d; c++) c2 += (x[i * d + c] - y[j * d + c]) ** 2;
        row[j] = a[i] * b[j] * Math.exp((F[i] + G[j] - c2) / eps);
      }
      return row;
    },
    barycentricMap() {
      const T = new Float64Array(n * d);
      for (let i = 0; i < n; i++) {
        // Sum_j P_ij y_j / a_i = (r_i / a_i) * (softmax mean of y); a zero-weight row keeps the conditional mean.
        const ratio = a[i] > 0 ? Math.exp((f[i] - fNext[i]) / eps) : 1;
        for (let c = 0; c < d; c++) T[i * d + c] = ratio * (mean[i * (d + 1) + c] + p.shift[c]);
      }
      return T;
    },
  };
  if (!converged) result.warning = `Sinkhorn did not reach tol = ${o.tol} within maxIter = ${o.maxIter} iterations (marginal error ${err.toExponential(2)}); raise maxIter or eps`;
  return { result, rowSums, rowMeans: mean };
}

function sized(name: string, v: ArrayLike<number>, len: number): Float64Array {
  const out = Float64Array.from(toFloat64(name, Array.from(v)));
  if (out.length !== len) throw new InvalidArgumentError(`${name}.length`, out.length, `must be ${len}`);
  return out;
}

export function dot(u: Float64Array, v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < u.length; i++) if (u[i] !== 0) s += u[i] * v[i];
  return s;
}
