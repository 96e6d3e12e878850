// A Trajectory: recorded times and observables, optional snapshots, the final measure,
// step statistics, and the integrator state that lets a run continue bit-identically.
import { InvalidArgumentError } from '../errors.js';
import { Measure, type Space } from '../measure.js';

export type StopReason = 'tEnd' | 'oneCluster' | 'velocityBelow' | 'aborted' | 'maxSteps';

/** The integrator's state after its last natural step: what a resumed run starts from. */
export interface Checkpoint {
  t: number;
  steps: number;
  /** rk45's next step size (the fixed step otherwise). */
  h: number;
  /** Fixed-step runs count time as base.t + (steps - base.steps) h. */
  base?: { t: number; steps: number };
  /** The points as the bytes of a Float64Array, base64: exact to the bit, -0 included. */
  points: string;
  weights: number[];
  dim: number;
  space: Space;
  integrator: string;
}

export interface StepStats {
  accepted: number;
  rejected: number;
  evaluations: number;
  wallTimeMs: number;
  lastStepSize: number;
}

export interface TrajectoryData {
  flow: { name: string; params: Record<string, unknown> };
  times: number[];
  observables: Record<string, number[]>;
  snapshots: Measure[];
  final: Measure;
  finalTime: number;
  stopReason: StopReason;
  stats: StepStats;
  checkpoint: Checkpoint;
}

export class Trajectory {
  /** Recorded times (t = 0 first). */
  readonly times: Float64Array;
  /** E(mu_t) at the recorded times, when observed. */
  readonly energy?: Float64Array;
  /** Number of clusters at the recorded times, when observed. */
  readonly clusterCounts?: Int32Array;
  readonly minDistance?: Float64Array;
  readonly velocityNorm?: Float64Array;
  /** Every recorded observable by name, custom ones included. */
  readonly observables: Readonly<Record<string, Float64Array>>;
  readonly snapshots: readonly Measure[];
  /** The measure at the time the run ended (tEnd unless it stopped early). */
  readonly final: Measure;
  readonly finalTime: number;
  readonly steps: number;
  readonly stopReason: StopReason;
  readonly stats: Readonly<StepStats>;
  readonly flow: { name: string; params: Record<string, unknown> };
  readonly checkpoint: Checkpoint;

  constructor(data: TrajectoryData) {
    this.times = Float64Array.from(data.times);
    const obs: Record<string, Float64Array> = {};
    for (const [k, v] of Object.entries(data.observables)) obs[k] = Float64Array.from(v);
    this.observables = obs;
    if (obs.energy) this.energy = obs.energy;
    if (obs.clusters) this.clusterCounts = Int32Array.from(obs.clusters);
    if (obs.minDistance) this.minDistance = obs.minDistance;
    if (obs.velocityNorm) this.velocityNorm = obs.velocityNorm;
    this.snapshots = data.snapshots;
    this.final = data.final;
    this.finalTime = data.finalTime;
    this.steps = data.checkpoint.steps;
    this.stopReason = data.stopReason;
    this.stats = data.stats;
    this.flow = data.flow;
    this.checkpoint = data.checkpoint;
  }

  toJSON(): Record<string, unknown> {
    return {
      format: 'meanfield-trajectory@1',
      flow: this.flow,
      times: Array.from(this.times),
      observables: Object.fromEntries(Object.entries(this.observables).map(([k, v]) => [k, Array.from(v)])),
      snapshots: this.snapshots.map((s) => s.toJSON()),
      final: this.final.toJSON(),
      finalTime: this.finalTime,
      stopReason: this.stopReason,
      stats: this.stats,
      checkpoint: this.checkpoint,
    };
  }

  static fromJSON(json: unknown): Trajectory {
    const j = (typeof json === 'string' ? JSON.parse(json) : json) as Record<string, any>;
    if (j === null || typeof j !== 'object' || j.format !== 'meanfield-trajectory@1') {
      throw new InvalidArgumentError('json', j?.format ?? j, "must be a trajectory saved by Trajectory.toJSON() (format 'meanfield-trajectory@1')");
    }
    return new Trajectory({
      flow: j.flow,
      times: j.times,
      observables: j.observables,
      snapshots: (j.snapshots as unknown[]).map((s) => Measure.fromJSON(s as never)),
      final: Measure.fromJSON(j.final),
      finalTime: j.finalTime,
      stopReason: j.stopReason,
      stats: j.stats,
      checkpoint: j.checkpoint,
    });
  }
}

export function encodeFloat64(a: Float64Array): string {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function decodeFloat64(text: string): Float64Array {
  const bin = atob(text);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Float64Array(bytes.buffer);
}
