// The segment (block-diagonal) mask of the reduction: validation and the pair count that
// decides whether a call is worth the thread pool.
import { InvalidArgumentError } from '../errors.js';
import { blockPairs } from './blocks.js';
import type { ReduceArgs } from './types.js';

/**
 * Checks a.segments against the call's shape. Returns the number of segments S (0 when the
 * call has none). Throws InvalidArgumentError naming `segments` when they are not S + 1
 * nondecreasing Int32Array offsets from 0 to n, or when n !== m.
 */
export function segmentCount(a: ReduceArgs): number {
  const seg = a.segments;
  if (seg === undefined || seg === null) return 0;
  if (!(seg instanceof Int32Array)) throw new InvalidArgumentError('segments', seg, 'must be an Int32Array of S + 1 offsets (or null)');
  if (seg.length < 2) throw new InvalidArgumentError('segments', seg, 'must hold S + 1 >= 2 offsets');
  if (a.n !== a.m) throw new InvalidArgumentError('segments', seg, `need as many keys as queries (m = ${a.m}, n = ${a.n})`);
  if (seg[0] !== 0) throw new InvalidArgumentError('segments', seg[0], 'must start at 0', 'at index 0');
  for (let s = 1; s < seg.length; s++) {
    if (seg[s] < seg[s - 1]) throw new InvalidArgumentError('segments', seg[s], `must be nondecreasing (previous ${seg[s - 1]})`, `at index ${s}`);
  }
  const S = seg.length - 1;
  if (seg[S] !== a.n) throw new InvalidArgumentError('segments', seg[S], `must end at n = ${a.n}`, `at index ${S}`);
  return S;
}

/**
 * Query-key pairs a call evaluates: n·m, or the sum over segments of n_s² with S > 0 segments,
 * or with Q > 0 query blocks (ReduceArgs.blocks, validated) the pairs the block mask keeps.
 */
export function pairCount(a: ReduceArgs, S: number, Q = 0): number {
  if (Q > 0) return blockPairs(a.blocks!);
  if (S === 0) return a.n * a.m;
  const seg = a.segments!;
  let p = 0;
  for (let s = 0; s < S; s++) { const len = seg[s + 1] - seg[s]; p += len * len; }
  return p;
}

/** Whether the call drops each row's own key (the diagonal mask); throws unless n === m then. */
export function maskSelf(a: ReduceArgs): boolean {
  if (a.excludeSelf !== true) return false;
  if (a.n !== a.m) throw new InvalidArgumentError('excludeSelf', true, `needs as many keys as queries (m = ${a.m}, n = ${a.n})`);
  return true;
}

/** The kernel's mask bits: 1 causal, 2 no self. */
export function maskBits(a: ReduceArgs): number {
  return (a.causal ? 1 : 0) | (maskSelf(a) ? 2 : 0);
}
