import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { attention, circle, clusters, init, interaction, Measure, simulate, SimulationError, type Trajectory } from '../src/index.js';
import { lcg } from './helpers.js';

beforeAll(async () => {
  await init();
});

function isNonDecreasing(a: ArrayLike<number>, relTol: number): boolean {
  for (let i = 1; i < a.length; i++) if (a[i] < a[i - 1] - relTol * Math.abs(a[i - 1])) return false;
  return true;
}

describe('energy along attention flows', () => {
  it('E_beta never decreases along SA and USA (Q = K = V = I), rk4 and rk45', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e6 }),
        fc.double({ min: 0.5, max: 20, noNaN: true }),
        fc.constantFrom(2, 3, 5),
        fc.constantFrom('softmax', 'none'),
        fc.constantFrom('rk4', 'rk45'),
        (seed, beta, d, normalization, integrator) => {
          const mu = Measure.uniformSphere(24, d, { seed });
          const flow = attention({ beta, normalization: normalization as 'softmax' | 'none' });
          // USA's velocity carries Z_i ~ e^beta: scale time so both run comparable distances.
          const scale = normalization === 'none' ? Math.exp(-beta) : 1;
          const run = simulate(flow, mu, {
            tEnd: 3 * scale,
            integrator: integrator as 'rk4' | 'rk45',
            dt: 0.01 * scale,
            maxStep: 0.05 * scale,
            rtol: 1e-8,
            atol: 1e-10,
            record: { every: 1 },
            observe: { energy: true },
          });
          expect(run.energy!.length).toBeGreaterThanOrEqual(60);
          expect(isNonDecreasing(run.energy!, 1e-12)).toBe(true);
        },
      ),
      { numRuns: 24, seed: 42 },
    );
  });
});

describe('gradient structure', () => {
  it('the circle flow is the formula dθ_i/dt = sum_j a_j e^{beta cos(θ_j - θ_i)} sin(θ_j - θ_i) / Z_i, for any beta', () => {
    const mu = Measure.uniformCircle(30, { seed: 13, weights: Array.from({ length: 30 }, (_, i) => 1 + (i % 4)) }).normalized();
    for (const beta of [-3, -0.1, 0, 2, 9]) {
      for (const normalization of ['softmax', 'none'] as const) {
        const v = new Float64Array(30);
        circle({ beta, normalization }).velocity(mu.points, mu.weights, 1, v);
        for (let i = 0; i < 30; i++) {
          let num = 0,
            z = 0;
          for (let j = 0; j < 30; j++) {
            const t = mu.points[j] - mu.points[i];
            const w = mu.weights[j] * Math.exp(beta * Math.cos(t));
            num += w * Math.sin(t);
            z += w;
          }
          expect(Math.abs(v[i] - (normalization === 'softmax' ? num / z : num))).toBeLessThan(1e-13 * Math.max(1, z));
        }
      }
    }
  });

  it('USA on the sphere: a_i V_i equals the tangent gradient of E_beta (finite differences)', () => {
    const d = 3,
      n = 12,
      beta = 2.5;
    const rnd = lcg(17);
    const w = Float64Array.from({ length: n }, () => 0.2 + rnd());
    const mu = new Measure(Measure.uniformSphere(n, d, { seed: 3 }).points, { dim: d, weights: w, space: 'sphere' }).normalized();
    const flow = attention({ beta, normalization: 'none' });
    const v = new Float64Array(n * d);
    flow.velocity(mu.points, mu.weights, d, v);
    for (const i of [0, 5, 11]) {
      const x = mu.points.subarray(i * d, i * d + d);
      // A random tangent direction at x_i.
      const u = Float64Array.from({ length: d }, () => rnd() - 0.5);
      const ux = u.reduce((s, ui, c) => s + ui * x[c], 0);
      for (let c = 0; c < d; c++) u[c] -= ux * x[c];
      const energyAt = (s: number) => {
        const p = Float64Array.from(mu.points);
        let r = 0;
        for (let c = 0; c < d; c++) {
          p[i * d + c] = x[c] + s * u[c];
          r += p[i * d + c] ** 2;
        }
        for (let c = 0; c < d; c++) p[i * d + c] /= Math.sqrt(r);
        return flow.energy!(p, mu.weights, d);
      };
      const s = 1e-5;
      const fd = (energyAt(s) - energyAt(-s)) / (2 * s);
      const analytic = mu.weights[i] * u.reduce((acc, uc, c) => acc + uc * v[i * d + c], 0);
      expect(Math.abs(fd - analytic)).toBeLessThan(1e-7 * Math.max(1, Math.abs(analytic)));
    }
  });

  it('interaction on R^d: a_i V_i = -∇_{x_i} F (finite differences)', () => {
    const d = 4,
      n = 10,
      beta = 0.7;
    const mu = Measure.gaussian(n, d, { seed: 8, std: 0.5 });
    const flow = interaction({ beta, space: 'euclidean' });
    const v = new Float64Array(n * d);
    flow.velocity(mu.points, mu.weights, d, v);
    for (let i = 0; i < n; i += 3) {
      for (let c = 0; c < d; c++) {
        const at = (s: number) => {
          const p = Float64Array.from(mu.points);
          p[i * d + c] += s;
          return flow.energy!(p, mu.weights, d);
        };
        const fd = (at(1e-5) - at(-1e-5)) / 2e-5;
        expect(Math.abs(-fd - mu.weights[i] * v[i * d + c])).toBeLessThan(1e-8 * Math.max(1, Math.abs(fd)));
      }
    }
  });
});

describe('clustering', () => {
  for (const beta of [1, 4]) {
    // Measured for these seeds: one cluster at t = 11.7 (beta = 1) and t = 118.9 (beta = 4).
    const tEnd = beta === 1 ? 30 : 300;
    it(`S², n = 64, beta = ${beta}: one cluster (tol 1e-3) by t = ${tEnd}`, () => {
      const mu = Measure.uniformSphere(64, 3, { seed: 100 + beta });
      const run = simulate(attention({ beta }), mu, {
        tEnd,
        integrator: 'rk45',
        observe: { clusters: { tol: 1e-3 } },
        record: { logSpaced: 40 },
      });
      expect(run.clusterCounts![0]).toBe(64);
      expect(run.clusterCounts![run.clusterCounts!.length - 1]).toBe(1);
      expect(clusters(run.final, { tol: 1e-3 }).count).toBe(1);
    });
  }

  it('interaction on the sphere concentrates to one cluster', () => {
    const mu = Measure.uniformSphere(48, 3, { seed: 5 });
    const run = simulate(interaction({ beta: 1, space: 'sphere' }), mu, { tEnd: 40, observe: { clusters: { tol: 1e-3 }, energy: true } });
    expect(clusters(run.final, { tol: 1e-3 }).count).toBe(1);
    // F = -∫∫ e^{beta<x,y>} never increases along its gradient flow.
    expect(
      isNonDecreasing(
        Array.from(run.energy!, (e) => -e),
        1e-12,
      ),
    ).toBe(true);
  });

  it('interaction on R^d: mass escapes — the second moment grows and F -> -inf in finite time', () => {
    const mu = Measure.gaussian(32, 2, { seed: 6, std: 0.3 });
    const secondMoment = (m: Measure) => m.points.reduce((s, v) => s + v * v, 0) / m.size;
    let run: Trajectory | null = null;
    try {
      simulate(interaction({ beta: 1, space: 'euclidean' }), mu, {
        tEnd: 100,
        record: { every: 1 },
        observe: { energy: true, custom: { m2: (m) => secondMoment(m) } },
      });
    } catch (e) {
      // e^{beta |x|^2} feeds its own growth: a blow-up, after which no finite step exists.
      expect(e).toBeInstanceOf(SimulationError);
      run = (e as SimulationError).trajectory as Trajectory;
    }
    expect(run).not.toBeNull();
    const m2 = run!.observables.m2;
    const F = run!.energy!;
    expect(run!.times[run!.times.length - 1]).toBeLessThan(100);
    expect(isNonDecreasing(m2, 0)).toBe(true);
    expect(m2[m2.length - 1]).toBeGreaterThan(5 * m2[0]);
    expect(
      isNonDecreasing(
        Array.from(F, (e) => -e),
        1e-12,
      ),
    ).toBe(true);
    expect(F[F.length - 1]).toBeLessThan(1e6 * F[0]);
  });

  it('circle: beta = 1 and beta = -0.1 synchronise; beta = -1 from equally spaced points stays spread', () => {
    for (const beta of [1, -0.1]) {
      const mu = Measure.uniformCircle(40, { seed: 9 });
      const run = simulate(circle({ beta }), mu, { tEnd: 400, stopWhen: { oneCluster: { tol: 1e-3 } } });
      expect(run.stopReason).toBe('oneCluster');
      expect(clusters(run.final, { tol: 1e-3 }).count).toBe(1);
    }
    // Equally spaced points are an equilibrium at beta = -1 and the run keeps them spread.
    // (It is a linearly unstable one: round-off of 1e-16 grows like e^{t/3} and would be visible
    // by t ≈ 80, so the horizon is t = 50.)
    const spread = Measure.equallySpacedCircle(40);
    const v = new Float64Array(40);
    circle({ beta: -1 }).velocity(spread.points, spread.weights, 1, v);
    expect(Math.max(...v.map(Math.abs))).toBeLessThan(1e-14);
    const run = simulate(circle({ beta: -1 }), spread, { tEnd: 50, observe: { minDistance: true, clusters: { tol: 1e-3 } } });
    const gap = (2 * Math.PI) / 40;
    for (const m of run.minDistance!) expect(Math.abs(m - gap)).toBeLessThan(1e-6 * gap);
    expect(Array.from(run.clusterCounts!).every((c) => c === 40)).toBe(true);
  });

  it('a causal mask with random Q^T K and V = I collapses to one cluster', () => {
    const d = 3;
    const rnd = lcg(31);
    const Q = Array.from({ length: d }, (_, r) => Array.from({ length: d }, (_, c) => (r === c ? 1 : 0) + 0.4 * (rnd() - 0.5)));
    const K = Array.from({ length: d }, (_, r) => Array.from({ length: d }, (_, c) => (r === c ? 1 : 0) + 0.4 * (rnd() - 0.5)));
    const mu = Measure.uniformSphere(32, d, { seed: 12 });
    const run = simulate(attention({ beta: 2, Q, K, mask: 'causal' }), mu, { tEnd: 200, stopWhen: { oneCluster: { tol: 1e-3 } } });
    expect(clusters(run.final, { tol: 1e-3 }).count).toBe(1);
  });
});

describe('attention energy availability', () => {
  it('E_beta is reported for Q = K = I and beta != 0, and marked monotone only for V = I without a mask', () => {
    const mu = Measure.uniformSphere(8, 3, { seed: 4 });
    expect(attention({ beta: 0 }).energy).toBeUndefined();
    expect(() => simulate(attention({ beta: 0 }), mu, { tEnd: 0.1, observe: { energy: true } })).toThrow(/beta != 0/);
    expect(attention({ beta: 2 }).energyDirection).toBe(1);
    expect(attention({ beta: 2, mask: 'causal' }).energyDirection).toBeUndefined();
    expect(
      attention({
        beta: 2,
        V: [
          [0, 1, 0],
          [1, 0, 0],
          [0, 0, 1],
        ],
      }).energyDirection,
    ).toBeUndefined();
    const e = attention({ beta: 2, mask: 'causal' }).energy!(mu.points, mu.weights, 3);
    expect(Number.isFinite(e)).toBe(true);
  });
});
