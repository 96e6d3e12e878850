// bench:scale (bench/scale.ts, bench/scale-cases.ts): the predicted kept fractions against Monte Carlo, the case list,
// the n² extrapolation, and a tiny smoke of each case kind (timings are never asserted).
import { describe, expect, it } from 'vitest';
import { erf, predictedAttentionFraction, predictedSinkhornFraction, runCase, type ScaleRow } from '../bench/scale-cases.js';
import { extrapolateDense, scaleCases, scaleTable } from '../bench/scale.js';
import { Measure, Random } from '../src/index.js';

/** Binomial tolerance: 5 standard deviations of a proportion p estimated from m draws. */
const fiveSigma = (p: number, m: number) => 5 * Math.sqrt((p * (1 - p)) / m);

describe('predicted kept fractions', () => {
  it('erf matches tabulated values (Abramowitz & Stegun, table 7.1)', () => {
    expect(erf(0.5)).toBeCloseTo(0.520499877813047, 13);
    expect(erf(1)).toBeCloseTo(0.842700792949715, 13);
    expect(erf(2)).toBeCloseTo(0.995322265018953, 13);
    expect(erf(3)).toBeCloseTo(0.999977909503001, 13);
    expect(erf(-1)).toBeCloseTo(-0.842700792949715, 13);
  });

  it('attention: the cap 1 - <x, y> <= tau²/beta holds tau²/(2 beta) of uniform pairs on S²', () => {
    const m = 200_000;
    const x = Measure.uniformSphere(m, 3, { seed: 11 }).points,
      y = Measure.uniformSphere(m, 3, { seed: 12 }).points;
    for (const beta of [100, 1000]) {
      const cut = 25 / beta;
      let inside = 0;
      for (let i = 0; i < m; i++)
        if (1 - (x[3 * i] * y[3 * i] + x[3 * i + 1] * y[3 * i + 1] + x[3 * i + 2] * y[3 * i + 2]) <= cut) inside++;
      const p = predictedAttentionFraction(5, beta);
      expect(Math.abs(inside / m - p)).toBeLessThan(fiveSigma(p, m));
    }
  });

  it("Sinkhorn: P(|Y - Y'| <= tau√eps) for Y, Y' iid N(0, 0.25² I₃), by Monte Carlo", () => {
    const m = 200_000;
    const rng = new Random(5);
    const d2 = Float64Array.from({ length: m }, () => {
      let s = 0;
      for (let c = 0; c < 3; c++) s += (0.25 * (rng.normal() - rng.normal())) ** 2;
      return s;
    });
    for (const eps of [1e-2, 1e-3, 1e-4]) {
      const r2 = 25 * eps;
      const frequency = d2.reduce((a, v) => a + (v <= r2 ? 1 : 0), 0) / m;
      const p = predictedSinkhornFraction(5, eps);
      expect(Math.abs(frequency - p)).toBeLessThan(fiveSigma(p, m) + 1e-5);
    }
    // The small-ball limit (4π/3) r³ (4π σ²)^{-3/2} for r << σ.
    const r = 5 * Math.sqrt(1e-6);
    expect(predictedSinkhornFraction(5, 1e-6) / (((4 * Math.PI) / 3) * r ** 3 * (4 * Math.PI * 0.0625) ** -1.5)).toBeCloseTo(1, 3);
  });
});

describe('the case list', () => {
  it('is fixed by the size limits: dense only up to its limit, Sinkhorn below its own', () => {
    const full = scaleCases(1e6, 2);
    expect(scaleCases(1e6, 2)).toEqual(full);
    expect(full.filter((c) => c.kind === 'attention' && c.sweep === 'n' && c.method === 'dense').map((c) => c.n)).toEqual([1e3, 1e4, 1e5]);
    expect(full.filter((c) => c.kind === 'attention' && c.sweep === 'n' && c.method === 'truncated').map((c) => c.n)).toEqual([
      1e3, 1e4, 1e5, 1e6,
    ]);
    expect(Math.max(...full.filter((c) => c.kind === 'sinkhorn').map((c) => c.n))).toBe(1e5);
    expect(
      Math.max(
        ...scaleCases(1e6, 2, 1e6)
          .filter((c) => c.kind === 'sinkhorn')
          .map((c) => c.n),
      ),
    ).toBe(1e6);
    const quick = scaleCases(1e4, 2);
    expect(Math.max(...quick.map((c) => c.n))).toBe(1e4);
    expect(quick.every((c) => c.threads === 2 && c.tau === 5)).toBe(true);
  });

  it('extrapolates dense by n² from the largest dense run, and marks it', () => {
    const cases = scaleCases(1e6, 2).filter((c) => c.kind === 'attention' && c.sweep === 'n');
    const row = (n: number, method: 'dense' | 'truncated', seconds: number): ScaleRow => ({
      ...cases.find((c) => c.n === n && c.method === method)!,
      seconds,
      keptFraction: method === 'dense' ? 1 : 0.02,
      predictedFraction: 0.0125,
      peakRssMiB: 100,
      extrapolated: false,
    });
    const rows = [row(1e4, 'dense', 0.2), row(1e5, 'dense', 20), row(1e5, 'truncated', 0.5), row(1e6, 'truncated', 6)];
    const extra = extrapolateDense(rows, cases);
    expect(extra).toHaveLength(1);
    expect(extra[0]).toMatchObject({ n: 1e6, method: 'dense', extrapolated: true, peakRssMiB: null });
    expect(extra[0].seconds).toBeCloseTo(2000, 9);
    expect(scaleTable([...rows, ...extra])).toContain('~2000.0 (n² extrapolated)');
  });
});

describe('tiny smoke of each case kind', () => {
  it('attention and Sinkhorn, dense and truncated, give finite times, fractions in (0, 1] and a peak RSS', async () => {
    const cases = [
      { kind: 'attention', sweep: 'n', n: 600, beta: 1000 },
      { kind: 'sinkhorn', sweep: 'n', n: 300, eps: 1e-2, iterations: 3 },
    ] as const;
    for (const c of cases) {
      for (const method of ['dense', 'truncated'] as const) {
        const r = await runCase({ ...c, method, tau: 5, threads: 1 });
        expect(r.seconds).toBeGreaterThan(0);
        expect(Number.isFinite(r.seconds)).toBe(true);
        expect(r.keptFraction).toBeGreaterThan(0);
        expect(r.keptFraction).toBeLessThanOrEqual(1);
        if (method === 'dense') expect(r.keptFraction).toBe(1);
        expect(r.peakRssMiB).toBeGreaterThan(10);
        if (c.kind === 'sinkhorn') expect(Number.isFinite(r.marginalError)).toBe(true);
      }
    }
  });
});
