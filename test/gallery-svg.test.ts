// The gallery's SVGs stay small (issue 19 §6: at most 150 kB each) because examples/lib/svg.ts thins its polylines
// (Ramer–Douglas–Peucker at 0.25 px) and writes coordinates to 0.1 px. These tests hold the committed files to the
// size bound and the thinning to its promise: every point of the original line stays within the stated tolerance
// of the line drawn, checked against an independent point-to-segment distance.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lineChart, px, thin } from '../examples/lib/svg.js';
import { lcg } from './helpers.js';

const galleryDir = join(__dirname, '..', 'docs', 'gallery');
const MAX_BYTES = 150_000;
/** thin()'s default tolerance (px), plus the rounding of each written coordinate to 0.1 px (≤ 0.05·√2 per point). */
const TOL = 0.25;
const WRITTEN_TOL = TOL + 0.05 * Math.SQRT2 + 1e-9;

/** Distance from p to the segment [a, b], by projection (written apart from svg.ts's squared form). */
function segmentDistance(p: [number, number], a: [number, number], b: [number, number]): number {
  const [ux, uy] = [b[0] - a[0], b[1] - a[1]];
  const len = Math.hypot(ux, uy);
  if (len === 0) return Math.hypot(p[0] - a[0], p[1] - a[1]);
  const along = ((p[0] - a[0]) * ux + (p[1] - a[1]) * uy) / len;
  if (along <= 0) return Math.hypot(p[0] - a[0], p[1] - a[1]);
  if (along >= len) return Math.hypot(p[0] - b[0], p[1] - b[1]);
  return Math.abs((p[0] - a[0]) * uy - (p[1] - a[1]) * ux) / len;
}

/** Distance from p to a polyline (the nearest of its segments). */
function polylineDistance(p: [number, number], line: Array<[number, number]>): number {
  let best = Infinity;
  for (let i = 0; i + 1 < line.length; i++) best = Math.min(best, segmentDistance(p, line[i], line[i + 1]));
  return best;
}

const pairs = (flat: ArrayLike<number>): Array<[number, number]> =>
  Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i], flat[2 * i + 1]] as [number, number]);

/** A random walk in pixels: wiggles at every scale, so thinning has real choices to make. */
function walk(seed: number, n: number, step: number): number[] {
  const rnd = lcg(seed);
  const xy: number[] = [];
  let y = 200;
  for (let i = 0; i < n; i++) {
    y += step * (rnd() - 0.5);
    xy.push(60 + (600 * i) / (n - 1), y);
  }
  return xy;
}

describe('gallery SVG size', () => {
  const files = readdirSync(galleryDir).filter((f) => f.endsWith('.svg') && !f.endsWith('.tiny.svg'));

  it('finds the gallery', () => {
    expect(files.length).toBeGreaterThanOrEqual(9);
  });

  it.each(files)('%s is at most 150 kB', (file) => {
    expect(statSync(join(galleryDir, file)).size).toBeLessThanOrEqual(MAX_BYTES);
  });
});

describe('thin (Ramer–Douglas–Peucker)', () => {
  it('keeps the ends and drops points on a straight line', () => {
    const xy: number[] = [];
    for (let i = 0; i <= 100; i++) xy.push(3 * i, 5 + 2 * i);
    expect(thin(xy)).toEqual([0, 5, 300, 205]);
  });

  it('keeps a bump just over the tolerance and drops one just under', () => {
    expect(thin([0, 0, 10, 0.26, 20, 0])).toEqual([0, 0, 10, 0.26, 20, 0]);
    expect(thin([0, 0, 10, 0.24, 20, 0])).toEqual([0, 0, 20, 0]);
    expect(thin([0, 0, 10, 0.24, 20, 0], 0.2)).toEqual([0, 0, 10, 0.24, 20, 0]);
  });

  it('thins a smooth curve sampled finely to a small fraction of its points', () => {
    const xy: number[] = [];
    for (let i = 0; i < 3000; i++) xy.push(60 + i / 5, 200 + 150 * Math.sin(i / 300));
    const kept = thin(xy).length / 2;
    expect(kept).toBeGreaterThan(5);
    expect(kept).toBeLessThan(150);
  });

  it('leaves one and two points alone', () => {
    expect(thin([1, 2])).toEqual([1, 2]);
    expect(thin([1, 2, 3, 4])).toEqual([1, 2, 3, 4]);
  });

  it('keeps every dropped point within the tolerance of its kept segment, and the kept ones in order', () => {
    for (const [seed, step] of [
      [1, 0.4],
      [2, 2],
      [3, 10],
    ] as const) {
      for (const tol of [0.1, 0.25, 1]) {
        const xy = walk(seed, 3000, step);
        const kept = thin(xy, tol);
        // The output is a subsequence of the input (x strictly increases, so x finds each point), ends included.
        const index = pairs(kept).map(([x, y]) => {
          const i = xy.findIndex((v, k) => k % 2 === 0 && v === x);
          expect(xy[i + 1]).toBe(y);
          return i / 2;
        });
        expect(index[0]).toBe(0);
        expect(index[index.length - 1]).toBe(xy.length / 2 - 1);
        for (let k = 1; k < index.length; k++) expect(index[k]).toBeGreaterThan(index[k - 1]);
        // Every original point is within tol of the segment between the kept points around it.
        const pts = pairs(xy);
        let worst = 0;
        for (let k = 0; k + 1 < index.length; k++) {
          for (let i = index[k]; i <= index[k + 1]; i++) {
            worst = Math.max(worst, segmentDistance(pts[i], pts[index[k]], pts[index[k + 1]]));
          }
        }
        expect(worst).toBeLessThanOrEqual(tol);
      }
    }
  });
});

describe('lineChart draws the thinned line within tolerance of the data', () => {
  const xRange: [number, number] = [0, 1],
    yRange: [number, number] = [-2, 2];
  const chart = (x: number[], y: number[]): string =>
    lineChart({ title: 't', xLabel: 'x', yLabel: 'y', xRange, yRange, series: [{ label: 'walk', x, y, markers: false }] });
  const polylines = (svg: string): Array<Array<[number, number]>> =>
    [...svg.matchAll(/<polyline [^>]*points="([^"]*)"/g)].map((m) =>
      m[1].split(' ').map((p) => p.split(',').map(Number) as [number, number]),
    );

  it('every data point lies within 0.25 px (+ 0.1 px rounding) of the drawn polyline', () => {
    // The pixel map, read off a two-point series (nothing to thin) drawn on the same axes and legend.
    const [[a, b]] = polylines(chart([0, 1], [-2, 2]));
    const toPx = (x: number, y: number): [number, number] => [a[0] + x * (b[0] - a[0]), a[1] + ((y + 2) / 4) * (b[1] - a[1])];

    const rnd = lcg(7);
    const n = 4000;
    const x: number[] = [],
      y: number[] = [];
    let v = 0;
    for (let i = 0; i < n; i++) {
      v = 0.999 * v + 0.002 * (rnd() - 0.5);
      x.push(i / (n - 1));
      y.push(Math.sin(6 * x[i]) + v);
    }
    const lines = polylines(chart(x, y));
    expect(lines).toHaveLength(1);
    const drawn = lines[0];
    expect(drawn.length).toBeLessThan(n / 4);
    expect(drawn.length).toBeGreaterThan(20);
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, polylineDistance(toPx(x[i], y[i]), drawn));
    expect(worst).toBeLessThanOrEqual(WRITTEN_TOL);
  });

  it('writes coordinates to 0.1 px without trailing zeros', () => {
    expect(px(12.345)).toBe('12.3');
    expect(px(12.36)).toBe('12.4');
    expect(px(80)).toBe('80');
    expect(px(-0.04)).toBe('0');
  });
});
