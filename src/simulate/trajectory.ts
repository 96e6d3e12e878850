// A Trajectory: recorded times and observables, optional snapshots, the final measure,
// step statistics, and the integrator state that lets a run continue bit-identically.
import { InvalidArgumentError, MeanfieldError } from '../errors.js';
import { Measure, type MeasureJSON } from '../measure.js';
import type { Space } from '../spaces.js';
import type { Collapse } from './collapse.js';
import { decodeFloat64 } from './float64.js';

/**
 * Why a run ended: it reached tEnd, a stopWhen rule fired ('oneCluster', 'velocityBelow',
 * 'custom'; 'oneCluster' also when a collapse left one particle in a run without a finite tEnd), a terminal event fired ('event'), the arc-length clock met a stationary state
 * ('stationary'), options.signal was aborted, or this call's maxSteps ran out.
 */
export type StopReason = 'tEnd' | 'oneCluster' | 'velocityBelow' | 'custom' | 'event' | 'stationary' | 'aborted' | 'maxSteps';

/** The crossings of one event, in order. */
export interface EventRecord {
  /** Crossing times (Infinity beyond the double range; see logTimes). */
  times: number[];
  /** Natural log of each crossing time. */
  logTimes: number[];
  /** The measure at each crossing (from the dense output). */
  measures: Measure[];
}

/** The integrator's state after its last natural step: what a resumed run starts from. */
export interface Checkpoint {
  /** Time reached by the last natural step (the arc length s under the arc-length clock). */
  t: number;
  /** 'time' or 'arclength' (absent in checkpoints saved before clocks existed: 'time'). */
  clock?: 'time' | 'arclength';
  /** The clock v = log(1 + t e^{-c}) under the arc-length clock. */
  v?: number;
  /** v, as checkpoints saved before 0.2 call it (read when v is absent; never written). */
  u?: number;
  /** The arc-length clock's offset c = -log ‖V(x_0)‖. */
  clockOffset?: number;
  /** Under collapse: the current particle of every original particle. */
  particleMap?: number[];
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
  /** Integrator name, as in the registry (integrators.ts): 'euler', 'heun', 'rk4', 'rk45' or 'euler-maruyama'. */
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

/** A number in JSON: non-finite times are stored as the strings 'Infinity' and '-Infinity'. */
export type JsonNumber = number | 'Infinity' | '-Infinity';

/** A {@link Collapse} in JSON (non-finite times as strings). */
export type CollapseJSON = Omit<Collapse, 't' | 'logT'> & {
  /** Time of the merge. */
  t: JsonNumber;
  /** Natural log of the merge time. */
  logT: JsonNumber;
};

/** The JSON-safe form of a Trajectory, from {@link Trajectory.toJSON}; each field is the Trajectory's of the same name. */
export interface TrajectoryJSON {
  /** Always 'meanfield-trajectory@1'. */
  format: 'meanfield-trajectory@1';
  /** The flow's name and params. */
  flow: {
    /** The flow's name. */
    name: string;
    /** The flow's defining parameters. */
    params: Record<string, unknown>;
  };
  /** Recorded times. */
  times: JsonNumber[];
  /** Natural log of every recorded time (arc-length clock only). */
  logTimes?: JsonNumber[];
  /** Particle count at every record (with collapse only). */
  sizes?: number[];
  /** Every merge, in order. */
  collapses: CollapseJSON[];
  /** The original-to-current particle map after each merge. */
  collapseMaps: number[][];
  /** The weights of the original particles. */
  originalWeights: number[];
  /** Event crossings by event name. */
  events: Record<string, {
    /** Crossing times. */
    times: JsonNumber[];
    /** Their natural logs. */
    logTimes: JsonNumber[];
    /** The measure at each crossing. */
    measures: MeasureJSON[];
  }>;
  /** Natural log of finalTime. */
  finalLogTime: JsonNumber;
  /** Every recorded observable by name. */
  observables: Record<string, number[]>;
  /** The measures at the records, when recorded. */
  snapshots: MeasureJSON[];
  /** The final measure. */
  final: MeasureJSON;
  /** The time of the final measure and of the last record. */
  finalTime: JsonNumber;
  /** Why the run ended. */
  stopReason: StopReason;
  /** Step statistics. */
  stats: StepStats;
  /** The integrator state a resumed run starts from. */
  checkpoint: Checkpoint;
}

/** Everything a Trajectory is built from (see {@link Trajectory} for each field). */
export interface TrajectoryData {
  flow: { name: string; params: Record<string, unknown> };
  times: number[];
  logTimes?: number[];
  observables: Record<string, number[]>;
  snapshots: Measure[];
  final: Measure;
  finalTime: number;
  finalLogTime?: number;
  stopReason: StopReason;
  stats: StepStats;
  checkpoint: Checkpoint;
  sizes?: number[];
  collapses?: Collapse[];
  collapseMaps?: Int32Array[];
  originalWeights?: Float64Array;
  events?: Record<string, EventRecord>;
}

/**
 * The result of simulate(): recorded times and observables (arrays aligned with `times`),
 * optional snapshots, the final measure, step statistics and a checkpoint to resume from.
 */
export class Trajectory {
  /**
   * Recorded times (t = 0 first); Infinity where a time lies beyond the double range (see logTimes). The last
   * record is the final state at finalTime, whatever ended the run (tEnd, a stop rule, a terminal event,
   * maxSteps, an abort, a stationary state).
   */
  readonly times: Float64Array;
  /** Natural log of every recorded time (arc-length clock only; -Infinity for t = 0). */
  readonly logTimes?: Float64Array;
  /** Particle count at every recorded time (with collapse only). */
  readonly sizes?: Int32Array;
  /** Every merge, in order (empty without collapse). */
  readonly collapses: readonly Collapse[];
  /** The original-to-current particle map right after each merge (aligned with the distinct `remaining` counts of collapses). */
  readonly collapseMaps: readonly Int32Array[];
  /** The weights of the original particles (before any collapse). */
  readonly originalWeights: Float64Array;
  /** Event crossings by event name. */
  readonly events: Readonly<Record<string, EventRecord>>;
  /** Natural log of finalTime. */
  readonly finalLogTime: number;
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
  /** The time of `final` and of the last record: tEnd, or the time the run stopped early (its last natural step, or a terminal event's crossing). */
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

  /** 'Trajectory': how error messages and Object.prototype.toString name it (a bundler may rename the class itself). */
  get [Symbol.toStringTag](): string {
    return 'Trajectory';
  }

  constructor(data: TrajectoryData) {
    this.times = Float64Array.from(data.times);
    if (data.logTimes) this.logTimes = Float64Array.from(data.logTimes);
    if (data.sizes) this.sizes = Int32Array.from(data.sizes);
    this.collapses = data.collapses ?? [];
    this.collapseMaps = data.collapseMaps ?? [];
    this.originalWeights = data.originalWeights ?? data.final.weights;
    this.events = data.events ?? {};
    this.finalLogTime = data.finalLogTime ?? Math.log(data.finalTime);
    const obs: Record<string, Float64Array> = {};
    for (const [k, v] of Object.entries(data.observables)) obs[k] = Float64Array.from(v);
    this.observables = obs;
    if (obs.energy) this.energy = obs.energy;
    if (obs.clusterCounts) this.clusterCounts = Int32Array.from(obs.clusterCounts);
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

  /**
   * The original-to-current particle map in force at record k (identity before any collapse):
   * particle i of the original measure is particle map[i] of snapshots[k].
   */
  particleMap(k: number = this.times.length - 1): Int32Array {
    if (!Number.isInteger(k) || k < 0 || k >= this.times.length) throw new InvalidArgumentError('k', k, `must be a record index in [0, ${this.times.length})`);
    const size = this.sizes ? this.sizes[k] : this.originalWeights.length;
    const sizeAfter = [...new Set(this.collapses.map((c) => c.remaining))];
    const at = sizeAfter.indexOf(size);
    return at < 0 ? Int32Array.from({ length: this.originalWeights.length }, (_, i) => i) : this.collapseMaps[at].slice();
  }

  /** Snapshot k expanded back to the original n particles (each at its merged particle, with its original weight). */
  expand(k: number): Measure {
    const snap = this.snapshots[k];
    if (snap === undefined) throw new InvalidArgumentError('k', k, `must index a snapshot (record with { snapshots: true }; ${this.snapshots.length} recorded)`);
    const map = this.particleMap(k);
    const d = snap.dim;
    const pts = new Float64Array(map.length * d);
    for (let i = 0; i < map.length; i++) pts.set(snap.points.subarray(map[i] * d, map[i] * d + d), i * d);
    return new Measure(pts, { dim: d, space: snap.space, weights: this.originalWeights });
  }

  /** A JSON-safe object (format 'meanfield-trajectory@1'); the checkpoint points are bit-exact. */
  toJSON(): TrajectoryJSON {
    return {
      format: 'meanfield-trajectory@1',
      flow: this.flow,
      times: Array.from(this.times, jsonNumber),
      ...(this.logTimes ? { logTimes: Array.from(this.logTimes, jsonNumber) } : {}),
      ...(this.sizes ? { sizes: Array.from(this.sizes) } : {}),
      collapses: this.collapses.map((c) => ({ ...c, t: jsonNumber(c.t), logT: jsonNumber(c.logT) })),
      collapseMaps: this.collapseMaps.map((m) => Array.from(m)),
      originalWeights: Array.from(this.originalWeights),
      events: Object.fromEntries(Object.entries(this.events).map(([k, v]) => [k, {
        times: v.times.map(jsonNumber), logTimes: v.logTimes.map(jsonNumber), measures: v.measures.map((m) => m.toJSON()),
      }])),
      finalLogTime: jsonNumber(this.finalLogTime),
      observables: Object.fromEntries(Object.entries(this.observables).map(([k, v]) => [k, Array.from(v)])),
      snapshots: this.snapshots.map((s) => s.toJSON()),
      final: this.final.toJSON(),
      finalTime: jsonNumber(this.finalTime),
      stopReason: this.stopReason,
      stats: this.stats,
      checkpoint: this.checkpoint,
    };
  }

  /**
   * Inverse of toJSON(), from its object or its JSON string.
   * @throws InvalidArgumentError for anything else: text that is not JSON, another format than
   *   'meanfield-trajectory@1', a missing or mistyped field, checkpoint points that are not the
   *   base64 of n x dim float64 numbers (never a SyntaxError or TypeError).
   */
  static fromJSON(json: TrajectoryJSON | string): Trajectory {
    let j: any;
    if (typeof json === 'string') {
      try {
        j = JSON.parse(json) as Record<string, any>;
      } catch {
        throw new InvalidArgumentError('json', json.length > 40 ? `${json.slice(0, 40)}...` : json, 'must be valid JSON from Trajectory.toJSON()');
      }
    } else {
      j = json;
    }
    if (j === null || typeof j !== 'object' || Array.isArray(j) || j.format !== 'meanfield-trajectory@1') {
      throw new InvalidArgumentError('json', j?.format ?? j, "must be a trajectory saved by Trajectory.toJSON() (format 'meanfield-trajectory@1')");
    }
    try {
      return Trajectory.build(j);
    } catch (e) {
      if (e instanceof MeanfieldError) throw e;
      throw new InvalidArgumentError('json', 'a malformed trajectory', `must be a trajectory saved by Trajectory.toJSON() (${e instanceof Error ? e.message : String(e)})`);
    }
  }

  private static build(j: Record<string, any>): Trajectory {
    const bad = (field: string, rule: string): never => { throw new InvalidArgumentError(`json.${field}`, j[field.split('.')[0]] === undefined ? undefined : field.includes('.') ? 'its value' : j[field], rule); };
    const isObj = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
    const num = (v: unknown) => {
      const x = typeof v === 'string' && ['Infinity', '-Infinity'].includes(v) ? Number(v) : v;
      if (typeof x !== 'number' || Number.isNaN(x)) throw new InvalidArgumentError('json', v, 'must hold numbers, not NaN (or the strings Infinity, -Infinity) for times');
      return x;
    };
    const numbers = (field: string, v: unknown) => {
      if (!Array.isArray(v)) bad(field, 'must be an array of numbers');
      return (v as unknown[]).map(num);
    };
    if (!isObj(j.flow) || typeof j.flow.name !== 'string' || !isObj(j.flow.params)) bad('flow', 'must be { name, params }');
    if (!isObj(j.observables)) bad('observables', 'must be an object of number arrays');
    for (const [k, v] of Object.entries(j.observables as object)) numbers(`observables.${k}`, v);
    if (!Array.isArray(j.snapshots)) bad('snapshots', 'must be an array of Measure.toJSON() objects');
    if (!isObj(j.final)) bad('final', 'must be a Measure.toJSON() object');
    if (typeof j.stopReason !== 'string') bad('stopReason', 'must be a string');
    if (!isObj(j.stats)) bad('stats', 'must be an object');
    const c = j.checkpoint;
    if (!isObj(c)) bad('checkpoint', 'must be an object');
    if (typeof c.points !== 'string') bad('checkpoint.points', 'must be a base64 string');
    if (!Array.isArray(c.weights) || !c.weights.every((w: unknown) => typeof w === 'number')) bad('checkpoint.weights', 'must be an array of numbers');
    if (!Number.isInteger(c.dim) || c.dim < 1) bad('checkpoint.dim', 'must be an integer >= 1');
    for (const k of ['t', 'steps', 'h']) if (typeof c[k] !== 'number') bad(`checkpoint.${k}`, 'must be a number');
    if (typeof c.integrator !== 'string') bad('checkpoint.integrator', 'must be a string');
    const points = decodeFloat64(c.points, 'json.checkpoint.points');
    if (points.length !== c.weights.length * c.dim) bad('checkpoint.points', `must hold weights.length x dim = ${c.weights.length * c.dim} numbers, got ${points.length}`);
    return new Trajectory({
      flow: j.flow,
      times: numbers('times', j.times),
      logTimes: j.logTimes ? numbers('logTimes', j.logTimes) : undefined,
      sizes: j.sizes,
      // Files saved before 0.2 call `remaining` `size`.
      collapses: (j.collapses ?? []).map(({ size, ...c }: Collapse & { size?: number }) => ({ ...c, remaining: c.remaining ?? size, t: num(c.t), logT: num(c.logT) })),
      collapseMaps: (j.collapseMaps ?? []).map((m: number[]) => Int32Array.from(m)),
      originalWeights: j.originalWeights ? Float64Array.from(j.originalWeights) : undefined,
      events: Object.fromEntries(Object.entries((j.events ?? {}) as Record<string, any>).map(([k, v]) => [k, {
        times: v.times.map(num), logTimes: v.logTimes.map(num), measures: v.measures.map((m: unknown) => Measure.fromJSON(m as never)),
      }])),
      finalLogTime: j.finalLogTime === undefined ? undefined : num(j.finalLogTime),
      // Files saved before 0.2 call the cluster counts 'clusters'.
      observables: 'clusters' in j.observables && !('clusterCounts' in j.observables)
        ? Object.fromEntries(Object.entries(j.observables as Record<string, number[]>).map(([k, v]) => [k === 'clusters' ? 'clusterCounts' : k, v]))
        : j.observables,
      snapshots: (j.snapshots as unknown[]).map((s) => Measure.fromJSON(s as never)),
      final: Measure.fromJSON(j.final),
      finalTime: num(j.finalTime ?? bad('finalTime', 'must be a number')),
      stopReason: j.stopReason,
      stats: j.stats,
      checkpoint: j.checkpoint,
    });
  }
}

/** Non-finite numbers as strings ('Infinity', '-Infinity'), which JSON cannot hold. */
function jsonNumber(v: number): JsonNumber {
  return Number.isFinite(v) ? v : (String(v) as 'Infinity' | '-Infinity');
}
