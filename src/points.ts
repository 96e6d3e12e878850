// Accepting point sets in the forms users have them: a Measure, number[][] or a flat
// row-major Float64Array / number[] with an explicit dim.
//
// The one convention for points of a space (docs/spaces.md): a sphere measure's points are points of
// S^{d-1} ⊂ R^d, and a circle measure's angle θ is the point (cos θ, sin θ) of S¹ ⊂ R². Kernel scores and
// transport costs are those of the embedded points (<x, y> = cos(θ - φ), |x - y|² = 2 - 2 cos(θ - φ)), and
// results that live in point coordinates come back in the measure's own coordinates (an angle derivative
// for a gradient, an angle for a map) or are refused.
import { InvalidArgumentError, NonFiniteError } from './errors.js';
import { Measure } from './measure.js';
import type { Space } from './spaces.js';
import { wrapAngle } from './spaces.js';
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
 * How {@link pointSet} reads a Measure: 'embedded' gives the points of the space in R^d (a circle measure's
 * angles as (cos θ, sin θ), d = 2), for kernel scores and costs; 'coordinates' uses the points as vectors
 * whose results come back in the same coordinates, so a circle measure (angles are not coordinates of a
 * vector space) is refused.
 */
export type PointReading = 'embedded' | 'coordinates';

/** A measure's points in R^d: a circle measure's angles as the rows (cos θ, sin θ) (d = 2), any other measure's points as they are. */
export function embeddedPoints(mu: Measure): { data: Float64Array; d: number } {
  if (mu.space !== 'circle') return { data: mu.points, d: mu.dim };
  const data = new Float64Array(2 * mu.size);
  for (let i = 0; i < mu.size; i++) { data[2 * i] = Math.cos(mu.points[i]); data[2 * i + 1] = Math.sin(mu.points[i]); }
  return { data, d: 2 };
}

/**
 * A gradient with respect to embedded points (n x 2 for a circle measure) as one in the measure's own
 * coordinates: on the circle the angle derivative dθ_i = -sin θ_i g_x + cos θ_i g_y (the chain rule through
 * θ -> (cos θ, sin θ), which is also the gradient along the unit circle); unchanged elsewhere (the
 * gradient in R^d of a sphere measure's points; project it onto the tangent space for the sphere's own).
 */
export function gradientInSpace(space: Space, points: Float64Array, g: Float64Array): Float64Array {
  if (space !== 'circle') return g;
  const n = points.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = -Math.sin(points[i]) * g[2 * i] + Math.cos(points[i]) * g[2 * i + 1];
  return out;
}

/**
 * Rows of embedded points (barycentres, means) in the coordinates of a measure on `space`: for a circle,
 * the angle atan2(y, x) in [0, 2π) of each row (the circular mean of what was averaged); NonFiniteError when
 * a row is the origin (its targets balance out: no direction). Unchanged elsewhere (a sphere measure's
 * barycentre stays in R^d, inside the ball).
 */
export function rowsInSpace(space: Space, rows: Float64Array, where: string): Float64Array {
  if (space !== 'circle') return rows;
  const n = rows.length / 2;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = rows[2 * i], y = rows[2 * i + 1];
    if (x === 0 && y === 0) throw new NonFiniteError(`${where}: row ${i} averages to the centre of the circle (its targets balance out), so it has no angle`);
    out[i] = wrapAngle(Math.atan2(y, x));
  }
  return out;
}

/**
 * Reads `value` as a {@link PointSet}, or throws InvalidArgumentError naming `name`: rows of
 * number[][] must hold only finite numbers (null, '', '2', true, [0] or a BigInt are refused,
 * never coerced); ResourceError beyond LIMITS.maxElements numbers, before allocating. A Measure is
 * read as `reading` says (see {@link PointReading}); its weights come along.
 */
export function pointSet(name: string, value: unknown, dim: number | undefined, reading: PointReading = 'coordinates'): PointSet {
  if (value instanceof Measure) {
    if (value.space === 'circle' && reading === 'coordinates') {
      throw new InvalidArgumentError(`${name}.space`, value.space, "must be 'euclidean' or 'sphere' here: a circle measure's angles are not vector coordinates (pass the embedded points [cos θ, sin θ] as number[][] if that is what you mean)");
    }
    const { data, d } = reading === 'embedded' ? embeddedPoints(value) : { data: value.points, d: value.dim };
    if (dim !== undefined && dim !== d) {
      throw new InvalidArgumentError('dim', dim, `must equal the dimension ${d} of ${name}${value.space === 'circle' ? " (a circle measure's points are (cos θ, sin θ) in R²)" : ''}`);
    }
    return { data, n: value.size, d, weights: value.weights };
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
  if (!Array.isArray(value) && !(ArrayBuffer.isView(value) && !(value instanceof DataView))) {
    throw new InvalidArgumentError(name, value, 'must be a Measure, number[][] (one row per point) or a flat Float64Array / number[] with dim');
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
