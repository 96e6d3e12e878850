// Training data for two-layer networks: samples X (N x d, row-major) and targets Y (N).
import { InvalidArgumentError } from '../errors.js';
import { pointSet } from '../points.js';
import { allFinite, optionKeys, readOptions, strictNumbers, toFloat64 } from '../validate.js';

const DATA_KEYS = optionKeys<DataInput>()('X', 'Y', 'dim');

/** Training data as given by the user: N samples X (N x d) and N targets Y. */
export interface DataInput {
  /** Samples: number[][] or a row-major array (then give dim). */
  X: ArrayLike<number> | number[][];
  /** One target per sample. Labels ±1 for the logistic loss. */
  Y: ArrayLike<number>;
  /** Sample dimension d; required when X is a flat array. */
  dim?: number;
}

/** Validated training data. */
export interface Dataset {
  /** Samples, row-major n x dim. */
  X: Float64Array;
  /** Targets, length n. */
  Y: Float64Array;
  /** Number of samples N. */
  n: number;
  /** Sample dimension d. */
  dim: number;
}

/**
 * Validates and flattens DataInput; throws InvalidArgumentError unless X is a valid point set and Y holds one finite target
 * per sample (unknown keys, non-numbers and non-finite values refused, nothing coerced), ResourceError beyond LIMITS.
 */
export function dataset(input: DataInput, name = 'data'): Dataset {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new InvalidArgumentError(name, input, 'must be { X, Y } with X the samples (N x d) and Y the N targets');
  readOptions(name, input, DATA_KEYS);
  strictNumbers(`${name}.X`, input.X);
  strictNumbers(`${name}.Y`, input.Y);
  const { data: X, n, d: dim } = pointSet(`${name}.X`, input.X, input.dim);
  const Y = toFloat64(`${name}.Y`, input.Y);
  allFinite(`${name}.Y`, Y);
  if (Y.length !== n) throw new InvalidArgumentError(`${name}.Y`, `${Y.length} targets`, `must have one target per sample (${n} samples in ${name}.X)`);
  return { X, Y, n, dim };
}

/** Throws unless every label is -1 or +1 (the logistic loss's convention). */
export function requireLabels(name: string, Y: Float64Array): void {
  const i = Y.findIndex((y) => y !== 1 && y !== -1);
  if (i >= 0) throw new InvalidArgumentError(name, Y[i], 'must hold labels -1 or +1 for the logistic loss', `at index ${i}`);
}
