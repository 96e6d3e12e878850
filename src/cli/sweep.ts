// One seed of a `meanfield run` sweep: build the flow and the initial measure, simulate,
// and reduce the run to a JSON-safe summary line. Runs on the main thread or in a worker.
import { plateaus } from '../analysis/plateaus.js';
import { attention } from '../flows/attention.js';
import { circle } from '../flows/circle.js';
import type { Flow } from '../flows/flow.js';
import { interaction } from '../flows/interaction.js';
import { Measure } from '../measure.js';
import { simulate } from '../simulate/simulate.js';
import type { IntegratorName } from '../simulate/integrators.js';

export interface SweepSpec {
  flow: 'attention' | 'circle' | 'interaction';
  n: number;
  dim: number;
  beta: number;
  normalization: 'softmax' | 'none' | 'sinkhorn';
  mask: 'none' | 'causal';
  tEnd: number;
  integrator: IntegratorName;
  dt?: number;
  rtol: number;
  records: number;
  clusterTol: number;
  precision: 'f64' | 'f32';
}

export interface SeedSummary {
  seed: number;
  flow: string;
  params: Record<string, unknown>;
  n: number;
  dim: number;
  tEnd: number;
  integrator: string;
  times: number[];
  energy: number[] | null;
  clusters: number[];
  plateaus: Array<{ start: number; end: number; clusters: number; energy: number | null; metastable: boolean }>;
  finalClusters: number;
  steps: number;
  rejected: number;
  evaluations: number;
  stopReason: string;
  wallTimeMs: number;
}

export function makeFlow(s: SweepSpec): Flow {
  if (s.flow === 'circle') return circle({ beta: s.beta, normalization: s.normalization === 'sinkhorn' ? 'softmax' : s.normalization });
  if (s.flow === 'interaction') return interaction({ beta: s.beta, space: 'sphere' });
  return attention({ beta: s.beta, normalization: s.normalization, mask: s.mask });
}

export function initialMeasure(s: SweepSpec, seed: number): Measure {
  return s.flow === 'circle' ? Measure.uniformCircle(s.n, { seed }) : Measure.uniformSphere(s.n, s.dim, { seed });
}

export function runSeed(s: SweepSpec, seed: number, signal?: AbortSignal): SeedSummary | null {
  const flow = makeFlow(s);
  const mu = initialMeasure(s, seed);
  const withEnergy = flow.energy !== undefined;
  const run = simulate(flow, mu, {
    tEnd: s.tEnd, integrator: s.integrator, dt: s.dt, rtol: s.rtol, precision: s.precision, signal,
    record: { logSpaced: s.records }, observe: { energy: withEnergy, clusters: { tol: s.clusterTol } },
  });
  if (run.stopReason === 'aborted') return null;
  const clusters = Array.from(run.clusterCounts ?? []);
  const energy = run.energy ? Array.from(run.energy) : null;
  const p = plateaus({ times: run.times, clusterCounts: run.clusterCounts, energy: run.energy }).plateaus;
  return {
    seed, flow: flow.name, params: flow.params, n: mu.size, dim: mu.dim, tEnd: s.tEnd, integrator: s.integrator,
    times: Array.from(run.times), energy, clusters,
    plateaus: p.map((q) => ({ start: q.start, end: q.end, clusters: q.clusters, energy: Number.isFinite(q.energy) ? q.energy : null, metastable: q.metastable })),
    finalClusters: clusters[clusters.length - 1], steps: run.steps, rejected: run.stats.rejected,
    evaluations: run.stats.evaluations, stopReason: run.stopReason, wallTimeMs: Math.round(run.stats.wallTimeMs),
  };
}
