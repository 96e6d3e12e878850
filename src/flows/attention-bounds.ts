// Cluster bounds of attention's truncation (see attention-truncate.ts for the argument): per cluster of points in
// tree order, a direction, an angular radius and the norms' range; the upper bound on a key cluster's weight as
// seen from a query cluster; groups of consecutive leaves for a cheap first stage.
import type { KdLeaves } from '../backend/clusters.js';

/** Leaves per group of the mask's first stage. */
export const GROUP = 16;
/** Relative slack on each computed dot product (covers rounding in the bound's own arithmetic). */
export const ROUNDING = 1e-9;

/** Per-cluster geometry of one point set in cluster order. */
export interface Geometry {
  dir: Float64Array; // K x d unit directions
  theta: Float64Array; // angular radii
  cos: Float64Array; // cos theta
  sin: Float64Array; // sin theta
  lo: Float64Array; // smallest norm
  hi: Float64Array; // largest norm
}

export function geometry(p: Float64Array, cl: KdLeaves, d: number, g: Geometry): number {
  const { K, offsets } = cl;
  let sumTheta = 0;
  for (let c = 0; c < K; c++) {
    let norm = 0;
    for (let k = 0; k < d; k++) {
      let s = 0;
      for (let i = offsets[c]; i < offsets[c + 1]; i++) s += p[i * d + k];
      g.dir[c * d + k] = s;
      norm += s * s;
    }
    norm = Math.sqrt(norm);
    // A zero sum (points cancelling) leaves no direction: any unit vector with theta = pi is a valid bound.
    if (norm > 0) for (let k = 0; k < d; k++) g.dir[c * d + k] /= norm;
    else {
      g.dir.fill(0, c * d, (c + 1) * d);
      g.dir[c * d] = 1;
    }
    let minCos = 1,
      lo = Infinity,
      hi = 0;
    for (let i = offsets[c]; i < offsets[c + 1]; i++) {
      let r = 0,
        dot = 0;
      for (let k = 0; k < d; k++) {
        const v = p[i * d + k];
        r += v * v;
        dot += v * g.dir[c * d + k];
      }
      r = Math.sqrt(r);
      if (r < lo) lo = r;
      if (r > hi) hi = r;
      const cos = r > 0 ? dot / r : 1; // the origin makes <q, y> = 0 whatever the angle
      if (cos < minCos) minCos = cos;
    }
    g.theta[c] = norm > 0 ? Math.min(Math.PI, Math.acos(Math.max(-1, minCos)) + 1e-12) : Math.PI;
    g.cos[c] = Math.cos(g.theta[c]);
    g.sin[c] = Math.sin(g.theta[c]);
    g.lo[c] = lo;
    g.hi[c] = hi;
    sumTheta += g.theta[c];
  }
  return sumTheta / Math.max(1, K);
}

export const newGeometry = (K: number, d: number): Geometry => ({
  dir: new Float64Array(K * d),
  theta: new Float64Array(K),
  cos: new Float64Array(K),
  sin: new Float64Array(K),
  lo: new Float64Array(K),
  hi: new Float64Array(K),
});

/**
 * logU[J] = log W_J + beta max <q, y> over q in query cluster I and y in key cluster J (see the file's comment),
 * the maximum slightly widened for rounding.
 */
export function upperLogWeights(
  gq: Geometry,
  I: number,
  gy: Geometry,
  logW: Float64Array,
  d: number,
  beta: number,
  logU: Float64Array,
  from = 0,
  to = logW.length,
): void {
  const { dir, theta, cos, sin, lo, hi } = gy;
  const qCos = gq.cos[I],
    qSin = gq.sin[I],
    qTheta = gq.theta[I],
    qLo = gq.lo[I],
    qHi = gq.hi[I],
    qDir = gq.dir,
    o = I * d;
  for (let J = from; J < to; J++) {
    if (logW[J] === -Infinity) {
      logU[J] = -Infinity;
      continue;
    }
    let cosPhi = 0;
    for (let k = 0; k < d; k++) cosPhi += qDir[o + k] * dir[J * d + k];
    cosPhi = cosPhi > 1 ? 1 : cosPhi < -1 ? -1 : cosPhi;
    let cosPsi = 1;
    if (qTheta + theta[J] < Math.PI) {
      const cosA = qCos * cos[J] - qSin * sin[J];
      // phi > a = theta_I + theta_J: psi = phi - a, cos psi = cos phi cos a + sin phi sin a.
      if (cosPhi < cosA) cosPsi = cosPhi * cosA + Math.sqrt(1 - cosPhi * cosPhi) * (qSin * cos[J] + qCos * sin[J]);
    }
    const top = qHi * hi[J];
    logU[J] = logW[J] + beta * ((cosPsi >= 0 ? top : qLo * lo[J]) * cosPsi + ROUNDING * top);
  }
}

/** upperLogWeights for the key clusters cand[0, nc) only. */
export function upperLogWeightsOf(
  gq: Geometry,
  I: number,
  gy: Geometry,
  logW: Float64Array,
  d: number,
  beta: number,
  logU: Float64Array,
  cand: Int32Array,
  nc: number,
): void {
  let t = 0;
  while (t < nc) {
    // Runs of consecutive clusters in one call.
    let e = t + 1;
    while (e < nc && cand[e] === cand[e - 1] + 1) e++;
    upperLogWeights(gq, I, gy, logW, d, beta, logU, cand[t], cand[e - 1] + 1);
    t = e;
  }
}

/**
 * The geometry of groups of GROUP consecutive leaves (tree order keeps them close), from the leaves': a point of
 * leaf L is within theta_L + angle(c_L, c_G) of the group's direction c_G. logW: the groups' log total weights.
 */
export function groupGeometry(gy: Geometry, logW: Float64Array, K: number, d: number): Geometry & { logW: Float64Array } {
  const G = Math.ceil(K / GROUP);
  const g = { ...newGeometry(G, d), logW: new Float64Array(G) };
  for (let b = 0; b < G; b++) {
    const from = b * GROUP,
      to = Math.min(K, from + GROUP);
    let norm = 0,
      top = -Infinity;
    for (let k = 0; k < d; k++) {
      let v = 0;
      for (let L = from; L < to; L++) v += gy.dir[L * d + k];
      g.dir[b * d + k] = v;
      norm += v * v;
    }
    norm = Math.sqrt(norm);
    if (norm > 0) for (let k = 0; k < d; k++) g.dir[b * d + k] /= norm;
    else g.dir[b * d] = 1;
    let theta = 0,
      lo = Infinity,
      hi = 0;
    for (let L = from; L < to; L++) {
      let c = 0;
      for (let k = 0; k < d; k++) c += g.dir[b * d + k] * gy.dir[L * d + k];
      theta = Math.max(theta, Math.acos(Math.max(-1, Math.min(1, c))) + gy.theta[L] + 1e-12);
      lo = Math.min(lo, gy.lo[L]);
      hi = Math.max(hi, gy.hi[L]);
      top = Math.max(top, logW[L]);
    }
    let s = 0;
    if (top > -Infinity) for (let L = from; L < to; L++) s += Math.exp(logW[L] - top);
    g.logW[b] = top === -Infinity ? -Infinity : top + Math.log(s);
    g.theta[b] = norm > 0 ? Math.min(Math.PI, theta) : Math.PI;
    g.cos[b] = Math.cos(g.theta[b]);
    g.sin[b] = Math.sin(g.theta[b]);
    g.lo[b] = lo;
    g.hi[b] = hi;
  }
  return g;
}
