// Linear (correlation-matrix) associative memory: W = Σ_k y_k x_kᵀ.
//
// Conventions. Keys x_k (n x dim) and values y_k (n x valueDim) are row-major; W is
// valueDim x dim, row-major Float64Array. Recall is W x; decoding is top-1 among the stored
// values: argmax_j <y_j, W x>, the lowest index winning a tie.
import { InvalidArgumentError, ResourceError, OverflowError } from '../errors.js';
import { pointSet } from '../points.js';
import { Random, requireSeed } from '../random.js';
import { optionsSchema, rule } from '../options.js';
import { allFinite, checkElements, integerAtLeast, LIMITS, nonNegativeNumber, strictNumbers, toFloat64 } from '../validate.js';

/** Rows as number[][], or a flat row-major Float64Array / number[] with the dimension given. */
export type RowsInput = Float64Array | number[] | number[][];

/** Options of {@link linearMemory}. */
export interface LinearMemoryOptions {
  /** Keys x_k, n x dim (finite reals). */
  keys: RowsInput;
  /** Values y_k, n x valueDim: one row per key (InvalidArgumentError otherwise). */
  values: RowsInput;
  /** Key dimension; required when keys is flat. */
  dim?: number;
  /** Value dimension; required when values is flat. */
  valueDim?: number;
}

/** Rows of numbers (never BigInt), checked in full by pointSet with their dimension. */
const rows = (doc: string) => rule.custom(doc, (name, v) => {
  strictNumbers(name, v);
  return v as RowsInput;
});
// The dimensions are checked with their rows by pointSet (against the rows, or as the width of flat ones).
const dimension = (doc: string) => rule.custom(doc, (_name, v) => v as number);

/** The options of linearMemory; keys and values are required, and read with their dimensions by pointSet. */
const LINEAR_OPTIONS = optionsSchema<LinearMemoryOptions>()({
  keys: rows('keys x_k, n x dim (required)'),
  values: rows('values y_k, n x valueDim, one row per key (required)'),
  dim: dimension('key dimension; required when keys is flat'),
  valueDim: dimension('value dimension; required when values is flat'),
});

/** A linear associative memory, built by {@link linearMemory}. Queries x have length dim. */
export interface LinearMemory {
  /** Key dimension. */
  readonly dim: number;
  /** Value dimension. */
  readonly valueDim: number;
  /** Number of stored pairs n. */
  readonly size: number;
  /** W = Σ_k y_k x_kᵀ, valueDim x dim row-major. */
  readonly weights: Float64Array;
  /** W x (length valueDim). */
  recall(x: Float64Array | number[]): Float64Array;
  /** <y_j, W x> for every stored value j (length n). */
  scores(x: Float64Array | number[]): Float64Array;
  /** argmax_j <y_j, W x>: the index of the stored value the query decodes to. */
  retrieveTop1(x: Float64Array | number[]): number;
}

/**
 * Builds the correlation matrix of the pairs (x_k, y_k); O(n · dim · valueDim). Throws InvalidArgumentError for unknown keys,
 * non-numeric or non-finite entries, mismatched rows; ResourceError when W (valueDim x dim) exceeds LIMITS.
 */
export function linearMemory(options: LinearMemoryOptions): LinearMemory {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', options, 'must be { keys, values, dim?, valueDim? }');
  const o = LINEAR_OPTIONS.read('linearMemory', options);
  const keys = pointSet('keys', o.keys, o.dim);
  const values = pointSet('values', o.values, o.valueDim);
  if (values.n !== keys.n) throw new InvalidArgumentError('values', `${values.n} rows`, `must have one row per key (${keys.n} keys)`);
  const { n, d } = keys;
  const v = values.d;
  checkElements('linearMemory weights (valueDim x dim)', v * d);
  const X = keys.data;
  const Y = values.data.slice();
  const W = correlation(X, Y, n, d, v);

  const recall = (x: Float64Array | number[]): Float64Array => {
    if (!Array.isArray(x) && !(x instanceof Float64Array)) throw new InvalidArgumentError('x', x, 'must be a Float64Array or an array of numbers');
    strictNumbers('x', x);
    const q = toFloat64('x', x);
    if (q.length !== d) throw new InvalidArgumentError('x.length', q.length, `must equal the key dimension ${d}`);
    allFinite('x', q);
    const out = matVec(W, q, v, d);
    for (let i = 0; i < out.length; i++) {
      if (!Number.isFinite(out[i])) throw new OverflowError(`linearMemory recall: component ${i} of W x is beyond the double range (${out[i]}); rescale x`);
    }
    return out;
  };
  const scores = (x: Float64Array | number[]): Float64Array => matVec(Y, recall(x), n, v);
  return { dim: d, valueDim: v, size: n, weights: W, recall, scores, retrieveTop1: (x) => argmax(scores(x)) };
}

/** Options of {@link linearCapacity}. */
export interface LinearCapacityOptions {
  /** Dimension d of keys and values (W is d x d: d² parameters). */
  dim: number;
  /** Loads n/d²; n = max(1, round(load · d²)). Give loads or counts, not both. */
  loads?: number[];
  /** Numbers of stored pairs n. */
  counts?: number[];
  /** Independent draws per n. Default 1. */
  trials?: number;
  /** Seed of the random keys and values. Required. */
  seed: number;
}

/** A non-empty array, its entries checked by `entry`. */
const list = (doc: string, entry: (name: string, x: unknown) => number) => rule.custom(doc, (name, v) => {
  if (!Array.isArray(v) || v.length === 0) throw new InvalidArgumentError(name, v, 'must be a non-empty array');
  return v.map((x, i) => entry(`${name}[${i}]`, x));
});

/** The options of linearCapacity; dim and seed are required, and one of loads, counts. */
const CAPACITY_OPTIONS = optionsSchema<LinearCapacityOptions>()({
  dim: rule.integer(1, 'dimension d of keys and values (required)'),
  loads: list('loads n/d², n = max(1, round(load d²)); give loads or counts, not both', nonNegativeNumber),
  counts: list('numbers of stored pairs n', (name, x) => integerAtLeast(name, x, 1)),
  trials: rule.integer(1, 'independent draws per n').or(1),
  seed: rule.custom('seed of the random keys and values (required)', requireSeed),
});

/** Result of {@link linearCapacity}; the arrays are indexed alike. */
export interface LinearCapacityResult {
  /** Dimension d of keys and values. */
  dim: number;
  /** Numbers of stored pairs n tried (derived from loads when those were given). */
  counts: number[];
  /** n / d² for each count. */
  loads: number[];
  /** Per n: fraction of stored keys whose top-1 decoding returns their own index. */
  accuracy: number[];
  /** The n solving n ln n = d²: the scale below which recall is near perfect (constants aside). */
  transition: number;
}

/**
 * Top-1 recall experiment: n pairs with keys and values i.i.d. N(0, I/d) in dimension d
 * (seeded), W = Σ y xᵀ, and every stored key decoded by argmax_j <y_j, W x_k>. Theory
 * (Cabannes, Dohmatob & Bietti 2024, "Scaling laws for associative memories"): recall is
 * near perfect while n ln n ≲ d² and degrades beyond. Cost O(n d² + n² d) per trial; ResourceError when n·d or
 * trials·(n d² + n² d) exceeds LIMITS.
 */
export function linearCapacity(options: LinearCapacityOptions): LinearCapacityResult {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', options, 'must be { dim, loads | counts, trials?, seed }');
  const { dim, trials, seed, loads, counts } = CAPACITY_OPTIONS.read('linearCapacity', options);
  const d = CAPACITY_OPTIONS.rules.dim.check('dim', dim); // required: a missing dim is refused here
  const rng = new Random(requireSeed('seed', seed));
  if ((loads === undefined) === (counts === undefined)) throw new InvalidArgumentError('loads', loads, 'must be given, or counts, but not both');
  const ns = loads !== undefined ? loads.map((load) => Math.max(1, Math.round(load * d * d))) : counts!;
  checkElements('linearCapacity weights (d x d)', d * d);
  for (const n of ns) {
    checkElements(`linearCapacity with n = ${n} pairs`, n * d);
    const work = trials * (n * d * d + n * n * d);
    if (!(work <= LIMITS.maxPairWork)) throw new ResourceError(`linearCapacity with n = ${n} pairs in dimension ${d}`, work * 8, LIMITS.maxPairWork * 8);
  }
  const scale = 1 / Math.sqrt(d);
  const accuracy = ns.map((n) => {
    let hits = 0;
    for (let t = 0; t < trials; t++) {
      const X = Float64Array.from({ length: n * d }, () => rng.normal() * scale);
      const Y = Float64Array.from({ length: n * d }, () => rng.normal() * scale);
      const W = correlation(X, Y, n, d, d);
      for (let k = 0; k < n; k++) {
        const s = matVec(Y, matVec(W, X.subarray(k * d, (k + 1) * d), d, d), n, d);
        if (argmax(s) === k) hits++;
      }
    }
    return hits / (n * trials);
  });
  return { dim: d, counts: ns, loads: ns.map((n) => n / (d * d)), accuracy, transition: solveNLogN(d * d) };
}

/** W (v x d) = Σ_k y_k x_kᵀ. */
function correlation(X: Float64Array, Y: Float64Array, n: number, d: number, v: number): Float64Array {
  const W = new Float64Array(v * d);
  for (let k = 0; k < n; k++) {
    for (let a = 0; a < v; a++) {
      const y = Y[k * v + a];
      const row = a * d;
      for (let b = 0; b < d; b++) W[row + b] += y * X[k * d + b];
    }
  }
  return W;
}

/** A (rows x cols, row-major) times x. */
function matVec(A: Float64Array, x: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < cols; c++) s += A[r * cols + c] * x[c];
    out[r] = s;
  }
  return out;
}

function argmax(s: Float64Array): number {
  let best = 0;
  for (let j = 1; j < s.length; j++) if (s[j] > s[best]) best = j;
  return best;
}

/** The n >= 1 with n ln n = c (Newton from n = c / ln c, or c for small c). */
function solveNLogN(c: number): number {
  let n = c > Math.E ? c / Math.log(c) : Math.max(1, c);
  for (let it = 0; it < 50; it++) n = Math.max(1, n - (n * Math.log(n) - c) / (Math.log(n) + 1));
  return n;
}
