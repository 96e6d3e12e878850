// Generators of bad and edge-valid inputs: a fixed catalogue per kind of argument, plus
// values drawn by fast-check with fixed seeds (deterministic: the parent process, the
// children and the census all build the same list).
import fc from 'fast-check';
import type { Case } from './harness.js';
import { show } from './harness.js';

/** What an argument or option must be. */
export type Kind =
  | { t: 'finite' }
  | { t: 'positive' }
  | { t: 'nonneg' }
  | { t: 'int'; min: number; edge?: unknown[] }
  | { t: 'seed' }
  | { t: 'bool' }
  | { t: 'fn' }
  | { t: 'enum'; values: readonly string[] }
  /** Custom: explicit bad and edge lists. */
  | { t: 'custom'; bad: unknown[]; edge?: unknown[] }
  /** A nested options object: its own keys, recursively. */
  | { t: 'object'; base: Record<string, unknown>; keys: Record<string, Kind>; optional?: boolean };

export const K = {
  finite: { t: 'finite' } as Kind,
  positive: { t: 'positive' } as Kind,
  nonneg: { t: 'nonneg' } as Kind,
  int: (min: number, edge?: unknown[]): Kind => ({ t: 'int', min, edge }),
  seed: { t: 'seed' } as Kind,
  bool: { t: 'bool' } as Kind,
  fn: { t: 'fn' } as Kind,
  oneOf: (...values: string[]): Kind => ({ t: 'enum', values }),
  custom: (bad: unknown[], edge?: unknown[]): Kind => ({ t: 'custom', bad, edge }),
  object: (base: Record<string, unknown>, keys: Record<string, Kind>, optional = true): Kind => ({ t: 'object', base, keys, optional }),
};

const NOT_NUMBERS: unknown[] = [null, 'x', '1', '', true, 1n, [1], {}];

/** A few values drawn by fast-check (doubles incl. NaN/±Infinity/-0/subnormals, strings, bigints, booleans, mixed). */
function drawn(seed: number, n: number): unknown[] {
  const arb = fc.oneof(
    fc.double(),
    fc.double({ min: -1e-300, max: 1e-300 }),
    fc.integer({ min: -5, max: 5 }),
    fc.string({ maxLength: 4 }),
    fc.bigInt({ min: -3n, max: 3n }),
    fc.boolean(),
    fc.constantFrom(null, undefined, Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 53, 2 ** 31, 2 ** 32 + 3),
    fc.array(fc.double(), { maxLength: 2 }),
  );
  return fc.sample(arb, { seed, numRuns: n }).filter((v) => v !== undefined);
}

function isNum(v: unknown): v is number {
  return typeof v === 'number';
}

/** valid(kind, v): whether the documented contract accepts v (undefined: use the default). */
export function valid(kind: Kind, v: unknown): boolean {
  switch (kind.t) {
    case 'finite':
      return isNum(v) && Number.isFinite(v);
    case 'positive':
      return isNum(v) && Number.isFinite(v) && v > 0;
    case 'nonneg':
      return isNum(v) && Number.isFinite(v) && v >= 0;
    case 'int':
      return isNum(v) && Number.isInteger(v) && v >= kind.min;
    case 'seed':
      return isNum(v) && Number.isSafeInteger(v) && v >= 0;
    case 'bool':
      return typeof v === 'boolean';
    case 'fn':
      return typeof v === 'function';
    case 'enum':
      return typeof v === 'string' && kind.values.includes(v);
    default:
      return false;
  }
}

let drawSeed = 1000;

/** Bad values (must be refused) and edge values (valid: a right answer or a named error) of a kind. */
export function values(kind: Kind): { bad: unknown[]; edge: unknown[] } {
  const extra = drawn(drawSeed++, 3);
  const split = (cands: unknown[], fixedEdge: unknown[]) => {
    const bad: unknown[] = [],
      edge: unknown[] = [...fixedEdge];
    for (const v of cands) (valid(kind, v) ? edge : bad).push(v);
    return { bad, edge };
  };
  switch (kind.t) {
    case 'finite':
      return split([...NOT_NUMBERS, NaN, Infinity, -Infinity, ...extra], [-0, 1e308, -1e308, 5e-324]);
    case 'positive':
      return split([...NOT_NUMBERS, NaN, Infinity, -Infinity, 0, -0, -1, -5e-324, ...extra], [5e-324, 1e-300, 1e308]);
    case 'nonneg':
      return split([...NOT_NUMBERS, NaN, Infinity, -Infinity, -1, -5e-324, ...extra], [0, -0, 1e308]);
    case 'int':
      return split([...NOT_NUMBERS, NaN, Infinity, 1.5, kind.min - 1, -1, ...extra], kind.edge ?? [kind.min]);
    case 'seed':
      return split([...NOT_NUMBERS, NaN, Infinity, -1, 1.5, 2 ** 53, ...extra], [0, 2 ** 53 - 1]);
    case 'bool':
      return split(['true', 1, 0, null, 'x', {}], [true, false]);
    case 'fn':
      return split(['x', 1, null, {}, true], []);
    case 'enum':
      return split([kind.values[0].toUpperCase(), `${kind.values[0]} `, '', 'x', null, 1, true, [kind.values[0]]], [...kind.values]);
    case 'custom':
      return { bad: kind.bad, edge: kind.edge ?? [] };
    case 'object':
      return { bad: [null, 'x', 1, [], true], edge: [] };
  }
}

/** A misspelling of an option key: two letters swapped (or a letter doubled for short keys). */
export function typo(key: string): string {
  if (key.length >= 3) {
    const i = Math.floor(key.length / 2) - 1;
    return key.slice(0, i) + key[i + 1] + key[i] + key.slice(i + 2);
  }
  return key + key[key.length - 1];
}

export interface FnSpec {
  fn: string;
  group: string;
  /** Positional arguments: valid value and kind. The options object, if any, is NOT among them. */
  args?: Array<{ name: string; value: unknown; kind: Kind }>;
  /** The options object: its valid base, the kind of every key, whether it may be omitted. */
  opts?: { base: Record<string, unknown>; keys: Record<string, Kind>; optional: boolean };
  /** The call: positional arguments, then the options object (possibly null, a string, ...). */
  call: (args: any[], o: any) => unknown;
  /** Check of a returned value given the arguments and options used. */
  check?: (r: any, args: any[], o: any) => string | null;
  allowNonFinite?: Case['allowNonFinite'];
  timeoutMs?: number;
  /** Keys whose edge values are skipped (e.g. sizes whose huge edges are covered by handmade cases). */
  noEdge?: string[];
}

/**
 * The generated cases of one function: the valid base call; every positional argument
 * replaced by each bad value (refused) and each edge value (a right answer or a named error);
 * the options object null / not an object / omitted; a misspelled copy of every key and an
 * unknown key (refused: an ignored option is a silent wrong answer); every key (recursively in
 * nested option objects) set to each bad value and each edge value.
 */
export function fnCases(s: FnSpec): Case[] {
  const out: Case[] = [];
  const args = (s.args ?? []).map((a) => a.value);
  const base = s.opts?.base;
  const mk = (what: string, expect: Case['expect'], a: unknown[], o: unknown) => {
    out.push({
      id: `${s.fn}: ${what}`,
      group: s.group,
      expect,
      run: () => s.call(a, o),
      check: s.check ? (r) => s.check!(r, a, o) : undefined,
      allowNonFinite: s.allowNonFinite,
      timeoutMs: s.timeoutMs,
    });
  };
  mk('valid call', 'value', args, base === undefined ? undefined : { ...base });
  (s.args ?? []).forEach((a, i) => {
    const { bad, edge } = values(a.kind);
    for (const v of bad)
      mk(
        `${a.name} = ${show(v)}`,
        'error',
        args.map((x, j) => (j === i ? v : x)),
        base && { ...base },
      );
    for (const v of edge)
      mk(
        `${a.name} = ${show(v)} (edge-valid)`,
        'either',
        args.map((x, j) => (j === i ? v : x)),
        base && { ...base },
      );
  });
  if (s.opts) {
    const o = s.opts;
    for (const v of [null, 'x', 7, []]) mk(`options = ${show(v)}`, 'error', args, v);
    mk('options omitted', o.optional ? 'value' : 'error', args, undefined);
    const nested = (
      prefix: string,
      keys: Record<string, Kind>,
      obase: Record<string, unknown>,
      wrap: (inner: Record<string, unknown> | unknown) => Record<string, unknown>,
    ) => {
      const firstKey = Object.keys(keys)[0];
      for (const k of Object.keys(keys)) {
        const t = typo(k);
        if (t in keys) continue;
        const v = obase[k] ?? sampleValid(keys[k]);
        mk(`misspelled option ${prefix}${t} (for ${k})`, 'error', args, wrap({ ...obase, [t]: v }));
      }
      if (firstKey !== undefined || prefix === '') mk(`unknown option ${prefix}zzz`, 'error', args, wrap({ ...obase, zzz: 1 }));
      for (const [k, kind] of Object.entries(keys)) {
        const { bad, edge } = values(kind);
        for (const v of bad) mk(`${prefix}${k} = ${show(v)}`, 'error', args, wrap({ ...obase, [k]: v }));
        if (!s.noEdge?.includes(k))
          for (const v of edge) mk(`${prefix}${k} = ${show(v)} (edge-valid)`, 'either', args, wrap({ ...obase, [k]: v }));
        if (kind.t === 'object') {
          const sub = { ...kind.base };
          nested(`${prefix}${k}.`, kind.keys, sub, (inner) => wrap({ ...obase, [k]: inner }));
        }
      }
    };
    nested('', o.keys, o.base, (inner) => inner as Record<string, unknown>);
  }
  return out;
}

function sampleValid(kind: Kind): unknown {
  switch (kind.t) {
    case 'finite':
    case 'positive':
    case 'nonneg':
      return 1;
    case 'int':
      return Math.max(kind.min, 1);
    case 'seed':
      return 1;
    case 'bool':
      return true;
    case 'fn':
      return () => 0;
    case 'enum':
      return kind.values[0];
    case 'object':
      return { ...kind.base };
    default:
      return kind.edge?.[0] ?? 1;
  }
}
