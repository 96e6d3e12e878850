// Unbalanced entropic OT (options.reach): POT references, the balanced limit, the debiased divergence,
// gradients by finite differences, and the option's checks.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { init, InvalidArgumentError, Measure, Random, sinkhorn, sinkhornDivergence, UnknownOptionError } from '../../src/index.js';

const REFERENCE = new URL('./reference/ot-unbalanced-pot.json', import.meta.url);

interface RefCase {
  name: string;
  n: number;
  m: number;
  d: number;
  eps: number;
  reach: number;
  x: number[];
  y: number[];
  a: number[];
  b: number[];
  cost: number;
  objective: number;
  dual: number;
  rowMarginal: number[];
  colMarginal: number[];
  mass: number;
  f: number[];
  g: number[];
  plan: number[];
  gap: number;
  residual: number;
}

const cases: RefCase[] = JSON.parse(readFileSync(REFERENCE, 'utf8')).cases;

beforeAll(async () => {
  await init();
});

/** Generalised KL(p | q) = sum p log(p/q) - p + q. */
function gkl(p: ArrayLike<number>, q: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) s += (p[i] > 0 ? p[i] * Math.log(p[i] / q[i]) : 0) - p[i] + q[i];
  return s;
}

function maxAbsDiff(u: ArrayLike<number>, v: ArrayLike<number>): number {
  let e = 0;
  for (let i = 0; i < u.length; i++) e = Math.max(e, Math.abs(u[i] - v[i]));
  return e;
}

/** Points in [lo, lo + 1]^d with weights of total mass `mass`. */
function cloud(seed: number, n: number, d: number, mass: number, lo = 0): Measure {
  const rng = new Random(seed);
  const w = Array.from({ length: n }, () => 0.2 + rng.next());
  const s = w.reduce((t, v) => t + v, 0);
  return new Measure(Measure.uniformBox(n, d, { seed, low: lo, high: lo + 1 }).points, { dim: d, weights: w.map((v) => (mass * v) / s) });
}

describe('unbalanced Sinkhorn against POT 0.8.2 (test/ot/reference/ot-unbalanced-pot.json)', () => {
  it('the reference is tight: duality gap and fixed-point residual of every case below 1e-12', () => {
    expect(cases.length).toBeGreaterThanOrEqual(27);
    for (const c of cases) {
      expect(Math.abs(c.gap)).toBeLessThan(1e-12);
      expect(c.residual).toBeLessThan(1e-12);
    }
    expect(new Set(cases.map((c) => c.d))).toEqual(new Set([1, 2, 3]));
    expect(cases.some((c) => Math.abs(c.a.reduce((s, v) => s + v, 0) - c.b.reduce((s, v) => s + v, 0)) > 0.5)).toBe(true);
  });

  // POT's plan is within ~1e-13 of the optimum (gap and residual above); ours is solved to an L1 marginal
  // residual of 1e-11, so the objective (stationary in the potentials) agrees to ~1e-12 and the plan, its
  // marginals and the potentials to ~1e-11 / eps. The bounds below leave a factor of 100 or more.
  it.each(cases.map((c) => [c.name, c] as const))('%s: objective, cost, marginals, potentials, plan', (_name, c) => {
    const A = new Measure(c.x, { dim: c.d, weights: c.a });
    const B = new Measure(c.y, { dim: c.d, weights: c.b });
    const r = sinkhorn(A, B, { eps: c.eps, reach: c.reach, tol: 1e-11 });
    expect(r.converged).toBe(true);
    const scale = Math.max(1, Math.abs(c.objective));
    expect(Math.abs(r.value - c.objective)).toBeLessThan(1e-10 * scale);
    expect(Math.abs(r.cost - c.cost)).toBeLessThan(1e-9 * Math.max(1, c.cost));
    expect(maxAbsDiff(r.f, c.f)).toBeLessThan(1e-8);
    expect(maxAbsDiff(r.g, c.g)).toBeLessThan(1e-8);
    const P = r.plan();
    expect(maxAbsDiff(P, c.plan)).toBeLessThan(1e-9);
    const rows = new Float64Array(c.n),
      cols = new Float64Array(c.m);
    for (let i = 0; i < c.n; i++)
      for (let j = 0; j < c.m; j++) {
        rows[i] += P[i * c.m + j];
        cols[j] += P[i * c.m + j];
      }
    expect(maxAbsDiff(rows, c.rowMarginal)).toBeLessThan(1e-10);
    expect(maxAbsDiff(cols, c.colMarginal)).toBeLessThan(1e-10);
    // The primal value of our plan equals our (dual) objective: <P,C> + eps KL(P|a⊗b) + rho KL(P1|a) + rho KL(P^T 1|b).
    const ab = new Float64Array(c.n * c.m);
    for (let i = 0; i < c.n; i++) for (let j = 0; j < c.m; j++) ab[i * c.m + j] = c.a[i] * c.b[j];
    const primal = r.cost + c.eps * gkl(P, ab) + c.reach * gkl(rows, c.a) + c.reach * gkl(cols, c.b);
    expect(Math.abs(primal - r.value)).toBeLessThan(1e-10 * scale);
  });

  it('the default tol (1e-9) already matches POT to 1e-8 relative, on every case', () => {
    for (const c of cases) {
      const r = sinkhorn(new Measure(c.x, { dim: c.d, weights: c.a }), new Measure(c.y, { dim: c.d, weights: c.b }), {
        eps: c.eps,
        reach: c.reach,
      });
      expect(r.converged).toBe(true);
      expect(Math.abs(r.value - c.objective)).toBeLessThan(1e-8 * Math.max(1, Math.abs(c.objective)));
    }
  });

  it('js backend, no eps-scaling and a warm start reach the same answer', () => {
    const c = cases.find((k) => k.d === 2 && k.eps === 0.05 && k.reach === 1)!;
    const A = new Measure(c.x, { dim: c.d, weights: c.a }),
      B = new Measure(c.y, { dim: c.d, weights: c.b });
    const base = sinkhorn(A, B, { eps: c.eps, reach: c.reach, tol: 1e-12 });
    for (const extra of [
      { backend: 'js' as const },
      { scaling: false as const },
      { warmStart: { f: base.f } },
      { warmStart: { f: base.f, g: base.g } },
    ]) {
      const r = sinkhorn(A, B, { eps: c.eps, reach: c.reach, tol: 1e-12, ...extra });
      expect(r.converged).toBe(true);
      expect(Math.abs(r.value - c.objective)).toBeLessThan(1e-10 * Math.max(1, Math.abs(c.objective)));
    }
  });
});

describe('reach → ∞ tends to balanced OT', () => {
  it('OT_{eps,rho} increases with rho to OT_eps (probability measures), and S_{eps,rho} tends to S_eps', () => {
    const A = cloud(3, 9, 2, 1),
      B = cloud(4, 11, 2, 1, 0.3);
    for (const eps of [0.05, 0.5]) {
      const balanced = sinkhorn(A, B, { eps });
      const values = [0.01, 0.1, 1, 10, 100, 1e3, 1e4, 1e6].map((reach) => sinkhorn(A, B, { eps, reach }).value);
      for (let k = 1; k < values.length; k++) expect(values[k]).toBeGreaterThan(values[k - 1]);
      expect(values[values.length - 1]).toBeLessThanOrEqual(balanced.value + 1e-12);
      // The gap closes like 1/rho.
      expect(balanced.value - values[values.length - 1]).toBeLessThan(1e-5);
      expect(balanced.value - values[values.length - 2]).toBeLessThan(1e-3);
      const sb = sinkhornDivergence(A, B, { eps });
      const su = sinkhornDivergence(A, B, { eps, reach: 1e6 });
      expect(Math.abs(su.value - sb.value)).toBeLessThan(1e-5);
      // Potentials and weight gradients too (balanced ones up to the simplex's constant).
      const r = sinkhorn(A, B, { eps, reach: 1e6 });
      const shift = r.f[0] - balanced.f[0];
      expect(
        maxAbsDiff(
          r.f.map((v) => v - shift),
          balanced.f,
        ),
      ).toBeLessThan(1e-4);
      const wb = sb.weightGradient,
        wu = su.weightGradient;
      expect(
        maxAbsDiff(
          wu.map((v) => v - (wu[0] - wb[0])),
          wb,
        ),
      ).toBeLessThan(1e-4);
      expect(maxAbsDiff(su.gradient, sb.gradient)).toBeLessThan(1e-5);
    }
  });

  it('balanced calls are untouched: reach is opt-in, and weights are normalised only without it', () => {
    const A = cloud(5, 6, 1, 3),
      B = cloud(6, 7, 1, 0.5);
    const bal = sinkhorn(A, B, { eps: 0.1 });
    const balN = sinkhorn(A.normalized(), B.normalized(), { eps: 0.1 });
    expect(Math.abs(bal.value - balN.value)).toBeLessThan(1e-15);
    const u = sinkhorn(A, B, { eps: 0.1, reach: 1 });
    const uN = sinkhorn(A.normalized(), B.normalized(), { eps: 0.1, reach: 1 });
    expect(Math.abs(u.value - uN.value)).toBeGreaterThan(1e-3);
  });
});

describe('unbalanced Sinkhorn divergence', () => {
  it('S(a, a) = 0 for unequal masses; S >= 0 on random cases (shifted clouds, unequal masses, d = 1..3)', () => {
    for (const d of [1, 2, 3]) {
      const A = cloud(10 + d, 8, d, 1.7);
      for (const reach of [0.05, 1, 30]) {
        expect(Math.abs(sinkhornDivergence(A, A, { eps: 0.1, reach }).value)).toBeLessThan(1e-12);
        expect(Math.abs(sinkhornDivergence(A, A.copy(), { eps: 0.1, reach }).value)).toBeLessThan(1e-12);
      }
    }
    let count = 0;
    for (let seed = 0; seed < 12; seed++) {
      const rng = new Random(100 + seed);
      const d = 1 + (seed % 3);
      const A = cloud(2 * seed + 1, 4 + (seed % 5), d, 0.3 + 2 * rng.next());
      const B = cloud(2 * seed + 2, 5 + (seed % 4), d, 0.3 + 2 * rng.next(), rng.next());
      for (const eps of [0.02, 0.3]) {
        for (const reach of [0.01, 0.5, 20]) {
          const s = sinkhornDivergence(A, B, { eps, reach });
          expect(s.converged).toBe(true);
          expect(s.value).toBeGreaterThanOrEqual(0);
          count++;
        }
      }
    }
    expect(count).toBe(72);
  });

  it('the mass correction (eps/2)(m(a) - m(b))^2 is added: same points, masses 1 and 2', () => {
    const A = cloud(7, 6, 2, 1);
    const A2 = new Measure(A.points, { dim: 2, weights: A.weights.map((w) => 2 * w) });
    const eps = 0.1,
      reach = 0.7;
    const s = sinkhornDivergence(A, A2, { eps, reach });
    expect(s.value).toBeGreaterThan(0);
    const raw = s.ab.value - (s.aa.value + s.bb.value) / 2;
    expect(s.value - raw).toBeCloseTo((eps / 2) * (1 - 2) ** 2, 14);
    // For a pure mass change the value is GeomLoss's closed form
    // <a, (rho + eps/2)(e^{-f_aa/rho} - e^{-f_ab/rho})> + <b, (rho + eps/2)(e^{-g_bb/rho} - e^{-g_ab/rho})>.
    const w = (u: number) => (reach + eps / 2) * u;
    let gl = 0;
    for (let i = 0; i < 6; i++) {
      gl += A.weights[i] * w(Math.exp(-s.aa.f[i] / reach) - Math.exp(-s.ab.f[i] / reach));
      gl += A2.weights[i] * w(Math.exp(-s.bb.f[i] / reach) - Math.exp(-s.ab.g[i] / reach));
    }
    expect(Math.abs(gl - s.value)).toBeLessThan(1e-10);
  });

  it('gradients in the points and the weights match central finite differences', () => {
    const d = 2,
      eps = 0.2,
      reach = 0.5,
      h = 1e-5;
    const A = cloud(21, 5, d, 1.4),
      B = cloud(22, 6, d, 0.6, 0.2);
    const opts = { eps, reach, tol: 1e-13 };
    const s = sinkhornDivergence(A, B, opts);
    const S = (x: Float64Array, w: Float64Array) => sinkhornDivergence(new Measure(x, { dim: d, weights: w }), B, opts).value;
    let err = 0,
      top = 0;
    for (let k = 0; k < A.points.length; k++) {
      const xp = A.points.slice(),
        xm = A.points.slice();
      xp[k] += h;
      xm[k] -= h;
      const fd = (S(xp, A.weights) - S(xm, A.weights)) / (2 * h);
      err = Math.max(err, Math.abs(fd - s.gradient[k]));
      top = Math.max(top, Math.abs(fd));
    }
    expect(top).toBeGreaterThan(1e-2);
    expect(err).toBeLessThan(1e-7);
    err = 0;
    for (let i = 0; i < A.size; i++) {
      const wp = A.weights.slice(),
        wm = A.weights.slice();
      wp[i] += h;
      wm[i] -= h;
      const fd = (S(A.points, wp) - S(A.points, wm)) / (2 * h);
      err = Math.max(err, Math.abs(fd - s.weightGradient[i]));
    }
    expect(err).toBeLessThan(1e-7);
  });

  it('potentials: dOT/da_i = rho - (rho + eps) e^{-f_i/rho} + eps m(b), by finite differences', () => {
    const d = 3,
      eps = 0.1,
      reach = 2,
      h = 1e-5;
    const A = cloud(31, 4, d, 0.8),
      B = cloud(32, 5, d, 1.3, 0.1);
    const opts = { eps, reach, tol: 1e-13 };
    const r = sinkhorn(A, B, opts);
    const mb = B.weights.reduce((t, v) => t + v, 0);
    for (let i = 0; i < A.size; i++) {
      const wp = A.weights.slice(),
        wm = A.weights.slice();
      wp[i] += h;
      wm[i] -= h;
      const fd =
        (sinkhorn(new Measure(A.points, { dim: d, weights: wp }), B, opts).value -
          sinkhorn(new Measure(A.points, { dim: d, weights: wm }), B, opts).value) /
        (2 * h);
      expect(Math.abs(fd - (reach - (reach + eps) * Math.exp(-r.f[i] / reach) + eps * mb))).toBeLessThan(1e-7);
    }
  });
});

describe('reach: checks', () => {
  const A = () => cloud(1, 3, 1, 1),
    B = () => cloud(2, 4, 1, 2);
  it('reach <= 0, NaN, Infinity, non-numbers and null are InvalidArgumentError naming reach', () => {
    for (const reach of [0, -1, NaN, Infinity, -Infinity, '1', null, [1], true]) {
      for (const f of [sinkhorn, sinkhornDivergence]) {
        let e: unknown;
        try {
          f(A(), B(), { eps: 0.1, reach: reach as never });
        } catch (err) {
          e = err;
        }
        expect(e).toBeInstanceOf(InvalidArgumentError);
        expect((e as InvalidArgumentError).argument).toBe('reach');
      }
    }
  });
  it('unknown keys (rho, reg_m, blur) are UnknownOptionError', () => {
    for (const key of ['rho', 'reg_m', 'blur']) {
      expect(() => sinkhorn(A(), B(), { eps: 0.1, [key]: 1 } as never)).toThrow(UnknownOptionError);
      expect(() => sinkhornDivergence(A(), B(), { eps: 0.1, reach: 1, [key]: 1 } as never)).toThrow(UnknownOptionError);
    }
  });
  it('tiny and huge reach still give finite, converged answers (huge reach quickly, by the translation step)', () => {
    for (const reach of [1e-8, 1e-3, 1e4]) {
      const s = sinkhornDivergence(A(), B(), { eps: 0.1, reach });
      expect(s.converged).toBe(true);
      expect(s.ab.iterations).toBeLessThan(200);
      expect(Number.isFinite(s.value) && s.value >= 0).toBe(true);
    }
    const s = sinkhornDivergence(A(), cloud(2, 4, 1, 1), { eps: 0.1, reach: 1e8 });
    expect(s.converged).toBe(true);
    // Unequal masses at reach 1e8: potentials ~ reach, so rounding bounds the marginal error near 1e-8 (reported,
    // not converged at tol 1e-9); the value is finite and near rho (sqrt m(a) - sqrt m(b))^2, the Hellinger limit.
    const u = sinkhornDivergence(A(), B(), { eps: 0.1, reach: 1e8, maxIter: 50 });
    expect(u.ab.iterations).toBeLessThan(60);
    expect(Math.abs(u.value / (1e8 * (1 - Math.SQRT2) ** 2) - 1)).toBeLessThan(1e-2);
  });
});
