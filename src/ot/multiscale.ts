// Multiscale Sinkhorn (options.truncate): sort each cloud into k-d tree clusters, solve the coarse problem
// between the clusters' weighted centroids, carry its potentials to the points (one c-transform pass
// against the coarse cloud), then iterate on the points with truncated passes (truncate.ts). Results are
// returned in the caller's point order.
import { InvalidArgumentError } from '../errors.js';
import { HalfStep } from './common.js';
import { alternatingSinkhorn } from './cross.js';
import type { CrossSolve } from './result.js';
import { symmetricSinkhorn } from './symmetric.js';
import { kdClusters, permuteRows, Truncation, unpermuteRows, type Clusters, type TruncationContext } from './truncate.js';
import type { CheckedOptions, OTPair, SelfTransport, SinkhornResult } from './types.js';

/** OT_eps(a, b): the alternating (or symmetric) iteration, multiscale and truncated when options.truncate is a number. */
export function solveCross(p: OTPair, o: CheckedOptions): CrossSolve {
  return o.truncate === false ? alternatingSinkhorn(p, o) : truncatedCross(p, o, o.truncate);
}

/** OT_eps(a, a) by the symmetric iteration, multiscale and truncated when options.truncate is a number. */
export function solveSelf(x: Float64Array, a: Float64Array, la: Float64Array, n: number, d: number, o: CheckedOptions): SelfTransport {
  if (o.truncate === false) return symmetricSinkhorn(x, a, la, n, d, o);
  const cl = kdClusters(x, n, d);
  const xs = permuteRows(x, cl.order, d),
    as = permuteRows(a, cl.order, 1),
    las = permuteRows(la, cl.order, 1);
  const { start, tail } = coarseSelf(xs, as, cl, d, o);
  const s = symmetricSinkhorn(
    xs,
    as,
    las,
    n,
    d,
    { ...o, schedule: tail },
    { clusters: cl, trunc: new Truncation(o.truncate, d), init: start },
  );
  return {
    ...s,
    f: unpermuteRows(s.f, cl.order, 1),
    rowSums: unpermuteRows(s.rowSums, cl.order, 1),
    rowMeans: unpermuteRows(s.rowMeans, cl.order, d),
  };
}

/**
 * The coarse level of a multiscale self-transport: OT_eps between the clusters' centroids down to the hand-over
 * eps, then the jump to the points (f on x from the coarse f). tail: the schedule the points continue with.
 */
function coarseSelf(
  xs: Float64Array,
  as: Float64Array,
  cl: Clusters,
  d: number,
  o: CheckedOptions,
): { start: Float64Array; tail: number[] } {
  const X = coarseCloud(xs, as, cl, d);
  const { head, tail } = splitSchedule(o.schedule, cl);
  const c = symmetricSinkhorn(X.points, X.weights, X.weights.map(Math.log), cl.K, d, { ...o, ...head, progress: coarseProgress(o) });
  return { start: jump(xs, as.length, X, c.f, d, o, head.eps), tail };
}

/**
 * Where the coarse problem hands over to the points: the first eps of the schedule below (2 r)², r the median
 * cluster radius (below it the clusters are no longer points at the kernel's scale; GeomLoss switches where the
 * blur reaches its cluster scale), but not below the target eps. head: the coarse solve's eps, schedule and tol;
 * tail: the schedule the points continue with (from the hand-over eps down).
 */
function splitSchedule(
  schedule: number[],
  ...clusters: Clusters[]
): { head: { eps: number; schedule: number[]; tol: number }; tail: number[] } {
  const radii = clusters.flatMap((cl) => Array.from(cl.radius)).sort((p, q) => p - q);
  const r = radii[radii.length >> 1];
  const scale = 4 * r * r;
  let k = schedule.findIndex((e) => e <= scale);
  if (k < 0) k = schedule.length - 1;
  return { head: { eps: schedule[k], schedule: schedule.slice(0, k + 1), tol: COARSE_TOL }, tail: schedule.slice(k) };
}

/** The coarse solves report as stage 'coarse', without an error (it is the centroids', not the points'). */
function coarseProgress(o: CheckedOptions): CheckedOptions['progress'] {
  const progress = o.progress;
  return progress && ((_stage, iteration, eps) => progress('coarse', iteration, eps, NaN));
}

/** The coarse problems are solved to this marginal error: they only place the start. */
const COARSE_TOL = 1e-6;

interface Coarse {
  points: Float64Array;
  weights: Float64Array;
  K: number;
}

/** Each cluster as one point: its weighted centroid (plain centroid if its weight is zero), with the cluster's weight. */
function coarseCloud(x: Float64Array, w: Float64Array, cl: Clusters, d: number): Coarse {
  const points = new Float64Array(cl.K * d),
    weights = new Float64Array(cl.K);
  for (let c = 0; c < cl.K; c++) {
    let m = 0;
    for (let s = cl.offsets[c]; s < cl.offsets[c + 1]; s++) {
      m += w[s];
      for (let k = 0; k < d; k++) points[c * d + k] += w[s] * x[s * d + k];
    }
    weights[c] = m;
    if (m > 0) for (let k = 0; k < d; k++) points[c * d + k] /= m;
    else points.set(cl.centre.subarray(c * d, (c + 1) * d), c * d);
  }
  return { points, weights, K: cl.K };
}

/**
 * The jump of the eps-schedule from the clusters to the points (GeomLoss's extrapolation): the potential on the
 * points x from the coarse potential pot on the centroids, out_i = -eps log sum_c w_c e^{(pot_c - |x_i - p_c|²)/eps}
 * (one dense n x K c-transform pass).
 */
function jump(x: Float64Array, n: number, coarse: Coarse, pot: Float64Array, d: number, o: CheckedOptions, eps: number): Float64Array {
  const out = new Float64Array(n);
  new HalfStep(o).run(x, n, coarse.points, coarse.K, d, coarse.weights.map(Math.log), pot, eps, out);
  return out;
}

/**
 * The multiscale truncated solve of OT_eps(a, b): both clouds in cluster order; from a warm start the points are
 * iterated at once, otherwise the coarse level between the centroids runs down to the hand-over eps and jumps to
 * the points, which continue through the rest of the schedule.
 */
function truncatedCross(p: OTPair, o: CheckedOptions, truncate: number): CrossSolve {
  const { d } = p;
  const cx = kdClusters(p.x, p.n, d),
    cy = p.same ? cx : kdClusters(p.y, p.m, d);
  const perm = (v: Float64Array, cl: Clusters, w: number) => permuteRows(v, cl.order, w);
  const ps: OTPair = {
    ...p,
    x: perm(p.x, cx, d),
    y: perm(p.y, cy, d),
    a: perm(p.a, cx, 1),
    b: perm(p.b, cy, 1),
    la: perm(p.la, cx, 1),
    lb: perm(p.lb, cy, 1),
  };
  const trunc = new Truncation(truncate, d);
  const t: TruncationContext = {
    cx,
    cy,
    trunc,
    side: (which, pot) =>
      which === 'x'
        ? { x: ps.x, clusters: cx, pot, logWeight: ps.la, weight: ps.a }
        : { x: ps.y, clusters: cy, pot, logWeight: ps.lb, weight: ps.b },
  };
  let warmStart = o.warmStart;
  let schedule = o.schedule;
  let annealWarm = false;
  if (warmStart !== undefined) {
    warmStart = { f: warmStart.f && perm(warmStart.f, cx, 1), g: warmStart.g && perm(warmStart.g, cy, 1) };
  } else if (p.same) {
    const c = coarseSelf(ps.x, ps.a, cx, d, o);
    warmStart = { f: c.start };
    schedule = c.tail;
    annealWarm = true;
  } else {
    const X = coarseCloud(ps.x, ps.a, cx, d),
      Y = coarseCloud(ps.y, ps.b, cy, d);
    const { head, tail } = splitSchedule(o.schedule, cx, cy);
    const pair: OTPair = {
      n: cx.K,
      m: cy.K,
      d,
      x: X.points,
      y: Y.points,
      a: X.weights,
      b: Y.weights,
      la: X.weights.map(Math.log),
      lb: Y.weights.map(Math.log),
      shift: p.shift,
      diameter2: p.diameter2,
      same: false,
    };
    const c = alternatingSinkhorn(pair, { ...o, ...head, warmStart: undefined, progress: coarseProgress(o) });
    // g on the points from the coarse f; the first half-step then computes f on the points from it.
    warmStart = { g: jump(ps.y, p.m, X, c.result.f, d, o, head.eps) };
    schedule = tail;
    annealWarm = true;
  }
  const r = alternatingSinkhorn(ps, { ...o, warmStart, schedule, annealWarm }, t);
  return {
    ...r,
    result: { ...unpermuteResult(r.result, cx.order, cy.order, p.n, p.m, d), keptFraction: trunc.kept / trunc.total },
    rowSums: unpermuteRows(r.rowSums, cx.order, 1),
    rowMeans: unpermuteRows(r.rowMeans, cx.order, d + 1),
  };
}

/** A result solved in cluster order, seen in the caller's order (rows by ox, columns by oy). */
function unpermuteResult(r: SinkhornResult, ox: Int32Array, oy: Int32Array, n: number, m: number, d: number): SinkhornResult {
  const inv = new Int32Array(n);
  for (let s = 0; s < n; s++) inv[ox[s]] = s;
  const reorder = (row: Float64Array, out: Float64Array) => {
    for (let s = 0; s < m; s++) out[oy[s]] = row[s];
    return out;
  };
  return {
    ...r,
    f: unpermuteRows(r.f, ox, 1),
    g: unpermuteRows(r.g, oy, 1),
    plan() {
      const P = r.plan(),
        out = new Float64Array(n * m);
      for (let s = 0; s < n; s++) reorder(P.subarray(s * m, (s + 1) * m), out.subarray(ox[s] * m, (ox[s] + 1) * m));
      return out;
    },
    planRow(i: number) {
      if (!Number.isInteger(i) || i < 0 || i >= n) throw new InvalidArgumentError('i', i, `must be an integer in [0, ${n})`);
      return reorder(r.planRow(inv[i]), new Float64Array(m));
    },
    barycentricMap() {
      return unpermuteRows(r.barycentricMap(), ox, d);
    },
  };
}
