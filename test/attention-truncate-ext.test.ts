// truncate beyond softmax attention on S²: unnormalised attention (USA), the circle flow (softmax and 'none', arcs of
// sorted angles) and the interaction flow. Per case: every row's skipped share is at most e^{-tau²} (an f64 reference,
// every pair), the truncated velocity is within its bound of an independent f64 reference, f32 and f64, wasm and js,
// 1 and 2 threads give the same bits, energy is monotone, simulateMany gives each system the bits of its own run,
// and the refusals are named.
import { beforeAll, describe, expect, it } from 'vitest';
import { attention, circle, init, interaction, InvalidArgumentError, Measure, simulate, simulateMany } from '../src/index.js';
import { jsBackend } from '../src/backend/index.js';
import { CircleTruncation } from '../src/flows/circle-truncate.js';
import { AttentionTruncation, truncationOf } from '../src/flows/attention-truncate.js';
import { lcg, spherePoints } from './helpers.js';

beforeAll(async () => {
  await init({ threads: 1 });
});

const maxDiff = (a: Float64Array, b: Float64Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

/** n angles: half in five tight arcs (one across 0), half uniform; and random positive weights. */
function circleProblem(n: number, seed: number): { theta: Float64Array; w: Float64Array } {
  const rnd = lcg(seed);
  const theta = new Float64Array(n);
  const centres = [0.01, 1.3, 2.2, 4.0, 5.5];
  for (let i = 0; i < n; i++) theta[i] = i < n / 2 ? centres[i % 5] + 0.04 * (rnd() - 0.5) : 2 * Math.PI * rnd();
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.2 + rnd();
  return { theta, w };
}

/** The circle's velocity and Z_i e^{-beta} in f64, pair by pair in angle form (independent of the kernel). */
function circleReference(theta: Float64Array, w: Float64Array, beta: number, normalization: 'softmax' | 'none') {
  const n = theta.length;
  const v = new Float64Array(n),
    z = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let num = 0,
      den = 0;
    for (let j = 0; j < n; j++) {
      const e = w[j] * Math.exp(beta * (Math.cos(theta[j] - theta[i]) - 1));
      num += e * Math.sin(theta[j] - theta[i]);
      den += e;
    }
    v[i] = normalization === 'softmax' ? num / den : num * Math.exp(beta);
    z[i] = den;
  }
  return { v, z };
}

const CIRCLE_CASES = [
  { n: 2000, beta: 100, tau: 3 },
  { n: 3000, beta: 1000, tau: 4 },
  { n: 4000, beta: 300, tau: 5 },
] as const;

describe('circle truncate: the bound', () => {
  /** The largest log skipped share of a row under the last mask, from an f64 reference (every pair). */
  function worstSkippedShare(t: CircleTruncation, theta: Float64Array, w: Float64Array, beta: number, segments: Int32Array | null) {
    const { mask, order } = t.last!;
    const n = theta.length;
    const seen = new Uint8Array(n);
    let worst = -Infinity;
    for (let q = 0; q + 1 < mask.rows.length; q++) {
      seen.fill(0);
      for (let r = mask.ptr[q]; r < mask.ptr[q + 1]; r++) seen.fill(1, mask.ranges[2 * r], mask.ranges[2 * r + 1]);
      // The block's system: its rows and keys lie in one segment.
      let lo = 0,
        hi = n;
      if (segments !== null) {
        const k = segments.findIndex((o, t) => mask.rows[q] >= o && mask.rows[q] < segments[t + 1]);
        [lo, hi] = [segments[k], segments[k + 1]];
      }
      expect(mask.rows[q + 1]).toBeLessThanOrEqual(hi);
      if (seen.indexOf(1) >= 0) expect(seen.indexOf(1) >= lo && seen.lastIndexOf(1) < hi).toBe(true);
      for (let s = mask.rows[q]; s < mask.rows[q + 1]; s++) {
        const i = order[s];
        let total = 0,
          skipped = 0;
        for (let u = lo; u < hi; u++) {
          const j = order[u];
          const e = w[j] * Math.exp(beta * (Math.cos(theta[j] - theta[i]) - 1));
          total += e;
          if (!seen[u]) skipped += e;
        }
        worst = Math.max(worst, Math.log(skipped / total));
      }
    }
    return worst;
  }

  it('every row skips at most e^{-tau²} of its weight (f64 reference), and skips something', () => {
    for (const { n, beta, tau } of CIRCLE_CASES) {
      const { theta, w } = circleProblem(n, n + beta);
      const t = new CircleTruncation(tau);
      const e = new Float64Array(2 * n);
      for (let i = 0; i < n; i++) [e[2 * i], e[2 * i + 1]] = [Math.cos(theta[i]), Math.sin(theta[i])];
      t.reduce(jsBackend, theta, e, w.map(Math.log), n, null, beta, 'f64', new Float64Array(n), new Float64Array(2 * n));
      expect(t.kept).toBeLessThan(0.5 * n * n);
      expect(worstSkippedShare(t, theta, w, beta, null)).toBeLessThanOrEqual(-tau * tau);
    }
  });

  it('holds per system of an ensemble (segments), no row seeing another system', () => {
    const a = circleProblem(1500, 1),
      b = circleProblem(2500, 2);
    const theta = Float64Array.from([...a.theta, ...b.theta]),
      w = Float64Array.from([...a.w, ...b.w]);
    const n = theta.length,
      segments = Int32Array.from([0, 1500, n]);
    const e = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) [e[2 * i], e[2 * i + 1]] = [Math.cos(theta[i]), Math.sin(theta[i])];
    const t = new CircleTruncation(4);
    t.reduce(jsBackend, theta, e, w.map(Math.log), n, segments, 500, 'f64', new Float64Array(n), new Float64Array(2 * n));
    expect(t.kept).toBeLessThan(0.5 * t.total);
    expect(worstSkippedShare(t, theta, w, 500, segments)).toBeLessThanOrEqual(-16);
  });

  it('the truncated velocity is within its bound of the exact one: softmax and none, f64 and f32, wasm and js', () => {
    for (const { n, beta, tau } of CIRCLE_CASES) {
      const { theta, w } = circleProblem(n, n + beta);
      for (const normalization of ['softmax', 'none'] as const) {
        if (normalization === 'none' && beta > 700) continue; // Z_i = e^{beta} ... overflows f64
        const ref = circleReference(theta, w, beta, normalization);
        for (const backend of ['wasm', 'js'] as const) {
          for (const precision of ['f64', 'f32'] as const) {
            const out = new Float64Array(n);
            circle({ beta, normalization, truncate: tau }).velocity(theta, w, 1, out, { backend, precision });
            // Softmax: |v| <= 1 moves by at most 2 e^{-tau²}; 'none': by at most e^{-tau²} Z_i. Rounding: 1e-12 in f64;
            // in f32 the own key (the largest weight) sits in the sums, ~1e-6 relative.
            const round = precision === 'f64' ? 1e-12 : 1e-5;
            for (let i = 0; i < n; i++) {
              const scale = normalization === 'softmax' ? 1 : ref.z[i] * Math.exp(beta);
              const bound = (normalization === 'softmax' ? 2 : 1) * Math.exp(-tau * tau) + round;
              expect(Math.abs(out[i] - ref.v[i])).toBeLessThanOrEqual(bound * scale);
            }
          }
        }
      }
    }
  });

  it('gives the same bits on 1 and 2 threads', async () => {
    const { theta, w } = circleProblem(6000, 7);
    const run = (precision: 'f32' | 'f64') => {
      const out = new Float64Array(theta.length);
      circle({ beta: 800, truncate: 4 }).velocity(theta, w, 1, out, { precision });
      return out;
    };
    const one = [run('f32'), run('f64')];
    await init({ threads: 2 });
    const two = [run('f32'), run('f64')];
    await init({ threads: 1 });
    expect(maxDiff(one[0], two[0])).toBe(0);
    expect(maxDiff(one[1], two[1])).toBe(0);
  });

  it("'auto' is exact below 4096 angles or beta < 648.5, tau = 5 from there", () => {
    for (const [n, beta, truncates] of [
      [1000, 1000, false],
      [4096, 1000, true],
      [4096, 600, false],
    ] as const) {
      const { theta, w } = circleProblem(n, 11);
      const auto = new Float64Array(n),
        exact = new Float64Array(n),
        five = new Float64Array(n);
      circle({ beta }).velocity(theta, w, 1, auto);
      circle({ beta, truncate: false }).velocity(theta, w, 1, exact);
      circle({ beta, truncate: 5 }).velocity(theta, w, 1, five);
      expect(maxDiff(auto, truncates ? five : exact)).toBe(0);
      expect(maxDiff(five, exact)).toBeGreaterThan(0); // the two paths differ, so the comparison above tells them apart
    }
  });
});

describe('circle truncate: dynamics', () => {
  it('energy never decreases along a truncated flow (softmax and none)', () => {
    const mu = Measure.uniformCircle(1500, { seed: 9 });
    for (const normalization of ['softmax', 'none'] as const) {
      const run = simulate(circle({ beta: 200, normalization, truncate: 4 }), mu, {
        tEnd: normalization === 'softmax' ? 3 : 3e-86,
        integrator: 'rk4',
        dt: normalization === 'softmax' ? 0.05 : 1e-87,
        record: { every: 1 },
        observe: { energy: true },
      });
      const e = run.energy!;
      expect(e.length).toBeGreaterThan(25);
      for (let s = 1; s < e.length; s++) expect(e[s]).toBeGreaterThanOrEqual(e[s - 1] * (1 - 1e-12));
      expect(e[e.length - 1]).toBeGreaterThan(e[0] * 1.001);
    }
  }, 60_000);

  it('with collapse and the arc-length clock, a truncated run follows the exact one (same merges, points within 1e-8)', () => {
    const mu = Measure.uniformCircle(1000, { seed: 4 });
    const run = (truncate: false | number) =>
      simulate(circle({ beta: 400, truncate }), mu, {
        tEnd: 1e4,
        maxSteps: 3000,
        clock: 'arclength',
        integrator: 'rk45',
        collapse: { tol: 1e-6 },
        record: { logSpaced: { count: 10, from: 0.1 } },
        observe: { energy: true },
      });
    const exact = run(false),
      truncated = run(4);
    expect(exact.final.size).toBeLessThan(50); // it collapsed
    expect(truncated.final.size).toBe(exact.final.size);
    expect(truncated.finalTime).toBe(exact.finalTime);
    expect(maxDiff(truncated.final.points, exact.final.points)).toBeLessThanOrEqual(1e-8);
    const e = exact.energy!,
      et = truncated.energy!;
    expect(Math.abs(et[et.length - 1] / e[e.length - 1] - 1)).toBeLessThanOrEqual(1e-9);
  }, 60_000);

  it('simulateMany gives each system the bits of its own run, with truncation, on 1, 2 and 3 threads', async () => {
    const mus = [Measure.uniformCircle(500, { seed: 1 }), Measure.uniformCircle(700, { seed: 2 }), Measure.uniformCircle(300, { seed: 3 })];
    for (const threads of [1, 2, 3]) {
      await init({ threads });
      // Fixed steps run the systems as one state vector; rk45 as separate drivers whose calls are stacked.
      for (const options of [
        { tEnd: 0.2, integrator: 'rk4' as const, dt: 0.05 },
        { tEnd: 0.2, integrator: 'rk45' as const, rtol: 1e-6 },
      ]) {
        for (const precision of options.integrator === 'rk4' ? (['f64', 'f32'] as const) : (['f32'] as const)) {
          const flow = circle({ beta: 400, truncate: 4 });
          const many = simulateMany(flow, mus, { ...options, precision });
          mus.forEach((mu, b) => {
            const own = simulate(flow, mu, { ...options, precision });
            expect(maxDiff(many[b].final.points, own.final.points)).toBe(0);
          });
        }
      }
    }
    await init({ threads: 1 });
  }, 120_000);
});

describe('circle truncate: options', () => {
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

  it('refuses bad values, and a tau where no bound holds, naming why', () => {
    for (const v of [0, -1, 1001, Number.NaN, 'yes', true]) refused(() => circle({ truncate: v as number }), /\(0, 1000\]/);
    refused(() => circle({ beta: -2, truncate: 3 }), /beta > 0/);
    refused(() => circle({ beta: 0, truncate: 3 }), /beta > 0/);
    const h = (t: number) => Math.sin(t) + 0.1 * Math.sin(2 * t);
    refused(() => circle({ interaction: h, truncate: 3 }), /interaction/);
    // 'auto' and false stay exact where no bound holds.
    expect(() => circle({ interaction: h, truncate: 'auto' })).not.toThrow();
    expect(() => circle({ interaction: h, truncate: false })).not.toThrow();
    expect(() => circle({ beta: -2 })).not.toThrow();
  });

  it('names truncate in params only when given', () => {
    expect(circle({ beta: 2 }).params.truncate).toBeUndefined();
    expect(circle({ beta: 2, truncate: 3 }).params.truncate).toBe(3);
  });
});

/** n points on S² in a few tight clumps plus a uniform background, and random positive weights. */
function sphereProblem(n: number, seed: number): { x: Float64Array; w: Float64Array } {
  const rnd = lcg(seed);
  const x = spherePoints(rnd, n, 3);
  const centres = spherePoints(rnd, 5, 3);
  for (let i = 0; i < n / 2; i++) {
    const c = i % 5;
    for (let k = 0; k < 3; k++) x[3 * i + k] = centres[3 * c + k] + 0.05 * (rnd() - 0.5);
    const r = Math.hypot(x[3 * i], x[3 * i + 1], x[3 * i + 2]);
    for (let k = 0; k < 3; k++) x[3 * i + k] /= r;
  }
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.2 + rnd();
  return { x, w };
}

/** USA's velocity e^{-beta} P_x(sum_j w_j e^{beta <x_i, x_j>} x_j) and Z_i e^{-beta} in f64, pair by pair. */
function usaReference(x: Float64Array, w: Float64Array, beta: number) {
  const n = w.length;
  const v = new Float64Array(3 * n),
    z = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = [0, 0, 0];
    for (let j = 0; j < n; j++) {
      const e = w[j] * Math.exp(beta * (x[3 * i] * x[3 * j] + x[3 * i + 1] * x[3 * j + 1] + x[3 * i + 2] * x[3 * j + 2] - 1));
      for (let k = 0; k < 3; k++) s[k] += e * x[3 * j + k];
      z[i] += e;
    }
    const radial = s[0] * x[3 * i] + s[1] * x[3 * i + 1] + s[2] * x[3 * i + 2];
    for (let k = 0; k < 3; k++) v[3 * i + k] = s[k] - radial * x[3 * i + k];
  }
  return { v, z };
}

describe("attention truncate: unnormalised (USA, normalization 'none')", () => {
  const CASES = [
    { n: 2000, beta: 100, tau: 3 },
    { n: 3000, beta: 1000, tau: 4 },
    { n: 4000, beta: 300, tau: 5 },
  ] as const;

  it('the truncated velocity is within e^{-tau²} Z_i of the exact one: f64 and f32, wasm and js, with and without log-scale', () => {
    for (const { n, beta, tau } of CASES) {
      const { x, w } = sphereProblem(n, n + beta);
      const ref = usaReference(x, w, beta);
      for (const backend of ['wasm', 'js'] as const) {
        for (const precision of ['f64', 'f32'] as const) {
          for (const scaled of beta < 700 ? [false, true] : [true]) {
            const out = new Float64Array(3 * n),
              logScale = new Float64Array(1);
            attention({ beta, normalization: 'none', truncate: tau }).velocity(x, w, 3, out, {
              backend,
              precision,
              logScale: scaled ? logScale : null,
            });
            // out e^{logScale - beta} against the reference (both e^{-beta} of the velocity); |x_j| = 1.
            const f = Math.exp(logScale[0] - beta);
            const round = precision === 'f64' ? 1e-12 : 1e-5;
            let worst = 0;
            for (let i = 0; i < 3 * n; i++) {
              const err = Math.abs(out[i] * f - ref.v[i]) / ref.z[Math.floor(i / 3)];
              worst = Math.max(worst, err);
            }
            expect(worst).toBeLessThanOrEqual(Math.exp(-tau * tau) + round);
          }
        }
      }
    }
  });

  it('gives the same bits on 1 and 2 threads', async () => {
    const { x, w } = sphereProblem(5000, 7);
    const run = () => {
      const out = new Float64Array(3 * 5000);
      attention({ beta: 300, normalization: 'none', truncate: 4 }).velocity(x, w, 3, out, { precision: 'f32' });
      return out;
    };
    const one = run();
    await init({ threads: 2 });
    const two = run();
    await init({ threads: 1 });
    expect(maxDiff(one, two)).toBe(0);
  });

  it('energy never decreases along a truncated flow', () => {
    const mu = Measure.uniformSphere(1500, 3, { seed: 9 });
    const run = simulate(attention({ beta: 200, normalization: 'none', truncate: 4 }), mu, {
      tEnd: 3e-86,
      integrator: 'rk4',
      dt: 1e-87,
      record: { every: 1 },
      observe: { energy: true },
    });
    const e = run.energy!;
    expect(e.length).toBeGreaterThan(25);
    for (let s = 1; s < e.length; s++) expect(e[s]).toBeGreaterThanOrEqual(e[s - 1] * (1 - 1e-12));
    expect(e[e.length - 1]).toBeGreaterThan(e[0] * 1.001);
  }, 60_000);
});

/** interaction's velocity 2 beta sum_j w_j e^{beta <x_i, x_j>} x_j (projected on the sphere) and Z_i, in f64 pair by pair. */
function interactionReference(x: Float64Array, w: Float64Array, beta: number, sphere: boolean) {
  const n = w.length;
  const v = new Float64Array(3 * n),
    z = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = [0, 0, 0];
    for (let j = 0; j < n; j++) {
      const e = w[j] * Math.exp(beta * (x[3 * i] * x[3 * j] + x[3 * i + 1] * x[3 * j + 1] + x[3 * i + 2] * x[3 * j + 2]));
      for (let k = 0; k < 3; k++) s[k] += 2 * beta * e * x[3 * j + k];
      z[i] += e;
    }
    const r2 = sphere ? 1 : 0;
    const radial = r2 * (s[0] * x[3 * i] + s[1] * x[3 * i + 1] + s[2] * x[3 * i + 2]);
    for (let k = 0; k < 3; k++) v[3 * i + k] = s[k] - radial * x[3 * i + k];
  }
  return { v, z };
}

describe('interaction truncate', () => {
  it('the truncated velocity is within 2 beta e^{-tau²} Z_i max|x| of the exact one: sphere and R^d, f64 and f32, wasm and js', () => {
    const cases = [
      { n: 2000, beta: 100, tau: 3, space: 'sphere' as const },
      { n: 3000, beta: 300, tau: 4, space: 'sphere' as const },
      { n: 2500, beta: 30, tau: 3, space: 'euclidean' as const },
    ];
    for (const { n, beta, tau, space } of cases) {
      const { x, w } = sphereProblem(n, n + beta);
      // In R^d, norms in [0.5, 1.5]: the bound's norm ranges matter.
      const rnd = lcg(n);
      if (space === 'euclidean') for (let i = 0; i < n; i++) for (let k = 0, r = 0.5 + rnd(); k < 3; k++) x[3 * i + k] *= r;
      const ref = interactionReference(x, w, beta, space === 'sphere');
      let top = 0;
      for (let i = 0; i < n; i++) top = Math.max(top, Math.hypot(x[3 * i], x[3 * i + 1], x[3 * i + 2]));
      for (const backend of ['wasm', 'js'] as const) {
        for (const precision of ['f64', 'f32'] as const) {
          const out = new Float64Array(3 * n);
          const flow = interaction({ beta, space, truncate: tau });
          flow.velocity(x, w, 3, out, { backend, precision });
          const round = precision === 'f64' ? 1e-12 : 1e-5;
          let worst = 0;
          for (let i = 0; i < 3 * n; i++)
            worst = Math.max(worst, Math.abs(out[i] - ref.v[i]) / (2 * beta * top * ref.z[Math.floor(i / 3)]));
          expect(worst).toBeLessThanOrEqual(Math.exp(-tau * tau) + round);
        }
      }
    }
  });

  it('energy never increases along a truncated flow on the sphere', () => {
    const mu = Measure.uniformSphere(1500, 3, { seed: 9 });
    const run = simulate(interaction({ beta: 200, space: 'sphere', truncate: 4 }), mu, {
      tEnd: 3e-89,
      integrator: 'rk4',
      dt: 1e-90,
      record: { every: 1 },
      observe: { energy: true },
    });
    const e = run.energy!;
    expect(e.length).toBeGreaterThan(25);
    // F = -sum a_i a_j e^{beta <x_i, x_j>} < 0, non-increasing.
    for (let s = 1; s < e.length; s++) expect(e[s]).toBeLessThanOrEqual(e[s - 1] * (1 - 1e-12));
    expect(e[e.length - 1]).toBeLessThan(e[0] * 1.001);
  }, 60_000);

  it('refuses bad values, names truncate in params only when given', () => {
    for (const v of [0, -1, 1001, Number.NaN, 'yes']) {
      let err: unknown;
      try {
        interaction({ truncate: v as number });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect((err as InvalidArgumentError).argument).toBe('truncate');
    }
    expect(interaction({ beta: 2 }).params.truncate).toBeUndefined();
    expect(interaction({ beta: 2, truncate: 3 }).params.truncate).toBe(3);
  });
});

describe('truncation in ensembles (simulateMany)', () => {
  it('gives each system the bits of its own run: attention (softmax, none), interaction; 1, 2 and 3 threads', async () => {
    const mus = [
      Measure.uniformSphere(500, 3, { seed: 1 }),
      Measure.uniformSphere(700, 3, { seed: 2 }),
      Measure.uniformSphere(300, 3, { seed: 3 }),
    ];
    // The bound skips pairs here (so the masks, not only the segments, are compared).
    const t = new AttentionTruncation(4);
    const { points, weights, size } = mus[1];
    t.reduce(
      jsBackend,
      points,
      points,
      points,
      weights.map(Math.log),
      size,
      3,
      300,
      'f64',
      new Float64Array(size),
      new Float64Array(3 * size),
    );
    expect(t.kept).toBeLessThan(0.6 * t.total);
    const flows = [
      () => attention({ beta: 300, truncate: 4 }),
      () => attention({ beta: 300, normalization: 'none', truncate: 4 }),
      () => interaction({ beta: 300, space: 'sphere', truncate: 4 }),
    ];
    for (const threads of [1, 2, 3]) {
      await init({ threads });
      for (const [f, make] of flows.entries()) {
        // Fixed steps run the systems as one state vector; rk45 as separate drivers whose calls are stacked. The
        // unnormalised flows move at ~e^{beta}: the clock is scaled by the first system's top speed.
        const v = new Float64Array(3 * mus[0].size);
        make().velocity(mus[0].points, mus[0].weights, 3, v, {});
        const time = f === 0 ? 1 : 0.3 / v.reduce((m, c) => Math.max(m, Math.abs(c)), 0);
        // (rk45 only on the softmax flow: at clocks of 1e-129 rk45's step floor stops the exact runs as well.)
        for (const options of [
          { tEnd: 0.2 * time, integrator: 'rk4' as const, dt: 0.05 * time },
          ...(f === 0 ? [{ tEnd: 0.2, integrator: 'rk45' as const, rtol: 1e-6 }] : []),
        ]) {
          const precision = threads === 1 && options.integrator === 'rk4' ? 'f64' : 'f32';
          const flow = make();
          const many = simulateMany(flow, mus, { ...options, precision });
          mus.forEach((mu, b) => {
            const own = simulate(flow, mu, { ...options, precision }).final.points;
            expect(maxDiff(many[b].final.points, own)).toBe(0);
            expect(maxDiff(own, mu.points)).toBeGreaterThan(1e-6); // it moved
          });
        }
      }
    }
    await init({ threads: 1 });
  }, 120_000);

  it("'auto' truncates an ensemble when every system would on its own", () => {
    const t = truncationOf('auto', 'softmax', 'none', 'sphere', 1000)!;
    expect(t.applies(4096, null)).toBe(true);
    expect(t.applies(8192, Int32Array.from([0, 4096, 8192]))).toBe(true);
    expect(t.applies(8192, Int32Array.from([0, 100, 8192]))).toBe(false);
    expect(truncationOf('auto', 'softmax', 'none', 'sphere', 100)!.applies(8192, Int32Array.from([0, 4096, 8192]))).toBe(false);
  });
});
