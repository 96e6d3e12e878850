// How far a measure is from stationary under a flow.
import type { EvalOptions, Flow } from '../flows/flow.js';
import type { Measure } from '../measure.js';

/** `‖V[mu]‖_{L²(mu)} = sqrt(sum_i a_i |V[mu](x_i)|²) / sqrt(mass)`. */
export function stationarity(flow: Flow, mu: Measure, options: EvalOptions = {}): number {
  flow.check(mu);
  const v = new Float64Array(mu.points.length);
  flow.velocity(mu.points, mu.weights, mu.dim, v, options);
  return velocityNorm(v, mu.weights, mu.dim);
}

export function velocityNorm(v: Float64Array, weights: Float64Array, d: number): number {
  let s = 0, mass = 0;
  for (let i = 0; i < weights.length; i++) {
    let r = 0;
    for (let c = 0; c < d; c++) r += v[i * d + c] ** 2;
    s += weights[i] * r;
    mass += weights[i];
  }
  return Math.sqrt(s / mass);
}
