// Memory-as-measures benchmarks: one two-layer forward + backward pass (the twoLayer flow's
// velocity) at N = 10 000 samples, m = 1 000 neurons, d = 20, and modern-Hopfield retrieval
// of 1 000 queries against 10 000 patterns at d = 64.
import b from 'benny';
import { Measure, Random } from '../src/index.js';
import { twoLayer } from '../src/nn/twolayer.js';
import { hopfield } from '../src/memory/hopfield.js';
import { VARIANTS } from './variants.js';

export interface MemoryRow {
  case: string;
  variant: string;
  msPerCall: number;
}

function gaussian(rng: Random, length: number, scale = 1): Float64Array {
  return Float64Array.from({ length }, () => scale * rng.normal());
}

export async function memoryBench(rows: MemoryRow[]): Promise<void> {
  const rng = new Random(1);
  const N = 10_000,
    m = 1_000,
    d = 20;
  const flow = twoLayer({ data: { X: gaussian(rng, N * d), Y: gaussian(rng, N), dim: d }, activation: 'tanh' });
  const mu = Measure.gaussian(m, d + 2, { seed: 2 });
  const v = new Float64Array(m * (d + 2));
  const K = 10_000,
    q = 1_000,
    D = 64;
  const net = hopfield({ patterns: gaussian(rng, K * D, 1 / Math.sqrt(D)), dim: D, beta: 8 });
  const queries = gaussian(rng, q * D, 1 / Math.sqrt(D));
  const cases: Array<[string, (backend: 'wasm' | 'js', precision: 'f64' | 'f32') => void]> = [
    [
      'two-layer forward+backward N=1e4 m=1e3 d=20',
      (backend, precision) => flow.velocity(mu.points, mu.weights, d + 2, v, { backend, precision }),
    ],
    [
      'hopfield retrieval 1e3 queries x 1e4 patterns d=64',
      (backend, precision) => {
        net.update(queries, { backend, precision });
      },
    ],
  ];
  for (const [name, run] of cases) {
    await b.suite(
      name,
      ...VARIANTS.map(([label, backend, precision]) =>
        b.add(label, () => run(backend, precision), { minSamples: 2, maxTime: backend === 'js' ? 8 : 3 }),
      ),
      b.cycle(),
      b.complete((summary) => {
        for (const r of summary.results) rows.push({ case: name, variant: r.name, msPerCall: r.details.median * 1000 });
      }),
      b.save({ file: name.split(' ')[0], folder: 'bench/results', format: 'json', details: false }),
    );
  }
}

export function memoryTable(rows: MemoryRow[]): string {
  const ms = (c: string, v: string) => rows.find((r) => r.case === c && r.variant === v)?.msPerCall ?? NaN;
  const lines = ['| case | wasm f64 ms | wasm f32 ms | js f64 ms | js / wasm f64 | js / wasm f32 |', '|---|---|---|---|---|---|'];
  for (const c of [...new Set(rows.map((r) => r.case))]) {
    const [w64, w32, js] = [ms(c, 'wasm f64'), ms(c, 'wasm f32'), ms(c, 'js f64')];
    lines.push(
      `| ${c} | ${w64.toFixed(1)} | ${w32.toFixed(1)} | ${js.toFixed(0)} | ${(js / w64).toFixed(1)}x | ${(js / w32).toFixed(1)}x |`,
    );
  }
  return lines.join('\n');
}
