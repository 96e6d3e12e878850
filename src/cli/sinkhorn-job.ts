// `meanfield sinkhorn`'s computation, run on a worker thread (worker.ts) so that a failure inside the library,
// even running out of memory, comes back to the command as one error.
import { Measure } from '../measure.js';
import { sinkhornDivergence } from '../ot/divergence.js';
import type { SinkhornJob } from './worker-messages.js';

/** Runs in the worker: the divergence and its summary (init done by the caller). */
export function sinkhornResult(j: SinkhornJob): Record<string, unknown> {
  const mu = new Measure(j.a.points, { dim: j.a.dim }), nu = new Measure(j.b.points, { dim: j.b.dim });
  const t0 = performance.now();
  // No --tol: the precision's default (sinkhornDivergence picks it).
  const s = sinkhornDivergence(mu, nu, {
    eps: j.eps, ...(j.tol === undefined ? {} : { tol: j.tol }), maxIter: j.maxIter, precision: j.precision,
    acceleration: j.acceleration === 'none' ? false : j.acceleration, truncate: j.truncate ?? false,
  });
  const out: Record<string, unknown> = {
    a: j.files[0], b: j.files[1], n: j.a.size, m: j.b.size, dim: j.a.dim, eps: j.eps,
    value: s.ab.value, cost: s.ab.cost, divergence: s.value, iterations: s.ab.iterations,
    marginalError: s.ab.marginalError, converged: s.converged, wallTimeMs: Math.round(performance.now() - t0),
  };
  if (s.warning !== undefined) out.warning = s.warning;
  return out;
}
