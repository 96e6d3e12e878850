// Exact and sliced Wasserstein distances, and the Gaussian (Bures) closed form.
// Cost |x - y|^2 (not halved): every function returns squared W2.
import { InvalidArgumentError, OverflowError, ResourceError } from '../errors.js';
import { Random, requireSeed } from '../random.js';
import { allFinite, checkElements, finiteVector, LIMITS, strictNumbers, toFloat64 } from '../validate.js';
import { optionsSchema, rule } from '../options.js';
import type { PointsInput } from '../points.js';
import { jacobiEigen, multiply, symmetricFunction } from '../linalg.js';
import { DIM_RULE, otPair } from './common.js';
import { exactW2 } from './exact.js';

/** Largest n * m the exact LP solver accepts. */
export const EXACT_LIMIT = 2.5e7;

/** Exact squared W2 and the method that computed it. */
export interface Wasserstein2Result {
  /** Squared W2. */
  value: number;
  /** 'sorted' (d = 1, exact at any size) or 'network-simplex' (exact LP). */
  method: 'sorted' | 'network-simplex';
}

/** Options of {@link wasserstein2} and {@link wasserstein2Detailed}. */
export interface Wasserstein2Options {
  /** Point dimension; required when a or b is a flat array (as for logSumExp). */
  dim?: number;
}
/** The options of wasserstein2 and wasserstein2Detailed, declared once. */
export const W2_SCHEMA = optionsSchema<Wasserstein2Options>()({ dim: DIM_RULE });

/**
 * Exact squared W2 between two measures (weights normalised to 1): the sorting formula in
 * d = 1 at any size, the network simplex otherwise (up to EXACT_LIMIT = n·m arcs). a and b are
 * Measures or the point forms logSumExp takes (uniform weights); a circle measure's angles are the
 * points (cos θ, sin θ) of R² (the chordal cost 2 - 2 cos(θ - φ), as on the sphere).
 */
export function wasserstein2(a: PointsInput, b: PointsInput, options?: Wasserstein2Options): number {
  return wasserstein2Detailed(a, b, options).value;
}

/**
 * wasserstein2 plus the method used. Throws InvalidArgumentError for inputs that are not point sets,
 * mismatched dimensions, or n·m > EXACT_LIMIT when d > 1; OverflowError when the squared costs leave the
 * double range. Not abortable (n·m <= EXACT_LIMIT bounds it to seconds).
 */
export function wasserstein2Detailed(a: PointsInput, b: PointsInput, options?: Wasserstein2Options): Wasserstein2Result {
  const o = W2_SCHEMA.read('wasserstein2', options);
  const p = otPair(a, b, true, o.dim);
  if (p.d === 1) return { value: finiteW2(sortedW2(p.x, p.a, p.y, p.b)), method: 'sorted' };
  if (p.n * p.m > EXACT_LIMIT) {
    throw new InvalidArgumentError(
      'a, b',
      `${p.n} x ${p.m} points`,
      `are too many for the exact solver (n·m <= ${EXACT_LIMIT}); use sinkhornDivergence or slicedWasserstein`,
    );
  }
  return { value: finiteW2(exactW2(p.x, p.a, p.y, p.b, p.d).cost), method: 'network-simplex' };
}

function finiteW2(v: number): number {
  if (!Number.isFinite(v)) throw new OverflowError(`W2^2 = ${v} is beyond the double range for these points; rescale them`);
  return v;
}

/**
 * W2^2 between two weighted point sets on the line: ∫_0^1 |F^-1(t) - G^-1(t)|^2 dt, walking
 * both sorted supports. O((n + m) log(n + m)).
 */
export function sortedW2(x: Float64Array, a: Float64Array, y: Float64Array, b: Float64Array): number {
  const ix = Array.from(x.keys()).sort((i, j) => x[i] - x[j]);
  const iy = Array.from(y.keys()).sort((i, j) => y[i] - y[j]);
  let i = 0,
    j = 0;
  let ra = a[ix[0]],
    rb = b[iy[0]];
  let total = 0;
  for (;;) {
    const w = Math.min(ra, rb);
    total += w * (x[ix[i]] - y[iy[j]]) ** 2;
    ra -= w;
    rb -= w;
    // Move on from the exhausted atom (both when they end together, up to round-off).
    const endA = ra <= 1e-15,
      endB = rb <= 1e-15;
    if (endA) {
      if (++i >= ix.length) break;
      ra = a[ix[i]];
    }
    if (endB) {
      if (++j >= iy.length) break;
      rb = b[iy[j]];
    }
  }
  return total;
}

/** Options of slicedWasserstein. */
export interface SlicedOptions {
  /** Point dimension; required when a or b is a flat array (as for logSumExp). */
  dim?: number;
  /** Number of random directions. Default 100. */
  projections?: number;
  /** Seed of the random directions (required): the same seed gives the same value. */
  seed: number;
}

/** The options of slicedWasserstein, declared once; seed is required (slicedWasserstein refuses it missing). */
export const SLICED_SCHEMA = optionsSchema<SlicedOptions>()({
  dim: DIM_RULE,
  projections: rule.integer(1, 'number of random directions').or(100),
  seed: rule.custom('seed of the random directions, a non-negative safe integer (required)', requireSeed),
});

/**
 * Sliced W2^2: the mean over random unit directions θ of W2^2(θ#a, θ#b) (weights normalised to 1; a, b as
 * for wasserstein2, circle measures sliced as their embedded points in R²).
 * Throws InvalidArgumentError for bad measures or options, ResourceError when projections·(n + m)·d
 * exceeds LIMITS.maxPairWork, OverflowError when a projected W2^2 leaves the double range.
 */
export function slicedWasserstein(a: PointsInput, b: PointsInput, options: SlicedOptions): number {
  const o = SLICED_SCHEMA.read('slicedWasserstein', options);
  const p = otPair(a, b, true, o.dim);
  const L = o.projections;
  const rng = new Random(requireSeed('seed', o.seed));
  const work = L * (p.n + p.m) * p.d;
  if (!(work <= LIMITS.maxPairWork)) throw new ResourceError(`slicedWasserstein with ${L} projections`, work * 8, LIMITS.maxPairWork * 8);
  const { n, m, d } = p;
  const px = new Float64Array(n),
    py = new Float64Array(m),
    theta = new Float64Array(d);
  let sum = 0;
  for (let l = 0; l < L; l++) {
    let r = 0;
    while (r === 0) {
      r = 0;
      for (let c = 0; c < d; c++) {
        theta[c] = rng.normal();
        r += theta[c] ** 2;
      }
    }
    r = Math.sqrt(r);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += p.x[i * d + c] * theta[c];
      px[i] = s / r;
    }
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += p.y[j * d + c] * theta[c];
      py[j] = s / r;
    }
    sum += sortedW2(px, p.a, py, p.b);
  }
  return finiteW2(sum / L);
}

/**
 * W2^2 between N(m1, S1) and N(m2, S2) (Bures closed form):
 * |m1 - m2|^2 + tr(S1 + S2 - 2 (S1^{1/2} S2 S1^{1/2})^{1/2}).
 * Throws InvalidArgumentError for non-numeric or non-finite entries, mismatched sizes, or covariances
 * that are not symmetric positive semi-definite; OverflowError when the result leaves the double range.
 */
export function gaussianW2(
  m1: ArrayLike<number>,
  S1: ArrayLike<number> | number[][],
  m2: ArrayLike<number>,
  S2: ArrayLike<number> | number[][],
): number {
  const mu1 = finiteVector('m1', m1),
    mu2 = finiteVector('m2', m2);
  const d = mu1.length;
  if (d > GAUSSIAN_MAX_DIM)
    throw new InvalidArgumentError('m1.length', d, `must be at most ${GAUSSIAN_MAX_DIM} (the Jacobi eigensolver costs O(d^3) per sweep)`);
  checkElements('gaussianW2 covariance', d * d);
  if (d < 1) throw new InvalidArgumentError('m1', m1, 'must have at least one coordinate');
  if (mu2.length !== d) throw new InvalidArgumentError('m2.length', mu2.length, `must equal m1.length ${d}`);
  const A = covariance('S1', S1, d),
    B = covariance('S2', S2, d);
  const rootA = symmetricFunction(A, d, Math.sqrt);
  const M = multiply(multiply(rootA, B, d), rootA, d);
  const rootM = symmetricFunction(M, d, (v) => Math.sqrt(Math.max(v, 0)));
  let value = 0;
  for (let c = 0; c < d; c++) value += (mu1[c] - mu2[c]) ** 2 + A[c * d + c] + B[c * d + c] - 2 * rootM[c * d + c];
  if (!Number.isFinite(value))
    throw new OverflowError(`gaussianW2: the result leaves the double range (${value}) for these means and covariances; rescale them`);
  return Math.max(value, 0);
}

/** Largest dimension gaussianW2 accepts. */
export const GAUSSIAN_MAX_DIM = 500;

function covariance(name: string, S: unknown, d: number): Float64Array {
  if (!Array.isArray(S) && !(ArrayBuffer.isView(S) && !(S instanceof DataView)))
    throw new InvalidArgumentError(name, S, `must be a ${d} x ${d} matrix (number[][] or flat row-major)`);
  strictNumbers(name, S);
  if (Array.isArray(S) && Array.isArray(S[0])) {
    if (S.length !== d) throw new InvalidArgumentError(name, `${S.length} rows`, `must be a ${d} x ${d} matrix`);
    S.forEach((row: unknown[], r) => {
      if (row.length !== d) throw new InvalidArgumentError(`${name}[${r}]`, row, `must have ${d} entries`);
    });
  }
  const flat = Float64Array.from(toFloat64(name, Array.isArray(S) && Array.isArray(S[0]) ? (S as number[][]).flat() : S));
  allFinite(name, flat);
  if (flat.length !== d * d) throw new InvalidArgumentError(name, `${flat.length} entries`, `must be a ${d} x ${d} matrix`);
  for (let r = 0; r < d; r++) {
    for (let c = 0; c < r; c++) {
      if (Math.abs(flat[r * d + c] - flat[c * d + r]) > 1e-12 * (Math.abs(flat[r * d + c]) + Math.abs(flat[c * d + r]) + 1e-300)) {
        throw new InvalidArgumentError(name, `entries ${flat[r * d + c]} and ${flat[c * d + r]}`, 'must be symmetric', `at (${r}, ${c})`);
      }
    }
  }
  const { values } = jacobiEigen(flat, d);
  const min = Math.min(...values),
    max = Math.max(...values);
  if (min < -1e-12 * Math.max(1, max)) throw new InvalidArgumentError(name, `an eigenvalue ${min}`, 'must be positive semi-definite');
  return flat;
}
