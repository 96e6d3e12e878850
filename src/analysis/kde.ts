// Modes of the density rho(θ) = sum_j a_j e^{beta cos(θ - θ_j)} on the circle.
// rho'(θ) = beta rho(θ) <mean(θ), t(θ)> with mean the kernel's softmax mean of the embedded
// particles and t(θ) = (-sin θ, cos θ): one kernel pass over a grid gives the sign of rho'.
import { backendFor, type BackendName } from '../backend/index.js';
import { InvalidArgumentError, ResourceError } from '../errors.js';
import { EVAL_RULES } from '../flows/eval-options.js';
import { optionsSchema, rule } from '../options.js';
import { allFinite, integerAtLeast, LIMITS, strictNumbers, toFloat64 } from '../validate.js';

/** Options of kdeModes. */
export interface KdeOptions {
  /** Concentration of the kernel e^{beta cos(θ - θ_j)} (> 0): bandwidth about 1/sqrt(beta). Required. */
  beta: number;
  /** a_j, one per angle, >= 0; need not be normalised (the mode count is scale invariant). Default uniform. */
  weights?: Float64Array | number[];
  /** Grid points (integer >= 8); default max(4096, ceil(256 sqrt(beta))), fine enough to separate modes at this beta. */
  grid?: number;
  /** Compute backend, 'wasm' or 'js'. Default: the one chosen by init() ('wasm' unless init({ backend: 'js' })); 'wasm' throws NotInitializedError before init(). */
  backend?: BackendName;
}

const KDE_OPTIONS = optionsSchema<KdeOptions>()({
  beta: rule.positive('concentration of the kernel e^{beta cos(θ - θ_j)}, bandwidth about 1/sqrt(beta) (required)'),
  weights: rule.custom('a_j, one per angle, >= 0 (default uniform)', (name, v) => {
    strictNumbers(name, v);
    return v as Float64Array | number[];
  }),
  grid: rule.integer(8, 'grid points (default max(4096, ceil(256 sqrt(beta))))'),
  backend: EVAL_RULES.backend,
});

/**
 * Number of local maxima of rho(θ) = sum_j a_j e^{beta cos(θ - θ_j)} on the circle, for angles
 * θ_j in radians, counted on a uniform grid. Throws InvalidArgumentError for empty or non-finite
 * input, weights that are negative, non-finite or sum to zero, options that are missing, null or
 * hold an unknown key; ResourceError when the grid (default ceil(256 sqrt(beta)) points, so beta
 * beyond about 2e9) would exceed LIMITS.maxElements.
 */
export function kdeModes(angles: Float64Array | number[], options: KdeOptions): number {
  if (options === undefined) throw new InvalidArgumentError('kdeModes options', options, 'must be { beta, weights?, grid?, backend? } (beta is required)');
  const o = KDE_OPTIONS.read('kdeModes', options);
  strictNumbers('angles', angles);
  const theta = toFloat64('angles', angles);
  if (theta.length === 0) throw new InvalidArgumentError('angles', angles, 'must hold at least one angle');
  allFinite('angles', theta);
  const beta = KDE_OPTIONS.rules.beta.check('beta', o.beta); // required: a missing beta is refused here
  const n = theta.length;
  const w = o.weights === undefined ? new Float64Array(n).fill(1 / n) : toFloat64('weights', o.weights);
  if (w.length !== n) throw new InvalidArgumentError('weights.length', w.length, `must equal the number of angles ${n}`);
  let total = 0;
  for (let j = 0; j < n; j++) {
    if (!Number.isFinite(w[j]) || w[j] < 0) throw new InvalidArgumentError('weights', w[j], 'must be finite and >= 0', `at index ${j}`);
    total += w[j];
  }
  if (!(total > 0) || !Number.isFinite(total)) throw new InvalidArgumentError('weights', total, 'must have a finite, positive sum', 'as their sum');
  // The kernel's bandwidth is about 1/sqrt(beta); sample each bandwidth many times.
  const grid = o.grid ?? Math.max(4096, Math.ceil(256 * Math.sqrt(beta)));
  if (o.grid === undefined && !(2 * grid <= LIMITS.maxElements)) {
    throw new ResourceError(`kdeModes at beta = ${beta} (a grid of ${grid.toPrecision(3)} points, ceil(256 sqrt(beta)))`, grid * 16 * 3, LIMITS.maxElements * 8);
  }
  const g = integerAtLeast('grid', grid, 8);
  if (!(2 * g <= LIMITS.maxElements)) throw new ResourceError(`kdeModes grid of ${g} points`, g * 16 * 3, LIMITS.maxElements * 8);
  const work = g * n * 5;
  if (!(work <= LIMITS.maxPairWork)) throw new ResourceError(`kdeModes: ${g} grid points x ${n} angles`, work * 8, LIMITS.maxPairWork * 8);
  const keys = new Float64Array(2 * n);
  for (let j = 0; j < n; j++) { keys[2 * j] = Math.cos(theta[j]); keys[2 * j + 1] = Math.sin(theta[j]); }
  const queries = new Float64Array(2 * g);
  for (let i = 0; i < g; i++) { const t = (2 * Math.PI * i) / g; queries[2 * i] = Math.cos(t); queries[2 * i + 1] = Math.sin(t); }
  const lse = new Float64Array(g);
  const mean = new Float64Array(2 * g);
  backendFor(o.backend, 'kdeModes').softmaxReduce({
    x: queries, n: g, y: keys, m: n, d: 2, logWeights: w.map(Math.log), values: keys, k: 2,
    beta, score: 'dot', mask: { kind: 'none' }, precision: 'f64', lse, mean,
  });
  const slope = (i: number) => -queries[2 * i + 1] * mean[2 * i] + queries[2 * i] * mean[2 * i + 1];
  // A mode is where the slope changes sign from + to - going around the circle.
  let modes = 0;
  for (let i = 0; i < g; i++) {
    if (slope(i) > 0 && slope((i + 1) % g) <= 0) modes++;
  }
  return modes;
}
