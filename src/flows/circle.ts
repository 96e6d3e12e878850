// Attention dynamics on the circle in angle form, for any real beta:
//   dθ_i/dt = sum_j a_j e^{beta cos(θ_j - θ_i)} sin(θ_j - θ_i) / Z_i.
// Embedding θ -> (cos θ, sin θ) makes it the d = 2 kernel: cos(θ_j - θ_i) = <x_i, x_j>, and
// sin(θ_j - θ_i) = <x_j, t_i> with t_i = (-sin θ_i, cos θ_i), so dθ_i/dt = Z-weighted <mean_i, t_i>.
import { backendFor } from '../backend/index.js';
import type { Measure } from '../measure.js';
import { finiteNumber, oneOf, optionKeys, readOptions } from '../validate.js';
import { energyOf, logQuadraticEnergy, type Normalization } from './attention.js';
import { logWeightsInto, requireSpace, scaleOthers, Scratch, type EvalOptions, type Flow, type VelocityOptions } from './flow.js';

/** Options of {@link circle}. */
export interface CircleOptions {
  /** Inverse temperature beta (any finite real, negative included). Default 1. */
  beta?: number;
  /** 'softmax' (default, divide by Z_i) or 'none' (Z_i = 1). */
  normalization?: Normalization;
}

const CIRCLE_KEYS = optionKeys<CircleOptions>()('beta', 'normalization');

/**
 * Attention dynamics on the circle in angle form (radians), for a 'circle' measure:
 * dθ_i/dt = sum_j a_j e^{beta cos(θ_j - θ_i)} sin(θ_j - θ_i) / Z_i.
 * For beta != 0 it has the energy (1/(2 beta)) sum_ij a_i a_j e^{beta cos(θ_i - θ_j)}, non-decreasing.
 */
export function circle(options?: CircleOptions): Flow {
  options = readOptions<CircleOptions>('circle', options, CIRCLE_KEYS);
  const beta = finiteNumber('beta', options.beta ?? 1);
  const normalization = oneOf('normalization', options.normalization ?? 'softmax', ['softmax', 'none'] as const);
  const scratch = new Scratch();
  const embed = (theta: Float64Array, n: number): Float64Array => {
    const e = scratch.get('e', 2 * n);
    for (let i = 0; i < n; i++) { e[2 * i] = Math.cos(theta[i]); e[2 * i + 1] = Math.sin(theta[i]); }
    return e;
  };
  const flow: Flow = {
    name: 'circle',
    space: 'circle',
    params: { beta, normalization },
    check(mu: Measure) {
      requireSpace('circle', mu, 'circle');
    },
    velocity(theta, weights, _d, out, opts: VelocityOptions = {}) {
      const n = weights.length;
      const e = embed(theta, n);
      const lse = scratch.get('lse', n);
      const mean = scratch.get('mean', 2 * n);
      const h = logWeightsInto(weights, scratch.get('h', n));
      backendFor(opts.backend, 'circle').softmaxReduce({
        x: e, n, y: e, m: n, d: 2, logWeights: h, values: e, k: 2,
        beta, score: 'dot', causal: false, precision: opts.precision ?? 'f64', lse, mean, segments: opts.segments ?? null, excludeSelf: true,
      });
      // sin(θ_i - θ_i) = 0: the own term adds nothing to the numerator, only to Z_i.
      const self = scratch.get('self', n);
      for (let i = 0; i < n; i++) {
        self[i] = beta * (e[2 * i] ** 2 + e[2 * i + 1] ** 2) + h[i];
        out[i] = -e[2 * i + 1] * mean[2 * i] + e[2 * i] * mean[2 * i + 1];
      }
      scaleOthers(out, lse, self, n, 1, normalization === 'softmax' ? 'softmax' : 'sum', 1, opts, scratch);
    },
  };
  if (beta !== 0) {
    // E_beta = (1/(2 beta)) sum_ij a_i a_j e^{beta cos(θ_i - θ_j)}, non-decreasing for every beta != 0.
    Object.assign(flow, {
      energyDirection: 1 as const,
      energy: (theta: Float64Array, weights: Float64Array, _d: number, opts: EvalOptions = {}) =>
        energyOf(logQuadraticEnergy(embed(theta, weights.length), weights, 2, beta, scratch, opts), beta),
      ...(beta > 0 ? {
        logEnergy: (theta: Float64Array, weights: Float64Array, _d: number, opts: EvalOptions = {}) =>
          logQuadraticEnergy(embed(theta, weights.length), weights, 2, beta, scratch, opts) - (Math.LN2 + Math.log(beta)),
      } : {}),
    });
  }
  return flow;
}
