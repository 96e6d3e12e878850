// Accepting point sets in the forms users have them: a Measure, number[][] or a flat
// row-major Float64Array / number[] with an explicit dim.
import { InvalidArgumentError } from './errors.js';
import { Measure } from './measure.js';
import { allFinite, checkElements, integerAtLeast, strictNumbers, toFloat64 } from './validate.js';

/**
 * A point set in any accepted form: a Measure (its points, and its weights where used),
 * number[][] (one row per point), or a flat row-major Float64Array / number[] (n x d) with an explicit dim.
 */
export type PointsInput = Measure | Float64Array | number[] | number[][];

/** A validated point set: row-major n x d data. */
export interface PointSet {
  /** Row-major n x d coordinates (the input itself when it was already a Float64Array or Measure). */
  data: Float64Array;
  /** Number of points. */
  n: number;
  /** Dimension. */
  d: number;
  /** The measure's weights when the input was a Measure. */
  weights: Float64Array | null;
}

/**
 * Reads `value` as a {@link PointSet}, or throws InvalidArgumentError naming `name`: rows of
 * number[][] must hold only finite numbers (null, '', '2', true, [0] or a BigInt are refused,
 * never coerced); ResourceError beyond LIMITS.maxElements numbers, before allocating.
 */
export function pointSet(name: string, value: unknown, dim: number | undefined): PointSet {
  if (value instanceof Measure) {
    if (dim !== undefined && dim !== value.dim) throw new InvalidArgumentError('dim', dim, `must equal the dimension ${value.dim} of ${name}`);
    return { data: value.points, n: value.size, d: value.dim, weights: value.weights };
  }
  if (Array.isArray(value) && value.length > 0 && Array.isArray(value[0])) {
    const rows = value as unknown[];
    const d = (rows[0] as unknown[]).length;
    if (dim !== undefined && dim !== d) throw new InvalidArgumentError('dim', dim, `must equal the row length ${d} of ${name}`);
    integerAtLeast(`${name}[0].length`, d, 1);
    checkElements(name, rows.length * d);
    const data = new Float64Array(rows.length * d);
    rows.forEach((row, i) => {
      if (!Array.isArray(row) || row.length !== d) throw new InvalidArgumentError(`${name}[${i}]`, row, `must be an array of length ${d} like every row`);
      for (let c = 0; c < d; c++) {
        const v: unknown = row[c];
        // Checked one by one: a Float64Array would silently turn null into 0 and '2' into 2.
        if (typeof v !== 'number') throw new InvalidArgumentError(name, v, 'must contain only numbers', `at row ${i}, column ${c}`);
        if (!Number.isFinite(v)) throw new InvalidArgumentError(name, v, 'must be finite', `at index ${i * d + c} (row ${i}, column ${c})`);
        data[i * d + c] = v;
      }
    });
    return { data, n: rows.length, d, weights: null };
  }
  strictNumbers(name, value);
  const data = toFloat64(name, value);
  if (dim === undefined) throw new InvalidArgumentError('dim', dim, `is required when ${name} is a flat array`);
  integerAtLeast('dim', dim, 1);
  if (data.length === 0) throw new InvalidArgumentError(name, value, 'must hold at least one point');
  if (data.length % dim !== 0) throw new InvalidArgumentError(`${name}.length`, data.length, `must be a multiple of dim = ${dim}`);
  allFinite(name, data);
  return { data, n: data.length / dim, d: dim, weights: null };
}
