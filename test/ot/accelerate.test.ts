// Accelerated Sinkhorn (Anderson, over-relaxation) and mixed precision reach the same fixed point as the plain
// iteration, to the same tolerance, on the POT reference cases; and they take fewer iterations where it matters.
import { existsSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { init, InvalidArgumentError, Measure, sinkhorn, sinkhornDivergence, logSumExp } from '../../src/index.js';
import { Anderson, optimalOmega, OMEGA_MAX, Relaxation, OVERRELAX_START } from '../../src/ot/accelerate.js';
import { lcg, uniformArray } from '../helpers.js';

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
}

beforeAll(async () => {
  await init();
});

/** Within 1e-6 relative or 1e-9 absolute (the tolerance of test/ot/solvers.test.ts). */
const close = (got: number, want: number) => Math.abs(got - want) <= Math.max(1e-6 * Math.abs(want), 1e-9);

/** Max |u - v| after centring both (potentials are defined up to a constant shift of f against g). */
function centredDiff(u: Float64Array, v: Float64Array): number {
  const mu = u.reduce((s, x) => s + x, 0) / u.length,
    mv = v.reduce((s, x) => s + x, 0) / v.length;
  let e = 0;
  for (let i = 0; i < u.length; i++) e = Math.max(e, Math.abs(u[i] - mu - (v[i] - mv)));
  return e;
}

const ACCELERATIONS = ['anderson', 'overrelaxation', false] as const;
const PRECISIONS = ['f64', 'mixed'] as const;

describe.skipIf(!existsSync(REFERENCE))('every acceleration and precision reaches the POT reference values', () => {
  const cases: RefCase[] = existsSync(REFERENCE) ? JSON.parse(readFileSync(REFERENCE, 'utf8')).cases : [];
  const variants = ACCELERATIONS.flatMap((acceleration) => PRECISIONS.map((precision) => ({ acceleration, precision })));
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const a = new Measure(c.x, { dim: c.d, weights: c.a });
    const b = new Measure(c.y, { dim: c.d, weights: c.b });
    // tol 1e-9: the fixed points are compared, not the default's accuracy (test/ot/solvers.test.ts checks that).
    const plain = sinkhorn(a, b, { eps: c.eps, tol: 1e-9, acceleration: false });
    for (const v of variants) {
      const s = sinkhornDivergence(a, b, { eps: c.eps, tol: 1e-9, ...v });
      expect(s.converged, JSON.stringify(v)).toBe(true);
      expect(s.ab.marginalError).toBeLessThanOrEqual(1e-9);
      expect(close(s.ab.value, c.objective), `${JSON.stringify(v)} objective ${s.ab.value} vs ${c.objective}`).toBe(true);
      expect(close(s.ab.cost, c.cost)).toBe(true);
      expect(close(s.value, c.divergence)).toBe(true);
      // Same potentials as plain Sinkhorn: both plans have marginals within 1e-9, so the potentials differ by
      // about eps * 1e-9 / (smallest weight) where the dual is well conditioned; 1e-6 relative to the cost scale.
      if (c.eps / Math.max(1e-300, c.cost) >= 1e-2) {
        expect(centredDiff(s.ab.f, plain.f)).toBeLessThan(1e-6 * Math.max(1, c.cost));
      }
    }
  });
});

/** n points uniform on [lo, lo + 1]^d. */
function cloud(seed: number, n: number, d: number, lo = 0): Measure {
  return new Measure(uniformArray(lcg(seed), n * d, lo, lo + 1), { dim: d });
}

/**
 * How far two solves whose plans' marginals are each within tol = 1e-9 may differ in objective: the dual value
 * <a, f> + <b, g> moves by at most the marginal error times the largest |potential|, for each of the two.
 */
function objectiveBound(r: { f: Float64Array; g: Float64Array }): number {
  const top = Math.max(...r.f.map(Math.abs), ...r.g.map(Math.abs));
  return 2 * 2 * 1e-9 * top;
}

describe('fewer iterations, same answer', () => {
  const a = cloud(31, 200, 2),
    b = new Measure(uniformArray(lcg(32), 150 * 2, -0.2, 0.9), { dim: 2 });
  const eps = 0.004; // eps / diameter² ≈ 1e-3: plain Sinkhorn's error decays slowly here
  const tol = 1e-9; // tight, so that the fixed points are compared to 1e-9 (objectiveBound)
  let plain: ReturnType<typeof sinkhorn>;
  beforeAll(() => {
    plain = sinkhorn(a, b, { eps, tol, acceleration: false });
  });

  it('Anderson needs under a third of plain Sinkhorn iterations; over-relaxation fewer than plain', () => {
    const anderson = sinkhorn(a, b, { eps, tol });
    const sor = sinkhorn(a, b, { eps, tol, acceleration: 'overrelaxation' });
    for (const r of [plain, anderson, sor]) expect(r.converged).toBe(true);
    expect(anderson.iterations * 3).toBeLessThan(plain.iterations);
    expect(sor.iterations).toBeLessThan(plain.iterations);
    for (const r of [anderson, sor]) {
      expect(Math.abs(r.value - plain.value)).toBeLessThan(objectiveBound(plain));
      expect(centredDiff(r.f, plain.f)).toBeLessThan(1e-6);
    }
  });

  it('mixed precision returns f64 answers: marginal error within the f64 tol, the f64 objective', () => {
    const mixed = sinkhorn(a, b, { eps, tol, precision: 'mixed' });
    const f64 = sinkhorn(a, b, { eps, tol });
    expect(mixed.converged).toBe(true);
    expect(mixed.marginalError).toBeLessThanOrEqual(1e-9);
    expect(Math.abs(mixed.value - f64.value)).toBeLessThan(objectiveBound(f64));
    expect(centredDiff(mixed.f, f64.f)).toBeLessThan(1e-6);
    // f32 alone cannot reach 1e-9 here (it stops on stagnation with a warning): the polish is what gets there.
    const f32 = sinkhorn(a, b, { eps, precision: 'f32', tol: 1e-9 });
    expect(f32.converged).toBe(false);
  });

  it('a warm start from converged potentials still needs almost no iterations', () => {
    const warm = sinkhorn(a, b, { eps, tol, warmStart: { f: plain.f, g: plain.g } });
    expect(warm.iterations).toBeLessThanOrEqual(2);
  });

  it('unbalanced solves (reach) run plain: the acceleration option changes nothing, bit for bit', () => {
    const u = sinkhorn(a, b, { eps: 0.05, reach: 0.3 }),
      v = sinkhorn(a, b, { eps: 0.05, reach: 0.3, acceleration: false });
    expect(Object.is(u.value, v.value)).toBe(true);
    expect(Buffer.from(u.f.buffer).equals(Buffer.from(v.f.buffer))).toBe(true);
  });
});

describe('over-relaxation parameter', () => {
  it('omega* = 2 / (1 + sqrt(1 - theta)), capped', () => {
    expect(optimalOmega(0)).toBe(1);
    expect(optimalOmega(0.75)).toBeCloseTo(2 / 1.5, 15);
    expect(optimalOmega(0.99)).toBeCloseTo(2 / 1.1, 14);
    expect(optimalOmega(1)).toBe(OMEGA_MAX);
  });

  it('from a plain geometric decay theta^k it sets omega*(theta); a decay at omega - 1 keeps it; growth halves omega - 1', () => {
    const theta = 0.96;
    const r = new Relaxation(true);
    let err = 1;
    for (let it = 1; it <= OVERRELAX_START + 16; it++) {
      err *= theta;
      r.update(err, it);
      if (r.omega !== 1) break;
    }
    expect(r.omega).toBeCloseTo(optimalOmega(theta), 10);
    const w = r.omega;
    // At omega* SOR decays like (omega* - 1)^k: nothing more to learn.
    for (let it = 100; it < 200; it++) {
      err *= w - 1;
      r.update(err, it);
    }
    expect(r.omega).toBe(w);
    for (let it = 200; it < 260; it++) {
      err *= 1.05;
      r.update(err, it);
    }
    expect(r.omega).toBeLessThan(w);
    expect(r.omega).toBeGreaterThanOrEqual(1);
  });

  it('off (adaptive = false) omega stays 1', () => {
    const r = new Relaxation(false);
    for (let it = 1; it < 100; it++) r.update(0.9 ** it, it);
    expect(r.omega).toBe(1);
  });
});

describe('Anderson acceleration', () => {
  it('solves a linear fixed point f = A f + c far faster than the plain iteration', () => {
    // A: symmetric with eigenvalues up to 0.99 (plain iteration: ~1 500 steps to 1e-6); n = 4 < memory + 1, so
    // Anderson (a Krylov method on linear maps) is exact after about n + 1 steps.
    const n = 4;
    const Q = [
      [0.5, 0.5, 0.5, 0.5],
      [0.5, -0.5, 0.5, -0.5],
      [0.5, 0.5, -0.5, -0.5],
      [0.5, -0.5, -0.5, 0.5],
    ];
    const lam = [0.99, 0.9, 0.5, -0.3];
    const A = (v: Float64Array) =>
      Float64Array.from({ length: n }, (_, i) => {
        let s = 0;
        for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) s += Q[i][k] * lam[k] * Q[j][k] * v[j];
        return s;
      });
    const c = Float64Array.from([1, -2, 0.5, 3]);
    const F = (v: Float64Array) => A(v).map((x, i) => x + c[i]);
    // The solution: (I - A)^{-1} c through the eigenbasis.
    const want = Float64Array.from({ length: n }, (_, i) => {
      let s = 0;
      for (let k = 0; k < n; k++) {
        let qc = 0;
        for (let j = 0; j < n; j++) qc += Q[j][k] * c[j];
        s += (Q[i][k] * qc) / (1 - lam[k]);
      }
      return s;
    });
    const aa = new Anderson(n);
    const w = new Float64Array(n).fill(0.25);
    const f = new Float64Array(n);
    let steps = 0;
    while (steps < 50 && Math.max(...f.map((v, i) => Math.abs(v - want[i]))) > 1e-9) {
      aa.step(f, F(f), w);
      steps++;
    }
    expect(steps).toBeLessThanOrEqual(n + 3);
    // reset(): the next step is the plain one.
    aa.reset();
    const g = Float64Array.from([1, 1, 1, 1]);
    const Fg = F(g);
    aa.step(g, Fg, w);
    expect(Array.from(g)).toEqual(Array.from(Fg));
  });
});

describe('option checks', () => {
  const a = cloud(41, 10, 2),
    b = cloud(42, 12, 2);
  it('acceleration must be anderson, overrelaxation or false', () => {
    for (const bad of ['fast', true, 1.5, null, 'Anderson']) {
      expect(() => sinkhorn(a, b, { eps: 0.1, acceleration: bad as never })).toThrow(InvalidArgumentError);
    }
    expect(() => sinkhornDivergence(a, b, { eps: 0.1, acceleration: 'nope' as never })).toThrow(/acceleration/);
  });
  it("precision 'mixed' is Sinkhorn's alone", () => {
    expect(sinkhorn(a, b, { eps: 0.1, precision: 'mixed' }).converged).toBe(true);
    expect(() => logSumExp(a.points, a.points, { dim: 2, precision: 'mixed' as never })).toThrow(InvalidArgumentError);
  });
});
