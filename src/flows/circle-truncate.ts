// The circle flow at large beta: each query arc streams only the key arcs whose weight is not provably below
// e^{-tau²} of every one of its rows' weight, through the kernel's block mask (no second kernel). The 1-D version
// of attention-truncate.ts.
//
// The bound. Angles wrapped into [0, 2π) are sorted (ties by index) and cut into clusters of LEAF consecutive
// points: arcs with a centre c and a half-width r. For a query q in arc I and a key y in arc J the circular
// distance is at least psi = max(0, D(c_I, c_J) - r_I - r_J) (triangle inequality, D the circular distance in
// [0, π]), and cos falls on [0, π], so the key's weight a_y e^{beta cos(θ_y - θ_q)} is at most a_y e^{beta cos psi}
// (beta > 0): arc J weighs at most U_IJ = W_J e^{beta cos psi}, W_J its total weight. Every row keeps its own key,
// of weight a_i e^{beta}: the kept weight of row i is at least L_I = min_{i in I} a_i e^{beta}. Arc I skips a set
// S of arcs only when sum_{J in S} U_IJ <= e^{-tau²} L_I, half of that budget for the far arcs in bulk (all the
// weight W times e^{beta cos} of the nearest far point: they are never looked at one by one, so a row costs the
// arcs near it, not K) and half for the near arcs one by one. So every row's skipped weight is at most e^{-tau²}
// of its kept weight: the softmax velocity moves by at most 2 e^{-tau²}, the unnormalised one by at most
// e^{-tau²} Z_i. The arcs are recut from the angles of each evaluation (a sort): no state, so an ensemble's
// systems (each cut on its own, ranges offset by its segment) get the bits of their own runs.
import type { Backend, BlockMask, Precision } from '../backend/index.js';
import { InvalidArgumentError } from '../errors.js';
import { AUTO_MAX_FRACTION, AUTO_MIN_N, AUTO_TAU, type Truncate } from './attention-truncate.js';

/** Points per arc. */
const LEAF = 32;
/** Slack on each score beta cos(.) in units of beta: covers the kernel's and the bound's rounding of cos and angles. */
const SLACK = 1e-9;
const TWO_PI = 2 * Math.PI;

/** The circle's 'auto' rule: truncate when n >= 4096 and the predicted kept fraction tau / (π sqrt(beta)) <= 1/16. */
export function circleAutoTruncates(n: number, beta: number): boolean {
  return n >= AUTO_MIN_N && beta > 0 && AUTO_TAU / (Math.PI * Math.sqrt(beta)) <= AUTO_MAX_FRACTION;
}

/**
 * The truncation of a circle flow, or null when it never truncates. An explicit tau needs beta > 0 and no
 * interaction (InvalidArgumentError otherwise: a general h has no far-field bound); 'auto' truncates only there.
 * In an ensemble (segments) 'auto' truncates when every system would on its own, so each system's bits stay those
 * of its own run whenever its systems are alike (explicit tau: always).
 */
export function circleTruncationOf(truncate: Truncate, beta: number | undefined, interaction: boolean) {
  if (truncate === false) return null;
  const supported = !interaction && beta !== undefined && beta > 0;
  if (truncate === 'auto' && !supported) return null;
  if (!supported) {
    const why = interaction ? 'interaction (a general h has no bound on its far field)' : `beta = ${beta} (the bound needs beta > 0)`;
    throw new InvalidArgumentError('truncate', truncate, `is not supported with ${why}: use false or 'auto'`);
  }
  const explicit = truncate !== 'auto';
  const b = beta as number;
  const state = new CircleTruncation(explicit ? truncate : AUTO_TAU);
  return {
    state,
    applies(n: number, segments: Int32Array | null): boolean {
      if (explicit) return true;
      if (segments === null) return circleAutoTruncates(n, b);
      for (let s = 0; s + 1 < segments.length; s++) if (!circleAutoTruncates(segments[s + 1] - segments[s], b)) return false;
      return true;
    },
  };
}

/** The truncation state of one circle flow: the last evaluation's statistics and mask (for reporting and tests). */
export class CircleTruncation {
  /** Pairs the last evaluation streamed, and the pairs of the exact call. */
  kept = 0;
  total = 0;
  last: ArcMask | null = null;

  constructor(readonly tau: number) {}

  /**
   * The reduction of circle's kernel (points e = (cos θ, sin θ), log-weights h, values e) with the keys the bound
   * lets each row skip left out: lse and mean (n x 2) in the caller's order.
   */
  reduce(
    backend: Backend,
    theta: Float64Array,
    e: Float64Array,
    h: Float64Array,
    n: number,
    segments: Int32Array | null,
    beta: number,
    precision: Precision,
    lse: Float64Array,
    mean: Float64Array,
  ): void {
    const am = arcMask(theta, h, n, segments, beta, this.tau);
    const { order, mask } = am;
    const es = new Float64Array(2 * n),
      hs = new Float64Array(n);
    for (let s = 0; s < n; s++) {
      const i = order[s];
      es[2 * s] = e[2 * i];
      es[2 * s + 1] = e[2 * i + 1];
      hs[s] = h[i];
    }
    const lseS = new Float64Array(n),
      meanS = new Float64Array(2 * n);
    backend.softmaxReduce({
      x: es,
      n,
      y: es,
      m: n,
      d: 2,
      logWeights: hs,
      values: es,
      k: 2,
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
      mean[2 * i] = meanS[2 * s];
      mean[2 * i + 1] = meanS[2 * s + 1];
    }
    this.kept = am.kept;
    this.last = am;
    let total = 0;
    if (segments === null) total = n * n;
    else for (let s = 0; s + 1 < segments.length; s++) total += (segments[s + 1] - segments[s]) ** 2;
    this.total = total;
  }
}

/** An evaluation's mask: order[s] = original index at sorted position s (per system), the mask over sorted rows. */
export interface ArcMask {
  order: Int32Array;
  mask: BlockMask;
  kept: number;
}

/**
 * The block mask of one evaluation over n angles theta with log-weights h, in the order it returns; systems
 * (segments, or null for one) are cut apart, each row seeing only keys of its own system.
 */
export function arcMask(theta: Float64Array, h: Float64Array, n: number, segments: Int32Array | null, beta: number, tau: number): ArcMask {
  const order = new Int32Array(n);
  const phi = new Float64Array(n);
  for (let i = 0; i < n; i++) phi[i] = theta[i] - TWO_PI * Math.floor(theta[i] / TWO_PI);
  const systems = segments === null ? 1 : segments.length - 1;
  const rows: number[] = [0],
    ptr: number[] = [0],
    ranges: number[] = [];
  let kept = 0;
  for (let s = 0; s < systems; s++) {
    const r0 = segments === null ? 0 : segments[s],
      r1 = segments === null ? n : segments[s + 1];
    const idx = new Int32Array(r1 - r0);
    for (let i = 0; i < idx.length; i++) idx[i] = r0 + i;
    idx.sort((a, b) => phi[a] - phi[b] || a - b);
    order.set(idx, r0);
    kept += systemMask(phi, h, idx, r0, beta, tau, rows, ptr, ranges);
  }
  return { order, mask: { rows: Int32Array.from(rows), ptr: Int32Array.from(ptr), ranges: Int32Array.from(ranges) }, kept };
}

/** Appends the blocks of one system (its points idx in angle order, at rows r0 + s) to rows, ptr, ranges; returns its kept pairs. */
function systemMask(
  phi: Float64Array,
  h: Float64Array,
  idx: Int32Array,
  r0: number,
  beta: number,
  tau: number,
  rows: number[],
  ptr: number[],
  ranges: number[],
): number {
  const m = idx.length,
    K = Math.ceil(m / LEAF);
  const centre = new Float64Array(K),
    half = new Float64Array(K),
    start = new Float64Array(K),
    end = new Float64Array(K),
    logW = new Float64Array(K),
    minH = new Float64Array(K);
  let topAll = -Infinity;
  for (let J = 0; J < K; J++) {
    const a = J * LEAF,
      b = Math.min(m, a + LEAF);
    start[J] = phi[idx[a]];
    end[J] = phi[idx[b - 1]];
    centre[J] = 0.5 * (start[J] + end[J]);
    half[J] = 0.5 * (end[J] - start[J]);
    let top = -Infinity,
      low = Infinity;
    for (let s = a; s < b; s++) {
      top = Math.max(top, h[idx[s]]);
      low = Math.min(low, h[idx[s]]);
    }
    let sum = 0;
    if (top > -Infinity) for (let s = a; s < b; s++) sum += Math.exp(h[idx[s]] - top);
    logW[J] = top === -Infinity ? -Infinity : top + Math.log(sum);
    minH[J] = low;
    topAll = Math.max(topAll, logW[J]);
  }
  let total = 0;
  if (topAll > -Infinity) for (let J = 0; J < K; J++) total += Math.exp(logW[J] - topAll);
  const logTotal = topAll === -Infinity ? -Infinity : topAll + Math.log(total);
  // log e^{beta cos psi} with the slack, psi clamped to [0, π] (the circular distance is at most π).
  const score = (psi: number) => beta * (Math.cos(Math.min(Math.PI, Math.max(0, psi))) + SLACK);
  const walked: number[] = [],
    logU: number[] = [];
  let kept = 0;
  for (let I = 0; I < K; I++) {
    rows.push(r0 + Math.min(m, (I + 1) * LEAF));
    const half2 = minH[I] + beta * (1 - SLACK) - tau * tau - Math.LN2; // half the budget: log(e^{-tau²} L_I / 2)
    // Walk out from I, the nearer side first, until the arcs not walked weigh at most half the budget in bulk.
    walked.length = 0;
    walked.push(I);
    let L = I,
      R = I;
    while (walked.length < K) {
      const next = (R + 1) % K,
        prev = (L - 1 + K) % K;
      const ahead = mod2pi(start[next] - centre[I]),
        behind = mod2pi(centre[I] - end[prev]);
      if (logTotal + score(Math.min(ahead, behind) - half[I]) <= half2) break;
      if (ahead <= behind) R = next;
      else L = prev;
      walked.push(ahead <= behind ? R : L);
    }
    // Near arcs one by one: skip those below a cut, all of whose bounds sum to at most the other half.
    logU.length = 0;
    for (const J of walked) {
      const gap = Math.abs(centre[J] - centre[I]);
      logU.push(logW[J] === -Infinity ? -Infinity : logW[J] + score(Math.min(gap, TWO_PI - gap) - half[I] - half[J]));
    }
    let cut = half2;
    if (!(sumBelow(logU, cut) <= half2)) {
      let c = 0;
      for (let t = 1; t < logU.length; t++) if (logU[t] < half2) c++;
      cut = half2 - Math.log(Math.max(1, c));
    }
    const keep: number[] = [];
    for (let t = 0; t < walked.length; t++) if (t === 0 || !(logU[t] < cut)) keep.push(walked[t]);
    keep.sort((a, b) => a - b);
    const rowsI = Math.min(m, (I + 1) * LEAF) - I * LEAF;
    let open = -1;
    for (let t = 0; t < keep.length; t++) {
      const J = keep[t];
      kept += rowsI * (Math.min(m, (J + 1) * LEAF) - J * LEAF);
      if (open < 0) open = J;
      if (t + 1 === keep.length || keep[t + 1] !== J + 1) {
        ranges.push(r0 + open * LEAF, r0 + Math.min(m, (J + 1) * LEAF));
        open = -1;
      }
    }
    ptr.push(ranges.length / 2);
  }
  return kept;
}

const mod2pi = (a: number) => a - TWO_PI * Math.floor(a / TWO_PI);

/** log of the sum of e^{logU[t]} over t >= 1 (t = 0 is the own arc) with logU[t] < cut; rounded up. */
function sumBelow(logU: number[], cut: number): number {
  let top = -Infinity;
  for (let t = 1; t < logU.length; t++) if (logU[t] < cut && logU[t] > top) top = logU[t];
  if (top === -Infinity) return -Infinity;
  let s = 0;
  for (let t = 1; t < logU.length; t++) if (logU[t] < cut) s += Math.exp(logU[t] - top);
  return top + Math.log(s) + 1e-12;
}
