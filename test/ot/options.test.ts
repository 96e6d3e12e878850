// The options schemas of the optimal-transport layer (sinkhorn and its warm start, wasserstein2, slicedWasserstein,
// the exact solver), each declared once (src/options.ts). The key lists are the ones the hand-written lists held
// (UnknownOptionError suggests from them), the defaults the ones the solvers applied, and every key has a doc line.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  init,
  Measure,
  type MeanfieldError,
  planarShapes,
  pointCloudMemory,
  sinkhorn,
  sinkhornDivergence,
  slicedWasserstein,
  UnknownOptionError,
  wasserstein2,
  wasserstein2Detailed,
} from '../../src/index.js';
import { otPair } from '../../src/ot/common.js';
import { EXACT_SCHEMA, exactTransport, exactW2 } from '../../src/ot/exact.js';
import { checkOptions, DEFAULT_MAX_ITER, readSinkhornOptions, SINKHORN_SCHEMA, WARM_START_SCHEMA } from '../../src/ot/sinkhorn.js';
import { SLICED_SCHEMA, W2_SCHEMA } from '../../src/ot/wasserstein.js';
import { thrown } from '../helpers.js';

beforeAll(async () => {
  await init();
});

interface Compiled {
  keys: readonly string[];
  read(where: string, value: unknown): object;
  doc(): string;
}

// [schema, the key list before the schemas (in order), the defaults read from undefined]
const CASES: Array<[string, Compiled, string[], Record<string, unknown>]> = [
  [
    'SinkhornOptions',
    SINKHORN_SCHEMA,
    [
      'eps',
      'dim',
      'tol',
      'maxIter',
      'scaling',
      'warmStart',
      'signal',
      'onProgress',
      'backend',
      'precision',
      'reach',
      'acceleration',
      'truncate',
    ],
    // precision has no fixed default since issue 20 ('f64', or 'mixed' when truncate 'auto' truncates).
    { maxIter: 100_000, acceleration: 'anderson', truncate: 'auto' },
  ],
  ['WarmStart', WARM_START_SCHEMA, ['f', 'g'], {}],
  ['Wasserstein2Options', W2_SCHEMA, ['dim'], {}],
  ['SlicedOptions', SLICED_SCHEMA, ['dim', 'projections', 'seed'], { projections: 100 }],
  ['ExactOptions', EXACT_SCHEMA, ['maxIterations'], { maxIterations: 10_000_000 }],
];

/** The error `call` throws, of class `cls`. */
function thrownOf(call: () => unknown, cls: new (...args: never[]) => MeanfieldError): MeanfieldError {
  try {
    call();
  } catch (e) {
    expect(e).toBeInstanceOf(cls);
    return e as MeanfieldError;
  }
  throw new Error(`expected a ${cls.name}, nothing was thrown`);
}

const a2 = () => new Measure([[0], [1]]);
const b2 = () => new Measure([[0.2], [1.3]]);
const half = new Float64Array([0.5, 0.5]);

describe('options schemas of the optimal-transport layer', () => {
  it('keep the key lists and defaults of the code they replace, with a doc line per key', () => {
    for (const [name, schema, keys, defaults] of CASES) {
      expect(schema.keys, name).toEqual(keys);
      expect(schema.read('f', undefined), name).toEqual(defaults);
      const lines = schema.doc().split('\n');
      expect(
        lines.map((l) => /^- `(\w+)`: /.exec(l)?.[1]),
        name,
      ).toEqual(keys);
      for (const line of lines) expect(line.length, `${name}: ${line}`).toBeGreaterThan(20);
    }
    expect(DEFAULT_MAX_ITER).toBe(100_000);
  });

  it("resolve against a pair to the documented defaults: tol 1e-6 in f64 and 'mixed', max(1e-5, 2^-26 diameter²/eps) in f32", () => {
    const p = otPair(a2(), b2());
    const o = checkOptions({ eps: 0.1 }, p);
    expect(o).toMatchObject({
      eps: 0.1,
      tol: 1e-6,
      defaultTol: 1e-6,
      maxIter: 100_000,
      precision: 'f64',
      mixed: false,
      acceleration: 'anderson',
      truncate: false,
    });
    // Anderson, balanced, eps >= 1e-4 diameter²: no eps-scaling.
    expect(o.schedule).toEqual([0.1]);
    expect(checkOptions({ eps: 0.1, precision: 'mixed' }, p)).toMatchObject({ precision: 'f64', mixed: true, tol: 1e-6 });
    expect(checkOptions({ eps: 1e-5, precision: 'f32' }, p).tol).toBe((2 ** -26 * p.diameter2) / 1e-5);
    expect(checkOptions({ eps: 0.1, precision: 'f32' }, p).tol).toBe(1e-5);
    // Plain Sinkhorn below diameter²/20 anneals by GeomLoss's 0.5.
    expect(checkOptions({ eps: 0.01, acceleration: false }, p).schedule.length).toBeGreaterThan(1);
    // Given values pass through the schema unchanged.
    expect(checkOptions({ eps: 0.1, tol: 1e-9, maxIter: 7, scaling: false, acceleration: 'overrelaxation', truncate: 5 }, p)).toMatchObject(
      { tol: 1e-9, maxIter: 7, schedule: [0.1], acceleration: 'overrelaxation', truncate: 5 },
    );
  });

  it('refuse bad values by name, as the hand checks did', () => {
    const cases: Array<[Record<string, unknown> | undefined, string, RegExp]> = [
      [undefined, 'sinkhorn options', /^sinkhorn options must give eps, got undefined$/],
      [{}, 'eps', /^eps must be a finite number > 0, got undefined$/],
      [{ eps: 0 }, 'eps', /^eps must be a finite number > 0, got 0$/],
      [{ eps: 1e-310 }, 'eps', /^eps must be >= 2\.2250738585072014e-308 \(a subnormal eps/],
      [{ eps: 1e-300 }, 'eps', /^eps is too small for the scale of the cost/],
      [{ eps: 0.1, dim: 1.5 }, 'dim', /^dim must be an integer >= 1, got 1\.5$/],
      [{ eps: 0.1, tol: NaN }, 'tol', /^tol must be a finite number > 0, got NaN$/],
      [{ eps: 0.1, maxIter: 0 }, 'maxIter', /^maxIter must be an integer >= 1, got 0$/],
      [{ eps: 0.1, scaling: 1 }, 'scaling', /^scaling must be a number in \(0, 1\) or false, got 1$/],
      [{ eps: 0.1, scaling: true }, 'scaling', /^scaling must be a number in \(0, 1\) or false, got true$/],
      [{ eps: 0.1, warmStart: 'x' }, 'warmStart options', /must be an options object/],
      [{ eps: 0.1, warmStart: { f: [NaN, 0] } }, 'warmStart.f', /^warmStart\.f must be finite, got NaN at index 0$/],
      [{ eps: 0.1, warmStart: { g: 'xy' } }, 'warmStart.g', /must be an array or typed array of finite numbers/],
      [{ eps: 0.1, warmStart: { f: [0, 0, 0] } }, 'warmStart.f.length', /^warmStart\.f\.length must be 2, got 3$/],
      [{ eps: 0.1, signal: {} }, 'signal', /^signal must be an AbortSignal/],
      [{ eps: 0.1, onProgress: 3 }, 'onProgress', /^onProgress must be a function, got 3$/],
      [{ eps: 0.1, backend: 'gpu' }, 'backend', /^backend must be 'wasm' or 'js', got "gpu"$/],
      [{ eps: 0.1, backend: null }, 'backend', /^backend is not a value for this option of sinkhorn/],
      [{ eps: 0.1, precision: 'f16' }, 'precision', /^precision must be one of 'f64', 'f32', 'mixed', got "f16"$/],
      [{ eps: 0.1, reach: Infinity }, 'reach', /^reach must be a finite number > 0, got Infinity$/],
      [{ eps: 0.1, acceleration: true }, 'acceleration', /^acceleration must be 'anderson', 'overrelaxation' or false, got true$/],
      [{ eps: 0.1, truncate: 1001 }, 'truncate', /^truncate must be a number in \(0, 1000\] \(the bound e\^\{-truncate²\}/],
      [{ eps: 0.1, truncate: 0 }, 'truncate', /^truncate must be a number in \(0, 1000\]/],
    ];
    const entries: Array<[string, (o: unknown) => unknown]> = [
      ['sinkhorn', (o) => sinkhorn(a2(), b2(), o as never)],
      ['sinkhornDivergence', (o) => sinkhornDivergence(a2(), b2(), o as never)],
    ];
    for (const [where, call] of entries) {
      for (const [options, argument, message] of cases) {
        const e = thrown(() => call(options));
        expect(e.argument, String(message)).toBe(argument.replace(/^sinkhorn /, `${where} `));
        const named = message.source.startsWith('^sinkhorn ') ? new RegExp(message.source.replace('sinkhorn', where)) : message;
        expect(e.message).toMatch(named);
      }
    }
    const e = thrownOf(() => sinkhorn(a2(), b2(), { eps: 1e-3, maxiter: 1 } as never), UnknownOptionError);
    expect(e.message).toBe("unknown option 'maxiter' for sinkhorn; did you mean 'maxIter'?");
    expect(thrownOf(() => sinkhorn(a2(), b2(), { eps: 0.1, warmStart: { h: [0, 0] } } as never), UnknownOptionError).message).toBe(
      "unknown option 'h' for warmStart; did you mean 'f'?",
    );
  });

  it("pointCloudMemory's sinkhorn options are read up front, every name prefixed with sinkhorn. (backend and precision were not)", () => {
    const memory = (sinkhornOptions: unknown) => () =>
      pointCloudMemory({ patterns: planarShapes(3), beta: 1, sinkhorn: sinkhornOptions as never });
    expect(thrown(memory({ eps: 0 })).argument).toBe('sinkhorn.eps');
    expect(thrown(memory({ eps: 0.1, tol: 0 })).argument).toBe('sinkhorn.tol');
    expect(thrown(memory({ eps: 0.1, backend: 'gpu' })).argument).toBe('sinkhorn.backend');
    expect(thrown(memory({ eps: 0.1, precision: 'f16' })).argument).toBe('sinkhorn.precision');
    expect(thrown(memory({ eps: 0.1, warmStart: { f: [NaN] } })).argument).toBe('sinkhorn.warmStart.f');
    expect(thrownOf(memory({ eps: 0.1, maxiter: 1 }), UnknownOptionError).message).toMatch(
      /for pointCloudMemory sinkhorn; did you mean 'maxIter'\?/,
    );
    expect(readSinkhornOptions('f', { eps: 0.5, precision: 'mixed' })).toEqual({
      eps: 0.5,
      precision: 'mixed',
      maxIter: 100_000,
      acceleration: 'anderson',
      truncate: 'auto',
    });
  });

  it('wasserstein2 and slicedWasserstein: dim, projections and the required seed', () => {
    expect(thrown(() => wasserstein2(a2(), b2(), { dim: 0 })).message).toBe('dim must be an integer >= 1, got 0');
    expect(thrown(() => wasserstein2Detailed(a2(), b2(), { dim: 2.5 })).argument).toBe('dim');
    expect(thrownOf(() => wasserstein2(a2(), b2(), { dims: 1 } as never), UnknownOptionError).message).toBe(
      "unknown option 'dims' for wasserstein2; did you mean 'dim'?",
    );
    expect(thrown(() => wasserstein2([0, 1, 2, 3], [1, 1, 2, 2])).message).toMatch(/^dim is required when a is a flat array/);
    // Exact W2² on the line: (0, 1) to (0.2, 1.3) is (0.2² + 0.3²) / 2; flat (0, 1, 2, 3) to (1, 1, 2, 2) is (1 + 0 + 0 + 1) / 4.
    expect(wasserstein2(a2(), b2())).toBeCloseTo(0.065, 15);
    expect(wasserstein2([0, 1, 2, 3], [1, 1, 2, 2], { dim: 1 })).toBeCloseTo(0.5, 15);
    expect(thrown(() => slicedWasserstein(a2(), b2(), {} as never)).message).toMatch(/^seed is required \(a non-negative integer\)/);
    expect(thrown(() => slicedWasserstein(a2(), b2(), undefined as never)).argument).toBe('seed');
    expect(thrown(() => slicedWasserstein(a2(), b2(), { seed: 1.5 })).message).toBe('seed must be a non-negative safe integer, got 1.5');
    expect(thrown(() => slicedWasserstein(a2(), b2(), { seed: 1, projections: 0 })).message).toBe(
      'projections must be an integer >= 1, got 0',
    );
    expect(thrownOf(() => slicedWasserstein(a2(), b2(), { seed: 1, projection: 3 } as never), UnknownOptionError).message).toMatch(
      /did you mean 'projections'\?/,
    );
    // The default of 100 projections: the same value as asking for them.
    expect(slicedWasserstein(a2(), b2(), { seed: 3 })).toBe(slicedWasserstein(a2(), b2(), { seed: 3, projections: 100 }));
  });

  it('the exact solver refuses null options and unknown keys (a TypeError and silence before the schema)', () => {
    const cost = (i: number, j: number) => (i - j) ** 2;
    const x = new Float64Array([0, 1]),
      y = new Float64Array([0.5, 2]);
    const calls = [(o: unknown) => exactTransport(half, half, cost, o as never), (o: unknown) => exactW2(x, half, y, half, 1, o as never)];
    for (const call of calls) {
      expect(thrown(() => call(null)).message).toMatch(/^exact(Transport|W2) options must be an options object \(or omitted\), got null$/);
      expect(thrownOf(() => call({ maxiterations: 5 }), UnknownOptionError).message).toMatch(/did you mean 'maxIterations'\?/);
      expect(thrown(() => call({ maxIterations: -1 })).message).toBe('maxIterations must be an integer >= 0 or Infinity, got -1');
      expect(thrown(() => call({ maxIterations: 1.5 })).argument).toBe('maxIterations');
    }
    expect(exactW2(x, half, y, half, 1, { maxIterations: Infinity }).cost).toBeCloseTo(0.625, 15);
    expect(exactTransport(half, half, cost).cost).toBe(0);
    // A pivot budget the problem needs more of is a named error.
    const n = 6,
      w = new Float64Array(n).fill(1 / n),
      ranks = Array.from({ length: n }, (_, i) => (i * 5) % n);
    const shuffled = (i: number, j: number) => (i - ranks[j]) ** 2;
    expect(() => exactTransport(w, w, shuffled, { maxIterations: 0 })).toThrow(/no optimum after maxIterations = 0 pivots/);
    expect(exactTransport(w, w, shuffled).cost).toBe(0);
  });
});

describe('the doc lines', () => {
  it("state the defaults the schemas declare, and say that tol's and scaling's depend on the problem", () => {
    const doc = SINKHORN_SCHEMA.doc();
    expect(doc).toMatch(/^- `maxIter`: .* \(default 100000\)$/m);
    expect(doc).toMatch(/^- `precision`: .*default 'f64', and 'mixed' when truncate 'auto' truncates$/m);
    expect(doc).toMatch(/^- `acceleration`: .* \(default 'anderson'\)$/m);
    expect(doc).toMatch(/^- `truncate`: .* \(default 'auto'\)$/m);
    expect(doc).toMatch(/^- `tol`: .*default 1e-6/m);
    expect(doc).toMatch(/^- `eps`: .*\(required\)$/m);
    expect(SLICED_SCHEMA.doc()).toMatch(/^- `projections`: .* \(default 100\)$/m);
  });
});
