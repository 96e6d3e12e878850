import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, Measure, Random } from '../src/index.js';

/** xoshiro128** written independently from the published definition, in BigInt. */
function referenceXoshiro(state: bigint[], count: number): number[] {
  const M = 0xffffffffn;
  const rotl = (x: bigint, k: bigint) => ((x << k) | (x >> (32n - k))) & M;
  const s = state.slice();
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    out.push(Number((rotl((s[1] * 5n) & M, 7n) * 9n) & M));
    const t = (s[1] << 9n) & M;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 11n);
  }
  return out;
}

describe('Random', () => {
  it('is xoshiro128** (known answers from an independent implementation)', () => {
    const state: [number, number, number, number] = [0x12345678, 0x9abcdef0, 0x0fedcba9, 0x87654321];
    const r = Random.fromState(state);
    const got = Array.from({ length: 50 }, () => r.nextUint32());
    expect(got).toEqual(referenceXoshiro(state.map(BigInt), 50));
  });

  it('same seed, same stream; different seeds (also above 2^32) differ', () => {
    const a = new Random(7), b = new Random(7), c = new Random(8), e = new Random(7 + 2 ** 32);
    const s = (r: Random) => Array.from({ length: 8 }, () => r.next());
    const sa = s(a);
    expect(s(b)).toEqual(sa);
    expect(s(c)).not.toEqual(sa);
    expect(s(e)).not.toEqual(sa);
  });

  it('next() is in [0, 1) and integer(n) passes a chi-square test', () => {
    const r = new Random(3);
    const bins = new Array(10).fill(0);
    const N = 100_000;
    for (let i = 0; i < N; i++) {
      const u = r.next();
      expect(u >= 0 && u < 1).toBe(true);
      bins[r.integer(10)]++;
    }
    const chi2 = bins.reduce((s, o) => s + (o - N / 10) ** 2 / (N / 10), 0);
    expect(chi2).toBeLessThan(27.88); // chi-square 0.999 quantile, 9 degrees of freedom
  });

  it('normal() has mean 0 and variance 1 within sampling error', () => {
    const r = new Random(11);
    const N = 200_000;
    let s = 0, s2 = 0;
    for (let i = 0; i < N; i++) { const z = r.normal(); s += z; s2 += z * z; }
    expect(Math.abs(s / N)).toBeLessThan(5 / Math.sqrt(N));
    expect(Math.abs(s2 / N - 1)).toBeLessThan(5 * Math.sqrt(2 / N));
  });

  it('requires seeds', () => {
    expect(() => new Random(-1)).toThrow(/seed must be a non-negative safe integer, got -1/);
    expect(() => Measure.uniformSphere(3, 3, {} as never)).toThrow(/seed is required/);
    expect(() => Measure.gaussian(3, 3, { seed: 1.5 })).toThrow(/seed must be a non-negative safe integer, got 1.5/);
  });
});

describe('Measure', () => {
  it('constructs from number[][] and Float64Array alike, copying its inputs', () => {
    const rows = [[1, 2], [3, 4], [5, 6]];
    const a = new Measure(rows);
    const flat = Float64Array.from(rows.flat());
    const b = new Measure(flat, { dim: 2 });
    expect(Array.from(a.points)).toEqual(Array.from(b.points));
    expect(a.size).toBe(3);
    expect(a.dim).toBe(2);
    expect(Array.from(a.weights)).toEqual([1 / 3, 1 / 3, 1 / 3]);
    flat[0] = 99;
    expect(b.points[0]).toBe(1);
    expect(a.toArray()).toEqual(rows);
  });

  it('samplers are seeded and have the right distribution', () => {
    const n = 20_000;
    const s1 = Measure.uniformSphere(n, 3, { seed: 1 });
    expect(Array.from(Measure.uniformSphere(n, 3, { seed: 1 }).points)).toEqual(Array.from(s1.points));
    expect(Measure.uniformSphere(n, 3, { seed: 2 }).points[0]).not.toBe(s1.points[0]);
    for (let c = 0; c < 3; c++) {
      let m = 0;
      for (let i = 0; i < n; i++) m += s1.points[3 * i + c];
      // Each coordinate of a uniform point on S² has variance 1/3.
      expect(Math.abs(m / n)).toBeLessThan(4 * Math.sqrt(1 / 3 / n));
    }
    for (let i = 0; i < n; i++) expect(Math.abs(Math.hypot(s1.points[3 * i], s1.points[3 * i + 1], s1.points[3 * i + 2]) - 1)).toBeLessThan(1e-12);

    const g = Measure.gaussian(n, 2, { seed: 4, mean: [1, -2], std: 3 });
    for (let c = 0; c < 2; c++) {
      let m = 0, v = 0;
      for (let i = 0; i < n; i++) m += g.points[2 * i + c];
      m /= n;
      for (let i = 0; i < n; i++) v += (g.points[2 * i + c] - m) ** 2;
      v /= n - 1;
      expect(Math.abs(m - [1, -2][c])).toBeLessThan(4 * 3 / Math.sqrt(n));
      expect(Math.abs(v / 9 - 1)).toBeLessThan(4 * Math.sqrt(2 / n));
    }

    const box = Measure.uniformBox(n, 2, { seed: 5, low: [0, -1], high: [2, 1] });
    let m0 = 0;
    for (let i = 0; i < n; i++) {
      expect(box.points[2 * i] >= 0 && box.points[2 * i] < 2 && box.points[2 * i + 1] >= -1 && box.points[2 * i + 1] < 1).toBe(true);
      m0 += box.points[2 * i];
    }
    expect(Math.abs(m0 / n - 1)).toBeLessThan(4 * Math.sqrt(4 / 12 / n));
  });

  it('normalized() sums to 1; copy() and JSON round-trip are bit-identical', () => {
    const mu = new Measure([[0.1, -7e-17], [1 / 3, 2e-300]], { weights: [1, 3] });
    expect(mu.mass).toBe(4);
    expect(Array.from(mu.normalized().weights)).toEqual([0.25, 0.75]);
    const back = Measure.fromJSON(JSON.stringify(mu.toJSON()));
    expect(Array.from(back.points)).toEqual(Array.from(mu.points));
    expect(Array.from(back.weights)).toEqual(Array.from(mu.weights));
    expect(back.space).toBe('euclidean');
    const s = Measure.uniformSphere(5, 4, { seed: 9 });
    expect(Measure.fromJSON(s.toJSON()).points).toEqual(s.points);
    expect(s.copy().points).toEqual(s.points);
  });

  it('circle measures wrap their angles into [0, 2π)', () => {
    const c = new Measure([-1, 7, 2 * Math.PI], { space: 'circle' });
    expect(c.points[0]).toBeCloseTo(2 * Math.PI - 1, 14);
    expect(c.points[1]).toBeCloseTo(7 - 2 * Math.PI, 14);
    expect(c.points[2]).toBe(0);
  });

  it('names every invalid input', () => {
    const bad: Array<[() => unknown, RegExp]> = [
      [() => new Measure([0, NaN, 1, 2], { dim: 2 }), /points must be finite, got NaN at index 1 \(point 0, coordinate 1\)/],
      [() => new Measure([[0, 1], [Infinity, 2]]), /points must be finite, got Infinity at index 2 \(point 1, coordinate 0\)/],
      [() => new Measure([[0], [1]], { weights: [1, -0.2] }), /weights must be >= 0, got -0.2 at index 1/],
      [() => new Measure([[0], [1]], { weights: [0, 0] }), /weights must have at least one positive entry, got "all zero"/],
      [() => new Measure([[0], [1]], { weights: [1] }), /weights.length must equal the number of points 2, got 1/],
      [() => new Measure([[0], [1]], { weights: [1, NaN] }), /weights must be finite, got NaN at index 1/],
      [() => new Measure([1, 2, 3], { dim: 2 }), /points.length must be a multiple of dim = 2, got 3/],
      [() => new Measure([1, 2], { dim: 0 }), /dim must be an integer >= 1, got 0/],
      [() => new Measure([], { dim: 2 }), /points must hold at least one point/],
      [() => new Measure([1, 2]), /dim is required/],
      [() => new Measure([[0, 1], [2]]), /points\[1\] must be an array of length 2/],
      [() => new Measure([[1, 0]], { space: 'torus' as never }), /space must be one of 'euclidean', 'sphere', 'circle', got "torus"/],
      [() => new Measure([[1, 0], [0.6, 0.8000001]], { space: 'sphere' }), /points must lie on the unit sphere .* at point 1/],
      [() => new Measure([[1, 0]], { space: 'circle' }), /dim must be 1 for space 'circle'/],
      [() => Measure.gaussian(3, 2, { seed: 1, std: 0 }), /std must be a finite number > 0, got 0/],
      [() => Measure.uniformBox(3, 2, { seed: 1, low: 1, high: 1 }), /high must be greater than low \(1\), got 1 at coordinate 0/],
      [() => Measure.uniformSphere(0, 3, { seed: 1 }), /n must be an integer >= 1, got 0/],
      [() => Measure.uniformSphere(3, 0, { seed: 1 }), /d must be an integer >= 1, got 0/],
    ];
    for (const [call, message] of bad) {
      expect(call).toThrow(InvalidArgumentError);
      expect(call).toThrow(message);
    }
    // Within the sphere tolerance is accepted.
    expect(new Measure([[1 + 5e-10, 0]], { space: 'sphere' }).size).toBe(1);
  });
});
