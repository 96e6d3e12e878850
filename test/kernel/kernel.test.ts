import { beforeAll, describe, expect, it } from 'vitest';
import {
  init,
  logSumExp,
  softmaxMean,
  interactionEnergy,
  wasmMemoryBytes,
  Measure,
  InvalidArgumentError,
  OverflowError,
} from '../../src/index.js';
import { backendFor } from '../../src/backend/index.js';
import type { ReduceArgs, Score } from '../../src/backend/types.js';
import { lcg, maxAbs, spherePoints, uniformArray } from '../helpers.js';

beforeAll(async () => {
  await init();
});

/** An independent dense reference: the whole score matrix, max-shifted row by row. */
function denseReference(a: Omit<ReduceArgs, 'lse' | 'mean' | 'precision'>): { lse: Float64Array; mean: Float64Array } {
  const { x, y, n, m, d, k, beta, score, logWeights, values } = a;
  const causal = a.mask.kind === 'causal';
  const lse = new Float64Array(n);
  const mean = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    const row: number[] = [];
    for (let j = 0; j < m; j++) {
      if (causal && j > i) break;
      let s = 0;
      for (let c = 0; c < d; c++) s += score === 'dot' ? x[i * d + c] * y[j * d + c] : -((x[i * d + c] - y[j * d + c]) ** 2);
      row.push(beta * s + (logWeights ? logWeights[j] : 0));
    }
    const max = Math.max(...row);
    const w = row.map((s) => Math.exp(s - max));
    const z = w.reduce((p, q) => p + q, 0);
    lse[i] = max + Math.log(z);
    for (let c = 0; c < k; c++) mean[i * k + c] = w.reduce((acc, wj, j) => acc + wj * values![j * k + c], 0) / z;
  }
  return { lse, mean };
}

interface Case extends Omit<ReduceArgs, 'lse' | 'mean' | 'precision'> {}

function randomCase(rnd: () => number, score: Score, causal: boolean, withH: boolean): Case {
  const n = 1 + Math.floor(rnd() * 300);
  const m = 1 + Math.floor(rnd() * 300);
  const d = 1 + Math.floor(rnd() * 17);
  const k = 1 + Math.floor(rnd() * 5);
  return {
    x: uniformArray(rnd, n * d),
    n,
    y: uniformArray(rnd, m * d),
    m,
    d,
    k,
    logWeights: withH ? uniformArray(rnd, m, -3, 1) : null,
    values: uniformArray(rnd, m * k, -2, 2),
    beta: 0.1 + 4 * rnd(),
    score,
    mask: { kind: causal ? 'causal' : 'none' },
  };
}

function run(c: Case, backend: 'wasm' | 'js', precision: 'f64' | 'f32'): { lse: Float64Array; mean: Float64Array } {
  const lse = new Float64Array(c.n);
  const mean = new Float64Array(c.n * c.k);
  backendFor(backend, 'test').softmaxReduce({ ...c, precision, lse, mean });
  return { lse, mean };
}

/**
 * Errors on the scale of the quantity: lse errors are absolute errors of a logarithm
 * (relative errors of the partition function), so they are measured against max(1, |lse|);
 * the mean is a convex combination of the values, so its errors are measured against max |v|.
 */
function lseError(a: Float64Array, b: Float64Array): number {
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return e;
}
function meanError(a: Float64Array, b: Float64Array, values: Float64Array): number {
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i] - b[i]));
  return e / maxAbs(values);
}

describe('the softmax-weighted reduction', () => {
  it('the JS twin matches a dense max-shifted reference', () => {
    const rnd = lcg(11);
    for (const score of ['dot', 'sqdist'] as const) {
      for (const causal of [false, true]) {
        const c = randomCase(rnd, score, causal, true);
        const ref = denseReference(c);
        const js = run(c, 'js', 'f64');
        expect(lseError(js.lse, ref.lse)).toBeLessThan(1e-13);
        expect(meanError(js.mean, ref.mean, c.values!)).toBeLessThan(1e-13);
      }
    }
  });

  it('wasm f64 agrees with JS to 1e-12 and wasm f32 with f64 to 1e-5 on random shapes', () => {
    const rnd = lcg(2024);
    let worst64 = 0;
    let worst32 = 0;
    let shapes = 0;
    const sizes = new Set<string>();
    for (let t = 0; t < 40; t++) {
      for (const score of ['dot', 'sqdist'] as const) {
        for (const causal of [false, true]) {
          for (const withH of [false, true]) {
            const c = randomCase(rnd, score, causal, withH);
            sizes.add(`${c.n % 4},${c.m % 4}`);
            const js = run(c, 'js', 'f64');
            const w64 = run(c, 'wasm', 'f64');
            const w32 = run(c, 'wasm', 'f32');
            worst64 = Math.max(worst64, lseError(w64.lse, js.lse), meanError(w64.mean, js.mean, c.values!));
            worst32 = Math.max(worst32, lseError(w32.lse, w64.lse), meanError(w32.mean, w64.mean, c.values!));
            shapes++;
          }
        }
      }
    }
    expect(shapes).toBe(320);
    expect(sizes.size).toBe(16); // every residue of n and m mod 4 was exercised
    expect(worst64).toBeLessThan(1e-12);
    expect(worst32).toBeLessThan(1e-5);
  });

  it('handles every n, m from 1 to 9 and d, k up to 64', () => {
    const rnd = lcg(5);
    for (let n = 1; n <= 9; n++) {
      for (let m = 1; m <= 9; m++) {
        const c = { ...randomCase(rnd, m % 2 ? 'dot' : 'sqdist', n % 2 === 0, true), n, m };
        c.x = uniformArray(rnd, n * c.d);
        c.y = uniformArray(rnd, m * c.d);
        c.logWeights = uniformArray(rnd, m);
        c.values = uniformArray(rnd, m * c.k);
        expect(lseError(run(c, 'wasm', 'f64').lse, denseReference(c).lse)).toBeLessThan(1e-12);
      }
    }
    for (const [d, k] of [
      [64, 64],
      [33, 7],
      [5, 64],
    ]) {
      const c: Case = {
        x: uniformArray(rnd, 50 * d, -0.3, 0.3),
        n: 50,
        y: uniformArray(rnd, 700 * d, -0.3, 0.3),
        m: 700,
        d,
        k,
        logWeights: null,
        values: uniformArray(rnd, 700 * k),
        beta: 1,
        score: 'dot',
        mask: { kind: 'none' },
      };
      const ref = denseReference(c);
      const w = run(c, 'wasm', 'f64');
      expect(lseError(w.lse, ref.lse)).toBeLessThan(1e-12);
      expect(meanError(w.mean, ref.mean, c.values!)).toBeLessThan(1e-12);
    }
  });

  it('stays finite and exact on extreme inputs', () => {
    const rnd = lcg(99);
    const n = 37,
      m = 1203,
      d = 3;
    const sphere = spherePoints(rnd, n + m, d);
    const cases: Case[] = [
      // beta = 1e3 on the sphere: scores up to 1e3, far beyond exp's range without the shift
      {
        x: sphere.subarray(0, n * d),
        n,
        y: sphere.subarray(n * d),
        m,
        d,
        k: 2,
        logWeights: null,
        values: uniformArray(rnd, m * 2),
        beta: 1e3,
        score: 'dot',
        mask: { kind: 'none' },
      },
      // |x| ~ 1e3 under sqdist: every score below -1e4
      {
        x: uniformArray(rnd, n * d, 1e3, 1.5e3),
        n,
        y: uniformArray(rnd, m * d, -1.5e3, -1e3),
        m,
        d,
        k: 2,
        logWeights: null,
        values: uniformArray(rnd, m * 2),
        beta: 1,
        score: 'sqdist',
        mask: { kind: 'causal' },
      },
      // log-weights of -1e4
      {
        x: uniformArray(rnd, n * d),
        n,
        y: uniformArray(rnd, m * d),
        m,
        d,
        k: 2,
        logWeights: uniformArray(rnd, m, -1e4 - 5, -1e4),
        values: uniformArray(rnd, m * 2),
        beta: 2,
        score: 'dot',
        mask: { kind: 'none' },
      },
    ];
    for (const c of cases) {
      const ref = denseReference(c);
      for (const precision of ['f64', 'f32'] as const) {
        if (precision === 'f32' && c.score === 'sqdist') {
          // |x| ~ 1e3 under sqdist: f32 scores near -1e7 are off by units, so f32 is refused (OverflowError).
          expect(() => run(c, 'wasm', precision)).toThrow(OverflowError);
          continue;
        }
        const w = run(c, 'wasm', precision);
        expect(w.lse.every(Number.isFinite)).toBe(true);
        expect(w.mean.every(Number.isFinite)).toBe(true);
        if (precision === 'f64') {
          expect(lseError(w.lse, ref.lse)).toBeLessThan(1e-12);
          expect(meanError(w.mean, ref.mean, c.values!)).toBeLessThan(1e-12);
        }
      }
    }
  });

  it('gives zero weight to keys with log-weight -Infinity', () => {
    const rnd = lcg(3);
    const m = 41,
      d = 2;
    const y = uniformArray(rnd, m * d);
    const h = uniformArray(rnd, m);
    for (let j = 0; j < m; j += 3) h[j] = -Infinity;
    const keep = [...Array(m).keys()].filter((j) => j % 3 !== 0);
    const x = uniformArray(rnd, 10 * d);
    for (const backend of ['wasm', 'js'] as const) {
      const full = logSumExp(x, y, { dim: d, logWeights: h, backend });
      const reduced = logSumExp(
        x,
        keep.flatMap((j) => [y[2 * j], y[2 * j + 1]]),
        { dim: d, logWeights: keep.map((j) => h[j]), backend },
      );
      expect(lseError(full, reduced)).toBeLessThan(1e-13);
    }
  });
});

describe('the vector exp', () => {
  function grid(low: number, high: number, count: number): Float64Array {
    return Float64Array.from({ length: count }, (_, i) => low + ((high - low) * i) / (count - 1));
  }
  function worstRelative(got: Float64Array, x: Float64Array, f32: boolean): number {
    let e = 0;
    for (let i = 0; i < x.length; i++) {
      const ref = Math.exp(f32 ? Math.fround(x[i]) : x[i]);
      e = Math.max(e, Math.abs(got[i] - ref) / ref);
    }
    return e;
  }
  const wasm = () => backendFor('wasm', 'test');

  it('f64: relative error <= 1e-14 on a dense grid of [-708, 0]', () => {
    const x = grid(-708, 0, 2_000_001);
    const e = worstRelative(wasm().exp(x, 'f64'), x, false);
    expect(e).toBeLessThan(1e-14);
    // And across the reduction interval's edges, where the polynomial is worst.
    const near = grid(-0.35, 0.35, 100_001);
    expect(worstRelative(wasm().exp(near, 'f64'), near, false)).toBeLessThan(1e-14);
  });

  it('f32: relative error <= 3e-7 on a dense grid of [-87, 0]', () => {
    const x = grid(-87, 0, 2_000_001);
    expect(worstRelative(wasm().exp(x, 'f32'), x, true)).toBeLessThan(3e-7);
  });

  it('underflows to exactly 0, -Infinity included', () => {
    const x = Float64Array.from([-Infinity, -1e300, -800, -746]);
    expect(Array.from(wasm().exp(x, 'f64'))).toEqual([0, 0, 0, 0]);
    expect(Array.from(wasm().exp(Float64Array.from([-Infinity, -1e30, -100, -90]), 'f32'))).toEqual([0, 0, 0, 0]);
  });
});

describe('public kernel functions', () => {
  it('logSumExp over a Measure uses its weights as log-weights', () => {
    const rnd = lcg(8);
    const pts = uniformArray(rnd, 20 * 3);
    const w = uniformArray(rnd, 20, 0.1, 1);
    const mu = new Measure(pts, { dim: 3, weights: w });
    const x = uniformArray(rnd, 6 * 3);
    const a = logSumExp(x, mu, { dim: 3, beta: 2 });
    const b = logSumExp(x, pts, { dim: 3, beta: 2, logWeights: Array.from(w, Math.log) });
    expect(lseError(a, b)).toBeLessThan(1e-15);
  });

  it('number[][] and flat inputs agree; backends agree', () => {
    const rows = [
      [0.1, 0.2],
      [0.3, -0.4],
      [1, 0],
    ];
    const flat = rows.flat();
    const a = softmaxMean(rows, rows, rows, { beta: 3 });
    const b = softmaxMean(flat, flat, flat, { dim: 2, valueDim: 2, beta: 3, backend: 'js' });
    expect(lseError(a.lse, b.lse)).toBeLessThan(1e-14);
    expect(meanError(a.mean, b.mean, Float64Array.from(flat))).toBeLessThan(1e-14);
  });

  it('interactionEnergy matches the double sum, and logEnergy stays exact where energy overflows', () => {
    const rnd = lcg(21);
    const n = 50,
      d = 3;
    const pts = spherePoints(rnd, n, d);
    const w = uniformArray(rnd, n, 0.2, 1);
    const mu = new Measure(pts, { dim: d, weights: w, space: 'sphere' });
    for (const beta of [0.5, 4, 1000]) {
      // log of (1/(2 beta)) sum_ij a_i a_j e^{beta <x_i, x_j>}, max-shifted by beta (|<x,y>| <= 1).
      let s = 0;
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          let dot = 0;
          for (let c = 0; c < d; c++) dot += pts[i * d + c] * pts[j * d + c];
          s += mu.weights[i] * mu.weights[j] * Math.exp(beta * (dot - 1));
        }
      const logRef = beta + Math.log(s) - Math.log(2 * beta);
      for (const backend of ['wasm', 'js'] as const) {
        const { energy, logEnergy } = interactionEnergy(mu, { beta, backend });
        expect(Math.abs(logEnergy - logRef)).toBeLessThan(1e-12 * Math.max(1, Math.abs(logRef)));
        if (beta < 100) expect(Math.abs(energy - Math.exp(logRef)) / Math.exp(logRef)).toBeLessThan(1e-12);
        else expect(energy).toBe(Infinity);
      }
    }
  });

  it('rejects bad options with named errors', () => {
    const x = [
      [0, 1],
      [1, 0],
    ];
    const bad: Array<[() => unknown, RegExp]> = [
      [() => logSumExp(x, x, { beta: NaN }), /beta must be a finite number, got NaN/],
      [() => logSumExp(x, x, { beta: Infinity }), /beta must be a finite number, got Infinity/],
      [() => logSumExp([1, 2, 3], [1, 2, 3], { dim: 2 }), /x\.length must be a multiple of dim = 2, got 3/],
      [() => logSumExp([1, 2, 3, 4], [1, 2, 3, 4], {}), /dim is required/],
      [() => logSumExp(x, [[1, 2, 3]]), /dim must equal the row length 3 of y, got 2/],
      [() => logSumExp(x, x, { score: 'cosine' as never }), /score must be one of 'dot', 'sqdist', got "cosine"/],
      [() => logSumExp(x, x, { precision: 'f16' as never }), /precision must be one of 'f64', 'f32'/],
      [() => logSumExp(x, x, { backend: 'gpu' as never }), /backend must be 'wasm' or 'js', got "gpu"/],
      [() => logSumExp(x, x, { logWeights: [0] }), /logWeights\.length must equal the number of keys 2, got 1/],
      [() => logSumExp(x, x, { logWeights: [0, NaN] }), /logWeights must be finite or -Infinity, got NaN at index 1/],
      [() => logSumExp(x, x, { logWeights: [Infinity, 0] }), /logWeights must be finite or -Infinity, got Infinity at index 0/],
      [() => logSumExp([[0, NaN]], x), /x must be finite, got NaN at index 1/],
      [() => softmaxMean(x, x, [1, 2, 3, 4, 5, 6], { valueDim: 2 }), /values must have one row per key \(2\), got "3 rows"/],
      [() => softmaxMean(x, x, [1, 2, 3, 4, 5], { valueDim: 2 }), /values\.length must be a multiple of dim = 2, got 5/],
      [() => softmaxMean(x, x, [1, 2, 3, 4], {}), /dim is required when values is a flat array/],
      [() => interactionEnergy(new Measure(x), { beta: 0 }), /beta must be a finite number > 0, got 0/],
    ];
    for (const [call, message] of bad) {
      expect(call).toThrow(InvalidArgumentError);
      expect(call).toThrow(message);
    }
  });

  it('refuses a mean over keys that all have weight zero instead of returning NaN', () => {
    expect(() => softmaxMean([[0]], [[1]], [[2]], { logWeights: [-Infinity] })).toThrow(/query 0 sees only keys of weight zero/);
  });
});

describe('memory', () => {
  it('10 000 calls at n = m = 1000 leave Wasm memory at its size after the first call', () => {
    const rnd = lcg(4);
    const x = uniformArray(rnd, 1000 * 3);
    const y = uniformArray(rnd, 1000 * 3);
    const h = new Float64Array(1000);
    logSumExp(x, y, { dim: 3, logWeights: h, precision: 'f32' });
    const after = wasmMemoryBytes();
    expect(after).toBeGreaterThan(0);
    for (let t = 1; t < 10_000; t++) logSumExp(x, y, { dim: 3, logWeights: h, precision: 'f32' });
    expect(wasmMemoryBytes()).toBe(after);
  });

  it('runs 200 000 queries against 1 000 keys', () => {
    const rnd = lcg(6);
    const n = 200_000,
      m = 1000,
      d = 3;
    const x = uniformArray(rnd, n * d);
    const y = uniformArray(rnd, m * d);
    const v = uniformArray(rnd, m * 2);
    const { lse, mean } = softmaxMean(x, y, v, { dim: d, valueDim: 2, score: 'sqdist' });
    expect(lse.length).toBe(n);
    expect(lse.every(Number.isFinite) && mean.every(Number.isFinite)).toBe(true);
    // Spot-check rows against the JS twin.
    const rows = [0, 1, 99_999, 199_999];
    const sub = Float64Array.from(rows.flatMap((i) => [x[3 * i], x[3 * i + 1], x[3 * i + 2]]));
    const ref = softmaxMean(sub, y, v, { dim: d, valueDim: 2, score: 'sqdist', backend: 'js' });
    expect(
      lseError(
        Float64Array.from(rows, (i) => lse[i]),
        ref.lse,
      ),
    ).toBeLessThan(1e-12);
  });
});
