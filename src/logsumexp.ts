// The public face of the one kernel: log-sum-exp, softmax-weighted means and the
// interaction energy. Conventions are stated once here and in DESIGN.md.
import { backendFor, backendRule, type BackendName, type Precision, type Score } from './backend/index.js';
import { AbortedError, InvalidArgumentError, NonFiniteError, OverflowError, ResourceError } from './errors.js';
import { Measure } from './measure.js';
import { pointSet, type PointsInput, type PointSet } from './points.js';
import { optionsSchema, rule } from './options.js';
import { LIMITS, requireBetaOptions, strictNumbers, toFloat64 } from './validate.js';

/**
 * Options of logSumExp (and softmaxMean). x (n queries) and y (m keys) are Measures, number[][]
 * or row-major flat arrays (n x d, then give dim). A circle measure's angles θ enter as the points
 * (cos θ, sin θ) of R² (d = 2), a sphere measure's as its points of R^d: <x, y> = cos(θ - φ) and
 * |x - y|² = 2 - 2 cos(θ - φ) on the circle.
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
  /**
   * Compute backend, 'wasm' or 'js'. Default: the one chosen by init() ('wasm' unless init({ backend: 'js' })); 'wasm' throws
   * NotInitializedError before init().
   */
  backend?: BackendName;
  /** Kernel arithmetic: 'f64' (default) or 'f32'. Results are always Float64Array. */
  precision?: Precision;
  /**
   * Checked between blocks of query rows (each about 2^26 pair-coordinates, a fraction of a second):
   * once aborted the call throws AbortedError. Causal calls run as one block. Results do not depend on
   * the blocking (rows are independent).
   */
  signal?: AbortSignal;
  /** Called after every block of rows with the rows done so far and the total (abort from here). */
  onProgress?: (info: { rows: number; total: number }) => void;
}

/** Options of softmaxMean: the kernel options plus the shape of the values. */
export interface MeanOptions extends KernelOptions {
  /** Columns of values (k); required when values is a flat array. */
  valueDim?: number;
}

/** The rules of the kernel options, shared by logSumExp and softmaxMean (declared once: key list, checks, defaults, docs). */
const KERNEL_RULES = {
  dim: rule.integer(1, 'point dimension; required when x or y is a flat array'),
  beta: rule.finite('scale of the score').or(1),
  score: rule.oneOf(['dot', 'sqdist'] as const, "'dot': s = <x, y>; 'sqdist': s = -|x - y|^2").or('dot'),
  logWeights: rule.custom(
    "h_j, one per key (-Infinity: a key of weight zero); default log of y's weights when y is a Measure, else 0",
    logWeightsRule,
  ),
  causal: rule.boolean('sum over j <= i only').or(false),
  backend: backendRule('compute backend; default the one init() chose'),
  precision: rule.oneOf(['f64', 'f32'] as const, "kernel arithmetic, 'f64' or 'f32' (results are always Float64Array)").or('f64'),
  signal: rule.signal('checked between blocks of query rows; once aborted the call throws AbortedError'),
  onProgress: rule.fn<(info: { rows: number; total: number }) => void>(
    'called after every block of rows with the rows done so far and the total',
  ),
};
export const KERNEL_SCHEMA = optionsSchema<KernelOptions>()(KERNEL_RULES);
// valueDim goes before signal and onProgress, where the key list always had it.
const { signal: signalRule, onProgress: onProgressRule, ...SHAPE_AND_KERNEL_RULES } = KERNEL_RULES;
export const MEAN_SCHEMA = optionsSchema<MeanOptions>()({
  ...SHAPE_AND_KERNEL_RULES,
  valueDim: rule.integer(1, 'columns of values (k); required when values is a flat array'),
  signal: signalRule,
  onProgress: onProgressRule,
});
type ResolvedKernel = ReturnType<typeof KERNEL_SCHEMA.read>;

/** logWeights: numbers only (nothing coerced), each finite or -Infinity; the length is checked against y in prepare. */
function logWeightsRule(name: string, value: unknown): Float64Array {
  strictNumbers(name, value);
  const h = toFloat64(name, value);
  for (let j = 0; j < h.length; j++) {
    if (Number.isNaN(h[j]) || h[j] === Infinity) throw new InvalidArgumentError(name, h[j], 'must be finite or -Infinity', `at index ${j}`);
  }
  return h;
}

/**
 * Runs reduce over query rows [r0, r1) in blocks when the caller can stop or watch the call,
 * else in one call. Rows are independent, so the blocking never changes a result.
 */
function inRowBlocks(
  where: string,
  n: number,
  m: number,
  width: number,
  causal: boolean,
  o: ResolvedKernel,
  reduce: (r0: number, r1: number) => void,
): void {
  const { signal, onProgress } = o;
  if ((signal === undefined && onProgress === undefined) || causal) {
    reduce(0, n);
    onProgress?.({ rows: n, total: n });
    return;
  }
  const rows = Math.max(1, Math.floor(2 ** 26 / Math.max(1, m * width)));
  for (let r0 = 0; r0 < n; r0 += rows) {
    if (signal?.aborted) throw new AbortedError(`${where} was aborted after ${r0} of ${n} query rows`);
    const r1 = Math.min(n, r0 + rows);
    reduce(r0, r1);
    onProgress?.({ rows: r1, total: n });
  }
  if (signal?.aborted)
    throw new AbortedError(`${where} was aborted after the last block (all ${n} rows computed but the call was stopped)`);
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

function prepare(x: PointsInput, y: PointsInput, o: ResolvedKernel): Prepared {
  const xs = pointSet('x', x, o.dim, 'embedded');
  const ys = pointSet('y', y, o.dim ?? xs.d, 'embedded');
  if (ys.d !== xs.d) throw new InvalidArgumentError('y', `points of dimension ${ys.d}`, `must have the dimension ${xs.d} of x`);
  const work = xs.n * ys.n * (xs.d + 1);
  if (!(work <= LIMITS.maxPairWork))
    throw new ResourceError(`${xs.n} x ${ys.n} query-key pairs in dimension ${xs.d}`, work * 8, LIMITS.maxPairWork * 8);
  let h: Float64Array | null = null;
  if (o.logWeights !== undefined) {
    h = o.logWeights as Float64Array; // checked and converted by its rule
    if (h.length !== ys.n) throw new InvalidArgumentError('logWeights.length', h.length, `must equal the number of keys ${ys.n}`);
  } else if (ys.weights !== null) {
    h = ys.weights.map(Math.log);
  }
  return { x: xs, y: ys, h, beta: o.beta, score: o.score, causal: o.causal, precision: o.precision };
}

/**
 * Refuses a result the double range cannot hold, instead of returning NaN: lse_i is NaN or
 * +Infinity when beta * s + h overflows (then lse_i itself exceeds ~1.8e308, or an intermediate
 * beta * s does), and -Infinity while some key the row sees has a finite weight when every
 * term underflows past -1.8e308.
 */
function requireRepresentable(p: Prepared, lse: Float64Array, where: string): void {
  for (let i = 0; i < lse.length; i++) {
    const v = lse[i];
    if (Number.isNaN(v) || v === Infinity) {
      throw new OverflowError(
        `${where}: beta * s(x_${i}, y_j) + h_j exceeds the double range (about 1.8e308) for query ${i} (beta = ${p.beta}, score ` +
          `'${p.score}'), so its log-sum-exp cannot be represented; scale beta, the points or logWeights down`,
      );
    }
    if (v === -Infinity) {
      const lim = p.causal ? Math.min(i + 1, p.y.n) : p.y.n;
      let seen = false;
      for (let j = 0; j < lim && !seen; j++) seen = p.h === null || p.h[j] > -Infinity;
      if (seen)
        throw new OverflowError(
          `${where}: beta * s(x_${i}, y_j) + h_j falls below -1.8e308 for every key of query ${i} (beta = ${p.beta}, score ` +
            `'${p.score}'), ` +
            `so its log-sum-exp cannot be represented`,
        );
    }
  }
}

/**
 * Columns of values whose weighted sums could overflow (m |v| beyond the range of the
 * precision) are scaled by a power of two before the kernel and back after it: exact, and the
 * mean (a convex combination) is finite whenever the values are.
 */
function valueScales(v: PointSet, precision: 'f64' | 'f32'): Float64Array | null {
  const limit = precision === 'f32' ? 2 ** 120 : 2 ** 1016;
  const { n: m, d: k, data } = v;
  let scales: Float64Array | null = null;
  for (let c = 0; c < k; c++) {
    let big = 0;
    for (let j = 0; j < m; j++) big = Math.max(big, Math.abs(data[j * k + c]));
    // In logs: big * m itself may overflow.
    const excess = Math.log2(big) + Math.log2(m) - Math.log2(limit);
    if (excess > 0) {
      scales ??= new Float64Array(k).fill(1);
      scales[c] = 2 ** Math.ceil(excess);
    }
  }
  return scales;
}

/** Throws when a row's sum is empty (every key it sees has weight zero): its mean does not exist. */
function requireNonEmpty(lse: Float64Array): void {
  const i = lse.indexOf(-Infinity);
  if (i >= 0)
    throw new NonFiniteError(`query ${i} sees only keys of weight zero (all its logWeights are -Infinity): its softmax mean is undefined`);
}

/**
 * lse_i = log sum_j exp(beta * s(x_i, y_j) + h_j) for every query x_i.
 * Returns a Float64Array of length n; rows with only zero-weight keys give -Infinity.
 *
 * Never NaN: where lse_i lies beyond the double range (beta * s + h past about 1.8e308) it throws
 * OverflowError. With precision 'f32' the inputs must fit float32: |x|, |y|, |beta|, |h| and the
 * scores |beta s| + |h| must stay below about 1e38, and the score's rounding error (about
 * 2^-24 (d + 3) |beta| max|x| max|y|, or (max|x| + max|y|)^2 for 'sqdist') must stay below
 * 1/64; otherwise OverflowError names the argument (use precision 'f64' there).
 * @throws InvalidArgumentError for bad inputs or options (UnknownOptionError for an unknown key);
 *   ResourceError beyond LIMITS; OverflowError as above.
 */
export function logSumExp(x: PointsInput, y: PointsInput, options?: KernelOptions): Float64Array {
  const o = KERNEL_SCHEMA.read('logSumExp', options);
  const backend = backendFor(o.backend, 'logSumExp');
  const p = prepare(x, y, o);
  const lse = new Float64Array(p.x.n);
  const d = p.x.d;
  inRowBlocks('logSumExp', p.x.n, p.y.n, d + 1, p.causal, o, (r0, r1) =>
    backend.softmaxReduce({
      x: p.x.data.subarray(r0 * d, r1 * d),
      n: r1 - r0,
      y: p.y.data,
      m: p.y.n,
      d,
      logWeights: p.h,
      values: null,
      k: 0,
      beta: p.beta,
      score: p.score,
      mask: { kind: p.causal ? 'causal' : 'none' },
      precision: p.precision,
      lse: lse.subarray(r0, r1),
      mean: null,
    }),
  );
  requireRepresentable(p, lse, 'logSumExp');
  return lse;
}

/**
 * The softmax-weighted mean of values: mean_i = sum_j exp(beta * s(x_i, y_j) + h_j - lse_i) v_j,
 * with lse as in logSumExp. values is m x k (a Measure's points, number[][] or flat with valueDim); a
 * circle measure is refused as values (InvalidArgumentError naming values.space: an average of angles is
 * not an angle; pass the rows (cos θ, sin θ) to average the embedded points).
 * Throws NonFiniteError when a query sees only keys of weight zero (its mean is undefined), and
 * OverflowError, InvalidArgumentError, ResourceError as logSumExp does. Values of any finite size
 * (up to 1.8e308, or the float32 range with precision 'f32') give a finite mean: columns whose
 * sums would overflow are scaled by a power of two inside the call.
 */
export function softmaxMean(
  x: PointsInput,
  y: PointsInput,
  values: PointsInput,
  options?: MeanOptions,
): {
  /** lse_i = log sum_j exp(beta * s(x_i, y_j) + h_j), length n (log domain). */
  lse: Float64Array;
  /** The softmax means, row-major n x k. */
  mean: Float64Array;
} {
  const o = MEAN_SCHEMA.read('softmaxMean', options);
  const backend = backendFor(o.backend, 'softmaxMean');
  const p = prepare(x, y, o);
  const v = pointSet('values', values, o.valueDim);
  if (v.n !== p.y.n) throw new InvalidArgumentError('values', `${v.n} rows`, `must have one row per key (${p.y.n})`);
  const lse = new Float64Array(p.x.n);
  const mean = new Float64Array(p.x.n * v.d);
  const scales = valueScales(v, p.precision);
  let vals = v.data;
  if (scales !== null) {
    vals = Float64Array.from(v.data);
    for (let j = 0; j < v.n; j++) for (let c = 0; c < v.d; c++) vals[j * v.d + c] /= scales[c];
  }
  const d = p.x.d,
    k = v.d;
  inRowBlocks('softmaxMean', p.x.n, p.y.n, d + k + 1, p.causal, o, (r0, r1) =>
    backend.softmaxReduce({
      x: p.x.data.subarray(r0 * d, r1 * d),
      n: r1 - r0,
      y: p.y.data,
      m: p.y.n,
      d,
      logWeights: p.h,
      values: vals,
      k,
      beta: p.beta,
      score: p.score,
      mask: { kind: p.causal ? 'causal' : 'none' },
      precision: p.precision,
      lse: lse.subarray(r0, r1),
      mean: mean.subarray(r0 * k, r1 * k),
    }),
  );
  requireRepresentable(p, lse, 'softmaxMean');
  requireNonEmpty(lse);
  if (scales !== null) for (let i = 0; i < p.x.n; i++) for (let c = 0; c < v.d; c++) mean[i * v.d + c] *= scales[c];
  for (let i = 0; i < mean.length; i++) {
    if (!Number.isFinite(mean[i]))
      throw new OverflowError(`softmaxMean: the mean of query ${Math.floor(i / v.d)}, column ${i % v.d} is not representable (${mean[i]})`);
  }
  return { lse, mean };
}

/** Options of interactionEnergy. */
export interface EnergyOptions {
  /** Inverse temperature beta, a finite number > 0. Required. */
  beta: number;
  /**
   * Compute backend, 'wasm' or 'js'. Default: the one chosen by init() ('wasm' unless init({ backend: 'js' })); 'wasm' throws
   * NotInitializedError before init().
   */
  backend?: BackendName;
  /** Kernel arithmetic: 'f64' (default) or 'f32'. The result is always a float64 number. */
  precision?: Precision;
}

export const ENERGY_SCHEMA = optionsSchema<EnergyOptions>()({
  beta: rule.positive('inverse temperature beta (required)'),
  backend: KERNEL_RULES.backend,
  precision: KERNEL_RULES.precision,
});

/**
 * E_beta(mu) = (1 / (2 beta)) sum_ij a_i a_j exp(beta <x_i, x_j>) (on the circle <x_i, x_j> = cos(θ_i - θ_j),
 * the energy the circle flow records), and its logarithm computed
 * without forming E (finite and exact where E itself overflows, e.g. beta = 1000 on the sphere).
 * The weights a_i are mu's own (not renormalised). logEnergy is finite for every finite beta > 0
 * whose scores beta <x_i, x_j> stay in the double range (e.g. beta = 1e308 on the sphere); beyond it
 * OverflowError. Throws InvalidArgumentError unless mu is a Measure and options.beta is a finite number > 0,
 * UnknownOptionError for an unknown option.
 */
export function interactionEnergy(
  mu: Measure,
  options: EnergyOptions,
): {
  /** E_beta(mu); Infinity where it overflows (use logEnergy). */
  energy: number;
  /** log E_beta(mu), finite even where energy overflows. */
  logEnergy: number;
} {
  const o = ENERGY_SCHEMA.read('interactionEnergy', requireBetaOptions('interactionEnergy', options));
  if (!(mu instanceof Measure)) throw new InvalidArgumentError('mu', mu, 'must be a Measure');
  const beta = o.beta;
  if (beta === undefined) throw new InvalidArgumentError('beta', beta, 'must be a finite number > 0');
  const lse = logSumExp(mu, mu, { beta, ...(o.backend !== undefined ? { backend: o.backend } : {}), precision: o.precision });
  // log(2 beta) as log 2 + log beta: 2 beta overflows for beta > 9e307.
  const logEnergy = logWeightedSumExp(lse, mu.weights) - (Math.LN2 + Math.log(beta));
  if (!Number.isFinite(logEnergy))
    throw new OverflowError(`interactionEnergy: log E_beta is ${logEnergy} for beta = ${beta}: beyond the double range`);
  return { energy: Math.exp(logEnergy), logEnergy };
}

/** log sum_i w_i exp(v_i), max-shifted; entries with w_i = 0 are skipped. Internal helper of the energies. */
export function logWeightedSumExp(v: Float64Array, w: Float64Array): number {
  let max = -Infinity;
  for (let i = 0; i < v.length; i++) if (w[i] > 0 && v[i] > max) max = v[i];
  let sum = 0;
  for (let i = 0; i < v.length; i++) if (w[i] > 0) sum += w[i] * Math.exp(v[i] - max);
  return max + Math.log(sum);
}
