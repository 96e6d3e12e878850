// Every public function that reads a Measure computes the quantity of the measure's space (a circle
// measure's angle θ is the point (cos θ, sin θ) of S¹ ⊂ R², as a sphere measure's points are points of
// S^{d-1} ⊂ R^d) or refuses the space with a named error. References are independent of the library:
// direct double sums, a dense Sinkhorn written here, brute force over permutations, finite differences in angle.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  attention,
  circle,
  clusters,
  hopfield,
  init,
  interactionEnergy,
  linearMemory,
  logSumExp,
  Measure,
  oversmoothing,
  pointCloudMemory,
  simulate,
  sinkhorn,
  sinkhornDivergence,
  slicedWasserstein,
  softmaxMean,
  specificHeat,
  twoLayer,
  wasserstein2,
  wasserstein2Detailed,
} from '../src/index.js';
import { thrown } from './helpers.js';

beforeAll(async () => {
  await init();
});

const cosDiff = (a: number, b: number) => Math.cos(a - b);
/** The chordal cost of two angles: |(cos a, sin a) - (cos b, sin b)|² = 2 - 2 cos(a - b). */
const chord2 = (a: number, b: number) => 2 - 2 * Math.cos(a - b);

describe('kernel functions on circle measures', () => {
  const mu = Measure.uniformCircle(64, { seed: 2 });

  it('interactionEnergy is (1/2β) Σ a_i a_j e^{β cos(θ_i - θ_j)}, the energy the circle flow records', () => {
    let s = 0;
    for (let i = 0; i < mu.size; i++)
      for (let j = 0; j < mu.size; j++) s += mu.weights[i] * mu.weights[j] * Math.exp(9 * cosDiff(mu.points[i], mu.points[j]));
    const direct = s / 18;
    const { energy, logEnergy } = interactionEnergy(mu, { beta: 9 });
    expect(direct).toBeCloseTo(64.4505, 4); // the number the issue quotes, from this double sum
    expect(Math.abs(energy - direct) / direct).toBeLessThan(1e-13);
    expect(Math.abs(logEnergy - Math.log(direct))).toBeLessThan(1e-13);
    const recorded = simulate(circle({ beta: 9 }), mu, { tEnd: 1, observe: { energy: true } }).energy![0];
    expect(Math.abs(energy - recorded) / recorded).toBeLessThan(1e-13);
  });

  it("logSumExp and softmaxMean read angles as points of R² ('dot' and 'sqdist')", () => {
    const x = Measure.uniformCircle(5, { seed: 3 }),
      y = Measure.uniformCircle(7, { seed: 4, weights: [1, 2, 3, 4, 5, 6, 7] });
    const wy = y.weights;
    for (const score of ['dot', 'sqdist'] as const) {
      const lse = logSumExp(x, y, { beta: 3, score });
      for (let i = 0; i < x.size; i++) {
        let s = 0;
        for (let j = 0; j < y.size; j++)
          s += wy[j] * Math.exp(3 * (score === 'dot' ? cosDiff(x.points[i], y.points[j]) : -chord2(x.points[i], y.points[j])));
        expect(Math.abs(lse[i] - Math.log(s))).toBeLessThan(1e-13);
      }
    }
    const values = Array.from(y.points, (t) => [Math.cos(t), Math.sin(t)]);
    const { mean } = softmaxMean(x, y, values, { beta: 2 });
    for (let i = 0; i < x.size; i++) {
      let z = 0,
        mx = 0,
        my = 0;
      for (let j = 0; j < y.size; j++) {
        const e = wy[j] * Math.exp(2 * cosDiff(x.points[i], y.points[j]));
        z += e;
        mx += e * Math.cos(y.points[j]);
        my += e * Math.sin(y.points[j]);
      }
      expect(Math.abs(mean[2 * i] - mx / z)).toBeLessThan(1e-13);
      expect(Math.abs(mean[2 * i + 1] - my / z)).toBeLessThan(1e-13);
    }
    // An average of angles is not an angle: circle values are refused by name.
    expect(thrown(() => softmaxMean(x, y, y)).argument).toBe('values.space');
    // dim, where given, is the embedded dimension 2.
    expect(thrown(() => logSumExp(x, y, { dim: 1 })).argument).toBe('dim');
  });

  it('specificHeat on the circle is Var_a of log Σ_j a_j e^{β cos(θ_i - θ_j)}', () => {
    const m = Measure.uniformCircle(20, { seed: 5 });
    const l = Array.from(m.points, (ti) => Math.log(m.points.reduce((s, tj) => s + Math.exp(4 * cosDiff(ti, tj)) / 20, 0)));
    const mean = l.reduce((s, v) => s + v, 0) / 20;
    const variance = l.reduce((s, v) => s + (v - mean) ** 2, 0) / 20;
    expect(Math.abs(specificHeat(m, { beta: 4 }) - variance)).toBeLessThan(1e-12);
  });

  it('clusters use the wrap-around distance', () => {
    const m = new Measure([0.001, 2 * Math.PI - 0.001, 3], { space: 'circle' });
    expect(clusters(m, { tol: 0.01 }).count).toBe(2);
  });
});

/** Log-domain dense Sinkhorn for cost C (n x m), run far past convergence: the reference plan and OT_eps. */
function denseSinkhorn(C: number[][], a: number[], b: number[], eps: number): { P: number[][]; value: number } {
  const n = a.length,
    m = b.length;
  let f = new Array<number>(n).fill(0),
    g = new Array<number>(m).fill(0);
  const lse = (v: number[]) => {
    const mx = Math.max(...v);
    return mx + Math.log(v.reduce((s, x) => s + Math.exp(x - mx), 0));
  };
  for (let it = 0; it < 20_000; it++) {
    // the self problems (a, a) converge slowly under alternating updates
    f = a.map((_, i) => -eps * lse(b.map((bj, j) => Math.log(bj) + (g[j] - C[i][j]) / eps)));
    g = b.map((_, j) => -eps * lse(a.map((ai, i) => Math.log(ai) + (f[i] - C[i][j]) / eps)));
  }
  const P = a.map((ai, i) => b.map((bj, j) => ai * bj * Math.exp((f[i] + g[j] - C[i][j]) / eps)));
  let value = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) value += P[i][j] * (C[i][j] + eps * Math.log(P[i][j] / (a[i] * b[j])));
  return { P, value };
}

describe('optimal transport on the circle: the chordal cost of the embedded points', () => {
  const a = Measure.uniformCircle(7, { seed: 11, weights: [1, 2, 1, 3, 1, 2, 2] });
  const b = Measure.uniformCircle(5, { seed: 12 });
  const an = a.normalized().weights,
    bn = b.normalized().weights;
  const C = Array.from(a.points, (s) => Array.from(b.points, (t) => chord2(s, t)));

  it('sinkhorn: value, cost and barycentric map (an angle) against a dense Sinkhorn on 2 - 2 cos(θ - φ)', () => {
    const eps = 0.3;
    const ref = denseSinkhorn(C, Array.from(an), Array.from(bn), eps);
    const r = sinkhorn(a, b, { eps, tol: 1e-13 });
    expect(Math.abs(r.value - ref.value)).toBeLessThan(1e-10);
    const T = r.barycentricMap();
    expect(T.length).toBe(a.size); // one angle per point of a
    for (let i = 0; i < a.size; i++) {
      let x = 0,
        y = 0;
      for (let j = 0; j < b.size; j++) {
        x += ref.P[i][j] * Math.cos(b.points[j]);
        y += ref.P[i][j] * Math.sin(b.points[j]);
      }
      let angle = Math.atan2(y, x);
      if (angle < 0) angle += 2 * Math.PI;
      expect(Math.abs(T[i] - angle)).toBeLessThan(1e-9);
      expect(T[i] >= 0 && T[i] < 2 * Math.PI).toBe(true);
    }
  });

  it('sinkhornDivergence: the gradient is dS/dθ (central differences in angle) and ab maps to angles', () => {
    const eps = 0.2;
    const S = (m: Measure) => sinkhornDivergence(m, b, { eps, tol: 1e-13 }).value;
    const s = sinkhornDivergence(a, b, { eps, tol: 1e-13 });
    expect(s.gradient.length).toBe(a.size);
    const h = 1e-5;
    for (let i = 0; i < a.size; i++) {
      const up = Float64Array.from(a.points),
        down = Float64Array.from(a.points);
      up[i] += h;
      down[i] -= h;
      const fd = (S(a.withPoints(up)) - S(a.withPoints(down))) / (2 * h);
      expect(Math.abs(fd - s.gradient[i])).toBeLessThan(1e-7);
    }
    // The value is the debiased combination of three dense solves.
    const Caa = Array.from(a.points, (p) => Array.from(a.points, (q) => chord2(p, q)));
    const Cbb = Array.from(b.points, (p) => Array.from(b.points, (q) => chord2(p, q)));
    const ref =
      denseSinkhorn(C, Array.from(an), Array.from(bn), eps).value -
      (denseSinkhorn(Caa, Array.from(an), Array.from(an), eps).value + denseSinkhorn(Cbb, Array.from(bn), Array.from(bn), eps).value) / 2;
    expect(Math.abs(s.value - ref)).toBeLessThan(1e-10);
    expect(s.ab.barycentricMap().length).toBe(a.size);
  });

  it('wasserstein2: brute force over assignments with the chordal cost', () => {
    const x = Measure.uniformCircle(6, { seed: 21 }),
      y = Measure.uniformCircle(6, { seed: 22 });
    let best = Infinity;
    const perm = [0, 1, 2, 3, 4, 5];
    const visit = (k: number) => {
      if (k === perm.length) {
        best = Math.min(best, perm.reduce((s, j, i) => s + chord2(x.points[i], y.points[j]), 0) / 6);
        return;
      }
      for (let i = k; i < perm.length; i++) {
        [perm[k], perm[i]] = [perm[i], perm[k]];
        visit(k + 1);
        [perm[k], perm[i]] = [perm[i], perm[k]];
      }
    };
    visit(0);
    const r = wasserstein2Detailed(x, y);
    expect(Math.abs(r.value - best)).toBeLessThan(1e-12);
    expect(r.method).toBe('network-simplex');
    expect(wasserstein2(x, y)).toBe(r.value);
  });

  it('slicedWasserstein of two Diracs is half their squared chord', () => {
    const p = new Measure([0.1], { space: 'circle' }),
      q = new Measure([6.0], { space: 'circle' });
    // E_u <u, e(0.1) - e(6.0)>² over uniform unit u in R² = |e(0.1) - e(6.0)|² / 2.
    expect(Math.abs(slicedWasserstein(p, q, { seed: 1, projections: 20_000 }) / (chord2(0.1, 6.0) / 2) - 1)).toBeLessThan(0.02);
  });

  it('takes the point forms of logSumExp (number[][] and flat with dim) as uniform euclidean point sets', () => {
    const x = [
        [0, 0],
        [1, 0],
        [0, 2],
      ],
      y = [
        [1, 1],
        [2, 0],
      ];
    const asMeasures = sinkhorn(new Measure(x), new Measure(y), { eps: 0.5 }).value;
    expect(sinkhorn(x, y, { eps: 0.5 }).value).toBe(asMeasures);
    expect(sinkhorn(x.flat(), new Float64Array(y.flat()), { eps: 0.5, dim: 2 }).value).toBe(asMeasures);
    expect(sinkhornDivergence(x, y, { eps: 0.5 }).value).toBe(sinkhornDivergence(new Measure(x), new Measure(y), { eps: 0.5 }).value);
    expect(wasserstein2(x.flat(), y.flat(), { dim: 2 })).toBe(wasserstein2(new Measure(x), new Measure(y)));
    expect(thrown(() => sinkhorn(x.flat(), y, { eps: 0.5 })).argument).toBe('dim');
  });
});

describe('point-cloud memory on the sphere and the circle', () => {
  it('retrieval moves along the sphere (points stay on it) and lowers the energy', () => {
    const patterns = [Measure.uniformSphere(12, 3, { seed: 1 }), Measure.uniformSphere(12, 3, { seed: 2 })];
    const noisy = Float64Array.from(patterns[0].points, (v, i) => v + 0.05 * Math.sin(7 * i));
    for (let i = 0; i < 12; i++) {
      const r = Math.hypot(noisy[3 * i], noisy[3 * i + 1], noisy[3 * i + 2]);
      for (let c = 0; c < 3; c++) noisy[3 * i + c] /= r;
    }
    const q = new Measure(noisy, { dim: 3, space: 'sphere' });
    const memory = pointCloudMemory({ patterns, beta: 10, sinkhorn: { eps: 0.1, tol: 1e-7 } });
    const out = memory.retrieve(q, { steps: 5 });
    expect(out.steps).toBeGreaterThan(0);
    expect(out.measure.space).toBe('sphere');
    expect(out.energy.at(-1)!).toBeLessThan(out.energy[0]);
    expect(out.nearest).toBe(0);
  });

  it('on the circle a step moves angles along dS/dθ (and refuses a query of another space)', () => {
    const pattern = Measure.equallySpacedCircle(8);
    const memory = pointCloudMemory({ patterns: [pattern], beta: 1, sinkhorn: { eps: 0.05, tol: 1e-12 } });
    const q = new Measure(
      Array.from(pattern.points, (t) => t + 0.2),
      { space: 'circle' },
    );
    const next = memory.step(q, { stepSize: 0.25, massStep: 0 });
    expect(next.space).toBe('circle');
    // Every angle moves back towards the pattern (by symmetry, by the same amount).
    for (let i = 0; i < 8; i++) {
      const moved = ((next.points[i] - q.points[i] + 3 * Math.PI) % (2 * Math.PI)) - Math.PI;
      expect(moved).toBeLessThan(-0.01);
      expect(Math.abs(moved - (next.points[0] - q.points[0]))).toBeLessThan(1e-9);
    }
    expect(memory.energy(next).value).toBeLessThan(memory.energy(q).value);
    expect(thrown(() => memory.energy(new Measure([[1, 0]]))).argument).toBe('q.dim');
    expect(
      thrown(() => pointCloudMemory({ patterns: [pattern, new Measure([0.5], { dim: 1 })], beta: 1, sinkhorn: { eps: 0.1 } })).argument,
    ).toBe('patterns[1].space');
  });
});

describe('functions that use points as vectors refuse circle measures by name', () => {
  const angles = Measure.uniformCircle(6, { seed: 3 });
  it.each([
    ['softmaxMean values', () => softmaxMean([[1, 0]], [[1, 0]], angles), 'values.space'],
    ['hopfield patterns', () => hopfield({ patterns: angles as never, beta: 1 }), 'patterns.space'],
    ['hopfield queries', () => hopfield({ patterns: [[1, 0, 0]], beta: 1 }).retrieve(angles as never), 'queries.space'],
    ['linearMemory keys', () => linearMemory({ keys: angles as never, values: [[1]] }), 'keys.space'],
    ['twoLayer data', () => twoLayer({ data: { X: angles as never, Y: [1, 1, 1, 1, 1, 1] } }), 'data.X.space'],
    [
      'oversmoothing features',
      () =>
        oversmoothing({
          graph: { indptr: [0, 0, 0, 0, 0, 0, 0], indices: [] },
          features: angles as never,
          depth: 2,
          residual: false,
          weights: 'identity',
          seed: 1,
        }),
      'features.space',
    ],
    ['attention flow', () => simulate(attention(), angles, { tEnd: 1 }), 'mu.space'],
  ])('%s', (_name, call, argument) => {
    expect(thrown(call).argument).toBe(argument);
  });
});
