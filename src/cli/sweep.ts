// Seeds of one grid point of a `meanfield run` sweep: build the flow and the initial measures,
// simulate them together (simulateMany), and reduce each run to a JSON-safe summary line.
// Runs in a worker (or on the main thread).
import { plateaus } from '../analysis/plateaus.js';
import { attention } from '../flows/attention.js';
import { circle } from '../flows/circle.js';
import type { Flow } from '../flows/flow.js';
import { interaction } from '../flows/interaction.js';
import { Measure } from '../measure.js';
import { simulateMany } from '../simulate/many.js';
import type { SimulateOptions } from '../simulate/simulate.js';
import type { RecordOptions } from '../simulate/schedule.js';
import type { Trajectory } from '../simulate/trajectory.js';
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
  /** Spacing of the --records times: log from min(0.01, tEnd/100), or linear from 0. */
  spacing: 'log' | 'linear';
  /** Record every this many natural steps instead of at --records times. */
  recordEvery?: number;
  clusterTol: number;
  /** Threshold of the clustered-pairs fraction: pairs with <x_i, x_j> > 1 - delta. */
  delta: number;
  precision: 'f64' | 'f32';
}

export interface SeedSummary {
  seed: number;
  flow: string;
  beta: number;
  params: Record<string, unknown>;
  n: number;
  dim: number;
  tEnd: number;
  integrator: string;
  times: number[];
  energy: number[] | null;
  clusters: number[];
  delta: number;
  clusteredFraction: number[];
  meanInnerProduct: number[];
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

/** The record schedule of a sweep. */
export function recordOptions(s: SweepSpec): RecordOptions {
  if (s.recordEvery !== undefined) return { every: s.recordEvery };
  if (s.spacing === 'linear') return { times: Array.from({ length: s.records - 1 }, (_, i) => (s.tEnd * (i + 1)) / (s.records - 1)) };
  return { logSpaced: s.records };
}

/** Simulates the seeds of one grid point together; one summary line per seed, in order. */
export function runSeeds(s: SweepSpec, seeds: number[]): SeedSummary[] {
  const flow = makeFlow(s);
  const measures = seeds.map((seed) => initialMeasure(s, seed));
  const options: SimulateOptions = {
    tEnd: s.tEnd, integrator: s.integrator, dt: s.dt, rtol: s.rtol, precision: s.precision, record: recordOptions(s),
    observe: { energy: flow.energy !== undefined, clusters: { tol: s.clusterTol }, clusteredFraction: { delta: s.delta }, meanInnerProduct: true },
  };
  const runs = simulateMany(flow, measures, options);
  return runs.map((run, i) => summarize(s, flow, measures[i], seeds[i], run));
}

function summarize(s: SweepSpec, flow: Flow, mu: Measure, seed: number, run: Trajectory): SeedSummary {
  const clusters = Array.from(run.clusterCounts ?? []);
  const energy = run.energy ? Array.from(run.energy) : null;
  const p = plateaus({ times: run.times, clusterCounts: run.clusterCounts, energy: run.energy }).plateaus;
  return {
    seed, flow: flow.name, beta: s.beta, params: flow.params, n: mu.size, dim: mu.dim, tEnd: s.tEnd, integrator: s.integrator,
    times: Array.from(run.times), energy, clusters, delta: s.delta,
    clusteredFraction: Array.from(run.observables.clusteredFraction ?? []), meanInnerProduct: Array.from(run.observables.meanInnerProduct ?? []),
    plateaus: p.map((q) => ({ start: q.start, end: q.end, clusters: q.clusters, energy: Number.isFinite(q.energy) ? q.energy : null, metastable: q.metastable })),
    finalClusters: clusters[clusters.length - 1], steps: run.steps, rejected: run.stats.rejected,
    evaluations: run.stats.evaluations, stopReason: run.stopReason, wallTimeMs: Math.round(run.stats.wallTimeMs),
  };
}
