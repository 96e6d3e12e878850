// Modern Hopfield network (Ramsauer et al., 2021). Patterns x_1..x_K in R^d (rows of X);
// a state xi has energy
//   E(xi) = -(1/beta) log sum_k exp(beta <x_k, xi>) + |xi|^2 / 2 + (1/beta) log K + M^2 / 2,
// M = max_k |x_k| (the constant makes E >= 0), and is retrieved by the update
//   xi <- X softmax(beta X^T xi),
// a concave-convex step that never increases E. Both are the one streaming kernel with
// score 'dot', keys = values = patterns: batches of queries in one call, no K x q matrix.
import { backendFor } from '../backend/index.js';
import { InvalidArgumentError, OverflowError } from '../errors.js';
import type { EvalOptions } from '../flows/flow.js';
import { Measure } from '../measure.js';
import { pointSet, type PointsInput } from '../points.js';
import { Random, requireSeed } from '../random.js';
import { EVAL_RULES, readEval } from '../flows/eval-options.js';
import { optionsSchema, rule } from '../options.js';
import { checkElements, integerAtLeast, strictNumbers } from '../validate.js';

/** Options of {@link hopfield}. */
export interface HopfieldOptions {
  /** K x d patterns (number[][], a Measure's points, or flat with dim). */
  patterns: PointsInput;
  /** Pattern dimension d; required for flat patterns, checked against the rows otherwise. */
  dim?: number;
  /** Inverse temperature beta > 0. */
  beta: number;
}

/** Options of {@link Hopfield.retrieve} (exported as `HopfieldRetrieveOptions`). */
export interface RetrieveOptions extends EvalOptions {
  /** Updates at most. Default 1 (one step retrieves well-separated patterns). */
  maxSteps?: number;
  /** Stop when no coordinate of any query moves by more than tol (max-norm). Default 1e-12. */
  tol?: number;
}

/** The options of hopfield; patterns and dim are read together by pointSet, beta is required. */
const HOPFIELD_OPTIONS = optionsSchema<HopfieldOptions>()({
  patterns: rule.custom('the stored patterns, K x d: rows, or flat with dim (required)', (name, v) => {
    strictNumbers(name, v);
    if (Array.isArray(v) && v.length === 0) throw new InvalidArgumentError(name, v, 'must hold at least one pattern');
    return v as PointsInput;
  }),
  // Checked with the patterns by pointSet (against the rows, or as the width of flat patterns).
  dim: rule.custom('pattern dimension d; required for flat patterns', (_name, v) => v as number),
  beta: rule.positive('inverse temperature beta > 0 (required)'),
});
const RETRIEVE_OPTIONS = optionsSchema<RetrieveOptions>()({
  maxSteps: rule.integer(1, 'updates at most').or(1),
  tol: rule.positive('stop when no coordinate of any query moves by more than tol (max-norm)').or(1e-12),
  ...EVAL_RULES,
});

/** Result of {@link Hopfield.retrieve}. */
export interface Retrieval {
  /** Final states, q x d row-major. */
  states: Float64Array;
  /** Updates run. */
  steps: number;
  /** Index of the stored pattern with the largest overlap <x_k, xi> for each final state. */
  nearest: Int32Array;
  /** Energy E(xi) of each final state (length q; >= 0 up to rounding, by the choice of constant). */
  energy: Float64Array;
}

/**
 * A modern Hopfield network, built by {@link hopfield}. Queries are q x d (number[][], a
 * Measure, or flat row-major with the patterns' d); states are real vectors, not ±1.
 */
export interface Hopfield {
  /** The stored patterns, K x d row-major. */
  readonly patterns: Float64Array;
  /** Number of stored patterns K. */
  readonly size: number;
  /** Pattern dimension d. */
  readonly dim: number;
  /** Inverse temperature beta > 0. */
  readonly beta: number;
  /** E(xi) for every row of the queries (length q). */
  energy(queries: PointsInput, options?: EvalOptions): Float64Array;
  /** One update of every query: X softmax(beta X^T xi). Returns q x d row-major. */
  update(queries: PointsInput, options?: EvalOptions): Float64Array;
  /** Repeated updates from the queries until they stop moving or maxSteps is reached; inputs are not mutated. */
  retrieve(queries: PointsInput, options?: RetrieveOptions): Retrieval;
}

/**
 * A modern Hopfield network storing the rows of `patterns` at inverse temperature beta.
 * Throws InvalidArgumentError for empty or non-finite patterns, a bad `dim` or beta <= 0.
 */
export function hopfield(options: HopfieldOptions): Hopfield {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', options, 'must be { patterns, beta }');
  const o = HOPFIELD_OPTIONS.read('hopfield', options);
  const { data: X, n: K, d } = pointSet('patterns', o.patterns, o.dim);
  const beta = HOPFIELD_OPTIONS.rules.beta.check('beta', o.beta); // required: a missing beta is refused here
  let M2 = 0;
  for (let k = 0; k < K; k++) {
    let r = 0;
    for (let c = 0; c < d; c++) r += X[k * d + c] ** 2;
    M2 = Math.max(M2, r);
  }
  const constant = Math.log(K) / beta + M2 / 2;
  if (!Number.isFinite(constant)) throw new OverflowError(`hopfield: the squared pattern norm ${M2} leaves the double range; rescale the patterns`);
  const logK = Math.log(K), halfM2 = M2 / 2;
  /**
   * (1/beta) log mean_k e^{beta <x_k, xi>} where beta |x_k| |xi| <= 1e-4: its expansion mean + beta var / 2
   * (relative error below 2e-9). Through lse the difference lse - log K would be rounding noise of
   * size 1e-16 log K, divided by a tiny beta.
   */
  const smallBetaLogMean = (x: Float64Array, i: number): number => {
    let mean = 0, sq = 0;
    for (let k = 0; k < K; k++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += X[k * d + c] * x[i * d + c];
      mean += s; sq += s * s;
    }
    mean /= K;
    return mean + (beta / 2) * Math.max(0, sq / K - mean * mean);
  };

  const queriesOf = (q: PointsInput) => {
    strictNumbers('queries', q);
    const p = pointSet('queries', q, Array.isArray(q) && Array.isArray(q[0]) ? undefined : d);
    if (p.d !== d) throw new InvalidArgumentError('queries', `states of dimension ${p.d}`, `must have the patterns' dimension ${d}`);
    return p;
  };
  const reduce = (x: Float64Array, n: number, mean: Float64Array | null, lse: Float64Array, opts: EvalOptions) => {
    backendFor(opts.backend, 'hopfield').softmaxReduce({
      x, n, y: X, m: K, d, logWeights: null, values: mean === null ? null : X, k: mean === null ? 0 : d,
      beta, score: 'dot', mask: { kind: 'none' }, precision: opts.precision ?? 'f64', lse, mean,
    });
  };
  const energyOf = (x: Float64Array, n: number, opts: EvalOptions, lse = new Float64Array(n)) => {
    reduce(x, n, null, lse, opts);
    const e = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let r = 0;
      for (let c = 0; c < d; c++) r += x[i * d + c] ** 2;
      const logMean = beta * Math.sqrt(M2 * r) <= 1e-4 ? smallBetaLogMean(x, i) : (lse[i] - logK) / beta;
      e[i] = -logMean + r / 2 + halfM2;
      if (!Number.isFinite(e[i])) throw new OverflowError(`hopfield energy: not representable for query ${i} (|xi|^2 = ${r}, lse = ${lse[i]}); rescale the queries or beta`);
    }
    return e;
  };

  return {
    patterns: X, size: K, dim: d, beta,
    energy(queries, optsIn) {
      const opts = readEval('energy', optsIn);
      const q = queriesOf(queries);
      return energyOf(q.data, q.n, opts);
    },
    update(queries, optsIn) {
      const opts = readEval('update', optsIn);
      const q = queriesOf(queries);
      const out = new Float64Array(q.n * d);
      reduce(q.data, q.n, out, new Float64Array(q.n), opts);
      return out;
    },
    retrieve(queries, optsIn) {
      const opts = RETRIEVE_OPTIONS.read('retrieve', optsIn);
      const q = queriesOf(queries);
      const { maxSteps, tol } = opts;
      let state = Float64Array.from(q.data);
      let next = new Float64Array(state.length);
      const lse = new Float64Array(q.n);
      let steps = 0;
      while (steps < maxSteps) {
        reduce(state, q.n, next, lse, opts);
        steps++;
        let moved = 0;
        for (let i = 0; i < state.length; i++) moved = Math.max(moved, Math.abs(next[i] - state[i]));
        [state, next] = [next, state];
        if (moved <= tol) break;
      }
      return { states: state, steps, nearest: nearestPatterns(X, K, d, state, q.n), energy: energyOf(state, q.n, opts) };
    },
  };
}

/** argmax_k <x_k, xi_i> for every state (exact, O(q K d)). */
export function nearestPatterns(X: Float64Array, K: number, d: number, states: Float64Array, n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = -Infinity;
    for (let k = 0; k < K; k++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += X[k * d + c] * states[i * d + c];
      if (s > best) { best = s; out[i] = k; }
    }
  }
  return out;
}

/** q <- x + noise |x| g/|g| for every row: a query at relative distance `noise` from its pattern. */
export function noisyQueries(rng: Random, X: Float64Array, rows: number[], d: number, noise: number): Float64Array {
  const q = new Float64Array(rows.length * d);
  const g = new Float64Array(d);
  rows.forEach((k, i) => {
    let gn = 0, xn = 0;
    for (let c = 0; c < d; c++) { g[c] = rng.normal(); gn += g[c] ** 2; xn += X[k * d + c] ** 2; }
    const s = noise * Math.sqrt(xn / gn);
    for (let c = 0; c < d; c++) q[i * d + c] = X[k * d + c] + s * g[c];
  });
  return q;
}

/** Options of {@link hopfieldCapacity}. */
export interface HopfieldCapacityOptions extends EvalOptions {
  /** Pattern dimension d (patterns uniform on the unit sphere S^{d-1}). */
  dim: number;
  /** Numbers of stored patterns K to try. */
  counts: number[];
  /** Inverse temperature beta > 0 of the network. */
  beta: number;
  /** Relative noise of the queries, |q - x_k| / |x_k|. Default 0.2. */
  noise?: number;
  /** Queries per K (each a noisy copy of a different stored pattern, at most K). Default 100. */
  queries?: number;
  /** Updates per retrieval. Default 1. */
  steps?: number;
  /** A retrieval succeeds when |xi - x_k| <= tolerance. Default 0.1. */
  tolerance?: number;
  /** Seed of the patterns and the query noise. Required. */
  seed: number;
}

/** Result of {@link hopfieldCapacity}; `fraction` is indexed like `counts`. */
export interface HopfieldCapacity {
  /** Pattern dimension d. */
  dim: number;
  /** The numbers of stored patterns K tried. */
  counts: number[];
  /** Fraction of queries retrieved (final state within tolerance of its own pattern). */
  fraction: number[];
}

/** The options of hopfieldCapacity; seed, dim, counts and beta are required. */
const CAPACITY_OPTIONS = optionsSchema<HopfieldCapacityOptions>()({
  dim: rule.integer(1, 'pattern dimension d (required)'),
  counts: rule.custom('numbers of stored patterns K to try (required)', (name, v) => {
    if (!Array.isArray(v) || v.length === 0) throw new InvalidArgumentError(name, v, 'must be a non-empty array of pattern counts');
    return v.map((k, i) => integerAtLeast(`${name}[${i}]`, k, 1));
  }),
  beta: rule.positive('inverse temperature beta > 0 of the network (required)'),
  noise: rule.positive('relative noise of the queries, |q - x_k| / |x_k|').or(0.2),
  queries: rule.integer(1, 'queries per K').or(100),
  steps: rule.custom('updates per retrieval, an integer in [1, 1e6]', (name, v) => {
    const steps = integerAtLeast(name, v, 1);
    if (steps > 1e6) throw new InvalidArgumentError(name, steps, 'must be at most 1e6');
    return steps;
  }).or(1),
  tolerance: rule.positive('a retrieval succeeds when |xi - x_k| <= tolerance').or(0.1),
  seed: rule.custom('seed of the patterns and the query noise (required)', requireSeed),
  ...EVAL_RULES,
});

/**
 * Fraction of patterns retrieved against the number stored, random patterns on S^{d-1}.
 * Throws InvalidArgumentError for bad options (unknown keys included), ResourceError when K·d exceeds LIMITS.
 */
export function hopfieldCapacity(options: HopfieldCapacityOptions): HopfieldCapacity {
  if (options === undefined) throw new InvalidArgumentError('hopfieldCapacity options', options, 'must give dim, counts, beta and seed');
  const o = CAPACITY_OPTIONS.read('hopfieldCapacity', options);
  // The required ones, refused here when missing (a given value was checked by read).
  const { rules } = CAPACITY_OPTIONS;
  const seed = requireSeed('seed', o.seed);
  const d = rules.dim.check('dim', o.dim);
  const counts = rules.counts.check('counts', o.counts);
  counts.forEach((k, i) => checkElements(`counts[${i}] patterns`, k * d));
  const beta = rules.beta.check('beta', o.beta);
  const { noise, queries, tolerance, steps } = o;
  const rng = new Random(seed);
  const fraction = counts.map((K) => {
    const X = Measure.uniformSphere(K, d, { seed: rng.integer(2 ** 31) }).points;
    const rows = Array.from({ length: Math.min(queries, K) }, (_, i) => Math.floor((i * K) / Math.min(queries, K)));
    const q = noisyQueries(rng, X, rows, d, noise);
    const r = hopfield({ patterns: X, dim: d, beta }).retrieve(q, { maxSteps: steps, backend: o.backend, precision: o.precision });
    let ok = 0;
    rows.forEach((k, i) => {
      let e = 0;
      for (let c = 0; c < d; c++) e += (r.states[i * d + c] - X[k * d + c]) ** 2;
      if (Math.sqrt(e) <= tolerance) ok++;
    });
    return ok / rows.length;
  });
  return { dim: d, counts, fraction };
}
