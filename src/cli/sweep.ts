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
import { simulate, type SimulateOptions } from '../simulate/simulate.js';
import type { ProgressInfo } from '../simulate/spec.js';
import type { RecordOptions } from '../simulate/schedule.js';
import type { Trajectory } from '../simulate/trajectory.js';
import type { IntegratorName } from '../simulate/integrators.js';
import { runSpec } from '../simulate/spec.js';

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
  /** rk45 absolute tolerance (the library's default when not given). */
  atol?: number;
  clock: 'time' | 'arclength';
  /** Merge particles closer than this (simulate's collapse.tol); null: no merging. */
  collapse: number | null;
  /** Stop once the particles form one cluster at this single-linkage distance; null: run to t-end. */
  stopOneCluster: number | null;
  /** The whole sweep this run belongs to (the same in every line and every shard). */
  sweep: SweepGrid;
}

/**
 * The grids and seeds of a sweep, as canonical text (a start:stop:count grid as such, a list as
 * its values, the seeds as ranges 1..8,10): what `meanfield merge` needs to know every
 * (grid point, seed) of the sweep and to name a missing one. dim is null for the circle flow.
 */
export interface SweepGrid {
  beta: string;
  n: string;
  dim: string | null;
  seeds: string;
}

/**
 * The settings of a sweep that are the same for every line (all but the grid values beta, n,
 * dim and the seed), stored in every line so that --resume can refuse a file run with others.
 */
export interface SweepSettings {
  normalization: string;
  mask: string;
  tEnd: number;
  integrator: string;
  dt: number | null;
  rtol: number;
  records: number;
  spacing: string;
  recordEvery: number | null;
  clusterTol: number;
  delta: number;
  precision: string;
  atol: number;
  clock: string;
  collapse: number | null;
  stopOneCluster: number | null;
}

/**
 * The flag of each setting, to name a difference; in the order differences are looked for: rtol and atol last,
 * since their defaults follow --collapse (a different --collapse is the difference to name, not its tolerances).
 */
export const SETTING_FLAGS: Record<keyof SweepSettings, string> = {
  normalization: 'normalization',
  mask: 'mask',
  tEnd: 't-end',
  integrator: 'integrator',
  dt: 'dt',
  records: 'records',
  spacing: 'spacing',
  recordEvery: 'record-every',
  clusterTol: 'cluster-tol',
  delta: 'delta',
  precision: 'precision',
  clock: 'clock',
  collapse: 'collapse',
  stopOneCluster: 'stop-one-cluster',
  rtol: 'rtol',
  atol: 'atol',
};

/** The settings of a sweep; atol as simulate resolves it (its default when --atol is not given). */
export function settingsOf(s: SweepSpec): SweepSettings {
  const flow = makeFlow(s);
  return {
    normalization: s.normalization,
    mask: s.mask,
    tEnd: s.tEnd,
    integrator: s.integrator,
    dt: s.dt ?? null,
    rtol: s.rtol,
    records: s.records,
    spacing: s.spacing,
    recordEvery: s.recordEvery ?? null,
    clusterTol: s.clusterTol,
    delta: s.delta,
    precision: s.precision,
    atol: runSpec(flow, simulateOptions(s, flow)).atol,
    clock: s.clock,
    collapse: s.collapse,
    stopOneCluster: s.stopOneCluster,
  };
}

export interface SeedSummary {
  seed: number;
  flow: string;
  /** Every setting of the sweep but the grid values (see SweepSettings). */
  settings: SweepSettings;
  /** The sweep's grids and seeds (see SweepGrid). */
  sweep: SweepGrid;
  beta: number;
  params: Record<string, unknown>;
  n: number;
  dim: number;
  tEnd: number;
  integrator: string;
  times: number[];
  energy: number[] | null;
  /** Cluster count at every record time (single linkage at --cluster-tol). */
  clusterCounts: number[];
  delta: number;
  clusteredFraction: number[];
  meanInnerProduct: number[];
  plateaus: Array<{ start: number; end: number; clusters: number; energy: number | null; metastable: boolean }>;
  finalClusters: number;
  /** When the run ended: t-end, or the time a stop rule fired (the last record may be earlier). */
  finalTime: number;
  /** Particles left at the end (fewer than n once --collapse merged some). */
  finalParticles: number;
  /** Time of the last merge under --collapse; null without merges. */
  lastMerge: number | null;
  steps: number;
  rejected: number;
  evaluations: number;
  stopReason: string;
  wallTimeMs: number;
}

/** The flows `meanfield run` builds, by name: the flow of a grid point, and a seed's initial measure. */
export const SWEEP_FLOWS: Record<SweepSpec['flow'], { flow(s: SweepSpec): Flow; measure(s: SweepSpec, seed: number): Measure }> = {
  attention: {
    flow: (s) => attention({ beta: s.beta, normalization: s.normalization, mask: s.mask }),
    measure: (s, seed) => Measure.uniformSphere(s.n, s.dim, { seed }),
  },
  circle: {
    flow: (s) => circle({ beta: s.beta, normalization: s.normalization === 'sinkhorn' ? 'softmax' : s.normalization }),
    measure: (s, seed) => Measure.uniformCircle(s.n, { seed }),
  },
  interaction: {
    flow: (s) => interaction({ beta: s.beta, space: 'sphere' }),
    measure: (s, seed) => Measure.uniformSphere(s.n, s.dim, { seed }),
  },
};

export function makeFlow(s: SweepSpec): Flow {
  return SWEEP_FLOWS[s.flow].flow(s);
}

export function initialMeasure(s: SweepSpec, seed: number): Measure {
  return SWEEP_FLOWS[s.flow].measure(s, seed);
}

/** The record schedule of a sweep (t-end 0: the one record at t = 0). */
export function recordOptions(s: SweepSpec): RecordOptions {
  if (s.recordEvery !== undefined) return { every: s.recordEvery };
  if (s.tEnd === 0) return { times: [] };
  if (s.spacing === 'linear') return { times: Array.from({ length: s.records - 1 }, (_, i) => (s.tEnd * (i + 1)) / (s.records - 1)) };
  return { logSpaced: s.records };
}

/** The simulate options of a sweep. */
export function simulateOptions(s: SweepSpec, flow: Flow): SimulateOptions {
  return {
    tEnd: s.tEnd,
    integrator: s.integrator,
    dt: s.dt,
    rtol: s.rtol,
    ...(s.atol === undefined ? {} : { atol: s.atol }),
    precision: s.precision,
    record: recordOptions(s),
    clock: s.clock,
    ...(s.collapse === null ? {} : { collapse: { tol: s.collapse } }),
    ...(s.stopOneCluster === null ? {} : { stopWhen: { oneCluster: { tol: s.stopOneCluster } } }),
    observe: {
      energy: flow.energy !== undefined,
      clusters: { tol: s.clusterTol },
      clusteredFraction: { delta: s.delta },
      meanInnerProduct: true,
    },
  };
}

/**
 * Simulates the seeds of one grid point together; one summary line per seed, in order. A lone
 * seed runs through simulate (bit-identical to simulateMany) so that it can report progress.
 */
export function runSeeds(s: SweepSpec, seeds: number[], onProgress?: (info: ProgressInfo) => void): SeedSummary[] {
  const flow = makeFlow(s);
  const measures = seeds.map((seed) => initialMeasure(s, seed));
  const options = simulateOptions(s, flow);
  const runs =
    seeds.length === 1 && onProgress !== undefined
      ? [simulate(flow, measures[0], { ...options, onProgress, progressInterval: 200 })]
      : simulateMany(flow, measures, options);
  return runs.map((run, i) => summarize(s, flow, measures[i], seeds[i], run));
}

function summarize(s: SweepSpec, flow: Flow, mu: Measure, seed: number, run: Trajectory): SeedSummary {
  const clusterCounts = Array.from(run.clusterCounts ?? []);
  const energy = run.energy ? Array.from(run.energy) : null;
  const p = plateaus({ times: run.times, clusterCounts: run.clusterCounts, energy: run.energy }).plateaus;
  return {
    seed,
    flow: flow.name,
    settings: settingsOf(s),
    sweep: s.sweep,
    beta: s.beta,
    params: flow.params,
    n: mu.size,
    dim: mu.dim,
    tEnd: s.tEnd,
    integrator: s.integrator,
    times: Array.from(run.times),
    energy,
    clusterCounts,
    delta: s.delta,
    clusteredFraction: Array.from(run.observables.clusteredFraction ?? []),
    meanInnerProduct: Array.from(run.observables.meanInnerProduct ?? []),
    plateaus: p.map((q) => ({
      start: q.start,
      end: q.end,
      clusters: q.clusters,
      energy: Number.isFinite(q.energy) ? q.energy : null,
      metastable: q.metastable,
    })),
    finalClusters: clusterCounts[clusterCounts.length - 1],
    finalTime: run.finalTime,
    finalParticles: run.final.size,
    lastMerge: run.collapses.length === 0 ? null : run.collapses[run.collapses.length - 1].t,
    steps: run.steps,
    rejected: run.stats.rejected,
    evaluations: run.stats.evaluations,
    stopReason: run.stopReason,
    wallTimeMs: Math.round(run.stats.wallTimeMs),
  };
}
