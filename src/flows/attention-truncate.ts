// Attention at large beta: each query cluster streams only the key clusters whose weight is not provably
// below e^{-tau²} of every one of its rows' weight, through the kernel's block mask (no second kernel).
//
// The bound. Keys y_j and queries q_i are put in the order of k-d tree leaves built on the keys (the same
// order for both, so query block I is key cluster I). Per cluster, from the current points: a direction c
// (the normalised sum), an angular radius theta (the largest angle between a point and c) and the norms'
// range [lo, hi]. Angles obey the triangle inequality, so for q in I and y in J the angle between them is at
// least psi = max(0, phi_IJ - theta_I - theta_J), phi_IJ the angle between the directions; as cos falls on
// [0, pi], <q, y> = |q| |y| cos(angle) <= hiI hiJ cos psi (cos psi >= 0) or loI loJ cos psi (cos psi < 0).
// With beta > 0, row i's weight from J is at most U_IJ = W_J e^{beta max<q, y>}, W_J = sum_{j in J} a_j.
// Every row i of I keeps its own cluster I, whose weight L_i is computed exactly; the mask (attention-mask.ts)
// charges each query block (a sub-leaf of I) the summed bounds of the clusters it skips, far ones by the cluster
// bound of I, near ones by its own, and keeps their sum within e^{-tau²} min L_i over its rows, so for every row the
// skipped share of Z_i is at
// most skipped / kept <= e^{-tau²}. The softmax mean of values v then moves by at most 2 e^{-tau²} max |v_j|.
// The tree and its geometry are built from the points of each evaluation, so the bound holds whatever the particles
// did, and an evaluation's bits depend on its points alone.
import type { Backend, BlockMask, Precision } from '../backend/index.js';
import { kdLeaves, kdSubLeaves, type KdLeaves } from '../backend/clusters.js';
import { InvalidArgumentError } from '../errors.js';
import { geometry, newGeometry } from './attention-bounds.js';
import { truncationMask } from './attention-mask.js';

/** truncate as read: tau, false (exact), or 'auto'. */
export type Truncate = number | false | 'auto';

/** tau of 'auto' (as OT). */
export const AUTO_TAU = 5;
/** 'auto' truncates from this many particles on. */
export const AUTO_MIN_N = 4096;
/** ... and only when the predicted kept fraction tau²/(2 beta) (a cap on S²) is at most this. */
export const AUTO_MAX_FRACTION = 1 / 16;
/** Leaf size of the k-d tree (key clusters), and of the sub-leaves each leaf is split into (query blocks). */
const LEAF = 32;
const SUB_LEAF = 8;

export function readTruncate(name: string, v: unknown): Truncate {
  if (v === false || v === 'auto') return v;
  if (typeof v === 'number' && v > 0 && v <= 1000) return v;
  const why = "the bound e^{-truncate²} on each row's skipped share";
  throw new InvalidArgumentError(name, v, `must be a number in (0, 1000] (${why}), false or 'auto'`);
}

/** The 'auto' rule: truncate when n >= AUTO_MIN_N and tau²/(2 beta) <= AUTO_MAX_FRACTION. */
export function autoTruncates(n: number, beta: number): boolean {
  return n >= AUTO_MIN_N && beta > 0 && (AUTO_TAU * AUTO_TAU) / (2 * beta) <= AUTO_MAX_FRACTION;
}

/**
 * The truncation state of one flow: the last mask's statistics. The tree is built from the points of each evaluation
 * (O(n log n), a fraction of the kernel's work), so an evaluation's bits depend on its points alone, never on what the
 * flow was called on before: a run is reproducible whatever the flow object did, and an ensemble's systems (each cut
 * into its own tree, ranges offset by its segment) get the bits of their own runs.
 */
export class AttentionTruncation {
  private buffers = new Map<string, Float64Array>();
  /** Pairs the last evaluation streamed, and the exact call's pairs (n², or the sum of n_s² over systems). */
  kept = 0;
  total = 0;
  /** Tree builds so far (one per system and evaluation). */
  builds = 0;
  /** The last evaluation's mask, over the points in the order lastOrder (lastOrder[s] = original index). */
  lastMask: BlockMask | null = null;
  lastOrder: Int32Array | null = null;

  constructor(readonly tau: number) {}

  private buf(name: string, length: number): Float64Array {
    let b = this.buffers.get(name);
    if (b === undefined || b.length !== length) {
      b = new Float64Array(length);
      this.buffers.set(name, b);
    }
    return b;
  }

  /**
   * The softmax reduction lse_i = log sum_j e^{beta <q_i, x_j> + h_j}, mean_i = its mean of values, with the keys the
   * bound lets each row skip left out (see the file's comment). q, x, values, h in the caller's order; so are lse, mean.
   * With segments (S + 1 row offsets) the points are S independent systems: each row sees keys of its own system only.
   */
  reduce(
    backend: Backend,
    q: Float64Array,
    x: Float64Array,
    values: Float64Array,
    h: Float64Array,
    n: number,
    d: number,
    beta: number,
    precision: Precision,
    lse: Float64Array,
    mean: Float64Array,
    segments: Int32Array | null = null,
  ): void {
    const order = new Int32Array(n);
    const rows: number[] = [0],
      ptr: number[] = [0],
      ranges: number[] = [];
    let kept = 0,
      total = 0;
    const xs = this.buf('xs', n * d),
      qs = q === x ? xs : this.buf('qs', n * d),
      hs = this.buf('hs', n);
    const systems = segments === null ? 1 : segments.length - 1;
    for (let sys = 0; sys < systems; sys++) {
      const r0 = segments === null ? 0 : segments[sys],
        r1 = segments === null ? n : segments[sys + 1],
        m = r1 - r0;
      total += m * m;
      if (m === 0) continue;
      const xSys = x.subarray(r0 * d, r1 * d);
      const leaves = kdLeaves(xSys, m, d, LEAF);
      const sub = kdSubLeaves(xSys, d, leaves, SUB_LEAF);
      // The key clusters are the leaves, in the sub-leaves' order (each leaf a run of sub-leaves, the query blocks).
      const tree: KdLeaves = { order: sub.order, offsets: leaves.offsets, K: leaves.K };
      this.builds++;
      for (let s = 0; s < m; s++) order[r0 + s] = r0 + tree.order[s];
      const xsS = permute(x, order.subarray(r0, r1), d, xs.subarray(r0 * d, r1 * d));
      const qsS = q === x ? xsS : permute(q, order.subarray(r0, r1), d, qs.subarray(r0 * d, r1 * d));
      const hsS = permute(h, order.subarray(r0, r1), 1, hs.subarray(r0, r1));
      const gy = newGeometry(tree.K, d);
      geometry(xsS, tree, d, gy);
      const gq = q === x ? gy : newGeometry(tree.K, d);
      if (q !== x) geometry(qsS, tree, d, gq);
      const sm = truncationMask(tree, sub, qsS, xsS, hsS, gq, gy, d, beta, this.tau);
      kept += sm.kept;
      const base = ranges.length / 2;
      for (let I = 0; I + 1 < sm.mask.rows.length; I++) {
        rows.push(r0 + sm.mask.rows[I + 1]);
        ptr.push(base + sm.mask.ptr[I + 1]);
      }
      for (const r of sm.mask.ranges) ranges.push(r0 + r);
    }
    const mask: BlockMask = { rows: Int32Array.from(rows), ptr: Int32Array.from(ptr), ranges: Int32Array.from(ranges) };
    const vs = values === x ? xs : values === q ? qs : permute(values, order, d, this.buf('vs', n * d));
    this.kept = kept;
    this.total = total;
    this.lastMask = mask;
    this.lastOrder = order;
    const lseS = this.buf('lse', n),
      meanS = this.buf('mean', n * d);
    backend.softmaxReduce({
      x: qs,
      n,
      y: xs,
      m: n,
      d,
      logWeights: hs,
      values: vs,
      k: d,
      beta,
      score: 'dot',
      mask: { kind: 'blocks', blocks: mask },
      precision,
      lse: lseS,
      mean: meanS,
    });
    for (let s = 0; s < n; s++) {
      const i = order[s];
      lse[i] = lseS[s];
      for (let c = 0; c < d; c++) mean[i * d + c] = meanS[s * d + c];
    }
  }
}

function permute(a: Float64Array, order: Int32Array, w: number, out: Float64Array): Float64Array {
  for (let s = 0; s < order.length; s++) for (let c = 0; c < w; c++) out[s * w + c] = a[order[s] * w + c];
  return out;
}

/**
 * The truncation of a flow, or null when it never truncates. An explicit tau needs attention (softmax or unnormalised)
 * without a mask with beta > 0, on the sphere (or anywhere when `anySpace`: the bound holds for any norms) and
 * InvalidArgumentError otherwise; 'auto' truncates only there, on the sphere, at large n and beta. In an ensemble
 * (segments) 'auto' truncates when every system would on its own: so each system gets the bits of its own run whenever
 * the systems are alike in that (always with an explicit tau).
 */
export function truncationOf(truncate: Truncate, normalization: string, mask: string, space: string, beta: number, anySpace = false) {
  if (truncate === false) return null;
  // USA ('none') sums the same weights unnormalised: the skipped part is at most e^{-tau²} of the row's sum all the same.
  const supported =
    (normalization === 'softmax' || normalization === 'none') && mask === 'none' && (space === 'sphere' || anySpace) && beta > 0;
  if (truncate === 'auto' && !supported) return null;
  if (!supported) {
    const why =
      normalization === 'sinkhorn'
        ? `normalization '${normalization}'`
        : mask !== 'none'
          ? `mask '${mask}'`
          : space !== 'sphere' && !anySpace
            ? `space '${space}'`
            : `beta = ${beta} (the bound needs beta > 0)`;
    throw new InvalidArgumentError('truncate', truncate, `is not supported with ${why} yet: use false or 'auto'`);
  }
  const explicit = truncate !== 'auto';
  const state = new AttentionTruncation(explicit ? truncate : AUTO_TAU);
  const auto = (n: number) => space === 'sphere' && autoTruncates(n, beta);
  return {
    state,
    applies(n: number, segments: Int32Array | null): boolean {
      if (explicit) return true;
      if (segments === null) return auto(n);
      for (let s = 0; s + 1 < segments.length; s++) if (!auto(segments[s + 1] - segments[s])) return false;
      return true;
    },
  };
}
