// OT_eps(a, a): self-transport by the symmetric averaged fixed point.
import type { BlockMask } from '../backend/index.js';
import { aborted, damping, f32ReachWarning, massOf, mixedSwitchTol, PhasedStep, rowMarginalError, Stagnation, unbalancedDual } from './common.js';
import type { CheckedOptions } from './sinkhorn.js';
import type { Clusters, Truncation } from './truncate.js';

/** Truncated self-transport: x in cluster order, its clusters, the solve's Truncation and a start at schedule[0]. */
export interface SelfTruncation {
  clusters: Clusters;
  trunc: Truncation;
  init?: Float64Array;
}

/** The solution of OT_eps(a, a) (self-transport), as DivergenceResult.aa and .bb. */
export interface SelfTransport {
  /** OT_eps(a, a) for the plan of the symmetric potential f; unbalanced (reach): the dual value at (f, f). */
  value: number;
  /** The symmetric potential: P_ij = a_i a_j exp((f_i + f_j - C_ij)/eps). */
  f: Float64Array;
  /** Fixed-point iterations, annealing stages included. */
  iterations: number;
  /** L1 error of the plan's marginals (both equal by symmetry). */
  marginalError: number;
  /** marginalError <= tol within maxIter. */
  converged: boolean;
  /** True when options.signal stopped the iteration. */
  aborted?: boolean;
  /** Precision 'f32' only: the error stopped decreasing above tol (tol below f32's reach; see SinkhornOptions.tol). */
  stagnated: boolean;
  /** Set when stagnated: what was reached and what to change. */
  warning?: string;
  /** Row sums of the plan (length n), for the gradient. */
  rowSums: Float64Array;
  /** Softmax means of the points under each row of the plan (n x d, centred coordinates), for the gradient. */
  rowMeans: Float64Array;
}

/**
 * OT_eps(a, a) by the symmetric averaged fixed point f <- (f + T(f)) / 2, which converges far
 * faster on self-transport than alternating updates (they oscillate between f and g).
 * Unbalanced (o.reach = rho): f <- (f + kappa T(f)) / 2 with kappa = rho / (rho + eps), as GeomLoss does.
 */
export function selfTransport(x: Float64Array, a: Float64Array, la: Float64Array, n: number, d: number, o: CheckedOptions, t?: SelfTruncation): SelfTransport {
  const step = new PhasedStep(o, o.mixed, Math.max(o.tol, mixedSwitchTol(o.diameter2, o.eps)));
  let f = t?.init !== undefined ? t.init.slice() : new Float64Array(n);
  const T = new Float64Array(n);
  let stopped = false;
  const rho = o.reach;
  // T = the half-step of f (truncated: only the blocks the bound keeps, f the rows' proxy; T never aliases f).
  const half = (pot: Float64Array, e: number, values: Float64Array | null = null, mean: Float64Array | null = null): void => {
    const run = (mask: BlockMask | null) => step.run(x, n, x, n, d, la, pot, e, T, values, mean, values === null ? 0 : d, mask);
    if (t === undefined) return run(null);
    const side = { x, clusters: t.clusters, pot, logWeight: la, weight: a };
    t.trunc.halfStep('self', side, side, e, T, run);
  };
  let stages = 0;
  for (const e of o.schedule.slice(0, -1)) {
    if (aborted(o.signal)) { stopped = true; break; }
    half(f, e);
    const k = damping(e, rho);
    if (k === 1) for (let i = 0; i < n; i++) f[i] = 0.5 * (f[i] + T[i]);
    else for (let i = 0; i < n; i++) f[i] = 0.5 * (f[i] + k * T[i]);
    o.progress?.('annealing', ++stages, e, NaN);
  }
  const k = damping(o.eps, rho);
  const eps = o.eps;
  let err = Infinity;
  let it = 0;
  const stagnation = new Stagnation(o.precision === 'f32');
  let stagnated = false;
  while (it < o.maxIter && !stopped) {
    if (aborted(o.signal)) { stopped = true; break; }
    half(f, eps);
    it++;
    if (k === 1) err = 2 * rowMarginalError(a, f, T, eps);
    else {
      for (let i = 0; i < n; i++) T[i] *= k;
      err = 2 * rowMarginalError(a, f, T, eps, rho);
    }
    o.progress?.('iterating', it + o.schedule.length - 1, eps, err);
    if (step.converging(err, it) && err <= o.tol) break;
    if (stagnation.update(err, it)) { stagnated = true; break; }
    for (let i = 0; i < n; i++) f[i] = 0.5 * (f[i] + T[i]);
  }
  const rowMeans = new Float64Array(n * d);
  half(f, eps, x, rowMeans);
  const rowSums = new Float64Array(n);
  let objective = 0;
  for (let i = 0; i < n; i++) {
    if (a[i] === 0) continue;
    rowSums[i] = a[i] * Math.exp((f[i] - T[i]) / eps);
    objective += 2 * rowSums[i] * f[i]; // <P, f ⊕ f> for the symmetric plan
  }
  if (rho !== undefined) objective = unbalancedDual(a, f, a, f, massOf(rowSums), eps, rho);
  f = f.slice();
  const out: SelfTransport = { value: objective, f, iterations: it + o.schedule.length - 1, marginalError: err, converged: !stopped && err <= o.tol, stagnated, rowSums, rowMeans };
  if (stopped) out.aborted = true;
  if (stagnated) out.warning = f32ReachWarning(o.tol, err.toExponential(2), out.iterations, o.defaultTol);
  return out;
}

