// attention({ truncate }): skipped keys carry at most e^{-tau²} of each row's weight (checked row by row against
// an f64 reference of the skipped share), so the truncated velocity is within 2 e^{-tau²} max|v| of the exact one,
// in f64 and f32, wasm and js, on any thread count; trajectories follow the exact ones; options are checked.
import { beforeAll, describe, expect, it } from 'vitest';
import { attention, init, InvalidArgumentError, Measure, simulate, simulateMany } from '../src/index.js';
import { jsBackend } from '../src/backend/index.js';
import { AttentionTruncation } from '../src/flows/attention-truncate.js';
import { lcg, spherePoints } from './helpers.js';

beforeAll(async () => {
  await init({ threads: 1 });
});

/** n points on S² in a few tight clumps plus a uniform background, and random positive weights. */
function problem(n: number, seed: number): { x: Float64Array; w: Float64Array } {
  const rnd = lcg(seed);
  const x = spherePoints(rnd, n, 3);
  const centres = spherePoints(rnd, 5, 3);
  for (let i = 0; i < n / 2; i++) {
    const c = i % 5;
    let r = 0;
    for (let k = 0; k < 3; k++) {
      x[3 * i + k] = centres[3 * c + k] + 0.05 * (rnd() - 0.5);
      r += x[3 * i + k] ** 2;
    }
    for (let k = 0; k < 3; k++) x[3 * i + k] /= Math.sqrt(r);
  }
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.2 + rnd();
  return { x, w };
}

const maxDiff = (a: Float64Array, b: Float64Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

const CASES = [
  { n: 2000, beta: 100, tau: 3 },
  { n: 3000, beta: 1000, tau: 4 },
  { n: 4000, beta: 300, tau: 5 },
] as const;

describe('attention truncate: the bound', () => {
  /** The largest log skipped share of a row under t's last mask, from an f64 reference (every pair). */
  function worstSkippedShare(t: AttentionTruncation, x: Float64Array, w: Float64Array, n: number, beta: number): number {
    const mask = t.lastMask!,
      order = t.lastOrder!;
    const seen = new Uint8Array(n);
    let worst = -Infinity;
    for (let q = 0; q + 1 < mask.rows.length; q++) {
      seen.fill(0);
      for (let r = mask.ptr[q]; r < mask.ptr[q + 1]; r++) seen.fill(1, mask.ranges[2 * r], mask.ranges[2 * r + 1]);
      for (let s = mask.rows[q]; s < mask.rows[q + 1]; s++) {
        const i = order[s];
        let total = 0,
          skipped = 0;
        for (let u = 0; u < n; u++) {
          const j = order[u];
          // Scores relative to the row's own (the largest on the sphere), so nothing overflows.
          const dot = x[3 * i] * x[3 * j] + x[3 * i + 1] * x[3 * j + 1] + x[3 * i + 2] * x[3 * j + 2];
          const e = w[j] * Math.exp(beta * (dot - 1));
          total += e;
          if (!seen[u]) skipped += e;
        }
        worst = Math.max(worst, Math.log(skipped / total));
      }
    }
    return worst;
  }

  it('every row skips at most e^{-tau²} of its weight (f64 reference of the skipped share), and skips something', () => {
    for (const { n, beta, tau } of CASES) {
      const { x, w } = problem(n, n + beta);
      const t = new AttentionTruncation(tau);
      t.reduce(jsBackend, x, x, x, w.map(Math.log), n, 3, beta, 'f64', new Float64Array(n), new Float64Array(3 * n));
      expect(t.kept).toBeLessThan(0.6 * n * n);
      expect(worstSkippedShare(t, x, w, n, beta)).toBeLessThanOrEqual(-tau * tau);
    }
  });

  it('holds on moved points, then on other points altogether, one tree per evaluation', () => {
    const { n, beta, tau } = CASES[1];
    const { x, w } = problem(n, 21);
    const t = new AttentionTruncation(tau);
    const run = (p: Float64Array) =>
      t.reduce(jsBackend, p, p, p, w.map(Math.log), n, 3, beta, 'f64', new Float64Array(n), new Float64Array(3 * n));
    run(x);
    // Moved by up to 0.02 (renormalised).
    const rnd = lcg(3);
    const moved = x.map((v) => v + 0.02 * (rnd() - 0.5));
    for (let i = 0; i < n; i++) {
      const r = Math.hypot(moved[3 * i], moved[3 * i + 1], moved[3 * i + 2]);
      for (let k = 0; k < 3; k++) moved[3 * i + k] /= r;
    }
    run(moved);
    expect(t.builds).toBe(2);
    expect(worstSkippedShare(t, moved, w, n, beta)).toBeLessThanOrEqual(-tau * tau);
    // Other points altogether.
    const other = problem(n, 22).x;
    run(other);
    expect(t.builds).toBe(3);
    expect(worstSkippedShare(t, other, w, n, beta)).toBeLessThanOrEqual(-tau * tau);
  });

  it('the truncated velocity is within 2 e^{-tau²} of the exact one: f64 and f32, wasm and js', () => {
    for (const { n, beta, tau } of CASES) {
      const { x, w } = problem(n, n + beta);
      const exact = new Float64Array(3 * n);
      attention({ beta, truncate: false }).velocity(x, w, 3, exact, { backend: 'js' });
      for (const backend of ['wasm', 'js'] as const) {
        for (const precision of ['f64', 'f32'] as const) {
          const out = new Float64Array(3 * n);
          attention({ beta, truncate: tau }).velocity(x, w, 3, out, { backend, precision });
          // |v_j| = 1: the mean moves by at most 2 e^{-tau²}; rounding 1e-12 in f64, and in f32 the exact path's
          // own f32 error is ~1e-6 (the own key, of weight e^beta, sits in the sums here).
          expect(maxDiff(out, exact)).toBeLessThanOrEqual(2 * Math.exp(-tau * tau) + (precision === 'f64' ? 1e-12 : 1e-5));
        }
      }
    }
  });

  it('gives the same bits on 1 and 2 threads', async () => {
    const { n, beta, tau } = CASES[1];
    const { x, w } = problem(n, 7);
    const run = () => {
      const out = new Float64Array(3 * n);
      attention({ beta, truncate: tau }).velocity(x, w, 3, out, { precision: 'f32' });
      return out;
    };
    const one = run();
    await init({ threads: 2 });
    const two = run();
    await init({ threads: 1 });
    expect(maxDiff(one, two)).toBe(0);
  });

  it("'auto' is exact below 4096 particles and tau = 5 from there at beta = 1000", () => {
    for (const n of [1000, 4096]) {
      const { x, w } = problem(n, 11);
      const auto = new Float64Array(3 * n),
        exact = new Float64Array(3 * n),
        five = new Float64Array(3 * n);
      attention({ beta: 1000 }).velocity(x, w, 3, auto);
      attention({ beta: 1000, truncate: false }).velocity(x, w, 3, exact);
      attention({ beta: 1000, truncate: 5 }).velocity(x, w, 3, five);
      expect(maxDiff(auto, n < 4096 ? exact : five)).toBe(0);
    }
  });
});

describe('attention truncate: dynamics', () => {
  it('a truncated trajectory follows the exact one (n = 4000, beta = 1000, t = 2) within 1e-6', () => {
    const n = 4000;
    const mu = Measure.uniformSphere(n, 3, { seed: 5 });
    const options = { tEnd: 2, integrator: 'rk4' as const, dt: 0.1 };
    const exact = simulate(attention({ beta: 1000, truncate: false }), mu, options).final.points;
    const truncated = simulate(attention({ beta: 1000, truncate: 5 }), mu, options).final.points;
    expect(maxDiff(truncated, exact)).toBeLessThanOrEqual(1e-6);
    // The run moved: the comparison is not between two copies of the start.
    expect(maxDiff(exact, mu.points)).toBeGreaterThan(1e-3);
  }, 120_000);

  it('energy never decreases along a truncated flow', () => {
    const mu = Measure.uniformSphere(1500, 3, { seed: 9 });
    const run = simulate(attention({ beta: 200, truncate: 4 }), mu, {
      tEnd: 3,
      integrator: 'rk4',
      dt: 0.05,
      record: { every: 1 },
      observe: { energy: true },
    });
    const e = run.energy!;
    expect(e.length).toBeGreaterThan(50);
    for (let s = 1; s < e.length; s++) expect(e[s]).toBeGreaterThanOrEqual(e[s - 1] * (1 - 1e-12));
    expect(e[e.length - 1]).toBeGreaterThan(e[0] * 1.01);
  }, 60_000);
});

describe('attention truncate: options', () => {
  const refused = (f: () => unknown, pattern: RegExp) => {
    let err: unknown;
    try {
      f();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as InvalidArgumentError).argument).toBe('truncate');
    expect((err as Error).message).toMatch(pattern);
  };

  it('refuses bad values', () => {
    for (const v of [0, -1, 1001, Number.NaN, Infinity, 'yes', true]) refused(() => attention({ truncate: v as number }), /\(0, 1000\]/);
  });

  it('refuses a tau where the bound is not done, naming why', () => {
    refused(() => attention({ beta: 10, truncate: 5, normalization: 'sinkhorn' }), /normalization 'sinkhorn'/);
    refused(() => attention({ beta: 10, truncate: 5, mask: 'causal' }), /mask 'causal'/);
    refused(() => attention({ beta: 10, truncate: 5, space: 'euclidean' }), /space 'euclidean'/);
    refused(() => attention({ beta: -1, truncate: 5 }), /beta > 0/);
    const mus = [Measure.uniformSphere(8, 3, { seed: 1 }), Measure.uniformSphere(8, 3, { seed: 2 })];
    // 'auto' is exact where the bound is not done.
    expect(() => attention({ beta: 10, normalization: 'sinkhorn' })).not.toThrow();
    expect(simulateMany(attention({ beta: 10 }), mus, { tEnd: 0.1 })).toHaveLength(2);
  });

  it('names truncate in params only when given', () => {
    expect(attention({ beta: 2 }).params.truncate).toBeUndefined();
    expect(attention({ beta: 2, truncate: 3 }).params.truncate).toBe(3);
    expect(attention({ beta: 2, truncate: false }).params.truncate).toBe(false);
  });
});
