// Gaussian-mixture (GM) layers (Chewi, Rigollet & Yan, "Gaussian mixture layers for neural networks",
// arXiv 2508.04883). The measure over neurons theta = (a, w, b) in R^p, p = d + 2, is a mixture
//   mu = sum_k pi_k N(m_k, Sigma_k),   f_mu(x) = ∫ a sigma(<w, x> + b) dmu(theta),
// and training is the Wasserstein(-Fisher-Rao) gradient flow of the risk L restricted to mixtures
// (derivation and conventions in docs/gm-layers.md), with psi = δL/δmu the first variation:
//   m_k'     = -E_k[∇psi],
//   Sigma_k' = -(H_k Sigma_k + Sigma_k H_k),        H_k = E_k[∇²psi],
//   pi_k'    = -pi_k (E_k[psi] - sum_j pi_j E_j[psi]).
//
// Storage. A GM layer is a Measure with one row per component, dimension 1 + p + p²:
//   (l_k, m_k, L_k)  with  Sigma_k = L_k L_kᵀ  (L_k row-major p x p, any square root),
//   pi_k = omega_k e^{l_k} / sum_j omega_j e^{l_j}   (omega: the measure's own weights).
// simulate() moves points and keeps a measure's weights fixed, so the Fisher–Rao (replicator)
// dynamics of the weights runs on the log-tilts l_k instead: l_k' = -(E_k[psi] - sum_j pi_j E_j[psi])
// gives exactly pi_k' = -pi_k (E_k[psi] - sum_j pi_j E_j[psi]), and pi stays on the simplex by
// construction. The covariance moves through its factor, L_k' = -H_k L_k, which gives the
// equation for Sigma_k above; one Euler step is Sigma <- (I - hH) Sigma (I - hH)ᵀ, and every
// Runge–Kutta step maps L to M L, so Sigma = L Lᵀ stays symmetric positive semidefinite, definite
// while the step keeps I - hH (M) invertible.
//
// Expectations. E_k is a deterministic Gaussian quadrature E[g(m + L z)] ≈ sum_s q_s g(m + L z_s):
// the unscented rule (2p + 1 sigma points, default) or a tensor Gauss–Hermite rule. The layer is then
// the finite network of K·S neurons theta_ks = m_k + L_k z_s with output weights pi_k q_s, evaluated
// by the two-layer kernel (no N x K x S buffer: only the K·S sigma points are stored). The
// velocity is the gradient flow of that network's risk L̂ in the (pi, m, L) geometry:
//   E_k[∇psi] = sum_s q_s ∇psi(theta_ks)                        (= (1/pi_k) ∂L̂/∂m_k),
//   D_k       = sum_s q_s ∇psi(theta_ks) z_sᵀ                   (= (1/pi_k) ∂L̂/∂L_k; = H_k L_k by Stein's lemma),
//   H_k       = the symmetric matrix with H Sigma + Sigma H = D Lᵀ + L Dᵀ
//               (Stein: E[(theta - m) ∇psiᵀ] = Sigma E[∇²psi], symmetrised through this Lyapunov equation),
// so that H_k L_k is the orthogonal projection of D_k on the Bures–Wasserstein directions {H L : H symmetric},
// and dL̂/dt = -sum_k pi_k [(E_k psi - Ē psi)² + |E_k ∇psi|² + ‖H_k L_k‖_F²] <= 0 for every quadrature rule.
import { backendFor, type Activation } from '../backend/index.js';
import { InvalidArgumentError } from '../errors.js';
import { requireSpace, Scratch, type EvalOptions, type Flow, type VelocityOptions } from '../flows/flow.js';
import { Measure } from '../measure.js';
import { pointSet } from '../points.js';
import { checkElements, finiteNumber, integerAtLeast, oneOf, optionKeys, readOptions, strictNumbers, toFloat64 } from '../validate.js';
import { dataset, requireLabels, type DataInput, type Dataset } from './data.js';
import { fingerprint, lossFunctions, type Loss } from './twolayer.js';
import { readEval } from '../flows/eval-options.js';
import { jacobiEigen } from '../ot/wasserstein.js';

/** A Gaussian quadrature rule: 'unscented' (2p + 1 sigma points) or 'gauss-hermite' (tensor product). */
export type QuadratureRule = 'unscented' | 'gauss-hermite';

/** A quadrature rule with its parameter. */
export interface QuadratureOptions {
  /** 'unscented' (default) or 'gauss-hermite'. */
  rule: QuadratureRule;
  /**
   * Unscented only: the spread parameter kappa > -p. Sigma points m ± sqrt(p + kappa) L e_i with
   * weights 1 / (2(p + kappa)), and m with weight kappa / (p + kappa). Default 3 - p (the points
   * then sit at ±sqrt(3) standard deviations and match E[z_i⁴] = 3).
   */
  kappa?: number;
  /** Gauss–Hermite only: nodes per coordinate n (1..20), order^p <= 4096 nodes in all. Default 3. */
  order?: number;
}

/** A quadrature rule for E[g(z)], z ~ N(0, I_p): E[g(z)] ≈ sum_s weights[s] g(nodes[s]). */
export interface GaussianQuadrature {
  /** The rule. */
  rule: QuadratureRule;
  /** The dimension p. */
  dim: number;
  /** Number of nodes S. */
  size: number;
  /** Nodes z_s, row-major S x p. */
  nodes: Float64Array;
  /** Weights q_s, summing to 1 (the unscented centre weight is negative when kappa < 0). */
  weights: Float64Array;
  /**
   * Polynomial exactness: every polynomial of total degree <= degree is integrated exactly
   * (unscented: 3; Gauss–Hermite of order n: 2n - 1, per coordinate).
   */
  degree: number;
  /** The parameter: kappa (unscented) or order (Gauss–Hermite). */
  parameter: number;
}

/** Most nodes a tensor Gauss–Hermite rule may have. */
export const GAUSS_HERMITE_LIMIT = 4096;

const QUADRATURE_KEYS = optionKeys<QuadratureOptions>()('rule', 'kappa', 'order');

/**
 * The quadrature rule for E over N(0, I_dim): the unscented rule (default) or a tensor Gauss–Hermite rule.
 * Throws InvalidArgumentError for an unknown rule, kappa <= -dim, an order outside 1..20 or more than
 * GAUSS_HERMITE_LIMIT nodes.
 */
export function gaussianQuadrature(dim: number, options: QuadratureRule | QuadratureOptions = 'unscented'): GaussianQuadrature {
  const p = integerAtLeast('dim', dim, 1);
  const o: Partial<QuadratureOptions> = typeof options === 'string' ? { rule: options } : readOptions<QuadratureOptions>('quadrature', options, QUADRATURE_KEYS);
  const rule = oneOf('quadrature.rule', o.rule ?? 'unscented', ['unscented', 'gauss-hermite'] as const);
  if (rule === 'unscented') {
    if (o.order !== undefined) throw new InvalidArgumentError('quadrature.order', o.order, "is a parameter of the 'gauss-hermite' rule only (the unscented rule takes kappa)");
    const kappa = finiteNumber('quadrature.kappa', o.kappa ?? 3 - p);
    if (!(p + kappa > 0)) throw new InvalidArgumentError('quadrature.kappa', kappa, `must be > -p = ${-p} (the sigma points sit at ±sqrt(p + kappa))`);
    const S = 2 * p + 1, c = Math.sqrt(p + kappa);
    const nodes = new Float64Array(S * p), weights = new Float64Array(S);
    weights[0] = kappa / (p + kappa);
    for (let i = 0; i < p; i++) {
      nodes[(1 + 2 * i) * p + i] = c;
      nodes[(2 + 2 * i) * p + i] = -c;
      weights[1 + 2 * i] = weights[2 + 2 * i] = 1 / (2 * (p + kappa));
    }
    return { rule, dim: p, size: S, nodes, weights, degree: 3, parameter: kappa };
  }
  if (o.kappa !== undefined) throw new InvalidArgumentError('quadrature.kappa', o.kappa, "is a parameter of the 'unscented' rule only (Gauss–Hermite takes order)");
  const n = integerAtLeast('quadrature.order', o.order ?? 3, 1);
  if (n > 20) throw new InvalidArgumentError('quadrature.order', n, 'must be <= 20');
  if (n ** p > GAUSS_HERMITE_LIMIT) {
    throw new InvalidArgumentError('quadrature', `a Gauss–Hermite rule of order ${n} in dimension ${p} (${n}^${p} nodes)`, `must have at most ${GAUSS_HERMITE_LIMIT} nodes; use rule 'unscented' (2p + 1 points) in this dimension`);
  }
  const { nodes: x, weights: w } = hermiteRule(n);
  const S = n ** p;
  const nodes = new Float64Array(S * p), weights = new Float64Array(S);
  for (let s = 0; s < S; s++) {
    let r = s, q = 1;
    for (let c = 0; c < p; c++) {
      const j = r % n;
      r = (r - j) / n;
      nodes[s * p + c] = x[j];
      q *= w[j];
    }
    weights[s] = q;
  }
  return { rule, dim: p, size: S, nodes, weights, degree: 2 * n - 1, parameter: n };
}

/** Gauss–Hermite nodes and weights for N(0, 1) (probabilists' Hermite), by Golub–Welsch. */
function hermiteRule(n: number): { nodes: Float64Array; weights: Float64Array } {
  const J = new Float64Array(n * n);
  for (let k = 1; k < n; k++) J[(k - 1) * n + k] = J[k * n + k - 1] = Math.sqrt(k);
  const { values, vectors } = jacobiEigen(J, n);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const nodes = new Float64Array(n), weights = new Float64Array(n);
  order.forEach((j, i) => {
    // Symmetrise: the rule is exactly symmetric, so odd moments vanish to rounding.
    nodes[i] = values[j];
    weights[i] = vectors[j] ** 2; // first component of the j-th eigenvector
  });
  for (let i = 0; i < n >> 1; i++) {
    const a = (nodes[n - 1 - i] - nodes[i]) / 2, w = (weights[i] + weights[n - 1 - i]) / 2;
    nodes[i] = -a; nodes[n - 1 - i] = a; weights[i] = weights[n - 1 - i] = w;
  }
  if (n % 2 === 1) nodes[n >> 1] = 0;
  let t = 0;
  for (let i = 0; i < n; i++) t += weights[i];
  for (let i = 0; i < n; i++) weights[i] /= t;
  return { nodes, weights };
}


/**
 * One-sided Jacobi SVD of the p x p row-major matrix a, in place: afterwards column i of a is
 * u_i s_i (so the input was a Vᵀ with a = U S), v (row-major, columns v_i) and s (singular values).
 * Small singular values keep their relative accuracy.
 */
function jacobiSvd(a: Float64Array, v: Float64Array, s: Float64Array, p: number): void {
  v.fill(0);
  for (let i = 0; i < p; i++) v[i * p + i] = 1;
  for (let sweep = 0; sweep < 80; sweep++) {
    let rotated = false;
    for (let i = 0; i < p - 1; i++) {
      for (let j = i + 1; j < p; j++) {
        let al = 0, be = 0, ga = 0;
        for (let r = 0; r < p; r++) { const x = a[r * p + i], y = a[r * p + j]; al += x * x; be += y * y; ga += x * y; }
        if (ga === 0 || Math.abs(ga) <= 1e-15 * Math.sqrt(al) * Math.sqrt(be)) continue;
        rotated = true;
        const zeta = (be - al) / (2 * ga);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t), sn = c * t;
        for (let r = 0; r < p; r++) {
          const x = a[r * p + i], y = a[r * p + j];
          a[r * p + i] = c * x - sn * y;
          a[r * p + j] = sn * x + c * y;
          const vx = v[r * p + i], vy = v[r * p + j];
          v[r * p + i] = c * vx - sn * vy;
          v[r * p + j] = sn * vx + c * vy;
        }
      }
    }
    if (!rotated) break;
  }
  for (let i = 0; i < p; i++) {
    let t = 0;
    for (let r = 0; r < p; r++) t += a[r * p + i] ** 2;
    s[i] = Math.sqrt(t);
  }
}

/**
 * The Bures–Wasserstein step direction of one component: given its factor L (p x p) and
 * D = sum_s q_s ∇psi(theta_s) z_sᵀ, writes GL <- H L, the orthogonal (Frobenius) projection of D on
 * {H L : H symmetric}, and, when hess is given, H itself: the symmetric solution of
 * H L Lᵀ + L Lᵀ H = D Lᵀ + L Dᵀ (its restriction to the range of Sigma when Sigma is singular).
 * Computed through the SVD L = U S Vᵀ: with Dt = Uᵀ D V, Ht_ij = (s_j Dt_ij + s_i Dt_ji) / (s_i² + s_j²).
 */
function projectBW(L: Float64Array, D: Float64Array, p: number, work: Float64Array, GL: Float64Array, hess: Float64Array | null): void {
  const U = work.subarray(0, p * p), V = work.subarray(p * p, 2 * p * p), s = work.subarray(2 * p * p, 2 * p * p + p);
  const Dt = work.subarray(2 * p * p + p, 3 * p * p + p), T = work.subarray(3 * p * p + p, 4 * p * p + p);
  U.set(L.subarray(0, p * p));
  jacobiSvd(U, V, s, p);
  let smax = 0;
  for (let i = 0; i < p; i++) smax = Math.max(smax, s[i]);
  if (smax === 0) { // a point mass: nothing to spread
    GL.fill(0, 0, p * p);
    if (hess) hess.fill(0, 0, p * p);
    return;
  }
  for (let i = 0; i < p; i++) {
    if (s[i] > 0) for (let r = 0; r < p; r++) U[r * p + i] /= s[i];
  }
  // Directions where Sigma is exactly singular: complete U to an orthonormal basis (Gram–Schmidt on
  // the unit vectors e_r, keeping the largest residual).
  for (let i = 0; i < p; i++) {
    if (s[i] > 0) continue;
    const res = new Float64Array(p);
    let best = -1;
    for (let e = 0; e < p; e++) {
      res.fill(0);
      res[e] = 1;
      for (let pass = 0; pass < 2; pass++) {
        for (let j = 0; j < p; j++) {
          if (j === i || (s[j] === 0 && j > i)) continue;
          let dot = 0;
          for (let r = 0; r < p; r++) dot += U[r * p + j] * res[r];
          for (let r = 0; r < p; r++) res[r] -= dot * U[r * p + j];
        }
      }
      let nrm = 0;
      for (let r = 0; r < p; r++) nrm += res[r] ** 2;
      nrm = Math.sqrt(nrm);
      if (nrm > best) {
        best = nrm;
        for (let r = 0; r < p; r++) U[r * p + i] = res[r] / nrm;
      }
    }
  }
  // Dt = Uᵀ D V.
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < p; j++) {
      let t = 0;
      for (let r = 0; r < p; r++) {
        let dv = 0;
        for (let c = 0; c < p; c++) dv += D[r * p + c] * V[c * p + j];
        t += U[r * p + i] * dv;
      }
      Dt[i * p + j] = t;
    }
  }
  // T = Ht S (T_ij = Ht_ij s_j), scale-free in s.
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < p; j++) {
      const rho = Math.max(s[i], s[j]);
      if (rho === 0) { T[i * p + j] = 0; continue; }
      const a = s[i] / rho, b = s[j] / rho;
      T[i * p + j] = (b * (b * Dt[i * p + j] + a * Dt[j * p + i])) / (a * a + b * b);
    }
  }
  // GL = U T Vᵀ.
  for (let r = 0; r < p; r++) {
    for (let c = 0; c < p; c++) {
      let t = 0;
      for (let i = 0; i < p; i++) {
        let tv = 0;
        for (let j = 0; j < p; j++) tv += T[i * p + j] * V[c * p + j];
        t += U[r * p + i] * tv;
      }
      GL[r * p + c] = t;
    }
  }
  if (hess) {
    // Ht_ij = (s_j Dt_ij + s_i Dt_ji) / (s_i² + s_j²); H = U Ht Uᵀ (Ht kept in T).
    for (let i = 0; i < p; i++) {
      for (let j = 0; j < p; j++) {
        const rho = Math.max(s[i], s[j]);
        if (rho === 0) { T[i * p + j] = 0; continue; }
        const a = s[i] / rho, b = s[j] / rho;
        T[i * p + j] = (b * Dt[i * p + j] + a * Dt[j * p + i]) / ((a * a + b * b) * rho);
      }
    }
    for (let r = 0; r < p; r++) {
      for (let c = 0; c < p; c++) {
        let t = 0;
        for (let i = 0; i < p; i++) {
          let tu = 0;
          for (let j = 0; j < p; j++) tu += T[i * p + j] * U[c * p + j];
          t += U[r * p + i] * tu;
        }
        hess[r * p + c] = t;
      }
    }
    for (let r = 0; r < p; r++) for (let c = r + 1; c < p; c++) hess[c * p + r] = hess[r * p + c] = (hess[r * p + c] + hess[c * p + r]) / 2;
  }
}

/** Options of gmLayer. */
export interface GmLayerOptions {
  /** Training samples X (N x d) and targets Y (labels ±1 for the logistic loss). */
  data: DataInput;
  /** sigma: 'relu' (default), 'tanh' or 'sigmoid'. */
  activation?: Activation;
  /** 'squared' (default, (f - y)²/2) or 'logistic' (log(1 + e^{-y f}), labels ±1). */
  loss?: Loss;
  /** Number of mixture components K (>= 1); every measure the flow moves has K rows. */
  components: number;
  /** The rule for the expectations E_k: 'unscented' (default, 2p + 1 points) or 'gauss-hermite' (order^p points). */
  quadrature?: QuadratureRule | QuadratureOptions;
}

const GM_KEYS = optionKeys<GmLayerOptions>()('data', 'activation', 'loss', 'components', 'quadrature');

/** What {@link GmLayerFlow.measure} builds a GM layer from. */
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

const MIXTURE_KEYS = optionKeys<MixtureInput>()('means', 'covariances', 'weights');

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

/** The per-component expectations that drive a GM layer's flow. */
export interface GmExpectations {
  /** Weights pi_k (K). */
  weights: Float64Array;
  /** E_k[psi] (K). */
  psi: Float64Array;
  /** E_k[∇psi], row-major K x p. */
  gradient: Float64Array;
  /**
   * E_k[∇²psi], K row-major p x p blocks: the symmetric H_k with H Sigma + Sigma H = E[(theta - m)∇psiᵀ] + E[∇psi (theta - m)ᵀ]
   * (Stein's lemma, exact for exact expectations).
   */
  hessian: Float64Array;
}

/** The first variation psi = δL/δmu and its gradient at given neurons. */
export interface FirstVariation {
  /** psi(theta_j) (one per row). */
  value: Float64Array;
  /** ∇psi(theta_j), row-major rows x p. */
  gradient: Float64Array;
}

/** The finite network a GM layer evaluates: sigma points theta_ks = m_k + L_k z_s with output weights pi_k q_s. */
export interface SigmaNetwork {
  /** Neurons, row-major (K·S) x p, component-major. */
  theta: Float64Array;
  /** Output weights pi_k q_s (K·S); may be negative (unscented centre weight when kappa < 0). */
  weights: Float64Array;
}

/** The training flow of a GM layer; its measures have one row (l_k, m_k, L_k) of dimension 1 + p + p² per component. */
export interface GmLayerFlow extends Flow {
  /** The validated training data. */
  readonly data: Dataset;
  /** The activation sigma. */
  readonly activation: Activation;
  /** The loss l. */
  readonly loss: Loss;
  /** Number of components K. */
  readonly components: number;
  /** The neuron dimension p = d + 2. */
  readonly neuronDim: number;
  /** The quadrature rule for E_k. */
  readonly quadrature: GaussianQuadrature;
  /** A GM layer (a Measure this flow moves) from weights, means and covariances. */
  measure(mixture: MixtureInput): Measure;
  /** The mixture (weights, means, covariances, factors) a measure holds. */
  mixture(mu: Measure): Mixture;
  /** f_mu at the rows of X (default: the training samples). */
  predict(mu: Measure, X?: DataInput['X'], options?: EvalOptions): Float64Array;
  /** L(mu) on the training data, or on other data { X, Y }. */
  risk(mu: Measure, data?: DataInput, options?: EvalOptions): number;
  /** E_k[psi], E_k[∇psi], E_k[∇²psi] per component, by the quadrature rule. */
  expectations(mu: Measure, options?: EvalOptions): GmExpectations;
  /** psi = δL/δmu and ∇psi at neurons theta (rows of p numbers), with f_mu on the training data. */
  firstVariation(mu: Measure, theta: number[][] | ArrayLike<number>, options?: EvalOptions): FirstVariation;
  /** The sigma-point network (neurons and output weights) that evaluates f_mu. */
  network(mu: Measure): SigmaNetwork;
}


/** Lower Cholesky factor of a symmetric positive definite p x p matrix (row-major); null unless SPD. */
function cholesky(S: Float64Array, p: number): Float64Array | null {
  const L = new Float64Array(p * p);
  for (let j = 0; j < p; j++) {
    let d = S[j * p + j];
    for (let k = 0; k < j; k++) d -= L[j * p + k] ** 2;
    if (!(d > 0)) return null;
    L[j * p + j] = Math.sqrt(d);
    for (let i = j + 1; i < p; i++) {
      let t = S[i * p + j];
      for (let k = 0; k < j; k++) t -= L[i * p + k] * L[j * p + k];
      L[i * p + j] = t / L[j * p + j];
    }
  }
  return L;
}

/**
 * A Gaussian-mixture layer (Chewi, Rigollet & Yan): the Wasserstein gradient flow of the risk over
 * mixtures mu = sum_k pi_k N(m_k, Sigma_k) of neurons theta = (a, w, b) in R^p, p = d + 2, with
 * f_mu(x) = ∫ a sigma(<w, x> + b) dmu: m_k' = -E_k[∇psi], Sigma_k' = -(H_k Sigma_k + Sigma_k H_k), H_k = E_k[∇²psi],
 * pi_k' = -pi_k (E_k[psi] - sum_j pi_j E_j[psi]), psi = δL/δmu; expectations by a Gaussian quadrature rule.
 * Its measures hold one row (l_k, m_k, L_k) per component (Sigma_k = L_k L_kᵀ, pi_k ∝ omega_k e^{l_k}); build them
 * with {@link GmLayerFlow.measure}, read them with {@link GmLayerFlow.mixture}, run them with simulate().
 * Throws InvalidArgumentError for bad data or options.
 */
export function gmLayer(options: GmLayerOptions): GmLayerFlow {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidArgumentError('options', options, 'must be { data: { X, Y }, components, activation?, loss?, quadrature? }');
  }
  readOptions('gmLayer', options, GM_KEYS);
  const data = dataset(options.data);
  const activation = oneOf('activation', options.activation ?? 'relu', ['relu', 'tanh', 'sigmoid'] as const);
  const loss = oneOf('loss', options.loss ?? 'squared', ['squared', 'logistic'] as const);
  if (loss === 'logistic') requireLabels('data.Y', data.Y);
  if (options.components === undefined) throw new InvalidArgumentError('components', undefined, 'is required (the number of mixture components K >= 1)');
  const K = integerAtLeast('components', options.components, 1);
  const { X, Y, n: N, dim: d } = data;
  const p = d + 2, D = 1 + p + p * p;
  const quad = gaussianQuadrature(p, options.quadrature ?? 'unscented');
  const S = quad.size, z = quad.nodes, q = quad.weights;
  checkElements('GM layer components', K * D);
  checkElements('GM sigma points', K * S * p);
  const { value: lossValue, slope: lossSlope } = lossFunctions(loss);
  const scratch = new Scratch();

  const check = (mu: Measure) => {
    requireSpace('gmLayer', mu, 'euclidean');
    if (mu.dim !== D) throw new InvalidArgumentError('mu.dim', mu.dim, `must be 1 + p + p² = ${D} for a GM layer on data of dimension ${d} (rows (l_k, m_k, L_k), p = ${p}); build it with flow.measure()`);
    if (mu.size !== K) throw new InvalidArgumentError('mu.size', mu.size, `must be the number of components ${K}`);
  };

  /** pi_k ∝ omega_k e^{l_k}, into pi (K). */
  const mixtureWeights = (theta: Float64Array, omega: Float64Array, pi: Float64Array) => {
    let mx = -Infinity;
    for (let k = 0; k < K; k++) { pi[k] = Math.log(omega[k]) + theta[k * D]; if (pi[k] > mx) mx = pi[k]; }
    let t = 0;
    for (let k = 0; k < K; k++) { pi[k] = pi[k] === -Infinity ? 0 : Math.exp(pi[k] - mx); t += pi[k]; }
    for (let k = 0; k < K; k++) pi[k] /= t;
  };

  /** Sigma points theta_ks = m_k + L_k z_s and output weights pi_k q_s. */
  const sigmaPoints = (theta: Float64Array, pi: Float64Array, nodesOut: Float64Array, wOut: Float64Array) => {
    for (let k = 0; k < K; k++) {
      const o = k * D;
      for (let s = 0; s < S; s++) {
        const row = (k * S + s) * p;
        wOut[k * S + s] = pi[k] * q[s];
        for (let r = 0; r < p; r++) {
          let t = theta[o + 1 + r];
          for (let c = 0; c < p; c++) t += theta[o + 1 + p + r * p + c] * z[s * p + c];
          nodesOut[row + r] = t;
        }
      }
    }
  };

  const kernelArgs = (nodes: Float64Array, w: Float64Array, x: Float64Array, rows: number, opts: EvalOptions) => ({
    theta: nodes, weights: w, m: K * S, x, n: rows, d, activation, precision: opts.precision ?? 'f64',
  });

  /** Sigma points of mu, pi, and f_mu on x (rows). */
  const forward = (theta: Float64Array, omega: Float64Array, x: Float64Array, rows: number, opts: EvalOptions, fName = 'f') => {
    const pi = scratch.get('pi', K), nodes = scratch.get('nodes', K * S * p), w = scratch.get('w', K * S);
    mixtureWeights(theta, omega, pi);
    sigmaPoints(theta, pi, nodes, w);
    const f = scratch.get(fName, rows);
    backendFor(opts.backend, 'gmLayer').twoLayerForward(kernelArgs(nodes, w, x, rows, opts), f);
    return { pi, nodes, w, f };
  };

  const riskOf = (theta: Float64Array, omega: Float64Array, x: Float64Array, y: Float64Array, opts: EvalOptions) => {
    const { f } = forward(theta, omega, x, y.length, opts, 'riskF');
    let s = 0;
    for (let i = 0; i < y.length; i++) s += lossValue(f[i], y[i]);
    return s / y.length;
  };

  /**
   * The per-component expectations at the training data: psiBar (K), gBar (K x p), GL (K x p x p; H_k L_k),
   * and, when hess is given, H_k.
   */
  const drive = (theta: Float64Array, omega: Float64Array, opts: EvalOptions, hess: Float64Array | null) => {
    const backend = backendFor(opts.backend, 'gmLayer');
    const { pi, nodes, w, f } = forward(theta, omega, X, N, opts);
    const r = scratch.get('r', N);
    for (let i = 0; i < N; i++) r[i] = lossSlope(f[i], Y[i]) / N;
    const grad = scratch.get('grad', K * S * p);
    backend.twoLayerBackward(kernelArgs(nodes, w, X, N, opts), r, grad);
    const psiBar = scratch.get('psiBar', K), gBar = scratch.get('gBar', K * p), GL = scratch.get('GL', K * p * p);
    const Dk = scratch.get('D', p * p), work = scratch.get('work', 4 * p * p + p);
    for (let k = 0; k < K; k++) {
      let ps = 0;
      gBar.fill(0, k * p, (k + 1) * p);
      Dk.fill(0);
      for (let s = 0; s < S; s++) {
        const row = (k * S + s) * p, qs = q[s];
        // psi is linear in a: psi(theta) = a ∂psi/∂a.
        ps += qs * nodes[row] * grad[row];
        for (let c = 0; c < p; c++) {
          const g = qs * grad[row + c];
          gBar[k * p + c] += g;
          for (let e = 0; e < p; e++) Dk[c * p + e] += g * z[s * p + e];
        }
      }
      psiBar[k] = ps;
      projectBW(theta.subarray(k * D + 1 + p, (k + 1) * D), Dk, p, work, GL.subarray(k * p * p, (k + 1) * p * p), hess ? hess.subarray(k * p * p, (k + 1) * p * p) : null);
    }
    return { pi, psiBar, gBar, GL };
  };

  const mixtureOf = (mu: Measure): Mixture => {
    check(mu);
    const weights = new Float64Array(K), means = new Float64Array(K * p);
    const covariances = new Float64Array(K * p * p), factors = new Float64Array(K * p * p);
    mixtureWeights(mu.points, mu.weights, weights);
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
  };

  return {
    name: 'gmLayer',
    space: 'euclidean',
    params: {
      activation, loss, components: K, quadrature: quad.rule, quadratureParameter: quad.parameter,
      samples: N, dim: d, data: fingerprint(X) ^ fingerprint(Y),
    },
    energyDirection: -1,
    data,
    activation,
    loss,
    components: K,
    neuronDim: p,
    quadrature: quad,
    check,

    velocity(theta, omega, _D, out, opts: VelocityOptions = {}) {
      const { pi, psiBar, gBar, GL } = drive(theta, omega, opts, null);
      let mean = 0;
      for (let k = 0; k < K; k++) mean += pi[k] * psiBar[k];
      for (let k = 0; k < K; k++) {
        const o = k * D;
        out[o] = -(psiBar[k] - mean);
        for (let c = 0; c < p; c++) out[o + 1 + c] = -gBar[k * p + c];
        for (let e = 0; e < p * p; e++) out[o + 1 + p + e] = -GL[k * p * p + e];
      }
      if (opts.logScale) opts.logScale.fill(0);
    },

    /** The risk L(mu) of the layer (expectations by the quadrature rule). */
    energy(theta, omega, _D, opts: EvalOptions = {}) {
      return riskOf(theta, omega, X, Y, opts);
    },

    measure(input) {
      if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new InvalidArgumentError('mixture', input, 'must be { means, covariances, weights? }');
      readOptions('measure', input, MIXTURE_KEYS);
      if (input.means === undefined) throw new InvalidArgumentError('means', undefined, `is required (K = ${K} rows of p = ${p} numbers)`);
      strictNumbers('means', input.means);
      const { data: means, n: k0, d: p0 } = pointSet('means', input.means, isRows(input.means) ? undefined : p);
      if (p0 !== p || k0 !== K) throw new InvalidArgumentError('means', `${k0} rows of ${p0} numbers`, `must hold K = ${K} means of dimension p = d + 2 = ${p}`);
      const rows = new Float64Array(K * D);
      const cov = input.covariances;
      if (typeof cov === 'number') {
        if (!Number.isFinite(cov) || cov < 0) throw new InvalidArgumentError('covariances', cov, 'must be a finite variance >= 0 (Sigma_k = v I) or K matrices');
        for (let k = 0; k < K; k++) for (let i = 0; i < p; i++) rows[k * D + 1 + p + i * p + i] = Math.sqrt(cov);
      } else {
        if (!Array.isArray(cov) || cov.length !== K) throw new InvalidArgumentError('covariances', cov, `must be K = ${K} matrices of size ${p} x ${p}, or one variance v >= 0`);
        cov.forEach((c, k) => {
          const name = `covariances[${k}]`;
          strictNumbers(name, c);
          const flat = Array.isArray(c) && Array.isArray(c[0]) ? Float64Array.from((c as number[][]).flat()) : toFloat64(name, c);
          if (flat.length !== p * p || (Array.isArray(c) && Array.isArray(c[0]) && (c as number[][]).some((r) => r.length !== p))) {
            throw new InvalidArgumentError(name, `${flat.length} numbers`, `must be a ${p} x ${p} matrix`);
          }
          for (let i = 0; i < p * p; i++) if (!Number.isFinite(flat[i])) throw new InvalidArgumentError(name, flat[i], 'must have finite entries', `at index ${i}`);
          for (let r = 0; r < p; r++) {
            for (let e = r + 1; e < p; e++) {
              const a = flat[r * p + e], b = flat[e * p + r];
              if (Math.abs(a - b) > 1e-12 * Math.max(1, Math.abs(a), Math.abs(b))) throw new InvalidArgumentError(name, `entries ${a} and ${b} at (${r}, ${e}) and (${e}, ${r})`, 'must be symmetric');
            }
          }
          const L = cholesky(flat, p);
          if (L === null) throw new InvalidArgumentError(name, 'a matrix that is not positive definite', 'must be symmetric positive definite (use covariances: 0 for point masses)');
          rows.set(L, k * D + 1 + p);
        });
      }
      for (let k = 0; k < K; k++) rows.set(means.subarray(k * p, (k + 1) * p), k * D + 1);
      let weights: Float64Array | undefined;
      if (input.weights !== undefined) {
        strictNumbers('weights', input.weights);
        weights = Float64Array.from(toFloat64('weights', input.weights));
      }
      if (weights !== undefined && weights.length !== K) throw new InvalidArgumentError('weights', `${weights.length} weights`, `must hold K = ${K} weights`);
      return new Measure(rows, { dim: D, weights });
    },

    mixture: mixtureOf,

    predict(mu, Xnew, optsIn) {
      const opts = readEval('predict', optsIn);
      check(mu);
      const x = Xnew === undefined ? X : dataset({ X: Xnew, Y: new Float64Array(rowCount(Xnew, d)), dim: d }, 'X').X;
      const rows = x.length / d;
      const { f } = forward(mu.points, mu.weights, x, rows, opts, 'predict');
      return Float64Array.from(f);
    },

    risk(mu, other, optsIn) {
      const opts = readEval('risk', optsIn);
      check(mu);
      if (other === undefined) return riskOf(mu.points, mu.weights, X, Y, opts);
      if (other === null || typeof other !== 'object') throw new InvalidArgumentError('data', other, 'must be { X, Y } (or omitted)');
      const t = dataset({ dim: d, ...other }, 'data');
      if (t.dim !== d) throw new InvalidArgumentError('data.X', `samples of dimension ${t.dim}`, `must have the training dimension ${d}`);
      if (loss === 'logistic') requireLabels('data.Y', t.Y);
      return riskOf(mu.points, mu.weights, t.X, t.Y, opts);
    },

    expectations(mu, optsIn) {
      const opts = readEval('expectations', optsIn);
      check(mu);
      const hessian = new Float64Array(K * p * p);
      const { pi, psiBar, gBar } = drive(mu.points, mu.weights, opts, hessian);
      return { weights: Float64Array.from(pi), psi: Float64Array.from(psiBar), gradient: Float64Array.from(gBar), hessian };
    },

    firstVariation(mu, thetaIn, optsIn) {
      const opts = readEval('firstVariation', optsIn);
      check(mu);
      strictNumbers('theta', thetaIn);
      const { data: th, n: m, d: p0 } = pointSet('theta', thetaIn, isRows(thetaIn) ? undefined : p);
      if (p0 !== p) throw new InvalidArgumentError('theta', `rows of ${p0} numbers`, `must be neurons (a, w, b) of dimension p = ${p}`);
      const { f } = forward(mu.points, mu.weights, X, N, opts);
      const r = new Float64Array(N);
      for (let i = 0; i < N; i++) r[i] = lossSlope(f[i], Y[i]) / N;
      const gradient = new Float64Array(m * p);
      backendFor(opts.backend, 'gmLayer').twoLayerBackward({ theta: th, weights: new Float64Array(m).fill(1), m, x: X, n: N, d, activation, precision: opts.precision ?? 'f64' }, r, gradient);
      const value = new Float64Array(m);
      for (let j = 0; j < m; j++) value[j] = th[j * p] * gradient[j * p];
      return { value, gradient };
    },

    network(mu) {
      check(mu);
      const pi = new Float64Array(K), theta = new Float64Array(K * S * p), weights = new Float64Array(K * S);
      mixtureWeights(mu.points, mu.weights, pi);
      sigmaPoints(mu.points, pi, theta, weights);
      return { theta, weights };
    },
  };
}

function isRows(v: unknown): boolean {
  return Array.isArray(v) && v.length > 0 && Array.isArray(v[0]);
}

function rowCount(X: DataInput['X'], d: number): number {
  if (Array.isArray(X) && Array.isArray(X[0])) return X.length;
  if (!Array.isArray(X) && !ArrayBuffer.isView(X)) throw new InvalidArgumentError('X', X, 'must be number[][] or a flat row-major array of samples');
  return Math.floor((X as ArrayLike<number>).length / d);
}
