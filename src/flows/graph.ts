// Graphs in SciPy's CSR convention, checked once, and the block-sparse kernel mask they define:
// attention({ mask: { graph } }) lets particle i see only its neighbours (and itself). One query
// block per run of rows with the same neighbour list, one key range per maximal run of
// consecutive neighbour indices, so a banded or triangular graph costs a range per row.
import type { BlockMask } from '../backend/types.js';
import { InvalidArgumentError } from '../errors.js';
import { optionsSchema, rule } from '../options.js';
import { checkElements } from '../validate.js';

/**
 * A directed graph on the nodes 0 .. n - 1 in SciPy's CSR convention (`scipy.sparse.csr_array`'s
 * `indptr` and `indices`): the neighbours of node i are `indices[indptr[i] .. indptr[i + 1])`, and
 * n = indptr.length - 1. Int32Array or arrays of integers; a row's indices may come unsorted or
 * repeated (they are sorted and deduplicated).
 */
export interface CsrGraph {
  /** n + 1 nondecreasing offsets, indptr[0] = 0 and indptr[n] = indices.length. */
  indptr: Int32Array | ArrayLike<number>;
  /** The neighbour lists, one after another: integers in [0, n). */
  indices: Int32Array | ArrayLike<number>;
}

/** The graph mask of attention (its `mask` option): particle i sees only its neighbours in `graph` (and itself when `self`). */
export interface GraphMask {
  /** The adjacency: row i lists the particles i sees. Its node count must equal the measure's size. */
  graph: CsrGraph;
  /**
   * true (default): every particle also sees itself (the diagonal is added). false: the graph's
   * rows are used as given (i sees itself only if row i lists i), and a particle that sees nobody
   * has velocity zero.
   */
  self?: boolean;
}

/** A validated graph: sorted, duplicate-free rows. */
export interface Graph {
  /** Number of nodes. */
  n: number;
  /** n + 1 offsets into indices. */
  indptr: Int32Array;
  /** Sorted, duplicate-free neighbour lists. */
  indices: Int32Array;
}

// Both arrays are required: readGraph says so when one is omitted.
export const GRAPH_SCHEMA = optionsSchema<CsrGraph>()({
  indptr: rule.custom('n + 1 nondecreasing row offsets, indptr[0] = 0 and indptr[n] = indices.length', integerArray),
  indices: rule.custom('the neighbour lists, one after another: integers in [0, n)', integerArray),
});
export const GRAPH_MASK_SCHEMA = optionsSchema<GraphMask>()({
  graph: rule.custom<Graph>('the adjacency in SciPy CSR form { indptr, indices }: row i lists the particles i sees (required)', readGraph),
  self: rule.boolean('every particle also sees itself (the diagonal is added)').or(true),
});

/** An array or typed array of integers (not BigInt), copied into an Int32Array; names `name` on failure. */
function integerArray(name: string, value: unknown): Int32Array {
  if (value instanceof BigInt64Array || value instanceof BigUint64Array)
    throw new InvalidArgumentError(name, value, 'must hold numbers, not BigInt');
  const isTyped = ArrayBuffer.isView(value) && !(value instanceof DataView);
  if (!Array.isArray(value) && !isTyped) throw new InvalidArgumentError(name, value, 'must be an Int32Array or an array of integers');
  const a = value as ArrayLike<unknown>;
  checkElements(name, a.length, 4);
  if (value instanceof Int32Array) return Int32Array.from(value);
  const out = new Int32Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (typeof v !== 'number' || !Number.isInteger(v))
      throw new InvalidArgumentError(name, v, 'must contain only integers', `at index ${i}`);
    if (v < -0x80000000 || v > 0x7fffffff) throw new InvalidArgumentError(name, v, 'must fit a 32-bit integer', `at index ${i}`);
    out[i] = v;
  }
  return out;
}

/**
 * Reads a {@link CsrGraph} named `name` (e.g. 'mask.graph'): an object with exactly the keys
 * indptr and indices (UnknownOptionError otherwise), indptr of n + 1 >= 2 nondecreasing offsets
 * from 0 to indices.length, indices in [0, n). Returns it with every row sorted and deduplicated.
 * Throws InvalidArgumentError naming `${name}.indptr` or `${name}.indices` and the offending index.
 */
export function readGraph(name: string, value: unknown): Graph {
  if (value === undefined) throw new InvalidArgumentError(name, value, 'is required: { indptr, indices } in SciPy CSR form');
  const o = GRAPH_SCHEMA.read(name, value, `${name}.`);
  if (o.indptr === undefined) throw new InvalidArgumentError(`${name}.indptr`, undefined, 'is required (n + 1 row offsets)');
  if (o.indices === undefined) throw new InvalidArgumentError(`${name}.indices`, undefined, 'is required (the neighbour lists)');
  const indptr = o.indptr as Int32Array,
    raw = o.indices as Int32Array; // copies, made by integerArray
  if (indptr.length < 2)
    throw new InvalidArgumentError(
      `${name}.indptr`,
      (value as CsrGraph).indptr,
      'must hold n + 1 >= 2 offsets (a graph of at least one node)',
    );
  const n = indptr.length - 1;
  if (indptr[0] !== 0) throw new InvalidArgumentError(`${name}.indptr`, indptr[0], 'must start at 0', 'at index 0');
  for (let i = 1; i <= n; i++) {
    if (indptr[i] < indptr[i - 1])
      throw new InvalidArgumentError(`${name}.indptr`, indptr[i], `must be nondecreasing (previous ${indptr[i - 1]})`, `at index ${i}`);
  }
  if (indptr[n] !== raw.length) {
    throw new InvalidArgumentError(`${name}.indptr`, indptr[n], `must end at nnz = indices.length = ${raw.length}`, `at index ${n}`);
  }
  for (let e = 0; e < raw.length; e++) {
    if (raw[e] < 0 || raw[e] >= n)
      throw new InvalidArgumentError(`${name}.indices`, raw[e], `must be a node in [0, ${n}) (n = indptr.length - 1)`, `at index ${e}`);
  }
  // Sort and deduplicate each row (raw is our copy).
  const outPtr = new Int32Array(n + 1),
    out = new Int32Array(raw.length);
  let w = 0;
  for (let i = 0; i < n; i++) {
    const row = raw.subarray(indptr[i], indptr[i + 1]);
    let sorted = true;
    for (let e = 1; e < row.length; e++)
      if (row[e] <= row[e - 1]) {
        sorted = false;
        break;
      }
    if (!sorted) row.sort();
    for (let e = 0; e < row.length; e++) if (e === 0 || row[e] !== row[e - 1]) out[w++] = row[e];
    outPtr[i + 1] = w;
  }
  return { n, indptr: outPtr, indices: w === out.length ? out : out.slice(0, w) };
}

/** Reads attention's `mask` object { graph, self } (UnknownOptionError for other keys). */
export function readGraphMask(name: string, value: unknown): { graph: Graph; self: boolean } {
  const o = GRAPH_MASK_SCHEMA.read(name, value, `${name}.`);
  return { graph: (o.graph as Graph | undefined) ?? readGraph(`${name}.graph`, undefined), self: o.self };
}

/** Whether row i of g lists i (binary search in the sorted row). */
export function hasLoop(g: Graph, i: number): boolean {
  let lo = g.indptr[i],
    hi = g.indptr[i + 1];
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (g.indices[mid] < i) lo = mid + 1;
    else hi = mid;
  }
  return lo < g.indptr[i + 1] && g.indices[lo] === i;
}

/**
 * The block mask of a graph: row i sees its sorted neighbours, with i added when `self` and i
 * removed when `dropSelf` (for flows that add the own term themselves), as maximal ranges of
 * consecutive indices; consecutive rows with the same ranges share one query block. Keys are the
 * n nodes (m = n).
 */
export function graphBlockMask(g: Graph, options: { self: boolean; dropSelf: boolean }): BlockMask {
  const { n, indptr, indices } = g;
  const rows: number[] = [0],
    ptr: number[] = [0],
    ranges: number[] = [];
  let blockStart = 0; // where the current block's ranges begin in `ranges`
  const cur: number[] = [];
  let s = -1,
    e = -1; // the open range [s, e)
  const push = (j: number) => {
    if (j === e) {
      e++;
      return;
    }
    if (s >= 0) cur.push(s, e);
    s = j;
    e = j + 1;
  };
  for (let i = 0; i < n; i++) {
    // Row i's ranges, merging i in (self) or skipping it (dropSelf).
    cur.length = 0;
    s = -1;
    e = -1;
    let addSelf = options.self && !options.dropSelf;
    for (let t = indptr[i]; t < indptr[i + 1]; t++) {
      const j = indices[t];
      if (addSelf && j > i) {
        push(i);
        addSelf = false;
      }
      if (j === i) {
        addSelf = false;
        if (options.dropSelf) continue;
      }
      push(j);
    }
    if (addSelf) push(i);
    if (s >= 0) cur.push(s, e);
    // The same ranges as the current block: the block grows by a row; otherwise a new block.
    let same = i > 0 && ranges.length - blockStart === cur.length;
    for (let u = 0; same && u < cur.length; u++) if (ranges[blockStart + u] !== cur[u]) same = false;
    if (same) {
      rows[rows.length - 1] = i + 1;
      continue;
    }
    blockStart = ranges.length;
    for (const v of cur) ranges.push(v);
    rows.push(i + 1);
    ptr.push(ranges.length / 2);
  }
  return { rows: Int32Array.from(rows), ptr: Int32Array.from(ptr), ranges: Int32Array.from(ranges) };
}

/**
 * S copies of a block mask over n rows, the copy s shifted to rows and keys [segments[s],
 * segments[s + 1]) (each of length n): the mask of S independent systems stacked in one call.
 */
export function stackBlockMask(b: BlockMask, n: number, segments: Int32Array): BlockMask {
  const S = segments.length - 1,
    Q = b.rows.length - 1,
    R = b.ptr[Q];
  const rows = new Int32Array(S * Q + 1),
    ptr = new Int32Array(S * Q + 1),
    ranges = new Int32Array(2 * S * R);
  for (let s = 0; s < S; s++) {
    const o = segments[s];
    if (segments[s + 1] - o !== n) throw new Error('stackBlockMask: segments of unequal length'); // checked by the caller
    for (let q = 1; q <= Q; q++) {
      rows[s * Q + q] = b.rows[q] + o;
      ptr[s * Q + q] = b.ptr[q] + s * R;
    }
    for (let r = 0; r < 2 * R; r++) ranges[2 * s * R + r] = b.ranges[r] + o;
  }
  return { rows, ptr, ranges };
}

/**
 * A graph mask ready for a flow: the block mask (cached per ensemble layout), each row's own-loop
 * flag, and a fingerprint for the flow's params.
 */
export class GraphMaskPlan {
  /** Number of nodes (the measure's size). */
  readonly n: number;
  /** 1 where particle i sees itself. */
  readonly loop: Uint8Array;
  private readonly base: BlockMask;
  private stacked: { segments: Int32Array; blocks: BlockMask } | null = null;

  constructor(
    readonly name: string,
    readonly graph: Graph,
    readonly self: boolean,
    dropSelf: boolean,
  ) {
    this.n = graph.n;
    this.loop = new Uint8Array(graph.n);
    for (let i = 0; i < graph.n; i++) this.loop[i] = self || hasLoop(graph, i) ? 1 : 0;
    this.base = graphBlockMask(graph, { self, dropSelf });
  }

  /** JSON-safe description (node and edge counts and a 53-bit hash of the sorted rows). */
  describe(): { graph: { nodes: number; edges: number; hash: string }; self: boolean } {
    return { graph: { nodes: this.n, edges: this.graph.indices.length, hash: hashGraph(this.graph) }, self: this.self };
  }

  /**
   * The block mask for a call over `rows` particles, one system or the stacked systems of
   * `segments`; throws InvalidArgumentError naming the mask unless every system has n particles.
   */
  blocksFor(rows: number, segments: Int32Array | null): BlockMask {
    if (segments === null || segments.length === 2) {
      if (rows !== this.n) throw this.sizeError(rows);
      return this.base;
    }
    for (let s = 0; s + 1 < segments.length; s++)
      if (segments[s + 1] - segments[s] !== this.n) throw this.sizeError(segments[s + 1] - segments[s], s);
    const c = this.stacked;
    if (c !== null && c.segments.length === segments.length && c.segments.every((v, s) => v === segments[s])) return c.blocks;
    const blocks = stackBlockMask(this.base, this.n, segments);
    this.stacked = { segments: Int32Array.from(segments), blocks };
    return blocks;
  }

  private sizeError(size: number, system = -1): InvalidArgumentError {
    return new InvalidArgumentError(
      this.name,
      size,
      `has ${this.n} nodes: it needs a measure of exactly ${this.n} particles (each system of an ensemble; collapse, which merges ` +
        `particles, cannot keep a graph mask)`,
      `particles${system >= 0 ? ` in system ${system}` : ''}`,
    );
  }
}

/** cyrb53 over n and the rows: a stable fingerprint (hex), so a checkpoint resumes only under the same graph. */
function hashGraph(g: Graph): string {
  let h1 = 0xdeadbeef ^ g.n,
    h2 = 0x41c6ce57 ^ g.n;
  const mix = (v: number) => {
    h1 = Math.imul(h1 ^ v, 2654435761);
    h2 = Math.imul(h2 ^ v, 1597334677);
  };
  for (let i = 1; i <= g.n; i++) mix(g.indptr[i]);
  for (let e = 0; e < g.indices.length; e++) mix(g.indices[e]);
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16);
}
