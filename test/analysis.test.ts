import { beforeAll, describe, expect, it } from 'vitest';
import { attention, clusters, init, Measure, simulate, stationarity, sphere, circleSpace } from '../src/index.js';

beforeAll(async () => {
  await init();
});

describe('clusters', () => {
  it('single linkage on the sphere: chains link, gaps separate; centers and masses', () => {
    // Three points 0.0008 rad apart in a chain (linked at tol 1e-3 though the ends are 0.0016 apart), one far away.
    const at = (a: number) => [Math.cos(a), Math.sin(a), 0];
    const mu = new Measure([at(0), at(0.0008), at(0.0016), at(2)], { space: 'sphere', weights: [1, 1, 2, 4] }).normalized();
    const c = clusters(mu, { tol: 1e-3 });
    expect(c.count).toBe(2);
    expect(Array.from(c.labels)).toEqual([0, 0, 0, 1]);
    expect(Array.from(c.masses)).toEqual([0.5, 0.5]);
    const ang0 = Math.atan2(c.centers[1], c.centers[0]);
    expect(ang0).toBeCloseTo((0 + 0.0008 + 2 * 0.0016) / 4, 7); // weighted, then back onto the sphere
    expect(Math.hypot(c.centers[0], c.centers[1], c.centers[2])).toBeCloseTo(1, 14);
    expect(clusters(mu, { tol: 5e-4 }).count).toBe(4);
  });

  it('on the circle, distance wraps around 2π', () => {
    const mu = new Measure([0.0002, 2 * Math.PI - 0.0002, 3], { space: 'circle' });
    const c = clusters(mu, { tol: 1e-3 });
    expect(c.count).toBe(2);
    expect(Array.from(c.labels)).toEqual([0, 0, 1]);
    expect(Math.min(c.centers[0], 2 * Math.PI - c.centers[0])).toBeLessThan(1e-12);
    expect(() => clusters(mu, { tol: 0 })).toThrow(/tol must be a finite number > 0, got 0/);
  });

  it('geodesic distances are accurate at small angles', () => {
    const a = Float64Array.from([1, 0, 0]);
    const b = Float64Array.from([Math.cos(1e-9), Math.sin(1e-9), 0]);
    expect(sphere.distance(a, 0, b, 0, 3)).toBeCloseTo(1e-9, 20);
    expect(circleSpace.distance(Float64Array.of(0.1), 0, Float64Array.of(6.2), 0, 1)).toBeCloseTo(2 * Math.PI - 6.1, 14);
  });
});

describe('stationarity and stopping rules', () => {
  it('‖V[mu]‖ is the L²(mu) norm of the velocity, and a run can stop when it falls below a threshold', () => {
    const mu = Measure.uniformSphere(32, 3, { seed: 3 });
    const flow = attention({ beta: 1 });
    const v = new Float64Array(mu.points.length);
    flow.velocity(mu.points, mu.weights, 3, v);
    let s = 0;
    for (let i = 0; i < 32; i++) s += (v[3 * i] ** 2 + v[3 * i + 1] ** 2 + v[3 * i + 2] ** 2) / 32;
    expect(stationarity(flow, mu)).toBeCloseTo(Math.sqrt(s), 14);
    const run = simulate(flow, mu, {
      tEnd: 1e3,
      stopWhen: { velocityBelow: 1e-6 },
      observe: { velocityNorm: true },
      record: { logSpaced: 20 },
    });
    expect(run.stopReason).toBe('velocityBelow');
    expect(run.finalTime).toBeLessThan(1e3);
    expect(stationarity(flow, run.final)).toBeLessThan(1e-6);
    expect(run.velocityNorm![0]).toBeCloseTo(Math.sqrt(s), 12);
  });
});
