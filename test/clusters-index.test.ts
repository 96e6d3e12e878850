// clusterLabels through the spatial grid must give exactly the labels of the all-pairs search:
// same partition and same numbering, on the sphere (d = 2..8), the circle (wrap-around at ±π and
// angles outside [0, 2π)) and R^d, with pairs placed right at tol and tol across scales.
import { describe, expect, it } from 'vitest';
import { clusterLabels } from '../src/analysis/clusters.js';
import { linkNeighbours } from '../src/analysis/link-grid.js';
import type { Space } from '../src/spaces.js';

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gauss(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/**
 * The reference: the pair test of the all-pairs algorithm (squared chord against (2 sin(tol/2))² on
 * the sphere, tol² in R^d, |a - b| mod 2π folded on the circle), union-find over every pair, labels
 * in order of first appearance.
 */
function reference(x: Float64Array, n: number, d: number, space: Space, tol: number): Int32Array {
  const TWO_PI = 2 * Math.PI;
  const chord = space === 'sphere' ? (tol >= Math.PI ? 4 : (2 * Math.sin(tol / 2)) ** 2) : tol * tol;
  const linked = (i: number, j: number): boolean => {
    if (space === 'circle') {
      const t = Math.abs(x[i] - x[j]) % TWO_PI;
      return Math.min(t, TWO_PI - t) <= tol;
    }
    let s = 0;
    for (let c = 0; c < d; c++) s += (x[i * d + c] - x[j * d + c]) ** 2;
    return s <= chord;
  };
  const parent = Array.from({ length: n }, (_, i) => i);
  const root = (i: number): number => {
    while (parent[i] !== i) i = parent[i];
    return i;
  };
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (!linked(i, j)) continue;
      const [a, b] = [root(i), root(j)];
      parent[Math.max(a, b)] = Math.min(a, b);
    }
  }
  const labels = new Int32Array(n);
  const seen = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const r = root(i);
    if (!seen.has(r)) seen.set(r, seen.size);
    labels[i] = seen.get(r) as number;
  }
  return labels;
}

/** n points in clumps: some at a distance just under, at, or just over tol from a random earlier one. */
function points(space: Space, n: number, d: number, tol: number, seed: number): Float64Array {
  const r = rng(seed);
  const x = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const near = i > 0 && r() < 0.6 ? Math.floor(r() * i) : -1;
    const scale = near < 0 ? 0 : tol * [1, 1 - 1e-15, 1 + 1e-15, 0.5, 2, 1.0000001][Math.floor(r() * 6)];
    if (space === 'circle') {
      // Angles in [-4π, 4π): both sides of ±π and of 0 / 2π.
      x[i] = near < 0 ? (r() - 0.5) * 8 * Math.PI : x[near] + (r() < 0.5 ? -scale : scale) + (r() < 0.3 ? 2 * Math.PI : 0);
      continue;
    }
    let norm = 0;
    const dir = new Float64Array(d);
    for (let c = 0; c < d; c++) {
      dir[c] = gauss(r);
      norm += dir[c] ** 2;
    }
    for (let c = 0; c < d; c++) {
      const u = dir[c] / Math.sqrt(norm);
      if (space === 'euclidean') x[i * d + c] = near < 0 ? (r() - 0.5) * 40 * tol : x[near * d + c] + scale * u;
      else x[i * d + c] = near < 0 ? u : x[near * d + c] + scale * u; // on the sphere: renormalised below
    }
    if (space === 'sphere') {
      let s = 0;
      for (let c = 0; c < d; c++) s += x[i * d + c] ** 2;
      for (let c = 0; c < d; c++) x[i * d + c] /= Math.sqrt(s);
    }
  }
  return x;
}

const TOLS = [1e-9, 1e-6, 1e-3, 0.05, 0.3];

describe('clusterLabels with the spatial grid equals the all-pairs search', () => {
  for (const d of [2, 3, 4, 5, 8]) {
    it(`sphere S^${d - 1}`, () => {
      for (const [k, tol] of TOLS.entries()) {
        const n = 300 + 50 * k;
        const x = points('sphere', n, d, tol, 100 * d + k);
        expect(clusterLabels(x, n, d, 'sphere', tol)).toEqual(reference(x, n, d, 'sphere', tol));
      }
    });
  }

  it('circle, angles across ±π and outside [0, 2π)', () => {
    for (const [k, tol] of [...TOLS, 1, 3].entries()) {
      const n = 400;
      const x = points('circle', n, 1, tol, 7 + k);
      expect(clusterLabels(x, n, 1, 'circle', tol)).toEqual(reference(x, n, 1, 'circle', tol));
    }
  });

  it('circle pairs straddling the cut at 0 / 2π and at ±π are linked', () => {
    const x = new Float64Array(200);
    for (let i = 0; i < 100; i++) {
      x[2 * i] = 2 * Math.PI - 1e-4 * (i + 1) * 0.37;
      x[2 * i + 1] = i % 2 === 0 ? 1e-4 * (i + 1) * 0.4 : -Math.PI + 1e-5 * i;
    }
    const labels = clusterLabels(x, 200, 1, 'circle', 1e-3);
    expect(labels).toEqual(reference(x, 200, 1, 'circle', 1e-3));
    expect(labels[0]).toBe(labels[1]); // 2π - 3.7e-5 and 4e-5 are 7.7e-5 apart around the cut
  });

  for (const d of [1, 2, 3, 6]) {
    it(`euclidean R^${d}, including pairs exactly at tol on a dyadic lattice`, () => {
      for (const [k, tol] of TOLS.entries()) {
        const n = 350;
        const x = points('euclidean', n, d, tol, 31 * d + k);
        expect(clusterLabels(x, n, d, 'euclidean', tol)).toEqual(reference(x, n, d, 'euclidean', tol));
      }
      // Lattice points 0.25 apart with tol = 0.25: every neighbour difference is exact, so the
      // chord test sits exactly on its threshold (linked), and diagonal neighbours are not.
      const side = d === 1 ? 200 : d === 2 ? 15 : d === 3 ? 6 : 3;
      const n = side ** d;
      const r = rng(d);
      const x = new Float64Array(n * d);
      for (let i = 0; i < n; i++) for (let c = 0, m = i; c < d; c++, m = Math.floor(m / side)) x[i * d + c] = 0.25 * (m % side) - 3;
      const holes = Array.from({ length: n }, () => r() < 0.35);
      for (let i = 0; i < n; i++) if (holes[i]) x[i * d] += 1000; // removes the point from the lattice
      const labels = clusterLabels(x, n, d, 'euclidean', 0.25);
      expect(labels).toEqual(reference(x, n, d, 'euclidean', 0.25));
      expect(Math.max(...labels) + 1).toBeLessThan(n);
    });
  }

  it('edge cases: n = 0, 1, all identical, huge tol, non-finite points', () => {
    expect(clusterLabels(new Float64Array(0), 0, 3, 'sphere', 1e-3)).toEqual(new Int32Array(0));
    expect(clusterLabels(new Float64Array([0, 0, 1]), 1, 3, 'sphere', 1e-3)).toEqual(new Int32Array(1));
    const same = new Float64Array(300 * 3).map((_, i) => [0.6, 0, 0.8][i % 3]);
    expect(clusterLabels(same, 300, 3, 'sphere', 1e-6)).toEqual(new Int32Array(300));
    const spread = points('sphere', 200, 3, 0.01, 5);
    expect(clusterLabels(spread, 200, 3, 'sphere', 4)).toEqual(new Int32Array(200));
    const line = points('euclidean', 200, 2, 0.01, 6);
    expect(clusterLabels(line, 200, 2, 'euclidean', 1e6)).toEqual(new Int32Array(200));
    const ring = points('circle', 200, 1, 0.01, 8);
    expect(clusterLabels(ring, 200, 1, 'circle', Math.PI)).toEqual(new Int32Array(200));
    const odd = points('euclidean', 200, 3, 0.01, 9);
    odd[0] = NaN;
    odd[5] = Infinity;
    odd[9] = -Infinity;
    odd[3] = odd[6]; // points 1 and 2 share x but point 1 has an infinite z: not linked
    expect(clusterLabels(odd, 200, 3, 'euclidean', 0.01)).toEqual(reference(odd, 200, 3, 'euclidean', 0.01));
    const wideAngles = points('circle', 200, 1, 1e-3, 10).map((a, i) => (i % 3 === 0 ? a + 2 * Math.PI * 1e6 : i % 7 === 0 ? NaN : a));
    expect(clusterLabels(wideAngles, 200, 1, 'circle', 1e-3)).toEqual(reference(wideAngles, 200, 1, 'circle', 1e-3));
  });

  it('the grid tests a small share of the pairs of spread points', () => {
    const n = 4000;
    const r = rng(11);
    const x = new Float64Array(n * 3);
    for (let i = 0; i < n; i++) {
      const [a, b, c] = [gauss(r), gauss(r), gauss(r)];
      const s = Math.hypot(a, b, c);
      x.set([a / s, b / s, c / s], 3 * i);
    }
    let tested = 0;
    expect(linkNeighbours(x, n, 3, 'sphere', 1e-2, () => tested++)).toBe(true);
    // Uniform on S² with cells of side 1e-2: about 4000 · 27 · 4000 · 1e-4 / 4π / 2 ≈ 1.7e4 pairs of 8e6.
    expect(tested).toBeLessThan((n * n) / 2 / 50);
    expect(clusterLabels(x, n, 3, 'sphere', 1e-2)).toEqual(reference(x, n, 3, 'sphere', 1e-2));
  });
});
