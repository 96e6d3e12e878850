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
import { optionsSchema, rule } from '../options.js';
import { checkElements, integerAtLeast, positiveNumber } from '../validate.js';
import { concentricCircles, gaussianXor, twoMoons, type LabelledData } from '../nn/data.js';
import { gmLayer } from '../nn/gm.js';
import type { QuadratureOptions, QuadratureRule } from '../nn/gm-quadrature.js';
import { TWO_LAYER_OPTIONS, twoLayer, type Loss } from '../nn/twolayer.js';

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

// dt, rtol and dim have no schema default: each belongs to some runs only, and is refused when given for the others.
const GM_EXPERIMENT_OPTIONS = optionsSchema<GmExperimentOptions>()({
  task: rule.oneOf(['moons', 'xor', 'circles', 'isotropic'] as const, 'the synthetic task (required)'),
  components: rule.integer(1, 'mixture components K of the GM layer').or(4),
  steps: rule.integer(1, "each model's step budget (accepted integrator steps)").or(2000),
  tEnd: rule
    .custom("each model's flow-time horizon, at most 1e6", (name, v) => {
      const t = positiveNumber(name, v);
      if (t > 1e6) throw new InvalidArgumentError(name, t, 'must be <= 1e6');
      return t;
    })
    .or(1e4),
  // The registry's deterministic integrators (euler-maruyama is its only stochastic one).
  integrator: rule
    .oneOf(DETERMINISTIC_INTEGRATORS as readonly Exclude<IntegratorName, 'euler-maruyama'>[], "'rk45' (adaptive) or a fixed step")
    .or('rk45'),
  rtol: rule.positive("rk45's relative tolerance; default 1e-4"),
  dt: rule.positive("the fixed step of 'euler', 'heun' and 'rk4'; default 0.25"),
  records: rule
    .custom('records per run at log-spaced flow times from 0.01 to tEnd, besides t = 0; in [2, 1e4]', (name, v) => {
      const n = integerAtLeast(name, v, 2);
      if (n > 1e4) throw new InvalidArgumentError(name, n, 'must be <= 1e4');
      return n;
    })
    .or(40),
  samples: rule.integer(1, 'training samples').or(400),
  testSamples: rule.integer(1, 'test samples').or(2000),
  activation: TWO_LAYER_OPTIONS.rules.activation,
  loss: TWO_LAYER_OPTIONS.rules.loss.or('logistic'),
  // Checked by gmLayer's gaussianQuadrature, which knows the dimension.
  quadrature: rule.custom("the GM layer's quadrature rule; default 'unscented'", (_name, v) => v as QuadratureRule | QuadratureOptions),
  dim: rule.integer(1, "input dimension of the 'isotropic' task (the others are planar); default 10"),
  seed: rule.custom('seed of the data and both initialisations (required)', requireSeed),
  signal: rule.signal('aborts the training runs (the call then throws AbortedError)'),
});

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
  const X = new Float64Array(n * d),
    Y = new Float64Array(n);
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
  const o = GM_EXPERIMENT_OPTIONS.read('gmExperiment', options);
  // The required ones, refused here when missing (a given value was checked by read).
  const task = GM_EXPERIMENT_OPTIONS.rules.task.check('task', o.task);
  const seed = requireSeed('seed', o.seed);
  const { signal, components: K, steps, integrator, tEnd, records, samples: N, testSamples: T, activation, loss } = o;
  const { adaptive } = integratorInfo(integrator);
  if (adaptive && o.dt !== undefined)
    throw new InvalidArgumentError('dt', o.dt, "is the fixed step of 'euler', 'heun' and 'rk4' (rk45 adapts its step to rtol)");
  if (!adaptive && o.rtol !== undefined)
    throw new InvalidArgumentError('rtol', o.rtol, `is rk45's tolerance (the '${integrator}' step is fixed by dt)`);
  const dt = o.dt ?? 0.25;
  const rtol = o.rtol ?? 1e-4;
  if (o.dim !== undefined && task !== 'isotropic')
    throw new InvalidArgumentError('dim', o.dim, `is an option of the 'isotropic' task only ('${task}' is planar)`);
  const d = task === 'isotropic' ? (o.dim ?? 10) : 2;
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
  const train = draw(N),
    test = draw(T);

  const gm = gmLayer({ data: train, activation, loss, components: K, ...(o.quadrature !== undefined ? { quadrature: o.quadrature } : {}) });
  const net = twoLayer({ data: train, activation, loss });
  const std = [1, ...new Array(d).fill(1 / Math.sqrt(d)), 1];
  const mu2 = Measure.gaussian(m, p, { seed: rng.integer(2 ** 31), std });
  const means = Array.from({ length: K }, () => std.map((s) => (s / Math.SQRT2) * rng.normal()));
  const covariance = std.map((s, r) => std.map((_, c) => (r === c ? (s * s) / 2 : 0)));
  const muGm = gm.measure({ means, covariances: new Array(K).fill(covariance) });

  const errorOf = (f: Float64Array) => {
    let wrong = 0;
    for (let i = 0; i < T; i++) if ((f[i] > 0 ? 1 : -1) !== test.Y[i]) wrong++;
    return wrong / T;
  };
  const run = (
    flow: Flow & { predict(mu: Measure, X: Float64Array): Float64Array; risk(mu: Measure): number },
    mu0: Measure,
    parameters: number,
  ): ModelCurve => {
    const wallMs: number[] = [],
      testError: number[] = [],
      trainRisk: number[] = [];
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
      tEnd,
      integrator,
      ...(adaptive ? { rtol } : { dt }),
      maxSteps: steps,
      record: { logSpaced: records },
      observe: { custom: { measured: measure } },
      ...(signal ? { signal } : {}),
    });
    if (r.stopReason === 'aborted') throw new AbortedError('gmExperiment was aborted through options.signal');
    const times = Array.from(r.times);
    if (times[times.length - 1] < r.finalTime) {
      // the step budget ended the run between records
      measure(r.final);
      times.push(r.finalTime);
    }
    return { parameters, steps: r.stats.accepted, evaluations: r.stats.evaluations, times, wallMs, testError, trainRisk };
  };
  const gmCurve = run(gm, muGm, gmParameters);
  const twoCurve = run(net, mu2, m * p);
  return { task, dim: d, components: K, neurons: m, gm: gmCurve, twoLayer: twoCurve };
}
