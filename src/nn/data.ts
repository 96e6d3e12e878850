// Training data for two-layer networks: samples X (N x d, row-major) and targets Y (N).
import { InvalidArgumentError } from '../errors.js';
import { pointSet } from '../points.js';
import { Random, requireSeed } from '../random.js';
import { optionsSchema, rule } from '../options.js';
import { allFinite, checkElements, strictNumbers, toFloat64 } from '../validate.js';

/** Training data as given by the user: N samples X (N x d) and N targets Y. */
export interface DataInput {
  /** Samples: number[][] or a row-major array (then give dim). */
  X: ArrayLike<number> | number[][];
  /** One target per sample. Labels ±1 for the logistic loss. */
  Y: ArrayLike<number>;
  /** Sample dimension d; required when X is a flat array. */
  dim?: number;
}

/** Numbers, never BigInt or other values (checked in full, with the shape, by pointSet and toFloat64). */
const numbers = <V>(doc: string) => rule.custom(doc, (name, v) => {
  strictNumbers(name, v);
  return v as V;
});
const DATA_OPTIONS = optionsSchema<DataInput>()({
  X: numbers<DataInput['X']>('samples: number[][] or a row-major array with dim (required)'),
  Y: numbers<DataInput['Y']>('one finite target per sample (required)'),
  dim: rule.custom('sample dimension d; required when X is flat (checked by pointSet)', (_name, v) => v as number),
});

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
  const o = DATA_OPTIONS.read(name, input, `${name}.`);
  const { data: X, n, d: dim } = pointSet(`${name}.X`, o.X, o.dim);
  const Y = toFloat64(`${name}.Y`, o.Y);
  allFinite(`${name}.Y`, Y);
  if (Y.length !== n) throw new InvalidArgumentError(`${name}.Y`, `${Y.length} targets`, `must have one target per sample (${n} samples in ${name}.X)`);
  return { X, Y, n, dim };
}

/** Throws unless every label is -1 or +1 (the logistic loss's convention). */
export function requireLabels(name: string, Y: Float64Array): void {
  const i = Y.findIndex((y) => y !== 1 && y !== -1);
  if (i >= 0) throw new InvalidArgumentError(name, Y[i], 'must hold labels -1 or +1 for the logistic loss', `at index ${i}`);
}

/** Options of the synthetic two-class datasets (twoMoons, gaussianXor, concentricCircles). */
export interface SyntheticOptions {
  /** Number of samples N (half of each class: labels alternate +1, -1). Default 200. */
  samples?: number;
  /** Standard deviation of the Gaussian noise added to each coordinate. Default: per dataset. */
  noise?: number;
  /** Seed of the samples (required). */
  seed: number;
}

/** Options of concentricCircles. */
export interface CirclesOptions extends SyntheticOptions {
  /** Radius of the inner circle (label +1) relative to the outer one (radius 1, label -1), in (0, 1). Default 0.5. */
  factor?: number;
}

/** A labelled two-class dataset in the plane: X (N x 2, row-major), labels Y = ±1, dim 2. */
export interface LabelledData {
  /** Samples, row-major N x 2. */
  X: Float64Array;
  /** Labels ±1 (alternating, starting with +1). */
  Y: Float64Array;
  /** Sample dimension (2). */
  dim: number;
}

/** The options of a synthetic dataset whose noise defaults to `noise`. */
const syntheticRules = (noise: number) => ({
  samples: rule.integer(1, 'number of samples N, half of each class').or(200),
  noise: rule.nonNegative('standard deviation of the Gaussian noise added to each coordinate').or(noise),
  seed: rule.custom('seed of the samples (required)', requireSeed),
});
const MOONS_OPTIONS = optionsSchema<SyntheticOptions>()(syntheticRules(0.1));
const XOR_OPTIONS = optionsSchema<SyntheticOptions>()(syntheticRules(0.35));
const CIRCLES_OPTIONS = optionsSchema<CirclesOptions>()({
  ...syntheticRules(0.08),
  factor: rule.custom('radius of the inner circle relative to the outer one, in (0, 1)', (name, f) => {
    if (typeof f !== 'number' || !(f > 0 && f < 1)) throw new InvalidArgumentError(name, f, 'must be a number in (0, 1)');
    return f;
  }).or(0.5),
});

/** What the three schemas read: samples and noise defaulted, the seed still to be required. */
type SyntheticRead = { samples: number; noise: number; seed?: number; factor?: number };

function synthetic(where: string, options: unknown, schema: { read(where: string, value: unknown): object }) {
  if (options === undefined) throw new InvalidArgumentError(`${where} options`, options, 'must give seed');
  const o = schema.read(where, options) as SyntheticRead;
  const seed = requireSeed('seed', o.seed); // required: a missing seed is refused here
  const n = o.samples;
  checkElements('samples', 2 * n);
  const Y = Float64Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 1 : -1));
  return { o, rng: new Random(seed), n, sd: o.noise, X: new Float64Array(2 * n), Y };
}

/**
 * Two interleaving half circles (scikit-learn's make_moons, angles drawn uniformly): label +1 on
 * (cos t, sin t), label -1 on (1 - cos t, 1/2 - sin t), t ~ U(0, π), plus N(0, noise²) per
 * coordinate (default noise 0.1), shifted by (-1/2, -1/4) so the set is centred.
 */
export function twoMoons(options: SyntheticOptions): LabelledData {
  const { rng, n, sd, X, Y } = synthetic('twoMoons', options, MOONS_OPTIONS);
  for (let i = 0; i < n; i++) {
    const t = Math.PI * rng.next();
    const [u, v] = Y[i] > 0 ? [Math.cos(t), Math.sin(t)] : [1 - Math.cos(t), 0.5 - Math.sin(t)];
    X[2 * i] = u - 0.5 + sd * rng.normal();
    X[2 * i + 1] = v - 0.25 + sd * rng.normal();
  }
  return { X, Y, dim: 2 };
}

/**
 * Gaussian XOR: four Gaussian clusters N((±1, ±1), noise² I) (default noise 0.35), the label the
 * product of the centre's signs (+1 on (1, 1) and (-1, -1), -1 on the other diagonal).
 */
export function gaussianXor(options: SyntheticOptions): LabelledData {
  const { rng, n, sd, X, Y } = synthetic('gaussianXor', options, XOR_OPTIONS);
  for (let i = 0; i < n; i++) {
    const sx = rng.next() < 0.5 ? -1 : 1, sy = Y[i] * sx;
    X[2 * i] = sx + sd * rng.normal();
    X[2 * i + 1] = sy + sd * rng.normal();
  }
  return { X, Y, dim: 2 };
}

/**
 * Two concentric circles (scikit-learn's make_circles, angles drawn uniformly): label -1 on the
 * unit circle, label +1 on the circle of radius `factor` (default 0.5), plus N(0, noise²) per
 * coordinate (default noise 0.08).
 */
export function concentricCircles(options: CirclesOptions): LabelledData {
  const { o, rng, n, sd, X, Y } = synthetic('concentricCircles', options, CIRCLES_OPTIONS);
  const factor = o.factor as number;
  for (let i = 0; i < n; i++) {
    const t = 2 * Math.PI * rng.next(), r = Y[i] > 0 ? factor : 1;
    X[2 * i] = r * Math.cos(t) + sd * rng.normal();
    X[2 * i + 1] = r * Math.sin(t) + sd * rng.normal();
  }
  return { X, Y, dim: 2 };
}
