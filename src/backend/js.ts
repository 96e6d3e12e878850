// The pure-JS twin of the Wasm kernel: the same mathematics in plain TypeScript, the
// reference in tests and the baseline in benchmarks. Two passes per query row over an
// O(m) score buffer: scores and their max, then exp(s - max) sums. A row sees a list of key
// ranges: one ([its segment's start, end), cut after i when causal) or its query block's.
import { readMask } from './mask.js';
import { atPrecision, checkF32 } from './precision.js';
import { twoLayerBackwardJs, twoLayerForwardJs } from './twolayer-js.js';
import type { Backend, Precision, ReduceArgs } from './types.js';

let scratch = new Float64Array(0);

export const jsBackend: Backend = {
  name: 'js',
  twoLayerForward: twoLayerForwardJs,
  twoLayerBackward: twoLayerBackwardJs,

  softmaxReduce(args: ReduceArgs): void {
    checkF32(args);
    const { n, m, d, k, beta, lse, mean } = args;
    const { causal, diagonal: noSelf, segments: seg, blocks: blk } = readMask(args);
    const x = atPrecision(args.x, args.precision)!;
    const y = atPrecision(args.y, args.precision)!;
    const h = atPrecision(args.logWeights, args.precision);
    const v = atPrecision(args.values, args.precision);
    const sqdist = args.score === 'sqdist';
    if (scratch.length < m) scratch = new Float64Array(m);
    const s = scratch;
    // Row i sees the key ranges rng[2r] .. rng[2r + 1] for r0 <= r < r1: without blocks the one
    // range [j0, lim) of its segment (or all keys), cut after i when causal.
    const one = new Int32Array(2);
    let rng: Int32Array = one,
      r0 = 0,
      r1 = 1;
    let segment = 0,
      block = 0,
      j0 = 0,
      end = m;
    for (let i = 0; i < n; i++) {
      if (blk !== null) {
        while (blk.rows[block + 1] <= i) block++;
        rng = blk.ranges;
        r0 = blk.ptr[block];
        r1 = blk.ptr[block + 1];
      } else {
        if (seg !== null) {
          while (seg[segment + 1] <= i) segment++;
          j0 = seg[segment];
          end = seg[segment + 1];
        }
        one[0] = j0;
        one[1] = causal ? Math.min(i + 1, end) : end;
      }
      const xi = i * d;
      let max = -Infinity;
      for (let r = r0; r < r1; r++)
        for (let j = rng[2 * r], lim = rng[2 * r + 1]; j < lim; j++) {
          if (noSelf && j === i) {
            s[j] = -Infinity;
            continue;
          }
          const yj = j * d;
          let acc = 0;
          if (sqdist) {
            for (let c = 0; c < d; c++) {
              const t = x[xi + c] - y[yj + c];
              acc += t * t;
            }
            acc = -acc;
          } else {
            for (let c = 0; c < d; c++) acc += x[xi + c] * y[yj + c];
          }
          const sj = beta * acc + (h === null ? 0 : h[j]);
          s[j] = sj;
          if (sj > max) max = sj;
        }
      if (max === -Infinity) {
        // Every key has weight zero: the sum is empty.
        lse[i] = -Infinity;
        if (mean !== null) for (let c = 0; c < k; c++) mean[i * k + c] = NaN;
        continue;
      }
      let sum = 0;
      if (mean !== null && v !== null) {
        const out = i * k;
        for (let c = 0; c < k; c++) mean[out + c] = 0;
        for (let r = r0; r < r1; r++)
          for (let j = rng[2 * r], lim = rng[2 * r + 1]; j < lim; j++) {
            const w = Math.exp(s[j] - max);
            sum += w;
            const vj = j * k;
            for (let c = 0; c < k; c++) mean[out + c] += w * v[vj + c];
          }
        for (let c = 0; c < k; c++) mean[out + c] /= sum;
      } else {
        for (let r = r0; r < r1; r++) for (let j = rng[2 * r], lim = rng[2 * r + 1]; j < lim; j++) sum += Math.exp(s[j] - max);
      }
      lse[i] = max + Math.log(sum);
    }
  },

  exp(x: Float64Array, precision: Precision): Float64Array {
    const out = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) out[i] = precision === 'f32' ? Math.fround(Math.exp(Math.fround(x[i]))) : Math.exp(x[i]);
    return out;
  },
};
