// The Wasserstein gradient flow of F(mu) = - ∫∫ e^{beta <x, y>} dmu dmu:
//   V[mu](x) = -∇_x δF/δmu = 2 beta sum_j a_j e^{beta <x, x_j>} x_j   (projected on the sphere).
// On R^d F is unbounded below and mass escapes; on the sphere the particles concentrate.
import { backendFor, rowMask } from '../backend/index.js';
import type { Measure } from '../measure.js';
import { sphere } from '../spaces.js';
import { optionsSchema, rule } from '../options.js';
import { logQuadraticEnergy, quadraticEnergy } from './energy.js';
import { readTruncate, truncationOf } from './attention-truncate.js';
import { logWeightsInto, requireSpace, scaleOthers, Scratch, type EvalOptions, type Flow, type VelocityOptions } from './flow.js';

/** Options of {@link interaction}. */
export interface InteractionOptions {
  /** Inverse temperature beta > 0. Default 1. */
  beta?: number;
  /** Default 'euclidean' (where mass escapes to infinity); 'sphere' projects the velocity. */
  space?: 'sphere' | 'euclidean';
  /**
   * Skip key blocks whose total weight is provably at most e^{-truncate²} of each row's (the kernel is attention's
   * unnormalised one, so attention's bound holds, on the sphere and in R^d): tau in (0, 1000], false (exact) or
   * 'auto' (default: on the sphere tau = 5 when n >= 4096 and tau²/(2 beta) <= 1/16; exact in R^d, where norms
   * grow and no kept fraction is predicted). See docs/design.md, "Truncation".
   */
  truncate?: number | false | 'auto';
}

export const INTERACTION_SCHEMA = optionsSchema<InteractionOptions>()({
  beta: rule.positive('inverse temperature beta > 0').or(1),
  space: rule
    .oneOf(['sphere', 'euclidean'] as const, "'euclidean' (mass escapes to infinity) or 'sphere' (the velocity projected)")
    .or('euclidean'),
  truncate: rule
    .custom("truncation tau in (0, 1000] (skipped keys carry <= e^{-tau²} of a row's weight), false or 'auto'", readTruncate)
    .or('auto'),
});

/**
 * Wasserstein gradient flow of F(mu) = -∫∫ e^{beta <x, y>} dmu dmu:
 * `V[mu](x) = 2 beta sum_j a_j e^{beta <x, x_j>} x_j` (tangent-projected on the sphere).
 * Its energy is F (no 1/(2 beta) factor), non-increasing along the flow.
 */
export function interaction(options?: InteractionOptions): Flow {
  const { beta, space, truncate } = INTERACTION_SCHEMA.read('interaction', options);
  const truncation = truncationOf(truncate, 'none', 'none', space, beta, true);
  const scratch = new Scratch();
  return {
    name: 'interaction',
    space,
    params: { beta, space, ...(truncate !== 'auto' ? { truncate } : {}) },
    energyDirection: -1,
    capabilities: { collapse: true, segments: true, logScale: true },
    check(mu: Measure) {
      requireSpace('interaction', mu, space);
    },
    velocity(x, weights, d, out, opts: VelocityOptions = {}) {
      const n = weights.length;
      const lse = scratch.get('lse', n);
      const segments = opts.segments ?? null;
      if (truncation?.applies(n, segments) === true) {
        // The own key is in its block (a block mask has no diagonal): on the sphere its x_i projects away.
        const h = logWeightsInto(weights, scratch.get('h', n));
        const backend = backendFor(opts.backend, 'interaction');
        truncation.state.reduce(backend, x, x, x, h, n, d, beta, opts.precision ?? 'f64', lse, out, segments);
        scaleOthers(out, lse, null, n, d, 'sum', 2 * beta, opts, scratch);
        if (space === 'sphere') sphere.project(x, out, n, d);
        return;
      }
      // On the sphere the own term x_i projects to zero: sum the others alone (full relative precision).
      const others = space === 'sphere';
      backendFor(opts.backend, 'interaction').softmaxReduce({
        x,
        n,
        y: x,
        m: n,
        d,
        logWeights: logWeightsInto(weights, scratch.get('h', n)),
        values: x,
        k: d,
        beta,
        score: 'dot',
        mask: rowMask(opts.segments ?? null, false, others),
        precision: opts.precision ?? 'f64',
        lse,
        mean: out,
      });
      scaleOthers(out, lse, null, n, d, 'sum', 2 * beta, opts, scratch);
      if (space === 'sphere') sphere.project(x, out, n, d);
    },
    energy(x, weights, d, opts: EvalOptions = {}) {
      return -quadraticEnergy(x, weights, d, beta, scratch, opts);
    },
    logEnergy(x, weights, d, opts: EvalOptions = {}) {
      return logQuadraticEnergy(x, weights, d, beta, scratch, opts);
    },
  };
}
