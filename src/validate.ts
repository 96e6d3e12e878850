import { InvalidArgumentError } from './errors.js';

/** Small guards shared by every entry point; each throws an InvalidArgumentError. */

export function finiteNumber(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new InvalidArgumentError(name, value, 'must be a finite number');
  return value;
}

export function positiveNumber(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new InvalidArgumentError(name, value, 'must be a finite number > 0');
  return value;
}

export function nonNegativeNumber(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new InvalidArgumentError(name, value, 'must be a finite number >= 0');
  return value;
}

export function integerAtLeast(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw new InvalidArgumentError(name, value, `must be an integer >= ${min}`);
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
