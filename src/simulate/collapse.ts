// Cluster collapse: particles closer than tol become one particle carrying their summed
// weight, at their weighted mean (retracted onto the space). A Measure is weighted, so the
// merged system is the same mean-field dynamics started from the merged measure; the stiff
// intra-cluster mode is gone and the step controller can lengthen steps through slow phases.
import { clusterCenters, clusterLabels } from '../analysis/clusters.js';
import type { Space } from '../spaces.js';

/** One merge: the original particles that became one current particle, and when. */
export interface Collapse {
  /** Time of the merge (Infinity when it lies beyond the double range; see logT). */
  t: number;
  /** Natural log of the merge time. */
  logT: number;
  /** Indices of the original particles (0..n0-1) that now form the merged particle. */
  particles: number[];
  /** Index of the merged particle among the current ones, right after the merge. */
  into: number;
  /** Particles left right after the merge (the current particle count). */
  remaining: number;
}

/** The merged system when some particles lie within tol of each other, else null. */
export function collapseParticles(x: Float64Array, weights: Float64Array, d: number, space: Space, tol: number):
  { points: Float64Array; weights: Float64Array; labels: Int32Array } | null {
  const n = weights.length;
  const labels = clusterLabels(x, n, d, space, tol);
  let count = 0;
  for (let i = 0; i < n; i++) count = Math.max(count, labels[i] + 1);
  if (count === n) return null;
  const { centers, masses } = clusterCenters(x.subarray(0, n * d), weights, d, space, labels);
  return { points: centers, weights: masses, labels };
}

/**
 * Applies a merge to the original-to-current map and lists the merges it made: every group
 * of current particles sharing a label becomes one particle.
 */
export function recordMerge(map: Int32Array, labels: Int32Array, t: number, logT: number, remaining: number): Collapse[] {
  const groupSize = new Int32Array(remaining);
  for (let i = 0; i < labels.length; i++) groupSize[labels[i]]++;
  for (let i = 0; i < map.length; i++) map[i] = labels[map[i]];
  const out: Collapse[] = [];
  for (let l = 0; l < remaining; l++) {
    if (groupSize[l] < 2) continue;
    const particles: number[] = [];
    for (let i = 0; i < map.length; i++) if (map[i] === l) particles.push(i);
    out.push({ t, logT, particles, into: l, remaining });
  }
  return out;
}

/** The collapse part of a run: merges particles within tol after every natural step, and keeps the record of merges. */
export class Collapser {
  /** The current particle of every original particle. */
  readonly map: Int32Array;
  readonly collapses: Collapse[];
  /** The map right after each merge. */
  readonly maps: Int32Array[];

  /**
   * @param tol the merge distance, or null for no collapse
   * @param n the particles at the start (original ones when not resumed)
   */
  constructor(readonly tol: number | null, n: number,
    resumed: { particleMap?: number[]; collapses: readonly Collapse[]; collapseMaps: readonly Int32Array[] } | null) {
    this.map = resumed?.particleMap ? Int32Array.from(resumed.particleMap) : Int32Array.from({ length: n }, (_, i) => i);
    this.collapses = resumed ? [...resumed.collapses] : [];
    this.maps = resumed ? [...resumed.collapseMaps] : [];
  }

  /**
   * The merged particles when some of the state x (weights, dimension d on `space`) lie within tol,
   * recorded as merged at `time()` = [t, log t]; else null.
   */
  merge(x: Float64Array, weights: Float64Array, d: number, space: Space, time: () => [number, number]):
    { points: Float64Array; weights: Float64Array } | null {
    if (this.tol === null) return null;
    const merged = collapseParticles(x, weights, d, space, this.tol);
    if (merged === null) return null;
    const [t, logT] = time();
    for (const m of recordMerge(this.map, merged.labels, t, logT, merged.weights.length)) this.collapses.push(m);
    this.maps.push(Int32Array.from(this.map));
    return { points: merged.points, weights: merged.weights };
  }
}
