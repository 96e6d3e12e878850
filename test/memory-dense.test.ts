import { describe, expect, it } from 'vitest';
import { lcg, thrown } from './helpers.js';
import { denseMemory, type Separation } from '../src/memory/dense.js';
import { denseCapacity } from '../src/memory/dense-capacity.js';
import { linearCapacity, linearMemory } from '../src/memory/linear.js';

// Test data from the helpers' Park–Miller stream (independent of src/random.ts).
function spins(rnd: () => number, length: number): Int8Array {
  return Int8Array.from({ length }, () => (rnd() < 0.5 ? -1 : 1));
}

function flipSome(rnd: () => number, s: Int8Array, count: number): Int8Array {
  const out = s.slice();
  const picked = new Set<number>();
  while (picked.size < count) picked.add(Math.floor(rnd() * s.length));
  for (const i of picked) out[i] = -out[i];
  return out;
}

const row = (a: Int8Array, mu: number, d: number) => a.slice(mu * d, (mu + 1) * d);

describe('dense associative memory: energy', () => {
  const cases: Separation[] = [{ kind: 'power', p: 2 }, { kind: 'power', p: 3 }, { kind: 'power', p: 4 }, { kind: 'exp' }];
  for (const separation of cases) {
    it(`asynchronous updates never raise the energy, checked after every flip (${JSON.stringify(separation)})`, () => {
      const d = 40;
      const K = 30; // well past p = 2's capacity, so the dynamics wander and flip a lot
      for (const seed of [1, 2, 3, 4]) {
        const rnd = lcg(100 + seed);
        const memory = denseMemory({ patterns: spins(rnd, K * d), dim: d, separation });
        const start = spins(rnd, d);
        let previous = memory.energy(start);
        let flips = 0;
        const run = memory.updateAsync(start, {
          seed,
          sweeps: 50,
          onFlip: (neuron, state) => {
            const e = memory.energy(state);
            // every flip lowers the energy strictly (tolerance only for exp's rounding)
            expect(e).toBeLessThan(previous + 1e-9 * Math.abs(previous));
            previous = e;
            flips++;
          },
        });
        expect(flips).toBe(run.changed);
        expect(flips).toBeGreaterThan(0);
        expect(memory.energy(run.state)).toBe(previous);
        // a fixed point of the rule is a local minimum: no single flip lowers the energy
        expect(run.converged).toBe(true);
        for (let i = 0; i < d; i++) {
          const flipped = run.state.slice();
          flipped[i] = -flipped[i];
          expect(memory.energy(flipped)).toBeGreaterThanOrEqual(previous - 1e-9 * Math.abs(previous));
        }
        expect(memory.updateAsync(run.state, { seed: 99 }).changed).toBe(0);
      }
    });
  }

  it('one synchronous step is the Krotov–Hopfield rule, transcribed naively, for every state of a small net', () => {
    const d = 6;
    const patterns = [
      [1, -1, 1, 1, -1, -1],
      [-1, -1, 1, -1, 1, 1],
      [1, 1, 1, -1, -1, 1],
    ];
    for (const [separation, F] of [
      [{ kind: 'power', p: 2 }, (x: number) => x ** 2],
      [{ kind: 'power', p: 3 }, (x: number) => x ** 3],
      [{ kind: 'power', p: 5 }, (x: number) => x ** 5],
      [{ kind: 'exp' }, Math.exp],
    ] as [Separation, (x: number) => number][]) {
      const memory = denseMemory({ patterns, separation });
      for (let code = 0; code < 2 ** d; code++) {
        const s = Array.from({ length: d }, (_, i) => ((code >> i) & 1 ? 1 : -1));
        const expected = s.map((si, i) => {
          let total = 0;
          for (const xi of patterns) {
            let rest = 0;
            for (let j = 0; j < d; j++) if (j !== i) rest += xi[j] * s[j];
            total += F(xi[i] + rest) - F(-xi[i] + rest);
          }
          return Math.abs(total) < 1e-9 ? si : Math.sign(total);
        });
        const step = memory.updateSync(s, { steps: 1 });
        expect(Array.from(step.state)).toEqual(expected);
        expect(step.converged).toBe(expected.every((v, i) => v === s[i]));
      }
    }
  });

  it('energy is -Σ F(<ξ, σ>)', () => {
    const patterns = [
      [1, -1, 1, 1],
      [-1, -1, 1, -1],
    ];
    const s = [-1, -1, 1, -1]; // overlaps 0 and 4
    expect(denseMemory({ patterns, separation: { kind: 'power', p: 3 } }).energy(s)).toBe(-(0 + 64));
    expect(denseMemory({ patterns, separation: { kind: 'exp' } }).energy(s)).toBeCloseTo(-(1 + Math.exp(4)), 12);
    expect(Array.from(denseMemory({ patterns }).overlaps(s))).toEqual([0, 4]);
  });
});

describe('dense associative memory: retrieval', () => {
  it('stored patterns are fixed points when K is small (p = 3, d = 64, K = 20)', () => {
    const d = 64;
    const K = 20;
    const patterns = spins(lcg(5), K * d);
    const memory = denseMemory({ patterns, dim: d, separation: { kind: 'power', p: 3 } });
    for (let mu = 0; mu < K; mu++) {
      const xi = row(patterns, mu, d);
      const a = memory.updateAsync(xi, { seed: mu, sweeps: 5 });
      expect(a).toMatchObject({ sweeps: 1, changed: 0, converged: true });
      expect(Array.from(a.state)).toEqual(Array.from(xi));
      const s = memory.updateSync(xi);
      expect(s).toMatchObject({ steps: 1, converged: true });
      expect(memory.retrieve(xi, { mode: 'sync' }).match).toBe(mu);
    }
  });

  it('sync and async reach the same fixed point from a clean stored pattern and from a lightly corrupted one', () => {
    const d = 48;
    const K = 10;
    const rnd = lcg(11);
    const patterns = spins(rnd, K * d);
    for (const separation of [{ kind: 'power', p: 4 }, { kind: 'exp' }] as Separation[]) {
      const memory = denseMemory({ patterns: Float64Array.from(patterns), dim: d, separation });
      for (let mu = 0; mu < K; mu++) {
        const xi = row(patterns, mu, d);
        for (const query of [xi, flipSome(rnd, xi, 3)]) {
          const a = memory.retrieve(Float64Array.from(query), { mode: 'async', seed: 3 });
          const s = memory.retrieve(Array.from(query), { mode: 'sync' });
          expect(a.converged && s.converged).toBe(true);
          expect(Array.from(a.state)).toEqual(Array.from(s.state));
          expect(a.match).toBe(mu);
          expect(s.match).toBe(mu);
        }
      }
    }
  });

  it('inputs are not mutated and the state comes back as an Int8Array', () => {
    const patterns = spins(lcg(2), 3 * 16);
    const memory = denseMemory({ patterns, dim: 16 });
    const query = Float64Array.from(flipSome(lcg(3), row(patterns, 0, 16), 2));
    const copy = query.slice();
    const out = memory.updateAsync(query, { seed: 1 }).state;
    expect(out).toBeInstanceOf(Int8Array);
    expect(query).toEqual(copy);
  });

  it('capacity grows with p: d = 32, K = 40, 10% flips', () => {
    // Measured (seed 7, 3 trials, 120 queries each): fraction recovered exactly
    //   p = 2: 0.000 (async), 0.000 (sync); p = 3: 0.833 / 0.792; p = 4: 1.000 / 1.000; exp: 1 / 1.
    // Theory: p = 2 holds ~ d/(2 ln d) ≈ 5 patterns at d = 32, p = 4 hundreds.
    const base = { dim: 32, counts: [40], flipFraction: 0.1, trials: 3, seed: 7 };
    const f = (separation: Separation, mode: 'async' | 'sync' = 'async') => denseCapacity({ ...base, separation, mode }).fraction[0];
    const p2 = f({ kind: 'power', p: 2 });
    const p3 = f({ kind: 'power', p: 3 });
    const p4 = f({ kind: 'power', p: 4 });
    expect(p2).toBeLessThan(0.1);
    expect(p3).toBeGreaterThan(p2 + 0.3);
    expect(p4).toBeGreaterThan(0.95);
    expect(p4).toBeGreaterThanOrEqual(p3);
    expect(f({ kind: 'exp' })).toBeGreaterThan(0.95);
    expect(f({ kind: 'power', p: 2 }, 'sync')).toBeLessThan(0.1);
    expect(f({ kind: 'power', p: 4 }, 'sync')).toBeGreaterThan(0.95);
  });

  it('denseCapacity: fraction falls as K grows for p = 2, the result is reproducible and paired across separations', () => {
    // Measured (d = 32, seed 7, 3 trials): K = 5, 10, 20, 40 -> 0.93, 0.10, 0.02, 0.00.
    const options = { dim: 32, counts: [5, 10, 20, 40], flipFraction: 0.1, trials: 3, seed: 7 };
    const r = denseCapacity(options);
    expect(r.fraction[0]).toBeGreaterThan(0.7);
    expect(r.fraction[3]).toBeLessThan(0.1);
    expect(r.fraction[0]).toBeGreaterThan(r.fraction[2]);
    expect(r.flips).toBe(3);
    expect(r.tested).toEqual([15, 30, 60, 120]);
    expect(r.overlap[0]).toBeGreaterThan(r.overlap[3]);
    expect(denseCapacity(options)).toEqual(r);
    expect(denseCapacity({ ...options, seed: 8 }).fraction).not.toEqual(r.fraction);
    // no flips and few patterns: every query is already a fixed point
    expect(denseCapacity({ ...options, counts: [2], flipFraction: 0, separation: { kind: 'exp' } }).fraction).toEqual([1]);
  });
});

describe('linear associative memory', () => {
  it('W equals Σ_k y_k x_kᵀ computed naively, recall is W x, scores are <y_j, W x>', () => {
    const rnd = lcg(21);
    const n = 7;
    const d = 5;
    const v = 3;
    const keys = Array.from({ length: n }, () => Array.from({ length: d }, () => rnd() - 0.5));
    const values = Array.from({ length: n }, () => Array.from({ length: v }, () => rnd() - 0.5));
    const memory = linearMemory({ keys, values });
    expect(memory).toMatchObject({ dim: d, valueDim: v, size: n });
    for (let a = 0; a < v; a++) {
      for (let b = 0; b < d; b++) {
        let w = 0;
        for (let k = 0; k < n; k++) w += values[k][a] * keys[k][b];
        expect(memory.weights[a * d + b]).toBeCloseTo(w, 12);
      }
    }
    const x = [0.3, -1, 2, 0, 0.5];
    const wx = memory.recall(x);
    for (let a = 0; a < v; a++) expect(wx[a]).toBeCloseTo(x.reduce((s, xb, b) => s + memory.weights[a * d + b] * xb, 0), 12);
    const scores = memory.scores(x);
    const expected = values.map((y) => y.reduce((s, ya, a) => s + ya * wx[a], 0));
    scores.forEach((s, j) => expect(s).toBeCloseTo(expected[j], 12));
    expect(memory.retrieveTop1(x)).toBe(expected.indexOf(Math.max(...expected)));
    // flat input gives the same matrix
    const flat = linearMemory({ keys: keys.flat(), values: Float64Array.from(values.flat()), dim: d, valueDim: v });
    expect(flat.weights).toEqual(memory.weights);
  });

  it('orthonormal keys are recalled exactly', () => {
    const keys = [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ];
    const values = [
      [2, 0],
      [0, 3],
      [-1, -1],
    ];
    const memory = linearMemory({ keys, values });
    keys.forEach((x, k) => {
      expect(Array.from(memory.recall(x))).toEqual(values[k]);
      expect(memory.retrieveTop1(x)).toBe(k);
    });
  });

  it('top-1 accuracy is ~1 at low load and falls well below at high load', () => {
    // Measured (d = 32, seed 1; loads 0.005, 0.03, 0.1, 0.3, 1 -> n = 5, 31, 102, 307, 1024):
    //   accuracy 1.000, 0.935, 0.529, 0.150, 0.016; the n with n ln n = d² is 194.
    const r = linearCapacity({ dim: 32, loads: [0.005, 0.03, 0.1, 0.3, 1], trials: 2, seed: 1 });
    expect(r.counts).toEqual([5, 31, 102, 307, 1024]);
    expect(r.loads[4]).toBe(1);
    expect(r.transition * Math.log(r.transition)).toBeCloseTo(1024, 6);
    expect(r.accuracy[0]).toBeGreaterThan(0.95);
    expect(r.accuracy[1]).toBeGreaterThan(0.8);
    expect(r.accuracy[4]).toBeLessThan(0.1);
    for (let i = 1; i < r.accuracy.length; i++) expect(r.accuracy[i]).toBeLessThan(r.accuracy[i - 1] + 0.05);
    expect(r.accuracy[0] - r.accuracy[4]).toBeGreaterThan(0.8);
    expect(linearCapacity({ dim: 32, counts: [5, 31], trials: 2, seed: 1 }).accuracy).toEqual(r.accuracy.slice(0, 2));
  });
});

describe('memories: bad input names the argument', () => {
  const good = [
    [1, -1, 1],
    [-1, 1, 1],
  ];
  it('dense memory', () => {
    let e = thrown(() => denseMemory({ patterns: [[1, 0, 1]] }));
    expect(e.argument).toBe('patterns');
    expect(e.value).toBe(0);
    expect(e.message).toContain('at index 1');
    e = thrown(() => denseMemory({ patterns: Float64Array.from([1, -1, 1, 0.5]), dim: 2 }));
    expect(e.argument).toBe('patterns');
    expect(e.message).toContain('at index 3');
    expect(thrown(() => denseMemory({ patterns: new Int8Array(0), dim: 3 })).argument).toBe('patterns');
    expect(thrown(() => denseMemory({ patterns: [] })).argument).toBe('patterns');
    expect(thrown(() => denseMemory({ patterns: [[1, -1, 1], [1, -1]] })).argument).toBe('patterns[1]');
    expect(thrown(() => denseMemory({ patterns: Int8Array.from([1, -1, 1, 1, -1]), dim: 2 })).argument).toBe('patterns.length');
    expect(thrown(() => denseMemory({ patterns: Int8Array.from([1, -1]) })).argument).toBe('dim');
    expect(thrown(() => denseMemory({ patterns: good, dim: 4 })).argument).toBe('dim');
    for (const p of [0, 2.5, -1, NaN, undefined]) {
      expect(thrown(() => denseMemory({ patterns: good, separation: { kind: 'power', p } as Separation })).argument).toBe('separation.p');
    }
    expect(thrown(() => denseMemory({ patterns: good, separation: { kind: 'cubic' } as unknown as Separation })).argument).toBe('separation.kind');

    const memory = denseMemory({ patterns: good });
    expect(thrown(() => memory.energy([1, -1])).argument).toBe('state.length');
    expect(thrown(() => memory.energy([1, 2, 1])).argument).toBe('state');
    expect(thrown(() => memory.updateAsync([1, 1, 1], {} as { seed: number })).argument).toBe('seed');
    expect(thrown(() => memory.updateAsync([1, 1, 1], { seed: -1 })).argument).toBe('seed');
    expect(thrown(() => memory.retrieve([1, 1, 1])).argument).toBe('seed');
    expect(thrown(() => memory.retrieve([1, 1, 1], { mode: 'batch' as 'sync' })).argument).toBe('mode');
    expect(thrown(() => memory.updateSync([1, 1, 1], { steps: 0 })).argument).toBe('steps');
  });

  it('denseCapacity', () => {
    const ok = { dim: 16, counts: [2], seed: 1 };
    expect(thrown(() => denseCapacity({ ...ok, seed: undefined as unknown as number })).argument).toBe('seed');
    expect(thrown(() => denseCapacity({ ...ok, counts: [] })).argument).toBe('counts');
    expect(thrown(() => denseCapacity({ ...ok, counts: [0] })).argument).toBe('counts[0]');
    expect(thrown(() => denseCapacity({ ...ok, flipFraction: 1.5 })).argument).toBe('flipFraction');
    expect(thrown(() => denseCapacity({ ...ok, separation: { kind: 'power', p: 1.5 } })).argument).toBe('separation.p');
    expect(thrown(() => denseCapacity({ ...ok, dim: 0 })).argument).toBe('dim');
  });

  it('linear memory and linearCapacity', () => {
    expect(thrown(() => linearMemory({ keys: [[1, 0]], values: [[1], [2]] })).argument).toBe('values');
    expect(thrown(() => linearMemory({ keys: [1, 0, 1], values: [1], dim: 2 })).argument).toBe('keys.length');
    const memory = linearMemory({ keys: [[1, 0]], values: [[1]] });
    expect(thrown(() => memory.recall([1, 0, 0])).argument).toBe('x.length');
    expect(thrown(() => memory.retrieveTop1([1, NaN])).argument).toBe('x');
    expect(thrown(() => linearCapacity({ dim: 8, loads: [0.1], seed: undefined as unknown as number })).argument).toBe('seed');
    expect(thrown(() => linearCapacity({ dim: 8, seed: 1 })).argument).toBe('loads');
    expect(thrown(() => linearCapacity({ dim: 8, loads: [0.1], counts: [3], seed: 1 })).argument).toBe('loads');
    expect(thrown(() => linearCapacity({ dim: 8, loads: [-1], seed: 1 })).argument).toBe('loads[0]');
    expect(thrown(() => linearCapacity({ dim: 8, counts: [2.5], seed: 1 })).argument).toBe('counts[0]');
  });
});
