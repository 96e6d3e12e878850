// The network simplex's boundary: the costs it reads (checked, cached when small) and the
// potentials it returns, in the user's convention and for the dropped points too.
import { InvalidArgumentError } from '../errors.js';

/** Above this many arcs costs are computed on the fly instead of cached. */
const CACHE_LIMIT = 4e6;

/** The weights of an exact problem, normalised, with the points of positive weight the solver sees. */
export interface Weights {
  /** Original sizes. */
  n0: number;
  m0: number;
  /** Original indices of the points with positive weight (solver order). */
  rows: Int32Array;
  cols: Int32Array;
  /** Normalised weights, original indexing. */
  a: Float64Array;
  b: Float64Array;
}

/** Every cost checked finite; the n·m costs themselves (arc e = i·m + j) when n·m <= CACHE_LIMIT, else null. */
export function checkedCosts(w: Weights, costAt: (i: number, j: number) => number): Float64Array | null {
  const n = w.rows.length,
    m = w.cols.length;
  const nm = n * m;
  let C: Float64Array | null = null;
  if (nm <= CACHE_LIMIT) {
    C = new Float64Array(nm);
    for (let i = 0, e = 0; i < n; i++) {
      for (let j = 0; j < m; j++, e++) {
        const c = costAt(i, j);
        if (!Number.isFinite(c)) throw badCost(w, i, j, c);
        C[e] = c;
      }
    }
  } else {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < m; j++) {
        const c = costAt(i, j);
        if (!Number.isFinite(c)) throw badCost(w, i, j, c);
      }
    }
  }
  return C;
}

/** Potentials in the user's convention (u_i + v_j <= C_ij) from the tree's pi, dropped points included. */
export function userPotentials(
  w: Weights,
  pi: Float64Array,
  userCost: (i: number, j: number) => number,
): { u: Float64Array; v: Float64Array } {
  const n = w.rows.length,
    m = w.cols.length;
  const uPot = new Float64Array(w.n0).fill(NaN),
    vPot = new Float64Array(w.m0).fill(NaN);
  for (let i = 0; i < n; i++) uPot[w.rows[i]] = -pi[i];
  for (let j = 0; j < m; j++) vPot[w.cols[j]] = pi[n + j];
  for (let i = 0; i < w.n0; i++) {
    if (!Number.isNaN(uPot[i])) continue;
    let best = Infinity;
    for (let j = 0; j < m; j++) best = Math.min(best, userCost(i, w.cols[j]) - vPot[w.cols[j]]);
    uPot[i] = best;
  }
  for (let j = 0; j < w.m0; j++) {
    if (!Number.isNaN(vPot[j])) continue;
    let best = Infinity;
    for (let i = 0; i < w.n0; i++) best = Math.min(best, userCost(i, j) - uPot[i]);
    vPot[j] = best;
  }
  return { u: uPot, v: vPot };
}

function badCost(w: Weights, i: number, j: number, c: number): InvalidArgumentError {
  return new InvalidArgumentError('cost', c, 'must be finite', `at (${w.rows[i]}, ${w.cols[j]})`);
}
