// The block mask of attention's truncation, row by row (see attention-truncate.ts for the setting).
//
// The argument, for one query row i of cluster I (all arrays in tree order):
// 1. Kept weight. Row i always keeps its own cluster I, so its kept weight is at least
//    L_i = sum_{j in I} a_j e^{beta <q_i, y_j>}, computed exactly (each dot product lowered by its rounding slack).
// 2. Far clusters. With the cluster bound U_IJ >= a_j e^{beta <q, y>} summed over J, for every q in I (see
//    attention-bounds.ts), whole groups and then leaves J with U_IJ below e^{-tau²} min_I L / (2 K) are dropped for the
//    whole cluster: at most K terms, so their sum F_I is below half of e^{-tau²} L_i for every row i of I.
//    F_I is summed (an upper bound, not the union bound) and charged to each row.
// 3. Near clusters, by sub-leaf. Each cluster I is split again into sub-leaves b of a few rows (kdSubLeaves), each a
//    query block of the mask with its own, smaller angular radius: U_bJ, the cluster bound between b and J, bounds
//    every row of b. Sub-leaf b skips the J != I with the smallest U_bJ, smallest first, while their sum stays
//    within B_b = e^{-tau²} min_{i in b} L_i - F_I. So skipped(i) <= F_I + B_b <= e^{-tau²} L_i <= e^{-tau²} kept(i).
// The kernel streams row by row, so small query blocks cost only the mask's size.
import type { BlockMask } from '../backend/index.js';
import type { KdLeaves } from '../backend/clusters.js';
import {
  GROUP,
  ROUNDING,
  geometry,
  groupGeometry,
  newGeometry,
  upperLogWeights,
  upperLogWeightsOf,
  type Geometry,
} from './attention-bounds.js';

/** Relative slack on sums of exponentials (covers their rounding). */
const SUM_SLACK = 1e-12;

/** log of the total weight a_j = e^{h_j} of each cluster. */
function clusterLogWeights(offsets: Int32Array, K: number, hs: Float64Array): Float64Array {
  const logW = new Float64Array(K);
  for (let J = 0; J < K; J++) logW[J] = logSumExp(hs, offsets[J], offsets[J + 1]);
  return logW;
}

function logSumExp(a: Float64Array, from: number, to: number): number {
  let top = -Infinity;
  for (let j = from; j < to; j++) if (a[j] > top) top = a[j];
  if (top === -Infinity) return -Infinity;
  let s = 0;
  for (let j = from; j < to; j++) s += Math.exp(a[j] - top);
  return top + Math.log(s);
}

/** log L_i (step 1): each row's exact weight from its own cluster, rounded down. */
export function ownClusterLogWeights(tree: KdLeaves, qs: Float64Array, xs: Float64Array, hs: Float64Array, d: number, beta: number) {
  const { K, offsets } = tree;
  const n = offsets[K];
  const out = new Float64Array(n);
  const qNorm = rowNorms(qs, n, d),
    yNorm = qs === xs ? qNorm : rowNorms(xs, n, d);
  let widest = 0;
  for (let c = 0; c < K; c++) widest = Math.max(widest, offsets[c + 1] - offsets[c]);
  const terms = new Float64Array(widest);
  const slack = Math.log1p(-SUM_SLACK);
  for (let I = 0; I < K; I++) {
    const a = offsets[I],
      b = offsets[I + 1];
    for (let i = a; i < b; i++) {
      let top = -Infinity;
      for (let j = a; j < b; j++) {
        let dot = 0;
        for (let k = 0; k < d; k++) dot += qs[i * d + k] * xs[j * d + k];
        const v = hs[j] + beta * (dot - ROUNDING * qNorm[i] * yNorm[j]);
        terms[j - a] = v;
        if (v > top) top = v;
      }
      let s = 0;
      if (top > -Infinity) for (let t = 0; t < b - a; t++) s += Math.exp(terms[t] - top);
      out[i] = top === -Infinity ? -Infinity : top + Math.log(s) + slack;
    }
  }
  return out;
}

function rowNorms(p: Float64Array, n: number, d: number): Float64Array {
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += p[i * d + k] * p[i * d + k];
    r[i] = Math.sqrt(s);
  }
  return r;
}

/** The row-by-row mask (see the file's comment) and the pairs it keeps. */
export function truncationMask(
  tree: KdLeaves,
  sub: KdLeaves,
  qs: Float64Array,
  xs: Float64Array,
  hs: Float64Array,
  gq: Geometry,
  gy: Geometry,
  d: number,
  beta: number,
  tau: number,
): { mask: BlockMask; kept: number } {
  const { K, offsets } = tree;
  const tau2 = tau * tau;
  const logW = clusterLogWeights(offsets, K, hs);
  const logL = ownClusterLogWeights(tree, qs, xs, hs, d, beta);
  const groups = groupGeometry(gy, logW, K, d);
  const gs = newGeometry(sub.K, d);
  geometry(qs, sub, d, gs);
  const G = groups.logW.length;
  const logUG = new Float64Array(G),
    logU = new Float64Array(K);
  const cand = new Int32Array(K),
    near = new Float64Array(K),
    nearJ = new Int32Array(K),
    keep = new Uint8Array(K),
    far = new Float64Array(K + G);
  const rows = sub.offsets,
    ptr = new Int32Array(sub.K + 1);
  let ranges = new Int32Array(Math.max(16, 8 * sub.K));
  let b = 0; // the next sub-leaf
  let nr = 0,
    kept = 0;
  for (let I = 0; I < K; I++) {
    let minL = Infinity;
    for (let i = offsets[I]; i < offsets[I + 1]; i++) minL = Math.min(minL, logL[i]);
    // Step 2: F_I, the cluster bounds of what the whole cluster drops, each below e^{-tau²} min L / (2K).
    const cut = minL - tau2 - Math.LN2 - Math.log(Math.max(1, K));
    upperLogWeights(gq, I, groups, groups.logW, d, beta, logUG);
    let nf = 0,
      nc = 0;
    for (let g = 0; g < G; g++) {
      const from = g * GROUP,
        to = Math.min(K, from + GROUP);
      if (logUG[g] < cut && !(I >= from && I < to)) {
        far[nf++] = logUG[g];
        continue;
      }
      upperLogWeights(gq, I, gy, logW, d, beta, logU, from, to);
      for (let J = from; J < to; J++) {
        if (J !== I && logU[J] < cut) far[nf++] = logU[J];
        else cand[nc++] = J;
      }
    }
    let farTop = -Infinity;
    for (let t = 0; t < nf; t++) if (far[t] > farTop) farTop = far[t];
    let farSum = 0;
    if (farTop > -Infinity) for (let t = 0; t < nf; t++) farSum += Math.exp(far[t] - farTop);
    const logF = farTop === -Infinity ? -Infinity : farTop + Math.log(farSum * (1 + SUM_SLACK));
    // Step 3, sub-leaf by sub-leaf (the sub-leaves of I tile it): its rows' smallest budget, its own bounds.
    for (; b < sub.K && sub.offsets[b] < offsets[I + 1]; b++) {
      let total = Infinity;
      for (let i = sub.offsets[b]; i < sub.offsets[b + 1]; i++) total = Math.min(total, logL[i] - tau2);
      // B = e^{total} - F_I (> half of e^{total}: F_I is below it by step 2).
      const logB = logF === -Infinity ? total : total + Math.log1p(-Math.exp(logF - total));
      const m = nearBounds(gs, b, gy, logW, cand, nc, I, d, beta, logB, keep, logU, near, nearJ);
      skipSmallestFirst(near, nearJ, m, logB, keep);
      if (nr + 2 * nc > ranges.length) {
        const grown = new Int32Array(2 * ranges.length + 2 * nc);
        grown.set(ranges);
        ranges = grown;
      }
      let open = -1,
        last = -2,
        keys = 0;
      for (let t = 0; t < nc; t++) {
        const J = cand[t];
        if (keep[J] === 0) continue;
        keys += offsets[J + 1] - offsets[J];
        if (J !== last + 1) {
          if (open >= 0) {
            ranges[nr++] = offsets[open];
            ranges[nr++] = offsets[last + 1];
          }
          open = J;
        }
        last = J;
      }
      if (open >= 0) {
        ranges[nr++] = offsets[open];
        ranges[nr++] = offsets[last + 1];
      }
      kept += keys * (sub.offsets[b + 1] - sub.offsets[b]);
      ptr[b + 1] = nr / 2;
    }
  }
  return { mask: { rows, ptr, ranges: ranges.slice(0, nr) }, kept };
}

/**
 * Step 3's bounds for sub-leaf b: marks keep[J] = 1 for the candidates that must stay (I itself, and every J whose
 * bound U_bJ is not below logB), and lists the others (log U_bJ, J) in near/nearJ; returns their count.
 */
function nearBounds(
  gs: Geometry,
  b: number,
  gy: Geometry,
  logW: Float64Array,
  cand: Int32Array,
  nc: number,
  I: number,
  d: number,
  beta: number,
  logB: number,
  keep: Uint8Array,
  logU: Float64Array,
  near: Float64Array,
  nearJ: Int32Array,
): number {
  upperLogWeightsOf(gs, b, gy, logW, d, beta, logU, cand, nc);
  let m = 0;
  for (let t = 0; t < nc; t++) {
    const J = cand[t];
    keep[J] = 1;
    if (J === I) continue;
    if (logU[J] < logB) {
      near[m] = logU[J];
      nearJ[m++] = J;
      keep[J] = 0;
    }
  }
  return m;
}

/**
 * Skips (keep stays 0) the near clusters smallest bound first while their sum stays within e^{logB}; keeps the rest.
 * The bounds below logB - log m are skipped without sorting: the smallest-first order takes them first anyway
 * (they are the smallest) and all m of them together stay within the budget.
 */
function skipSmallestFirst(near: Float64Array, nearJ: Int32Array, m: number, logB: number, keep: Uint8Array): void {
  let sum = 0;
  for (let t = 0; t < m; t++) sum += Math.exp(near[t] - logB);
  if (sum * (1 + SUM_SLACK) <= 1) return;
  const sure = logB - Math.log(m);
  let base = 0,
    rest = 0;
  for (let t = 0; t < m; t++) {
    if (near[t] < sure) base += Math.exp(near[t] - logB);
    else {
      near[rest] = near[t];
      nearJ[rest++] = nearJ[t];
    }
  }
  // Insertion sort of the rest by bound (a handful).
  for (let t = 1; t < rest; t++) {
    const v = near[t],
      J = nearJ[t];
    let s = t - 1;
    for (; s >= 0 && near[s] > v; s--) {
      near[s + 1] = near[s];
      nearJ[s + 1] = nearJ[s];
    }
    near[s + 1] = v;
    nearJ[s + 1] = J;
  }
  sum = base;
  for (let t = 0; t < rest; t++) {
    sum += Math.exp(near[t] - logB);
    if (sum * (1 + SUM_SLACK) > 1) {
      for (let s = t; s < rest; s++) keep[nearJ[s]] = 1;
      return;
    }
  }
}
