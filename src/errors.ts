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
  const kind = typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
  return `${/^[aeiou]/i.test(kind) ? 'an' : 'a'} ${kind}`;
}

/**
 * A simulation stopped on a step that produced a non-finite value. `trajectory` holds
 * everything computed before that step, intact.
 */
export class SimulationError extends MeanfieldError {
  constructor(
    message: string,
    /** The partial Trajectory up to the last finite step (typed unknown to avoid an import cycle). */
    readonly trajectory: unknown,
  ) {
    super(message);
  }
}

/** A command line broke a rule: unknown flag, bad value. The CLI exits with code 2. */
export class UsageError extends MeanfieldError {}

/** An input file could not be read or parsed; names the file and, where known, the line. */
export class InputError extends MeanfieldError {
  constructor(readonly file: string, readonly line: number | null, detail: string) {
    super(`${file}${line === null ? '' : ` line ${line}`}: ${detail}`);
  }
}
