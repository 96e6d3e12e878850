// Precision 'f32' in Sinkhorn: a default tol f32 can reach, and a tol below its reach stops on stagnation
// with a warning instead of spinning to maxIter. f64 is unchanged, bit for bit.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { init, Measure, sinkhorn, sinkhornDivergence } from '../../src/index.js';
import { defaultTol, otPair, Stagnation, STAGNATION_WINDOW } from '../../src/ot/common.js';
import { lcg, uniformArray } from '../helpers.js';

beforeAll(async () => {
  await init();
});

/** n points uniform on [lo, lo + 1]^d, optionally with random weights. */
function cloud(seed: number, n: number, d: number, lo = 0, weighted = false): Measure {
  const r = lcg(seed);
  const points = uniformArray(r, n * d, lo, lo + 1);
  return weighted ? new Measure(points, { dim: d, weights: uniformArray(r, n, 0.5, 1.5) }) : new Measure(points, { dim: d });
}

const CASES: { name: string; a: Measure; b: Measure; eps: number }[] = [
  { name: '2d eps 0.05', a: cloud(1, 120, 2), b: cloud(2, 90, 2, 0.3, true), eps: 0.05 },
  { name: '3d eps 0.01', a: cloud(3, 150, 3), b: cloud(4, 150, 3, 0.2), eps: 0.01 },
  { name: '1d eps 0.005', a: cloud(5, 200, 1, 0, true), b: cloud(6, 100, 1, 0.5), eps: 0.005 },
];

const rel = (got: number, want: number) => Math.abs(got - want) / Math.abs(want);

describe('default tol by precision', () => {
  it('f64: 1e-6; f32: max(1e-5, 2^-26 diameter²/eps)', () => {
    expect(defaultTol('f64', 3, 1e-4)).toBe(1e-6);
    expect(defaultTol(undefined, 3, 1e-4)).toBe(1e-6);
    expect(defaultTol('f32', 2, 0.01)).toBe(1e-5);
    expect(defaultTol('f32', 0, 0.01)).toBe(1e-5);
    expect(defaultTol('f32', 7, 0.001)).toBeCloseTo(7000 * 2 ** -26, 15);
  });
});

describe('stagnation rule (deterministic)', () => {
  it('never trips on linear convergence, trips one window after a plateau, never in f64', () => {
    for (const q of [0.5, 0.99, 0.998]) {
      const s = new Stagnation(true);
      for (let it = 1; it <= 20_000 && q ** it > 1e-300; it++) expect(s.update(q ** it, it)).toBe(false);
    }
    const s = new Stagnation(true);
    let tripped = -1;
    for (let it = 1; it <= 1000 && tripped < 0; it++) if (s.update(it < 30 ? 0.5 ** it : 1e-9 * (1 + (it % 7) / 7), it)) tripped = it;
    expect(tripped).toBe(1 + 2 * STAGNATION_WINDOW); // the first window still saw the drop
    const off = new Stagnation(false);
    for (let it = 1; it <= 1000; it++) expect(off.update(1, it)).toBe(false);
  });
});

describe("precision 'f32' with its default tol", () => {
  for (const c of CASES) {
    it(`converges and matches f64 (${c.name})`, () => {
      const tol32 = defaultTol('f32', otPair(c.a, c.b).diameter2, c.eps);
      const r64 = sinkhorn(c.a, c.b, { eps: c.eps });
      const r32 = sinkhorn(c.a, c.b, { eps: c.eps, precision: 'f32' });
      expect(r32.converged).toBe(true);
      expect(r32.warning).toBeUndefined();
      expect(r32.marginalError).toBeLessThanOrEqual(tol32);
      expect(r32.iterations).toBeLessThanOrEqual(r64.iterations);
      expect(rel(r32.value, r64.value)).toBeLessThan(1e-4);
      expect(rel(r32.cost, r64.cost)).toBeLessThan(1e-4);

      const s64 = sinkhornDivergence(c.a, c.b, { eps: c.eps });
      const s32 = sinkhornDivergence(c.a, c.b, { eps: c.eps, precision: 'f32' });
      expect(s32.converged).toBe(true);
      expect(s32.warning).toBeUndefined();
      expect(Math.max(s32.aa.iterations, s32.bb.iterations)).toBeLessThan(200);
      expect(rel(s32.value, s64.value)).toBeLessThan(1e-3);
      let g = 0,
        g64 = 0;
      for (let i = 0; i < s64.gradient.length; i++) {
        g = Math.max(g, Math.abs(s32.gradient[i] - s64.gradient[i]));
        g64 = Math.max(g64, Math.abs(s64.gradient[i]));
      }
      expect(g / g64).toBeLessThan(1e-3);
    });
  }
});

describe("precision 'f32' with a tol below its reach", () => {
  it('sinkhorn stops on stagnation, far before maxIter, with a warning', () => {
    for (const c of CASES) {
      const r = sinkhorn(c.a, c.b, { eps: c.eps, precision: 'f32', tol: 1e-12 });
      expect(r.converged).toBe(false);
      expect(r.iterations).toBeLessThan(2000); // maxIter is 100 000
      expect(r.marginalError).toBeLessThan(1e-5); // it went as far as f32 goes
      expect(r.warning).toMatch(/tol = 1e-12 is below what precision 'f32' can reach.*use precision 'f64'/);
    }
  });

  it('sinkhornDivergence (and its self-transport solves) too; an explicit maxIter is not reached', () => {
    const c = CASES[1];
    const t0 = performance.now();
    const s = sinkhornDivergence(c.a, c.b, { eps: c.eps, precision: 'f32', tol: 1e-12, maxIter: 50_000 });
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(s.converged).toBe(false);
    expect(s.aa.stagnated && s.bb.stagnated).toBe(true);
    expect(s.aa.iterations).toBeLessThan(500);
    expect(s.ab.iterations).toBeLessThan(2000);
    expect(s.warning).toMatch(/tol = 1e-12 is below what precision 'f32' can reach.*\(a-b, a-a, b-b\).*use precision 'f64'/);
    expect(s.aa.warning).toMatch(/below what precision 'f32' can reach/);
    // The same problem at f32's default tol converges.
    expect(sinkhornDivergence(c.a, c.b, { eps: c.eps, precision: 'f32' }).converged).toBe(true);
  });

  it('self-transport (a = b) stops on stagnation too', () => {
    const a = CASES[0].a;
    const r = sinkhorn(a, a, { eps: 0.05, precision: 'f32', tol: 1e-13 });
    expect(r.converged).toBe(false);
    expect(r.iterations).toBeLessThan(500);
    expect(r.warning).toMatch(/below what precision 'f32' can reach/);
  });

  it('maxIter below the stagnation window still ends with the maxIter warning', () => {
    const c = CASES[1];
    const r = sinkhorn(c.a, c.b, { eps: c.eps, precision: 'f32', tol: 1e-12, maxIter: 5, scaling: false });
    expect(r.converged).toBe(false);
    expect(r.warning).toMatch(/did not reach tol = 1e-12 within maxIter = 5/);
  });
});

describe("precision 'f64' is unchanged", () => {
  it('the default tol is 1e-6: identical bits to an explicit tol 1e-6', () => {
    for (const c of CASES) {
      const d = sinkhorn(c.a, c.b, { eps: c.eps }),
        e = sinkhorn(c.a, c.b, { eps: c.eps, tol: 1e-6 });
      expect(Object.is(d.value, e.value) && Object.is(d.cost, e.cost) && Object.is(d.marginalError, e.marginalError)).toBe(true);
      expect(d.iterations).toBe(e.iterations);
      expect(Buffer.from(d.f.buffer).equals(Buffer.from(e.f.buffer))).toBe(true);
      expect(Buffer.from(d.g.buffer).equals(Buffer.from(e.g.buffer))).toBe(true);
      const sd = sinkhornDivergence(c.a, c.b, { eps: c.eps }),
        se = sinkhornDivergence(c.a, c.b, { eps: c.eps, tol: 1e-6 });
      expect(Object.is(sd.value, se.value)).toBe(true);
      expect(Buffer.from(sd.gradient.buffer).equals(Buffer.from(se.gradient.buffer))).toBe(true);
    }
  });

  it('plain Sinkhorn (no acceleration, scaling 0.9) keeps the values of the code before the f32 change, bit for bit', () => {
    // A regression pin of the plain iteration (the default since gained Anderson acceleration and a new
    // eps-scaling default, which change the path to the same fixed point: test/ot/accelerate.test.ts).
    const r = lcg(2024);
    const a = new Measure(uniformArray(r, 80 * 2, 0, 1), { dim: 2 });
    const b = new Measure(uniformArray(r, 70 * 2, 0.2, 1.1), { dim: 2, weights: uniformArray(r, 70, 0.5, 1.5) });
    // tol 1e-9: the default when the pin was taken (it is 1e-6 since).
    const s = sinkhorn(a, b, { eps: 0.01, acceleration: false, scaling: 0.9, tol: 1e-9 });
    expect(s.value).toBe(0.11271525661688603);
    expect(s.cost).toBe(0.08881789596382617);
    expect(s.iterations).toBe(351);
    expect(s.marginalError).toBe(9.969910183885156e-10);
    expect(s.f[0]).toBe(0.3600457035726705);
    expect(s.g[5]).toBe(0.0986558290664724);
    const d = sinkhornDivergence(a, b, { eps: 0.02, acceleration: false, scaling: 0.9, tol: 1e-9 });
    expect(d.value).toBe(0.07899798463319138);
    expect(d.gradient[3]).toBe(-0.006089190686102127);
    expect(d.aa.iterations).toBe(47);
  });
});

const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');

describe.skipIf(!existsSync(CLI))('meanfield sinkhorn --precision f32', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meanfield-f32-'));
  const csv = (m: Measure) =>
    Array.from({ length: m.size }, (_, i) => `${Array.from(m.points.subarray(i * m.dim, (i + 1) * m.dim)).join(',')}\n`).join('');
  writeFileSync(join(dir, 'a.csv'), csv(CASES[1].a));
  writeFileSync(join(dir, 'b.csv'), csv(CASES[1].b));
  const cli = (...args: string[]) => {
    const r = spawnSync(process.execPath, [CLI, 'sinkhorn', 'a.csv', 'b.csv', '--eps', '0.01', '--precision', 'f32', ...args], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };

  it('converges with the default tol, silently', () => {
    const r = cli();
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(JSON.parse(r.out).converged).toBe(true);
  });

  it('a --tol below f32 reach: one warning line on stderr, quickly', () => {
    const r = cli('--tol', '1e-12');
    expect(r.code).toBe(0);
    const o = JSON.parse(r.out);
    expect(o.converged).toBe(false);
    expect(o.iterations).toBeLessThan(2000);
    expect(o.warning).toMatch(/below what precision 'f32' can reach/);
    const lines = r.err.trim().split('\n');
    expect(lines.length).toBe(1);
    expect(lines[0]).toMatch(/^meanfield sinkhorn: warning: tol = 1e-12 is below what precision 'f32' can reach.*use precision 'f64'/);
  });
});
