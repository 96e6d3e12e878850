// Kernel benchmarks: the softmax self-attention velocity on S² and one Sinkhorn-shaped
// logSumExp pass, wasm f64 / wasm f32 / js f64 on the same data in one run.
import b from 'benny';
import { Measure, softmaxMean, logSumExp, type BackendName, type Precision } from '../src/index.js';
import { VARIANTS } from './variants.js';

export interface Row { case: string; n: number; variant: string; nsPerPair: number }

/** One velocity evaluation: the kernel plus the O(N) tangent projection. */
function attentionVelocity(mu: Measure, backend: BackendName, precision: Precision): Float64Array {
  const { mean } = softmaxMean(mu, mu, mu, { beta: 4, backend, precision });
  const x = mu.points;
  for (let i = 0; i < mu.size; i++) {
    const p = mean[3 * i] * x[3 * i] + mean[3 * i + 1] * x[3 * i + 1] + mean[3 * i + 2] * x[3 * i + 2];
    for (let c = 0; c < 3; c++) mean[3 * i + c] -= p * x[3 * i + c];
  }
  return mean;
}

async function suite(name: string, n: number, fn: (backend: BackendName, precision: Precision) => unknown, rows: Row[]): Promise<void> {
  await b.suite(
    `${name} N=${n}`,
    ...VARIANTS.map(([label, backend, precision]) =>
      b.add(label, () => { fn(backend, precision); }, { minSamples: 3, maxTime: backend === 'js' && n > 2000 ? 4 : 2 })),
    b.cycle(),
    b.complete((summary) => {
      // The median time per op (benny rounds its ops/s for display).
      for (const r of summary.results) rows.push({ case: name, n, variant: r.name, nsPerPair: (r.details.median * 1e9) / (n * n) });
    }),
    b.save({ file: `${name}-${n}`, folder: 'bench/results', format: 'json', details: false }),
  );
}

export async function kernelBench(rows: Row[]): Promise<void> {
  for (const n of [1024, 4096]) {
    const mu = Measure.uniformSphere(n, 3, { seed: 1 });
    await suite('attention-velocity', n, (backend, precision) => attentionVelocity(mu, backend, precision), rows);
    const x = Measure.uniformBox(n, 3, { seed: 2 });
    const y = Measure.gaussian(n, 3, { seed: 3, mean: 0.5, std: 0.25 });
    await suite('logsumexp-sqdist', n, (backend, precision) => logSumExp(x, y, { beta: 1 / 0.05, score: 'sqdist', backend, precision }), rows);
  }
}
