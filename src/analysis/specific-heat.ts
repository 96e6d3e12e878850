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
import { attention } from '../flows/attention.js';
import { logWeightsInto, Scratch, type EvalOptions } from '../flows/flow.js';
import { Measure } from '../measure.js';
import { simulateMany } from '../simulate/many.js';
import type { IntegratorName } from '../simulate/integrators.js';
import { evalValues, finiteNumber, integerAtLeast, oneOf, optionKeys, positiveNumber, readOptions, requireBetaOptions } from '../validate.js';

/** lse_i = log sum_j a_j e^{β <x_i, x_j>} (circle: angles embedded as (cos θ, sin θ)) into `lse`. */
function logPartitions(x: Float64Array, weights: Float64Array, d: number, space: string, beta: number, opts: EvalOptions, scratch: Scratch): Float64Array {
  const n = weights.length;
  let pts = x, dim = d;
  if (space === 'circle') {
    pts = scratch.get('e', 2 * n);
    for (let i = 0; i < n; i++) { pts[2 * i] = Math.cos(x[i]); pts[2 * i + 1] = Math.sin(x[i]); }
    dim = 2;
  }
  const lse = scratch.get('lse', n);
  backendFor(opts.backend, 'specificHeat').softmaxReduce({
    x: pts, n, y: pts, m: n, d: dim, logWeights: logWeightsInto(weights, scratch.get('h', n)), values: null, k: 0,
    beta, score: 'dot', mask: { kind: 'none' }, precision: opts.precision ?? 'f64', lse, mean: null,
  });
  return lse;
}

/**
 * a-weighted variance of v (weights normalised), two-pass around v[first weighted index], so that equal
 * values give exactly 0.
 */
function weightedVariance(v: ArrayLike<number>, w: ArrayLike<number>): number {
  let A = 0, ref = NaN;
  for (let i = 0; i < v.length; i++) if (w[i] > 0) { A += w[i]; if (Number.isNaN(ref)) ref = v[i]; }
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
export function specificHeatOf(x: Float64Array, weights: Float64Array, d: number, space: string, beta: number, opts: EvalOptions, scratch: Scratch): number {
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
const HEAT_KEYS = optionKeys<SpecificHeatOptions>()('beta', 'backend', 'precision');

/**
 * The attention specific heat C = β² Var_a(E_i) of a measure, E_i = -(1/β) log sum_j a_j e^{β <x_i, x_j>}
 * the per-token free energy (the variance a-weighted across tokens, weights normalised; on the circle
 * <x_i, x_j> = cos(θ_i - θ_j)). Equals Var_a(log sum_j a_j e^{β <x_i, x_j>}): one kernel pass, O(n) memory.
 * 0 when all points coincide and at β = 0; C / β² -> Var_a(<x_i, m>) as β -> 0, m the weighted mean.
 * @throws InvalidArgumentError for a non-Measure, a missing or non-finite options.beta or bad options.
 */
export function specificHeat(mu: Measure, options: SpecificHeatOptions): number {
  const o = readOptions<SpecificHeatOptions>('specificHeat', requireBetaOptions('specificHeat', options), HEAT_KEYS);
  evalValues(o);
  const m = readMeasure('mu', mu);
  const b = finiteNumber('beta', o.beta);
  return specificHeatOf(m.points, m.weights, m.dim, m.space, b, o, new Scratch());
}

/**
 * The ensemble specific heat β² Var_s(Ē_s) across systems s (e.g. the final states of simulateMany over
 * seeds), Ē_s = sum_i a_i E_i the weight-averaged per-token free energy of system s (weights normalised
 * per system), each system counting once. 0 for a single system.
 * @throws InvalidArgumentError for an empty list, a non-Measure, a missing or non-finite options.beta or bad options.
 */
export function ensembleSpecificHeat(measures: readonly Measure[], options: SpecificHeatOptions): number {
  const o = readOptions<SpecificHeatOptions>('ensembleSpecificHeat', requireBetaOptions('ensembleSpecificHeat', options), HEAT_KEYS);
  evalValues(o);
  if (!Array.isArray(measures) || measures.length === 0) throw new InvalidArgumentError('measures', measures, 'must be a non-empty array of Measures');
  const b = finiteNumber('beta', o.beta);
  if (b === 0) return 0;
  const scratch = new Scratch();
  // β Ē_s = -sum_i ã_i lse_i, so β² Var(Ē) = Var_s(sum_i ã_i lse_i).
  const means = measures.map((mu, s) => {
    const m = readMeasure(`measures[${s}]`, mu);
    const lse = logPartitions(m.points, m.weights, m.dim, m.space, b, o, scratch);
    let A = 0, sum = 0;
    for (let i = 0; i < m.size; i++) if (m.weights[i] > 0) { A += m.weights[i]; sum += m.weights[i] * lse[i]; }
    return sum / A;
  });
  return weightedVariance(means, means.map(() => 1));
}

/** Options of {@link specificHeatSweep}. */
export interface SpecificHeatSweepOptions {
  /** Inverse temperatures (finite, != 0), one softmax-attention run per beta and seed. */
  betas: number[];
  /** Tokens per system. */
  n: number;
  /** Dimension of the sphere's ambient space (tokens uniform on S^{dim-1}). */
  dim: number;
  /** Seeds of the initial measures (Measure.uniformSphere(n, dim, { seed })). */
  seeds: number[];
  /** End time of every run. */
  tEnd: number;
  /** Record times: this many equally spaced in (0, tEnd], plus t = 0. Default 100. */
  records?: number;
  /** Integrator. Default 'rk45'. */
  integrator?: IntegratorName;
  /** rk45 relative tolerance. Default 1e-7. */
  rtol?: number;
  /** Kernel backend. */
  backend?: EvalOptions['backend'];
  /** Kernel precision. */
  precision?: EvalOptions['precision'];
}
const SWEEP_KEYS = optionKeys<SpecificHeatSweepOptions>()('betas', 'n', 'dim', 'seeds', 'tEnd', 'records', 'integrator', 'rtol', 'backend', 'precision');

/** What {@link specificHeatSweep} returns. */
export interface SpecificHeatSweep {
  /** The betas, as given. */
  betas: number[];
  /** Record times, t = 0 first. */
  times: Float64Array;
  /** curves[b][k]: C at times[k], averaged over seeds, for betas[b]. */
  curves: Float64Array[];
  /** ensemble[b][k]: β² Var over seeds of the mean free energy at times[k]. */
  ensemble: Float64Array[];
  /** peakTime[b], peakValue[b]: where curves[b] is largest, and its value. */
  peakTime: Float64Array;
  /** The largest value of curves[b]. */
  peakValue: Float64Array;
  /** The beta whose curve peaks highest. */
  peakBeta: number;
}

/**
 * Softmax self-attention on the sphere (Q = K = V = I) from uniform tokens, one simulateMany batch per
 * beta over the seeds, recording the specific heat C(t) of every system: its seed-average against t for
 * every beta, where it peaks (during clustering: C rises as clusters of unequal masses form and falls as
 * they merge), and the ensemble specific heat across seeds.
 * @throws InvalidArgumentError for bad options.
 */
export function specificHeatSweep(options: SpecificHeatSweepOptions): SpecificHeatSweep {
  const o = readOptions<SpecificHeatSweepOptions>('specificHeatSweep', options, SWEEP_KEYS) as SpecificHeatSweepOptions;
  if (!Array.isArray(o.betas) || o.betas.length === 0) throw new InvalidArgumentError('betas', o.betas, 'must be a non-empty array of finite numbers != 0');
  const betas = o.betas.map((b, i) => {
    const v = finiteNumber(`betas[${i}]`, b);
    if (v === 0) throw new InvalidArgumentError(`betas[${i}]`, v, 'must be != 0 (C = 0 at beta = 0)');
    return v;
  });
  const n = integerAtLeast('n', o.n, 1), dim = integerAtLeast('dim', o.dim, 2);
  if (!Array.isArray(o.seeds) || o.seeds.length === 0) throw new InvalidArgumentError('seeds', o.seeds, 'must be a non-empty array of seeds');
  const tEnd = positiveNumber('tEnd', o.tEnd);
  const records = integerAtLeast('records', o.records ?? 100, 1);
  const integrator = oneOf('integrator', o.integrator ?? 'rk45', ['euler', 'heun', 'rk4', 'rk45'] as const);
  const rtol = positiveNumber('rtol', o.rtol ?? 1e-7);
  evalValues(o);
  const recordTimes = Array.from({ length: records }, (_, k) => (tEnd * (k + 1)) / records);
  const measures = o.seeds.map((seed) => Measure.uniformSphere(n, dim, { seed }));
  const curves: Float64Array[] = [], ensemble: Float64Array[] = [];
  const peakTime = new Float64Array(betas.length), peakValue = new Float64Array(betas.length);
  let times = new Float64Array(0);
  betas.forEach((beta, b) => {
    const scratch = new Scratch();
    const meanLse = (mu: Measure) => {
      const lse = logPartitions(mu.points, mu.weights, mu.dim, mu.space, beta, o, scratch);
      let A = 0, s = 0;
      for (let i = 0; i < mu.size; i++) { A += mu.weights[i]; s += mu.weights[i] * lse[i]; }
      return s / A;
    };
    const runs = simulateMany(attention({ beta }), measures, {
      tEnd, integrator, rtol, ...(integrator === 'rk45' ? {} : { dt: tEnd / (10 * records) }),
      record: { times: recordTimes }, observe: { specificHeat: true, custom: { meanLse } }, backend: o.backend, precision: o.precision,
    });
    times = Float64Array.from(runs[0].times);
    const K = times.length;
    const curve = new Float64Array(K), ens = new Float64Array(K);
    for (let k = 0; k < K; k++) {
      let s = 0;
      for (const r of runs) s += r.observables.specificHeat[k];
      curve[k] = s / runs.length;
      ens[k] = weightedVariance(runs.map((r) => r.observables.meanLse[k]), runs.map(() => 1));
    }
    let best = 0;
    for (let k = 1; k < K; k++) if (curve[k] > curve[best]) best = k;
    curves.push(curve);
    ensemble.push(ens);
    peakTime[b] = times[best];
    peakValue[b] = curve[best];
  });
  let top = 0;
  for (let b = 1; b < betas.length; b++) if (peakValue[b] > peakValue[top]) top = b;
  return { betas, times, curves, ensemble, peakTime, peakValue, peakBeta: betas[top] };
}
