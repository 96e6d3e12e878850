// A small flag parser: each command declares its flags once (name, kind, default, help),
// which gives both the parsing and the --help text. Bad input is one UsageError line.
import { nearest, UsageError } from '../errors.js';
import { parseGrid } from './grid.js';

export type Kind = 'int' | 'number' | 'string' | 'boolean' | readonly string[];

export interface FlagSpec {
  name: string;
  kind: Kind;
  help: string;
  default?: string | number | boolean;
  /** Smallest allowed value for int and number flags. */
  min?: number;
  /** Values must be > min (not >= min). */
  exclusiveMin?: boolean;
  /** Largest allowed value for int and number flags (a documented limit). */
  max?: number;
  /** An int or number flag that also takes a list a,b,c or a grid start:stop:count; its value is a number[]. */
  grid?: boolean;
}

export interface CommandSpec {
  name: string;
  usage: string;
  summary: string;
  flags: FlagSpec[];
  /** Positional arguments: exact count, or a range. */
  positionals: { min: number; max: number; names: string };
}

/** The kernel precision flag, the same for every command that runs a kernel. */
export const precisionFlag: FlagSpec = { name: 'precision', kind: ['f64', 'f32'], default: 'f64', help: 'kernel precision' };

export type Values = Record<string, string | number | boolean | number[] | undefined>;

export function helpText(c: CommandSpec): string {
  const width = Math.max(...c.flags.map((f) => flagLabel(f).length), 10);
  const rows = c.flags.map((f) => {
    const def = f.default === undefined ? '' : ` (default ${f.default})`;
    return `  ${flagLabel(f).padEnd(width)}  ${f.help}${def}`;
  });
  return `${c.summary}\n\nUsage: ${c.usage}\n\nOptions:\n${rows.join('\n')}\n  ${'--help'.padEnd(width)}  this text\n`;
}

function flagLabel(f: FlagSpec): string {
  if (f.kind === 'boolean') return `--${f.name}`;
  const v = Array.isArray(f.kind)
    ? (f.kind as readonly string[]).join('|')
    : f.grid
      ? 'GRID'
      : f.kind === 'int' || f.kind === 'number'
        ? 'N'
        : 'S';
  return `--${f.name} ${v}`;
}

/** ' (did you mean X?)' when one of `known` is close to `key` (the library's nearest-name rule), else ''. */
export function didYouMean(key: string, known: readonly string[], prefix = ''): string {
  const near = nearest(key, known);
  return near === null ? '' : `; did you mean ${prefix}${near}?`;
}

/**
 * Parses argv (after the command name); throws UsageError naming the flag and the value. `raw`
 * holds the text of every flag given (grid flags keep it: a sweep records its grids as typed).
 */
export function parse(
  c: CommandSpec,
  argv: string[],
): { values: Values; raw: Record<string, string>; positionals: string[]; help: boolean } {
  const values: Values = {};
  const rawValues: Record<string, string> = {};
  const positionals: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = c.flags.find((f) => f.name === name);
    if (spec === undefined)
      throw new UsageError(
        `meanfield ${c.name}: unknown flag --${name}${didYouMean(
          name,
          c.flags.map((f) => f.name),
          '--',
        )} (see meanfield ${c.name} --help)`,
      );
    if (spec.kind === 'boolean') {
      if (eq >= 0) throw new UsageError(`meanfield ${c.name}: --${name} takes no value, got '${arg.slice(eq + 1)}'`);
      values[name] = true;
      continue;
    }
    const raw = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (raw === undefined) throw new UsageError(`meanfield ${c.name}: --${name} needs a value`);
    values[name] = convert(c.name, spec, raw);
    rawValues[name] = raw;
  }
  if (!help) {
    const { min, max, names } = c.positionals;
    if (positionals.length < min || positionals.length > max) {
      throw new UsageError(
        `meanfield ${c.name}: expected ${names}, got ` +
          `${positionals.length === 0 ? 'nothing' : positionals.map((p) => `'${p}'`).join(' ')} ` +
          `(see meanfield ${c.name} --help)`,
      );
    }
  }
  for (const f of c.flags)
    if (values[f.name] === undefined && f.default !== undefined) values[f.name] = f.grid ? [f.default as number] : f.default;
  return { values, raw: rawValues, positionals, help };
}

function convert(command: string, spec: FlagSpec, raw: string): string | number | number[] {
  if (spec.grid)
    return parseGrid(command, spec.name, raw, { int: spec.kind === 'int', min: spec.min, exclusiveMin: spec.exclusiveMin, max: spec.max });
  const bad = (rule: string) => new UsageError(`meanfield ${command}: --${spec.name} ${rule}, got '${raw}'`);
  if (Array.isArray(spec.kind)) {
    const allowed = spec.kind as readonly string[];
    if (!allowed.includes(raw))
      throw new UsageError(
        `meanfield ${command}: --${spec.name} must be one of ${allowed.join(', ')}, got '${raw}'${didYouMean(raw, allowed)}`,
      );
    return raw;
  }
  if (spec.kind === 'string') return raw;
  const v = raw.trim() === '' ? NaN : Number(raw);
  const range = spec.min === undefined ? '' : ` ${spec.exclusiveMin ? '>' : '>='} ${spec.min}`;
  if (spec.kind === 'int' && !Number.isSafeInteger(v)) throw bad(`must be an integer${range}`);
  if (!Number.isFinite(v)) throw bad(`must be a finite number${range}`);
  if (spec.min !== undefined && (spec.exclusiveMin ? v <= spec.min : v < spec.min)) throw bad(`must be${range}`);
  if (spec.max !== undefined && v > spec.max) throw bad(`must be <= ${spec.max} (a limit of meanfield ${command})`);
  return v;
}

/** Most seeds (and most (grid point, seed) runs) one `meanfield run` takes: split bigger sweeps with --shard or several files. */
export const MAX_RUNS = 1_000_000;

/**
 * '1..64', '1,2,9' or '5' -> the list of seeds, in order, without repeats. Linear in the seed
 * count; sizes are checked before anything is expanded (at most MAX_RUNS seeds, each a safe integer).
 */
export function parseSeeds(raw: string): number[] {
  const bad = (rule: string) => new UsageError(`meanfield run: --seeds ${rule}, got '${raw.length > 60 ? `${raw.slice(0, 60)}...` : raw}'`);
  const ranges: Array<[number, number]> = [];
  let total = 0;
  for (const part of raw.split(',')) {
    const m = /^\s*(\d+)\s*(?:\.\.\s*(\d+)\s*)?$/.exec(part);
    if (m === null) throw bad('must be a list like 1..64 or 1,2,5 of non-negative integers');
    const a = Number(m[1]),
      b = m[2] === undefined ? a : Number(m[2]);
    if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b)) throw bad(`must be integers <= ${Number.MAX_SAFE_INTEGER}`);
    if (b < a) throw bad(`range ${part.trim()} must be increasing`);
    total += b - a + 1;
    if (total > MAX_RUNS)
      throw bad(`holds more than ${MAX_RUNS} seeds, the limit of one run (split the sweep with --shard or over several --out files)`);
    ranges.push([a, b]);
  }
  const seen = new Set<number>();
  const out: number[] = [];
  for (const [a, b] of ranges)
    for (let s = a; s <= b; s++)
      if (!seen.has(s)) {
        seen.add(s);
        out.push(s);
      }
  return out;
}
