// Threads: attention velocity (d = 3, f32) on 1 and 2 threads over the same data, and the
// sizes below which waking the pool costs more than it saves (the cut-off in src/backend/wasm.ts).
import b from 'benny';
import { attention, init, Measure } from '../src/index.js';
import { tuning } from '../src/backend/wasm.js';

export interface ThreadRow {
  n: number;
  threads: number;
  precision: string;
  msPerCall: number;
}

export async function threadsBench(rows: ThreadRow[], sizes = [64, 128, 256, 512, 4096]): Promise<void> {
  const saved = tuning.threadCutoff;
  tuning.threadCutoff = 0; // measure the pool at every size
  try {
    for (const n of sizes) {
      const mu = Measure.uniformSphere(n, 3, { seed: 1 });
      const flow = attention({ beta: 4 });
      const out = new Float64Array(n * 3);
      for (const precision of ['f32', 'f64'] as const) {
        for (const threads of [1, 2]) {
          await init({ threads });
          await b.suite(
            `threads N=${n} ${precision} x${threads}`,
            b.add(`${threads}`, () => flow.velocity(mu.points, mu.weights, 3, out, { precision }), {
              minSamples: 5,
              maxTime: n > 1000 ? 3 : 1,
            }),
            b.complete((summary) => {
              for (const r of summary.results) rows.push({ n, threads, precision, msPerCall: r.details.median * 1000 });
            }),
          );
        }
      }
    }
  } finally {
    tuning.threadCutoff = saved;
    await init({ threads: 1 });
  }
}

export function threadsTable(rows: ThreadRow[]): string {
  const ms = (n: number, t: number, p: string) => rows.find((r) => r.n === n && r.threads === t && r.precision === p)?.msPerCall ?? NaN;
  const lines = [
    '| attention velocity, d = 3 | N | 1 thread ms | 2 threads ms | speed-up | pairs × (d + k + 1) |',
    '|---|---|---|---|---|---|',
  ];
  for (const p of ['f32', 'f64']) {
    for (const n of [...new Set(rows.map((r) => r.n))]) {
      const [one, two] = [ms(n, 1, p), ms(n, 2, p)];
      lines.push(`| ${p} | ${n} | ${one.toFixed(3)} | ${two.toFixed(3)} | ${(one / two).toFixed(2)}x | ${n * n * 7} |`);
    }
  }
  return lines.join('\n');
}
