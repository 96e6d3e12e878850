// The specific-heat sweep: softmax self-attention from uniform tokens, one simulateMany batch per
// beta over the seeds, recording the specific heat C(t) (analysis/specific-heat.ts) of every system.
import { InvalidArgumentError } from '../errors.js';
import { attention } from '../flows/attention.js';
import { EVAL_RULES } from '../flows/eval-options.js';
import { Scratch, type EvalOptions } from '../flows/flow.js';
import { logPartitions, weightedVariance } from '../analysis/specific-heat.js';
import { Measure } from '../measure.js';
import { DETERMINISTIC_INTEGRATORS, integratorInfo, type IntegratorName } from '../simulate/integrators.js';
import { simulateMany } from '../simulate/many.js';
import { optionsSchema, rule } from '../options.js';

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
  /** Integrator (deterministic). Default 'rk45'. */
  integrator?: IntegratorName;
  /** rk45 relative tolerance. Default 1e-7. */
  rtol?: number;
  /** Kernel backend. */
  backend?: EvalOptions['backend'];
  /** Kernel precision. */
  precision?: EvalOptions['precision'];
}
const SWEEP_OPTIONS = optionsSchema<SpecificHeatSweepOptions>()({
  betas: rule.custom<number[]>('inverse temperatures (finite, != 0)', (name, v) => {
    if (!Array.isArray(v) || v.length === 0) throw new InvalidArgumentError(name, v, 'must be a non-empty array of finite numbers != 0');
    return v.map((b, i) => {
      const beta = rule.finite('').check(`${name}[${i}]`, b);
      if (beta === 0) throw new InvalidArgumentError(`${name}[${i}]`, beta, 'must be != 0 (C = 0 at beta = 0)');
      return beta;
    });
  }),
  n: rule.integer(1, 'tokens per system'),
  dim: rule.integer(2, "dimension of the sphere's ambient space"),
  seeds: rule.custom<number[]>('seeds of the initial measures', (name, v) => {
    if (!Array.isArray(v) || v.length === 0) throw new InvalidArgumentError(name, v, 'must be a non-empty array of seeds');
    return v;
  }),
  tEnd: rule.positive('end time of every run'),
  records: rule.integer(1, 'equally spaced record times in (0, tEnd]').or(100),
  integrator: rule.oneOf(DETERMINISTIC_INTEGRATORS, 'a deterministic integrator of the registry').or('rk45'),
  rtol: rule.positive("the adaptive integrator's relative tolerance").or(1e-7),
  ...EVAL_RULES,
});
/** The options without a default. */
const REQUIRED = ['betas', 'n', 'dim', 'seeds', 'tEnd'] as const;

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
  const o = SWEEP_OPTIONS.read('specificHeatSweep', options);
  for (const key of REQUIRED) if (o[key] === undefined) SWEEP_OPTIONS.rules[key].check(key, undefined);
  const { betas, n, dim, seeds, tEnd } = o as Required<typeof o>;
  const { records, integrator, rtol } = o;
  const recordTimes = Array.from({ length: records }, (_, k) => (tEnd * (k + 1)) / records);
  const measures = seeds.map((seed) => Measure.uniformSphere(n, dim, { seed }));
  const curves: Float64Array[] = [],
    ensemble: Float64Array[] = [];
  const peakTime = new Float64Array(betas.length),
    peakValue = new Float64Array(betas.length);
  let times = new Float64Array(0);
  betas.forEach((beta, b) => {
    const scratch = new Scratch();
    const meanLse = (mu: Measure) => {
      const lse = logPartitions(mu.points, mu.weights, mu.dim, mu.space, beta, o, scratch);
      let A = 0,
        s = 0;
      for (let i = 0; i < mu.size; i++) {
        A += mu.weights[i];
        s += mu.weights[i] * lse[i];
      }
      return s / A;
    };
    const runs = simulateMany(attention({ beta }), measures, {
      tEnd,
      integrator,
      rtol,
      ...(integratorInfo(integrator).adaptive ? {} : { dt: tEnd / (10 * records) }),
      record: { times: recordTimes },
      observe: { specificHeat: true, custom: { meanLse } },
      backend: o.backend,
      precision: o.precision,
    });
    times = Float64Array.from(runs[0].times);
    const K = times.length;
    const curve = new Float64Array(K),
      ens = new Float64Array(K);
    for (let k = 0; k < K; k++) {
      let s = 0;
      for (const r of runs) s += r.observables.specificHeat[k];
      curve[k] = s / runs.length;
      ens[k] = weightedVariance(
        runs.map((r) => r.observables.meanLse[k]),
        runs.map(() => 1),
      );
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
