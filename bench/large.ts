// n = m = 100 000 in d = 3: one Sinkhorn half-iteration is one logSumExp pass (score
// -|x - y|^2, beta = 1/eps, log-weights log b_j + g_j/eps); an iteration is two. Memory stays
// O(n + m): the Wasm memory after the pass is reported. Run with MEANFIELD_LARGE=1 npm run bench.
import { logSumExp, Measure, wasmMemoryBytes, type Precision } from '../src/index.js';

export function largeSinkhornPass(precision: Precision): { n: number; msPerIteration: number; wasmMemoryMiB: number } {
  const n = 100_000;
  const x = Measure.uniformBox(n, 3, { seed: 1 });
  const y = Measure.gaussian(n, 3, { seed: 2, mean: 0.5, std: 0.25 });
  const h = new Float64Array(n).fill(-Math.log(n));
  const t0 = performance.now();
  const lse = logSumExp(x, y, { beta: 1 / 0.05, score: 'sqdist', logWeights: h, precision });
  const ms = performance.now() - t0;
  if (!lse.every(Number.isFinite)) throw new Error('non-finite lse in the large pass');
  return { n, msPerIteration: 2 * ms, wasmMemoryMiB: wasmMemoryBytes() / 2 ** 20 };
}
