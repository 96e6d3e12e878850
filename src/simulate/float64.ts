// Float64Array state as base64 text: the checkpoint format, exact to the bit (-0 and NaN payloads included).
import { InvalidArgumentError } from '../errors.js';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** The bytes of a Float64Array as base64 (exact to the bit); a table-driven encoder, fast for large states. */
export function encodeFloat64(a: Float64Array): string {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const out = new Uint8Array(Math.ceil(bytes.length / 3) * 4);
  const table = new Uint8Array(64);
  for (let i = 0; i < 64; i++) table[i] = B64.charCodeAt(i);
  let o = 0,
    i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out[o++] = table[v >>> 18];
    out[o++] = table[(v >>> 12) & 63];
    out[o++] = table[(v >>> 6) & 63];
    out[o++] = table[v & 63];
  }
  if (i < bytes.length) {
    const rest = bytes.length - i;
    const v = (bytes[i] << 16) | (rest > 1 ? bytes[i + 1] << 8 : 0);
    out[o++] = table[v >>> 18];
    out[o++] = table[(v >>> 12) & 63];
    out[o++] = rest > 1 ? table[(v >>> 6) & 63] : 61;
    out[o++] = 61;
  }
  return new TextDecoder('latin1').decode(out);
}

/** Inverse of encodeFloat64; InvalidArgumentError (naming `name`) unless text is base64 of whole float64s. */
export function decodeFloat64(text: string, name = 'points'): Float64Array {
  let bin: string;
  try {
    bin = atob(text);
  } catch {
    throw new InvalidArgumentError(
      name,
      text.length > 40 ? `${text.slice(0, 40)}...` : text,
      'must be base64 (from encodeFloat64 / Trajectory.toJSON())',
    );
  }
  if (bin.length % 8 !== 0)
    throw new InvalidArgumentError(name, `${bin.length} bytes`, 'must decode to whole float64 numbers (a multiple of 8 bytes)');
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Float64Array(bytes.buffer);
}
