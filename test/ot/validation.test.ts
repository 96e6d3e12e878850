// Issue 12 for the optimal-transport, neural-network and memory modules: every reproducer is now
// a named error or a right answer checked against a reference, every options bag refuses unknown
// keys (with a suggestion) and null, and every loop ends quickly whatever the floating point does.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  denseCapacity,
  denseMemory,
  gaussianW2,
  hopfield,
  hopfieldCapacity,
  init,
  InvalidArgumentError,
  isotropicGaussians,
  linearCapacity,
  linearMemory,
  logLogSlope,
  Measure,
  type MeanfieldError,
  OverflowError,
  particleScaling,
  planarShapes,
  pointCloudMemory,
  pointCloudRecovery,
  ResourceError,
  settling,
  simulate,
  sinkhorn,
  sinkhornDivergence,
  slicedWasserstein,
  twoLayer,
  UnknownOptionError,
  wasserstein2,
} from '../../src/index.js';
import { AbortedError } from '../../src/errors.js';
import { ipow } from '../../src/memory/dense.js';
import { epsSchedule } from '../../src/ot/common.js';

beforeAll(async () => {
  await init();
});

/** The error `fn` throws (fails when it returns). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

function expectNamed(fn: () => unknown, cls: new (...args: never[]) => MeanfieldError = InvalidArgumentError): Error {
  const e = thrown(fn);
  expect(e).toBeInstanceOf(cls);
  return e;
}

const a2 = () => new Measure([[0], [1]]);
const b2 = () => new Measure([[0.2], [1.3]]);
const cloud = (seed: number, n = 12, d = 2) => Measure.uniformBox(n, d, { seed });
const data = {
  X: [
    [0, 1],
    [1, 0],
    [1, 1],
  ],
  Y: [1, -1, 0.5],
};
const shapes = () => planarShapes(6);

describe('reproducers', () => {
  it('gaussianW2 refuses NaN / Infinity means and covariances, and matches the closed form otherwise', () => {
    const I = [
      [1, 0],
      [0, 1],
    ];
    for (const bad of [NaN, Infinity, -Infinity]) {
      expectNamed(() => gaussianW2([bad, 0], I, [0, 0], I));
      expectNamed(() => gaussianW2([0, 0], I, [0, bad], I));
      expectNamed(() =>
        gaussianW2(
          [0, 0],
          [
            [bad, 0],
            [0, 1],
          ],
          [0, 0],
          I,
        ),
      );
      expectNamed(() =>
        gaussianW2(
          [0, 0],
          I,
          [0, 0],
          [
            [1, 0],
            [0, bad],
          ],
        ),
      );
    }
    for (const bad of [null, '', '1', true, [0], 1n]) expectNamed(() => gaussianW2([bad as never, 0], I, [0, 0], I));
    expectNamed(() => gaussianW2(null as never, I, [0], I));
    expectNamed(() => gaussianW2([0, 0], [[1, 0, 0], [1]] as never, [0, 0], I));
    expectNamed(() => gaussianW2([1e200, 0], I, [-1e200, 0], I), OverflowError);
    // 1-D closed form: (m1 - m2)^2 + (s1 - s2)^2.
    expect(gaussianW2([1], [[4]], [3], [[9]])).toBeCloseTo(4 + 1, 12);
  });

  it('twoLayer refuses NaN targets and non-numbers in X (nothing coerced)', () => {
    expectNamed(() => twoLayer({ data: { X: [[0], [1]], Y: [1, NaN] } }));
    expectNamed(() => twoLayer({ data: { X: [[0], [1]], Y: [1, Infinity] } }));
    for (const bad of [null, '', '2', true, [0], 2n]) {
      expectNamed(() => twoLayer({ data: { X: [[0], [bad as never]], Y: [1, 1] } }));
      expectNamed(() => twoLayer({ data: { X: [0, 1], Y: [1, bad as never], dim: 1 } }));
    }
    expectNamed(() => twoLayer({ data: { X: new BigInt64Array(2) as never, Y: [1, 1], dim: 1 } }));
    const flow = twoLayer({ data });
    const mu = Measure.gaussian(4, 4, { seed: 1 });
    expectNamed(() => flow.predict(mu, [[0, '1' as never]]));
    expectNamed(() => flow.risk(mu, { X: [[0, 1]], Y: [NaN] }));
  });

  it('sinkhorn refuses a NaN, non-array or mis-keyed warm start at once (no 100 000 iterations)', () => {
    const t0 = Date.now();
    expectNamed(() => sinkhorn(a2(), b2(), { eps: 0.1, warmStart: { f: [NaN, 0] } }));
    expectNamed(() => sinkhorn(a2(), b2(), { eps: 0.1, warmStart: { g: [0, Infinity] } }));
    expectNamed(() => sinkhorn(a2(), b2(), { eps: 0.1, warmStart: 'x' as never }));
    expectNamed(() => sinkhorn(a2(), b2(), { eps: 0.1, warmStart: { f: 'xy' as never } }));
    expectNamed(() => sinkhorn(a2(), b2(), { eps: 0.1, warmStart: { f: ['0', 0] as never } }));
    expectNamed(() => sinkhorn(a2(), b2(), { eps: 0.1, warmStart: { f: [0, 0, 0] } }));
    expectNamed(() => sinkhorn(a2(), b2(), { eps: 0.1, warmStart: { h: [0, 0] } as never }), UnknownOptionError);
    expect(Date.now() - t0).toBeLessThan(1000);
    // A valid warm start from a previous solve converges at once to the same answer.
    const r = sinkhorn(a2(), b2(), { eps: 0.1 });
    const w = sinkhorn(a2(), b2(), { eps: 0.1, warmStart: { f: r.f, g: r.g } });
    expect(w.converged).toBe(true);
    expect(w.value).toBeCloseTo(r.value, 9);
  });

  it('denseMemory with p = 2^32 + 3 is not p = 3: agrees with an exact BigInt reference of the rule', () => {
    expect(ipow(-1, 2 ** 32 + 3)).toBe(-1);
    expect(ipow(-1, 2 ** 32 + 2)).toBe(1);
    expect(ipow(2, 2 ** 32 + 3)).toBe(Infinity);
    expect(ipow(-2, 2 ** 32 + 3)).toBe(-Infinity);
    expect(ipow(3, 5)).toBe(243);
    // Exact rule: σ_i <- sign(Σ_μ F(ξ_μi + h_μi) - F(-ξ_μi + h_μi)), F(x) = x^p in BigInt.
    const reference = (patterns: number[][], s: number[], p: bigint) => {
      const d = s.length;
      const pow = new Map<number, bigint>();
      const F = (x: number) => {
        if (!pow.has(x)) pow.set(x, BigInt(x) ** p);
        return pow.get(x) as bigint;
      };
      return s.map((si, i) => {
        let total = 0n;
        for (const xi of patterns) {
          let h = 0;
          for (let j = 0; j < d; j++) if (j !== i) h += xi[j] * s[j];
          total += F(xi[i] + h) - F(-xi[i] + h);
        }
        return total > 0n ? 1 : total < 0n ? -1 : si;
      });
    };
    let rngState = 7;
    const spin = () => {
      rngState = (rngState * 1103515245 + 12345) % 2 ** 31;
      return rngState % 2 === 0 ? 1 : -1;
    };
    for (let trial = 0; trial < 60; trial++) {
      const d = 8,
        K = 3 + (trial % 10);
      const patterns = Array.from({ length: K }, () => Array.from({ length: d }, spin));
      const s = Array.from({ length: d }, spin);
      // p = 2^16 + 3 (odd) is already far into the regime where the largest base decides, as for 2^32 + 3.
      const want = reference(patterns, s, 65539n);
      const huge = Array.from(denseMemory({ patterns, separation: { kind: 'power', p: 2 ** 32 + 3 } }).updateSync(s, { steps: 1 }).state);
      expect(huge).toEqual(want);
      const mid = Array.from(denseMemory({ patterns, separation: { kind: 'power', p: 41 } }).updateSync(s, { steps: 1 }).state);
      expect(mid).toEqual(reference(patterns, s, 41n));
    }
    // Constructed: neuron 0 of the all-ones state sees one pattern with h = 5 (x = +1) against three with h = 3 (x = -1):
    // p = 3 gives 6^3 - 4^3 - 3 (4^3 - 2^3) = -16 (flip), while for huge p the base 6 decides (+1, keep).
    const A = [1, 1, 1, 1, 1, 1, 1, -1],
      B = [-1, 1, 1, 1, 1, 1, -1, -1];
    const patterns = [A, B, B, B];
    const ones = Array(8).fill(1);
    const big = denseMemory({ patterns, separation: { kind: 'power', p: 2 ** 32 + 3 } }).updateSync(ones, { steps: 1 }).state;
    const small = denseMemory({ patterns, separation: { kind: 'power', p: 3 } }).updateSync(ones, { steps: 1 }).state;
    expect(big[0]).toBe(1);
    expect(small[0]).toBe(-1);
    expect(Array.from(big)).toEqual(reference(patterns, ones, 65539n));
    expect(Array.from(small)).toEqual(reference(patterns, ones, 3n));
    // Energies beyond the double range are named, never ±Infinity or NaN.
    const m = denseMemory({
      patterns: [
        [1, 1, 1],
        [-1, -1, -1],
      ],
      separation: { kind: 'power', p: 2 ** 32 + 3 },
    });
    expectNamed(() => m.energy([1, 1, 1]), OverflowError);
    expectNamed(
      () => denseMemory({ patterns: [Array(800).fill(1)], separation: { kind: 'exp' } }).energy(Array(800).fill(1)),
      OverflowError,
    );
  });

  it('sinkhorn at eps = 1e-300 is refused; near the limit the marginal error is that of plan() and the cost is right', () => {
    const e = expectNamed(() => sinkhorn(a2(), b2(), { eps: 1e-300 }));
    expect((e as InvalidArgumentError).argument).toBe('eps');
    expectNamed(() => sinkhornDivergence(a2(), b2(), { eps: 1e-300 }));
    for (const eps of [1e-12, 1e-8, 1e-3]) {
      const r = sinkhorn(a2(), b2(), { eps, tol: 1e-9 });
      const P = r.plan();
      const err = Math.abs(P[0] + P[1] - 0.5) + Math.abs(P[2] + P[3] - 0.5) + Math.abs(P[0] + P[2] - 0.5) + Math.abs(P[1] + P[3] - 0.5);
      expect(Math.abs(r.marginalError - err)).toBeLessThan(1e-14);
      expect(r.converged).toBe(r.marginalError <= 1e-9);
      if (eps <= 1e-8) {
        // The exact plan pairs 0 with 0.2 and 1 with 1.3: cost 0.5 (0.04 + 0.09).
        expect(r.cost).toBeCloseTo(wasserstein2(a2(), b2()), 9);
        expect(P[0]).toBeCloseTo(0.5, 9);
        expect(P[3]).toBeCloseTo(0.5, 9);
      }
    }
    // A random case: marginalError is the L1 error of plan()'s rows and columns.
    const A = cloud(1, 20),
      B = cloud(2, 15);
    const r = sinkhorn(A, B, { eps: 1e-4, maxIter: 30 });
    const P = r.plan();
    const aw = A.normalized().weights,
      bw = B.normalized().weights;
    let err = 0;
    for (let i = 0; i < 20; i++) {
      let s = 0;
      for (let j = 0; j < 15; j++) s += P[i * 15 + j];
      err += Math.abs(s - aw[i]);
    }
    for (let j = 0; j < 15; j++) {
      let s = 0;
      for (let i = 0; i < 20; i++) s += P[i * 15 + j];
      err += Math.abs(s - bw[j]);
    }
    expect(Math.abs(r.marginalError - err)).toBeLessThan(1e-12);
  });
});

describe('termination', () => {
  it('the eps schedule ends when eps stops shrinking (subnormals) and refuses non-finite diameters', () => {
    const unit = Number.MIN_VALUE;
    const t0 = Date.now();
    // 2 units · 0.81 rounds back to 2 units: the old loop never ended.
    const s = epsSchedule(2 * unit, unit, 0.9);
    expect(s[s.length - 1]).toBe(unit);
    expect(s.length).toBeLessThanOrEqual(3);
    expect(epsSchedule(1e-320, unit, 0.9).length).toBeLessThan(100);
    expectNamed(() => epsSchedule(Infinity, 1, 0.9), OverflowError);
    expectNamed(() => epsSchedule(1, 1e-12, 1 - 1e-12));
    expect(Date.now() - t0).toBeLessThan(500);
  });

  it('a subnormal eps is refused; tiny but normal scales solve to the right answer, quickly', () => {
    const t0 = Date.now();
    const A = new Measure([[0], [1e-160]]),
      B = new Measure([[0], [2e-161]]);
    expectNamed(() => sinkhorn(A, B, { eps: Number.MIN_VALUE * 4 }));
    expectNamed(() => sinkhornDivergence(A, B, { eps: 1e-310 }));
    // The same problem scaled by 1e-150: cost 1e-300 times the unit-scale one (W2^2 = 0.5 · 0.8^2).
    const a = new Measure([[0], [1e-150]]),
      b = new Measure([[0], [2e-151]]);
    const r = sinkhorn(a, b, { eps: 1e-306 });
    expect(r.converged).toBe(true);
    expect(r.cost / 1e-300).toBeCloseTo(0.32, 6);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('coordinates ~1e155 (infinite squared diameter) are an OverflowError, not a hang', () => {
    const A = new Measure([
        [1e155, 0],
        [0, 0],
      ]),
      B = new Measure([
        [-1e155, 0],
        [0, 1],
      ]);
    const t0 = Date.now();
    expectNamed(() => sinkhorn(A, B, { eps: 0.1 }), OverflowError);
    expectNamed(() => sinkhornDivergence(A, B, { eps: 0.1 }), OverflowError);
    expectNamed(() => wasserstein2(A, B), OverflowError);
    expectNamed(() => slicedWasserstein(A, B, { seed: 1 }), OverflowError);
    expect(Date.now() - t0).toBeLessThan(500);
  });

  it('signal: sinkhorn and sinkhornDivergence return aborted results; point-cloud energy throws AbortedError', () => {
    const controller = new AbortController();
    controller.abort();
    const r = sinkhorn(cloud(1), cloud(2), { eps: 1e-3, signal: controller.signal });
    expect(r.aborted).toBe(true);
    expect(r.converged).toBe(false);
    expect(r.warning).toMatch(/aborted/);
    // Aborted mid-run: the signal fires after a few checks.
    let reads = 0;
    const late = {
      get aborted() {
        return ++reads > 5;
      },
    } as unknown as AbortSignal;
    const t0 = Date.now();
    const r2 = sinkhorn(cloud(1, 50), cloud(2, 50), { eps: 1e-4, tol: 1e-300, maxIter: 1e7, signal: late });
    expect(r2.aborted).toBe(true);
    expect(Date.now() - t0).toBeLessThan(2000);
    const s = sinkhornDivergence(cloud(1), cloud(2), { eps: 1e-3, signal: controller.signal });
    expect(s.aborted).toBe(true);
    expect(s.converged).toBe(false);
    const mem = pointCloudMemory({ patterns: shapes(), beta: 1, sinkhorn: { eps: 0.01, signal: controller.signal } });
    expectNamed(() => mem.energy(shapes()[0]), AbortedError);
    expectNamed(() => mem.retrieve(shapes()[0]), AbortedError);
    let checks = 0;
    const later = {
      get aborted() {
        return ++checks > 400;
      },
    } as unknown as AbortSignal;
    const ret = pointCloudMemory({ patterns: shapes(), beta: 1, sinkhorn: { eps: 0.01, signal: later } }).retrieve(shapes()[0], {
      steps: 1000,
      tol: 1e-300,
    });
    expect(ret.aborted).toBe(true);
    expect(ret.energy.every(Number.isFinite)).toBe(true);
    expectNamed(() => sinkhorn(a2(), b2(), { eps: 0.1, signal: 'x' as never }));
  });
});

describe('options bags: unknown keys (with a suggestion) and null refused', () => {
  const flow = () => twoLayer({ data });
  const mu = () => Measure.gaussian(4, 4, { seed: 1 });
  const hop = () =>
    hopfield({
      patterns: [
        [1, 0],
        [0, 1],
      ],
      beta: 2,
    });
  const dense = () =>
    denseMemory({
      patterns: [
        [1, -1, 1],
        [-1, 1, 1],
      ],
    });
  const cases: Array<[string, (o: unknown) => unknown, Record<string, unknown>, string]> = [
    ['sinkhorn', (o) => sinkhorn(a2(), b2(), o as never), { eps: 0.1 }, 'maxiter'],
    ['sinkhornDivergence', (o) => sinkhornDivergence(a2(), b2(), o as never), { eps: 0.1 }, 'tolerance'],
    ['slicedWasserstein', (o) => slicedWasserstein(a2(), b2(), o as never), { seed: 1 }, 'projection'],
    ['twoLayer', (o) => twoLayer(o as never), { data }, 'activaton'],
    ['twoLayer data', (o) => twoLayer({ data: o as never }), { ...data }, 'dims'],
    ['predict', (o) => flow().predict(mu(), undefined, o as never), {}, 'backen'],
    ['risk', (o) => flow().risk(mu(), undefined, o as never), {}, 'precison'],
    ['particleScaling', (o) => particleScaling(o as never), { seed: 1 }, 'count'],
    ['isotropicGaussians', (o) => isotropicGaussians(o as never), { seed: 1 }, 'neuron'],
    ['hopfield', (o) => hopfield(o as never), { patterns: [[1, 0]], beta: 1 }, 'bta'],
    ['hopfield retrieve', (o) => hop().retrieve([[1, 0]], o as never), {}, 'maxStep'],
    ['hopfield energy', (o) => hop().energy([[1, 0]], o as never), {}, 'backnd'],
    ['hopfield update', (o) => hop().update([[1, 0]], o as never), {}, 'precisio'],
    ['hopfieldCapacity', (o) => hopfieldCapacity(o as never), { dim: 3, counts: [2], beta: 1, seed: 1 }, 'tolerence'],
    ['denseMemory', (o) => denseMemory(o as never), { patterns: [[1, -1]] }, 'seperation'],
    ['separation', (o) => denseMemory({ patterns: [[1, -1]], separation: o as never }), { kind: 'power', p: 2 }, 'q'],
    ['updateAsync', (o) => dense().updateAsync([1, 1, 1], o as never), { seed: 1 }, 'sweep'],
    ['updateSync', (o) => dense().updateSync([1, 1, 1], o as never), {}, 'step'],
    ['dense retrieve', (o) => dense().retrieve([1, 1, 1], o as never), { seed: 1 }, 'mod'],
    ['denseCapacity', (o) => denseCapacity(o as never), { dim: 4, counts: [1], seed: 1 }, 'trial'],
    ['linearMemory', (o) => linearMemory(o as never), { keys: [[1, 0]], values: [[1]] }, 'valuesDim'],
    ['linearCapacity', (o) => linearCapacity(o as never), { dim: 2, counts: [1], seed: 1 }, 'load'],
    ['pointCloudMemory', (o) => pointCloudMemory(o as never), { patterns: shapes(), beta: 1, sinkhorn: { eps: 0.1 } }, 'betta'],
    ['pointCloudMemory sinkhorn', (o) => pointCloudMemory({ patterns: shapes(), beta: 1, sinkhorn: o as never }), { eps: 0.1 }, 'maxiter'],
    [
      'pointCloud step',
      (o) => pointCloudMemory({ patterns: shapes(), beta: 1, sinkhorn: { eps: 0.1 } }).step(shapes()[1], o as never),
      {},
      'stepsize',
    ],
    [
      'pointCloud retrieve',
      (o) => pointCloudMemory({ patterns: shapes(), beta: 1, sinkhorn: { eps: 0.1 } }).retrieve(shapes()[1], o as never),
      {},
      'step',
    ],
    ['pointCloudRecovery', (o) => pointCloudRecovery(o as never), { seed: 1 }, 'jiter'],
  ];
  it.each(cases)('%s', (_name, call, valid, typo) => {
    const e = expectNamed(() => call({ ...valid, [typo]: 1 }), UnknownOptionError);
    expect(e.message).toMatch(/did you mean '|valid options:/);
    expectNamed(() => call(null));
  });

  it('suggests the nearest key', () => {
    expect(thrown(() => sinkhorn(a2(), b2(), { eps: 1e-3, maxiter: 1 } as never)).message).toBe(
      "unknown option 'maxiter' for sinkhorn; did you mean 'maxIter'?",
    );
  });

  it('values are checked: backend, precision, scaling, tol, signal', () => {
    for (const bad of [
      { backend: null },
      { backend: 'gpu' },
      { precision: 'f16' },
      { scaling: 1 },
      { tol: NaN },
      { maxIter: 1.5 },
      { signal: {} },
    ]) {
      expectNamed(() => sinkhorn(a2(), b2(), { eps: 0.1, ...bad } as never));
    }
    expectNamed(() => hopfield({ patterns: [[1, 0]], beta: 1 }).energy([[1, 0]], { precision: 'f16' as never }));
    expectNamed(() => twoLayer({ data }).predict(Measure.gaussian(4, 4, { seed: 1 }), undefined, { backend: null as never }));
  });
});

describe('data and sizes', () => {
  it('number[][] inputs are not coerced', () => {
    for (const bad of [null, '', '2', true, [0], 2n]) {
      expectNamed(() =>
        hopfield({
          patterns: [
            [1, 0],
            [0, bad as never],
          ],
          beta: 1,
        }),
      );
      expectNamed(() => hopfield({ patterns: [[1, 0]], beta: 1 }).energy([[bad as never, 0]]));
      expectNamed(() => linearMemory({ keys: [[1, bad as never]], values: [[1]] }));
      expectNamed(() => linearMemory({ keys: [[1, 0]], values: [[1]] }).recall([bad as never, 0]));
      expectNamed(() => denseMemory({ patterns: [[1, bad as never]] }));
    }
    expectNamed(() => logLogSlope([1, 2, NaN], [1, 2, 3]));
    expectNamed(() => logLogSlope([2, 2], [1, 3]));
    expectNamed(() => logLogSlope(null as never, [1]));
  });

  it('sizes beyond LIMITS are a ResourceError before allocating', () => {
    expectNamed(() => linearCapacity({ dim: 4, loads: [1e300], seed: 1 }), ResourceError);
    expectNamed(() => linearCapacity({ dim: 1e5, counts: [1], seed: 1 }), ResourceError);
    expectNamed(() => hopfieldCapacity({ dim: 4, counts: [2 ** 40], beta: 1, seed: 1 }), ResourceError);
    expectNamed(() => denseCapacity({ dim: 4, counts: [2 ** 40], seed: 1 }), ResourceError);
    expectNamed(() => planarShapes(2 ** 40), ResourceError);
    expectNamed(() => slicedWasserstein(a2(), b2(), { seed: 1, projections: 2 ** 50 }), ResourceError);
    expectNamed(() => gaussianW2(new Array(600).fill(0), [], new Array(600).fill(0), []));
    expectNamed(() => planarShapes(1));
  });

  it('settling refuses a non-run and non-increasing times', () => {
    const flow = twoLayer({ data });
    expectNamed(() => settling(flow, null as never, { tol: 1 }));
    expectNamed(() => settling(flow, {} as never, { tol: 1 }));
    const run = simulate(flow, Measure.gaussian(3, 4, { seed: 2 }), {
      tEnd: 1,
      integrator: 'rk4',
      dt: 0.1,
      record: { times: [0.5, 1], snapshots: true },
    });
    expect(settling(flow, run, { tol: 1e9 }).settledAt).toBe(0);
    expectNamed(() => settling(flow, run, { tol: 1, tl: 2 } as never), UnknownOptionError);
  });
});
