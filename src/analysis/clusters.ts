// Single-linkage clusters: points closer than tol (in the space's own distance) are linked,
// and clusters are the connected components.
import { InvalidArgumentError } from '../errors.js';
import { Measure } from '../measure.js';
import { spaceOps } from '../spaces.js';
import { positiveNumber, readOptions } from '../validate.js';
import { linkNeighbours } from './link-grid.js';

/** Single-linkage clusters of a measure's points. */
export interface Clusters {
  /** Number of clusters. */
  count: number;
  /** Cluster index of every point, numbered in order of first appearance. */
  labels: Int32Array;
  /** count x dim, row-major: weighted mean (normalised back onto the sphere; circular mean in [0, 2π) on the circle). */
  centers: Float64Array;
  /** Total weight of each cluster (the measure's weights, not renormalised). */
  masses: Float64Array;
}

/**
 * Connected components of the graph linking points at distance <= tol (geodesic on the sphere and
 * circle, Euclidean in R^d), through a spatial grid: O(n) expected for spread points. Throws
 * InvalidArgumentError unless mu is a Measure and tol > 0
 * (UnknownOptionError for an unknown option, InvalidArgumentError for null options).
 */
export function clusters(
  mu: Measure,
  options: {
    /** Linking distance (> 0), in the space's own distance. Default 1e-3. */
    tol?: number;
  } = {},
): Clusters {
  options = readOptions<{ tol?: number }>('clusters', options, ['tol']);
  if (!(mu instanceof Measure)) throw new InvalidArgumentError('mu', mu, 'must be a Measure');
  const labels = clusterLabels(mu.points, mu.size, mu.dim, mu.space, positiveNumber('tol', options.tol ?? 1e-3));
  const { centers, masses } = clusterCenters(mu.points, mu.weights, mu.dim, mu.space, labels);
  return { count: masses.length, labels, centers, masses };
}

/**
 * Weighted centres and masses of labelled groups (labels 0..count-1): the weighted mean
 * normalised back onto the sphere, the circular mean in [0, 2π) on the circle, the plain
 * weighted mean in R^d.
 */
export function clusterCenters(
  points: Float64Array,
  weights: Float64Array,
  d: number,
  space: Measure['space'],
  labels: Int32Array,
): { centers: Float64Array; masses: Float64Array } {
  const n = weights.length;
  const count = labels.reduce((m, l) => Math.max(m, l + 1), 0);
  const masses = new Float64Array(count);
  const sums = new Float64Array(count * (space === 'circle' ? 2 : d));
  for (let i = 0; i < n; i++) {
    const w = weights[i];
    const l = labels[i];
    masses[l] += w;
    if (space === 'circle') {
      sums[2 * l] += w * Math.cos(points[i]);
      sums[2 * l + 1] += w * Math.sin(points[i]);
    } else {
      for (let c = 0; c < d; c++) sums[l * d + c] += w * points[i * d + c];
    }
  }
  const centers = new Float64Array(count * d);
  for (let l = 0; l < count; l++) {
    if (space === 'circle') {
      const a = Math.atan2(sums[2 * l + 1], sums[2 * l]);
      centers[l] = a < 0 ? a + 2 * Math.PI : a;
    } else {
      let r = 0;
      for (let c = 0; c < d; c++) r += sums[l * d + c] ** 2;
      const scale = space === 'sphere' ? 1 / Math.sqrt(r) : 1 / masses[l];
      for (let c = 0; c < d; c++) centers[l * d + c] = sums[l * d + c] * (Number.isFinite(scale) ? scale : 0);
    }
  }
  return { centers, masses };
}

/**
 * Below this many points all pairs are tested: building the grid costs more than the n²/2 tests it
 * saves (bench:collapse, uniform on S²: all pairs faster at 64 points, the grid faster from 128).
 * Both paths give identical labels (same predicate, same partition).
 */
const ALL_PAIRS_BELOW = 96;

/**
 * Connected components of the graph "distance <= tol" by union-find, labelled in order of first
 * appearance (the label of a component is the rank of its smallest index). Candidate pairs come from
 * a uniform grid (link-grid.ts), O(n) expected for spread points; all pairs below ALL_PAIRS_BELOW
 * points or when the grid would have fewer than 4 cells along an axis.
 */
export function clusterLabels(x: Float64Array, n: number, d: number, space: Measure['space'], tol: number): Int32Array {
  const ops = spaceOps(space);
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = i;
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  };
  // On the sphere and in R^d compare squared chords (no sqrt or asin per pair: this runs every
  // step under stopWhen.oneCluster); geodesic distance <= tol <=> chord <= 2 sin(tol / 2).
  const chord = space === 'circle' ? NaN : space === 'sphere' ? (tol >= Math.PI ? 4 : (2 * Math.sin(tol / 2)) ** 2) : tol * tol;
  const linked = (i: number, j: number): boolean => {
    if (space === 'circle') return ops.distance(x, i, x, j, d) <= tol;
    let s = 0;
    for (let c = 0; c < d; c++) {
      const t = x[i * d + c] - x[j * d + c];
      s += t * t;
    }
    return s <= chord;
  };
  const link = (i: number, j: number): void => {
    if (!linked(i, j)) return;
    const a = find(i),
      b = find(j);
    if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
  };
  if (n < ALL_PAIRS_BELOW || !linkNeighbours(x, n, d, space, tol, link)) {
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) link(i, j);
  }
  // Numbered in order of first appearance of each component's root.
  const labels = new Int32Array(n);
  const labelOfRoot = new Int32Array(n).fill(-1);
  let count = 0;
  for (let i = 0; i < n; i++) {
    const r = find(i);
    if (labelOfRoot[r] < 0) labelOfRoot[r] = count++;
    labels[i] = labelOfRoot[r];
  }
  return labels;
}

export function clusterCount(x: Float64Array, n: number, d: number, space: Measure['space'], tol: number): number {
  const labels = clusterLabels(x, n, d, space, tol);
  return labels.reduce((m, l) => Math.max(m, l + 1), 0);
}

/** Smallest distance between two distinct particles. */
export function minPairwiseDistance(x: Float64Array, n: number, d: number, space: Measure['space']): number {
  const ops = spaceOps(space);
  let best = Infinity;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) best = Math.min(best, ops.distance(x, i, x, j, d));
  return best;
}
