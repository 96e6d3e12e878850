// A Trajectory: recorded times and observables, optional snapshots, the final measure,
// step statistics, and the integrator state that lets a run continue bit-identically.
import { InvalidArgumentError } from '../errors.js';
import { Measure, type Space } from '../measure.js';

/**
 * Why a run ended: it reached tEnd, a stopWhen rule fired ('oneCluster', 'velocityBelow'),
 * options.signal was aborted, or this call's maxSteps ran out.
 */
export type StopReason = 'tEnd' | 'oneCluster' | 'velocityBelow' | 'aborted' | 'maxSteps';

/** The integrator's state after its last natural step: what a resumed run starts from. */
export interface Checkpoint {
  /** Time reached by the last natural step. */
  t: number;
  /** Natural steps taken since t = 0. */
  steps: number;
  /** rk45's next step size (the fixed step otherwise). */
  h: number;
  /** Fixed-step runs count time as base.t + (steps - base.steps) h. */
  base?: {
    /** Time at which the current fixed step size took effect. */
    t: number;
    /** Natural steps taken by then. */
    steps: number;
  };
  /** The points as the bytes of a Float64Array, base64: exact to the bit, -0 included. */
  points: string;
  /** The measure's weights, as stored. */
  weights: number[];
  /** Point dimension d. */
  dim: number;
  /** The measure's space. */
  space: Space;
  /** Integrator name ('euler', 'heun', 'rk4' or 'rk45'). */
  integrator: string;
}

/** Step statistics of a run, accumulated across resumes. */
export interface StepStats {
  /** Natural steps accepted. */
  accepted: number;
  /** rk45 step attempts rejected by the error control (0 for fixed-step integrators). */
  rejected: number;
  /** Velocity evaluations by the integrator (observables not counted). */
  evaluations: number;
  /** Wall-clock milliseconds spent in simulate(). */
  wallTimeMs: number;
  /** The step size at the end (rk45's next proposed step; the fixed dt otherwise). */
  lastStepSize: number;
}

/** Everything a Trajectory is built from (see {@link Trajectory} for each field). */
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

/**
 * The result of simulate(): recorded times and observables (arrays aligned with `times`),
 * optional snapshots, the final measure, step statistics and a checkpoint to resume from.
 */
export class Trajectory {
  /** Recorded times (t = 0 first). */
  readonly times: Float64Array;
  /** E(mu_t) at the recorded times, when observed. */
  readonly energy?: Float64Array;
  /** Number of clusters at the recorded times, when observed. */
  readonly clusterCounts?: Int32Array;
  /** Smallest pairwise particle distance at the recorded times, when observed. */
  readonly minDistance?: Float64Array;
  /** ‖V[mu_t]‖_{L²(mu_t)} at the recorded times, when observed. */
  readonly velocityNorm?: Float64Array;
  /** Every recorded observable by name, custom ones included. */
  readonly observables: Readonly<Record<string, Float64Array>>;
  /** The measure at every recorded time when record.snapshots was set, else empty. */
  readonly snapshots: readonly Measure[];
  /** The measure at the time the run ended (tEnd unless it stopped early). */
  readonly final: Measure;
  /** The time of `final`: tEnd, or the time of the last natural step when the run stopped early. */
  readonly finalTime: number;
  /** Natural steps taken since t = 0 (across resumes). */
  readonly steps: number;
  /** Why the run ended. */
  readonly stopReason: StopReason;
  /** Step counts and timing. */
  readonly stats: Readonly<StepStats>;
  /** The flow that produced the run; resuming requires the same name and params. */
  readonly flow: {
    /** The flow's name, e.g. 'attention'. */
    name: string;
    /** The flow's defining parameters (JSON-safe). */
    params: Record<string, unknown>;
  };
  /** Integrator state after the last natural step: pass the Trajectory back to simulate() to continue. */
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

  /** A JSON-safe object (format 'meanfield-trajectory@1'); the checkpoint points are bit-exact. */
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

  /**
   * Inverse of toJSON(), from its object or its JSON string.
   * @throws InvalidArgumentError unless the format is 'meanfield-trajectory@1'.
   */
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

/** The bytes of a Float64Array as base64 (exact to the bit). */
export function encodeFloat64(a: Float64Array): string {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** Inverse of encodeFloat64. */
export function decodeFloat64(text: string): Float64Array {
  const bin = atob(text);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Float64Array(bytes.buffer);
}
