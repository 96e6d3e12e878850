// Gaussian-mixture (GM) layers (Chewi, Rigollet & Yan, "Gaussian mixture layers for neural networks",
// arXiv 2508.04883). The measure over neurons theta = (a, w, b) in R^p, p = d + 2, is a mixture
//   mu = sum_k pi_k N(m_k, Sigma_k),   f_mu(x) = ∫ a sigma(<w, x> + b) dmu(theta),
// and training is the Wasserstein(-Fisher-Rao) gradient flow of the risk L restricted to mixtures
// (derivation and conventions in docs/gm-layers.md), with psi = δL/δmu the first variation:
//   m_k'     = -E_k[∇psi],
//   Sigma_k' = -(H_k Sigma_k + Sigma_k H_k),        H_k = E_k[∇²psi],
//   pi_k'    = -pi_k (E_k[psi] - sum_j pi_j E_j[psi]).
//
// Storage (gm-mixture.ts): one row (l_k, m_k, L_k) of dimension 1 + p + p² per component, Sigma_k = L_k L_kᵀ,
// pi_k ∝ omega_k e^{l_k}; the log-tilts l_k carry the Fisher–Rao dynamics of the weights.
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
import { readEval } from '../flows/eval-options.js';
import { requireSpace, Scratch, type EvalOptions, type Flow, type VelocityOptions } from '../flows/flow.js';
import type { Measure } from '../measure.js';
import { pointSet } from '../points.js';
import { optionsSchema, rule } from '../options.js';
import { checkElements, strictNumbers } from '../validate.js';
import { dataset, requireLabels, type DataInput, type Dataset } from './data.js';
import { projectBW } from './gm-bures.js';
import { isRows, mixtureMeasure, mixtureWeights, readMixture, type Mixture, type MixtureInput } from './gm-mixture.js';
import { gaussianQuadrature, type GaussianQuadrature, type QuadratureOptions, type QuadratureRule } from './gm-quadrature.js';
import { fingerprint, lossFunctions, TWO_LAYER_OPTIONS, type Loss } from './twolayer.js';

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

const GM_LAYER_OPTIONS = optionsSchema<GmLayerOptions>()({
  // Read (and required) by dataset().
  data: rule.custom('training samples X (N x d) and targets Y (required)', (_name, v) => v as DataInput),
  activation: TWO_LAYER_OPTIONS.rules.activation,
  loss: TWO_LAYER_OPTIONS.rules.loss,
  components: rule.integer(1, 'number of mixture components K (required)'),
  // Checked by gaussianQuadrature, which knows the dimension p.
  quadrature: rule
    .custom(
      "the rule for the expectations E_k: 'unscented' (2p + 1 points), 'gauss-hermite' (order^p points) or { rule, kappa?, order? }",
      (_name, v) => v as QuadratureRule | QuadratureOptions,
    )
    .or('unscented'),
});

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
  const { activation, loss, quadrature, ...o } = GM_LAYER_OPTIONS.read('gmLayer', options);
  const data = dataset(o.data);
  if (loss === 'logistic') requireLabels('data.Y', data.Y);
  if (o.components === undefined) {
    throw new InvalidArgumentError('components', undefined, 'is required (the number of mixture components K >= 1)');
  }
  const K = o.components;
  const { X, Y, n: N, dim: d } = data;
  const p = d + 2,
    D = 1 + p + p * p;
  const quad = gaussianQuadrature(p, quadrature);
  const S = quad.size,
    z = quad.nodes,
    q = quad.weights;
  checkElements('GM layer components', K * D);
  checkElements('GM sigma points', K * S * p);
  const { value: lossValue, slope: lossSlope } = lossFunctions(loss);
  const scratch = new Scratch();

  const check = (mu: Measure) => {
    requireSpace('gmLayer', mu, 'euclidean');
    if (mu.dim !== D)
      throw new InvalidArgumentError(
        'mu.dim',
        mu.dim,
        `must be 1 + p + p² = ${D} for a GM layer on data of dimension ${d} (rows (l_k, m_k, L_k), p = ${p}); build it with flow.measure()`,
      );
    if (mu.size !== K) throw new InvalidArgumentError('mu.size', mu.size, `must be the number of components ${K}`);
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
    theta: nodes,
    weights: w,
    m: K * S,
    x,
    n: rows,
    d,
    activation,
    precision: opts.precision ?? 'f64',
  });

  /** Sigma points of mu, pi, and f_mu on x (rows). */
  const forward = (theta: Float64Array, omega: Float64Array, x: Float64Array, rows: number, opts: EvalOptions, fName = 'f') => {
    const pi = scratch.get('pi', K),
      nodes = scratch.get('nodes', K * S * p),
      w = scratch.get('w', K * S);
    mixtureWeights(theta, omega, pi, K, D);
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
    const psiBar = scratch.get('psiBar', K),
      gBar = scratch.get('gBar', K * p),
      GL = scratch.get('GL', K * p * p);
    const Dk = scratch.get('D', p * p),
      work = scratch.get('work', 4 * p * p + p);
    for (let k = 0; k < K; k++) {
      let ps = 0;
      gBar.fill(0, k * p, (k + 1) * p);
      Dk.fill(0);
      for (let s = 0; s < S; s++) {
        const row = (k * S + s) * p,
          qs = q[s];
        // psi is linear in a: psi(theta) = a ∂psi/∂a.
        ps += qs * nodes[row] * grad[row];
        for (let c = 0; c < p; c++) {
          const g = qs * grad[row + c];
          gBar[k * p + c] += g;
          for (let e = 0; e < p; e++) Dk[c * p + e] += g * z[s * p + e];
        }
      }
      psiBar[k] = ps;
      projectBW(
        theta.subarray(k * D + 1 + p, (k + 1) * D),
        Dk,
        p,
        work,
        GL.subarray(k * p * p, (k + 1) * p * p),
        hess ? hess.subarray(k * p * p, (k + 1) * p * p) : null,
      );
    }
    return { pi, psiBar, gBar, GL };
  };

  const mixtureOf = (mu: Measure): Mixture => {
    check(mu);
    return readMixture(mu, K, p);
  };

  return {
    name: 'gmLayer',
    space: 'euclidean',
    params: {
      activation,
      loss,
      components: K,
      quadrature: quad.rule,
      quadratureParameter: quad.parameter,
      samples: N,
      dim: d,
      data: fingerprint(X) ^ fingerprint(Y),
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

    measure: (input) => mixtureMeasure(input, K, p),

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
      backendFor(opts.backend, 'gmLayer').twoLayerBackward(
        { theta: th, weights: new Float64Array(m).fill(1), m, x: X, n: N, d, activation, precision: opts.precision ?? 'f64' },
        r,
        gradient,
      );
      const value = new Float64Array(m);
      for (let j = 0; j < m; j++) value[j] = th[j * p] * gradient[j * p];
      return { value, gradient };
    },

    network(mu) {
      check(mu);
      const pi = new Float64Array(K),
        theta = new Float64Array(K * S * p),
        weights = new Float64Array(K * S);
      mixtureWeights(mu.points, mu.weights, pi, K, D);
      sigmaPoints(mu.points, pi, theta, weights);
      return { theta, weights };
    },
  };
}

function rowCount(X: DataInput['X'], d: number): number {
  if (Array.isArray(X) && Array.isArray(X[0])) return X.length;
  if (!Array.isArray(X) && !ArrayBuffer.isView(X))
    throw new InvalidArgumentError('X', X, 'must be number[][] or a flat row-major array of samples');
  return Math.floor((X as ArrayLike<number>).length / d);
}
