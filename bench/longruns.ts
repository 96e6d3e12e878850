// Long runs: the wall time to a user's answer where explicit steps used to be capped near 3.3
// time units inside formed clusters. Cluster collapse removes that cap.
// Run alone: node --import tsx bench/longruns.ts
import { fileURLToPath } from 'node:url';
import { circle, init, Measure, simulate } from '../src/index.js';

export interface LongRunRow {
  case: string;
  wallTimeS: number;
  steps: number;
  rejected: number;
  answer: string;
}

export async function longRunsBench(rows: LongRunRow[]): Promise<void> {
  await init({ threads: 1 });
  // Two particles at beta = 25 (D0 = π/2) merge at t = 1.4448e9 (quadrature); run to 1.05x that.
  {
    const mu = new Measure(Float64Array.from([0, Math.PI / 2]), { dim: 1, space: 'circle' });
    const t0 = performance.now();
    const run = simulate(circle({ beta: 25 }), mu, {
      tEnd: 1.05 * 1.4448e9,
      rtol: 1e-9,
      atol: 1e-12,
      collapse: { tol: 1e-6 },
      record: { logSpaced: 100 },
    });
    const t = run.collapses[0]?.t ?? NaN;
    rows.push({
      case: 'two particles, beta = 25, to 1.05 x 1.4448e9 (collapse)',
      wallTimeS: (performance.now() - t0) / 1000,
      steps: run.steps,
      rejected: run.stats.rejected,
      answer: `merge at t = ${t.toExponential(5)} (${(((t - 1.4448e9) / 1.4448e9) * 100).toFixed(3)}% from 1.4448e9)`,
    });
  }
  // The main job: circle, n = 64, beta = 9, seed 2, to the last merge.
  for (const collapse of [true, false]) {
    const mu = Measure.uniformCircle(64, { seed: 2 });
    const t0 = performance.now();
    const run = simulate(circle({ beta: 9 }), mu, {
      tEnd: collapse ? 1e12 : 1e5,
      rtol: 1e-9,
      atol: 1e-12,
      record: { logSpaced: { count: 400, from: 0.05 } },
      observe: { clusters: { tol: 1e-2 } },
      ...(collapse ? { collapse: { tol: 1e-6 }, stopWhen: { custom: (m: Measure) => m.size === 1 } } : {}),
    });
    const last = run.collapses[run.collapses.length - 1];
    rows.push({
      case: collapse ? 'npm start: circle n = 64, beta = 9, to the last merge (collapse)' : 'the same without collapse, to t = 1e5 only',
      wallTimeS: (performance.now() - t0) / 1000,
      steps: run.steps,
      rejected: run.stats.rejected,
      answer: collapse
        ? `last merge at t = ${last.t.toExponential(4)}`
        : `${run.clusterCounts![run.clusterCounts!.length - 1]} clusters at t = 1e5`,
    });
  }
}

export function longRunsTable(rows: LongRunRow[]): string {
  const lines = ['| long run | wall time | steps (rejected) | answer |', '|---|---|---|---|'];
  for (const r of rows) lines.push(`| ${r.case} | ${r.wallTimeS.toFixed(2)} s | ${r.steps} (${r.rejected}) | ${r.answer} |`);
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rows: LongRunRow[] = [];
  await longRunsBench(rows);
  console.log(longRunsTable(rows));
  process.exit(0);
}
