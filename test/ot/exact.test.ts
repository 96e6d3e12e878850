import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { exactTransport, exactW2, type ExactPlan } from '../../src/ot/exact.js';

const REFERENCE = new URL('../../../shared/reference/ot-pot-public.json', import.meta.url);

interface RefCase {
  name: string;
  n: number;
  m: number;
  d: number;
  x: number[];
  y: number[];
  a: number[];
  b: number[];
  w2sq: number;
}

/** Small deterministic generator (LCG), uniform in [0, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function uniform(n: number, r: () => number, lo = 0.5): Float64Array {
  const w = Float64Array.from({ length: n }, () => lo + r());
  const s = w.reduce((p, q) => p + q, 0);
  return w.map((v) => v / s);
}

function normalised(w: ArrayLike<number>): Float64Array {
  const v = Float64Array.from(w);
  const s = v.reduce((p, q) => p + q, 0);
  return v.map((q) => q / s);
}

function sqCost(x: Float64Array, y: Float64Array, d: number) {
  return (i: number, j: number): number => {
    let s = 0;
    for (let k = 0; k < d; k++) {
      const t = x[i * d + k] - y[j * d + k];
      s += t * t;
    }
    return s;
  };
}

/** Marginals within tol, flows > 0, support at most n + m - 1, cost = <P, C>. */
function expectFeasible(p: ExactPlan, a: Float64Array, b: Float64Array, cost: (i: number, j: number) => number, tol = 1e-12): void {
  const an = normalised(a),
    bn = normalised(b);
  const rs = new Float64Array(a.length),
    cs = new Float64Array(b.length);
  let total = 0;
  for (let k = 0; k < p.flows.length; k++) {
    expect(p.flows[k]).toBeGreaterThan(0);
    rs[p.rows[k]] += p.flows[k];
    cs[p.cols[k]] += p.flows[k];
    total += p.flows[k] * cost(p.rows[k], p.cols[k]);
  }
  for (let i = 0; i < a.length; i++) expect(Math.abs(rs[i] - an[i])).toBeLessThanOrEqual(tol);
  for (let j = 0; j < b.length; j++) expect(Math.abs(cs[j] - bn[j])).toBeLessThanOrEqual(tol);
  expect(p.flows.length).toBeLessThanOrEqual(a.length + b.length - 1);
  expect(Math.abs(total - p.cost)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(p.cost)));
}

/** Dual feasibility (reduced costs >= -1e-9), complementary slackness and strong duality. */
function expectOptimal(p: ExactPlan, a: Float64Array, b: Float64Array, cost: (i: number, j: number) => number): void {
  const { u, v } = p.potentials;
  const an = normalised(a),
    bn = normalised(b);
  let minReduced = Infinity;
  for (let i = 0; i < a.length; i++) for (let j = 0; j < b.length; j++) minReduced = Math.min(minReduced, cost(i, j) - u[i] - v[j]);
  expect(minReduced).toBeGreaterThanOrEqual(-1e-9);
  for (let k = 0; k < p.flows.length; k++) {
    expect(Math.abs(cost(p.rows[k], p.cols[k]) - u[p.rows[k]] - v[p.cols[k]])).toBeLessThanOrEqual(1e-9);
  }
  let dual = 0;
  for (let i = 0; i < a.length; i++) dual += an[i] * u[i];
  for (let j = 0; j < b.length; j++) dual += bn[j] * v[j];
  expect(Math.abs(dual - p.cost)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(p.cost)));
}

function permutations(n: number): number[][] {
  if (n === 1) return [[0]];
  const out: number[][] = [];
  for (const p of permutations(n - 1)) for (let k = 0; k < n; k++) out.push([...p.slice(0, k), n - 1, ...p.slice(k)]);
  return out;
}

describe('exactW2 against POT ot.emd2', () => {
  const haveRef = existsSync(REFERENCE);
  it.skipIf(!haveRef)('reproduces w2sq on every reference case to 1e-6 relative', () => {
    const ref = JSON.parse(readFileSync(REFERENCE, 'utf8')) as { cases: RefCase[] };
    expect(ref.cases.length).toBeGreaterThan(0);
    let largest = { name: '', arcs: 0, ms: 0 };
    for (const c of ref.cases) {
      const x = Float64Array.from(c.x),
        y = Float64Array.from(c.y),
        a = Float64Array.from(c.a),
        b = Float64Array.from(c.b);
      const t0 = performance.now();
      const p = exactW2(x, a, y, b, c.d);
      const ms = performance.now() - t0;
      if (c.n * c.m > largest.arcs) largest = { name: c.name, arcs: c.n * c.m, ms };
      const err = Math.abs(p.cost - c.w2sq);
      expect(err <= Math.max(1e-6 * Math.abs(c.w2sq), 1e-9), `${c.name}: got ${p.cost}, POT ${c.w2sq}`).toBe(true);
      expectFeasible(p, a, b, sqCost(x, y, c.d));
      expectOptimal(p, a, b, sqCost(x, y, c.d));
    }
    console.log(`exactW2: largest reference case ${largest.name} (${largest.arcs} arcs) in ${largest.ms.toFixed(0)} ms`);
  });
  if (!haveRef) it.skip(`reference file ${REFERENCE.pathname} is missing: POT comparison skipped`, () => {});
});

describe('exactTransport', () => {
  it('returns feasible plans with at most n + m - 1 nonzero flows', () => {
    const r = rng(11);
    for (const [n, m, d] of [
      [1, 1, 2],
      [1, 7, 2],
      [9, 1, 3],
      [40, 25, 2],
      [120, 150, 5],
    ]) {
      const x = Float64Array.from({ length: n * d }, r),
        y = Float64Array.from({ length: m * d }, r);
      const a = uniform(n, r),
        b = uniform(m, r);
      const p = exactW2(x, a, y, b, d);
      expectFeasible(p, a, b, sqCost(x, y, d));
      expectOptimal(p, a, b, sqCost(x, y, d));
    }
  });

  it('certifies optimality (reduced costs and strong duality) on random problems', () => {
    const r = rng(5);
    for (let trial = 0; trial < 12; trial++) {
      const n = 2 + Math.floor(r() * 80),
        m = 2 + Math.floor(r() * 80);
      // A non-metric cost, some integer ties, weights with heavy degeneracy.
      const C = Float64Array.from({ length: n * m }, () => (trial % 2 ? Math.floor(r() * 5) : r() * 10 - 3));
      const cost = (i: number, j: number) => C[i * m + j];
      const a = trial % 3 === 0 ? new Float64Array(n).fill(1) : uniform(n, r, 0);
      const b = trial % 3 === 0 ? new Float64Array(m).fill(n / m) : uniform(m, r, 0);
      const p = exactTransport(a, b, cost);
      expectFeasible(p, a, b, cost);
      expectOptimal(p, a, b, cost);
    }
  });

  it('equals the brute-force assignment for n = m = 3..6 with uniform weights', () => {
    const r = rng(42);
    for (let n = 3; n <= 6; n++) {
      for (let trial = 0; trial < 5; trial++) {
        const C = Float64Array.from({ length: n * n }, () => (trial === 0 ? Math.floor(r() * 3) : r()));
        const cost = (i: number, j: number) => C[i * n + j];
        let best = Infinity;
        for (const perm of permutations(n)) best = Math.min(best, perm.reduce((s, j, i) => s + C[i * n + j], 0) / n);
        const w = new Float64Array(n).fill(1 / n);
        const p = exactTransport(w, w, cost);
        expect(Math.abs(p.cost - best)).toBeLessThanOrEqual(1e-12);
        expectFeasible(p, w, w, cost);
      }
    }
  });

  it('matches the sorted-quantile formula in 1-D', () => {
    const r = rng(3);
    for (const n of [1, 2, 10, 300]) {
      const x = Float64Array.from({ length: n }, () => r() * 4 - 2),
        y = Float64Array.from({ length: n }, () => r() * r());
      const w = new Float64Array(n).fill(1);
      const xs = Float64Array.from(x).sort(),
        ys = Float64Array.from(y).sort();
      let want = 0;
      for (let i = 0; i < n; i++) want += (xs[i] - ys[i]) ** 2 / n;
      // The points come unsorted: exactW2 and the generic solver must both find the sorted coupling.
      const p = exactW2(x, w, y, w, 1);
      expect(Math.abs(p.cost - want)).toBeLessThanOrEqual(1e-12 * Math.max(1, want));
      const q = exactTransport(w, w, (i, j) => (x[i] - y[j]) ** 2);
      expect(Math.abs(q.cost - want)).toBeLessThanOrEqual(1e-12 * Math.max(1, want));
    }
  });

  it('drops zero weights and maps indices back', () => {
    const r = rng(8);
    const n = 12,
      m = 9,
      d = 2;
    const x = Float64Array.from({ length: n * d }, r),
      y = Float64Array.from({ length: m * d }, r);
    const a0 = uniform(n, r),
      b0 = uniform(m, r);
    for (const i of [0, 5, 11]) a0[i] = 0;
    for (const j of [3, 8]) b0[j] = 0;
    const a = normalised(a0),
      b = normalised(b0);
    const p = exactW2(x, a, y, b, d);
    expectFeasible(p, a, b, sqCost(x, y, d));
    expectOptimal(p, a, b, sqCost(x, y, d));
    for (let k = 0; k < p.flows.length; k++) {
      expect([0, 5, 11]).not.toContain(p.rows[k]);
      expect([3, 8]).not.toContain(p.cols[k]);
    }
    // Same answer as solving the reduced problem directly.
    const keepA = [...a.keys()].filter((i) => a[i] > 0),
      keepB = [...b.keys()].filter((j) => b[j] > 0);
    const xr = Float64Array.from(keepA.flatMap((i) => [x[2 * i], x[2 * i + 1]]));
    const yr = Float64Array.from(keepB.flatMap((j) => [y[2 * j], y[2 * j + 1]]));
    const q = exactW2(xr, Float64Array.from(keepA.map((i) => a[i])), yr, Float64Array.from(keepB.map((j) => b[j])), d);
    expect(Math.abs(q.cost - p.cost)).toBeLessThanOrEqual(1e-14);
  });

  it('is zero between a measure and itself, duplicated points included', () => {
    const r = rng(9);
    const n = 50,
      d = 3;
    const x = Float64Array.from({ length: n * d }, r);
    x.copyWithin(0, 3 * d, 6 * d); // points 0..2 duplicate 3..5
    const w = new Float64Array(n).fill(1 / n);
    const p = exactW2(x, w, x, w, d);
    expect(Math.abs(p.cost)).toBeLessThanOrEqual(1e-15);
    expectFeasible(p, w, w, sqCost(x, x, d));
  });

  it('normalises the weights, and exactW2 agrees with exactTransport on the same cost', () => {
    const r = rng(21);
    const n = 60,
      m = 45,
      d = 4;
    const x = Float64Array.from({ length: n * d }, r),
      y = Float64Array.from({ length: m * d }, r);
    const a = uniform(n, r).map((v) => v * 7),
      b = uniform(m, r).map((v) => v * 7);
    const p = exactW2(x, a, y, b, d);
    const q = exactTransport(a, b, sqCost(x, y, d));
    expect(Math.abs(p.cost - q.cost)).toBeLessThanOrEqual(1e-12);
    expectFeasible(p, a, b, sqCost(x, y, d));
  });

  it('solves n·m > 4e6 with costs on the fly, optimally', () => {
    const r = rng(77);
    const n = 2100,
      m = 2000,
      d = 2;
    const x = Float64Array.from({ length: n * d }, r),
      y = Float64Array.from({ length: m * d }, r);
    const a = uniform(n, r),
      b = new Float64Array(m).fill(1 / m);
    const t0 = performance.now();
    const p = exactW2(x, a, y, b, d);
    console.log(`exactW2 ${n} x ${m} (d = ${d}, costs on the fly): ${(performance.now() - t0).toFixed(0)} ms, ${p.iterations} pivots`);
    expectFeasible(p, a, b, sqCost(x, y, d));
    expectOptimal(p, a, b, sqCost(x, y, d));
  });

  it('throws InvalidArgumentError on bad input', () => {
    const w = new Float64Array([0.5, 0.5]);
    const c = () => 1;
    const bad: [string, () => unknown][] = [
      ['empty a', () => exactTransport(new Float64Array(0), w, c)],
      ['empty b', () => exactTransport(w, new Float64Array(0), c)],
      ['negative', () => exactTransport(new Float64Array([1.5, -0.5]), w, c)],
      ['NaN', () => exactTransport(new Float64Array([NaN, 1]), w, c)],
      ['Infinity', () => exactTransport(w, new Float64Array([Infinity, 1]), c)],
      ['mass mismatch', () => exactTransport(w, new Float64Array([0.5, 0.6]), c)],
      ['all zero', () => exactTransport(new Float64Array([0, 0]), new Float64Array([0, 0]), c)],
      ['non-finite cost', () => exactTransport(w, w, (i, j) => (i === 1 && j === 0 ? NaN : 1))],
      ['bad d', () => exactW2(new Float64Array(2), w, new Float64Array(2), w, 0)],
      ['x length', () => exactW2(new Float64Array(3), w, new Float64Array(4), w, 2)],
      ['non-finite x', () => exactW2(new Float64Array([0, NaN]), w, new Float64Array(2), w, 1)],
    ];
    for (const [name, f] of bad) expect(f, name).toThrow(InvalidArgumentError);
    // Equal masses within 1e-9 relative are accepted.
    expect(() => exactTransport(w, new Float64Array([0.5, 0.5 + 1e-12]), c)).not.toThrow();
  });
});
