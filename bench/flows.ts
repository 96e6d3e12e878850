// Flow benchmarks: steps per second of softmax attention (SA) with rk4 on S², and the
// metastability run of the main job carried to t = 1e5 with rk45.
import b from 'benny';
import { attention, circle, Measure, simulate } from '../src/index.js';
import { VARIANTS } from './variants.js';

export interface FlowRow {
  case: string;
  n: number;
  variant: string;
  stepsPerSecond: number;
}

export async function flowBench(rows: FlowRow[]): Promise<void> {
  for (const n of [512, 4096]) {
    const mu = Measure.uniformSphere(n, 3, { seed: 1 });
    const flow = attention({ beta: 4 });
    // Steps per op; each op also pays one velocity evaluation at the start (1/(4 S) of the work).
    const S = n === 512 ? 20 : 4;
    await b.suite(
      `attention-rk4 N=${n}`,
      ...VARIANTS.map(([label, backend, precision]) =>
        b.add(
          label,
          () => {
            simulate(flow, mu, { tEnd: S * 0.01, integrator: 'rk4', dt: 0.01, record: {}, backend, precision });
          },
          { minSamples: 2, maxTime: backend === 'js' && n > 1000 ? 6 : 2 },
        ),
      ),
      b.cycle(),
      b.complete((summary) => {
        for (const r of summary.results) rows.push({ case: 'attention-rk4', n, variant: r.name, stepsPerSecond: S / r.details.median });
      }),
      b.save({ file: `attention-rk4-${n}`, folder: 'bench/results', format: 'json', details: false }),
    );
  }
}

export interface MetastabilityResult {
  variant: string;
  wallTimeS: number;
  steps: number;
  rejected: number;
  evaluations: number;
  finalClusters: number;
}

/** The main job's run (circle, SA, n = 64, beta = 9, seed 2) to t = 1e5 with rk45. */
export function metastabilityBench(): MetastabilityResult[] {
  const out: MetastabilityResult[] = [];
  for (const [variant, backend, precision] of VARIANTS.slice(0, 2)) {
    const mu = Measure.uniformCircle(64, { seed: 2 });
    const t0 = performance.now();
    const run = simulate(circle({ beta: 9 }), mu, {
      tEnd: 1e5,
      integrator: 'rk45',
      rtol: 1e-9,
      atol: 1e-12,
      backend,
      precision,
      record: { logSpaced: { count: 400, from: 0.05 } },
      observe: { clusters: { tol: 1e-2 } },
    });
    out.push({
      variant,
      wallTimeS: (performance.now() - t0) / 1000,
      steps: run.steps,
      rejected: run.stats.rejected,
      evaluations: run.stats.evaluations,
      finalClusters: run.clusterCounts![run.clusterCounts!.length - 1],
    });
  }
  return out;
}
