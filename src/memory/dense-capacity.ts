// The retrieval capacity of dense associative memories (dense.ts), measured: store random patterns, corrupt
// them, retrieve, count exact recoveries.
import { InvalidArgumentError } from '../errors.js';
import { Random, requireSeed } from '../random.js';
import { optionsSchema, rule } from '../options.js';
import { checkElements, integerAtLeast, nonNegativeNumber } from '../validate.js';
import { denseMemory, separationRule, type Separation } from './dense.js';

/** Options of {@link denseCapacity}. */
export interface DenseCapacityOptions {
  /** Pattern length d. */
  dim: number;
  /** Numbers of stored patterns K to try. */
  counts: number[];
  /** Default { kind: 'power', p: 2 }. */
  separation?: Separation;
  /** Fraction of the d bits flipped in each query (round(flipFraction·d) distinct bits). Default 0.1. */
  flipFraction?: number;
  /** Independent pattern sets per K. Default 1. */
  trials?: number;
  /** Seed of the patterns, corruptions and async neuron orders. Required. */
  seed: number;
  /** Default 'async'. */
  mode?: 'async' | 'sync';
  /** Patterns queried per trial (the first ones). Default: all K. */
  queries?: number;
  /** Budget per async retrieval, in sweeps. Default 100. */
  sweeps?: number;
  /** Budget per sync retrieval, in steps. Default 100. */
  steps?: number;
}

/** Result of {@link denseCapacity}; the arrays are indexed like `counts`. */
export interface DenseCapacityResult {
  /** Pattern length d. */
  dim: number;
  /** The separation function used. */
  separation: Separation;
  /** The update mode used. */
  mode: 'async' | 'sync';
  /** The numbers of stored patterns K tried (a copy of the input). */
  counts: number[];
  /** Bits flipped per query. */
  flips: number;
  /** Independent pattern sets per K. */
  trials: number;
  /** Queries run per K (trials x queried patterns). */
  tested: number[];
  /** Per K: fraction of queries whose final state equals the stored pattern exactly. */
  fraction: number[];
  /** Per K: mean final overlap <ξ, σ>/d with the pattern the query came from. */
  overlap: number[];
}

/** The options of denseCapacity; dim, counts and seed are required. */
const CAPACITY_OPTIONS = optionsSchema<DenseCapacityOptions>()({
  dim: rule.integer(1, 'pattern length d (required)'),
  counts: rule.custom('numbers of stored patterns K to try (required)', (name, v) => {
    if (!Array.isArray(v) || v.length === 0) throw new InvalidArgumentError(name, v, 'must be a non-empty array of integers >= 1');
    return v.map((k, i) => integerAtLeast(`${name}[${i}]`, k, 1));
  }),
  separation: separationRule(),
  flipFraction: rule.custom('fraction of the d bits flipped in each query, in [0, 1]', (name, v) => {
    const f = nonNegativeNumber(name, v);
    if (f > 1) throw new InvalidArgumentError(name, f, 'must be in [0, 1]');
    return f;
  }).or(0.1),
  trials: rule.integer(1, 'independent pattern sets per K').or(1),
  seed: rule.custom('seed of the patterns, corruptions and async neuron orders (required)', requireSeed),
  mode: rule.oneOf(['async', 'sync'] as const, 'the update mode').or('async'),
  queries: rule.integer(1, 'patterns queried per trial, the first ones (default: all K)'),
  sweeps: rule.integer(1, 'budget per async retrieval, in sweeps').or(100),
  steps: rule.integer(1, 'budget per sync retrieval, in steps').or(100),
});

/**
 * Retrieval experiment: for each K in counts, `trials` times, store K uniform random ±1
 * patterns, flip round(flipFraction·d) distinct bits of each queried pattern, run the
 * dynamics and count exact recoveries. Patterns and corruptions come from one seeded
 * stream and the async orders from another, so the same seed gives the same patterns
 * and queries for every separation and mode: curves for different p are paired (loop
 * over separations yourself to compare them). Theory (Krotov & Hopfield 2016; Demircigil
 * et al. 2017): exact-retrieval capacity ~ d/(2 ln d) for p = 2, grows like d^(p-1)/ln d
 * for F = x^p, and is exponential in d for F = exp.
 */
export function denseCapacity(options: DenseCapacityOptions): DenseCapacityResult {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', options, 'must be { dim, counts, seed, ... }');
  const o = CAPACITY_OPTIONS.read('denseCapacity', options);
  // The required ones, refused here when missing (a given value was checked by read).
  const d = CAPACITY_OPTIONS.rules.dim.check('dim', o.dim);
  const counts = CAPACITY_OPTIONS.rules.counts.check('counts', o.counts);
  counts.forEach((k, i) => checkElements(`counts[${i}] patterns`, k * d, 1));
  const master = new Random(requireSeed('seed', o.seed));
  const separation: Separation = { ...o.separation }; // a copy: the default is shared
  const { flipFraction, trials, mode, sweeps, steps } = o;
  const queries = o.queries ?? Infinity;
  const flips = Math.round(flipFraction * d);
  const data = new Random(master.nextUint32());
  const orders = new Random(master.nextUint32());
  const positions = Int32Array.from({ length: d }, (_, i) => i);

  const tested: number[] = [];
  const fraction: number[] = [];
  const overlap: number[] = [];
  for (const K of counts) {
    let hits = 0;
    let runs = 0;
    let overlapSum = 0;
    for (let t = 0; t < trials; t++) {
      const patterns = randomSpins(data, K * d);
      const memory = denseMemory({ patterns, dim: d, separation });
      for (let mu = 0; mu < Math.min(K, queries); mu++) {
        const target = patterns.subarray(mu * d, (mu + 1) * d);
        const query = target.slice();
        for (let f = 0; f < flips; f++) {
          const j = f + data.integer(d - f); // partial Fisher–Yates: distinct positions
          [positions[f], positions[j]] = [positions[j], positions[f]];
          query[positions[f]] = -query[positions[f]];
        }
        const run = memory.retrieve(query, { mode, seed: orders.nextUint32(), sweeps, steps });
        let dot = 0;
        for (let i = 0; i < d; i++) dot += run.state[i] * target[i];
        if (dot === d) hits++;
        overlapSum += dot / d;
        runs++;
      }
    }
    tested.push(runs);
    fraction.push(hits / runs);
    overlap.push(overlapSum / runs);
  }
  return { dim: d, separation, mode, counts: counts.slice(), flips, trials, tested, fraction, overlap };
}

function randomSpins(rng: Random, length: number): Int8Array {
  const out = new Int8Array(length);
  for (let k = 0; k < length; k += 32) {
    const bits = rng.nextUint32();
    for (let b = 0; b < 32 && k + b < length; b++) out[k + b] = (bits >>> b) & 1 ? 1 : -1;
  }
  return out;
}
