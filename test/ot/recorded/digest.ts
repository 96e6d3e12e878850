import { createHash } from 'node:crypto';
import { toHex } from '../../golden/bits.js';

/** A recorded value: a text as is; numbers as their bits, long arrays as the first four and the SHA-256 of all. */
export function digest(v: number[] | string): string | string[] {
  if (typeof v === 'string') return v;
  const hex = v.map(toHex);
  if (hex.length <= 8) return hex;
  return [...hex.slice(0, 4), `${hex.length} values, sha256 ${createHash('sha256').update(hex.join('')).digest('hex')}`];
}
