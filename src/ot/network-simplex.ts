// The exact solver of exact.ts: the primal network simplex on the complete bipartite graph.
//
// The algorithm is the one of LEMON's NetworkSimplex (Kovács, "Minimum-cost flow algorithms:
// an experimental evaluation", 2015) as specialised to transport by Bonneel, van de Panne,
// Paris & Heidrich (2011) and used by POT's `ot.emd`: a spanning-tree basis stored as
// parent / pred / thread / rev-thread / subtree-size / last-successor arrays, node
// potentials, the block-search pivot rule and the strongly-feasible ratio test (which keeps
// degenerate pivots from cycling). Differences from LEMON, all for the transport case:
//   - no artificial root or big-M arcs: the initial basis is a north-west-corner staircase
//     (for exactW2 on points sorted along their principal axis, i.e. the 1-D optimal plan of
//     the projections), rooted at a real node;
//   - arcs are implicit (arc e = i·m + j goes from source i to sink j); only tree arcs carry
//     flow, so flows are stored per tree node (the flow on the node's pred arc), O(n + m);
//   - costs are cached in an n·m Float64Array only when n·m <= 4e6, else computed on the fly;
//   - when no entering arc is left the potentials are recomputed from the tree (killing
//     accumulated round-off) and the optimality scan is repeated; the final flows are
//     recomputed from the tree and the supplies, so the marginals hold to round-off.

import { InvalidArgumentError, MeanfieldError } from '../errors.js';
import type { ExactPlan } from './types.js';
import { checkedCosts, userPotentials, type Weights } from './network-simplex-io.js';

export type { Weights } from './network-simplex-io.js';

/** Relative tolerance on reduced costs: an arc enters only if c̄ < -EPS (|C| + |π_s| + |π_t|). */
const EPS = 1e-13;
/** Flows below this (the total mass is 1) are round-off and are set to 0 during pivoting. */
const FLOW_ZERO = 1e-15;

/**
 * The network simplex on the active points. costAt(i, j) is in solver indices (0..n-1,
 * 0..m-1 over w.rows / w.cols); userCost(i, j) in original indices (for the potentials of
 * dropped points). maxIterations (checked by EXACT_SCHEMA): pivots before it throws.
 */
export function networkSimplex(
  w: Weights,
  costAt: (i: number, j: number) => number,
  userCost: (i: number, j: number) => number,
  maxIterations: number,
): ExactPlan {
  const n = w.rows.length,
    m = w.cols.length,
    N = n + m;
  const nm = n * m;
  if (nm > 2 ** 31 - 1) throw new InvalidArgumentError('a, b', `${n} x ${m} points`, 'are too many for the exact solver (n·m < 2^31)');

  // Supplies: sources positive, sinks negative.
  const supply = new Float64Array(N);
  for (let i = 0; i < n; i++) supply[i] = w.a[w.rows[i]];
  for (let j = 0; j < m; j++) supply[n + j] = -w.b[w.cols[j]];

  // Costs: cached when small enough, validated either way.
  const C = checkedCosts(w, costAt);
  const arcCost = C ? (e: number) => C![e] : (e: number) => costAt((e / m) | 0, e % m);

  // Tree arrays (node indices: sources 0..n-1, sinks n..n+m-1).
  const parent = new Int32Array(N);
  const pred = new Int32Array(N); // arc joining the node to its parent (-1 at the root)
  const forward = new Uint8Array(N); // 1: pred arc goes node -> parent (node is a source)
  const flow = new Float64Array(N); // flow on the pred arc
  const thread = new Int32Array(N);
  const revThread = new Int32Array(N);
  const succNum = new Int32Array(N);
  const lastSucc = new Int32Array(N);
  const pi = new Float64Array(N); // reduced cost of arc i -> n+j: C_ij + pi_i - pi_{n+j}
  const dirty = new Int32Array(N + 1);

  initialTree();

  const blockSize = Math.max(10, Math.ceil(Math.sqrt(nm)));
  let nextArc = 0;
  let inArc = -1;
  let iterations = 0;

  for (;;) {
    if (!findEnteringArc()) {
      recomputePotentials();
      if (!findEnteringArc()) break;
    }
    if (iterations >= maxIterations) {
      throw new MeanfieldError(`exactTransport: no optimum after maxIterations = ${maxIterations} pivots (${n} x ${m} points)`);
    }
    iterations++;
    pivot();
  }

  recomputeFlows();

  // Output: the plan, in original indices.
  let nnz = 0;
  for (let u = 0; u < N; u++) if (pred[u] >= 0 && flow[u] > 0) nnz++;
  const rows = new Int32Array(nnz),
    cols = new Int32Array(nnz),
    flows = new Float64Array(nnz);
  let total = 0;
  for (let u = 0, k = 0; u < N; u++) {
    const e = pred[u];
    if (e < 0 || !(flow[u] > 0)) continue;
    const i = (e / m) | 0,
      j = e - i * m;
    rows[k] = w.rows[i];
    cols[k] = w.cols[j];
    flows[k] = flow[u];
    total += flow[u] * arcCost(e);
    k++;
  }

  return { cost: total, rows, cols, flows, iterations, potentials: userPotentials(w, pi, userCost) };

  // ---------------------------------------------------------------------------------------

  /** North-west corner staircase (n + m - 1 arcs, degenerate ones included), rooted at 0. */
  function initialTree(): void {
    const arcs = new Int32Array(N - 1),
      arcFlow = new Float64Array(N - 1);
    let i = 0,
      j = 0,
      rs = supply[0],
      rd = -supply[n];
    for (let k = 0; k < N - 1; k++) {
      const f = Math.min(rs, rd);
      arcs[k] = i * m + j;
      arcFlow[k] = f > 0 ? f : 0;
      rs -= f;
      rd -= f;
      // Advance the row unless it is the last one, or the column is the tighter one.
      if (j === m - 1 || (i < n - 1 && rs <= rd)) {
        i++;
        rs = supply[i];
      } else {
        j++;
        rd = -supply[n + j];
      }
    }
    // Adjacency of the tree, then an iterative DFS from node 0 gives the thread order.
    const deg = new Int32Array(N + 1);
    for (let k = 0; k < N - 1; k++) {
      deg[((arcs[k] / m) | 0) + 1]++;
      deg[n + (arcs[k] % m) + 1]++;
    }
    for (let u = 0; u < N; u++) deg[u + 1] += deg[u];
    const adj = new Int32Array(2 * (N - 1)),
      fill = deg.slice(0, N);
    for (let k = 0; k < N - 1; k++) {
      const s = (arcs[k] / m) | 0,
        t = n + (arcs[k] % m);
      adj[fill[s]++] = k;
      adj[fill[t]++] = k;
    }
    const order = new Int32Array(N),
      stack = new Int32Array(N);
    const seen = new Uint8Array(N);
    let top = 0,
      pos = 0;
    stack[top++] = 0;
    seen[0] = 1;
    parent[0] = -1;
    pred[0] = -1;
    pi[0] = 0;
    while (top > 0) {
      const u = stack[--top];
      order[pos++] = u;
      for (let q = deg[u + 1] - 1; q >= deg[u]; q--) {
        const k = adj[q],
          e = arcs[k];
        const s = (e / m) | 0,
          t = n + (e % m);
        const v = s === u ? t : s;
        if (seen[v]) continue;
        seen[v] = 1;
        parent[v] = u;
        pred[v] = e;
        flow[v] = arcFlow[k];
        forward[v] = v === s ? 1 : 0;
        const c = arcCost(e);
        pi[v] = forward[v] ? pi[u] - c : pi[u] + c;
        stack[top++] = v;
      }
    }
    for (let p = 0; p < N; p++) {
      const u = order[p],
        v = order[(p + 1) % N];
      thread[u] = v;
      revThread[v] = u;
    }
    const where = new Int32Array(N);
    for (let p = 0; p < N; p++) where[order[p]] = p;
    succNum.fill(1);
    for (let p = N - 1; p > 0; p--) succNum[parent[order[p]]] += succNum[order[p]];
    for (let u = 0; u < N; u++) lastSucc[u] = order[where[u] + succNum[u] - 1];
  }

  /** Block search: the most negative reduced cost in the first block that has one. */
  function findEnteringArc(): boolean {
    let min = 0,
      minArc = -1,
      cnt = blockSize;
    let e = nextArc,
      i = (e / m) | 0,
      j = e - i * m;
    for (let k = 0; k < nm; k++) {
      const c = C ? C[e] : costAt(i, j);
      const pi_ = pi[i],
        pj = pi[n + j];
      const r = c + pi_ - pj;
      if (r < min && pred[i] !== e && pred[n + j] !== e && r < -EPS * (Math.abs(c) + Math.abs(pi_) + Math.abs(pj))) {
        min = r;
        minArc = e;
      }
      e++;
      if (++j === m) {
        j = 0;
        if (++i === n) {
          i = 0;
          e = 0;
        }
      }
      if (--cnt === 0) {
        if (minArc >= 0) break;
        cnt = blockSize;
      }
    }
    nextArc = e;
    inArc = minArc;
    return minArc >= 0;
  }

  function pivot(): void {
    const first = (inArc / m) | 0,
      second = n + (inArc % m);
    // Join node: the lowest common ancestor of the entering arc's ends.
    let u = first,
      v = second;
    while (u !== v) {
      if (succNum[u] < succNum[v]) u = parent[u];
      else v = parent[v];
    }
    const join = u;
    // Ratio test (strongly feasible: the last blocking arc in the cycle's direction).
    let delta = Infinity,
      uOut = -1,
      result = 0;
    for (u = first; u !== join; u = parent[u]) {
      if (forward[u] && flow[u] < delta) {
        delta = flow[u];
        uOut = u;
        result = 1;
      }
    }
    for (u = second; u !== join; u = parent[u]) {
      if (!forward[u] && flow[u] <= delta) {
        delta = flow[u];
        uOut = u;
        result = 2;
      }
    }
    if (result === 0) throw new MeanfieldError('exactTransport: unbounded cycle (internal error)');
    const uIn = result === 1 ? first : second;
    const vIn = result === 1 ? second : first;
    // Augment along the cycle.
    if (delta > 0) {
      for (u = first; u !== join; u = parent[u]) {
        if (forward[u]) {
          const f = flow[u] - delta;
          flow[u] = f < FLOW_ZERO ? 0 : f;
        } else flow[u] += delta;
      }
      for (u = second; u !== join; u = parent[u]) {
        if (forward[u]) flow[u] += delta;
        else {
          const f = flow[u] - delta;
          flow[u] = f < FLOW_ZERO ? 0 : f;
        }
      }
    }
    updateTree(uIn, vIn, uOut, join, delta);
    // Potentials of the moved subtree.
    const c = arcCost(inArc);
    const sigma = forward[uIn] ? pi[vIn] - pi[uIn] - c : pi[vIn] - pi[uIn] + c;
    const end = thread[lastSucc[uIn]];
    for (u = uIn; u !== end; u = thread[u]) pi[u] += sigma;
  }

  /** LEMON's updateTreeStructure: re-hang the subtree cut at uOut by the entering arc at uIn. */
  function updateTree(uIn: number, vIn: number, uOut: number, join: number, delta: number): void {
    const oldRevThread = revThread[uOut];
    const oldSuccNum = succNum[uOut];
    const oldLastSucc = lastSucc[uOut];
    const vOut = parent[uOut];

    let u = lastSucc[uIn];
    let right = thread[u];
    const last = oldRevThread === vIn ? thread[lastSucc[uOut]] : thread[vIn];

    // Thread and parent along the stem (uIn up to uOut), whose parents are reversed.
    let stem = uIn,
      parStem = vIn,
      nDirty = 0;
    thread[vIn] = uIn;
    dirty[nDirty++] = vIn;
    while (stem !== uOut) {
      const newStem = parent[stem];
      thread[u] = newStem;
      dirty[nDirty++] = u;
      const wv = revThread[stem];
      thread[wv] = right;
      revThread[right] = wv;
      parent[stem] = parStem;
      parStem = stem;
      stem = newStem;
      u = lastSucc[stem] === lastSucc[parStem] ? revThread[parStem] : lastSucc[stem];
      right = thread[u];
    }
    parent[uOut] = parStem;
    thread[u] = last;
    revThread[last] = u;
    lastSucc[uOut] = u;
    if (oldRevThread !== vIn) {
      thread[oldRevThread] = right;
      revThread[right] = oldRevThread;
    }
    for (let k = 0; k < nDirty; k++) {
      const z = dirty[k];
      revThread[thread[z]] = z;
    }

    // pred, forward, flow, lastSucc and succNum along the stem, from uOut down to uIn.
    let sc = 0;
    const ls = lastSucc[uOut];
    u = uOut;
    while (u !== uIn) {
      const wv = parent[u];
      pred[u] = pred[wv];
      forward[u] = forward[wv] ? 0 : 1;
      flow[u] = flow[wv];
      sc += succNum[u] - succNum[wv];
      succNum[u] = sc;
      lastSucc[wv] = ls;
      u = wv;
    }
    pred[uIn] = inArc;
    forward[uIn] = uIn < n ? 1 : 0; // the entering arc goes source -> sink
    flow[uIn] = delta;
    succNum[uIn] = oldSuccNum;

    // lastSucc from vIn and vOut towards the root.
    let upIn = -1,
      upOut = -1;
    if (lastSucc[join] === vIn) upOut = join;
    else upIn = join;
    for (u = vIn; u !== upIn && u >= 0 && lastSucc[u] === vIn; u = parent[u]) lastSucc[u] = lastSucc[uOut];
    if (join !== oldRevThread && vIn !== oldRevThread) {
      for (u = vOut; u !== upOut && u >= 0 && lastSucc[u] === oldLastSucc; u = parent[u]) lastSucc[u] = oldRevThread;
    } else {
      for (u = vOut; u !== upOut && u >= 0 && lastSucc[u] === oldLastSucc; u = parent[u]) lastSucc[u] = lastSucc[uOut];
    }
    for (u = vIn; u !== join; u = parent[u]) succNum[u] += oldSuccNum;
    for (u = vOut; u !== join; u = parent[u]) succNum[u] -= oldSuccNum;
  }

  /** Potentials from scratch along the thread (tree arcs have reduced cost exactly 0). */
  function recomputePotentials(): void {
    const root = findRoot();
    pi[root] = 0;
    for (let u = thread[root]; u !== root; u = thread[u]) {
      const c = arcCost(pred[u]);
      pi[u] = forward[u] ? pi[parent[u]] - c : pi[parent[u]] + c;
    }
  }

  /** Basic flows from the supplies: leaves first (reverse thread order). */
  function recomputeFlows(): void {
    const root = findRoot();
    const acc = Float64Array.from(supply);
    for (let u = revThread[root]; u !== root; u = revThread[u]) {
      const f = forward[u] ? acc[u] : -acc[u];
      flow[u] = f > 0 ? f : 0;
      acc[parent[u]] += acc[u];
    }
  }

  function findRoot(): number {
    for (let u = 0; u < N; u++) if (parent[u] < 0) return u;
    throw new MeanfieldError('exactTransport: tree has no root (internal error)');
  }
}
