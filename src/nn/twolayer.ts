// Mean-field two-layer networks. A network is a measure mu = sum_j omega_j δ_{theta_j} over
// neurons theta = (a, w, b) in R^{d+2}:
//   f_mu(x) = sum_j omega_j a_j sigma(<w_j, x> + b_j),   L(mu) = (1/N) sum_i l(f_mu(X_i), Y_i),
// with l(f, y) = (f - y)^2 / 2 ('squared') or log(1 + e^{-y f}) ('logistic', y = ±1).
// Training is the Wasserstein gradient flow of L(mu) + (l2/2) ∫|theta|^2 dmu:
//   V[mu](theta) = -∇_theta (δL/δmu)(theta) - l2 theta,
//   (δL/δmu)(theta) = (1/N) sum_i l'(f_mu(X_i), Y_i) a sigma(<w, X_i> + b).
// The flow is the drift alone. Noisy SGD (d theta = V dt + sqrt(2 T) dB, the flow of the free energy
// L + (l2/2)∫|theta|^2 + T ∫ mu log mu) is simulate's integrator 'euler-maruyama' with noise { temperature: T, seed }.
import { backendFor, type Activation } from '../backend/index.js';
import { InvalidArgumentError } from '../errors.js';
import { requireSpace, Scratch, type EvalOptions, type Flow } from '../flows/flow.js';
import { readEval } from '../flows/eval-options.js';
import type { Measure } from '../measure.js';
import { optionsSchema, rule } from '../options.js';
import { dataset, requireLabels, type DataInput, type Dataset } from './data.js';

/** The per-sample loss l(f, y): 'squared' (f - y)^2 / 2, or 'logistic' log(1 + e^{-y f}) with labels y = ±1. */
export type Loss = 'squared' | 'logistic';

/** Options of twoLayer. */
export interface TwoLayerOptions {
  /** Training samples X (N x d) and targets Y (labels ±1 for the logistic loss). */
  data: DataInput;
  /** Default 'relu'. */
  activation?: Activation;
  /** Default 'squared'. */
  loss?: Loss;
  /** Weight decay l2 >= 0 on the particles: adds (l2/2) ∫|theta|^2 dmu to the energy. Default 0. */
  l2?: number;
}

/** The schema of TwoLayerOptions; gmLayer and the experiments share its activation and loss rules. */
export const TWO_LAYER_OPTIONS = optionsSchema<TwoLayerOptions>()({
  // Read (and required) by dataset().
  data: rule.custom('training samples X (N x d) and targets Y (required)', (_name, v) => v as DataInput),
  activation: rule.oneOf(['relu', 'tanh', 'sigmoid'] as const, 'the activation sigma').or('relu'),
  loss: rule.oneOf(['squared', 'logistic'] as const, "the per-sample loss: 'squared' (f - y)^2 / 2, 'logistic' (labels ±1)").or('squared'),
  l2: rule.nonNegative('weight decay l2 on the particles').or(0),
});
/** The training flow of a mean-field two-layer network; its measures are neurons (a, w, b), dim d + 2, in R^{d+2}. */
export interface TwoLayerFlow extends Flow {
  /** The validated training data. */
  readonly data: Dataset;
  /** The activation sigma. */
  readonly activation: Activation;
  /** The loss l. */
  readonly loss: Loss;
  /** f_mu at the rows of X (default: the training samples). */
  predict(mu: Measure, X?: DataInput['X'], options?: EvalOptions): Float64Array;
  /** L(mu) on the training data, or on other data { X, Y }. */
  risk(mu: Measure, data?: DataInput, options?: EvalOptions): number;
}

/** l(f, y) and l'(f, y) = dl/df (shared with gmLayer). */
export function lossFunctions(loss: Loss): { value: (f: number, y: number) => number; slope: (f: number, y: number) => number } {
  if (loss === 'squared') return { value: (f, y) => 0.5 * (f - y) ** 2, slope: (f, y) => f - y };
  // log(1 + e^{-t}) and its derivative -1/(1 + e^{t}), both stable for either sign of t.
  return {
    value: (f, y) => {
      const t = y * f;
      return t > 0 ? Math.log1p(Math.exp(-t)) : -t + Math.log1p(Math.exp(t));
    },
    slope: (f, y) => {
      const t = y * f;
      return t > 0 ? (-y * Math.exp(-t)) / (1 + Math.exp(-t)) : -y / (1 + Math.exp(t));
    },
  };
}

/** A cheap fingerprint of the data so a checkpoint resumes only on the same data (shared with gmLayer). */
export function fingerprint(a: Float64Array): number {
  let h = 0x811c9dc5;
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return h >>> 0;
}

/**
 * The Wasserstein gradient flow of the risk L(mu) (+ weight decay) over neurons theta = (a, w_1..w_d, b), each row of mu's points
 * (euclidean, dim d + 2):
 * f_mu(x) = sum_j omega_j a_j sigma(<w_j, x> + b_j) with omega the measure's weights.
 * Langevin noise (noisy SGD at temperature tau) is simulate's integrator:
 * `simulate(flow, mu, { integrator: 'euler-maruyama', dt, noise: { temperature: tau, seed } })`.
 * Throws InvalidArgumentError for bad data or options (labels other than ±1 with the logistic loss).
 */
export function twoLayer(options: TwoLayerOptions): TwoLayerFlow {
  if (options === null || typeof options !== 'object')
    throw new InvalidArgumentError('options', options, 'must be { data: { X, Y }, activation?, loss?, l2? }');
  for (const moved of ['temperature', 'seed'] as const) {
    if (moved in options) {
      throw new InvalidArgumentError(
        moved,
        (options as unknown as Record<string, unknown>)[moved],
        "has moved to simulate: the flow is the drift, and Langevin noise is the integrator { integrator: 'euler-maruyama', dt, noise: { " +
          'temperature, seed } }',
      );
    }
  }
  const { activation, loss, l2, ...o } = TWO_LAYER_OPTIONS.read('twoLayer', options);
  const data = dataset(o.data);
  if (loss === 'logistic') requireLabels('data.Y', data.Y);
  const { value: lossValue, slope: lossSlope } = lossFunctions(loss);
  const { X, Y, n, dim: d } = data;
  const scratch = new Scratch();

  const args = (theta: Float64Array, weights: Float64Array, x: Float64Array, rows: number, opts: EvalOptions) => ({
    theta,
    weights,
    m: weights.length,
    x,
    n: rows,
    d,
    activation,
    precision: opts.precision ?? 'f64',
  });

  const check = (mu: Measure) => {
    requireSpace('twoLayer', mu, 'euclidean');
    if (mu.dim !== d + 2)
      throw new InvalidArgumentError('mu.dim', mu.dim, `must be d + 2 = ${d + 2} for neurons (a, w, b) on data of dimension ${d}`);
  };

  const risk = (theta: Float64Array, weights: Float64Array, x: Float64Array, y: Float64Array, opts: EvalOptions) => {
    const f = scratch.get('riskF', y.length);
    backendFor(opts.backend, 'twoLayer').twoLayerForward(args(theta, weights, x, y.length, opts), f);
    let s = 0;
    for (let i = 0; i < y.length; i++) s += lossValue(f[i], y[i]);
    return s / y.length;
  };

  return {
    name: 'twoLayer',
    space: 'euclidean',
    params: { activation, loss, l2, samples: n, dim: d, data: fingerprint(X) ^ fingerprint(Y) },
    energyDirection: -1,
    data,
    activation,
    loss,
    check,

    velocity(theta, weights, D, out, opts: EvalOptions = {}) {
      const backend = backendFor(opts.backend, 'twoLayer');
      const a = args(theta, weights, X, n, opts);
      const f = scratch.get('f', n);
      backend.twoLayerForward(a, f);
      const r = scratch.get('r', n);
      for (let i = 0; i < n; i++) r[i] = lossSlope(f[i], Y[i]) / n;
      backend.twoLayerBackward(a, r, out);
      const len = weights.length * D;
      for (let i = 0; i < len; i++) out[i] = -out[i] - l2 * theta[i];
    },

    /** L(mu) + (l2/2) ∫|theta|^2 dmu (the entropy term of T > 0 is not included). */
    energy(theta, weights, D, opts: EvalOptions = {}) {
      let reg = 0;
      if (l2 > 0) {
        for (let j = 0; j < weights.length; j++) {
          let q = 0;
          for (let c = 0; c < D; c++) q += theta[j * D + c] ** 2;
          reg += weights[j] * q;
        }
      }
      return risk(theta, weights, X, Y, opts) + 0.5 * l2 * reg;
    },

    predict(mu, Xnew, optsIn) {
      const opts = readEval('predict', optsIn);
      check(mu);
      const x = Xnew === undefined ? X : dataset({ X: Xnew, Y: new Float64Array(rowCount(Xnew, d)), dim: d }, 'X').X;
      const out = new Float64Array(x.length / d);
      backendFor(opts.backend, 'twoLayer').twoLayerForward(args(mu.points, mu.weights, x, out.length, opts), out);
      return out;
    },

    risk(mu, other, optsIn) {
      const opts = readEval('risk', optsIn);
      check(mu);
      if (other === undefined) return risk(mu.points, mu.weights, X, Y, opts);
      if (other === null || typeof other !== 'object') throw new InvalidArgumentError('data', other, 'must be { X, Y } (or omitted)');
      const t = dataset({ dim: d, ...other }, 'data');
      if (t.dim !== d) throw new InvalidArgumentError('data.X', `samples of dimension ${t.dim}`, `must have the training dimension ${d}`);
      if (loss === 'logistic') requireLabels('data.Y', t.Y);
      return risk(mu.points, mu.weights, t.X, t.Y, opts);
    },
  };
}

function rowCount(X: DataInput['X'], d: number): number {
  if (Array.isArray(X) && Array.isArray(X[0])) return X.length;
  if (!Array.isArray(X) && !ArrayBuffer.isView(X))
    throw new InvalidArgumentError('X', X, 'must be number[][] or a flat row-major array of samples');
  return Math.floor((X as ArrayLike<number>).length / d);
}
