// The types of a Trajectory and of its JSON form (trajectory.ts holds the class).
import type { Measure, MeasureJSON } from '../measure.js';
import type { Space } from '../spaces.js';
import type { Collapse } from './collapse.js';

/**
 * Why a run ended: it reached tEnd, a stopWhen rule fired ('oneCluster', 'velocityBelow',
 * 'custom'; 'oneCluster' also when a collapse left one particle in a run without a finite tEnd), a terminal event fired ('event'), the
 * arc-length clock met a stationary state
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
  events: Record<
    string,
    {
      /** Crossing times. */
      times: JsonNumber[];
      /** Their natural logs. */
      logTimes: JsonNumber[];
      /** The measure at each crossing. */
      measures: MeasureJSON[];
    }
  >;
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
