// The JS twins see the inputs as the Wasm kernels do: rounded to float32 when precision is 'f32'.
import { OverflowError } from '../errors.js';
import type { Precision, ReduceArgs } from './types.js';

export function atPrecision(a: Float64Array, precision: Precision): Float64Array | Float32Array;
export function atPrecision(a: Float64Array | null, precision: Precision): Float64Array | Float32Array | null;
export function atPrecision(a: Float64Array | null, precision: Precision): Float64Array | Float32Array | null {
  if (a === null || precision === 'f64') return a;
  return Float32Array.from(a);
}

/** float32's largest finite value. */
const F32_MAX = 3.4028234663852886e38;
/** Inputs whose f32 scores may be off by more than this (in the exponent) are refused. */
const F32_SCORE_ERROR = 1 / 64;

/**
 * Refuses, before any arithmetic, a precision 'f32' reduction that float32 cannot carry out: an
 * input beyond the float32 range (|x|, |y|, |values|, |beta|, finite |h| > ~3.4e38), scores
 * |beta s| + |h| that could overflow it, or scores whose rounding error bound
 * 2^-24 (d + 3) |beta| max|x_i| max|y_j| ('dot'; (max|x_i| + max|y_j|)^2 for 'sqdist', norms
 * over rows) plus 2^-24 max|h| exceeds 1/64: softmax weights would be wrong by more than 1.6%
 * (e.g. 'sqdist' at |x| = 1e3 with beta = 1e4). Compute such inputs with precision 'f64'.
 * @throws OverflowError naming the argument.
 */
export function checkF32(a: ReduceArgs): void {
  if (a.precision !== 'f32') return;
  const u = 2 ** -24;
  const { n, m, d } = a;
  const rowNorm = (name: string, z: Float64Array, rows: number, w: number): number => {
    let best = 0;
    for (let i = 0; i < rows; i++) {
      let r = 0;
      for (let c = 0; c < w; c++) {
        const v = z[i * w + c];
        if (Math.abs(v) > F32_MAX)
          throw new OverflowError(
            `${name} holds ${v} (row ${i}, column ${c}), beyond the float32 range (about 3.4e38): use precision 'f64'`,
          );
        r += v * v;
      }
      best = Math.max(best, Math.sqrt(r));
    }
    return best;
  };
  if (!(Math.abs(a.beta) <= F32_MAX))
    throw new OverflowError(`beta = ${a.beta} is beyond the float32 range (about 3.4e38): use precision 'f64'`);
  const X = rowNorm('x', a.x, n, d);
  const Y = a.y === a.x ? X : rowNorm('y', a.y, m, d);
  if (a.values !== null && a.values !== a.y && a.values !== a.x) rowNorm('values', a.values, m, a.k);
  let H = 0;
  if (a.logWeights !== null) {
    for (let j = 0; j < m; j++) {
      const h = a.logWeights[j];
      if (h === -Infinity) continue;
      if (Math.abs(h) > F32_MAX)
        throw new OverflowError(`logWeights holds ${h} at index ${j}, beyond the float32 range (about 3.4e38): use precision 'f64'`);
      H = Math.max(H, Math.abs(h));
    }
  }
  const size = a.score === 'sqdist' ? (X + Y) ** 2 : X * Y;
  const scores = Math.abs(a.beta) * size;
  if (!(scores + H <= F32_MAX / 4)) {
    throw new OverflowError(
      `the f32 scores |beta s| + |h| reach about ${(scores + H).toPrecision(3)} (beta = ${a.beta}, max |x| = ` +
        `${X.toPrecision(3)}, max |y| ` +
        `= ${Y.toPrecision(3)}), beyond the float32 range: use precision 'f64'`,
    );
  }
  const error = u * ((d + 3) * scores + H);
  if (error > F32_SCORE_ERROR) {
    throw new OverflowError(
      `float32 cannot resolve these scores: their rounding error may reach ${error.toPrecision(3)} (beta = ${a.beta}, '${a.score}', max ` +
        `|x| = ${X.toPrecision(3)}, max |y| = ${Y.toPrecision(3)}, max |h| = ${H.toPrecision(3)}), so softmax weights could be off by ` +
        `${(100 * Math.expm1(error)).toPrecision(2)}%: use precision 'f64'`,
    );
  }
}
