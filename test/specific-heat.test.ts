import { beforeAll, describe, expect, it } from 'vitest';
import {
  attention,
  circle,
  ensembleSpecificHeat,
  init,
  InvalidArgumentError,
  Measure,
  simulate,
  simulateMany,
  specificHeat,
  specificHeatSweep,
  twoLayer,
  UnknownOptionError,
} from '../src/index.js';
import { lcg } from './helpers.js';

beforeAll(async () => {
  await init();
});

/** C = β² Var_a(E_i), E_i = -(1/β) log sum_j a_j e^{β <x_i, x_j>}, by the O(n²) definition in float64. */
function direct(mu: Measure, beta: number): number {
  const n = mu.size,
    d = mu.dim;
  const inner = (i: number, j: number) => {
    if (mu.space === 'circle') return Math.cos(mu.points[i] - mu.points[j]);
    let s = 0;
    for (let c = 0; c < d; c++) s += mu.points[i * d + c] * mu.points[j * d + c];
    return s;
  };
  const E: number[] = [];
  for (let i = 0; i < n; i++) {
    const terms = Array.from({ length: n }, (_, j) => Math.log(mu.weights[j]) + beta * inner(i, j));
    const max = Math.max(...terms);
    E.push(-(max + Math.log(terms.reduce((s, t) => s + Math.exp(t - max), 0))) / beta);
  }
  const A = mu.weights.reduce((s, w) => s + w, 0);
  const mean = E.reduce((s, e, i) => s + mu.weights[i] * e, 0) / A;
  return (beta * beta * E.reduce((s, e, i) => s + mu.weights[i] * (e - mean) ** 2, 0)) / A;
}

function randomWeights(n: number, seed: number): number[] {
  const rnd = lcg(seed);
  return Array.from({ length: n }, () => 0.2 + rnd());
}

describe('the specific heat observable', () => {
  it('equals the O(n²) float64 definition to 1e-12 along a run (sphere, both backends) and on the circle', () => {
    const mu = Measure.uniformSphere(24, 3, { seed: 5, weights: randomWeights(24, 5) });
    for (const backend of ['wasm', 'js'] as const) {
      const run = simulate(attention({ beta: 3 }), mu, {
        tEnd: 20,
        record: { times: [1, 3, 6, 10, 20], snapshots: true },
        observe: { specificHeat: true },
        backend,
      });
      const C = run.observables.specificHeat;
      expect(C.length).toBe(6);
      expect(Math.max(...C)).toBeGreaterThan(0.05);
      run.snapshots.forEach((snap, k) => expect(Math.abs(C[k] - direct(snap, 3))).toBeLessThan(1e-12 * Math.max(1, C[k])));
    }
    const angles = Measure.uniformCircle(30, { seed: 2, weights: randomWeights(30, 2) });
    for (const beta of [-2, 0.5, 7]) {
      const want = direct(angles, beta);
      expect(Math.abs(specificHeat(angles, { beta }) - want)).toBeLessThan(1e-12 * Math.max(1, want));
    }
    // { beta } overrides the flow's beta, and the ensemble driver records the same numbers.
    const run = simulate(circle({ beta: 2 }), angles, {
      tEnd: 5,
      record: { times: [5], snapshots: true },
      observe: { specificHeat: { beta: 4 } },
    });
    expect(Math.abs(run.observables.specificHeat[1] - direct(run.snapshots[1], 4))).toBeLessThan(1e-12);
    const many = simulateMany(circle({ beta: 2 }), [angles, angles], {
      tEnd: 5,
      record: { times: [5] },
      observe: { specificHeat: { beta: 4 } },
    });
    expect(Array.from(many[1].observables.specificHeat)).toEqual(Array.from(run.observables.specificHeat));
  });

  it('is 0 for a single cluster (all tokens equal, any weights), exactly', () => {
    const p = [0.6, -0.8, 0];
    const one = new Measure(
      Array.from({ length: 9 }, () => p),
      { weights: randomWeights(9, 3), space: 'sphere' },
    );
    for (const beta of [0.1, 3, 50, -4]) expect(specificHeat(one, { beta })).toBe(0);
    const angles = new Measure(
      Array.from({ length: 7 }, () => 1.3),
      { dim: 1, space: 'circle', weights: randomWeights(7, 4) },
    );
    expect(specificHeat(angles, { beta: 9 })).toBe(0);
    // A single system, or identical systems, have no ensemble spread either.
    expect(ensembleSpecificHeat([Measure.uniformSphere(10, 3, { seed: 1 })], { beta: 2 })).toBe(0);
    expect(ensembleSpecificHeat([one, one, one], { beta: 2 })).toBe(0);
  });

  it('vanishes like β² Var_a(<x_i, m>) as β -> 0 (m the weighted mean), and is 0 at β = 0', () => {
    const mu = Measure.uniformSphere(40, 4, { seed: 11, weights: randomWeights(40, 11) });
    const w = mu.normalized().weights,
      d = mu.dim;
    const m = new Float64Array(d);
    for (let i = 0; i < mu.size; i++) for (let c = 0; c < d; c++) m[c] += w[i] * mu.points[i * d + c];
    const proj = Array.from({ length: mu.size }, (_, i) => m.reduce((s, mc, c) => s + mc * mu.points[i * d + c], 0));
    const pm = proj.reduce((s, p, i) => s + w[i] * p, 0);
    const limit = proj.reduce((s, p, i) => s + w[i] * (p - pm) ** 2, 0);
    expect(specificHeat(mu, { beta: 0 })).toBe(0);
    const errs = [1e-2, 1e-3, 1e-4].map((beta) => Math.abs(specificHeat(mu, { beta }) / beta ** 2 - limit) / limit);
    // The correction is O(β): each tenfold smaller β gives a tenfold smaller relative error.
    expect(errs[0]).toBeLessThan(0.05);
    expect(errs[1]).toBeLessThan(errs[0] / 5);
    expect(errs[2]).toBeLessThan(errs[1] / 5);
    expect(errs[2]).toBeLessThan(1e-4);
  });

  it('the ensemble version is β² Var over systems of the mean free energy', () => {
    const systems = [1, 2, 3, 4].map((seed) => Measure.uniformSphere(12, 3, { seed }));
    const beta = 2.5;
    const means = systems.map((mu) => {
      let s = 0;
      for (let i = 0; i < mu.size; i++) {
        let z = 0;
        for (let j = 0; j < mu.size; j++) {
          let q = 0;
          for (let c = 0; c < 3; c++) q += mu.points[i * 3 + c] * mu.points[j * 3 + c];
          z += mu.weights[j] * Math.exp(beta * q);
        }
        s += mu.weights[i] * (-Math.log(z) / beta);
      }
      return s;
    });
    const mean = means.reduce((s, v) => s + v, 0) / means.length;
    const want = (beta * beta * means.reduce((s, v) => s + (v - mean) ** 2, 0)) / means.length;
    expect(Math.abs(ensembleSpecificHeat(systems, { beta }) - want)).toBeLessThan(1e-12 * Math.max(1, want));
  });

  it('refuses what it cannot compute', () => {
    const flow = twoLayer({
      data: {
        X: [
          [1, 0],
          [0, 1],
        ],
        Y: [1, -1],
      },
      activation: 'tanh',
      loss: 'squared',
    });
    const mu = Measure.gaussian(4, 4, { seed: 1 });
    expect(() => simulate(flow, mu, { tEnd: 1, integrator: 'euler', dt: 0.5, observe: { specificHeat: true } })).toThrow(
      /needs \{ beta \}/,
    );
    expect(() =>
      simulate(attention(), Measure.uniformSphere(4, 3, { seed: 1 }), { tEnd: 1, observe: { specificHeat: { beta: Number.NaN } } }),
    ).toThrow(InvalidArgumentError);
    expect(() =>
      simulate(attention(), Measure.uniformSphere(4, 3, { seed: 1 }), { tEnd: 1, observe: { specificHeat: { beta: 1, tol: 2 } as never } }),
    ).toThrow(UnknownOptionError);
    expect(() => specificHeat([[1, 0]] as never, { beta: 1 })).toThrow(InvalidArgumentError);
    expect(() => ensembleSpecificHeat([], { beta: 1 })).toThrow(InvalidArgumentError);
  });
});

describe('specificHeatSweep', () => {
  it('peaks inside the run while the tokens cluster, and at an interior beta (a small deterministic case)', () => {
    const sweep = specificHeatSweep({ betas: [1, 2, 8, 256], n: 16, dim: 3, seeds: [1, 2, 3, 4], tEnd: 40, records: 40 });
    expect(sweep.times[0]).toBe(0);
    expect(sweep.times[sweep.times.length - 1]).toBe(40);
    // beta = 1, 2: C rises from the spread tokens while clusters of unequal masses form, and falls to 0 once they
    // have merged into one (before t = 40).
    for (const b of [0, 1]) {
      const c = sweep.curves[b];
      expect(sweep.peakTime[b]).toBeGreaterThan(0);
      expect(sweep.peakTime[b]).toBeLessThan(10);
      expect(sweep.peakValue[b]).toBeGreaterThan(2 * c[0]);
      expect(c[c.length - 1]).toBeLessThan(1e-12);
    }
    // Against beta: small at high temperature (C ~ beta^2), small again when the tokens freeze (at beta = 256
    // within t = 40 only the closest pairs meet), largest in between, in the metastable multi-cluster regime.
    expect(sweep.peakBeta).toBe(8);
    expect(sweep.peakValue[2]).toBeGreaterThan(1.5 * Math.max(sweep.peakValue[0], sweep.peakValue[1], sweep.peakValue[3]));
    console.log(JSON.stringify({ peakTime: Array.from(sweep.peakTime), peakValue: Array.from(sweep.peakValue), peakBeta: sweep.peakBeta }));
  });

  it('reads its options by one schema: required keys, each value, unknown keys with the nearest name', () => {
    const good = { betas: [1], n: 4, dim: 3, seeds: [1], tEnd: 1 };
    const cases: Array<[unknown, RegExp]> = [
      [{ ...good, betas: undefined }, /^betas must be a non-empty array/],
      [{ ...good, betas: [1, 0] }, /^betas\[1\] must be != 0/],
      [{ ...good, betas: [NaN] }, /^betas\[0\] must be a finite number/],
      [{ ...good, n: 0 }, /^n must be an integer >= 1/],
      [{ ...good, dim: undefined }, /^dim must be an integer >= 2, got undefined/],
      [{ ...good, seeds: [] }, /^seeds must be a non-empty array/],
      [{ ...good, tEnd: 0 }, /^tEnd must be a finite number > 0/],
      [{ ...good, integrator: 'euler-maruyama' }, /^integrator must be one of 'euler', 'heun', 'rk4', 'rk45', got/],
      [{ ...good, precision: 'f16' }, /^precision must be one of/],
      [{ ...good, record: 3 }, /unknown option 'record' for specificHeatSweep; did you mean 'records'\?/],
    ];
    for (const [options, pattern] of cases) {
      const e = (() => {
        try {
          specificHeatSweep(options as never);
        } catch (x) {
          return x as Error;
        }
      })();
      expect(e, String(pattern)).toBeInstanceOf(InvalidArgumentError);
      expect(e!.message).toMatch(pattern);
    }
    expect(specificHeatSweep({ ...good, records: 2 }).times).toHaveLength(3);
  });
});
