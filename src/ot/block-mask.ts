// The block mask of one truncated Sinkhorn half-step: which (query cluster, key cluster) blocks the bound keeps.
// The bound uses the current potentials through a linear model of each cluster's "Brenier" potential
// f~ = |x|² - f (so that f_i + g_j - C_ij = 2<x_i, y_j> - f~_i - g~_j): near the solution the plan lies along the
// transport map, and the model follows it. Many key leaves are bounded in two levels, groups of leaves first,
// so that building a mask costs far less than the K² leaf pairs.
import type { BlockMask } from '../backend/index.js';
import { gaussianSolve } from '../linalg.js';
import { groupClusters, type Clusters } from './clusters.js';

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

/** Leaves per group of the upper level of the bound. */
const GROUP = 16;
/** Fewer key leaves than this are bounded in one level (every leaf pair; the mask is then as before grouping). */
const MIN_GROUPED = 64;
/** Query leaves per row block of the mask. */
const QUERY_LEAVES = 2;

/** log of each cluster's total weight. */
function logMasses(w: Float64Array, cl: Clusters): Float64Array {
  const out = new Float64Array(cl.K);
  for (let c = 0; c < cl.K; c++) {
    let s = 0;
    for (let j = cl.offsets[c]; j < cl.offsets[c + 1]; j++) s += w[j];
    out[c] = Math.log(s);
  }
  return out;
}

/**
 * The cluster-level bound of q.pot_i + k.pot_j - C_ij = 2<x_i, y_j> - u~_i - v~_j over i in cluster I (of A) and
 * j in cluster J (of B): 2<cI, cJ> - alphaI - alphaJ + misfitI + misfitJ + 2 rI |cJ - slopeI| + 2 rJ |cI - slopeJ|
 * + 2 rI rJ (write x = cI + s, y = cJ + t, |s| <= rI, |t| <= rJ, and use each model's lower bound).
 */
function clusterBound(A: Clusters, mA: LinearModels, I: number, B: Clusters, mB: LinearModels, J: number, d: number): number {
  const rI = A.radius[I],
    rJ = B.radius[J];
  let dot = 0,
    dI = 0,
    dJ = 0;
  for (let c = 0; c < d; c++) {
    const cI = A.centre[I * d + c],
      cJ = B.centre[J * d + c];
    dot += cI * cJ;
    dI += (cJ - mA.slope[I * d + c]) ** 2;
    dJ += (cI - mB.slope[J * d + c]) ** 2;
  }
  return 2 * dot - mA.alpha[I] - mB.alpha[J] + mA.misfit[I] + mB.misfit[J] + 2 * rI * Math.sqrt(dI) + 2 * rJ * Math.sqrt(dJ) + 2 * rI * rJ;
}

/**
 * The block mask of a half-step out_i = -eps log sum_j w_j e^{(pot_j - C_ij)/eps} for queries q (rows) and keys k.
 * For i in I and j in J, q.pot_i + k.pot_j - C_ij is at most clusterBound(I, J) and, row by row (exact on the
 * query side, so only the key cluster's radius enters, times the distance to where its keys come from),
 * 2<x_i, cJ> - u~_i - alphaJ + misfitJ + 2 rJ |x_i - slopeJ|; W_J e^{bound/eps} then bounds the block's mass in
 * row i (W_J the key weight of J). A block is skipped when that bound is below e^{cut}, and the cuts split
 * e^{-tau2 - margin} among everything skipped (a union bound), so every row's skipped mass is at most
 * e^{-tau2 - margin}:
 * - up to MIN_GROUPED key leaves: each of the K leaves gets e^{-tau2 - margin} / K (one level);
 * - from MIN_GROUPED leaves, two levels: groups of GROUP leaves share half (each skipped group bounded by its
 *   cluster bound over all its points), and the L leaves of the groups kept share the other half (e^{.}/(2 L) each).
 * At least one block per query cluster is kept. The rows' mass at the new potential is the skipped sum times
 * e^{(out_i - q.pot_i)/eps}; `margin` (log units) must cover max (out_i - q.pot_i)/eps, which the caller checks.
 */
export function blockMask(q: Side, k: Side, d: number, eps: number, tau2: number, margin: number): { mask: BlockMask; kept: number } {
  // Rows go to the kernel in blocks of QUERY_LEAVES leaves (its per-block cost wants long blocks); their bound is
  // refined row by row, so the blocks' radius only enters the cheap first test.
  const qc = QUERY_LEAVES > 1 ? groupClusters(q.x, q.clusters, QUERY_LEAVES, d) : q.clusters,
    kc = k.clusters;
  const mq = fitModels(q.x, q.pot, qc, d);
  const mk = fitModels(k.x, k.pot, kc, d);
  const KQ = qc.K,
    KK = kc.K;
  const logMass = logMasses(k.weight, kc);
  const groups = KK >= MIN_GROUPED ? groupClusters(k.x, kc, GROUP, d) : null;
  const mg = groups && fitModels(k.x, k.pot, groups, d);
  const logMassG = groups && logMasses(k.weight, groups);
  const KG = groups === null ? 0 : groups.K;
  const groupKept = new Uint8Array(KG);
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
  const base = -tau2 - margin;
  const cutG = base - Math.log(2 * KG);
  let kept = 0;
  for (let I = 0; I < KQ; I++) {
    rows[I + 1] = qc.offsets[I + 1];
    let leaves = KK;
    if (groups !== null) {
      leaves = 0;
      let bestG = 0,
        bestGb = -Infinity;
      for (let G = 0; G < KG; G++) {
        const b = logMassG![G] === -Infinity ? -Infinity : logMassG![G] + clusterBound(qc, mq, I, groups, mg!, G, d) / eps;
        groupKept[G] = b >= cutG ? 1 : 0;
        if (groupKept[G] === 1) leaves += Math.min(GROUP, KK - G * GROUP);
        if (b > bestGb) {
          bestGb = b;
          bestG = G;
        }
      }
      if (leaves === 0) {
        groupKept[bestG] = 1;
        leaves = Math.min(GROUP, KK - bestG * GROUP);
      }
    }
    const cut = groups === null ? base - Math.log(KK) : base - Math.log(2 * leaves);
    let best = -Infinity,
      bestJ = -1;
    for (let J = 0; J < KK; J++) {
      bound[J] = -Infinity;
      if ((groups !== null && groupKept[(J / GROUP) | 0] === 0) || logMass[J] === -Infinity) continue;
      if (bestJ < 0) bestJ = J;
      let u = clusterBound(qc, mq, I, kc, mk, J, d);
      if (logMass[J] + u / eps >= cut) {
        // One row's bound is at most the block's: when it already keeps the block (most kept blocks, away from the
        // edge of the kept region), the other rows need not be bounded, as keeping a block is always safe.
        const mid = (qc.offsets[I] + qc.offsets[I + 1]) >> 1;
        const probe = Math.min(u, rowsBound(q, kc, mk, brenierQ, mid, mid + 1, J, d));
        u = logMass[J] + probe / eps >= cut ? probe : Math.min(u, rowsBound(q, kc, mk, brenierQ, qc.offsets[I], qc.offsets[I + 1], J, d));
      }
      bound[J] = logMass[J] + u / eps;
      if (bound[J] > best) {
        best = bound[J];
        bestJ = J;
      }
    }
    if (bestJ < 0) bestJ = 0;
    // Consecutive kept clusters merge into one range (leaves in tree order are contiguous).
    let open = -1;
    for (let J = 0; J <= KK; J++) {
      const keep = J < KK && (bound[J] >= cut || J === bestJ);
      if (keep) {
        if (open < 0) open = J;
        kept += (qc.offsets[I + 1] - qc.offsets[I]) * (kc.offsets[J + 1] - kc.offsets[J]);
      } else if (open >= 0) {
        ranges.push(kc.offsets[open], kc.offsets[J]);
        open = -1;
      }
    }
    ptr[I + 1] = ranges.length / 2;
  }
  return { mask: { rows, ptr, ranges: Int32Array.from(ranges) }, kept };
}

/**
 * The row-by-row bound of rows [from, to) against key cluster J (cost (to - from) d): with y_j = cJ + v,
 * 2<x_i, y_j> - u~_i - v~_j <= 2<x_i, cJ> - u~_i - alphaJ + misfitJ + 2 rJ |x_i - slopeJ|, maximised over the rows.
 */
function rowsBound(
  q: Side,
  kc: Clusters,
  mk: LinearModels,
  brenierQ: Float64Array,
  from: number,
  to: number,
  J: number,
  d: number,
): number {
  const rJ = kc.radius[J];
  let top = -Infinity;
  for (let i = from; i < to; i++) {
    let xc = 0,
      dq = 0;
    for (let c = 0; c < d; c++) {
      const v = q.x[i * d + c];
      xc += v * kc.centre[J * d + c];
      dq += (v - mk.slope[J * d + c]) ** 2;
    }
    const t = 2 * xc - brenierQ[i] + 2 * rJ * Math.sqrt(dq);
    if (t > top) top = t;
  }
  return top - mk.alpha[J] + mk.misfit[J];
}
