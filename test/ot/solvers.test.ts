import { existsSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  attention,
  gaussianW2,
  init,
  InvalidArgumentError,
  Measure,
  sinkhorn,
  sinkhornDivergence,
  slicedWasserstein,
  wasserstein2,
  Random,
} from '../../src/index.js';
import { sortedW2 } from '../../src/ot/wasserstein.js';
import { exactW2 } from '../../src/ot/exact.js';

const REFERENCE = new URL('../../../shared/reference/ot-pot-public.json', import.meta.url);

interface RefCase {
  name: string;
  n: number;
  m: number;
  d: number;
  eps: number;
  x: number[];
  y: number[];
  a: number[];
  b: number[];
  cost: number;
  objective: number;
  divergence: number;
  w2sq: number;
  f?: (number | null)[];
  g?: (number | null)[];
}

beforeAll(async () => {
  await init();
});

/** Within 1e-6 relative or 1e-9 absolute. */
function close(got: number, want: number): boolean {
  return Math.abs(got - want) <= Math.max(1e-6 * Math.abs(want), 1e-9);
}

/** Max difference after centring both on the entries the reference defines. */
function centredPotentialError(got: Float64Array, want: (number | null)[]): number {
  const idx = want.map((v, i) => (v === null ? -1 : i)).filter((i) => i >= 0);
  const mean = (v: ArrayLike<number>) => idx.reduce((s, i) => s + (v[i] as number), 0) / idx.length;
  const mg = mean(got),
    mw = mean(want as number[]);
  return Math.max(...idx.map((i) => Math.abs(got[i] - mg - ((want[i] as number) - mw))));
}

function maxCost(c: RefCase): number {
  let m = 0;
  for (let i = 0; i < c.n; i++)
    for (let j = 0; j < c.m; j++) {
      let s = 0;
      for (let k = 0; k < c.d; k++) s += (c.x[i * c.d + k] - c.y[j * c.d + k]) ** 2;
      m = Math.max(m, s);
    }
  return m;
}

describe.skipIf(!existsSync(REFERENCE))('POT reference values (shared/reference/ot-pot-public.json)', () => {
  const cases: RefCase[] = existsSync(REFERENCE) ? JSON.parse(readFileSync(REFERENCE, 'utf8')).cases : [];
  it.each(cases.map((c) => [c.name, c] as const))('%s: objective, cost, divergence, w2sq, potentials', (_name, c) => {
    const a = new Measure(c.x, { dim: c.d, weights: c.a });
    const b = new Measure(c.y, { dim: c.d, weights: c.b });
    const s = sinkhornDivergence(a, b, { eps: c.eps, tol: 1e-9 });
    expect(s.converged).toBe(true);
    expect(close(s.ab.value, c.objective)).toBe(true);
    expect(close(s.ab.cost, c.cost)).toBe(true);
    expect(close(s.value, c.divergence)).toBe(true);
    expect(close(wasserstein2(a, b), c.w2sq)).toBe(true);
    // Potentials are determined to working precision only while eps is not tiny against the costs:
    // below eps / max C = 1e-3 (where the reference itself switches algorithm) the exponentially
    // small off-plan entries underflow and any point of a whole face of duals fits the marginals.
    if (c.f && c.g && c.eps / maxCost(c) >= 1e-3) {
      expect(centredPotentialError(s.ab.f, c.f)).toBeLessThan(1e-5);
      expect(centredPotentialError(s.ab.g, c.g)).toBeLessThan(1e-5);
    }
  });
});

describe.skipIf(!existsSync(REFERENCE))('the default tol (1e-6) against POT', () => {
  const cases: RefCase[] = existsSync(REFERENCE) ? JSON.parse(readFileSync(REFERENCE, 'utf8')).cases : [];
  it.each(cases.map((c) => [c.name, c] as const))(
    '%s: value and cost within 2 tol relative; S_eps within 2 tol of the OT values',
    (_name, c) => {
      const a = new Measure(c.x, { dim: c.d, weights: c.a });
      const b = new Measure(c.y, { dim: c.d, weights: c.b });
      const s = sinkhornDivergence(a, b, { eps: c.eps });
      expect(s.converged).toBe(true);
      expect(Math.abs(s.ab.value - c.objective)).toBeLessThanOrEqual(2e-6 * Math.abs(c.objective) + 1e-15);
      expect(Math.abs(s.ab.cost - c.cost)).toBeLessThanOrEqual(2e-6 * Math.abs(c.cost) + 1e-15);
      // S_eps is a difference of three OT values, each within 2 tol of itself.
      const scale = Math.max(Math.abs(s.ab.value), Math.abs(s.aa.value), Math.abs(s.bb.value));
      expect(Math.abs(s.value - c.divergence)).toBeLessThanOrEqual(2e-6 * scale + 1e-15);
    },
  );
});

function cloud(seed: number, n: number, d: number, shift = 0): Measure {
  const rng = new Random(seed);
  const w = Array.from({ length: n }, () => 0.2 + rng.next());
  return new Measure(Measure.uniformBox(n, d, { seed, low: shift, high: shift + 1 }).points, { dim: d, weights: w }).normalized();
}

describe('Sinkhorn', () => {
  it('the plan has the requested marginals; its barycentric map and rows agree with plan()', () => {
    const a = cloud(1, 40, 2),
      b = cloud(2, 30, 2, 0.3);
    const r = sinkhorn(a, b, { eps: 0.05, tol: 1e-10 });
    const P = r.plan();
    let err = 0;
    for (let i = 0; i < 40; i++) {
      let s = 0;
      for (let j = 0; j < 30; j++) s += P[i * 30 + j];
      err += Math.abs(s - a.weights[i]);
    }
    for (let j = 0; j < 30; j++) {
      let s = 0;
      for (let i = 0; i < 40; i++) s += P[i * 30 + j];
      err += Math.abs(s - b.weights[j]);
    }
    expect(err).toBeLessThan(1e-10);
    expect(Math.abs(r.marginalError - err)).toBeLessThan(1e-12);
    const T = r.barycentricMap();
    for (const i of [0, 17, 39]) {
      expect(Array.from(r.planRow(i))).toEqual(Array.from(P.subarray(i * 30, i * 30 + 30)));
      for (let c = 0; c < 2; c++) {
        let s = 0;
        for (let j = 0; j < 30; j++) s += P[i * 30 + j] * b.points[j * 2 + c];
        expect(T[i * 2 + c]).toBeCloseTo(s / a.weights[i], 12);
      }
    }
    // OT = <a, f> + <b, g> at convergence, and the gauge <a, f> = <b, g>.
    const af = a.weights.reduce((s, w, i) => s + w * r.f[i], 0),
      bg = b.weights.reduce((s, w, j) => s + w * r.g[j], 0);
    expect(Math.abs(af + bg - r.value)).toBeLessThan(1e-10);
    expect(Math.abs(af - bg)).toBeLessThan(1e-12);
  });

  it('a warm start from converged potentials needs almost no iterations', () => {
    const a = cloud(3, 60, 3),
      b = cloud(4, 50, 3);
    const cold = sinkhorn(a, b, { eps: 0.01, tol: 1e-9 });
    const warm = sinkhorn(a, b, { eps: 0.01, tol: 1e-9, warmStart: { f: cold.f, g: cold.g } });
    expect(warm.iterations).toBeLessThanOrEqual(2);
    expect(Math.abs(warm.value - cold.value)).toBeLessThan(1e-9);
  });

  it('f32 stays within 1e-4 relative of f64; wasm agrees with js', () => {
    const a = cloud(5, 200, 3),
      b = cloud(6, 150, 3, 0.2);
    const r64 = sinkhorn(a, b, { eps: 0.05 });
    const r32 = sinkhorn(a, b, { eps: 0.05, precision: 'f32', tol: 1e-6 });
    const rjs = sinkhorn(a, b, { eps: 0.05, backend: 'js' });
    expect(Math.abs(r32.value - r64.value) / r64.value).toBeLessThan(1e-4);
    expect(Math.abs(r32.cost - r64.cost) / r64.cost).toBeLessThan(1e-4);
    expect(Math.abs(rjs.value - r64.value) / r64.value).toBeLessThan(1e-12);
  });

  it('reports non-convergence without throwing', () => {
    const a = cloud(7, 30, 2),
      b = cloud(8, 30, 2);
    const r = sinkhorn(a, b, { eps: 0.001, maxIter: 3, scaling: false });
    expect(r.converged).toBe(false);
    expect(r.marginalError).toBeGreaterThan(1e-6);
    expect(r.warning).toMatch(/did not reach tol = 1e-6 within maxIter = 3/);
  });
});

describe('Sinkhorn divergence', () => {
  it('S(a, a) = 0, S >= 0, S symmetric', () => {
    for (let t = 0; t < 5; t++) {
      const a = cloud(10 + t, 25 + t, 2),
        b = cloud(20 + t, 18 + 2 * t, 2, 0.1 * t);
      const eps = [0.5, 0.1, 0.05, 0.01, 0.005][t];
      // Zero up to the solver's accuracy: marginal errors <= tol times potentials of order 1.
      expect(Math.abs(sinkhornDivergence(a, a, { eps, tol: 1e-13 }).value)).toBeLessThan(1e-12);
      const ab = sinkhornDivergence(a, b, { eps, tol: 1e-13 }).value,
        ba = sinkhornDivergence(b, a, { eps, tol: 1e-13 }).value;
      expect(ab).toBeGreaterThanOrEqual(0);
      expect(Math.abs(ab - ba)).toBeLessThan(1e-10 * Math.max(1, ab));
    }
  });

  it('approaches W2² as eps -> 0', () => {
    const a = cloud(30, 40, 2),
      b = cloud(31, 35, 2, 0.5);
    const w2 = wasserstein2(a, b);
    const gaps = [0.1, 0.03, 0.01, 0.003, 0.001].map((eps) => Math.abs(sinkhornDivergence(a, b, { eps }).value - w2));
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]).toBeLessThan(gaps[i - 1]);
    expect(gaps[gaps.length - 1]).toBeLessThan(0.01 * w2);
  });

  it('gradients match central finite differences (positions and weights)', () => {
    const a = cloud(40, 12, 2),
      b = cloud(41, 9, 2, 0.4);
    const eps = 0.1;
    const S = (m: Measure) => sinkhornDivergence(m, b, { eps, tol: 1e-13 }).value;
    const s = sinkhornDivergence(a, b, { eps, tol: 1e-13 });
    const h = 1e-6;
    for (const i of [0, 5, 11]) {
      for (let c = 0; c < 2; c++) {
        const plus = Float64Array.from(a.points),
          minus = Float64Array.from(a.points);
        plus[i * 2 + c] += h;
        minus[i * 2 + c] -= h;
        const fd = (S(a.withPoints(plus)) - S(a.withPoints(minus))) / (2 * h);
        expect(Math.abs(fd - s.gradient[i * 2 + c])).toBeLessThan(1e-7);
      }
    }
    // Tangent weight directions: move mass from point k to point i.
    for (const [i, k] of [
      [0, 1],
      [4, 9],
      [11, 2],
    ]) {
      const shifted = (t: number) => {
        const w = Float64Array.from(a.weights);
        w[i] += t;
        w[k] -= t;
        return new Measure(a.points, { dim: 2, weights: w });
      };
      const fd = (S(shifted(h)) - S(shifted(-h))) / (2 * h);
      expect(Math.abs(fd - (s.weightGradient[i] - s.weightGradient[k]))).toBeLessThan(1e-7);
    }
  });
});

describe('Wasserstein distances', () => {
  it('the 1-D sorting formula agrees with the LP solver (any weights)', () => {
    for (let t = 0; t < 5; t++) {
      const a = cloud(50 + t, 30 + 7 * t, 1),
        b = cloud(60 + t, 25 + 3 * t, 1, 0.2);
      const lp = exactW2(a.points, a.weights, b.points, b.weights, 1).cost;
      expect(Math.abs(sortedW2(a.points, a.weights, b.points, b.weights) - lp)).toBeLessThan(1e-12);
      expect(Math.abs(wasserstein2(a, b) - lp)).toBeLessThan(1e-12);
    }
  });

  it('sliced W2² is below W2², seeded, and exact in 1-D', () => {
    const a = cloud(70, 50, 3),
      b = cloud(71, 40, 3, 0.3);
    const sw = slicedWasserstein(a, b, { projections: 200, seed: 1 });
    expect(sw).toBeLessThanOrEqual(wasserstein2(a, b));
    expect(slicedWasserstein(a, b, { projections: 200, seed: 1 })).toBe(sw);
    const a1 = cloud(72, 40, 1),
      b1 = cloud(73, 30, 1);
    expect(slicedWasserstein(a1, b1, { projections: 3, seed: 2 })).toBeCloseTo(wasserstein2(a1, b1), 14);
  });

  it('the Bures closed form matches large samples (tolerance from the sample size)', () => {
    // d = 1: the sorting formula on n = 200 000 samples per side. The statistical error of the
    // empirical W2² is O(n^{-1/2}) times the spread of the Kantorovich potentials: 10 / sqrt(n).
    const n = 200_000;
    const g1 = Measure.gaussian(n, 1, { seed: 1, mean: 0.5, std: 2 });
    const g2 = Measure.gaussian(n, 1, { seed: 2, mean: -1, std: 0.5 });
    const exact = gaussianW2([0.5], [[4]], [-1], [[0.25]]);
    expect(exact).toBeCloseTo(1.5 ** 2 + 1.5 ** 2, 12);
    expect(Math.abs(wasserstein2(g1, g2) - exact)).toBeLessThan(10 / Math.sqrt(n));
    // d = 2, correlated covariances: exact LP on n = 600 samples per side, tolerance 60 / sqrt(n)
    // (W2² is about 3 here; the empirical estimate is biased upward by O(log n / n) in 2-D).
    const m = 600;
    const L1 = [
        [1, 0],
        [0.6, 0.5],
      ],
      L2 = [
        [0.7, 0],
        [-0.3, 0.9],
      ];
    const S = (L: number[][]) => [
      [L[0][0] ** 2, L[0][0] * L[1][0]],
      [L[0][0] * L[1][0], L[1][0] ** 2 + L[1][1] ** 2],
    ];
    const draw = (seed: number, mean: number[], L: number[][]) => {
      const z = Measure.gaussian(m, 2, { seed });
      const p = new Float64Array(2 * m);
      for (let i = 0; i < m; i++) {
        p[2 * i] = mean[0] + L[0][0] * z.points[2 * i];
        p[2 * i + 1] = mean[1] + L[1][0] * z.points[2 * i] + L[1][1] * z.points[2 * i + 1];
      }
      return new Measure(p, { dim: 2 });
    };
    const bures = gaussianW2([0, 0], S(L1), [1, 1], S(L2));
    const empirical = wasserstein2(draw(3, [0, 0], L1), draw(4, [1, 1], L2));
    expect(Math.abs(empirical - bures)).toBeLessThan((60 / Math.sqrt(m)) * 0.1 + 0.1 * bures);
  });
});

describe('Sinkformer attention', () => {
  it("normalization 'sinkhorn' makes attention doubly stochastic with respect to the weights", () => {
    // On R^d with V = I the velocity is P x; sum_i a_i (P x)_i = sum_j (sum_i a_i P_ij) x_j = sum_j a_j x_j
    // exactly when the columns are balanced. Softmax attention does not balance them.
    const mu = Measure.gaussian(40, 5, { seed: 9, std: 0.6 });
    const v = new Float64Array(200);
    const balanced = (normalization: 'sinkhorn' | 'softmax', sinkhornIterations = 60) => {
      attention({ beta: 1.5, space: 'euclidean', normalization, sinkhornIterations }).velocity(mu.points, mu.weights, 5, v);
      let worst = 0;
      for (let c = 0; c < 5; c++) {
        let lhs = 0,
          rhs = 0;
        for (let i = 0; i < 40; i++) {
          lhs += mu.weights[i] * v[i * 5 + c];
          rhs += mu.weights[i] * mu.points[i * 5 + c];
        }
        worst = Math.max(worst, Math.abs(lhs - rhs));
      }
      return worst;
    };
    expect(balanced('sinkhorn')).toBeLessThan(1e-10);
    expect(balanced('softmax')).toBeGreaterThan(1e-3);
    expect(balanced('sinkhorn', 1)).toBeLessThan(balanced('softmax'));
  });
});

describe('bad input', () => {
  const a = cloud(1, 5, 2),
    b = cloud(2, 4, 2),
    c3 = cloud(3, 4, 3);
  it('names the argument, the value and the rule', () => {
    const bad: Array<[() => unknown, RegExp]> = [
      [() => sinkhorn(a, b, { eps: 0 }), /eps must be a finite number > 0, got 0/],
      [() => sinkhorn(a, b, { eps: -1 }), /eps must be a finite number > 0, got -1/],
      [() => sinkhorn(a, b, { eps: Infinity }), /eps must be a finite number > 0, got Infinity/],
      [() => sinkhorn(a, c3, { eps: 0.1 }), /b must have the dimension 2 of a, got "points of dimension 3"/],
      [() => sinkhorn(a, b, { eps: 0.1, tol: 0 }), /tol must be a finite number > 0, got 0/],
      [() => sinkhorn(a, b, { eps: 0.1, maxIter: 0 }), /maxIter must be an integer >= 1, got 0/],
      [() => sinkhorn(a, b, { eps: 0.1, scaling: 1.5 }), /scaling must be a number in \(0, 1\) or false, got 1.5/],
      [() => sinkhorn('x' as never, b, { eps: 0.1 }), /a must be a Measure, number\[\]\[\] \(one row per point\) or a flat/],
      [() => sinkhorn([0, 1], b, { eps: 0.1 }), /dim is required when a is a flat array/],
      [() => sinkhornDivergence(a, b, { eps: NaN }), /eps must be a finite number > 0, got NaN/],
      [() => wasserstein2(a, c3), /b must have the dimension 2 of a/],
      [() => slicedWasserstein(a, b, {} as never), /seed is required/],
      [
        () =>
          gaussianW2(
            [0, 0],
            [
              [1, 2],
              [0, 1],
            ],
            [0, 0],
            [
              [1, 0],
              [0, 1],
            ],
          ),
        /S1 must be symmetric/,
      ],
      [
        () =>
          gaussianW2(
            [0, 0],
            [
              [1, 0],
              [0, -1],
            ],
            [0, 0],
            [
              [1, 0],
              [0, 1],
            ],
          ),
        /S1 must be positive semi-definite, got "an eigenvalue -1"/,
      ],
      [() => attention({ normalization: 'sinkhorn', mask: 'causal' }), /mask must be 'none' with normalization 'sinkhorn'/],
    ];
    for (const [call, message] of bad) {
      expect(call).toThrow(InvalidArgumentError);
      expect(call).toThrow(message);
    }
    // A measure with no positive weight cannot be built at all.
    expect(() => new Measure([[0, 0]], { weights: [0] })).toThrow(/weights must not all be zero/);
  });
});
