// Debiased Sinkhorn divergence S_eps(a, b) = OT_eps(a, b) - (OT_eps(a, a) + OT_eps(b, b)) / 2,
// with its gradients from the potentials in closed form.
import { NonFiniteError } from '../errors.js';
import { otPair, type OTPair } from './common.js';
import { selfTransport, type SelfTransport } from './self.js';
import { checkOptions, solve, type SinkhornOptions, type SinkhornResult } from './sinkhorn.js';

/** The debiased Sinkhorn divergence S_eps(a, b) with its gradients and the three solves behind it. */
export interface DivergenceResult {
  /** S_eps(a, b). */
  value: number;
  /** dS/dx_i for a's points (n x d): a_i (∇f_ab(x_i) - ∇f_aa(x_i)), exact at convergence. */
  gradient: Float64Array;
  /**
   * dS/da_i on the probability simplex: f_ab(x_i) - f_aa(x_i). Defined up to an additive
   * constant: a perturbation δa with sum δa_i = 0 changes S by <weightGradient, δa>.
   */
  weightGradient: Float64Array;
  /** The solve of OT_eps(a, b). */
  ab: SinkhornResult;
  /** The solve of OT_eps(a, a). */
  aa: SelfTransport;
  /** The solve of OT_eps(b, b). */
  bb: SelfTransport;
  /** All three solves reached tol within maxIter. */
  converged: boolean;
  /** Set when not converged: the three marginal errors (a-b, a-a, b-b). */
  warning?: string;
  /** True when options.signal stopped one of the solves (value and gradients are then not to be trusted). */
  aborted?: boolean;
}

/**
 * S_eps(a, b) = OT_eps(a, b) - (OT_eps(a, a) + OT_eps(b, b)) / 2 for Measures a, b (weights
 * normalised to 1), cost |x - y|^2; options as for sinkhorn (same checks and errors). Throws
 * InvalidArgumentError for bad input; an abort through options.signal returns with aborted: true.
 */
export function sinkhornDivergence(a: unknown, b: unknown, options: SinkhornOptions): DivergenceResult {
  const p: OTPair = otPair(a, b);
  const o = checkOptions(options, p, 'sinkhornDivergence');
  const { n, m, d, x, y } = p;
  const cross = solve(p, o);
  const aa = selfTransport(x, p.a, p.la, n, d, o);
  const bb = selfTransport(y, p.b, p.lb, m, d, o);
  const gradient = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < d; c++) {
      const xi = x[i * d + c];
      // ∇_x C(x, y) = 2 (x - y), averaged under each plan's row i.
      gradient[i * d + c] = 2 * cross.rowSums[i] * (xi - cross.rowMeans[i * (d + 1) + c]) - 2 * aa.rowSums[i] * (xi - aa.rowMeans[i * d + c]);
    }
  }
  const weightGradient = cross.result.f.map((v, i) => v - aa.f[i]);
  const converged = cross.result.converged && aa.converged && bb.converged;
  const value = cross.result.objective - (aa.objective + bb.objective) / 2;
  if (!Number.isFinite(value) || !gradient.every(Number.isFinite)) {
    throw new NonFiniteError(`sinkhornDivergence: non-finite value or gradient at eps = ${o.eps} for a squared diameter ${p.diameter2}; rescale the points or raise eps`);
  }
  const out: DivergenceResult = {
    value,
    gradient, weightGradient, ab: cross.result, aa, bb, converged,
  };
  if (cross.result.aborted || aa.aborted || bb.aborted) {
    out.aborted = true;
    out.warning = 'aborted through options.signal';
  } else if (!converged) out.warning = `not converged within maxIter = ${o.maxIter}: marginal errors ${[cross.result.marginalError, aa.marginalError, bb.marginalError].map((e) => e.toExponential(1)).join(', ')} (a-b, a-a, b-b)`;
  return out;
}
