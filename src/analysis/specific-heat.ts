// The attention "specific heat": with the per-token attention free energy
//   E_i = -(1/β) log sum_j a_j e^{β <x_i, x_j>}   (lse_i = -β E_i, one kernel pass, nothing n x n),
// C = β² Var_a(E) = Var_a(lse), the a-weighted variance across tokens (weights normalised). Across an
// ensemble of systems, C_ens = β² Var(Ē) with Ē = sum_i a_i E_i each system's mean free energy.
// Limits (docs/normalization.md): C = 0 when all tokens coincide (every lse_i is the same number), and
//   C = β² Var_a(<x_i, m>) + O(β³) as β -> 0, m = sum_j a_j x_j (weights normalised),
// so C vanishes like β² at high temperature. During clustering C measures how unequal the clusters are
// (in a clustered state lse_i ≈ β + log(mass of i's cluster)); it rises as clusters form and falls
// back to 0 as they merge into one.
import { backendFor } from '../backend/index.js';
import { InvalidArgumentError } from '../errors.js';
import { logWeightsInto, Scratch, type EvalOptions } from '../flows/flow.js';
import { Measure } from '../measure.js';
import { EVAL_RULES } from '../flows/eval-options.js';
import { optionsSchema, rule } from '../options.js';
import { requireBetaOptions } from '../validate.js';

/** lse_i = log sum_j a_j e^{β <x_i, x_j>} (circle: angles embedded as (cos θ, sin θ)) into `lse`. */
export function logPartitions(
  x: Float64Array,
  weights: Float64Array,
  d: number,
  space: string,
  beta: number,
  opts: EvalOptions,
  scratch: Scratch,
): Float64Array {
  const n = weights.length;
  let pts = x,
    dim = d;
  if (space === 'circle') {
    pts = scratch.get('e', 2 * n);
    for (let i = 0; i < n; i++) {
      pts[2 * i] = Math.cos(x[i]);
      pts[2 * i + 1] = Math.sin(x[i]);
    }
    dim = 2;
  }
  const lse = scratch.get('lse', n);
  backendFor(opts.backend, 'specificHeat').softmaxReduce({
    x: pts,
    n,
    y: pts,
    m: n,
    d: dim,
    logWeights: logWeightsInto(weights, scratch.get('h', n)),
    values: null,
    k: 0,
    beta,
    score: 'dot',
    mask: { kind: 'none' },
    precision: opts.precision ?? 'f64',
    lse,
    mean: null,
  });
  return lse;
}

/**
 * a-weighted variance of v (weights normalised), two-pass around v[first weighted index], so that equal
 * values give exactly 0.
 */
export function weightedVariance(v: ArrayLike<number>, w: ArrayLike<number>): number {
  let A = 0,
    ref = NaN;
  for (let i = 0; i < v.length; i++)
    if (w[i] > 0) {
      A += w[i];
      if (Number.isNaN(ref)) ref = v[i];
    }
  if (!(A > 0)) return 0;
  let s1 = 0;
  for (let i = 0; i < v.length; i++) if (w[i] > 0) s1 += w[i] * (v[i] - ref);
  const mean = ref + s1 / A;
  let s2 = 0;
  for (let i = 0; i < v.length; i++) if (w[i] > 0) s2 += w[i] * (v[i] - mean) ** 2;
  return s2 / A;
}

/**
 * C = β² Var_a(E_i) = Var_a(lse_i) for the raw state (x, weights) of a flow: the observable behind
 * simulate's `observe.specificHeat`. `scratch` holds the buffers between calls.
 */
export function specificHeatOf(
  x: Float64Array,
  weights: Float64Array,
  d: number,
  space: string,
  beta: number,
  opts: EvalOptions,
  scratch: Scratch,
): number {
  if (beta === 0) return 0;
  return weightedVariance(logPartitions(x, weights, d, space, beta, opts, scratch), weights);
}

function readMeasure(name: string, mu: unknown): Measure {
  if (!(mu instanceof Measure)) throw new InvalidArgumentError(name, mu, 'must be a Measure');
  return mu;
}

/** Options of {@link specificHeat} and {@link ensembleSpecificHeat}. */
export interface SpecificHeatOptions extends EvalOptions {
  /** Inverse temperature β of the free energies (any finite number; C = 0 at β = 0). Required. */
  beta: number;
}
const HEAT_OPTIONS = optionsSchema<SpecificHeatOptions>()({
  beta: rule.finite('inverse temperature beta of the free energies, any finite number (required)'),
  ...EVAL_RULES,
});

/**
 * The attention specific heat C = β² Var_a(E_i) of a measure, E_i = -(1/β) log sum_j a_j e^{β <x_i, x_j>}
 * the per-token free energy (the variance a-weighted across tokens, weights normalised; on the circle
 * <x_i, x_j> = cos(θ_i - θ_j)). Equals Var_a(log sum_j a_j e^{β <x_i, x_j>}): one kernel pass, O(n) memory.
 * 0 when all points coincide and at β = 0; C / β² -> Var_a(<x_i, m>) as β -> 0, m the weighted mean.
 * @throws InvalidArgumentError for a non-Measure, a missing or non-finite options.beta or bad options.
 */
export function specificHeat(mu: Measure, options: SpecificHeatOptions): number {
  const o = HEAT_OPTIONS.read('specificHeat', requireBetaOptions('specificHeat', options));
  const m = readMeasure('mu', mu);
  const b = HEAT_OPTIONS.rules.beta.check('beta', o.beta); // required: a missing beta is refused here
  return specificHeatOf(m.points, m.weights, m.dim, m.space, b, o, new Scratch());
}

/**
 * The ensemble specific heat β² Var_s(Ē_s) across systems s (e.g. the final states of simulateMany over
 * seeds), Ē_s = sum_i a_i E_i the weight-averaged per-token free energy of system s (weights normalised
 * per system), each system counting once. 0 for a single system.
 * @throws InvalidArgumentError for an empty list, a non-Measure, a missing or non-finite options.beta or bad options.
 */
export function ensembleSpecificHeat(measures: readonly Measure[], options: SpecificHeatOptions): number {
  const o = HEAT_OPTIONS.read('ensembleSpecificHeat', requireBetaOptions('ensembleSpecificHeat', options));
  if (!Array.isArray(measures) || measures.length === 0)
    throw new InvalidArgumentError('measures', measures, 'must be a non-empty array of Measures');
  const b = HEAT_OPTIONS.rules.beta.check('beta', o.beta); // required: a missing beta is refused here
  if (b === 0) return 0;
  const scratch = new Scratch();
  // β Ē_s = -sum_i ã_i lse_i, so β² Var(Ē) = Var_s(sum_i ã_i lse_i).
  const means = measures.map((mu, s) => {
    const m = readMeasure(`measures[${s}]`, mu);
    const lse = logPartitions(m.points, m.weights, m.dim, m.space, b, o, scratch);
    let A = 0,
      sum = 0;
    for (let i = 0; i < m.size; i++)
      if (m.weights[i] > 0) {
        A += m.weights[i];
        sum += m.weights[i] * lse[i];
      }
    return sum / A;
  });
  return weightedVariance(
    means,
    means.map(() => 1),
  );
}
