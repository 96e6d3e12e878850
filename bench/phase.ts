// The phase-diagram workload of borjanG/2023-transformers-rotf (phase-diagrams.py): B = 2048
// systems of n = 32 tokens on S^7, SA at beta = 4, the papers' scheme (unprojected Euler,
// dt = 0.1, then renormalisation), 300 steps. meanfield steps the whole batch per kernel call
// (simulateMany); PyTorch CPU (../shared/bench/torch/time_torch.py) runs batched bmm + softmax.
// Run alone: node --import tsx bench/phase.ts
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { attention, init, Measure, simulate, simulateMany } from '../src/index.js';

export const PHASE = { B: 2048, n: 32, d: 8, beta: 4, dt: 0.1, steps: 300 };
const pairsPerRun = PHASE.B * PHASE.n * PHASE.n * PHASE.steps;

export interface PhaseRow {
  implementation: string;
  precision: string;
  threads: number;
  ms: number;
  nsPerPairStep: number;
}

function systems(): Measure[] {
  return Array.from({ length: PHASE.B }, (_, b) => Measure.uniformSphere(PHASE.n, PHASE.d, { seed: b + 1 }));
}

const options = (precision: 'f32' | 'f64') => ({
  tEnd: PHASE.steps * PHASE.dt,
  integrator: 'euler' as const,
  dt: PHASE.dt,
  precision,
  record: { times: [] },
});

/** Best of `reps` wall times of fn, in ms. */
function best(fn: () => void, reps: number): number {
  let b = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    fn();
    b = Math.min(b, performance.now() - t0);
  }
  return b;
}

export async function phaseBench(rows: PhaseRow[], opts: { separate?: boolean } = {}): Promise<void> {
  const mus = systems();
  const flow = attention({ beta: PHASE.beta, tangentProjection: false });
  for (const threads of [1, 2]) {
    await init({ threads });
    for (const precision of ['f32', 'f64'] as const) {
      const ms = best(() => simulateMany(flow, mus, options(precision)), 2);
      rows.push({ implementation: 'meanfield simulateMany', precision, threads, ms, nsPerPairStep: (ms * 1e6) / pairsPerRun });
    }
  }
  if (opts.separate !== false) {
    await init({ threads: 1 });
    for (const precision of ['f32', 'f64'] as const) {
      const ms = best(() => {
        for (const mu of mus) simulate(flow, mu, options(precision));
      }, 1);
      rows.push({ implementation: 'meanfield, 2048 simulate calls', precision, threads: 1, ms, nsPerPairStep: (ms * 1e6) / pairsPerRun });
    }
  }
  await init({ threads: 1 });
}

/** PyTorch CPU on the same workload, same machine; empty when python3-torch is missing. */
export function torchPhase(rows: PhaseRow[]): void {
  const script = fileURLToPath(new URL('../../shared/bench/torch/time_torch.py', import.meta.url));
  if (!existsSync(script) || !existsSync('/usr/bin/python3')) return;
  for (const threads of [1, 2]) {
    try {
      // OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are set on this machine for old OpenBLAS builds and slow a current one: unset for the timing.
      const env: NodeJS.ProcessEnv = { ...process.env, TORCH_THREADS: String(threads) };
      delete env.OPENBLAS_CORETYPE;
      delete env.OPENBLAS_L2_SIZE;
      const out = execFileSync('/usr/bin/python3', [script, 'phase'], { encoding: 'utf8', env });
      for (const m of out.matchAll(/phase-diagram batch (float\d+) .*?:\s+([\d.]+) ms = \s*([\d.]+) ns\/pair\/step/g)) {
        rows.push({
          implementation: 'PyTorch CPU',
          precision: m[1] === 'float32' ? 'f32' : 'f64',
          threads,
          ms: Number(m[2]),
          nsPerPairStep: Number(m[3]),
        });
      }
    } catch {
      return; // python3-torch not installed: apt-get install -y python3-torch
    }
  }
}

export function phaseTable(rows: PhaseRow[]): string {
  const lines = [
    '| phase diagram (B = 2048, n = 32, d = 8, 300 Euler steps) | precision | threads | wall time | ns/pair/step | PyTorch / this |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const torch = rows.find((t) => t.implementation === 'PyTorch CPU' && t.precision === r.precision && t.threads === r.threads);
    const ratio = torch && r !== torch ? `${(torch.ms / r.ms).toFixed(2)}x` : '—';
    lines.push(
      `| ${r.implementation} | ${r.precision} | ${r.threads} | ${(r.ms / 1000).toFixed(2)} s | ${r.nsPerPairStep.toFixed(2)} | ${ratio} |`,
    );
  }
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rows: PhaseRow[] = [];
  await phaseBench(rows, { separate: process.env.PHASE_SEPARATE !== '0' });
  torchPhase(rows);
  console.log(phaseTable(rows));
}
