// Attention dynamics on the circle in angle form, for any real beta:
//   dθ_i/dt = sum_j a_j e^{beta cos(θ_j - θ_i)} sin(θ_j - θ_i) / Z_i.
// Embedding θ -> (cos θ, sin θ) makes it the d = 2 kernel: cos(θ_j - θ_i) = <x_i, x_j>, and
// sin(θ_j - θ_i) = <x_j, t_i> with t_i = (-sin θ_i, cos θ_i), so dθ_i/dt = Z-weighted <mean_i, t_i>.
// With `interaction: h` (any smooth odd 2π-periodic h) it is the Kuramoto-type model
//   dθ_i/dt = sum_j a_j h(θ_j - θ_i),
// summed pair by pair in JS; attention's h is h(θ) = e^{β cos θ} sin θ. hTripleDerivativeL1 and
// circleSyncCriterion (circle-sync.ts) read h through its Fourier series.
import { backendFor, rowMask } from '../backend/index.js';
import { InvalidArgumentError } from '../errors.js';
import type { Measure } from '../measure.js';
import { optionsSchema, rule } from '../options.js';
import type { Normalization } from './attention.js';
import { energyOf, logQuadraticEnergy } from './energy.js';
import { logWeightsInto, requireSpace, scaleOthers, Scratch, type EvalOptions, type Flow, type VelocityOptions } from './flow.js';
import { readTruncate } from './attention-truncate.js';
import { circleTruncationOf } from './circle-truncate.js';

/** Options of {@link circle}. */
export interface CircleOptions {
  /** Inverse temperature beta (any finite real, negative included). Default 1. */
  beta?: number;
  /** 'softmax' (default, divide by Z_i) or 'none' (Z_i = 1; the only one with `interaction`, and its default there). */
  normalization?: Normalization;
  /**
   * A general interaction: dθ_i/dt = sum_j a_j h(θ_j - θ_i) for a smooth, odd, 2π-periodic h (checked at
   * a few points, h(0) = 0 included; finite). h receives θ_j - θ_i wrapped into [-π, π]. Replaces beta
   * (attention's h is θ => Math.exp(beta * Math.cos(θ)) * Math.sin(θ)); a general h has no softmax
   * normaliser, so normalization must be 'none'. No energy is reported (it would need h's antiderivative).
   */
  interaction?: (theta: number) => number;
  /**
   * Skip key arcs whose total weight is provably at most e^{-truncate²} of each row's (beta > 0, no interaction):
   * tau in (0, 1000], false (exact, every pair) or 'auto' (default: tau = 5 when n >= 4096 and the predicted kept
   * fraction tau / (π sqrt(beta)) is at most 1/16, i.e. beta >= 6400/π² ≈ 648.5; else exact). See docs/design.md, "Truncation".
   */
  truncate?: number | false | 'auto';
}

/** What `interaction` must be (the schema's type check and checkInteraction's). */
const INTERACTION_RULE = 'must be a function θ => h(θ) (smooth, odd, 2π-periodic)';

// beta and normalization default by whether `interaction` is given (1 and 'softmax' without it; beta refused and 'none' with it).
export const CIRCLE_SCHEMA = optionsSchema<CircleOptions>()({
  beta: rule.finite('inverse temperature beta (any finite real); default 1, and refused with interaction'),
  normalization: rule.oneOf(
    ['softmax', 'none'] as const,
    "'softmax' (divide by Z_i) or 'none' (Z_i = 1); default 'softmax', and 'none' (the only one) with interaction",
  ),
  interaction: rule.custom('a general interaction h: dθ_i/dt = sum_j a_j h(θ_j - θ_i), h smooth, odd, 2π-periodic', (name, v) => {
    if (typeof v !== 'function') throw new InvalidArgumentError(name, v, INTERACTION_RULE);
    return v as (theta: number) => number;
  }),
  truncate: rule
    .custom("truncation tau in (0, 1000] (skipped keys carry <= e^{-tau²} of a row's weight), false or 'auto'", readTruncate)
    .or('auto'),
});
type ResolvedCircle = ReturnType<typeof CIRCLE_SCHEMA.read>;

/**
 * Attention dynamics on the circle in angle form (radians), for a 'circle' measure:
 * dθ_i/dt = sum_j a_j e^{beta cos(θ_j - θ_i)} sin(θ_j - θ_i) / Z_i.
 * For beta != 0 it has the energy (1/(2 beta)) sum_ij a_i a_j e^{beta cos(θ_i - θ_j)}, non-decreasing.
 * With `interaction: h` instead: dθ_i/dt = sum_j a_j h(θ_j - θ_i) for any smooth odd 2π-periodic h.
 */
export function circle(options?: CircleOptions): Flow {
  const o = CIRCLE_SCHEMA.read('circle', options);
  if (o.interaction !== undefined) return interactionFlow(o);
  const beta = o.beta ?? 1;
  const normalization = o.normalization ?? 'softmax';
  const truncation = circleTruncationOf(o.truncate, beta, false);
  const scratch = new Scratch();
  const embed = (theta: Float64Array, n: number): Float64Array => {
    const e = scratch.get('e', 2 * n);
    for (let i = 0; i < n; i++) {
      e[2 * i] = Math.cos(theta[i]);
      e[2 * i + 1] = Math.sin(theta[i]);
    }
    return e;
  };
  const flow: Flow = {
    name: 'circle',
    space: 'circle',
    params: { beta, normalization, ...(o.truncate !== 'auto' ? { truncate: o.truncate } : {}) },
    capabilities: { collapse: true, segments: true, logScale: true },
    check(mu: Measure) {
      requireSpace('circle', mu, 'circle');
    },
    velocity(theta, weights, _d, out, opts: VelocityOptions = {}) {
      const n = weights.length;
      const e = embed(theta, n);
      const lse = scratch.get('lse', n);
      const mean = scratch.get('mean', 2 * n);
      const h = logWeightsInto(weights, scratch.get('h', n));
      const segments = opts.segments ?? null;
      if (truncation?.applies(n, segments) === true) {
        // The own key is in its arc's block (a block mask has no diagonal); its sin(0) adds nothing to the numerator.
        const backend = backendFor(opts.backend, 'circle');
        truncation.state.reduce(backend, theta, e, h, n, segments, beta, opts.precision ?? 'f64', lse, mean);
        for (let i = 0; i < n; i++) out[i] = -e[2 * i + 1] * mean[2 * i] + e[2 * i] * mean[2 * i + 1];
        if (normalization === 'softmax') opts.logScale?.fill(0);
        else scaleOthers(out, lse, null, n, 1, 'sum', 1, opts, scratch);
        return;
      }
      backendFor(opts.backend, 'circle').softmaxReduce({
        x: e,
        n,
        y: e,
        m: n,
        d: 2,
        logWeights: h,
        values: e,
        k: 2,
        beta,
        score: 'dot',
        mask: rowMask(opts.segments ?? null, false, true),
        precision: opts.precision ?? 'f64',
        lse,
        mean,
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
      ...(beta > 0
        ? {
            logEnergy: (theta: Float64Array, weights: Float64Array, _d: number, opts: EvalOptions = {}) =>
              logQuadraticEnergy(embed(theta, weights.length), weights, 2, beta, scratch, opts) - (Math.LN2 + Math.log(beta)),
          }
        : {}),
    });
  }
  return flow;
}

const TWO_PI = 2 * Math.PI;
/** Points where an interaction is checked to be odd, periodic and finite. */
const CHECK_POINTS = [0.3, 0.7, 1.3, 2.1, 2.9, 3.05, 4.4, 5.9];

/**
 * Checks that h is a function, finite, odd (h(-x) = -h(x), h(0) = 0) and 2π-periodic at a few points,
 * to 1e-9 of the largest |h| seen; returns h's values there (the flow's fingerprint in params).
 */
export function checkInteraction(name: string, h: unknown): number[] {
  if (typeof h !== 'function') throw new InvalidArgumentError(name, h, INTERACTION_RULE);
  const f = h as (t: number) => unknown;
  const at = (x: number): number => {
    const v = f(x);
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new InvalidArgumentError(name, `a function with h(${x}) = ${String(v)}`, 'must return finite numbers');
    return v;
  };
  const values = CHECK_POINTS.map(at);
  const scale = Math.max(...values.map(Math.abs), ...CHECK_POINTS.map((p) => Math.abs(at(-p))));
  const tol = 1e-9 * scale;
  const h0 = at(0);
  if (Math.abs(h0) > tol) throw new InvalidArgumentError(name, `a function with h(0) = ${h0}`, 'must be odd (h(0) = 0)');
  for (const p of CHECK_POINTS) {
    const v = at(p),
      m = at(-p),
      w = at(p + TWO_PI),
      w2 = at(p - TWO_PI);
    if (Math.abs(v + m) > tol)
      throw new InvalidArgumentError(name, `a function with h(${p}) = ${v}, h(${-p}) = ${m}`, 'must be odd: h(-x) = -h(x)');
    if (Math.abs(w - v) > tol || Math.abs(w2 - v) > tol)
      throw new InvalidArgumentError(
        name,
        `a function with h(${p}) = ${v}, h(${p} + 2π) = ${w}, h(${p} - 2π) = ${w2}`,
        'must be 2π-periodic',
      );
  }
  return values;
}

/** circle({ interaction }): dθ_i/dt = sum_j a_j h(θ_j - θ_i), pair by pair. */
function interactionFlow(options: ResolvedCircle): Flow {
  if (options.beta !== undefined) {
    throw new InvalidArgumentError(
      'beta',
      options.beta,
      "must be omitted with interaction (put beta into h: attention's h is θ => Math.exp(beta * Math.cos(θ)) * Math.sin(θ))",
    );
  }
  const normalization = options.normalization ?? 'none';
  if (normalization !== 'none') {
    throw new InvalidArgumentError(
      'normalization',
      normalization,
      "must be 'none' with interaction (softmax divides by Z_i = sum_j a_j e^{beta cos(θ_j - θ_i)}, which attention's h has and " +
        'a general ' +
        'h does not)',
    );
  }
  circleTruncationOf(options.truncate, undefined, true); // refuses an explicit tau; 'auto' and false are exact
  const h = options.interaction!;
  const fingerprint = checkInteraction('interaction', h);
  return {
    name: 'circle',
    space: 'circle',
    params: { normalization, interaction: fingerprint },
    capabilities: { collapse: true, segments: true, logScale: true },
    check(mu: Measure) {
      requireSpace('circle', mu, 'circle');
    },
    velocity(theta, weights, _d, out, opts: VelocityOptions = {}) {
      const n = weights.length,
        seg = opts.segments ?? null;
      const systems = seg === null ? 1 : seg.length - 1;
      for (let s = 0; s < systems; s++) {
        const r0 = seg === null ? 0 : seg[s],
          r1 = seg === null ? n : seg[s + 1];
        for (let i = r0; i < r1; i++) {
          const ti = theta[i];
          let v = 0;
          for (let j = r0; j < r1; j++) {
            if (j === i) continue; // h(0) = 0
            let dd = theta[j] - ti;
            dd -= TWO_PI * Math.round(dd / TWO_PI);
            v += weights[j] * h(dd);
          }
          out[i] = v;
        }
      }
      opts.logScale?.fill(0);
    },
  };
}
