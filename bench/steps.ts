// Small systems: microseconds per Euler step of one system (SA on S², d = 3), where the fixed
// costs of a step (kernel call set-up, copies, combine, retraction) rival the arithmetic.
// Run alone: node --import tsx bench/steps.ts [path/to/dist/index.js to time another build]
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface StepRow {
  n: number;
  precision: string;
  usPerStep: number;
}

type Lib = typeof import('../src/index.js');

export async function stepsBench(lib: Lib, rows: StepRow[]): Promise<void> {
  await lib.init({ threads: 1 });
  for (const n of [16, 32, 64, 256]) {
    const mu = lib.Measure.uniformSphere(n, 3, { seed: 1 });
    const flow = lib.attention({ beta: 4 });
    for (const precision of ['f64', 'f32'] as const) {
      const steps = n <= 64 ? 20000 : 4000;
      const run = () => lib.simulate(flow, mu, { tEnd: steps * 0.01, integrator: 'euler', dt: 0.01, precision, record: { times: [] } });
      run(); // warm up
      let best = Infinity;
      for (let r = 0; r < 3; r++) {
        const t0 = performance.now();
        run();
        best = Math.min(best, performance.now() - t0);
      }
      rows.push({ n, precision, usPerStep: (best * 1000) / steps });
    }
  }
}

export function stepsTable(rows: StepRow[], before: StepRow[] = []): string {
  const lines = ['| one system, Euler step, SA on S² (d = 3) | precision | µs per step | before (session start) |', '|---|---|---|---|'];
  for (const r of rows) {
    const b = before.find((x) => x.n === r.n && x.precision === r.precision);
    lines.push(`| n = ${r.n} | ${r.precision} | ${r.usPerStep.toFixed(2)} | ${b ? b.usPerStep.toFixed(2) : '—'} |`);
  }
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const other = process.argv[2];
  const rows: StepRow[] = [];
  await stepsBench(await import('../src/index.js'), rows);
  const before: StepRow[] = [];
  if (other) await stepsBench((await import(pathToFileURL(other).href)) as Lib, before);
  console.log(stepsTable(rows, before));
  process.exit(0);
}
