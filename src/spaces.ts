// The spaces particles live on. Each supplies the tangent projection used by flows, the
// retraction used by integrators after every step, and the distance used by analysis.
import { InvalidArgumentError } from './errors.js';

/**
 * Where a measure's points live: 'euclidean' (R^d), 'sphere' (unit sphere S^{d-1}, rows of norm 1)
 * or 'circle' (angle form: dim 1, angles in radians wrapped into [0, 2π)).
 *
 * One convention for every function that reads a Measure (docs/spaces.md): a sphere measure's points are
 * points of S^{d-1} ⊂ R^d, and a circle measure's angle θ is the point (cos θ, sin θ) of S¹ ⊂ R². Kernel
 * scores and transport costs are those of the embedded points (<x, y> = cos(θ - φ), |x - y|² = 2 - 2 cos(θ - φ),
 * the chordal cost, as on the sphere). Results in point coordinates come back in the measure's own
 * coordinates (an angle derivative for a gradient, an angle for a map) or the space is refused by name.
 */
export type Space = 'euclidean' | 'sphere' | 'circle';

/** The operations of one {@link Space}; point arrays are row-major n x d Float64Arrays. */
export interface SpaceOps {
  /** Which space these operations belong to. */
  readonly name: Space;
  /** v <- P_x v for every point (in place). Identity off the sphere. */
  project(x: Float64Array, v: Float64Array, n: number, d: number): void;
  /** Maps points back onto the space after a step (in place). */
  retract(x: Float64Array, n: number, d: number): void;
  /** Intrinsic distance between point i of a and point j of b. */
  distance(a: Float64Array, i: number, b: Float64Array, j: number, d: number): number;
}

const TWO_PI = 2 * Math.PI;

/** Flat R^d: identity projection and retraction, Euclidean distance. */
export const euclidean: SpaceOps = {
  name: 'euclidean',
  project() {},
  retract() {},
  distance(a, i, b, j, d) {
    let s = 0;
    for (let c = 0; c < d; c++) { const t = a[i * d + c] - b[j * d + c]; s += t * t; }
    return Math.sqrt(s);
  },
};

/** The unit sphere S^{d-1}: P_x = I - x x^T, retraction by normalisation, geodesic distance. */
export const sphere: SpaceOps = {
  name: 'sphere',
  project(x, v, n, d) {
    for (let i = 0; i < n; i++) {
      const o = i * d;
      let p = 0;
      for (let c = 0; c < d; c++) p += x[o + c] * v[o + c];
      for (let c = 0; c < d; c++) v[o + c] -= p * x[o + c];
    }
  },
  retract(x, n, d) {
    for (let i = 0; i < n; i++) {
      const o = i * d;
      let r = 0;
      for (let c = 0; c < d; c++) r += x[o + c] * x[o + c];
      r = Math.sqrt(r);
      for (let c = 0; c < d; c++) x[o + c] /= r;
    }
  },
  distance(a, i, b, j, d) {
    // From the chord: 2 asin(|x - y| / 2) is accurate at small angles, where acos(<x, y>) loses half the digits.
    let s = 0;
    for (let c = 0; c < d; c++) { const t = a[i * d + c] - b[j * d + c]; s += t * t; }
    return 2 * Math.asin(Math.min(1, Math.sqrt(s) / 2));
  },
};

/** The circle in angle form: one coordinate in [0, 2π), wrap-around distance. */
export const circle: SpaceOps = {
  name: 'circle',
  project() {},
  retract(x, n) {
    for (let i = 0; i < n; i++) x[i] = wrap(x[i]);
  },
  distance(a, i, b, j) {
    const t = Math.abs(a[i] - b[j]) % TWO_PI;
    return Math.min(t, TWO_PI - t);
  },
};

/**
 * t mod 2π in [0, 2π): `%` is exact, where t - 2π floor(t / 2π) goes negative for huge |t|.
 * @throws InvalidArgumentError unless t is a finite number.
 */
export function wrapAngle(t: number): number {
  if (typeof t !== 'number' || !Number.isFinite(t)) throw new InvalidArgumentError('t', t, 'must be a finite number (an angle in radians)');
  return wrap(t);
}

/** wrapAngle without the check, for the retraction's inner loop (its inputs are checked finite per step). */
function wrap(t: number): number {
  let w = t % TWO_PI;
  if (w < 0) w += TWO_PI;
  return w >= TWO_PI ? 0 : w + 0; // + 0 turns -0 into 0
}

/**
 * The {@link SpaceOps} of a space name.
 * @throws InvalidArgumentError unless name is 'euclidean', 'sphere' or 'circle'.
 */
export function spaceOps(name: Space): SpaceOps {
  if (name === 'sphere') return sphere;
  if (name === 'circle') return circle;
  if (name === 'euclidean') return euclidean;
  throw new InvalidArgumentError('space', name, "must be 'euclidean', 'sphere' or 'circle'");
}
