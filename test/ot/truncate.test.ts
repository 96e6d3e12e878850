// Multiscale truncation (options.truncate): the block bound holds, a truncated half-step equals the exact one to
// its bound, and truncated solves reproduce the exact ones (POT reference cases, divergences, plans in the
// caller's order).
import { existsSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { init, InvalidArgumentError, Measure, sinkhorn, sinkhornDivergence } from '../../src/index.js';
import { HalfStep } from '../../src/ot/common.js';
import { blockMask } from '../../src/ot/block-mask.js';
import { kdClusters, LEAF_SIZE, permuteRows, Truncation, type Side } from '../../src/ot/truncate.js';
import { autoTruncates, checkOptions } from '../../src/ot/sinkhorn.js';
import { otPair } from '../../src/ot/common.js';
import { lcg, uniformArray } from '../helpers.js';

const REFERENCE = new URL('../../../shared/reference/ot-pot-public.json', import.meta.url);

beforeAll(async () => {
  await init();
});

/** n points: uniform on [0, 1]^d, or a Gaussian blob (Box–Muller) around 0.5 with std 0.25. */
function points(seed: number, n: number, d: number, gaussian = false): Float64Array {
  const r = lcg(seed);
  if (!gaussian) return uniformArray(r, n * d, 0, 1);
  const out = new Float64Array(n * d);
  for (let i = 0; i < n * d; i++) out[i] = 0.5 + 0.25 * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  return out;
}

describe('k-d clusters', () => {
  it('partition the points into leaves of at most LEAF_SIZE, each within its radius of its centre', () => {
    const d = 3,
      n = 1000,
      x = points(1, n, d);
    const c = kdClusters(x, n, d);
    expect(Array.from(c.order).sort((p, q) => p - q)).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(c.offsets[0]).toBe(0);
    expect(c.offsets[c.K]).toBe(n);
    for (let k = 0; k < c.K; k++) {
      const size = c.offsets[k + 1] - c.offsets[k];
      expect(size).toBeGreaterThan(0);
      expect(size).toBeLessThanOrEqual(LEAF_SIZE);
      for (let s = c.offsets[k]; s < c.offsets[k + 1]; s++) {
        let q = 0;
        for (let j = 0; j < d; j++) q += (x[c.order[s] * d + j] - c.centre[k * d + j]) ** 2;
        expect(Math.sqrt(q)).toBeLessThanOrEqual(c.radius[k] * (1 + 1e-12));
      }
    }
  });
});

/** A problem in cluster order with potentials near a solve's (converged at eps, then perturbed). */
function problem(n: number, m: number, d: number, eps: number, seed: number) {
  const x0 = points(seed, n, d),
    y0 = points(seed + 1, m, d, true);
  const sol = sinkhorn(new Measure(x0, { dim: d }), new Measure(y0, { dim: d }), { eps, tol: 1e-3, precision: 'mixed' });
  const cx = kdClusters(x0, n, d),
    cy = kdClusters(y0, m, d);
  const r = lcg(seed + 2);
  const x = permuteRows(x0, cx.order, d),
    y = permuteRows(y0, cy.order, d);
  // Noise of a few eps: the bound must hold for any potentials, not only converged ones.
  const f = permuteRows(sol.f, cx.order, 1).map((v) => v + 3 * eps * (r() - 0.5));
  const g = permuteRows(sol.g, cy.order, 1).map((v) => v + 3 * eps * (r() - 0.5));
  const a = new Float64Array(n).fill(1 / n),
    b = new Float64Array(m).fill(1 / m);
  const xs: Side = { x, clusters: cx, pot: f, logWeight: a.map(Math.log), weight: a };
  const ys: Side = { x: y, clusters: cy, pot: g, logWeight: b.map(Math.log), weight: b };
  return { x, y, f, g, a, b, xs, ys, cx, cy };
}

describe('the block bound', () => {
  it.each([
    [3000, 2500, 'two levels: groups of leaves, then leaves'],
    [1000, 900, 'one level: every leaf pair'],
  ])('n = %d, m = %d (%s): in every row the skipped blocks carry in total less than e^{-tau² - margin}', (n, m) => {
    const d = 3,
      eps = 0.0005;
    const P = problem(n, m, d, eps, 11);
    const tau2 = 0.5,
      margin = 0;
    const { mask, kept } = blockMask(P.xs, P.ys, d, eps, tau2, margin);
    expect(kept).toBeLessThan(0.97 * n * m); // the test must see skipped blocks
    let worst = -Infinity;
    // The mask's row blocks (mask.rows) need not be the leaves: every row of a block skips the block's skipped keys.
    for (let I = 0; I + 1 < mask.rows.length; I++) {
      const keptKeys = new Uint8Array(m);
      for (let r = mask.ptr[I]; r < mask.ptr[I + 1]; r++) for (let j = mask.ranges[2 * r]; j < mask.ranges[2 * r + 1]; j++) keptKeys[j] = 1;
      for (let i = mask.rows[I]; i < mask.rows[I + 1]; i++) {
        let s = 0;
        for (let j = 0; j < m; j++) {
          if (keptKeys[j]) continue;
          let c = 0;
          for (let k = 0; k < d; k++) c += (P.x[i * d + k] - P.y[j * d + k]) ** 2;
          s += P.b[j] * Math.exp((P.f[i] + P.g[j] - c) / eps);
        }
        if (s > 0) worst = Math.max(worst, Math.log(s));
      }
    }
    expect(worst).toBeLessThan(-tau2 - margin);
  });
});

describe('a truncated half-step', () => {
  it.each([[1.5], [2], [3]])(
    'equals the exact one to its bound at truncate = %d: 0 <= (out - exact)/eps <= -log(1 - e^{-truncate²})',
    (tau) => {
      const d = 3,
        n = 3000,
        m = 2500,
        eps = 0.0005;
      const P = problem(n, m, d, eps, 21 + tau);
      const step = new HalfStep({});
      const exact = new Float64Array(n),
        out = new Float64Array(n);
      step.run(P.x, n, P.y, m, d, P.ys.logWeight, P.g, eps, exact);
      const t = new Truncation(tau, d);
      t.halfStep('f', P.xs, P.ys, eps, out, (mask) => step.run(P.x, n, P.y, m, d, P.ys.logWeight, P.g, eps, out, null, null, 0, mask));
      expect(t.kept).toBeLessThan(t.total);
      const bound = -Math.log1p(-Math.exp(-tau * tau));
      for (let i = 0; i < n; i++) {
        const gap = (out[i] - exact[i]) / eps;
        expect(gap).toBeGreaterThanOrEqual(-1e-12 * Math.max(1, Math.abs(exact[i] / eps)));
        expect(gap).toBeLessThanOrEqual(bound + 1e-12 * Math.max(1, Math.abs(exact[i] / eps)));
      }
    },
  );
});

const rel = (got: number, want: number) => Math.abs(got - want) / Math.max(Math.abs(want), 1e-300);

describe.skipIf(!existsSync(REFERENCE))('truncated solves on the POT reference cases', () => {
  const cases: { name: string; d: number; eps: number; x: number[]; y: number[]; a: number[]; b: number[]; objective: number }[] =
    existsSync(REFERENCE) ? JSON.parse(readFileSync(REFERENCE, 'utf8')).cases : [];
  it.each(cases.map((c) => [c.name, c] as const))('%s: within 1e-6 relative of the exact solve', (_name, c) => {
    const a = new Measure(c.x, { dim: c.d, weights: c.a }),
      b = new Measure(c.y, { dim: c.d, weights: c.b });
    const exact = sinkhornDivergence(a, b, { eps: c.eps });
    const cut = sinkhornDivergence(a, b, { eps: c.eps, truncate: 5 });
    expect(cut.converged).toBe(true);
    expect(rel(cut.ab.value, exact.ab.value)).toBeLessThan(1e-6);
    expect(Math.abs(cut.value - exact.value)).toBeLessThan(1e-6 * Math.abs(exact.ab.value) + 1e-12);
    expect(rel(cut.ab.value, c.objective)).toBeLessThan(1e-6);
  });
});

describe('truncated solves', () => {
  const d = 3;
  const a = new Measure(points(31, 900, d), { dim: d });
  const b = new Measure(points(32, 700, d, true), { dim: d, weights: uniformArray(lcg(33), 700, 0.5, 1.5) });
  const eps = 0.003;

  it("return potentials, plan, rows and barycentric map in the caller's order, equal to the exact solve's", () => {
    const exact = sinkhorn(a, b, { eps, tol: 1e-8 });
    const cut = sinkhorn(a, b, { eps, tol: 1e-8, truncate: 4 });
    expect(cut.converged).toBe(true);
    expect(cut.keptFraction).toBeGreaterThan(0);
    expect(cut.keptFraction).toBeLessThanOrEqual(1);
    expect(rel(cut.value, exact.value)).toBeLessThan(1e-6);
    const shift = (v: Float64Array) => v.map((z) => z - v[0]);
    const fe = shift(exact.f),
      fc = shift(cut.f);
    for (let i = 0; i < fe.length; i++) expect(Math.abs(fc[i] - fe[i])).toBeLessThan(1e-6);
    const Pe = exact.plan(),
      Pc = cut.plan();
    let diff = 0;
    for (let k = 0; k < Pe.length; k++) diff += Math.abs(Pe[k] - Pc[k]);
    expect(diff).toBeLessThan(1e-6);
    expect(Array.from(cut.planRow(123))).toEqual(Array.from(Pc.subarray(123 * 700, 124 * 700)));
    const Te = exact.barycentricMap(),
      Tc = cut.barycentricMap();
    for (let k = 0; k < Te.length; k++) expect(Math.abs(Te[k] - Tc[k])).toBeLessThan(1e-5);
  });

  it('the divergence and its gradient match the exact ones', () => {
    const exact = sinkhornDivergence(a, b, { eps, tol: 1e-8 });
    const cut = sinkhornDivergence(a, b, { eps, tol: 1e-8, truncate: 5 });
    expect(cut.converged).toBe(true);
    expect(Math.abs(cut.value - exact.value)).toBeLessThan(1e-7);
    let g = 0,
      ge = 0;
    for (let k = 0; k < exact.gradient.length; k++) {
      g = Math.max(g, Math.abs(cut.gradient[k] - exact.gradient[k]));
      ge = Math.max(ge, Math.abs(exact.gradient[k]));
    }
    expect(g).toBeLessThan(1e-5 * ge);
  });

  it('self-transport (a with itself) gives S(a, a) = 0 and the exact OT(a, a)', () => {
    const exact = sinkhorn(a, a, { eps }),
      cut = sinkhorn(a, a, { eps, truncate: 5 });
    expect(rel(cut.value, exact.value)).toBeLessThan(1e-6);
    expect(sinkhornDivergence(a, a, { eps, truncate: 5 }).value).toBe(0);
  });

  it.each([
    ['warm started', { warmStart: 'f' }],
    ['unbalanced', { reach: 1 }],
    ["precision 'mixed'", { precision: 'mixed' }],
  ] as const)('%s: the value and the potentials match the exact solve', (_, extra) => {
    const warm = 'warmStart' in extra ? { warmStart: { f: sinkhorn(a, b, { eps: 0.05 }).f } } : {};
    const rest = 'warmStart' in extra ? {} : extra;
    const exact = sinkhorn(a, b, { eps, tol: 1e-8, truncate: false, ...rest, ...warm });
    const cut = sinkhorn(a, b, { eps, tol: 1e-8, truncate: 5, ...rest, ...warm });
    expect(cut.converged).toBe(true);
    expect(cut.keptFraction).toBeLessThan(1);
    expect(rel(cut.value, exact.value)).toBeLessThan(1e-6);
    // Balanced potentials are defined up to a constant; unbalanced ones are not.
    const shift = (v: Float64Array) => ('reach' in rest ? v : v.map((z) => z - v[0]));
    const fe = shift(exact.f),
      fc = shift(cut.f);
    for (let i = 0; i < fe.length; i++) expect(Math.abs(fc[i] - fe[i])).toBeLessThan(1e-6);
  });

  it("truncate 'auto' (the default) takes tau = 5 from 10⁸ pairs in d <= 4 at eps <= diameter²/400, 'mixed' and scaling 0.5", () => {
    const big = (n: number, dim: number) => new Measure(points(41, n, dim), { dim });
    const p = otPair(big(10_000, 3), big(10_000, 3));
    expect(autoTruncates(p, p.diameter2 / 400)).toBe(true);
    expect(autoTruncates(p, p.diameter2 / 399)).toBe(false);
    expect(autoTruncates({ ...p, m: 9_999 }, 1e-3)).toBe(false);
    expect(autoTruncates({ ...p, d: 5 }, 1e-3)).toBe(false);
    const o = checkOptions({ eps: 1e-3 }, p);
    expect(o).toMatchObject({ truncate: 5, precision: 'f64', mixed: true });
    expect(o.schedule[o.schedule.length - 2] / o.schedule[o.schedule.length - 3]).toBeCloseTo(0.25, 12);
    // Explicit options keep their meaning.
    expect(checkOptions({ eps: 1e-3, truncate: false }, p)).toMatchObject({ truncate: false, precision: 'f64', mixed: false });
    expect(checkOptions({ eps: 1e-3, precision: 'f64' }, p)).toMatchObject({ truncate: 5, mixed: false });
    expect(checkOptions({ eps: 1e-3, truncate: 3 }, p)).toMatchObject({ truncate: 3, mixed: false });
    // Small problems stay exact.
    expect(checkOptions({ eps: 1e-3 }, otPair(a, b))).toMatchObject({ truncate: false, mixed: false });
  });

  it("truncate must be a number in (0, 1000], false or 'auto'", () => {
    for (const bad of [0, -1, NaN, Infinity, 1001, '5', true, null]) {
      expect(() => sinkhorn(a, b, { eps, truncate: bad as never })).toThrow(InvalidArgumentError);
    }
  });
});
