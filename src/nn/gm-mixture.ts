// How a GM layer (gm.ts) is stored in a Measure, built from a mixture and read back.
//
// A GM layer is a Measure with one row per component, dimension 1 + p + p²:
//   (l_k, m_k, L_k)  with  Sigma_k = L_k L_kᵀ  (L_k row-major p x p, any square root),
//   pi_k = omega_k e^{l_k} / sum_j omega_j e^{l_j}   (omega: the measure's own weights).
// simulate() moves points and keeps a measure's weights fixed, so the Fisher–Rao (replicator)
// dynamics of the weights runs on the log-tilts l_k instead: l_k' = -(E_k[psi] - sum_j pi_j E_j[psi])
// gives exactly pi_k' = -pi_k (E_k[psi] - sum_j pi_j E_j[psi]), and pi stays on the simplex by
// construction. The covariance moves through its factor, L_k' = -H_k L_k, which gives the
// flow's Sigma_k' = -(H_k Sigma_k + Sigma_k H_k); one Euler step is Sigma <- (I - hH) Sigma (I - hH)ᵀ, and every
// Runge–Kutta step maps L to M L, so Sigma = L Lᵀ stays symmetric positive semidefinite, definite
// while the step keeps I - hH (M) invertible.
import { InvalidArgumentError } from '../errors.js';
import { Measure } from '../measure.js';
import { pointSet } from '../points.js';
import { optionsSchema, rule } from '../options.js';
import { strictNumbers, toFloat64 } from '../validate.js';
import { cholesky } from '../linalg.js';

/** What a GM layer's `measure()` builds its Measure from. */
export interface MixtureInput {
  /** Means m_k: K rows of p = d + 2 numbers (a, w_1..w_d, b), as number[][] or a flat row-major array. */
  means: number[][] | ArrayLike<number>;
  /**
   * Covariances Sigma_k: K symmetric positive definite p x p matrices (each number[][] or a flat
   * row-major array of p² numbers), or one number v >= 0 for Sigma_k = v I (v = 0: point masses).
   */
  covariances: number | (number[][] | ArrayLike<number>)[];
  /** Mixture weights pi_k >= 0, not all zero (normalised); default uniform. */
  weights?: ArrayLike<number>;
}

// The rules check what does not depend on the layer; mixtureMeasure checks the shapes against its K and p.
const MIXTURE_INPUT = optionsSchema<MixtureInput>()({
  means: rule.custom('means m_k: K rows of p = d + 2 numbers (a, w, b), rows or flat row-major (required)', (name, v) => {
    strictNumbers(name, v);
    return v as MixtureInput['means'];
  }),
  covariances: rule.custom(
    'covariances Sigma_k: K symmetric positive definite p x p matrices, or one variance v >= 0 for v I (required)',
    (_name, v) => v as MixtureInput['covariances'],
  ),
  weights: rule.custom('mixture weights pi_k >= 0, not all zero (normalised); omitted: uniform', (name, v): ArrayLike<number> => {
    strictNumbers(name, v);
    return Float64Array.from(toFloat64(name, v));
  }),
});

/** A GM layer's mixture, read from its measure. */
export interface Mixture {
  /** Weights pi_k (K), on the simplex. */
  weights: Float64Array;
  /** Means m_k, row-major K x p. */
  means: Float64Array;
  /** Covariances Sigma_k = L_k L_kᵀ, K row-major p x p blocks (exactly symmetric). */
  covariances: Float64Array;
  /** The stored square roots L_k, K row-major p x p blocks. */
  factors: Float64Array;
}

/** pi_k ∝ omega_k e^{l_k}, into pi (K). */
export function mixtureWeights(theta: Float64Array, omega: Float64Array, pi: Float64Array, K: number, D: number): void {
  let mx = -Infinity;
  for (let k = 0; k < K; k++) {
    pi[k] = Math.log(omega[k]) + theta[k * D];
    if (pi[k] > mx) mx = pi[k];
  }
  let t = 0;
  for (let k = 0; k < K; k++) {
    pi[k] = pi[k] === -Infinity ? 0 : Math.exp(pi[k] - mx);
    t += pi[k];
  }
  for (let k = 0; k < K; k++) pi[k] /= t;
}

/** A GM layer's measure (K rows of dimension 1 + p + p²) from weights, means and covariances; the flow's measure(). */
export function mixtureMeasure(input: MixtureInput, K: number, p: number): Measure {
  const D = 1 + p + p * p;
  if (input === null || typeof input !== 'object' || Array.isArray(input))
    throw new InvalidArgumentError('mixture', input, 'must be { means, covariances, weights? }');
  const o = MIXTURE_INPUT.read('measure', input);
  if (o.means === undefined) throw new InvalidArgumentError('means', undefined, `is required (K = ${K} rows of p = ${p} numbers)`);
  const { data: means, n: k0, d: p0 } = pointSet('means', o.means, isRows(o.means) ? undefined : p);
  if (p0 !== p || k0 !== K)
    throw new InvalidArgumentError('means', `${k0} rows of ${p0} numbers`, `must hold K = ${K} means of dimension p = d + 2 = ${p}`);
  const rows = new Float64Array(K * D);
  const cov = o.covariances;
  if (typeof cov === 'number') {
    if (!Number.isFinite(cov) || cov < 0)
      throw new InvalidArgumentError('covariances', cov, 'must be a finite variance >= 0 (Sigma_k = v I) or K matrices');
    for (let k = 0; k < K; k++) for (let i = 0; i < p; i++) rows[k * D + 1 + p + i * p + i] = Math.sqrt(cov);
  } else {
    if (!Array.isArray(cov) || cov.length !== K)
      throw new InvalidArgumentError('covariances', cov, `must be K = ${K} matrices of size ${p} x ${p}, or one variance v >= 0`);
    cov.forEach((c, k) => {
      const name = `covariances[${k}]`;
      strictNumbers(name, c);
      const flat = Array.isArray(c) && Array.isArray(c[0]) ? Float64Array.from((c as number[][]).flat()) : toFloat64(name, c);
      if (flat.length !== p * p || (Array.isArray(c) && Array.isArray(c[0]) && (c as number[][]).some((r) => r.length !== p))) {
        throw new InvalidArgumentError(name, `${flat.length} numbers`, `must be a ${p} x ${p} matrix`);
      }
      for (let i = 0; i < p * p; i++)
        if (!Number.isFinite(flat[i])) throw new InvalidArgumentError(name, flat[i], 'must have finite entries', `at index ${i}`);
      for (let r = 0; r < p; r++) {
        for (let e = r + 1; e < p; e++) {
          const a = flat[r * p + e],
            b = flat[e * p + r];
          if (Math.abs(a - b) > 1e-12 * Math.max(1, Math.abs(a), Math.abs(b)))
            throw new InvalidArgumentError(name, `entries ${a} and ${b} at (${r}, ${e}) and (${e}, ${r})`, 'must be symmetric');
        }
      }
      const L = cholesky(flat, p);
      if (L === null)
        throw new InvalidArgumentError(
          name,
          'a matrix that is not positive definite',
          'must be symmetric positive definite (use covariances: 0 for point masses)',
        );
      rows.set(L, k * D + 1 + p);
    });
  }
  for (let k = 0; k < K; k++) rows.set(means.subarray(k * p, (k + 1) * p), k * D + 1);
  const weights = o.weights as Float64Array | undefined; // the rule copied them into a Float64Array
  if (weights !== undefined && weights.length !== K)
    throw new InvalidArgumentError('weights', `${weights.length} weights`, `must hold K = ${K} weights`);
  return new Measure(rows, { dim: D, weights });
}

/** The mixture (weights, means, covariances, factors) a GM layer's measure of K components holds. */
export function readMixture(mu: Measure, K: number, p: number): Mixture {
  const D = 1 + p + p * p;
  const weights = new Float64Array(K),
    means = new Float64Array(K * p);
  const covariances = new Float64Array(K * p * p),
    factors = new Float64Array(K * p * p);
  mixtureWeights(mu.points, mu.weights, weights, K, D);
  for (let k = 0; k < K; k++) {
    const o = k * D;
    means.set(mu.points.subarray(o + 1, o + 1 + p), k * p);
    const L = mu.points.subarray(o + 1 + p, o + D);
    factors.set(L, k * p * p);
    for (let r = 0; r < p; r++) {
      for (let c = r; c < p; c++) {
        let t = 0;
        for (let e = 0; e < p; e++) t += L[r * p + e] * L[c * p + e];
        covariances[k * p * p + r * p + c] = covariances[k * p * p + c * p + r] = t;
      }
    }
  }
  return { weights, means, covariances, factors };
}

/** True for number[][] input (rows), false for a flat row-major array. */
export function isRows(v: unknown): boolean {
  return Array.isArray(v) && v.length > 0 && Array.isArray(v[0]);
}
