// The attention energy sum_ij a_i a_j e^{beta <x_i, x_j>} / (2 beta), shared by attention, circle and interaction.
import { backendFor } from '../backend/index.js';
import { logWeightedSumExp } from '../logsumexp.js';
import { logWeightsInto, type Scratch, type EvalOptions } from './flow.js';

/**
 * sum_ij a_i a_j e^{beta <x_i, x_j>} for row-major n x d points x and weights a (as given, not
 * normalised), through one lse pass, max-shifted. Shared by the attention, circle and interaction energies.
 */
export function quadraticEnergy(
  x: Float64Array,
  weights: Float64Array,
  d: number,
  beta: number,
  scratch: Scratch,
  opts: EvalOptions,
): number {
  return Math.exp(logQuadraticEnergy(x, weights, d, beta, scratch, opts));
}

/** log of {@link quadraticEnergy}, finite where the sum itself overflows. */
export function logQuadraticEnergy(
  x: Float64Array,
  weights: Float64Array,
  d: number,
  beta: number,
  scratch: Scratch,
  opts: EvalOptions,
): number {
  const n = weights.length;
  const lse = scratch.get('else', n);
  backendFor(opts.backend, 'energy').softmaxReduce({
    x,
    n,
    y: x,
    m: n,
    d,
    logWeights: logWeightsInto(weights, scratch.get('eh', n)),
    values: null,
    k: 0,
    beta,
    score: 'dot',
    mask: { kind: 'none' },
    precision: opts.precision ?? 'f64',
    lse,
    mean: null,
  });
  return logWeightedSumExp(lse, weights);
}

/** (1 / (2 beta)) e^{logSum} without forming 2 beta (which overflows past 9e307); any sign of beta. */
export function energyOf(logSum: number, beta: number): number {
  if (Math.abs(beta) < 1e300) return Math.exp(logSum) / (2 * beta);
  return Math.sign(beta) * Math.exp(logSum - Math.LN2 - Math.log(Math.abs(beta)));
}
