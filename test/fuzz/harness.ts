// Shared vocabulary of the fuzz suite and the census: what a case is, how one call is
// classified, and the small reference helpers the cases compare against.
import { MeanfieldError } from '../../src/index.js';

/** The five classes of the census. */
export type Klass = 'named' | 'correct' | 'wrong' | 'nonlib' | 'hang';
export const KLASS_NAMES: Record<Klass, string> = {
  named: 'named error (MeanfieldError)',
  correct: 'correct answer',
  wrong: 'silent wrong (wrong / NaN / Infinity / ignored / refused valid input)',
  nonlib: 'non-library error',
  hang: 'hang / death',
};

export interface Verdict {
  klass: Klass;
  /** One line: what happened. */
  detail: string;
}

/**
 * One fuzz case. `run` makes the call; what it returns is scanned for non-finite numbers and
 * then judged against `expect` and `check`. A run may also return a Verdict directly (the CLI
 * cases judge exit codes and files themselves) by returning `verdict(...)`.
 */
export interface Case {
  /** Unique, stable: 'module/function: what'. */
  id: string;
  /** Module for grouping: kernel, measure, random, spaces, flows, simulate, trajectory, analysis, ot, nn, memory, init, cli. */
  group: string;
  /**
   * 'error': the input is invalid, only a MeanfieldError passes (a returned value means it was
   * accepted silently). 'value': the input is valid and documented, only a correct value passes.
   * 'either': edge-valid input: a correct finite value or a MeanfieldError (e.g. OverflowError).
   */
  expect: 'error' | 'value' | 'either';
  run: () => unknown;
  /** null when the value is right, else what is wrong. Runs only on returned values. */
  check?: (result: any) => string | null;
  /** Paths (as printed by the scan, e.g. '.energy') where a non-finite number is allowed. */
  allowNonFinite?: (path: string, value: number) => boolean;
  /** Per-case time limit in ms (default 10 s). */
  timeoutMs?: number;
  /** Run alone in a fresh process (cases that change global state: init). */
  isolate?: boolean;
}

const VERDICT = Symbol('verdict');
export function verdict(klass: Klass, detail: string): { [VERDICT]: Verdict } {
  return { [VERDICT]: { klass, detail } };
}

/** Short printable form of any value (for ids and details). */
export function show(v: unknown, depth = 0): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 24 ? `${v.slice(0, 24)}…` : v);
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'symbol') return 'Symbol()';
  if (typeof v === 'function') return 'fn';
  if (v === null || v === undefined || typeof v === 'boolean') return String(v);
  if (depth > 2) return '…';
  if (Array.isArray(v))
    return v.length > 6
      ? `[${v
          .slice(0, 4)
          .map((x) => show(x, depth + 1))
          .join(',')},…(${v.length})]`
      : `[${v.map((x) => show(x, depth + 1)).join(',')}]`;
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${(v as unknown as ArrayLike<unknown>).length})`;
  const name = (v as object).constructor?.name;
  if (name && name !== 'Object') return name;
  const e = Object.entries(v as object);
  return `{${e
    .slice(0, 5)
    .map(([k, x]) => `${k}:${show(x, depth + 1)}`)
    .join(',')}${e.length > 5 ? ',…' : ''}}`;
}

/** First non-finite number inside a result (typed arrays, arrays, plain objects, class fields), or null. */
export function findNonFinite(v: unknown, allow?: (path: string, value: number) => boolean): string | null {
  const seen = new Set<unknown>();
  const walk = (x: unknown, path: string, depth: number): string | null => {
    if (typeof x === 'number') return Number.isFinite(x) || (allow?.(path, x) ?? false) ? null : `${show(x)} at ${path || 'result'}`;
    if (x === null || typeof x !== 'object' || depth > 6 || seen.has(x)) return null;
    seen.add(x);
    if (ArrayBuffer.isView(x)) {
      if (x instanceof DataView || x instanceof BigInt64Array || x instanceof BigUint64Array) return null;
      const a = x as unknown as ArrayLike<number>;
      for (let i = 0; i < a.length; i++)
        if (!Number.isFinite(a[i]) && !(allow?.(`${path}[]`, a[i]) ?? false)) return `${show(a[i])} at ${path}[${i}]`;
      return null;
    }
    if (Array.isArray(x)) {
      for (let i = 0; i < x.length && i < 100000; i++) {
        const r = walk(x[i], `${path}[]`, depth + 1);
        if (r) return r.replace(`${path}[]`, `${path}[${i}]`);
      }
      return null;
    }
    for (const [k, y] of Object.entries(x)) {
      const r = walk(y, `${path}.${k}`, depth + 1);
      if (r) return r;
    }
    return null;
  };
  return walk(v, '', 0);
}

/** Runs one case in this process and classifies it (never throws). */
export async function classify(c: Case): Promise<Verdict> {
  let result: unknown;
  try {
    result = await c.run();
  } catch (e) {
    if (e instanceof MeanfieldError) {
      if (c.expect === 'value') return { klass: 'wrong', detail: `refused valid input: ${e.name}: ${oneLine(e.message)}` };
      return { klass: 'named', detail: `${e.name}: ${oneLine(e.message)}` };
    }
    const name = e instanceof Error ? e.constructor.name : typeof e;
    return { klass: 'nonlib', detail: `${name}: ${oneLine(e instanceof Error ? e.message : String(e))}` };
  }
  if (result !== null && typeof result === 'object' && VERDICT in (result as object)) return (result as { [VERDICT]: Verdict })[VERDICT];
  const bad = findNonFinite(result, c.allowNonFinite);
  if (bad !== null) return { klass: 'wrong', detail: `returned a non-finite number: ${bad}` };
  if (c.expect === 'error') return { klass: 'wrong', detail: `accepted silently, returned ${show(result)}` };
  if (c.check) {
    let why: string | null;
    try {
      why = c.check(result);
    } catch (e) {
      why = `result does not have the documented shape (${oneLine(String(e))})`;
    }
    if (why !== null) return { klass: 'wrong', detail: why };
  }
  return { klass: 'correct', detail: 'ok' };
}

export function oneLine(s: string): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > 200 ? `${t.slice(0, 200)}…` : t;
}

/** Does this verdict pass the suite's rule? */
export function passes(v: Verdict): boolean {
  return v.klass === 'named' || v.klass === 'correct';
}

// ---------------------------------------------------------------- references

/** |a - b| <= atol + rtol |b| for numbers or arrays; null or the first mismatch. */
export function near(
  a: ArrayLike<number> | number,
  b: ArrayLike<number> | number,
  rtol = 1e-9,
  atol = 1e-12,
  what = 'value',
): string | null {
  const A = typeof a === 'number' ? [a] : a,
    B = typeof b === 'number' ? [b] : b;
  if (A.length !== B.length) return `${what}: length ${A.length}, expected ${B.length}`;
  for (let i = 0; i < A.length; i++) {
    if (A[i] === B[i]) continue;
    if (!(Math.abs(A[i] - B[i]) <= atol + rtol * Math.abs(B[i])))
      return `${what}${A.length > 1 ? `[${i}]` : ''} = ${A[i]}, reference ${B[i]}`;
  }
  return null;
}

/** Row-major points of number[][]. */
export function flat(rows: number[][]): Float64Array {
  return Float64Array.from(rows.flat());
}

/**
 * Direct O(n m d) log-sum-exp, max-shifted: lse_i = log sum_j exp(beta s(x_i, y_j) + h_j).
 * `overflow` is set when a term beta s + h is not representable (the true lse is then beyond
 * the double range, or the reference cannot tell).
 */
export function refLse(
  x: Float64Array,
  y: Float64Array,
  d: number,
  beta: number,
  score: 'dot' | 'sqdist',
  h: ArrayLike<number> | null,
  causal = false,
  values: Float64Array | null = null,
  k = 0,
): { lse: Float64Array; mean: Float64Array; overflow: boolean } {
  const n = x.length / d,
    m = y.length / d;
  const lse = new Float64Array(n),
    mean = new Float64Array(n * k);
  let overflow = false;
  const t = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    const end = causal ? Math.min(i + 1, m) : m;
    for (let j = 0; j < end; j++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += score === 'dot' ? x[i * d + c] * y[j * d + c] : -((x[i * d + c] - y[j * d + c]) ** 2);
      const hj = h === null ? 0 : h[j];
      t[j] = hj === -Infinity ? -Infinity : beta * s + hj;
      if (!Number.isFinite(s) || Number.isNaN(t[j]) || t[j] === Infinity || (hj !== -Infinity && !Number.isFinite(t[j]))) overflow = true;
      if (t[j] > max) max = t[j];
    }
    let sum = 0;
    for (let j = 0; j < end; j++) sum += Math.exp(t[j] - max);
    lse[i] = max === -Infinity ? -Infinity : max + Math.log(sum);
    if (!Number.isFinite(lse[i]) && max !== -Infinity) overflow = true;
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let j = 0; j < end; j++) s += (Math.exp(t[j] - max) / sum) * values![j * k + c];
      if (!Number.isFinite(s)) overflow = true;
      mean[i * k + c] = s;
    }
  }
  return { lse, mean, overflow };
}

/** W2^2 between uniform measures of n points each (n <= 6) by brute force over permutations. */
export function bruteW2(x: Float64Array, y: Float64Array, d: number): number {
  const n = x.length / d;
  const perm = Array.from({ length: n }, (_, i) => i);
  let best = Infinity;
  const go = (k: number) => {
    if (k === n) {
      let s = 0;
      for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) s += (x[i * d + c] - y[perm[i] * d + c]) ** 2;
      best = Math.min(best, s / n);
      return;
    }
    for (let i = k; i < n; i++) {
      [perm[k], perm[i]] = [perm[i], perm[k]];
      go(k + 1);
      [perm[k], perm[i]] = [perm[i], perm[k]];
    }
  };
  go(0);
  return best;
}
