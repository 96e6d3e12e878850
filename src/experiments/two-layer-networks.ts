// Experiments on mean-field two-layer networks, as functions that return data: the O(1/m) particle
// scaling law and the isotropic-Gaussian risk curve. They run simulations, so they sit above simulate.
import { AbortedError, InvalidArgumentError } from '../errors.js';
import type { Activation } from '../backend/index.js';
import { Measure } from '../measure.js';
import { TWO_LAYER_OPTIONS, twoLayer } from '../nn/twolayer.js';
import { Random, requireSeed } from '../random.js';
import { simulate } from '../simulate/simulate.js';
import { optionsSchema, rule } from '../options.js';
import { checkElements, integerAtLeast, positiveNumber, strictNumbers } from '../validate.js';

const SIGNAL_RULE = rule.signal('aborts the training (the call then throws AbortedError)');

/** The experiments' horizon: training converges long before t = 1e6, and rk45 takes steps of O(1) until then. */
export const EXPERIMENT_T_MAX = 1e6;

function horizonRule(doc: string) {
  return rule.custom(`${doc}, at most EXPERIMENT_T_MAX = 1e6`, (name, v) => {
    const t = positiveNumber(name, v);
    if (t > EXPERIMENT_T_MAX) {
      const why = 'their losses settle by t ~ 1e3; a longer horizon only costs O(tEnd) rk45 steps';
      throw new InvalidArgumentError(name, t, `must be <= ${EXPERIMENT_T_MAX} for these experiments (${why})`);
    }
    return t;
  });
}

function finishedRun(run: { stopReason: string }, where: string): void {
  if (run.stopReason === 'aborted') throw new AbortedError(`${where} was aborted through options.signal`);
}

/**
 * Least-squares slope of log y against log x. Throws InvalidArgumentError unless x and y are arrays of the same length >= 2
 * holding finite numbers > 0, with at least two distinct x.
 */
export function logLogSlope(x: readonly number[], y: readonly number[]): number {
  for (const [name, v] of [
    ['x', x],
    ['y', y],
  ] as const) {
    if (!Array.isArray(v)) throw new InvalidArgumentError(name, v, 'must be an array of finite numbers > 0');
    strictNumbers(name, v);
    v.forEach((t, i) => {
      if (!(t > 0 && Number.isFinite(t))) throw new InvalidArgumentError(name, t, 'must be finite and > 0', `at index ${i}`);
    });
  }
  if (x.length !== y.length || x.length < 2)
    throw new InvalidArgumentError('x, y', `${x.length} and ${y.length} values`, 'must be two series of the same length >= 2');
  if (x.every((t) => t === x[0])) throw new InvalidArgumentError('x', x, 'must hold at least two distinct values');
  const lx = x.map(Math.log),
    ly = y.map(Math.log);
  const mx = lx.reduce((s, v) => s + v, 0) / lx.length,
    my = ly.reduce((s, v) => s + v, 0) / ly.length;
  let sxy = 0,
    sxx = 0;
  for (let i = 0; i < lx.length; i++) {
    sxy += (lx[i] - mx) * (ly[i] - my);
    sxx += (lx[i] - mx) ** 2;
  }
  return sxy / sxx;
}

function gaussianRows(rng: Random, n: number, d: number, scale = 1): Float64Array {
  return Float64Array.from({ length: n * d }, () => scale * rng.normal());
}

/** Options of particleScaling. */
export interface ParticleScalingOptions {
  /** Input dimension. Default 10. */
  dim?: number;
  /** Particle counts m to sweep. Default [4, 8, 16, 32]. */
  counts?: number[];
  /** Training samples. Default 1000. */
  samples?: number;
  /** Test samples. Default 2000. */
  testSamples?: number;
  /** Neurons of the wide teacher (a stand-in for a continuum measure). Default 1000. */
  teacherNeurons?: number;
  /** Default 'relu'. */
  activation?: Activation;
  /** Training time ("long times"), at most EXPERIMENT_T_MAX = 1e6. Default 200. */
  tEnd?: number;
  /** Independent student initialisations averaged per m, at most 1e4. Default 3. */
  repeats?: number;
  /** Seed of the teacher, data and initialisations (required). */
  seed: number;
  /** Passed to every training run; once aborted the call throws AbortedError. */
  signal?: AbortSignal;
}

const SCALING_OPTIONS = optionsSchema<ParticleScalingOptions>()({
  dim: rule.integer(1, 'input dimension').or(10),
  counts: rule
    .custom('particle counts m to sweep, at least two', (name, v) => {
      if (!Array.isArray(v)) throw new InvalidArgumentError(name, v, 'must be an array of particle counts');
      const counts = v.map((m, i) => integerAtLeast(`${name}[${i}]`, m, 1));
      if (counts.length < 2) throw new InvalidArgumentError(name, counts, 'must hold at least two particle counts to fit a slope');
      return counts;
    })
    .or([4, 8, 16, 32]),
  samples: rule.integer(1, 'training samples').or(1000),
  testSamples: rule.integer(1, 'test samples').or(2000),
  teacherNeurons: rule.integer(1, 'neurons of the wide teacher (a stand-in for a continuum measure)').or(1000),
  activation: TWO_LAYER_OPTIONS.rules.activation,
  tEnd: horizonRule('training time ("long times")').or(200),
  // Each repeat is a training run per m: the count is bounded so that a call always ends.
  repeats: rule
    .custom('independent student initialisations averaged per m, in [1, 1e4]', (name, v) => {
      const repeats = integerAtLeast(name, v, 1);
      if (repeats > 1e4) throw new InvalidArgumentError(name, repeats, 'must be at most 1e4 (each repeat trains one network per m)');
      return repeats;
    })
    .or(3),
  seed: rule.custom('seed of the teacher, data and initialisations (required)', requireSeed),
  signal: SIGNAL_RULE,
});

/** Risks against the number of particles m, from particleScaling. */
export interface ParticleScaling {
  /** The particle counts m swept. */
  counts: number[];
  /** Test squared loss (1/2 (f - y)^2 averaged) at tEnd, averaged over repeats, per m. */
  testRisk: number[];
  /** Training squared loss at tEnd, averaged over repeats, per m. */
  trainRisk: number[];
  /** Least-squares slope of log testRisk against log m; Rotskoff–Vanden-Eijnden predict -1. */
  slope: number;
}

/**
 * Test error against the number of particles m at long times. The target is a wide
 * teacher network f*(x) = (1/M) sum_k a_k relu(<w_k, x> + b_k) with w ~ N(0, I), a ~ N(1, 9),
 * b ~ N(0, 1/4): a function only a continuum of neurons represents exactly. Students start
 * from theta ~ N(0, I) and follow the gradient flow (rk45) to tEnd; the O(1/m) law of
 * Rotskoff & Vanden-Eijnden (2018) shows as a log-log slope near -1.
 */
export function particleScaling(options: ParticleScalingOptions): ParticleScaling {
  if (options === undefined) throw new InvalidArgumentError('particleScaling options', options, 'must give seed');
  const o = SCALING_OPTIONS.read('particleScaling', options);
  const seed = requireSeed('seed', o.seed); // required: a missing seed is refused here
  const { signal, dim: d, samples: N, testSamples: T, teacherNeurons: M, tEnd, repeats, activation } = o;
  const counts = [...o.counts]; // returned: a copy, so the schema's default array is never shared
  counts.forEach((m, i) => checkElements(`counts[${i}] particles`, m * (d + 2)));
  checkElements('training samples', N * d);
  checkElements('test samples', T * d);
  checkElements('teacher neurons', M * (d + 2));

  const rng = new Random(seed);
  const p = d + 2;
  const teacher = new Float64Array(M * p);
  for (let k = 0; k < M; k++) {
    teacher[k * p] = 1 + 3 * rng.normal();
    for (let c = 0; c < d; c++) teacher[k * p + 1 + c] = rng.normal();
    teacher[k * p + d + 1] = 0.5 * rng.normal();
  }
  const teacherMeasure = new Measure(teacher, { dim: p });
  const label = (X: Float64Array) =>
    twoLayer({ data: { X, Y: new Float64Array(X.length / d), dim: d }, activation }).predict(teacherMeasure);
  const Xtrain = gaussianRows(rng, N, d),
    Xtest = gaussianRows(rng, T, d);
  const train = { X: Xtrain, Y: label(Xtrain), dim: d };
  const test = { X: Xtest, Y: label(Xtest), dim: d };
  const flow = twoLayer({ data: train, activation });

  const testRisk: number[] = [],
    trainRisk: number[] = [];
  for (const m of counts) {
    let te = 0,
      tr = 0;
    for (let r = 0; r < repeats; r++) {
      const mu0 = Measure.gaussian(m, p, { seed: rng.integer(2 ** 31) });
      const run = simulate(flow, mu0, { tEnd, integrator: 'rk45', rtol: 1e-4, record: { times: [tEnd] }, ...(signal ? { signal } : {}) });
      finishedRun(run, 'particleScaling');
      te += flow.risk(run.final, test);
      tr += flow.risk(run.final);
    }
    testRisk.push(te / repeats);
    trainRisk.push(tr / repeats);
  }
  return { counts, testRisk, trainRisk, slope: logLogSlope(counts, testRisk) };
}

/** Options of isotropicGaussians. */
export interface IsotropicGaussiansOptions {
  /** Input dimension. Default 20. */
  dim?: number;
  /** The classes are N(0, (1 + delta)^2 I) (label +1) and N(0, (1 - delta)^2 I) (label -1). Default 0.4. */
  delta?: number;
  /** Training samples. Default 1000. */
  samples?: number;
  /** Test samples. Default 2000. */
  testSamples?: number;
  /** Particles. Default 200. */
  neurons?: number;
  /** Default 'relu'. */
  activation?: Activation;
  /** Training time, at most EXPERIMENT_T_MAX = 1e6. Default 100. */
  tEnd?: number;
  /** Points of the risk curve (log-spaced). Default 40. */
  points?: number;
  /** Seed of the data and the initialisation (required). */
  seed: number;
  /** Passed to the training run; once aborted the call throws AbortedError. */
  signal?: AbortSignal;
}

const ISOTROPIC_OPTIONS = optionsSchema<IsotropicGaussiansOptions>()({
  dim: rule.integer(1, 'input dimension').or(20),
  delta: rule
    .custom('the classes are N(0, (1 ± delta)^2 I); 0 < delta < 1', (name, v) => {
      const delta = positiveNumber(name, v);
      if (delta >= 1) throw new InvalidArgumentError(name, delta, 'must be < 1 (the class standard deviations are 1 ± delta)');
      return delta;
    })
    .or(0.4),
  samples: rule.integer(1, 'training samples').or(1000),
  testSamples: rule.integer(1, 'test samples').or(2000),
  neurons: rule.integer(1, 'particles').or(200),
  activation: TWO_LAYER_OPTIONS.rules.activation,
  tEnd: horizonRule('training time').or(100),
  points: rule
    .custom('points of the risk curve (log-spaced), in [2, 1e6]', (name, v) => {
      const points = integerAtLeast(name, v, 2);
      if (points > 1e6) throw new InvalidArgumentError(name, points, 'must be at most 1e6');
      return points;
    })
    .or(40),
  seed: rule.custom('seed of the data and the initialisation (required)', requireSeed),
  signal: SIGNAL_RULE,
});

/** Risk curves of a training run, one entry per recorded time. */
export interface RiskCurve {
  /** Recorded times, log-spaced up to tEnd. */
  times: number[];
  /** Squared-loss risk (1/2 (f - y)^2 averaged) on fresh test samples. */
  testRisk: number[];
  /** Squared-loss risk on the training samples. */
  trainRisk: number[];
  /** Test misclassification rate of sign(f). */
  testError: number[];
}

/**
 * The Mei–Montanari–Nguyen (2018) isotropic Gaussian classification: two centred Gaussians
 * with different variances, labels ±1, squared loss; returns the risk curve of the
 * mean-field gradient flow (first layer and readout trained together).
 */
export function isotropicGaussians(options: IsotropicGaussiansOptions): RiskCurve {
  if (options === undefined) throw new InvalidArgumentError('isotropicGaussians options', options, 'must give seed');
  const opts = ISOTROPIC_OPTIONS.read('isotropicGaussians', options);
  const seed = requireSeed('seed', opts.seed); // required: a missing seed is refused here
  const { signal, dim: d, delta, samples: N, testSamples: T, neurons: m, tEnd, points, activation } = opts;
  checkElements('training samples', N * d);
  checkElements('test samples', T * d);
  checkElements('neurons', m * (d + 2));
  const rng = new Random(seed);
  const sample = (n: number) => {
    const X = new Float64Array(n * d),
      Y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      Y[i] = i % 2 === 0 ? 1 : -1;
      const s = 1 + Y[i] * delta;
      for (let c = 0; c < d; c++) X[i * d + c] = s * rng.normal();
    }
    return { X, Y, dim: d };
  };
  const train = sample(N),
    test = sample(T);
  const flow = twoLayer({ data: train, activation });
  const mu0 = Measure.gaussian(m, d + 2, { seed: rng.integer(2 ** 31), std: [1, ...new Array(d).fill(1 / Math.sqrt(d)), 1] });
  const testError = (mu: Measure) => {
    const f = flow.predict(mu, test.X);
    let wrong = 0;
    for (let i = 0; i < T; i++) if (Math.sign(f[i]) !== test.Y[i]) wrong++;
    return wrong / T;
  };
  const run = simulate(flow, mu0, {
    tEnd,
    integrator: 'rk45',
    rtol: 1e-4,
    record: { logSpaced: points },
    observe: { custom: { testRisk: (mu) => flow.risk(mu, test), trainRisk: (mu) => flow.risk(mu), testError } },
    ...(signal ? { signal } : {}),
  });
  finishedRun(run, 'isotropicGaussians');
  const o = run.observables;
  return {
    times: Array.from(run.times),
    testRisk: Array.from(o.testRisk),
    trainRisk: Array.from(o.trainRisk),
    testError: Array.from(o.testError),
  };
}
