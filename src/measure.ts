// A Measure: n weighted points in R^d, on the unit sphere, or on the circle (angle form).
import { InvalidArgumentError } from './errors.js';
import { wrapAngle, type Space } from './spaces.js';
import { Random, requireSeed } from './random.js';
import { optionsSchema, rule } from './options.js';
import { checkElements, integerAtLeast, positiveNumber, strictNumbers, toFloat64 } from './validate.js';

const SPACES = ['euclidean', 'sphere', 'circle'] as const;
const TWO_PI = 2 * Math.PI;
/** Points of a 'sphere' measure must have norm 1 within this. */
export const SPHERE_TOLERANCE = 1e-9;

/** Options of the {@link Measure} constructor. */
export interface MeasureOptions {
  /** Point dimension; required for flat arrays, inferred from number[][]. */
  dim?: number;
  /** Non-negative, not all zero; default uniform 1/n. Stored as given (see normalized()). */
  weights?: Float64Array | number[];
  /** Default 'euclidean'. 'circle' is angle form: dim 1, angles wrapped into [0, 2π). */
  space?: Space;
}

// Each option's value is checked against the points (dim, the weights' length), so the rules pass them through.
const given = <V>(doc: string) => rule.custom(doc, (_name, v) => v as V);
const weightsRule = given<Float64Array | number[]>('non-negative weights, not all zero (default uniform 1/n)');
const MEASURE_OPTIONS = optionsSchema<MeasureOptions>()({
  dim: given<number>('point dimension d; required for flat points (except on the circle)'),
  weights: weightsRule,
  space: rule.oneOf(SPACES, "the space: 'euclidean', 'sphere' or 'circle' (angles)").or('euclidean'),
});

/** Options of {@link Measure.uniformSphere} and {@link Measure.uniformCircle}. */
export interface SamplerOptions {
  /** Seed of the generator (non-negative safe integer); required. */
  seed: number;
  /** Weights of the points (as in the constructor); default uniform 1/n. */
  weights?: Float64Array | number[];
}
/** Options of {@link Measure.gaussian}. */
export interface GaussianOptions extends SamplerOptions {
  /** Mean, a number or one per coordinate. Default 0. */
  mean?: number | number[];
  /** Standard deviation > 0, a number or one per coordinate. Default 1. */
  std?: number | number[];
}
/** Options of {@link Measure.uniformBox}. */
export interface BoxOptions extends SamplerOptions {
  /** Lower corner, a number or one per coordinate. Default 0. */
  low?: number | number[];
  /** Upper corner (> low), a number or one per coordinate. Default 1. */
  high?: number | number[];
}
/** Options of {@link Measure.equallySpacedCircle}. */
export interface SpacedOptions {
  /** Angle of the first point (radians). Default 0. */
  offset?: number;
}
const SAMPLER_RULES = { seed: rule.custom('seed of the generator, a non-negative safe integer (required)', requireSeed), weights: weightsRule };
const SAMPLER_OPTIONS = optionsSchema<SamplerOptions>()(SAMPLER_RULES);
const GAUSSIAN_OPTIONS = optionsSchema<GaussianOptions>()({
  ...SAMPLER_RULES,
  mean: given<number | number[]>('mean, a number or one per coordinate (default 0)'),
  std: given<number | number[]>('standard deviation > 0, a number or one per coordinate (default 1)'),
});
const BOX_OPTIONS = optionsSchema<BoxOptions>()({
  ...SAMPLER_RULES,
  low: given<number | number[]>('lower corner, a number or one per coordinate (default 0)'),
  high: given<number | number[]>('upper corner (> low), a number or one per coordinate (default 1)'),
});
const SPACED_OPTIONS = optionsSchema<SpacedOptions>()({ offset: rule.finite('angle of the first point, in radians').or(0) });

/** Plain-number form of a Measure, from {@link Measure.toJSON}. */
export interface MeasureJSON {
  /** Point dimension d. */
  dim: number;
  /** The space the points live on. */
  space: Space;
  /** Row-major n x dim coordinates. */
  points: number[];
  /** The n weights, as stored (not necessarily summing to 1). */
  weights: number[];
}

/**
 * A finite measure sum_i w_i δ_{x_i}: n weighted points in R^d, on the unit sphere, or on the
 * circle (angles in radians). Immutable by convention; the Measure owns copies of its arrays.
 */
export class Measure {
  /** Row-major n x dim. */
  readonly points: Float64Array;
  /** The n non-negative weights, stored as given: not normalised (default uniform 1/n); see {@link normalized}. */
  readonly weights: Float64Array;
  /** Point dimension d (1 for 'circle'). */
  readonly dim: number;
  /** Number of points n. */
  readonly size: number;
  /** The space the points live on. */
  readonly space: Space;

  /** 'Measure': how error messages and Object.prototype.toString name it (a bundler may rename the class itself). */
  get [Symbol.toStringTag](): string {
    return 'Measure';
  }

  /**
   * @param points number[][] (one row per point), or a flat row-major Float64Array / number[]
   *   with `options.dim` (not needed for 'circle'). Copied; circle angles are wrapped into [0, 2π).
   * @param options an options object (or omitted); anything else, null included, is refused, and so is an unknown key.
   * @throws InvalidArgumentError for an empty or ragged input, non-finite values, 'sphere' points
   *   off the unit sphere (beyond SPHERE_TOLERANCE) or negative, non-finite or all-zero weights;
   *   UnknownOptionError for an unknown option; ResourceError beyond LIMITS.maxElements numbers.
   */
  constructor(points: Float64Array | number[] | number[][], options?: MeasureOptions) {
    const o = MEASURE_OPTIONS.read('Measure', options);
    const space = o.space;
    let flat: Float64Array;
    let dim: number;
    if (Array.isArray(points) && points.length > 0 && Array.isArray(points[0])) {
      const rows = points as number[][];
      dim = rows[0].length;
      if (o.dim !== undefined && o.dim !== dim) throw new InvalidArgumentError('dim', o.dim, `must equal the row length ${dim} of points`);
      checkElements('Measure points', rows.length * dim);
      flat = new Float64Array(rows.length * dim);
      rows.forEach((row, i) => {
        if (!Array.isArray(row) || row.length !== dim) throw new InvalidArgumentError(`points[${i}]`, row, `must be an array of length ${dim} like points[0]`);
        for (let c = 0; c < dim; c++) {
          // Checked here because a Float64Array would silently turn null into 0 and '1' into 1.
          if (typeof row[c] !== 'number') throw new InvalidArgumentError('points', row[c], 'must contain only numbers', `at point ${i}, coordinate ${c}`);
          flat[i * dim + c] = row[c];
        }
      });
    } else {
      strictNumbers('points', points);
      flat = Float64Array.from(toFloat64('points', points)); // always a copy: the Measure owns its arrays
      if (flat.length === 0) throw new InvalidArgumentError('points', points, 'must hold at least one point (n >= 1)');
      // A circle measure's points are angles, so its dim can only be 1.
      dim = o.dim ?? (space === 'circle' ? 1 : NaN);
      if (o.dim === undefined && space !== 'circle') throw new InvalidArgumentError('dim', undefined, 'is required when points is a flat array');
    }
    integerAtLeast('dim', dim, 1);
    if (flat.length % dim !== 0) throw new InvalidArgumentError('points.length', flat.length, `must be a multiple of dim = ${dim}`);
    const n = flat.length / dim;
    for (let i = 0; i < flat.length; i++) {
      if (!Number.isFinite(flat[i])) {
        throw new InvalidArgumentError('points', flat[i], 'must be finite', `at index ${i} (point ${Math.floor(i / dim)}, coordinate ${i % dim})`);
      }
    }
    if (space === 'circle') {
      if (dim !== 1) throw new InvalidArgumentError('dim', dim, "must be 1 for space 'circle' (points are angles)");
      for (let i = 0; i < n; i++) flat[i] = wrapAngle(flat[i]);
    }
    if (space === 'sphere') {
      for (let i = 0; i < n; i++) {
        let r = 0;
        for (let c = 0; c < dim; c++) r += flat[i * dim + c] ** 2;
        r = Math.sqrt(r);
        if (Math.abs(r - 1) > SPHERE_TOLERANCE) {
          throw new InvalidArgumentError('points', r, `must lie on the unit sphere (| |x| - 1 | <= ${SPHERE_TOLERANCE}) for space 'sphere'`, `as the norm of point ${i}`);
        }
      }
    }
    this.points = flat;
    this.dim = dim;
    this.size = n;
    this.space = space;
    this.weights = checkWeights(o.weights, n);
  }

  /** Total mass: the sum of the weights. */
  get mass(): number {
    let s = 0;
    for (let i = 0; i < this.size; i++) s += this.weights[i];
    return s;
  }

  /** The probability measure: weights scaled to sum to 1. */
  normalized(): Measure {
    const m = this.mass;
    return new Measure(this.points, { dim: this.dim, space: this.space, weights: this.weights.map((w) => w / m) });
  }

  /** An independent copy (same points, weights and space, as given). */
  copy(): Measure {
    return new Measure(this.points, { dim: this.dim, space: this.space, weights: this.weights });
  }

  /** The same weights and space on new points of the same shape. */
  withPoints(points: Float64Array): Measure {
    if (!(points instanceof Float64Array)) throw new InvalidArgumentError('points', points, 'must be a Float64Array');
    if (points.length !== this.points.length) throw new InvalidArgumentError('points.length', points.length, `must equal ${this.points.length} (n x dim of this measure)`);
    return new Measure(points, { dim: this.dim, space: this.space, weights: this.weights });
  }

  /** A copy of point i. */
  point(i: number): Float64Array {
    if (!Number.isInteger(i) || i < 0 || i >= this.size) throw new InvalidArgumentError('i', i, `must be an integer in [0, ${this.size})`);
    return this.points.slice(i * this.dim, (i + 1) * this.dim);
  }

  /** The points as number[][], one row of length dim per point. */
  toArray(): number[][] {
    return Array.from({ length: this.size }, (_, i) => Array.from(this.points.subarray(i * this.dim, (i + 1) * this.dim)));
  }

  /** Plain numbers: exact for every double but the sign of zero (JSON has no -0). */
  toJSON(): MeasureJSON {
    return { dim: this.dim, space: this.space, points: Array.from(this.points), weights: Array.from(this.weights) };
  }

  /** Inverse of toJSON(), from its object or its JSON string; validated like the constructor. */
  static fromJSON(json: MeasureJSON | string): Measure {
    let j = json as MeasureJSON;
    if (typeof json === 'string') {
      try {
        j = JSON.parse(json) as MeasureJSON;
      } catch {
        throw new InvalidArgumentError('json', json.length > 40 ? `${json.slice(0, 40)}...` : json, 'must be valid JSON from Measure.toJSON()');
      }
    }
    if (j === null || typeof j !== 'object' || !Array.isArray(j.points)) throw new InvalidArgumentError('json', j, 'must be the output of Measure.toJSON()');
    return new Measure(j.points, { dim: j.dim, space: j.space, weights: j.weights });
  }

  /** n points uniform on the unit sphere S^{d-1} (normalised standard Gaussian vectors). */
  static uniformSphere(n: number, d: number, options: SamplerOptions): Measure {
    const o = SAMPLER_OPTIONS.read('Measure.uniformSphere', options);
    const rng = new Random(requireSeed('seed', o.seed));
    const x = sized(n, d);
    for (let i = 0; i < n; i++) {
      let r = 0;
      // An all-zero draw has no direction; draw again (probability 0 in exact arithmetic).
      while (r === 0) {
        r = 0;
        for (let c = 0; c < d; c++) { x[i * d + c] = rng.normal(); r += x[i * d + c] ** 2; }
      }
      r = Math.sqrt(r);
      for (let c = 0; c < d; c++) x[i * d + c] /= r;
    }
    return new Measure(x, { dim: d, space: 'sphere', weights: o.weights });
  }

  /** n Gaussian points with the given mean (number or per-coordinate) and std > 0. */
  static gaussian(n: number, d: number, options: GaussianOptions): Measure {
    const o = GAUSSIAN_OPTIONS.read('Measure.gaussian', options);
    const rng = new Random(requireSeed('seed', o.seed));
    const x = sized(n, d);
    const mean = perCoordinate('mean', o.mean ?? 0, d);
    const std = perCoordinate('std', o.std ?? 1, d);
    std.forEach((s) => positiveNumber('std', s));
    for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) x[i * d + c] = mean[c] + std[c] * rng.normal();
    return new Measure(x, { dim: d, weights: o.weights });
  }

  /** n points uniform in the box [low, high)^d (numbers or per-coordinate bounds, low < high). */
  static uniformBox(n: number, d: number, options: BoxOptions): Measure {
    const o = BOX_OPTIONS.read('Measure.uniformBox', options);
    const rng = new Random(requireSeed('seed', o.seed));
    const x = sized(n, d);
    const low = perCoordinate('low', o.low ?? 0, d);
    const high = perCoordinate('high', o.high ?? 1, d);
    for (let c = 0; c < d; c++) {
      if (!(low[c] < high[c])) throw new InvalidArgumentError('high', high[c], `must be greater than low (${low[c]})`, `at coordinate ${c}`);
    }
    for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) x[i * d + c] = rng.uniform(low[c], high[c]);
    return new Measure(x, { dim: d, weights: o.weights });
  }

  /** n angles uniform on the circle. */
  static uniformCircle(n: number, options: SamplerOptions): Measure {
    const o = SAMPLER_OPTIONS.read('Measure.uniformCircle', options);
    const rng = new Random(requireSeed('seed', o.seed));
    const x = sized(n, 1);
    for (let i = 0; i < n; i++) x[i] = TWO_PI * rng.next();
    return new Measure(x, { dim: 1, space: 'circle', weights: o.weights });
  }

  /** n equally spaced angles offset + 2πi/n. */
  static equallySpacedCircle(n: number, options?: SpacedOptions): Measure {
    const { offset } = SPACED_OPTIONS.read('Measure.equallySpacedCircle', options);
    const x = sized(n, 1);
    for (let i = 0; i < n; i++) x[i] = offset + (TWO_PI * i) / n;
    return new Measure(x, { dim: 1, space: 'circle' });
  }
}

/** A zeroed n x d Float64Array, after checking n >= 1 and d >= 1 are integers and n d within LIMITS (ResourceError, before allocating). */
function sized(n: number, d: number): Float64Array {
  integerAtLeast('n', n, 1);
  integerAtLeast('d', d, 1);
  checkElements(`a Measure of ${n} x ${d} points`, n * d);
  return new Float64Array(n * d);
}

function perCoordinate(name: string, value: number | number[], d: number): number[] {
  const v = typeof value === 'number' ? new Array<number>(d).fill(value) : value;
  if (!Array.isArray(v) || v.length !== d) throw new InvalidArgumentError(name, value, `must be a number or an array of length d = ${d}`);
  v.forEach((x, i) => {
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new InvalidArgumentError(name, x, 'must be finite', `at coordinate ${i}`);
  });
  return v;
}

function checkWeights(weights: Float64Array | number[] | undefined, n: number): Float64Array {
  if (weights === undefined) return new Float64Array(n).fill(1 / n);
  strictNumbers('weights', weights);
  const w = Float64Array.from(toFloat64('weights', weights));
  if (w.length !== n) throw new InvalidArgumentError('weights.length', w.length, `must equal the number of points ${n}`);
  let total = 0;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(w[i])) throw new InvalidArgumentError('weights', w[i], 'must be finite', `at index ${i}`);
    if (w[i] < 0) throw new InvalidArgumentError('weights', w[i], 'must be >= 0', `at index ${i}`);
    total += w[i];
  }
  if (total === 0) throw new InvalidArgumentError('weights', total, 'must not all be zero', 'as their sum');
  if (!Number.isFinite(total)) throw new InvalidArgumentError('weights', total, 'must have a finite sum', 'as their sum');
  return w;
}
