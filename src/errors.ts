/**
 * Every error meanfield throws is a MeanfieldError, so callers can catch the
 * library's errors apart from their own.
 */
export class MeanfieldError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * An argument broke a rule. The message names the argument, the value and the
 * rule: `weights must be >= 0, got -0.2 at index 3`.
 */
export class InvalidArgumentError extends MeanfieldError {
  /** Name of the offending argument (or option), e.g. `'weights'`. */
  readonly argument: string;
  /** The value that was passed. */
  readonly value: unknown;
  /** The rule it broke, e.g. `'must be >= 0'`. */
  readonly rule: string;
  constructor(argument: string, value: unknown, rule: string, where = '') {
    super(`${argument} ${rule}, got ${describe(value)}${where ? ` ${where}` : ''}`);
    this.argument = argument;
    this.value = value;
    this.rule = rule;
  }
}

/**
 * An options object held a key the function does not know: the message names the key, the
 * function and the nearest valid key (`unknown option 'beat' for logSumExp; did you mean 'beta'?`).
 */
export class UnknownOptionError extends InvalidArgumentError {
  /** The valid option names of the function. */
  readonly known: readonly string[];
  constructor(key: string, where: string, known: readonly string[]) {
    super(key, key, 'is not an option');
    const near = nearest(key, known);
    this.message = `unknown option '${key}' for ${where}; ${
      near !== null ? `did you mean '${near}'?` : `valid options: ${known.join(', ')}`
    }`;
    this.known = known;
  }
}

/** A result cannot be represented in the requested arithmetic (f64 or f32) for these inputs. */
export class OverflowError extends MeanfieldError {}

/**
 * A size beyond the documented limits (see LIMITS), refused before anything is allocated;
 * `bytes` is the estimated allocation.
 */
export class ResourceError extends MeanfieldError {
  constructor(
    what: string,
    /** The estimated allocation, in bytes. */
    readonly bytes: number,
    /** The limit it broke, in bytes. */
    readonly limit: number,
  ) {
    super(`${what} would need about ${formatBytes(bytes)}, beyond the limit of ${formatBytes(limit)}`);
  }
}

function formatBytes(b: number): string {
  if (!Number.isFinite(b)) return `${b} bytes`;
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let u = 0;
  while (b >= 1024 && u < units.length - 1) {
    b /= 1024;
    u++;
  }
  return `${u === 0 ? b : b.toFixed(1)} ${units[u]}`;
}

/** The closest of `known` to `key` by edit distance (case-insensitive), if reasonably close (the CLI's flags use it too). */
export function nearest(key: string, known: readonly string[]): string | null {
  let best: string | null = null,
    bestD = Infinity;
  const a = key.toLowerCase();
  for (const k of known) {
    const b = k.toLowerCase();
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      let prev = row[0];
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const cur = row[j];
        row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
        prev = cur;
      }
    }
    const d = row[b.length];
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best !== null && bestD <= Math.max(2, Math.floor(key.length / 2)) ? best : null;
}

/** A Wasm kernel was called before `await init()` finished. */
export class NotInitializedError extends MeanfieldError {
  constructor(what: string) {
    super(`${what} needs the Wasm core: call \`await init()\` once before using it (or pass { backend: 'js' })`);
  }
}

/** The Wasm core could not be loaded or trapped. */
export class WasmError extends MeanfieldError {}

/** A computation produced a value that is not finite where a finite one is required. */
export class NonFiniteError extends MeanfieldError {}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of length ${(value as unknown as ArrayLike<number>).length}`;
  // The library's classes say their public name through Symbol.toStringTag: bundlers rename classes (Measure
  // becomes _Measure in dist), so constructor.name is only a fallback, without a bundler's leading underscores.
  const tag: unknown = typeof value === 'object' ? (value as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] : undefined;
  const kind =
    typeof tag === 'string'
      ? tag
      : typeof value === 'object'
        ? (value.constructor?.name ?? 'object').replace(/^_+(?=[A-Za-z])/, '')
        : typeof value;
  return `${/^[aeiou]/i.test(kind) ? 'an' : 'a'} ${kind}`;
}

/**
 * A simulation stopped: a step produced a non-finite value or could not advance, or an event or
 * stop callback broke its contract. `trajectory` holds everything computed before that step,
 * intact; `system` names the failing system of simulateMany.
 */
export class SimulationError extends MeanfieldError {
  /** The failing system's index in simulateMany's list (undefined from simulate). */
  readonly system?: number;
  /** The particle whose coordinates turned non-finite, where known (its index in the failing system). */
  readonly particle?: number;

  constructor(
    message: string,
    /** The partial Trajectory up to the last finite step (typed unknown to avoid an import cycle). */
    readonly trajectory: unknown,
    where: { system?: number; particle?: number } = {},
  ) {
    super(message);
    if (where.system !== undefined) this.system = where.system;
    if (where.particle !== undefined) this.particle = where.particle;
  }
}

/** A command line broke a rule: unknown flag, bad value. The CLI exits with code 2. */
export class UsageError extends MeanfieldError {}

/** An input file could not be read or parsed; names the file and, where known, the line. */
export class InputError extends MeanfieldError {
  constructor(
    /** The file that could not be read or parsed. */
    readonly file: string,
    /** The 1-based line, where known. */
    readonly line: number | null,
    detail: string,
  ) {
    super(`${file}${line === null ? '' : ` line ${line}`}: ${detail}`);
  }
}

/**
 * A call was stopped through its AbortSignal before it finished (where the function documents that it throws rather than returning a
 * partial result).
 */
export class AbortedError extends MeanfieldError {}
