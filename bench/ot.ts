// Sinkhorn benchmark: time per iteration (one f-update and one g-update, each a full kernel
// pass) at n = m = 1000 and 4000, d = 3, eps = 0.05, on POT's data shapes
// (x uniform in [0,1]^3, y normal(0.5, 0.25)), next to POT's log-domain Sinkhorn timed right after.
import b from 'benny';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Measure, sinkhorn } from '../src/index.js';
import { VARIANTS } from './variants.js';

export interface SinkhornRow {
  n: number;
  variant: string;
  msPerIteration: number;
}

export async function sinkhornBench(rows: SinkhornRow[]): Promise<void> {
  for (const n of [1000, 4000]) {
    const x = Measure.uniformBox(n, 3, { seed: 1 });
    const y = Measure.gaussian(n, 3, { seed: 2, mean: 0.5, std: 0.25 });
    const iters = n === 1000 ? 20 : 5;
    await b.suite(
      `sinkhorn N=${n}`,
      ...VARIANTS.map(([label, backend, precision]) =>
        // Exactly `iters` iterations at eps (no annealing; tol unreachable), plus the final cost pass.
        b.add(
          label,
          () => {
            sinkhorn(x, y, { eps: 0.05, maxIter: iters, tol: 1e-300, scaling: false, backend, precision });
          },
          { minSamples: 2, maxTime: backend === 'js' && n > 2000 ? 8 : 3 },
        ),
      ),
      b.cycle(),
      b.complete((summary) => {
        // Each op: 1 + 2 * iters + 1 kernel passes; per iteration = 2 passes.
        for (const r of summary.results) rows.push({ n, variant: r.name, msPerIteration: (r.details.median * 1e3 * 2) / (2 * iters + 2) });
      }),
      b.save({ file: `sinkhorn-${n}`, folder: 'bench/results', format: 'json', details: false }),
    );
  }
}

/** Runs ../shared/bench/pot/time_pot.py with Debian's python3 (needs python3-pot); ms per iteration by n. */
export function potBench(): Record<number, number> {
  const script = '../shared/bench/pot/time_pot.py';
  if (!existsSync(script) || !existsSync('/usr/bin/python3')) return {};
  try {
    const out = execFileSync('/usr/bin/python3', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const res: Record<number, number> = {};
    for (const m of out.matchAll(/n=m=(\d+):.*?=\s*([\d.]+) ms\/it/g)) res[Number(m[1])] = Number(m[2]);
    return res;
  } catch {
    return {};
  }
}
