// The options schemas of the kernel's public face (logSumExp, softmaxMean, interactionEnergy, init) and of the
// flows (attention, circle, interaction, graph masks, the layer-norm helpers): each declared once (src/options.ts).
// The key lists are the ones the hand-written lists held (UnknownOptionError suggests from them), the defaults the
// ones the code applied, and every key has a doc line.
import { describe, expect, it } from 'vitest';
import { attention, circle, equiangularODE, init, interaction, InvalidArgumentError, logSumExp, UnknownOptionError } from '../src/index.js';
import { INIT_SCHEMA } from '../src/backend/index.js';
import { ENERGY_SCHEMA, KERNEL_SCHEMA, MEAN_SCHEMA } from '../src/logsumexp.js';
import { ATTENTION_SCHEMA } from '../src/flows/attention.js';
import { FOURIER_SCHEMA } from '../src/flows/circle-sync.js';
import { CIRCLE_SCHEMA } from '../src/flows/circle.js';
import { INTERACTION_SCHEMA } from '../src/flows/interaction.js';
import { GRAPH_MASK_SCHEMA, GRAPH_SCHEMA } from '../src/flows/graph.js';
import { EQUIANGULAR_MEASURE_SCHEMA, EQUIANGULAR_SCHEMA } from '../src/flows/layernorm.js';
import { thrown } from './helpers.js';

interface Compiled {
  keys: readonly string[];
  read(where: string, value: unknown): object;
  doc(): string;
}

// [schema, the key list before the schemas (in order), the defaults read from undefined]
const CASES: Array<[string, Compiled, string[], Record<string, unknown>]> = [
  [
    'KernelOptions',
    KERNEL_SCHEMA,
    ['dim', 'beta', 'score', 'logWeights', 'causal', 'backend', 'precision', 'signal', 'onProgress'],
    { beta: 1, score: 'dot', causal: false, precision: 'f64' },
  ],
  [
    'MeanOptions',
    MEAN_SCHEMA,
    ['dim', 'beta', 'score', 'logWeights', 'causal', 'backend', 'precision', 'valueDim', 'signal', 'onProgress'],
    { beta: 1, score: 'dot', causal: false, precision: 'f64' },
  ],
  ['EnergyOptions', ENERGY_SCHEMA, ['beta', 'backend', 'precision'], { precision: 'f64' }],
  ['InitOptions', INIT_SCHEMA, ['backend', 'threads'], {}],
  [
    'AttentionOptions',
    ATTENTION_SCHEMA,
    ['beta', 'Q', 'K', 'V', 'normalization', 'sinkhornIterations', 'mask', 'space', 'tangentProjection', 'layerNorm', 'truncate'],
    {
      beta: 1,
      normalization: 'softmax',
      sinkhornIterations: 5,
      mask: 'none',
      space: 'sphere',
      tangentProjection: true,
      layerNorm: 'none',
      truncate: 'auto',
    },
  ],
  ['CircleOptions', CIRCLE_SCHEMA, ['beta', 'normalization', 'interaction', 'truncate'], { truncate: 'auto' }],
  ['FourierOptions', FOURIER_SCHEMA, ['maxSamples'], { maxSamples: 32768 }],
  ['InteractionOptions', INTERACTION_SCHEMA, ['beta', 'space', 'truncate'], { beta: 1, space: 'euclidean', truncate: 'auto' }],
  ['CsrGraph', GRAPH_SCHEMA, ['indptr', 'indices'], {}],
  ['GraphMask', GRAPH_MASK_SCHEMA, ['graph', 'self'], { self: true }],
  ['EquiangularMeasureOptions', EQUIANGULAR_MEASURE_SCHEMA, ['radius', 'dim'], { radius: 1 }],
  [
    'EquiangularOptions',
    EQUIANGULAR_SCHEMA,
    ['layerNorm', 'n', 'beta', 'rho0', 'radius0', 'times', 'stepsPerUnit'],
    { radius0: 1, stepsPerUnit: 2000 },
  ],
];

describe('options schemas of the kernel and the flows', () => {
  it('keep the key lists and defaults of the code they replace, with a doc line per key', () => {
    for (const [name, schema, keys, defaults] of CASES) {
      expect(schema.keys, name).toEqual(keys);
      expect(schema.read('f', undefined), name).toEqual(defaults);
      const lines = schema.doc().split('\n');
      expect(
        lines.map((l) => /^- `(\w+)`: /.exec(l)?.[1]),
        name,
      ).toEqual(keys);
      for (const line of lines) expect(line.length, `${name}: ${line}`).toBeGreaterThan(keys.length === 0 ? 0 : 12);
    }
  });

  it('refuse unknown keys with the nearest name, and bad values by name, as the hand checks did', async () => {
    const e = thrown(() => attention({ bata: 2 } as never));
    expect(e).toBeInstanceOf(UnknownOptionError);
    expect(e.message).toMatch(/unknown option 'bata' for attention; did you mean 'beta'\?/);
    const cases: Array<[() => unknown, string, RegExp]> = [
      [() => attention({ mask: 'graph' as never }), 'mask', /^mask must be one of 'none', 'causal', got "graph"$/],
      [() => attention({ layerNorm: 'pre' }), 'layerNorm', /needs space: 'euclidean'/],
      [() => attention({ mask: { graph: { indptr: [0, 1], indices: [3] } } }), 'mask.graph.indices', /must be a node in \[0, 1\)/],
      [() => attention({ mask: { self: false } as never }), 'mask.graph', /is required: \{ indptr, indices \}/],
      [() => attention({ mask: { graph: { indptr: [0, 1] } } as never }), 'mask.graph.indices', /is required \(the neighbour lists\)/],
      [() => circle({ interaction: 3 as never }), 'interaction', /must be a function θ => h\(θ\)/],
      [() => circle({ beta: 2, interaction: Math.sin }), 'beta', /must be omitted with interaction/],
      [() => circle({ interaction: Math.sin, normalization: 'softmax' }), 'normalization', /must be 'none' with interaction/],
      [() => interaction({ beta: 0 }), 'beta', /^beta must be a finite number > 0, got 0$/],
      [
        () => logSumExp([[1]], [[1]], { logWeights: [NaN], backend: 'js' }),
        'logWeights',
        /must be finite or -Infinity, got NaN at index 0/,
      ],
      [() => logSumExp([[1]], [[1]], { logWeights: [0, 0], backend: 'js' }), 'logWeights.length', /must equal the number of keys 1/],
      [() => logSumExp([[1]], [[1]], { backend: 'gpu' as never }), 'backend', /^backend must be 'wasm' or 'js', got "gpu"$/],
      [() => equiangularODE({ layerNorm: 'post', n: 3, rho0: 0.1 } as never), 'times', /^times must be an array of times, got undefined$/],
      [() => equiangularODE({ layerNorm: 'post', rho0: 0.1, times: [1] } as never), 'n', /^n must be an integer >= 2, got undefined$/],
      [() => equiangularODE({ layerNorm: 'post', n: 3, rho0: 0.1, times: [1], stepsPerUnit: 0 }), 'stepsPerUnit', /must be > 0/],
    ];
    for (const [run, argument, message] of cases) {
      const err = thrown(run);
      expect(err, String(message)).toBeInstanceOf(InvalidArgumentError);
      expect(err.argument, String(message)).toBe(argument);
      expect(err.message).toMatch(message);
    }
    await expect(init({ threads: 0 })).rejects.toThrow(/^threads must be an integer >= 1, got 0$/);
    await expect(init({ backend: 'cpu' as never })).rejects.toThrow(/^backend must be 'wasm' or 'js', got "cpu"$/);
  });
});
