// The options of the memory, measure, analysis, nn and experiments modules are read through schemas (src/options.ts).
// Each keeps the key list it had (UnknownOptionError.known, in the same order), its defaults, and its names and messages.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  concentricCircles,
  denseCapacity,
  denseMemory,
  ensembleSpecificHeat,
  gaussianQuadrature,
  gaussianXor,
  gmExperiment,
  gmLayer,
  hopfield,
  hopfieldCapacity,
  init,
  InvalidArgumentError,
  isotropicGaussians,
  kdeModes,
  linearCapacity,
  linearMemory,
  Measure,
  oversmoothing,
  particleScaling,
  pointCloudMemory,
  pointCloudRecovery,
  settling,
  specificHeat,
  stationarity,
  twoLayer,
  twoMoons,
  UnknownOptionError,
} from '../src/index.js';

const P = [
  [1, 1, -1, -1, 1, -1],
  [1, -1, 1, -1, 1, 1],
];
const data = {
  X: [
    [0, 1],
    [1, 0],
  ],
  Y: [1, -1],
};
const graph = { indptr: [0, 1, 2], indices: [1, 0] };
const cloud = () =>
  new Measure([
    [0, 0],
    [1, 0],
  ]);

beforeAll(async () => {
  await init();
});

/** A one-component GM layer's measure() on `data` (p = 4). */
const oneComponent = (input: unknown) => gmLayer({ data, components: 1 }).measure(input as never);

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('did not throw');
}

/** The keys an unknown option (far from every name) is told about. */
const known = (f: (o: Record<string, unknown>) => unknown, base: Record<string, unknown>): readonly string[] => {
  const e = thrown(() => f({ ...base, zzzzzzzzzz: 1 }));
  expect(e).toBeInstanceOf(UnknownOptionError);
  return (e as UnknownOptionError).known;
};

describe('option key lists, as before the schemas', () => {
  const cases: Array<[string, (o: Record<string, unknown>) => unknown, Record<string, unknown>, string[]]> = [
    ['hopfield', (o) => hopfield(o as never), { patterns: P, beta: 1 }, ['patterns', 'dim', 'beta']],
    [
      'hopfield retrieve',
      (o) => hopfield({ patterns: P, beta: 1 }).retrieve([P[0]], o as never),
      {},
      ['maxSteps', 'tol', 'backend', 'precision'],
    ],
    [
      'hopfieldCapacity',
      (o) => hopfieldCapacity(o as never),
      { dim: 4, counts: [2], beta: 1, seed: 1 },
      ['dim', 'counts', 'beta', 'noise', 'queries', 'steps', 'tolerance', 'seed', 'backend', 'precision'],
    ],
    ['denseMemory', (o) => denseMemory(o as never), { patterns: P }, ['patterns', 'dim', 'separation']],
    ['updateAsync', (o) => denseMemory({ patterns: P }).updateAsync(P[0], o as never), { seed: 1 }, ['seed', 'sweeps', 'onFlip']],
    ['updateSync', (o) => denseMemory({ patterns: P }).updateSync(P[0], o as never), {}, ['steps']],
    ['dense retrieve', (o) => denseMemory({ patterns: P }).retrieve(P[0], o as never), {}, ['mode', 'seed', 'sweeps', 'steps']],
    [
      'denseCapacity',
      (o) => denseCapacity(o as never),
      { dim: 6, counts: [2], seed: 1 },
      ['dim', 'counts', 'separation', 'flipFraction', 'trials', 'seed', 'mode', 'queries', 'sweeps', 'steps'],
    ],
    ['linearMemory', (o) => linearMemory(o as never), { keys: [[1, 0]], values: [[1]] }, ['keys', 'values', 'dim', 'valueDim']],
    ['linearCapacity', (o) => linearCapacity(o as never), { dim: 4, counts: [2], seed: 1 }, ['dim', 'loads', 'counts', 'trials', 'seed']],
    [
      'pointCloudMemory',
      (o) => pointCloudMemory(o as never),
      { patterns: [cloud()], beta: 1, sinkhorn: { eps: 0.1 } },
      ['patterns', 'beta', 'sinkhorn'],
    ],
    ['pointCloudRecovery', (o) => pointCloudRecovery(o as never), { seed: 1 }, ['points', 'jitter', 'beta', 'eps', 'steps', 'seed']],
    ['Measure', (o) => new Measure([[0, 1]], o as never), {}, ['dim', 'weights', 'space']],
    ['Measure.gaussian', (o) => Measure.gaussian(2, 2, o as never), { seed: 1 }, ['seed', 'weights', 'mean', 'std']],
    ['Measure.uniformBox', (o) => Measure.uniformBox(2, 2, o as never), { seed: 1 }, ['seed', 'weights', 'low', 'high']],
    ['Measure.uniformCircle', (o) => Measure.uniformCircle(2, o as never), { seed: 1 }, ['seed', 'weights']],
    ['Measure.equallySpacedCircle', (o) => Measure.equallySpacedCircle(2, o as never), {}, ['offset']],
    ['kdeModes', (o) => kdeModes([0, 1], o as never), { beta: 1 }, ['beta', 'weights', 'grid', 'backend']],
    [
      'oversmoothing',
      (o) => oversmoothing(o as never),
      { graph, depth: 1, residual: false, weights: 'identity', seed: 1 },
      ['graph', 'features', 'dim', 'depth', 'residual', 'weights', 'activation', 'seed'],
    ],
    ['twoLayer', (o) => twoLayer(o as never), { data }, ['data', 'activation', 'loss', 'l2']],
    ['twoMoons', (o) => twoMoons(o as never), { seed: 1 }, ['samples', 'noise', 'seed']],
    ['concentricCircles', (o) => concentricCircles(o as never), { seed: 1 }, ['samples', 'noise', 'seed', 'factor']],
    ['stationarity', (o) => stationarity(twoLayer({ data }), cloud(), o as never), {}, ['backend', 'precision']],
    ['settling', (o) => settling(twoLayer({ data }), null as never, o as never), { tol: 1 }, ['tol', 'backend', 'precision']],
    ['gmLayer', (o) => gmLayer(o as never), { data, components: 2 }, ['data', 'activation', 'loss', 'components', 'quadrature']],
    ['gaussianQuadrature', (o) => gaussianQuadrature(2, o as never), { rule: 'unscented' }, ['rule', 'kappa', 'order']],
    ['gmLayer quadrature', (o) => gmLayer({ data, components: 2, quadrature: o as never }), {}, ['rule', 'kappa', 'order']],
    ['gmLayer measure', (o) => oneComponent(o), { covariances: 1 }, ['means', 'covariances', 'weights']],
    [
      'gmExperiment',
      (o) => gmExperiment(o as never),
      { task: 'moons', seed: 1 },
      [
        'task',
        'components',
        'steps',
        'tEnd',
        'integrator',
        'rtol',
        'dt',
        'records',
        'samples',
        'testSamples',
        'activation',
        'loss',
        'quadrature',
        'dim',
        'seed',
        'signal',
      ],
    ],
    [
      'particleScaling',
      (o) => particleScaling(o as never),
      { seed: 1 },
      ['dim', 'counts', 'samples', 'testSamples', 'teacherNeurons', 'activation', 'tEnd', 'repeats', 'seed', 'signal'],
    ],
    [
      'isotropicGaussians',
      (o) => isotropicGaussians(o as never),
      { seed: 1 },
      ['dim', 'delta', 'samples', 'testSamples', 'neurons', 'activation', 'tEnd', 'points', 'seed', 'signal'],
    ],
    ['specificHeat', (o) => specificHeat(cloud(), o as never), { beta: 1 }, ['beta', 'backend', 'precision']],
    ['ensembleSpecificHeat', (o) => ensembleSpecificHeat([cloud()], o as never), { beta: 1 }, ['beta', 'backend', 'precision']],
  ];
  it.each(cases)('%s', (_name, f, base, keys) => {
    expect(known(f, base)).toEqual(keys);
  });
});

describe('defaults and messages, as before the schemas', () => {
  it('fills the defaults it filled', () => {
    expect(denseMemory({ patterns: P }).separation).toEqual({ kind: 'power', p: 2 });
    // The default separation is copied, never shared between memories.
    expect(denseMemory({ patterns: P }).separation).not.toBe(denseMemory({ patterns: P }).separation);
    expect(twoLayer({ data }).params).toMatchObject({ activation: 'relu', loss: 'squared', l2: 0 });
    expect(twoLayer({ data }).params).not.toHaveProperty('temperature');
    expect(Array.from(Measure.equallySpacedCircle(2).points)).toEqual([0, Math.PI]);
    expect(twoMoons({ seed: 3 }).Y.length).toBe(200);
    // The synthetic datasets' noise defaults differ (0.1, 0.35): same seed, different samples.
    expect(Array.from(twoMoons({ seed: 3, samples: 4, noise: 0.35 }).X)).not.toEqual(Array.from(twoMoons({ seed: 3, samples: 4 }).X));
    expect(Array.from(gaussianXor({ seed: 3, samples: 4, noise: 0.35 }).X)).toEqual(Array.from(gaussianXor({ seed: 3, samples: 4 }).X));
  });

  it('fills the defaults of the GM layer, its quadrature and the experiments', () => {
    const flow = gmLayer({ data, components: 2 });
    // The unscented kappa defaults to 3 - p, p = d + 2 = 4.
    expect([flow.activation, flow.loss, flow.quadrature.rule, flow.quadrature.parameter]).toEqual(['relu', 'squared', 'unscented', -1]);
    expect(gaussianQuadrature(2, { rule: 'gauss-hermite' }).parameter).toBe(3);
    expect(gaussianQuadrature(3).parameter).toBe(0);
    // Cheap runs: the defaults asserted are the ones the results show.
    const gm = gmExperiment({ task: 'moons', seed: 1, steps: 1, records: 2, samples: 8, testSamples: 8 });
    expect([gm.components, gm.dim]).toEqual([4, 2]);
    expect(gmExperiment({ task: 'isotropic', seed: 1, steps: 1, records: 2, samples: 8, testSamples: 8, components: 1 }).dim).toBe(10);
    const small = { seed: 1, samples: 8, testSamples: 8, tEnd: 0.01 };
    const scaling = particleScaling({ ...small, teacherNeurons: 4, repeats: 1 });
    expect(scaling.counts).toEqual([4, 8, 16, 32]);
    // The default counts are copied, never shared between calls.
    scaling.counts.push(64);
    expect(particleScaling({ ...small, teacherNeurons: 4, repeats: 1 }).counts).toEqual([4, 8, 16, 32]);
    expect(isotropicGaussians({ ...small, neurons: 2 }).times.length).toBe(41);
  });

  it('refuses bad and missing values by the same names and messages', () => {
    const cases: Array<[() => unknown, RegExp]> = [
      [() => hopfield({ patterns: P, beta: 0 }), /^beta must be a finite number > 0, got 0/],
      [() => hopfield({ patterns: P } as never), /^beta must be a finite number > 0, got undefined/],
      [() => hopfield({ patterns: [], beta: 1 }), /^patterns must hold at least one pattern/],
      [() => hopfield({ patterns: P, beta: 1 }).retrieve([P[0]], { backend: 'gpu' as never }), /^backend must be one of 'wasm', 'js'/],
      [() => hopfieldCapacity({ dim: 4, counts: [2], beta: 1, seed: 1, steps: 2e6 }), /^steps must be at most 1e6/],
      [() => hopfieldCapacity({ dim: 4, beta: 1, seed: 1 } as never), /^counts must be a non-empty array of pattern counts/],
      [() => denseCapacity({ dim: 6, counts: [2], seed: 1, flipFraction: 1.5 }), /^flipFraction must be in \[0, 1\]/],
      [() => denseCapacity({ dim: 6, counts: [2], seed: 1, flipFraction: -1 }), /^flipFraction must be a finite number >= 0/],
      [() => denseMemory({ patterns: P }).updateAsync(P[0], {} as never), /^seed is required/],
      [() => denseMemory({ patterns: P }).retrieve(P[0], { mode: 'x' as never }), /^mode must be one of 'async', 'sync'/],
      [() => linearCapacity({ dim: 4, seed: 1 }), /^loads must be given, or counts, but not both/],
      [() => linearCapacity({ dim: 4, seed: 1, loads: [-1] }), /^loads\[0\] must be a finite number >= 0/],
      [() => pointCloudMemory({ patterns: [cloud()], beta: 1, sinkhorn: 3 as never }), /^sinkhorn must be Sinkhorn options with eps/],
      [() => pointCloudRecovery({ seed: 1, points: 2001 }), /^points must be at most 2000/],
      [() => new Measure([[0, 1]], { space: 'torus' as never }), /^space must be one of 'euclidean', 'sphere', 'circle'/],
      [() => Measure.equallySpacedCircle(2, { offset: Number.NaN }), /^offset must be a finite number/],
      [() => kdeModes([0, 1], { beta: 1, grid: 7 }), /^grid must be an integer >= 8/],
      [() => oversmoothing({ graph, residual: false, weights: 'identity', seed: 1 } as never), /^depth is required/],
      [
        () => oversmoothing({ graph, depth: 1, residual: -1, weights: 'identity', seed: 1 }),
        /^residual must be true, false, or a finite number/,
      ],
      [() => twoLayer({ data, temperature: 0.5 } as never), /^temperature has moved to simulate/],
      [() => concentricCircles({ seed: 1, factor: 1 }), /^factor must be a number in \(0, 1\)/],
      [() => twoLayer({ data: { X: [[0, 1]], Y: [1n] as never } }), /^data\.Y must contain only numbers/],
      [() => settling(twoLayer({ data }), null as never, { tol: 0 }), /^tol must be a finite number > 0/],
      [() => gmLayer({ data, components: 0 }), /^components must be an integer >= 1, got 0/],
      [() => gmLayer({ data } as never), /^components is required/],
      [() => gmLayer({ data, components: 2, loss: 'hinge' as never }), /^loss must be one of 'squared', 'logistic'/],
      [() => gaussianQuadrature(2, 'simpson' as never), /^quadrature\.rule must be one of 'unscented', 'gauss-hermite'/],
      [() => gaussianQuadrature(2, { rule: 'gauss-hermite', order: 21 }), /^quadrature\.order must be <= 20/],
      [() => gaussianQuadrature(2, { rule: 'gauss-hermite', order: 1.5 }), /^quadrature\.order must be an integer >= 1/],
      [() => gaussianQuadrature(2, { rule: 'unscented', order: 3 }), /^quadrature\.order is a parameter of the 'gauss-hermite' rule only/],
      [() => gaussianQuadrature(2, { rule: 'unscented', kappa: Number.NaN }), /^quadrature\.kappa must be a finite number/],
      [() => gaussianQuadrature(2, { rule: 'unscented', kappa: -5 }), /^quadrature\.kappa must be > -p = -2/],
      [() => oneComponent({ covariances: 1 }), /^means is required/],
      [() => oneComponent({ means: [[0, 1, 2, '3']], covariances: 1 }), /^means\[0\]\[3\] must be a number/],
      [() => oneComponent({ means: [[0, 1, 2, 3]], covariances: 1, weights: ['1'] }), /^weights must contain only numbers/],
      [() => oneComponent({ means: [[0, 1, 2, 3]], covariances: 1, weights: [1, 1] }), /^weights must hold K = 1 weights/],
      [() => gmExperiment({ seed: 1 } as never), /^task must be one of 'moons', 'xor', 'circles', 'isotropic', got undefined/],
      [() => gmExperiment({ task: 'moons' } as never), /^seed is required/],
      [() => gmExperiment({ task: 'moons', seed: 1, integrator: 'euler-maruyama' as never }), /^integrator must be one of .*'rk45'/],
      [() => gmExperiment({ task: 'moons', seed: 1, dt: 0.1 }), /^dt is the fixed step of 'euler', 'heun' and 'rk4'/],
      [() => gmExperiment({ task: 'moons', seed: 1, integrator: 'rk4', rtol: 1e-3 }), /^rtol is rk45's tolerance/],
      [() => gmExperiment({ task: 'moons', seed: 1, tEnd: 2e6 }), /^tEnd must be <= 1e6/],
      [() => gmExperiment({ task: 'moons', seed: 1, records: 1 }), /^records must be an integer >= 2/],
      [() => gmExperiment({ task: 'moons', seed: 1, records: 2e4 }), /^records must be <= 1e4/],
      [() => gmExperiment({ task: 'moons', seed: 1, dim: 3 }), /^dim is an option of the 'isotropic' task only/],
      [() => gmExperiment({ task: 'moons', seed: 1, signal: {} as never }), /^signal must be an AbortSignal/],
      [() => particleScaling({} as never), /^seed is required/],
      [() => particleScaling({ seed: 1, counts: 4 as never }), /^counts must be an array of particle counts/],
      [() => particleScaling({ seed: 1, counts: [4, 0] }), /^counts\[1\] must be an integer >= 1/],
      [() => particleScaling({ seed: 1, counts: [4] }), /^counts must hold at least two particle counts/],
      [() => particleScaling({ seed: 1, tEnd: 2e6 }), /^tEnd must be <= 1000000 for these experiments/],
      // A huge repeat count was a loop without end (found by the fuzz suite): refused up front.
      [() => particleScaling({ seed: 1, repeats: Number.MAX_VALUE }), /^repeats must be at most 1e4/],
      [() => particleScaling({ seed: 1, activation: 'gelu' as never }), /^activation must be one of 'relu', 'tanh', 'sigmoid'/],
      [() => isotropicGaussians({ seed: 1, delta: 1.5 }), /^delta must be < 1/],
      [() => isotropicGaussians({ seed: 1, delta: 0 }), /^delta must be a finite number > 0/],
      [() => isotropicGaussians({ seed: 1, points: 2e6 }), /^points must be at most 1e6/],
      [() => isotropicGaussians({ seed: 1, tEnd: 0 }), /^tEnd must be a finite number > 0/],
      [() => specificHeat(cloud(), {} as never), /^beta must be a finite number, got undefined/],
      [() => specificHeat(cloud(), undefined as never), /^specificHeat options must give beta/],
      [() => specificHeat(cloud(), { beta: 1, backend: 'gpu' as never }), /^backend must be one of 'wasm', 'js'/],
      [() => ensembleSpecificHeat([cloud()], { beta: 1, precision: 'f16' as never }), /^precision must be one of 'f64', 'f32'/],
      [() => ensembleSpecificHeat([cloud()], { beta: Number.POSITIVE_INFINITY }), /^beta must be a finite number/],
    ];
    for (const [f, message] of cases) {
      const e = thrown(f);
      expect(e, String(message)).toBeInstanceOf(InvalidArgumentError);
      expect(e.message).toMatch(message);
    }
  });
});
