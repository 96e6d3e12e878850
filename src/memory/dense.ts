// Dense associative memory (Krotov & Hopfield, 2016) on ±1 patterns, with the classical
// Hopfield network as the case F(x) = x^2.
//
// Conventions. Patterns ξ_1..ξ_K are rows of a K x d row-major array with entries ±1;
// states σ are length-d arrays of ±1 (Int8Array or Float64Array or number[] in, Int8Array
// out, inputs never mutated). The energy is E(σ) = -Σ_μ F(<ξ_μ, σ>), unnormalised.
// Neuron i is updated by the Krotov–Hopfield rule
//   σ_i <- sign( Σ_μ F(ξ_μi + h_μi) - F(-ξ_μi + h_μi) ),   h_μi = Σ_{j≠i} ξ_μj σ_j,
// keeping σ_i on a tie. The rule sets σ_i to the value of lower energy with the other
// neurons fixed, so an asynchronous update never raises the energy, for every F (convexity
// is not needed; odd powers included), and lowers it strictly on every flip. Synchronous
// updates carry no such guarantee and can oscillate with period 2.
import { InvalidArgumentError, OverflowError } from '../errors.js';
import { Random, requireSeed } from '../random.js';
import { optionsSchema, rule } from '../options.js';
import { checkElements, integerAtLeast, oneOf, readOptions } from '../validate.js';

/** F(x) = x^p for an integer p >= 1 (p = 2: classical Hopfield), or F(x) = exp(x). */
export type Separation =
  | {
      /** Polynomial separation F(x) = x^p. */
      kind: 'power';
      /** The exponent p, an integer >= 1 (InvalidArgumentError otherwise). */
      p: number;
    }
  | {
      /** Exponential separation F(x) = exp(x) (Demircigil et al. 2017). */
      kind: 'exp';
    };

/** K x d patterns: number[][] (rows), or flat row-major Int8Array / Float64Array / number[] with `dim`. */
export type PatternsInput = Int8Array | Float64Array | number[] | number[][];

/** A ±1 state of length d. */
export type StateInput = Int8Array | Float64Array | number[];

/** Options of {@link denseMemory}. */
export interface DenseMemoryOptions {
  /** The K >= 1 stored patterns, entries exactly ±1 (InvalidArgumentError otherwise); copied, never mutated. */
  patterns: PatternsInput;
  /** Pattern length d; required for flat patterns, checked against the row length otherwise. */
  dim?: number;
  /** Default { kind: 'power', p: 2 }, the classical Hopfield network. */
  separation?: Separation;
}

/** Options of {@link DenseMemory.updateAsync}. */
export interface AsyncOptions {
  /** Seed of the random neuron order (a fresh permutation every sweep). Required. */
  seed: number;
  /** At most this many sweeps (d single-neuron updates each). Default 100. */
  sweeps?: number;
  /** Called after every single flip with the flipped neuron and the live state (do not mutate it). */
  onFlip?: (neuron: number, state: Int8Array) => void;
}

/** Result of {@link DenseMemory.updateAsync}. */
export interface AsyncResult {
  /** The final ±1 state, length d (a new array; the input is not mutated). */
  state: Int8Array;
  /** Sweeps run, counting the final sweep that changed nothing when converged. */
  sweeps: number;
  /** Total number of neurons flipped. */
  changed: number;
  /** True when the last sweep changed nothing: the state is a fixed point of the rule. */
  converged: boolean;
}

/** Options of {@link DenseMemory.updateSync}. */
export interface SyncOptions {
  /** At most this many synchronous steps. Default 100. */
  steps?: number;
}

/** Result of {@link DenseMemory.updateSync}. */
export interface SyncResult {
  /** The final ±1 state, length d (a new array; the input is not mutated). */
  state: Int8Array;
  /** Steps run, counting the final step that changed nothing when converged. */
  steps: number;
  /** True when the last step reproduced its input: a fixed point. */
  converged: boolean;
}

/** Options of {@link DenseMemory.retrieve}. */
export interface RetrieveOptions {
  /** 'async' (default; needs seed) or 'sync'. */
  mode?: 'async' | 'sync';
  /** Seed of the random neuron order; required in 'async' mode (InvalidArgumentError if missing). */
  seed?: number;
  /** At most this many sweeps in 'async' mode. Default 100. */
  sweeps?: number;
  /** At most this many synchronous steps in 'sync' mode. Default 100. */
  steps?: number;
}

/** Result of {@link DenseMemory.retrieve}. */
export interface RetrieveResult {
  /** The final ±1 state, length d. */
  state: Int8Array;
  /** Index of the first stored pattern equal to the final state, or -1 (spurious or mixture state). */
  match: number;
  /** True when the dynamics reached a fixed point within the budget. */
  converged: boolean;
  /** Sweeps (async) or steps (sync) run. */
  passes: number;
}

/** A dense associative memory over ±1 patterns, built by {@link denseMemory}. States must have length d. */
export interface DenseMemory {
  /** Pattern length d (number of neurons). */
  readonly dim: number;
  /** Number of stored patterns K. */
  readonly size: number;
  /** The separation function F of the energy and update rule. */
  readonly separation: Separation;
  /** A copy of the patterns, K x d row-major. */
  readonly patterns: Int8Array;
  /** E(σ) = -Σ_μ F(<ξ_μ, σ>). OverflowError when it leaves the double range ('exp' with an overlap beyond ~709, large powers). */
  energy(state: StateInput): number;
  /** Overlaps <ξ_μ, σ> for every μ (integers in [-d, d]). */
  overlaps(state: StateInput): Float64Array;
  /** Asynchronous sweeps in a seeded random order; O(K) per neuron update. Stops at a quiet sweep. */
  updateAsync(state: StateInput, options: AsyncOptions): AsyncResult;
  /** Synchronous steps: every neuron from the same old state; O(K d) per step. Stops at a fixed point. */
  updateSync(state: StateInput, options?: SyncOptions): SyncResult;
  /** Runs the dynamics from `query` and reports which stored pattern (if any) it reached. */
  retrieve(query: StateInput, options?: RetrieveOptions): RetrieveResult;
}

/** The options of denseMemory; patterns (required) and dim are read together by readPatterns. */
const DENSE_OPTIONS = optionsSchema<DenseMemoryOptions>()({
  patterns: rule.custom('the K >= 1 stored patterns, entries exactly ±1 (required)', (_name, v) => v as PatternsInput),
  dim: rule.custom('pattern length d; required for flat patterns', (_name, v) => v as number),
  separation: separationRule(),
});
const ASYNC_OPTIONS = optionsSchema<AsyncOptions>()({
  seed: rule.custom('seed of the random neuron order (required)', requireSeed),
  sweeps: rule.integer(1, 'at most this many sweeps').or(100),
  onFlip: rule.fn<(neuron: number, state: Int8Array) => void>('called after every single flip'),
});
const SYNC_OPTIONS = optionsSchema<SyncOptions>()({ steps: rule.integer(1, 'at most this many synchronous steps').or(100) });
/** Each mode uses one of sweeps / steps; the other is still checked, so a bad value never passes silently. */
const RETRIEVE_OPTIONS = optionsSchema<RetrieveOptions>()({
  mode: rule.oneOf(['async', 'sync'] as const, "'async' (needs seed) or 'sync'").or('async'),
  seed: rule.custom("seed of the random neuron order; required in 'async' mode, checked there", (_name, v) => v as number),
  sweeps: rule.integer(1, "at most this many sweeps in 'async' mode (default 100)"),
  steps: rule.integer(1, "at most this many synchronous steps in 'sync' mode (default 100)"),
});

/**
 * A dense associative memory. Per-neuron updates use incrementally kept overlaps. For
 * powers the sign decision is exact integer arithmetic while K·d^p < 2^52; beyond (any
 * integer p, 2^32 + 3 included) the integer coefficients of every power base k^p are
 * gathered exactly and compared scaled by the largest base, Σ_k c_k (k / k_max)^p, so the
 * largest bases decide without overflow; for 'exp' it compares Σ_μ ±exp(h_μ - max h);
 * both treat relative differences below 1e-12 as ties.
 * Throws InvalidArgumentError for entries other than ±1, a missing or inconsistent `dim`,
 * unknown option keys or an invalid separation; ResourceError when K·d exceeds LIMITS.
 */
export function denseMemory(options: DenseMemoryOptions): DenseMemory {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', options, 'must be { patterns, dim?, separation? }');
  const o = DENSE_OPTIONS.read('denseMemory', options);
  const { data: xi, n: K, d } = readPatterns(o.patterns, o.dim);
  const separation: Separation = { ...o.separation }; // a copy: the default is shared
  const xiT = new Int8Array(K * d); // d x K, so a neuron's column is contiguous
  for (let m = 0; m < K; m++) for (let i = 0; i < d; i++) xiT[i * K + m] = xi[m * d + i];
  const F = separation.kind === 'exp' ? Math.exp : (x: number) => ipow(x, separation.p);
  const p = separation.kind === 'power' ? separation.p : 0;
  // Exact integer sums while K·d^p < 2^52: F(h+1) - F(h-1) as a table over h in [-d, d] (offset d).
  const exact = separation.kind === 'power' && Math.log(K) + p * Math.log(d) < 52 * Math.LN2;
  const gain = exact ? Float64Array.from({ length: 2 * d + 1 }, (_, k) => F(k - d + 1) - F(k - d - 1)) : null;
  // Beyond: integer coefficients per base |h ± 1| in [0, d], and ln k for the scaled comparison.
  const coef = new Float64Array(d + 1);
  const logBase = Float64Array.from({ length: d + 1 }, (_, k) => Math.log(k));
  const odd = p % 2 === 1;
  const h = new Float64Array(K);

  /** The preferred value of neuron i (+1, -1, or 0 for a tie) given overlaps m and state s. */
  function field(i: number, m: Float64Array, s: Int8Array): number {
    const col = i * K;
    const si = s[i];
    if (gain !== null) {
      let total = 0;
      for (let mu = 0; mu < K; mu++) {
        const x = xiT[col + mu];
        total += x * gain[m[mu] - x * si + d];
      }
      return total > 0 ? 1 : total < 0 ? -1 : 0;
    }
    if (separation.kind === 'power') {
      // Σ_μ x_μ ((h_μ + 1)^p - (h_μ - 1)^p) = Σ_k c_k k^p with integer c_k (exact: |c_k| <= 2K).
      coef.fill(0);
      for (let mu = 0; mu < K; mu++) {
        const x = xiT[col + mu];
        const hm = m[mu] - x * si;
        const up = hm + 1, down = hm - 1;
        coef[Math.abs(up)] += odd && up < 0 ? -x : x;
        coef[Math.abs(down)] -= odd && down < 0 ? -x : x;
      }
      let kTop = 0;
      for (let k = d; k >= 1; k--) if (coef[k] !== 0) { kTop = k; break; }
      if (kTop === 0) return 0; // 0^p = 0: only the base 0 is left
      let total = 0, size = 0;
      for (let k = kTop; k >= 1; k--) {
        if (coef[k] === 0) continue;
        const w = k === kTop ? 1 : Math.exp(p * (logBase[k] - logBase[kTop]));
        if (w === 0) break; // smaller bases underflow further
        total += coef[k] * w;
        size += Math.abs(coef[k]) * w;
      }
      return Math.abs(total) <= 1e-12 * size ? 0 : total > 0 ? 1 : -1;
    }
    let top = -Infinity;
    for (let mu = 0; mu < K; mu++) {
      h[mu] = m[mu] - xiT[col + mu] * si;
      if (h[mu] > top) top = h[mu];
    }
    let plus = 0;
    let minus = 0;
    for (let mu = 0; mu < K; mu++) {
      const e = Math.exp(h[mu] - top);
      if (xiT[col + mu] > 0) plus += e;
      else minus += e;
    }
    const diff = plus - minus;
    return Math.abs(diff) <= 1e-12 * (plus + minus) ? 0 : diff > 0 ? 1 : -1;
  }

  function overlapsOf(s: Int8Array): Float64Array {
    const m = new Float64Array(K);
    for (let mu = 0; mu < K; mu++) {
      let t = 0;
      for (let i = 0; i < d; i++) t += xi[mu * d + i] * s[i];
      m[mu] = t;
    }
    return m;
  }

  function updateAsync(state: StateInput, options: AsyncOptions): AsyncResult {
    if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', options, 'must be { seed, sweeps?, onFlip? }');
    const o = ASYNC_OPTIONS.read('updateAsync', options);
    const rng = new Random(requireSeed('seed', o.seed)); // required: a missing seed is refused here
    const maxSweeps = o.sweeps;
    const s = readState('state', state, d);
    const m = overlapsOf(s);
    const order = Int32Array.from({ length: d }, (_, i) => i);
    let changed = 0;
    for (let sweep = 1; sweep <= maxSweeps; sweep++) {
      shuffle(order, rng);
      let flips = 0;
      for (const i of order) {
        const want = field(i, m, s);
        if (want === 0 || want === s[i]) continue;
        s[i] = want;
        for (let mu = 0; mu < K; mu++) m[mu] += 2 * want * xiT[i * K + mu];
        flips++;
        o.onFlip?.(i, s);
      }
      changed += flips;
      if (flips === 0) return { state: s, sweeps: sweep, changed, converged: true };
    }
    return { state: s, sweeps: maxSweeps, changed, converged: false };
  }

  function updateSync(state: StateInput, options?: SyncOptions): SyncResult {
    const maxSteps = SYNC_OPTIONS.read('updateSync', options).steps;
    let s = readState('state', state, d);
    for (let step = 1; step <= maxSteps; step++) {
      const m = overlapsOf(s);
      const next = s.slice();
      let flips = 0;
      for (let i = 0; i < d; i++) {
        const want = field(i, m, s);
        if (want !== 0 && want !== s[i]) {
          next[i] = want;
          flips++;
        }
      }
      if (flips === 0) return { state: s, steps: step, converged: true };
      s = next;
    }
    return { state: s, steps: maxSteps, converged: false };
  }

  function retrieve(query: StateInput, options?: RetrieveOptions): RetrieveResult {
    const { mode, seed, sweeps, steps } = RETRIEVE_OPTIONS.read('retrieve', options);
    const run = mode === 'async' ? updateAsync(query, { seed: seed as number, sweeps }) : updateSync(query, { steps });
    const passes = 'sweeps' in run ? run.sweeps : run.steps;
    return { state: run.state, match: findPattern(xi, K, d, run.state), converged: run.converged, passes };
  }

  return {
    dim: d,
    size: K,
    separation,
    patterns: xi.slice(),
    energy(state) {
      const m = overlapsOf(readState('state', state, d));
      let e = 0;
      for (let mu = 0; mu < K; mu++) e -= F(m[mu]);
      if (!Number.isFinite(e)) throw new OverflowError(`denseMemory energy: -Σ F(overlap) leaves the double range (largest |overlap| ${Math.max(...Array.from(m, Math.abs))}, separation ${separation.kind === 'exp' ? 'exp' : `x^${p}`}); compare overlaps() instead`);
      return e;
    },
    overlaps: (state) => overlapsOf(readState('state', state, d)),
    updateAsync,
    updateSync,
    retrieve,
  };
}

// ---- helpers ----

/** The rule of a `separation` option (default x², the classical Hopfield network); callers copy the default. */
export function separationRule() {
  const doc = "the separation F: { kind: 'power', p } or { kind: 'exp' }";
  return rule.custom<Separation>(doc, (_name, v) => readSeparation(v)).or({ kind: 'power', p: 2 });
}

/** A Separation option, checked. */
export function readSeparation(value: unknown): Separation {
  if (value === null || typeof value !== 'object') throw new InvalidArgumentError('separation', value, "must be { kind: 'power', p } or { kind: 'exp' }");
  const s = value as { kind?: unknown; p?: unknown };
  const kind = oneOf('separation.kind', s.kind, ['power', 'exp'] as const);
  readOptions(`${kind} separation`, value, kind === 'exp' ? ['kind'] : ['kind', 'p']);
  if (kind === 'exp') return { kind };
  return { kind, p: integerAtLeast('separation.p', s.p, 1) };
}

function readPatterns(value: unknown, dim: unknown): { data: Int8Array; n: number; d: number } {
  if (Array.isArray(value) && value.length > 0 && Array.isArray(value[0])) {
    const rows = value as unknown[];
    const d = integerAtLeast('patterns[0].length', (rows[0] as unknown[]).length, 1);
    checkElements('patterns', rows.length * d, 1);
    if (dim !== undefined && dim !== d) throw new InvalidArgumentError('dim', dim, `must equal the row length ${d} of patterns`);
    const data = new Int8Array(rows.length * d);
    rows.forEach((row, r) => {
      if (!Array.isArray(row) || row.length !== d) throw new InvalidArgumentError(`patterns[${r}]`, row, `must be an array of length ${d} like every row`);
      for (let c = 0; c < d; c++) data[r * d + c] = spin('patterns', row[c], r * d + c, ` (pattern ${r}, entry ${c})`);
    });
    return { data, n: rows.length, d };
  }
  const flat = flatArray('patterns', value);
  if (flat.length === 0) throw new InvalidArgumentError('patterns', value, 'must hold at least one pattern');
  if (dim === undefined) throw new InvalidArgumentError('dim', dim, 'is required when patterns is a flat array');
  const d = integerAtLeast('dim', dim, 1);
  checkElements('patterns', flat.length, 1);
  if (flat.length % d !== 0) throw new InvalidArgumentError('patterns.length', flat.length, `must be a multiple of dim = ${d}`);
  const data = new Int8Array(flat.length);
  for (let k = 0; k < flat.length; k++) data[k] = spin('patterns', flat[k], k, ` (pattern ${Math.floor(k / d)}, entry ${k % d})`);
  return { data, n: flat.length / d, d };
}

function readState(name: string, value: unknown, d: number): Int8Array {
  const flat = flatArray(name, value);
  if (flat.length !== d) throw new InvalidArgumentError(`${name}.length`, flat.length, `must equal the pattern length ${d}`);
  const s = new Int8Array(d);
  for (let i = 0; i < d; i++) s[i] = spin(name, flat[i], i);
  return s;
}

function flatArray(name: string, value: unknown): ArrayLike<unknown> {
  if (value instanceof Int8Array || value instanceof Float64Array || Array.isArray(value)) return value;
  throw new InvalidArgumentError(name, value, 'must be an Int8Array, a Float64Array or an array of ±1');
}

function spin(name: string, v: unknown, index: number, detail = ''): number {
  if (v === 1 || v === -1) return v;
  throw new InvalidArgumentError(name, v, 'must hold only -1 or +1', `at index ${index}${detail}`);
}

function findPattern(xi: Int8Array, K: number, d: number, s: Int8Array): number {
  outer: for (let mu = 0; mu < K; mu++) {
    for (let i = 0; i < d; i++) if (xi[mu * d + i] !== s[i]) continue outer;
    return mu;
  }
  return -1;
}

/**
 * x^p by repeated squaring for any integer p >= 0 (no 32-bit shifts: p = 2^32 + 3 is not p = 3):
 * exact while every intermediate stays below 2^53, ±Infinity beyond the double range.
 */
export function ipow(x: number, p: number): number {
  let result = 1;
  let base = x;
  for (let e = p; e > 0; e = Math.floor(e / 2)) {
    if (e % 2 === 1) result *= base;
    base *= base;
  }
  return result;
}

function shuffle(a: Int32Array, rng: Random): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.integer(i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
}
