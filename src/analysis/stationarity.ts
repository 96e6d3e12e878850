// How far a measure is from stationary under a flow.
import type { EvalOptions, Flow } from '../flows/flow.js';
import { InvalidArgumentError, NonFiniteError } from '../errors.js';
import { Measure } from '../measure.js';
import { readEval } from '../flows/eval-options.js';

/**
 * `‖V[mu]‖_{L²(mu)} = sqrt(sum_i a_i |V[mu](x_i)|²) / sqrt(mass)`.
 * Throws InvalidArgumentError unless flow is a flow and mu a Measure it can move, for null options
 * or an unknown key; NonFiniteError when the velocity is not finite.
 */
export function stationarity(flow: Flow, mu: Measure, options?: EvalOptions): number {
  options = readEval('stationarity', options);
  if (flow === null || typeof flow !== 'object' || typeof flow.velocity !== 'function' || typeof flow.check !== 'function') {
    throw new InvalidArgumentError('flow', flow, 'must be a flow built by attention(), circle(), interaction(), ...');
  }
  if (!(mu instanceof Measure)) throw new InvalidArgumentError('mu', mu, 'must be a Measure');
  flow.check(mu);
  const v = new Float64Array(mu.points.length);
  flow.velocity(mu.points, mu.weights, mu.dim, v, options);
  const norm = velocityNorm(v, mu.weights, mu.dim);
  if (!Number.isFinite(norm))
    throw new NonFiniteError(`stationarity: the velocity of the ${flow.name} flow is not finite on this measure (norm ${norm})`);
  return norm;
}

export function velocityNorm(v: Float64Array, weights: Float64Array, d: number): number {
  let s = 0,
    mass = 0;
  for (let i = 0; i < weights.length; i++) {
    let r = 0;
    for (let c = 0; c < d; c++) r += v[i * d + c] ** 2;
    s += weights[i] * r;
    mass += weights[i];
  }
  return Math.sqrt(s / mass);
}
