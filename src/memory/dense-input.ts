// Reading the patterns and states given to denseMemory: spins -1 or +1, flat or one row per pattern.
import { InvalidArgumentError } from '../errors.js';
import { checkElements, integerAtLeast } from '../validate.js';

export function readPatterns(value: unknown, dim: unknown): { data: Int8Array; n: number; d: number } {
  if (Array.isArray(value) && value.length > 0 && Array.isArray(value[0])) {
    const rows = value as unknown[];
    const d = integerAtLeast('patterns[0].length', (rows[0] as unknown[]).length, 1);
    checkElements('patterns', rows.length * d, 1);
    if (dim !== undefined && dim !== d) throw new InvalidArgumentError('dim', dim, `must equal the row length ${d} of patterns`);
    const data = new Int8Array(rows.length * d);
    rows.forEach((row, r) => {
      if (!Array.isArray(row) || row.length !== d)
        throw new InvalidArgumentError(`patterns[${r}]`, row, `must be an array of length ${d} like every row`);
      for (let c = 0; c < d; c++) data[r * d + c] = spin('patterns', row[c], r * d + c, ` (pattern ${r}, entry ${c})`);
    });
    return { data, n: rows.length, d };
  }
  const flat = flatArray('patterns', value);
  if (flat.length === 0) throw new InvalidArgumentError('patterns', value, 'must hold at least one pattern');
  if (dim === undefined) throw new InvalidArgumentError('dim', dim, 'is required when patterns is a flat array');
  const d = integerAtLeast('dim', dim, 1);
  checkElements('patterns', flat.length, 1);
  if (flat.length % d !== 0) throw new InvalidArgumentError('patterns.length', flat.length, `must be a multiple of dim = ${d}`);
  const data = new Int8Array(flat.length);
  for (let k = 0; k < flat.length; k++) data[k] = spin('patterns', flat[k], k, ` (pattern ${Math.floor(k / d)}, entry ${k % d})`);
  return { data, n: flat.length / d, d };
}

export function readState(name: string, value: unknown, d: number): Int8Array {
  const flat = flatArray(name, value);
  if (flat.length !== d) throw new InvalidArgumentError(`${name}.length`, flat.length, `must equal the pattern length ${d}`);
  const s = new Int8Array(d);
  for (let i = 0; i < d; i++) s[i] = spin(name, flat[i], i);
  return s;
}

export function flatArray(name: string, value: unknown): ArrayLike<unknown> {
  if (value instanceof Int8Array || value instanceof Float64Array || Array.isArray(value)) return value;
  throw new InvalidArgumentError(name, value, 'must be an Int8Array, a Float64Array or an array of ±1');
}

export function spin(name: string, v: unknown, index: number, detail = ''): number {
  if (v === 1 || v === -1) return v;
  throw new InvalidArgumentError(name, v, 'must hold only -1 or +1', `at index ${index}${detail}`);
}
