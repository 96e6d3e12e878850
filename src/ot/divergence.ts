// Debiased Sinkhorn divergence S_eps(a, b) = OT_eps(a, b) - (OT_eps(a, a) + OT_eps(b, b)) / 2,
// with its gradients from the potentials in closed form; unbalanced (reach) with the mass correction
// (eps/2)(m(a) - m(b))^2 of Séjourné et al. 2019 (as GeomLoss computes it).
import { NonFiniteError } from '../errors.js';
import { gradientInSpace, type PointsInput } from '../points.js';
import { f32ReachWarning, massOf, otPair } from './common.js';
import { checkOptions, dimOption, inSpaces, isUnbalanced, problemProgress } from './sinkhorn.js';
import { solveCross, solveSelf } from './multiscale.js';
import type { DivergenceResult, SinkhornOptions } from './types.js';
export type { DivergenceResult } from './types.js';

/**
 * S_eps(a, b) = OT_eps(a, b) - (OT_eps(a, a) + OT_eps(b, b)) / 2 for Measures a, b (weights
 * normalised to 1) or the point forms sinkhorn takes, cost |x - y|^2 (chordal on the circle: see
 * {@link sinkhorn}); options as for sinkhorn (same checks and errors). Throws
 * InvalidArgumentError for bad input; an abort through options.signal returns with aborted: true.
 *
 * Unbalanced (options.reach = rho, weights as given, masses m(a), m(b) may differ; see
 * {@link SinkhornOptions.reach}): S = OT_{eps,rho}(a, b) - (OT_{eps,rho}(a, a) + OT_{eps,rho}(b, b)) / 2
 * + (eps/2)(m(a) - m(b))^2, the debiased divergence of Séjourné, Feydy, Vialard, Trouvé and Peyré
 * ("Sinkhorn divergences for unbalanced optimal transport", 2019, Def. 6): the correction is added, so that
 * S >= 0 with S(a, a) = 0. It is what GeomLoss's SamplesLoss('sinkhorn', p=2, reach, debias=True) returns,
 * <a, (rho + eps/2)(e^{-f_aa/rho} - e^{-f_ab/rho})> + <b, (rho + eps/2)(e^{-g_bb/rho} - e^{-g_ab/rho})>, up to
 * its halved cost (GeomLoss's value is half of ours with eps = 2 blur^2, reach = 2 reach_GL^2). The point
 * gradient has the balanced formula (the correction does not depend on the points).
 */
export function sinkhornDivergence(a: PointsInput, b: PointsInput, options: SinkhornOptions): DivergenceResult {
  const t0 = performance.now();
  const p = otPair(a, b, !isUnbalanced(options), dimOption(options));
  const o = checkOptions(options, p, 'sinkhornDivergence');
  const { n, m, d, x, y } = p;
  const cross = solveCross(p, problemProgress(o, options.onProgress, 'ab', t0));
  const aa = solveSelf(x, p.a, p.la, n, d, problemProgress(o, options.onProgress, 'aa', t0));
  const bb = solveSelf(y, p.b, p.lb, m, d, problemProgress(o, options.onProgress, 'bb', t0));
  const gradient = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < d; c++) {
      const xi = x[i * d + c];
      // ∇_x C(x, y) = 2 (x - y), averaged under each plan's row i.
      gradient[i * d + c] =
        2 * cross.rowSums[i] * (xi - cross.rowMeans[i * (d + 1) + c]) - 2 * aa.rowSums[i] * (xi - aa.rowMeans[i * d + c]);
    }
  }
  const rho = o.reach;
  const weightGradient =
    rho === undefined
      ? cross.result.f.map((v, i) => v - aa.f[i])
      : cross.result.f.map((v, i) => (rho + o.eps) * (Math.exp(-aa.f[i] / rho) - Math.exp(-v / rho)));
  const converged = cross.result.converged && aa.converged && bb.converged;
  let value = cross.result.value - (aa.value + bb.value) / 2;
  if (rho !== undefined) value += (o.eps / 2) * (massOf(p.a) - massOf(p.b)) ** 2;
  if (!Number.isFinite(value) || !gradient.every(Number.isFinite)) {
    throw new NonFiniteError(
      `sinkhornDivergence: non-finite value or gradient at eps = ${o.eps} for a squared diameter ${p.diameter2}; rescale the points or ` +
        `raise eps`,
    );
  }
  const out: DivergenceResult = {
    value,
    gradient: gradientInSpace(p.sides[0].space, p.sides[0].points, gradient),
    weightGradient,
    ab: inSpaces(cross.result, p.sides[1].space),
    aa,
    bb,
    converged,
  };
  if (cross.result.aborted || aa.aborted || bb.aborted) {
    out.aborted = true;
    out.warning = 'aborted through options.signal';
  } else if (!converged && (cross.belowReach || aa.stagnated || bb.stagnated)) {
    const errors = [cross.result.marginalError, aa.marginalError, bb.marginalError].map((e) => e.toExponential(1)).join(', ');
    out.warning = f32ReachWarning(
      o.tol,
      `${errors} (a-b, a-a, b-b)`,
      Math.max(cross.result.iterations, aa.iterations, bb.iterations),
      o.defaultTol,
    );
  } else if (!converged)
    out.warning =
      `not converged within maxIter = ${o.maxIter}: marginal errors ` +
      `${[cross.result.marginalError, aa.marginalError, bb.marginalError].map((e) => e.toExponential(1)).join(', ')} (a-b, a-a, b-b)`;
  return out;
}
