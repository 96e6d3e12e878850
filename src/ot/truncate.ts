// Kernel truncation for Sinkhorn: points sorted into k-d tree leaves (clusters), and each half-step
// streams only the (query cluster, key cluster) blocks whose share of the rows' mass is not provably
// below e^{-truncate²} in total. The bound uses the current potentials through a linear model of each
// cluster's "Brenier" potential f~ = |x|² - f (so that f_i + g_j - C_ij = 2<x_i, y_j> - f~_i - g~_j):
// near the solution the plan lies along the transport map, and the model follows it.
import type { BlockMask } from '../backend/index.js';
import { gaussianSolve } from '../linalg.js';

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
export const LEAF_SIZE = 32;

/**
 * Splits n points (row-major, n x d) into k-d tree leaves of at most `leaf` points: each node is cut at the median
 * of its widest coordinate. Deterministic (ties broken by index). O(n log² n).
 */
export function kdClusters(x: Float64Array, n: number, d: number, leaf = LEAF_SIZE): Clusters {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const stack: [number, number][] = [[0, n]];
  const leaves: [number, number][] = [];
  while (stack.length > 0) {
    const [lo, hi] = stack.pop()!;
    if (hi - lo <= leaf) {
      leaves.push([lo, hi]);
      continue;
    }
    let axis = 0,
      widest = -1;
    for (let c = 0; c < d; c++) {
      let mn = Infinity,
        mx = -Infinity;
      for (let s = lo; s < hi; s++) {
        const v = x[order[s] * d + c];
        if (v < mn) mn = v;
        if (v > mx) mx = v;
      }
      if (mx - mn > widest) {
        widest = mx - mn;
        axis = c;
      }
    }
    const part = Array.from(order.subarray(lo, hi)).sort((p, q) => x[p * d + axis] - x[q * d + axis] || p - q);
    order.set(part, lo);
    const mid = (lo + hi) >> 1;
    // Right first, so that leaves come out in tree order (neighbours in space stay neighbours in the list).
    stack.push([mid, hi], [lo, mid]);
  }
  const K = leaves.length;
  const offsets = new Int32Array(K + 1);
  leaves.forEach(([, hi], c) => {
    offsets[c + 1] = hi;
  });
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
 * Per cluster, a linear model of the Brenier potential u_i = |x_i|² - pot_i: u_i >= alpha + 2<x_i - centre, p> - rho
 * for every point of the cluster (p the least-squares slope, so p ≈ the transport map's image of the cluster;
 * rho the largest misfit). alpha is the model's value at the centre.
 */
interface LinearModels {
  alpha: Float64Array;
  slope: Float64Array;
  misfit: Float64Array;
}

function fitModels(x: Float64Array, pot: Float64Array, cl: Clusters, d: number): LinearModels {
  const { K, offsets, centre } = cl;
  const alpha = new Float64Array(K),
    slope = new Float64Array(K * d),
    misfit = new Float64Array(K);
  const D = d + 1;
  const A = new Float64Array(D * D),
    rhs = new Float64Array(D),
    sol = new Float64Array(D),
    row = new Float64Array(D);
  for (let c = 0; c < K; c++) {
    A.fill(0);
    rhs.fill(0);
    const lo = offsets[c],
      hi = offsets[c + 1];
    let count = 0;
    for (let s = lo; s < hi; s++) {
      count++;
      let u = -pot[s];
      row[0] = 1;
      for (let k = 0; k < d; k++) {
        const v = x[s * d + k];
        u += v * v;
        row[k + 1] = 2 * (v - centre[c * d + k]);
      }
      for (let p = 0; p < D; p++) {
        rhs[p] += row[p] * u;
        for (let q = 0; q < D; q++) A[p * D + q] += row[p] * row[q];
      }
    }
    sol.fill(0);
    if (count > 0 && !gaussianSolve(A, rhs, sol, D)) {
      // Degenerate cluster (collinear or duplicate points): the constant model.
      sol.fill(0);
      sol[0] = rhs[0] / A[0];
    }
    alpha[c] = sol[0];
    for (let k = 0; k < d; k++) slope[c * d + k] = sol[k + 1];
    // The model as a lower bound: shift down by the largest misfit over the cluster's points.
    let worst = 0;
    for (let s = lo; s < hi; s++) {
      let u = -pot[s],
        m = sol[0];
      for (let k = 0; k < d; k++) {
        const v = x[s * d + k];
        u += v * v;
        m += 2 * (v - centre[c * d + k]) * sol[k + 1];
      }
      const e = m - u;
      if (e > worst) worst = e;
    }
    misfit[c] = worst;
  }
  return { alpha, slope, misfit };
}

/** One side of a half-step: points (sorted), their clusters, potentials and log-weights. */
export interface Side {
  x: Float64Array;
  clusters: Clusters;
  pot: Float64Array;
  logWeight: Float64Array;
  weight: Float64Array;
}

/**
 * The block mask of a half-step out_i = -eps log sum_j w_j e^{(pot_j - C_ij)/eps} for queries q (rows) and keys k,
 * keeping every block whose bound on sum_{j in J} w_j e^{(q.pot_i + k.pot_j - C_ij)/eps} is at least
 * e^{-threshold - margin}, and at least one block per query cluster. With
 * u~ = |x|² - pot >= alpha + 2<x - centre, slope> - misfit per cluster, for i in I and j in J:
 * q.pot_i + k.pot_j - C_ij = 2<x_i, y_j> - u~_i - v~_j <= 2<cI, cJ> - alphaI - alphaJ + misfitI + misfitJ
 * + 2 rI |cJ - slopeI| + 2 rJ |cI - slopeJ| + 2 rI rJ, and, for the blocks this keeps, row by row
 * <= 2<x_i, cJ> - u~_i - alphaJ + misfitJ + 2 rJ |x_i - slopeJ| (exact on the query side, so only the key
 * cluster's radius enters, times the distance to where its keys come from). The rows' mass at the new potential is that sum times
 * e^{(out_i - q.pot_i)/eps}; `margin` (log units) must cover max (out_i - q.pot_i)/eps, which the caller checks.
 */
export function blockMask(q: Side, k: Side, d: number, eps: number, threshold: number, margin: number): { mask: BlockMask; kept: number } {
  const mq = fitModels(q.x, q.pot, q.clusters, d);
  const mk = fitModels(k.x, k.pot, k.clusters, d);
  const KQ = q.clusters.K,
    KK = k.clusters.K;
  // log of each key cluster's total weight.
  const logMass = new Float64Array(KK);
  for (let c = 0; c < KK; c++) {
    let s = 0;
    for (let j = k.clusters.offsets[c]; j < k.clusters.offsets[c + 1]; j++) s += k.weight[j];
    logMass[c] = Math.log(s);
  }
  // u~_i = |x_i|² - pot_i of the queries.
  const nq = q.pot.length;
  const brenierQ = new Float64Array(nq);
  for (let i = 0; i < nq; i++) {
    let s = -q.pot[i];
    for (let c = 0; c < d; c++) s += q.x[i * d + c] ** 2;
    brenierQ[i] = s;
  }
  const rows = new Int32Array(KQ + 1),
    ptr = new Int32Array(KQ + 1);
  const ranges: number[] = [];
  const bound = new Float64Array(KK);
  const cut = -threshold - margin;
  let kept = 0;
  for (let I = 0; I < KQ; I++) {
    rows[I + 1] = q.clusters.offsets[I + 1];
    const rI = q.clusters.radius[I];
    let best = -Infinity,
      bestJ = 0;
    for (let J = 0; J < KK; J++) {
      if (logMass[J] === -Infinity) {
        bound[J] = -Infinity;
        continue;
      }
      const rJ = k.clusters.radius[J];
      let dot = 0,
        dI = 0,
        dJ = 0;
      for (let c = 0; c < d; c++) {
        const cI = q.clusters.centre[I * d + c],
          cJ = k.clusters.centre[J * d + c];
        dot += cI * cJ;
        dI += (cJ - mq.slope[I * d + c]) ** 2;
        dJ += (cI - mk.slope[J * d + c]) ** 2;
      }
      let u =
        2 * dot - mq.alpha[I] - mk.alpha[J] + mq.misfit[I] + mk.misfit[J] + 2 * rI * Math.sqrt(dI) + 2 * rJ * Math.sqrt(dJ) + 2 * rI * rJ;
      if (logMass[J] + u / eps >= cut) {
        // Refined row by row for the blocks the cluster bound keeps (cost |I| d each): with y_j = cJ + v,
        // 2<x_i, y_j> - u~_i - v~_j <= 2<x_i, cJ> - u~_i - alphaJ + misfitJ + 2 rJ |x_i - slopeJ|.
        let top = -Infinity;
        for (let i = q.clusters.offsets[I]; i < q.clusters.offsets[I + 1]; i++) {
          let xc = 0,
            dq = 0;
          for (let c = 0; c < d; c++) {
            const v = q.x[i * d + c];
            xc += v * k.clusters.centre[J * d + c];
            dq += (v - mk.slope[J * d + c]) ** 2;
          }
          const t = 2 * xc - brenierQ[i] + 2 * rJ * Math.sqrt(dq);
          if (t > top) top = t;
        }
        u = Math.min(u, top - mk.alpha[J] + mk.misfit[J]);
      }
      bound[J] = logMass[J] + u / eps;
      if (bound[J] > best) {
        best = bound[J];
        bestJ = J;
      }
    }
    // Consecutive kept clusters merge into one range (leaves in tree order are contiguous).
    let open = -1;
    for (let J = 0; J <= KK; J++) {
      const keep = J < KK && (bound[J] >= cut || J === bestJ);
      if (keep) {
        if (open < 0) open = J;
        kept += (q.clusters.offsets[I + 1] - q.clusters.offsets[I]) * (k.clusters.offsets[J + 1] - k.clusters.offsets[J]);
      } else if (open >= 0) {
        ranges.push(k.clusters.offsets[open], k.clusters.offsets[J]);
        open = -1;
      }
    }
    ptr[I + 1] = ranges.length / 2;
  }
  return { mask: { rows, ptr, ranges: Int32Array.from(ranges) }, kept };
}

/** Margin (log units) assumed for max (out_i - pot_i)/eps before a half-step has been checked. */
const INITIAL_MARGIN = 20;
/** Smallest margin a mask is built with: room for the potentials to drift while the mask is reused. */
const MIN_MARGIN = 3;
/** Retries of one half-step with a rebuilt mask before it runs unmasked. */
const MAX_RETRIES = 3;

/** A mask with the potentials and eps it was built for. */
interface CachedMask {
  mask: BlockMask;
  kept: number;
  eps: number;
  margin: number;
  qPot: Float64Array;
  kPot: Float64Array;
}

/**
 * The truncation of one solve: block masks per half-step kind, reused while they stay valid. A mask built at
 * potentials (p0 on the queries, k0 on the keys) with margin M skips blocks with
 * log sum_{j in J} w_j e^{(p0_i + k0_j - C_ij)/eps} < -threshold - M; for later key potentials k and the rows'
 * result out, the skipped share of row i is below e^{-threshold} as long as
 * max_i (out_i - p0_i)/eps + max_j (k_j - k0_j)/eps <= M (shifts of the gauge cancel). That is checked after
 * every half-step; when it fails, the mask is rebuilt from the current potentials and the half-step redone.
 */
export class Truncation {
  private readonly cache = new Map<string, CachedMask>();
  private readonly margins = new Map<string, number>();
  /** Pairs streamed and pairs in full, over the solve (for reporting). */
  kept = 0;
  total = 0;

  /** truncate: the bound e^{-truncate²} on each row's lost share. */
  constructor(
    private readonly truncate: number,
    private readonly d: number,
  ) {}

  /**
   * Runs one half-step out = T(k.pot) for queries q through run(mask) (mask null: unmasked), with q.pot the rows'
   * current potential (not aliased with out).
   */
  halfStep(kind: string, q: Side, k: Side, eps: number, out: Float64Array, run: (mask: BlockMask | null) => void): void {
    const n = q.pot.length,
      m = k.pot.length;
    let c = this.cache.get(kind);
    for (let attempt = 0; ; attempt++) {
      if (attempt > MAX_RETRIES) {
        run(null);
        this.kept += n * m;
        this.total += n * m;
        return;
      }
      if (c === undefined || c.eps !== eps || attempt > 0) {
        const margin = Math.max(MIN_MARGIN, this.margins.get(kind) ?? INITIAL_MARGIN);
        const { mask, kept } = blockMask(q, k, this.d, eps, this.truncate ** 2 + Math.log(k.clusters.K), margin);
        c = { mask, kept, eps, margin, qPot: q.pot.slice(), kPot: k.pot.slice() };
        this.cache.set(kind, c);
      }
      let drift = -Infinity;
      for (let j = 0; j < m; j++) {
        const v = (k.pot[j] - c.kPot[j]) / eps;
        if (v > drift) drift = v;
      }
      run(c.mask);
      let worst = -Infinity;
      for (let i = 0; i < n; i++) {
        const v = (out[i] - c.qPot[i]) / eps;
        if (v > worst) worst = v;
      }
      const need = worst + drift;
      if (need <= c.margin) {
        this.kept += c.kept;
        this.total += n * m;
        const next = 1.5 * (worst + Math.max(drift, 0)) + 0.5;
        this.margins.set(kind, next);
        // A mask much wider than the potentials now need is rebuilt tighter at the next half-step.
        if (c.margin > Math.max(MIN_MARGIN, 2 * next)) this.cache.delete(kind);
        return;
      }
      this.margins.set(kind, need + 1);
    }
  }
}

/** A truncated solve's context: the pair is in cluster order; side() gives a half-step's view of one cloud. */
export interface TruncationContext {
  cx: Clusters;
  cy: Clusters;
  trunc: Truncation;
  side(which: 'x' | 'y', pot: Float64Array): Side;
}

/** Truncated self-transport: x in cluster order, its clusters, the solve's Truncation and a start at schedule[0]. */
export interface SelfTruncation {
  clusters: Clusters;
  trunc: Truncation;
  init?: Float64Array;
}
