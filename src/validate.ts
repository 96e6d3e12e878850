import { InvalidArgumentError, ResourceError, UnknownOptionError } from './errors.js';

/** Small guards shared by every entry point; each throws an InvalidArgumentError. */

export function finiteNumber(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new InvalidArgumentError(name, value, 'must be a finite number');
  return value;
}

export function positiveNumber(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    throw new InvalidArgumentError(name, value, 'must be a finite number > 0');
  return value;
}

export function nonNegativeNumber(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw new InvalidArgumentError(name, value, 'must be a finite number >= 0');
  return value;
}

export function integerAtLeast(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min)
    throw new InvalidArgumentError(name, value, `must be an integer >= ${min}`);
  return value;
}

export function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(name, value, `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}`);
  }
  return value as T;
}

/** Every entry finite; names the first offending index. */
export function allFinite(name: string, values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new InvalidArgumentError(name, values[i], 'must be finite', `at index ${i}`);
  }
}

/** A Float64Array view of numbers, copying only when the input is not one already. */
export function toFloat64(name: string, values: unknown): Float64Array {
  if (values instanceof Float64Array) return values;
  if (ArrayBuffer.isView(values) && !(values instanceof DataView)) return Float64Array.from(values as unknown as ArrayLike<number>);
  if (Array.isArray(values)) {
    const out = new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (typeof v !== 'number') throw new InvalidArgumentError(name, v, 'must contain only numbers', `at index ${i}`);
      out[i] = v;
    }
    return out;
  }
  throw new InvalidArgumentError(name, values, 'must be a Float64Array or an array of numbers');
}

/**
 * Size limits, checked before anything is allocated (ResourceError beyond them): a Measure or
 * any one array argument holds at most `maxElements` numbers (8 bytes each: 1 GiB), and the
 * work of one call (query-key pairs x coordinates) at most `maxPairWork`.
 */
export const LIMITS = {
  /** Numbers one Measure or one array argument may hold (8 bytes each: 1 GiB). */
  maxElements: 2 ** 27,
  /** Query-key pairs x coordinates of one call (about 4.4 hours at 1 ns each). */
  maxPairWork: 2 ** 44,
} as const;

/** Throws ResourceError unless `count` numbers (of `bytesEach`) fit the element limit. */
export function checkElements(what: string, count: number, bytesEach = 8): void {
  if (!(count <= LIMITS.maxElements)) throw new ResourceError(what, count * bytesEach, LIMITS.maxElements * bytesEach);
}

/**
 * Reads an options bag: undefined is {}; null, arrays and non-objects are refused; every own key
 * must be one of `keys` (UnknownOptionError names the nearest) and no value may be null (omit a key
 * for its default). `where` names the function.
 */
export function readOptions<T extends object>(where: string, value: unknown, keys: readonly string[]): Partial<T> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value) || ArrayBuffer.isView(value)) {
    throw new InvalidArgumentError(`${where} options`, value, 'must be an options object (or omitted)');
  }
  for (const k of Object.keys(value)) {
    if (!keys.includes(k)) throw new UnknownOptionError(k, where, keys);
    // null is never an option's value: an omitted key takes the default, a null one is refused (it is usually a bug upstream).
    if ((value as Record<string, unknown>)[k] === null)
      throw new InvalidArgumentError(k, null, `is not a value for this option of ${where} (omit the key for the default)`);
  }
  return value as Partial<T>;
}

/** A boolean option (undefined gives the default). */
export function booleanOption(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new InvalidArgumentError(name, value, 'must be true or false');
  return value;
}

/** An optional function option. */
export function functionOption<F extends (...args: never[]) => unknown>(name: string, value: unknown): F | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw new InvalidArgumentError(name, value, 'must be a function');
  return value as F;
}

/** An optional AbortSignal option (anything else is refused). */
export function signalOption(name: string, value: unknown): AbortSignal | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object' || typeof (value as AbortSignal).aborted !== 'boolean')
    throw new InvalidArgumentError(name, value, 'must be an AbortSignal');
  return value as AbortSignal;
}

/** Checks the values of `backend` and `precision` when given (null and unknown names refused). */
export function evalValues(o: { backend?: unknown; precision?: unknown }): void {
  if (o.backend !== undefined) oneOf('backend', o.backend, ['wasm', 'js'] as const);
  if (o.precision !== undefined) oneOf('precision', o.precision, ['f64', 'f32'] as const);
}

/**
 * Refuses anything in a numeric array input that is not a number, before any coercion: in
 * number[][] rows and flat number[] every entry must be of type number (null, '', '2', true,
 * [0] and BigInt refused); BigInt typed arrays are refused. Sizes beyond LIMITS are a ResourceError.
 */
export function strictNumbers(name: string, value: unknown): void {
  if (value instanceof BigInt64Array || value instanceof BigUint64Array)
    throw new InvalidArgumentError(name, value, 'must hold numbers, not BigInt');
  if (ArrayBuffer.isView(value)) {
    checkElements(name, (value as unknown as ArrayLike<number>).length);
    return;
  }
  if (!Array.isArray(value)) return;
  if (value.length > 0 && Array.isArray(value[0])) {
    checkElements(name, value.length * (value[0] as unknown[]).length);
    for (let i = 0; i < value.length; i++) {
      const row = value[i];
      if (!Array.isArray(row)) throw new InvalidArgumentError(`${name}[${i}]`, row, 'must be an array of numbers like every row');
      for (let c = 0; c < row.length; c++)
        if (typeof row[c] !== 'number') throw new InvalidArgumentError(`${name}[${i}][${c}]`, row[c], 'must be a number');
    }
    return;
  }
  checkElements(name, value.length);
  for (let i = 0; i < value.length; i++)
    if (typeof value[i] !== 'number') throw new InvalidArgumentError(name, value[i], 'must contain only numbers', `at index ${i}`);
}

/** A vector argument: an array or typed array of finite numbers, nothing coerced, copied. */
export function finiteVector(name: string, v: unknown): Float64Array {
  if (!Array.isArray(v) && !(ArrayBuffer.isView(v) && !(v instanceof DataView)))
    throw new InvalidArgumentError(name, v, 'must be an array or typed array of finite numbers');
  strictNumbers(name, v);
  const out = Float64Array.from(toFloat64(name, v));
  allFinite(name, out);
  return out;
}

/**
 * The options bag of a function whose beta is an option: refuses a missing bag and a bare number with a
 * message that says where beta went (`fn(mu, { beta: 9 })`), before readOptions checks the keys.
 */
export function requireBetaOptions(where: string, options: unknown): unknown {
  if (options === undefined) throw new InvalidArgumentError(`${where} options`, options, `must give beta: ${where}(mu, { beta })`);
  if (typeof options === 'number')
    throw new InvalidArgumentError(
      `${where} options`,
      options,
      `must be an options object: beta is an option, ${where}(mu, { beta: ${options} })`,
    );
  return options;
}
