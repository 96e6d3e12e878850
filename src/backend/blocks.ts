// The block-sparse mask of the reduction (KernelMask kind 'blocks'): validation and the pairs it keeps.
import { InvalidArgumentError } from '../errors.js';
import type { BlockMask } from './types.js';

const FIELDS = ['rows', 'ptr', 'ranges'] as const;

/**
 * Checks a block mask against a call of n query rows and m keys; returns its number of query
 * blocks Q. Throws InvalidArgumentError naming the field (`mask.blocks.rows`, `mask.blocks.ptr`,
 * `mask.blocks.ranges`) when that field is not an Int32Array of the right length, or its offsets
 * are out of range or decreasing, or a block's ranges are unsorted or overlap.
 */
export function checkBlocks(value: unknown, n: number, m: number): number {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) {
    throw new InvalidArgumentError('mask.blocks', value, 'must be an object { rows, ptr, ranges } of Int32Arrays');
  }
  for (const f of FIELDS) {
    const v = (value as Record<string, unknown>)[f];
    if (!(v instanceof Int32Array)) throw new InvalidArgumentError(`mask.blocks.${f}`, v, 'must be an Int32Array');
  }
  const b = value as BlockMask;
  const { rows, ptr, ranges } = b;
  if (rows.length < 2) throw new InvalidArgumentError('mask.blocks.rows', rows, 'must hold Q + 1 >= 2 offsets');
  const Q = rows.length - 1;
  if (ptr.length !== Q + 1)
    throw new InvalidArgumentError('mask.blocks.ptr', ptr, `must hold Q + 1 = ${Q + 1} offsets (as many as mask.blocks.rows)`);
  if (rows[0] !== 0) throw new InvalidArgumentError('mask.blocks.rows', rows[0], 'must start at 0', 'at index 0');
  for (let q = 1; q <= Q; q++) {
    if (rows[q] < rows[q - 1])
      throw new InvalidArgumentError('mask.blocks.rows', rows[q], `must be nondecreasing (previous ${rows[q - 1]})`, `at index ${q}`);
  }
  if (rows[Q] !== n) throw new InvalidArgumentError('mask.blocks.rows', rows[Q], `must end at n = ${n}`, `at index ${Q}`);
  if (ptr[0] !== 0) throw new InvalidArgumentError('mask.blocks.ptr', ptr[0], 'must start at 0', 'at index 0');
  for (let q = 1; q <= Q; q++) {
    if (ptr[q] < ptr[q - 1])
      throw new InvalidArgumentError('mask.blocks.ptr', ptr[q], `must be nondecreasing (previous ${ptr[q - 1]})`, `at index ${q}`);
  }
  const R = ptr[Q];
  if (ranges.length !== 2 * R)
    throw new InvalidArgumentError('mask.blocks.ranges', ranges, `must hold 2 * ptr[Q] = ${2 * R} entries (pairs [start, end))`);
  for (let q = 0; q < Q; q++) {
    let end = 0; // where the previous range of this block ended
    for (let r = ptr[q]; r < ptr[q + 1]; r++) {
      const s = ranges[2 * r],
        e = ranges[2 * r + 1];
      const where = `at index ${2 * r} (range ${r}, block ${q})`;
      if (s < end) {
        if (r === ptr[q]) throw new InvalidArgumentError('mask.blocks.ranges', s, 'start must be >= 0', where);
        throw new InvalidArgumentError(
          'mask.blocks.ranges',
          s,
          `start must be >= the previous range's end ${end} (a block's ranges increasing and disjoint)`,
          where,
        );
      }
      if (e < s)
        throw new InvalidArgumentError(
          'mask.blocks.ranges',
          e,
          `end must be >= its start ${s}`,
          `at index ${2 * r + 1} (range ${r}, block ${q})`,
        );
      if (e > m)
        throw new InvalidArgumentError(
          'mask.blocks.ranges',
          e,
          `end must be <= m = ${m}`,
          `at index ${2 * r + 1} (range ${r}, block ${q})`,
        );
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
