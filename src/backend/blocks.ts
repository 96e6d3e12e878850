// The block-sparse mask of the reduction (ReduceArgs.blocks): validation and the pairs it keeps.
import { InvalidArgumentError } from '../errors.js';
import type { BlockMask, ReduceArgs } from './types.js';

const FIELDS = ['rows', 'ptr', 'ranges'] as const;

/**
 * Checks a.blocks against the call's shape. Returns the number of query blocks Q (0 when the
 * call has none). Throws InvalidArgumentError naming `blocks` when it is combined with
 * segments, causal or excludeSelf, and naming the field (`blocks.rows`, `blocks.ptr`,
 * `blocks.ranges`) when that field is not an Int32Array of the right length, or its offsets are
 * out of range or decreasing, or a block's ranges are unsorted or overlap.
 */
export function blockCount(a: ReduceArgs): number {
  const b = a.blocks;
  if (b === undefined || b === null) return 0;
  if (typeof b !== 'object' || Array.isArray(b) || ArrayBuffer.isView(b)) {
    throw new InvalidArgumentError('blocks', b, 'must be an object { rows, ptr, ranges } of Int32Arrays (or null)');
  }
  if (a.segments !== undefined && a.segments !== null) throw new InvalidArgumentError('blocks', b, 'cannot be combined with segments');
  if (a.causal) throw new InvalidArgumentError('blocks', b, 'cannot be combined with causal');
  if (a.excludeSelf === true) throw new InvalidArgumentError('blocks', b, 'cannot be combined with excludeSelf');
  for (const f of FIELDS) {
    const v = (b as unknown as Record<string, unknown>)[f];
    if (!(v instanceof Int32Array)) throw new InvalidArgumentError(`blocks.${f}`, v, 'must be an Int32Array');
  }
  const { rows, ptr, ranges } = b;
  if (rows.length < 2) throw new InvalidArgumentError('blocks.rows', rows, 'must hold Q + 1 >= 2 offsets');
  const Q = rows.length - 1;
  if (ptr.length !== Q + 1) throw new InvalidArgumentError('blocks.ptr', ptr, `must hold Q + 1 = ${Q + 1} offsets (as many as blocks.rows)`);
  if (rows[0] !== 0) throw new InvalidArgumentError('blocks.rows', rows[0], 'must start at 0', 'at index 0');
  for (let q = 1; q <= Q; q++) {
    if (rows[q] < rows[q - 1]) throw new InvalidArgumentError('blocks.rows', rows[q], `must be nondecreasing (previous ${rows[q - 1]})`, `at index ${q}`);
  }
  if (rows[Q] !== a.n) throw new InvalidArgumentError('blocks.rows', rows[Q], `must end at n = ${a.n}`, `at index ${Q}`);
  if (ptr[0] !== 0) throw new InvalidArgumentError('blocks.ptr', ptr[0], 'must start at 0', 'at index 0');
  for (let q = 1; q <= Q; q++) {
    if (ptr[q] < ptr[q - 1]) throw new InvalidArgumentError('blocks.ptr', ptr[q], `must be nondecreasing (previous ${ptr[q - 1]})`, `at index ${q}`);
  }
  const R = ptr[Q];
  if (ranges.length !== 2 * R) throw new InvalidArgumentError('blocks.ranges', ranges, `must hold 2 * ptr[Q] = ${2 * R} entries (pairs [start, end))`);
  for (let q = 0; q < Q; q++) {
    let end = 0; // where the previous range of this block ended
    for (let r = ptr[q]; r < ptr[q + 1]; r++) {
      const s = ranges[2 * r], e = ranges[2 * r + 1];
      const where = `at index ${2 * r} (range ${r}, block ${q})`;
      if (s < end) {
        if (r === ptr[q]) throw new InvalidArgumentError('blocks.ranges', s, 'start must be >= 0', where);
        throw new InvalidArgumentError('blocks.ranges', s, `start must be >= the previous range's end ${end} (a block's ranges increasing and disjoint)`, where);
      }
      if (e < s) throw new InvalidArgumentError('blocks.ranges', e, `end must be >= its start ${s}`, `at index ${2 * r + 1} (range ${r}, block ${q})`);
      if (e > a.m) throw new InvalidArgumentError('blocks.ranges', e, `end must be <= m = ${a.m}`, `at index ${2 * r + 1} (range ${r}, block ${q})`);
      end = e;
    }
  }
  return Q;
}

/** Query-key pairs a (validated) block mask keeps: the sum over blocks of rows × total range length. */
export function blockPairs(b: BlockMask): number {
  const { rows, ptr, ranges } = b;
  let p = 0;
  for (let q = 0; q + 1 < rows.length; q++) {
    let keys = 0;
    for (let r = ptr[q]; r < ptr[q + 1]; r++) keys += ranges[2 * r + 1] - ranges[2 * r];
    p += (rows[q + 1] - rows[q]) * keys;
  }
  return p;
}
