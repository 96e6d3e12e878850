import { afterAll, describe, expect, it } from 'vitest';
import { attention, init, logSumExp, softmaxMean, twoLayer, Measure, simulate } from '../../src/index.js';
import { backendFor } from '../../src/backend/index.js';
import { chunking, chunkRows } from '../../src/wasm/control.js';
import { lcg, spherePoints, uniformArray } from '../helpers.js';

/** Runs fn with 1 thread and with `threads` threads; returns both results. */
async function both<T>(threads: number, fn: () => T): Promise<[T, T]> {
  await init({ threads: 1 });
  const one = fn();
  const info = await init({ threads });
  expect(info.threads).toBe(threads);
  expect(info.parallelism).toBe('shared-memory');
  return [one, fn()];
}

afterAll(async () => {
  await init({ threads: 1 });
});

describe('worker pool', () => {
  const rnd = lcg(8);

  it('kernel calls are bit-identical for 1, 2 and 3 threads (dot/sqdist, causal, f64/f32, values)', async () => {
    const n = 1500,
      m = 1300,
      d = 3;
    const x = spherePoints(rnd, n, d),
      y = spherePoints(rnd, m, d),
      v = uniformArray(rnd, m * 5);
    const h = uniformArray(rnd, m, -2, 0);
    for (const threads of [2, 3]) {
      for (const causal of [false, true])
        for (const precision of ['f64', 'f32'] as const)
          for (const score of ['dot', 'sqdist'] as const) {
            const [a, b] = await both(threads, () =>
              softmaxMean(x, y, v, { dim: d, valueDim: 5, beta: 3, score, causal, precision, logWeights: h }),
            );
            expect(Buffer.from(b.lse.buffer)).toEqual(Buffer.from(a.lse.buffer));
            expect(Buffer.from(b.mean.buffer)).toEqual(Buffer.from(a.mean.buffer));
          }
    }
    const [l1, l2] = await both(2, () => logSumExp(x, y, { dim: d, beta: 2 }));
    expect(Array.from(l2)).toEqual(Array.from(l1));
  });

  it('two-layer forward and backward are bit-identical across thread counts', async () => {
    const N = 2000,
      m = 301,
      d = 6;
    const X = uniformArray(rnd, N * d),
      Y = uniformArray(rnd, N);
    const flow = twoLayer({ data: { X, Y, dim: d }, activation: 'tanh' });
    const mu = Measure.gaussian(m, d + 2, { seed: 2 });
    for (const precision of ['f64', 'f32'] as const) {
      const [a, b] = await both(2, () => {
        const out = new Float64Array(m * (d + 2));
        flow.velocity(mu.points, mu.weights, d + 2, out, { precision });
        return out;
      });
      expect(Buffer.from(b.buffer)).toEqual(Buffer.from(a.buffer));
    }
  });

  it('a whole simulation is bit-identical with 2 threads', async () => {
    const mu = Measure.uniformSphere(1200, 3, { seed: 4 });
    const [a, b] = await both(
      2,
      () => simulate(attention({ beta: 4 }), mu, { tEnd: 0.5, integrator: 'rk4', dt: 0.05, record: {} }).final.points,
    );
    expect(Buffer.from(b.buffer)).toEqual(Buffer.from(a.buffer));
  });

  it('small calls stay on the calling thread and still agree', async () => {
    await init({ threads: 2 });
    const x = spherePoints(rnd, 16, 3);
    const lse = new Float64Array(16);
    backendFor('wasm', 't').softmaxReduce({
      x,
      n: 16,
      y: x,
      m: 16,
      d: 3,
      logWeights: null,
      values: null,
      k: 0,
      beta: 1,
      score: 'dot',
      mask: { kind: 'none' },
      precision: 'f64',
      lse,
      mean: null,
    });
    expect(lse.every(Number.isFinite)).toBe(true);
  });

  it('run-time chunks cover every row exactly once, lane-aligned when asked, the last rows first', () => {
    for (const [n, threads, align] of [
      [4096, 2, 1],
      [1500, 3, 1],
      [5, 2, 1],
      [17, 4, 1],
      [1, 2, 1],
      [301, 2, 4],
      [3, 4, 4],
      [1000, 3, 4],
    ] as const) {
      const { chunk, chunks } = chunking(n, threads, align);
      expect(chunk % align).toBe(0); // every chunk starts on a lane boundary
      const seen = new Int32Array(n);
      let prevStart = Infinity;
      for (let c = 0; c < chunks; c++) {
        const [i0, i1] = chunkRows(c, chunk, chunks, n);
        expect(i0).toBeLessThan(prevStart);
        expect(i0 % align).toBe(0);
        prevStart = i0;
        expect(i1).toBeGreaterThan(i0);
        for (let i = i0; i < i1; i++) seen[i]++;
      }
      expect(seen.every((v) => v === 1)).toBe(true);
      expect(chunks).toBeLessThanOrEqual(8 * threads);
    }
  });

  it('threads must be an integer >= 1', async () => {
    await expect(init({ threads: 0 })).rejects.toThrow(/threads must be an integer >= 1, got 0/);
    await expect(init({ threads: 1.5 })).rejects.toThrow(/threads must be an integer >= 1, got 1.5/);
  });
});
