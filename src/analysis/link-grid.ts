// Candidate pairs for single linkage through a uniform grid: a pair can be linked only when its
// points lie in the same or neighbouring cells, so only those pairs are tested. The caller's
// exact predicate decides every candidate, so the partition equals the all-pairs one as long as
// the grid never separates a linked pair: cell sides carry a margin over every rounding error of
// the predicate and of the cell index (a larger cell only adds candidates, never loses one).
import type { Space } from '../spaces.js';

/** Tests one pair with the caller's exact predicate and merges the pair's components when it holds. */
export type LinkPair = (i: number, j: number) => void;

const EPS = 2 ** -52;
/** Grid axes: at most 3 coordinates (3^d neighbour cells blow up in high d; extra coordinates are still checked exactly). */
const MAX_AXES = 3;

/**
 * Calls link(i, j) (i in one cell, j in the same or a neighbouring one, each unordered pair once) for
 * every pair whose computed distance can be <= tol. Returns false, having called nothing, when a grid
 * cannot pay (fewer than 4 cells along an axis, or spans beyond the double range): the caller then
 * tests all pairs.
 * Sphere and R^d: a grid over the first min(d, 3) coordinates of the embedding, cell side >= the
 * chord for tol. Circle: a ring of cells over the angle mod 2π, the last cell next to the first.
 */
export function linkNeighbours(x: Float64Array, n: number, d: number, space: Space, tol: number, link: LinkPair): boolean {
  const keys = space === 'circle' ? ringKeys(x, n, tol) : gridKeys(x, n, d, space, tol);
  if (keys === null) return false;
  const { key, ranges, ring } = keys;
  // Cells numbered in increasing key order, members in compressed form: the members of cell c are
  // members[start[c] .. start[c + 1]). NaN keys (a non-finite coordinate: linked to nothing) sort
  // last and are dropped.
  const all = Float64Array.from(key).sort();
  let count = 0;
  for (let i = 0; i < n && !Number.isNaN(all[i]); i++) if (count === 0 || all[i] !== all[count - 1]) all[count++] = all[i];
  const sorted = all.subarray(0, count);
  const table = new CellTable(count);
  for (let c = 0; c < count; c++) table.set(sorted[c], c);
  const cell = new Int32Array(n);
  const start = new Int32Array(count + 1);
  for (let i = 0; i < n; i++) {
    cell[i] = Number.isNaN(key[i]) ? -1 : table.get(key[i]);
    if (cell[i] >= 0) start[cell[i] + 1]++;
  }
  for (let c = 0; c < count; c++) start[c + 1] += start[c];
  const fill = start.slice(0, count);
  const members = new Int32Array(start[count]);
  for (let i = 0; i < n; i++) if (cell[i] >= 0) members[fill[cell[i]]++] = i;
  const linkCells = (a: number, b: number): void => {
    for (let p = start[a]; p < start[a + 1]; p++) for (let q = start[b]; q < start[b + 1]; q++) link(members[p], members[q]);
  };
  // The forward neighbours of cell a have keys in [key + lo, key + hi] for each range: both ends grow
  // with a, so one pointer per range walks the sorted keys once (no lookup per neighbour).
  const from = new Int32Array(ranges.length);
  for (let a = 0; a < count; a++) {
    for (let p = start[a]; p < start[a + 1]; p++) for (let q = p + 1; q < start[a + 1]; q++) link(members[p], members[q]);
    for (let r = 0; r < ranges.length; r++) {
      const lo = sorted[a] + ranges[r][0],
        hi = sorted[a] + ranges[r][1];
      while (from[r] < count && sorted[from[r]] < lo) from[r]++;
      for (let b = from[r]; b < count && sorted[b] <= hi; b++) linkCells(a, b);
    }
  }
  // The ring closes: the last cell (C - 1) is next to the first (0).
  if (count > 1 && sorted[0] === 0 && sorted[count - 1] === ring - 1) linkCells(count - 1, 0);
  return true;
}

/** Cell key (an integer below 2^52) to cell number: open addressing with linear probing (a Map of such keys is ~10x slower). */
class CellTable {
  private readonly keys: Float64Array;
  private readonly cells: Int32Array;
  private readonly mask: number;
  constructor(n: number) {
    let size = 16;
    while (size < 2 * n) size *= 2;
    this.keys = new Float64Array(size).fill(-1);
    this.cells = new Int32Array(size);
    this.mask = size - 1;
  }
  private slot(key: number): number {
    const high = Math.floor(key / 4294967296); // key - high * 2^32 is exact, where % on doubles is a slow call
    let h = Math.imul((key - high * 4294967296) | 0, 0x9e3779b1) ^ Math.imul(high | 0, 0x85ebca6b);
    h ^= h >>> 15;
    let at = h & this.mask;
    while (this.keys[at] !== key && this.keys[at] !== -1) at = (at + 1) & this.mask;
    return at;
  }
  /** The cell of key, or -1. */
  get(key: number): number {
    const at = this.slot(key);
    return this.keys[at] === key ? this.cells[at] : -1;
  }
  set(key: number, cell: number): void {
    const at = this.slot(key);
    this.keys[at] = key;
    this.cells[at] = cell;
  }
}

interface Keys {
  /** Cell key of every point (NaN: the point cannot be linked). */
  key: Float64Array;
  /**
   * Key ranges [lo, hi] (lo > 0) relative to a cell's key that hold the neighbour cells following it,
   * so that every neighbouring pair of cells is visited once.
   */
  ranges: [number, number][];
  /** The number of cells of the circle's ring (cell ring - 1 is next to cell 0); Infinity for a grid. */
  ring: number;
}

/**
 * A grid over the first k = min(d, 3) coordinates. A linked pair has, on every axis, a computed
 * difference t with t² <= chord, so |t| <= r(1 + 3ε) with r = √chord (r is at least 1e-150, under
 * which t² underflows); the cell index floor(x / h) errs by at most |x / h| ε. So a side
 * h > r(1 + 3ε) + 2 max|x| ε keeps linked pairs within one cell of each other on every axis.
 */
function gridKeys(x: Float64Array, n: number, d: number, space: Space, tol: number): Keys | null {
  const chord = space === 'sphere' ? (tol >= Math.PI ? 4 : (2 * Math.sin(tol / 2)) ** 2) : tol * tol;
  const r = Math.max(Math.sqrt(chord), 1e-150);
  const k = Math.min(d, MAX_AXES);
  // Keys pack k cell indices in base B below 2^51, exact in a double.
  const maxCells = Math.floor(2 ** (51 / k)) - 8;
  const B = maxCells + 5;
  const lo = new Float64Array(k).fill(Infinity);
  const hi = new Float64Array(k).fill(-Infinity);
  let big = 0;
  for (let i = 0; i < n; i++) {
    if (!finiteAxes(x, i, d, k)) continue;
    for (let c = 0; c < k; c++) {
      const v = x[i * d + c];
      if (v < lo[c]) lo[c] = v;
      if (v > hi[c]) hi[c] = v;
      big = Math.max(big, Math.abs(v));
    }
  }
  let span = 0;
  for (let c = 0; c < k; c++) span = Math.max(span, hi[c] - lo[c]);
  if (!(span >= 0)) span = 0; // no finite point
  const h = Math.max((r + 4 * big * EPS) * (1 + 1e-7), span / maxCells);
  if (!Number.isFinite(h) || span < 4 * h) return null;
  const base = Array.from(lo, (v) => (Number.isFinite(v) ? Math.floor(v / h) : 0));
  const key = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (!finiteAxes(x, i, d, k)) {
      key[i] = NaN;
      continue;
    }
    let s = 0;
    // Shifted by 1 so that index ± 1 stays in [0, B): neighbour keys never alias another row.
    for (let c = 0; c < k; c++) s = s * B + (Math.floor(x[i * d + c] / h) - base[c] + 1);
    key[i] = s;
  }
  // The forward half of the 3^k - 1 neighbour offsets (first nonzero entry +1), grouped by their
  // first k - 1 entries: the last axis spans a key range. A zero prefix leaves only the step +1.
  const ranges: [number, number][] = [[1, 1]];
  for (let code = 0; code < 3 ** (k - 1); code++) {
    let prefix = 0,
      first = 0;
    for (let c = 0, m = code; c < k - 1; c++, m = Math.floor(m / 3)) {
      const o = (m % 3) - 1;
      prefix = prefix * B + o;
      if (first === 0) first = o;
    }
    if (first === 1) ranges.push([prefix * B - 1, prefix * B + 1]);
  }
  return { key, ranges, ring: Infinity };
}

function finiteAxes(x: Float64Array, i: number, d: number, k: number): boolean {
  for (let c = 0; c < k; c++) if (!Number.isFinite(x[i * d + c])) return false;
  return true;
}

const TWO_PI = 2 * Math.PI;

/**
 * A ring of C cells over θ = a mod 2π. The predicate min(t, 2π - t) <= tol, t = |a - b| mod 2π,
 * errs from the true circular distance by a few ε(|a| + |b| + 2π); cells of width >= tol plus 64 such
 * errors keep a linked pair in the same or adjacent cells (cell C - 1 is adjacent to cell 0).
 */
function ringKeys(x: Float64Array, n: number, tol: number): Keys | null {
  let big = 0;
  for (let i = 0; i < n; i++) if (Number.isFinite(x[i])) big = Math.max(big, Math.abs(x[i]));
  const window = tol * (1 + 1e-7) + 64 * (big + 8) * EPS;
  const C = Math.min(Math.floor(TWO_PI / window), 2 ** 40);
  if (!(C >= 4)) return null;
  const w = TWO_PI / C;
  const key = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(x[i])) {
      key[i] = NaN;
      continue;
    }
    const theta = ((x[i] % TWO_PI) + TWO_PI) % TWO_PI;
    key[i] = Math.min(C - 1, Math.floor(theta / w));
  }
  return { key, ranges: [[1, 1]], ring: C };
}
