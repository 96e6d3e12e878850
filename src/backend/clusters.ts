// Points in clusters for block-sparse masks: the leaves of a k-d tree, each a contiguous range of a permutation.
// Shared by every truncated kernel (flows and OT import it from here).

/** Leaves of a k-d tree: order[s] = original index at sorted position s; leaf c holds positions [offsets[c], offsets[c+1]). */
export interface KdLeaves {
  order: Int32Array;
  offsets: Int32Array;
  K: number;
}

/**
 * Splits n points (row-major, n x d) into k-d tree leaves of at most `leaf` points, each node cut at the median
 * of its widest coordinate by quickselect (O(n) per level, O(n log n) in all). Deterministic: ties broken by index.
 */
export function kdLeaves(x: Float64Array, n: number, d: number, leaf: number): KdLeaves {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const ends: number[] = [];
  kdSplit(x, d, order, new Float64Array(n), 0, n, leaf, ends);
  return leavesOf(order, ends);
}

/**
 * The leaves of `tree` each split again by the same rule into sub-leaves of at most `leaf` points: a permutation
 * inside each leaf, so every leaf of `tree` is a run of consecutive sub-leaves (returned with the new order; `tree`
 * itself is left as it was, its offsets valid for the new order).
 */
export function kdSubLeaves(x: Float64Array, d: number, tree: KdLeaves, leaf: number): KdLeaves {
  const order = tree.order.slice();
  const key = new Float64Array(order.length);
  const ends: number[] = [];
  for (let c = 0; c < tree.K; c++) kdSplit(x, d, order, key, tree.offsets[c], tree.offsets[c + 1], leaf, ends);
  return leavesOf(order, ends);
}

function leavesOf(order: Int32Array, ends: number[]): KdLeaves {
  const K = ends.length;
  const offsets = new Int32Array(K + 1);
  for (let c = 0; c < K; c++) offsets[c + 1] = ends[c];
  return { order, offsets, K };
}

/** Splits positions [from, to) of order into leaves of at most `leaf` points, pushing their ends in tree order. */
function kdSplit(x: Float64Array, d: number, order: Int32Array, key: Float64Array, from: number, to: number, leaf: number, ends: number[]) {
  // key[s] = the current axis coordinate of the point at position s, moved with it (no indirect loads in select).
  const stack: number[] = [from, to];
  while (stack.length > 0) {
    const lo = stack[stack.length - 2],
      hi = stack[stack.length - 1];
    stack.length -= 2;
    if (hi - lo <= leaf) {
      ends.push(hi);
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
    for (let s = lo; s < hi; s++) key[s] = x[order[s] * d + axis];
    const mid = (lo + hi) >> 1;
    select(order, key, lo, hi, mid);
    // Right first, so that leaves come out in tree order (neighbours in space stay neighbours in the list).
    stack.push(mid, hi, lo, mid);
  }
}

/**
 * Rearranges order[lo, hi) (and key, its coordinates, alongside) so that position k holds the k-th smallest by
 * (key, index), smaller ones before it.
 */
function select(order: Int32Array, key: Float64Array, lo: number, hi: number, k: number): void {
  const less = (a: number, b: number) => key[a] < key[b] || (key[a] === key[b] && order[a] < order[b]);
  const swap = (i: number, j: number) => {
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
    const v = key[i];
    key[i] = key[j];
    key[j] = v;
  };
  while (hi - lo > 1) {
    // Median of three as the pivot, moved to hi - 1.
    const m = (lo + hi) >> 1;
    if (less(m, lo)) swap(m, lo);
    if (less(hi - 1, lo)) swap(hi - 1, lo);
    if (less(m, hi - 1)) swap(m, hi - 1);
    const p = hi - 1;
    let store = lo;
    for (let i = lo; i < hi - 1; i++) {
      if (less(i, p)) swap(i, store++);
    }
    swap(store, hi - 1);
    if (k === store) return;
    if (k < store) hi = store;
    else lo = store + 1;
  }
}
