// A GM layer against a two-layer network of equal parameter count on synthetic classification
// tasks (Chewi, Rigollet & Yan, arXiv 2508.04883, compare the two on simple classification tasks):
// test error against training time for both, as data.
import type { Activation } from '../backend/index.js';
import { AbortedError, InvalidArgumentError } from '../errors.js';
import type { Flow } from '../flows/flow.js';
import { Measure } from '../measure.js';
import { Random, requireSeed } from '../random.js';
import { DETERMINISTIC_INTEGRATORS, integratorInfo, type IntegratorName } from '../simulate/integrators.js';
import { simulate } from '../simulate/simulate.js';
import { checkElements, integerAtLeast, oneOf, optionKeys, positiveNumber, readOptions, signalOption } from '../validate.js';
import { concentricCircles, gaussianXor, twoMoons, type LabelledData } from '../nn/data.js';
import { gmLayer } from '../nn/gm.js';
import type { QuadratureOptions, QuadratureRule } from '../nn/gm-quadrature.js';
import { twoLayer, type Loss } from '../nn/twolayer.js';

/** The synthetic tasks of gmExperiment. */
export type GmTask = 'moons' | 'xor' | 'circles' | 'isotropic';

/** Options of gmExperiment. */
export interface GmExperimentOptions {
  /** 'moons' (twoMoons), 'xor' (gaussianXor), 'circles' (concentricCircles) or 'isotropic' (N(0, (1 ± 0.4)² I_dim)). */
  task: GmTask;
  /** Mixture components K of the GM layer. Default 4. */
  components?: number;
  /** Step budget of each model: accepted integrator steps, the run ending at `steps` or at tEnd. Default 2000. */
  steps?: number;
  /** Flow-time horizon of each model. Default 1e4 (the step budget ends the run first). */
  tEnd?: number;
  /** 'rk45' (default, adaptive with rtol), or a fixed step: 'euler', 'heun' or 'rk4' with dt; the same for both models. */
  integrator?: Exclude<IntegratorName, 'euler-maruyama'>;
  /** rk45's relative tolerance. Default 1e-4. */
  rtol?: number;
  /** The fixed step of 'euler', 'heun' and 'rk4'. Default 0.25. */
  dt?: number;
  /** Records per run (test error, risk, wall time) at log-spaced flow times from 0.01 to tEnd, besides t = 0. Default 40. */
  records?: number;
  /** Training samples. Default 400. */
  samples?: number;
  /** Test samples. Default 2000. */
  testSamples?: number;
  /** Default 'relu'. */
  activation?: Activation;
  /** Default 'logistic'. */
  loss?: Loss;
  /** The GM layer's quadrature rule. Default 'unscented'. */
  quadrature?: QuadratureRule | QuadratureOptions;
  /** Input dimension of the 'isotropic' task (the others are planar). Default 10. */
  dim?: number;
  /** Seed of the data and both initialisations (required). */
  seed: number;
  /** Passed to the training runs; once aborted the call throws AbortedError. */
  signal?: AbortSignal;
}

const KEYS = optionKeys<GmExperimentOptions>()('task', 'components', 'steps', 'tEnd', 'integrator', 'rtol', 'dt', 'records', 'samples', 'testSamples', 'activation', 'loss', 'quadrature', 'dim', 'seed', 'signal');

/** One model's training curve. */
export interface ModelCurve {
  /** Trainable parameters. */
  parameters: number;
  /** Accepted integrator steps of the run. */
  steps: number;
  /** Velocity evaluations of the run. */
  evaluations: number;
  /** Flow time at each record. */
  times: number[];
  /** Training wall time (ms) at each record, measuring excluded. */
  wallMs: number[];
  /** Test misclassification rate of sign(f) at each record. */
  testError: number[];
  /** Training risk at each record. */
  trainRisk: number[];
}

/** Result of gmExperiment. */
export interface GmExperiment {
  /** The task. */
  task: GmTask;
  /** Input dimension d. */
  dim: number;
  /** Mixture components K. */
  components: number;
  /** Neurons m of the two-layer network (equal parameter count). */
  neurons: number;
  /** The GM layer's curve. */
  gm: ModelCurve;
  /** The two-layer network's curve. */
  twoLayer: ModelCurve;
}

function isotropic(rng: Random, n: number, d: number): LabelledData {
  const X = new Float64Array(n * d), Y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    Y[i] = i % 2 === 0 ? 1 : -1;
    const s = 1 + 0.4 * Y[i];
    for (let c = 0; c < d; c++) X[i * d + c] = s * rng.normal();
  }
  return { X, Y, dim: d };
}

/**
 * Trains a GM layer with K components and a two-layer network with the same number of parameters
 * (m = round((K(1 + p + p(p+1)/2) - 1) / p) neurons, p = d + 2) on one synthetic task. Both use the same
 * integrator (rk45 by default) and step budget, and comparable starts: two-layer neurons
 * ~ N(0, diag(1, 1/d, ..., 1/d, 1)); GM means ~ N(0, diag/2) with Sigma_k = diag/2, so both spread
 * their neurons alike. Returns test error, training risk and training wall time at log-spaced
 * records for both.
 */
export function gmExperiment(options: GmExperimentOptions): GmExperiment {
  if (options === undefined) throw new InvalidArgumentError('gmExperiment options', options, 'must give task and seed');
  const o = readOptions<GmExperimentOptions>('gmExperiment', options, KEYS);
  const task = oneOf('task', o.task, ['moons', 'xor', 'circles', 'isotropic'] as const);
  const seed = requireSeed('seed', o.seed);
  const signal = signalOption('signal', o.signal);
  const K = integerAtLeast('components', o.components ?? 4, 1);
  const steps = integerAtLeast('steps', o.steps ?? 2000, 1);
  const integrator = oneOf('integrator', o.integrator ?? 'rk45', DETERMINISTIC_INTEGRATORS);
  const { adaptive } = integratorInfo(integrator);
  if (adaptive && o.dt !== undefined) throw new InvalidArgumentError('dt', o.dt, "is the fixed step of 'euler', 'heun' and 'rk4' (rk45 adapts its step to rtol)");
  if (!adaptive && o.rtol !== undefined) throw new InvalidArgumentError('rtol', o.rtol, `is rk45's tolerance (the '${integrator}' step is fixed by dt)`);
  const dt = positiveNumber('dt', o.dt ?? 0.25);
  const rtol = positiveNumber('rtol', o.rtol ?? 1e-4);
  const tEnd = positiveNumber('tEnd', o.tEnd ?? 1e4);
  if (tEnd > 1e6) throw new InvalidArgumentError('tEnd', tEnd, 'must be <= 1e6');
  const records = integerAtLeast('records', o.records ?? 40, 2);
  if (records > 1e4) throw new InvalidArgumentError('records', records, 'must be <= 1e4');
  const N = integerAtLeast('samples', o.samples ?? 400, 1);
  const T = integerAtLeast('testSamples', o.testSamples ?? 2000, 1);
  const activation = oneOf('activation', o.activation ?? 'relu', ['relu', 'tanh', 'sigmoid'] as const);
  const loss = oneOf('loss', o.loss ?? 'logistic', ['squared', 'logistic'] as const);
  if (o.dim !== undefined && task !== 'isotropic') throw new InvalidArgumentError('dim', o.dim, `is an option of the 'isotropic' task only ('${task}' is planar)`);
  const d = task === 'isotropic' ? integerAtLeast('dim', o.dim ?? 10, 1) : 2;
  checkElements('training samples', N * d);
  checkElements('test samples', T * d);
  const p = d + 2;
  const gmParameters = K * (1 + p + (p * (p + 1)) / 2) - 1;
  const m = Math.max(1, Math.round(gmParameters / p));

  const rng = new Random(seed);
  const draw = (n: number): LabelledData => {
    const s = rng.integer(2 ** 31);
    if (task === 'moons') return twoMoons({ samples: n, seed: s });
    if (task === 'xor') return gaussianXor({ samples: n, seed: s });
    if (task === 'circles') return concentricCircles({ samples: n, seed: s });
    return isotropic(new Random(s), n, d);
  };
  const train = draw(N), test = draw(T);

  const gm = gmLayer({ data: train, activation, loss, components: K, ...(o.quadrature !== undefined ? { quadrature: o.quadrature } : {}) });
  const net = twoLayer({ data: train, activation, loss });
  const std = [1, ...new Array(d).fill(1 / Math.sqrt(d)), 1];
  const mu2 = Measure.gaussian(m, p, { seed: rng.integer(2 ** 31), std });
  const means = Array.from({ length: K }, () => std.map((s) => (s / Math.SQRT2) * rng.normal()));
  const covariance = std.map((s, r) => std.map((_, c) => (r === c ? s * s / 2 : 0)));
  const muGm = gm.measure({ means, covariances: new Array(K).fill(covariance) });

  const errorOf = (f: Float64Array) => {
    let wrong = 0;
    for (let i = 0; i < T; i++) if ((f[i] > 0 ? 1 : -1) !== test.Y[i]) wrong++;
    return wrong / T;
  };
  const run = (flow: Flow & { predict(mu: Measure, X: Float64Array): Float64Array; risk(mu: Measure): number }, mu0: Measure, parameters: number): ModelCurve => {
    const wallMs: number[] = [], testError: number[] = [], trainRisk: number[] = [];
    let spent = 0;
    let t0 = 0;
    /** Records test error and risk; the time it takes is kept out of the training wall time. */
    const measure = (mu: Measure) => {
      const s = performance.now();
      wallMs.push(s - t0 - spent);
      testError.push(errorOf(flow.predict(mu, test.X)));
      trainRisk.push(flow.risk(mu));
      spent += performance.now() - s;
      return 0;
    };
    t0 = performance.now();
    const r = simulate(flow, mu0, {
      tEnd, integrator, ...(adaptive ? { rtol } : { dt }), maxSteps: steps, record: { logSpaced: records },
      observe: { custom: { measured: measure } }, ...(signal ? { signal } : {}),
    });
    if (r.stopReason === 'aborted') throw new AbortedError('gmExperiment was aborted through options.signal');
    const times = Array.from(r.times);
    if (times[times.length - 1] < r.finalTime) { // the step budget ended the run between records
      measure(r.final);
      times.push(r.finalTime);
    }
    return { parameters, steps: r.stats.accepted, evaluations: r.stats.evaluations, times, wallMs, testError, trainRisk };
  };
  const gmCurve = run(gm, muGm, gmParameters);
  const twoCurve = run(net, mu2, m * p);
  return { task, dim: d, components: K, neurons: m, gm: gmCurve, twoLayer: twoCurve };
}
