// The public face of the one kernel: log-sum-exp, softmax-weighted means and the
// interaction energy. Conventions are stated once here and in DESIGN.md.
import { backendFor, type BackendName, type Precision, type Score } from './backend/index.js';
import { InvalidArgumentError, NonFiniteError } from './errors.js';
import { Measure } from './measure.js';
import { pointSet, type PointsInput, type PointSet } from './points.js';
import { finiteNumber, integerAtLeast, oneOf, toFloat64 } from './validate.js';

/**
 * Options of logSumExp (and softmaxMean). x (n queries) and y (m keys) are Measures, number[][]
 * or row-major flat arrays (n x d, then give dim).
 */
export interface KernelOptions {
  /** Point dimension; required when x or y is a flat array. */
  dim?: number;
  /** Scale of the score. Default 1. */
  beta?: number;
  /** 'dot': s = <x, y>; 'sqdist': s = -|x - y|^2. Default 'dot'. */
  score?: Score;
  /** h_j, one per key; -Infinity allowed (a key of weight zero). Default: log of y's weights when y is a Measure, else 0. */
  logWeights?: Float64Array | number[];
  /** Sum over j <= i only. Default false. */
  causal?: boolean;
  /** Compute backend, 'wasm' or 'js'. Default: the one chosen by init() ('wasm' unless init({ backend: 'js' })); 'wasm' throws NotInitializedError before init(). */
  backend?: BackendName;
  /** Kernel arithmetic: 'f64' (default) or 'f32'. Results are always Float64Array. */
  precision?: Precision;
}

/** Options of softmaxMean: the kernel options plus the shape of the values. */
export interface MeanOptions extends KernelOptions {
  /** Columns of values (k); required when values is a flat array. */
  valueDim?: number;
}

interface Prepared {
  x: PointSet;
  y: PointSet;
  h: Float64Array | null;
  beta: number;
  score: Score;
  causal: boolean;
  precision: Precision;
}

function prepare(x: PointsInput, y: PointsInput, o: KernelOptions): Prepared {
  const xs = pointSet('x', x, o.dim);
  const ys = pointSet('y', y, o.dim ?? xs.d);
  if (ys.d !== xs.d) throw new InvalidArgumentError('y', `points of dimension ${ys.d}`, `must have the dimension ${xs.d} of x`);
  const beta = finiteNumber('beta', o.beta ?? 1);
  const score = oneOf('score', o.score ?? 'dot', ['dot', 'sqdist'] as const);
  const precision = oneOf('precision', o.precision ?? 'f64', ['f64', 'f32'] as const);
  if (o.causal !== undefined && typeof o.causal !== 'boolean') throw new InvalidArgumentError('causal', o.causal, 'must be a boolean');
  let h: Float64Array | null = null;
  if (o.logWeights !== undefined) {
    h = toFloat64('logWeights', o.logWeights);
    if (h.length !== ys.n) throw new InvalidArgumentError('logWeights.length', h.length, `must equal the number of keys ${ys.n}`);
    for (let j = 0; j < h.length; j++) {
      if (Number.isNaN(h[j]) || h[j] === Infinity) throw new InvalidArgumentError('logWeights', h[j], 'must be finite or -Infinity', `at index ${j}`);
    }
  } else if (ys.weights !== null) {
    h = ys.weights.map(Math.log);
  }
  return { x: xs, y: ys, h, beta, score, causal: o.causal ?? false, precision };
}

/** Throws when a row's sum is empty (every key it sees has weight zero): its mean does not exist. */
function requireNonEmpty(lse: Float64Array): void {
  const i = lse.indexOf(-Infinity);
  if (i >= 0) throw new NonFiniteError(`query ${i} sees only keys of weight zero (all its logWeights are -Infinity): its softmax mean is undefined`);
}

/**
 * lse_i = log sum_j exp(beta * s(x_i, y_j) + h_j) for every query x_i.
 * Returns a Float64Array of length n; rows with only zero-weight keys give -Infinity.
 */
export function logSumExp(x: PointsInput, y: PointsInput, options: KernelOptions = {}): Float64Array {
  const backend = backendFor(options.backend, 'logSumExp');
  const p = prepare(x, y, options);
  const lse = new Float64Array(p.x.n);
  backend.softmaxReduce({
    x: p.x.data, n: p.x.n, y: p.y.data, m: p.y.n, d: p.x.d, logWeights: p.h, values: null, k: 0,
    beta: p.beta, score: p.score, causal: p.causal, precision: p.precision, lse, mean: null,
  });
  return lse;
}

/**
 * The softmax-weighted mean of values: mean_i = sum_j exp(beta * s(x_i, y_j) + h_j - lse_i) v_j,
 * with lse as in logSumExp. values is m x k (a Measure's points, number[][] or flat with valueDim).
 * Throws NonFiniteError when a query sees only keys of weight zero (its mean is undefined).
 */
export function softmaxMean(
  x: PointsInput, y: PointsInput, values: PointsInput, options: MeanOptions = {},
): {
  /** lse_i = log sum_j exp(beta * s(x_i, y_j) + h_j), length n (log domain). */
  lse: Float64Array;
  /** The softmax means, row-major n x k. */
  mean: Float64Array;
} {
  const backend = backendFor(options.backend, 'softmaxMean');
  const p = prepare(x, y, options);
  const v = pointSet('values', values, options.valueDim);
  if (options.valueDim !== undefined) integerAtLeast('valueDim', options.valueDim, 1);
  if (v.n !== p.y.n) throw new InvalidArgumentError('values', `${v.n} rows`, `must have one row per key (${p.y.n})`);
  const lse = new Float64Array(p.x.n);
  const mean = new Float64Array(p.x.n * v.d);
  backend.softmaxReduce({
    x: p.x.data, n: p.x.n, y: p.y.data, m: p.y.n, d: p.x.d, logWeights: p.h, values: v.data, k: v.d,
    beta: p.beta, score: p.score, causal: p.causal, precision: p.precision, lse, mean,
  });
  requireNonEmpty(lse);
  return { lse, mean };
}

/** Options of interactionEnergy. */
export interface EnergyOptions {
  /** Compute backend, 'wasm' or 'js'. Default: the one chosen by init() ('wasm' unless init({ backend: 'js' })); 'wasm' throws NotInitializedError before init(). */
  backend?: BackendName;
  /** Kernel arithmetic: 'f64' (default) or 'f32'. The result is always a float64 number. */
  precision?: Precision;
}

/**
 * E_beta(mu) = (1 / (2 beta)) sum_ij a_i a_j exp(beta <x_i, x_j>), and its logarithm computed
 * without forming E (finite and exact where E itself overflows, e.g. beta = 1000 on the sphere).
 * The weights a_i are mu's own (not renormalised). Throws InvalidArgumentError unless mu is a
 * Measure and beta is a finite number > 0.
 */
export function interactionEnergy(mu: Measure, beta: number, options: EnergyOptions = {}): {
  /** E_beta(mu); Infinity where it overflows (use logEnergy). */
  energy: number;
  /** log E_beta(mu), finite even where energy overflows. */
  logEnergy: number;
} {
  if (!(mu instanceof Measure)) throw new InvalidArgumentError('mu', mu, 'must be a Measure');
  if (typeof beta !== 'number' || !Number.isFinite(beta) || beta <= 0) throw new InvalidArgumentError('beta', beta, 'must be a finite number > 0');
  const lse = logSumExp(mu, mu, { beta, backend: options.backend, precision: options.precision });
  const logEnergy = logWeightedSumExp(lse, mu.weights) - Math.log(2 * beta);
  return { energy: Math.exp(logEnergy), logEnergy };
}

/** log sum_i w_i exp(v_i), max-shifted; entries with w_i = 0 are skipped. */
export function logWeightedSumExp(v: Float64Array, w: Float64Array): number {
  let max = -Infinity;
  for (let i = 0; i < v.length; i++) if (w[i] > 0 && v[i] > max) max = v[i];
  let sum = 0;
  for (let i = 0; i < v.length; i++) if (w[i] > 0) sum += w[i] * Math.exp(v[i] - max);
  return max + Math.log(sum);
}
