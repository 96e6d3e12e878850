// Points in clusters for truncated Sinkhorn: the leaves of a k-d tree, each a contiguous range of the sorted
// order, and groups of consecutive leaves (the upper level of the two-level block bound in block-mask.ts).
import { kdLeaves } from '../backend/clusters.js';

/** Points in clusters: the leaves of a k-d tree, each a contiguous range of the sorted order. */
export interface Clusters {
  /** order[s] = the original index of the point at sorted position s. */
  order: Int32Array;
  /** K + 1 offsets: cluster c holds sorted positions [offsets[c], offsets[c + 1]). */
  offsets: Int32Array;
  K: number;
  /** Centroid of each cluster (K x d, unweighted). */
  centre: Float64Array;
  /** max |x_i - centre| over the cluster. */
  radius: Float64Array;
}

/** Leaf size of the k-d tree: small leaves tighten the bounds, large ones keep the key ranges long. */
export const LEAF_SIZE = 16;

/**
 * The leaves of kdLeaves (at most `leaf` points each, cut at the median of the widest coordinate; deterministic)
 * with each cluster's centroid and radius.
 */
export function kdClusters(x: Float64Array, n: number, d: number, leaf = LEAF_SIZE): Clusters {
  const { order, offsets, K } = kdLeaves(x, n, d, leaf);
  const centre = new Float64Array(K * d),
    radius = new Float64Array(K);
  for (let c = 0; c < K; c++) {
    const lo = offsets[c],
      hi = offsets[c + 1];
    for (let s = lo; s < hi; s++) for (let k = 0; k < d; k++) centre[c * d + k] += x[order[s] * d + k] / (hi - lo);
    let r = 0;
    for (let s = lo; s < hi; s++) {
      let q = 0;
      for (let k = 0; k < d; k++) q += (x[order[s] * d + k] - centre[c * d + k]) ** 2;
      if (q > r) r = q;
    }
    radius[c] = Math.sqrt(r);
  }
  return { order, offsets, K, centre, radius };
}

/** Rows of a row-major array (width w) in the order given: out[s] = a[order[s]]. */
export function permuteRows(a: Float64Array, order: Int32Array, w: number): Float64Array {
  const out = new Float64Array(order.length * w);
  for (let s = 0; s < order.length; s++) for (let c = 0; c < w; c++) out[s * w + c] = a[order[s] * w + c];
  return out;
}

/** The inverse of permuteRows: out[order[s]] = a[s]. */
export function unpermuteRows(a: Float64Array, order: Int32Array, w: number): Float64Array {
  const out = new Float64Array(order.length * w);
  for (let s = 0; s < order.length; s++) for (let c = 0; c < w; c++) out[order[s] * w + c] = a[s * w + c];
  return out;
}

/**
 * Groups of g consecutive leaves of cl as clusters of their own (leaves in tree order are neighbours in space, so
 * a group is a subtree or a few): the centroid and radius of all its points. Group G holds leaves [G g, (G + 1) g).
 */
export function groupClusters(x: Float64Array, cl: Clusters, g: number, d: number): Clusters {
  const K = Math.ceil(cl.K / g);
  const offsets = new Int32Array(K + 1);
  for (let G = 0; G <= K; G++) offsets[G] = cl.offsets[Math.min(G * g, cl.K)];
  const centre = new Float64Array(K * d),
    radius = new Float64Array(K);
  for (let G = 0; G < K; G++) {
    const lo = offsets[G],
      hi = offsets[G + 1];
    for (let s = lo; s < hi; s++) for (let k = 0; k < d; k++) centre[G * d + k] += x[s * d + k] / (hi - lo);
    let r = 0;
    for (let s = lo; s < hi; s++) {
      let q = 0;
      for (let k = 0; k < d; k++) q += (x[s * d + k] - centre[G * d + k]) ** 2;
      if (q > r) r = q;
    }
    radius[G] = Math.sqrt(r);
  }
  return { order: cl.order, offsets, K, centre, radius };
}
