// The JS twins see the inputs as the Wasm kernels do: rounded to float32 when precision is 'f32'.
import type { Precision } from './types.js';

export function atPrecision(a: Float64Array, precision: Precision): Float64Array | Float32Array;
export function atPrecision(a: Float64Array | null, precision: Precision): Float64Array | Float32Array | null;
export function atPrecision(a: Float64Array | null, precision: Precision): Float64Array | Float32Array | null {
  if (a === null || precision === 'f64') return a;
  return Float32Array.from(a);
}
