// The options of simulate() and simulateMany(), declared once: the interfaces (the public types) and one schema per
// options type (src/options.ts), from which come the key lists, the checks of every value that needs no other
// option, the defaults and the doc lines. What depends on several options, or on the flow, is runSpec's (spec.ts).
import { EVAL_RULES } from '../flows/eval-options.js';
import type { EvalOptions } from '../flows/flow.js';
import { InvalidArgumentError } from '../errors.js';
import type { Measure } from '../measure.js';
import { optionsSchema, rule, type OptionsSchema, type Schema } from '../options.js';
import { requireSeed } from '../random.js';
import { INTEGRATOR_NAMES, type IntegratorName } from './integrators.js';
import type { ObserveOptions } from './observe.js';
import type { RecordOptions } from './schedule.js';

/** What {@link SimulateOptions.onProgress} receives. */
export interface ProgressInfo {
  /** Current time: the end of the last natural step (Infinity past the double range; see logT). */
  t: number;
  /** Natural log of t. */
  logT: number;
  /** The run's end time. */
  tEnd: number;
  /** t / tEnd (under the arc-length clock: log t / log tEnd). */
  fraction: number;
  /** Natural steps accepted so far (counting those before a resume). */
  steps: number;
  /** Current step size (rk45's next proposed step; the fixed dt otherwise), in arc length under that clock. */
  stepSize: number;
  /** Wall-clock milliseconds since this simulate() call started. */
  elapsedMs: number;
  /** Latest recorded cluster count, when observed. */
  clusters?: number;
  /** Current particle count (smaller than at the start once particles have collapsed). */
  particles: number;
  /** Latest recorded value of every observable, with the time it was recorded at. */
  latest: Record<string, number>;
  /** Time of the latest record. */
  latestTime: number;
}

/** Early-stopping rules, checked on the initial state and after every natural step. */
export interface StopWhen {
  /** Stop once the particles form one cluster (tol defaults to observe.clusters.tol, else 1e-3). */
  oneCluster?:
    | boolean
    | {
        /** Single-linkage distance threshold > 0, in the space's intrinsic distance (radians on sphere and circle). */
        tol: number;
      };
  /** Stop once ‖V[mu]‖_{L²(mu)} falls below this (time clock only). */
  velocityBelow?: number;
  /** Stop once this returns true (it must return a boolean); stopReason 'custom'. */
  custom?: (mu: Measure, t: number) => boolean;
}

/** An event: a scalar g(mu, t) whose zero crossings are located on the integrator's dense output. */
export interface EventSpec {
  /** The event function; it must return a finite number. */
  fn: (mu: Measure, t: number) => number;
  /** 1: only crossings from g < 0 to g >= 0; -1: only from g > 0 to g <= 0; 0 (default): both. */
  direction?: 1 | -1 | 0;
  /** End the run at the first crossing (stopReason 'event'). Default false. */
  terminal?: boolean;
}

/** Options of {@link simulate}; `backend` and `precision` apply to every velocity and energy evaluation. */
export interface SimulateOptions extends EvalOptions {
  /**
   * End time (>= 0, in the flow's time units); a resumed run continues up to it. May be omitted (or Infinity) when
   * something else ends the run: a stopWhen rule, a terminal event, or collapse (without a finite tEnd the run ends,
   * stopReason 'oneCluster', once a collapse leaves one particle); maxSteps still caps it. Omitted with none of
   * these (and no logTEnd): InvalidArgumentError. Without a finite tEnd record.logSpaced needs its `to`.
   */
  tEnd?: number;
  /** Natural log of the end time, for runs beyond the double range (arc-length clock only). */
  logTEnd?: number;
  /**
   * Default 'rk45'. 'euler', 'heun' and 'rk4' take a fixed step dt; 'rk45' (Dormand–Prince 5(4)) adapts it to rtol and
   * atol; 'euler-maruyama' adds Brownian noise (options.noise) to Euler's step.
   */
  integrator?: IntegratorName;
  /** Fixed step (euler, heun, rk4, euler-maruyama; required), or rk45's first step; in arc length under the arc-length clock. */
  dt?: number;
  /**
   * Langevin noise of integrator 'euler-maruyama' (required with it, refused otherwise): dx = V dt + sqrt(2 temperature) dB,
   * the noise of step k drawn from (seed, k) alone, so a resumed run is bit-identical. Not with collapse, events, the
   * arc-length clock or simulateMany.
   */
  noise?: {
    /** Temperature >= 0 (0: no noise, Euler's steps). */
    temperature: number;
    /** Seed of the noise streams (a non-negative integer). */
    seed: number;
  };
  /**
   * rk45 relative tolerance (> 0). Default 1e-6; with collapse, min(1e-6, 1e-3 collapse.tol) (1e-9 for tol 1e-6), so
   * that the integration error stays far below the distance at which particles merge (at 1e-6 it keeps two
   * particles of one cluster about 3e-6 apart on the circle, and the run crawls at the stability limit). With
   * precision 'f32' the default is at least 1e-6 (f32 velocities carry rounding noise of about 1e-7).
   */
  rtol?: number;
  /** rk45 absolute tolerance (> 0). Default 1e-9; with collapse, min(1e-9, 1e-6 collapse.tol); with precision 'f32' at least 1e-7. */
  atol?: number;
  /** rk45's largest step. Default Infinity. */
  maxStep?: number;
  /**
   * Natural steps allowed in this call (stopReason 'maxSteps' when they run out). Default
   * DEFAULT_MAX_STEPS (1e9): a fixed-step run needing more (tEnd / dt beyond it) is refused up front,
   * and so is one whose step cannot advance the time (t + dt === t); Infinity lifts the cap.
   */
  maxSteps?: number;
  /**
   * 'time' (default) integrates dx/dt = V. 'arclength' integrates dx/ds = V / ‖V‖_{L²(mu)} and
   * the clock v = log(1 + t e^{-c}) beside it (dv/ds = e^{-v-c} / ‖V‖), so slow phases cost few steps and times
   * beyond 1e308 stay representable as Trajectory.logTimes. Records and events are located on
   * the dense output. A stationary state (V = 0) holds to tEnd: the remaining records repeat it
   * and the run ends with stopReason 'stationary'.
   */
  clock?: 'time' | 'arclength';
  /**
   * Merge particles closer than tol (single linkage, in the space's intrinsic distance) into one
   * particle with their summed weight at their weighted mean, after every natural step. For flows that declare
   * capabilities.collapse (attention without a mask, circle, interaction), not with 'euler-maruyama'.
   */
  collapse?: {
    /** Merge distance > 0 (radians on the sphere and circle). */
    tol: number;
  };
  /** Default { logSpaced: 100 } with a finite tEnd > 0; without a finite tEnd, t = 0 and the stopping state only. */
  record?: RecordOptions;
  /** Observables to record at every record time. Default: none (times only). */
  observe?: ObserveOptions;
  /** Events by name, located on the dense output to about rtol; returned in Trajectory.events. */
  events?: Record<string, EventSpec>;
  /** Early-stopping rules. Default: none (run to tEnd or maxSteps). */
  stopWhen?: StopWhen;
  /** Called at most every progressInterval ms during the run, and once at its end. */
  onProgress?: (info: ProgressInfo) => void;
  /** Milliseconds between onProgress calls. Default 250. */
  progressInterval?: number;
  /** Checked before every natural step; once aborted the run returns with stopReason 'aborted' (no throw). */
  signal?: AbortSignal;
}

/** Options of {@link simulateMany}: those of simulate, without onProgress (per-system progress would interleave). */
export type SimulateManyOptions = Omit<SimulateOptions, 'onProgress' | 'progressInterval'>;

/** The default cap on natural steps per simulate() call (SimulateOptions.maxSteps). */
export const DEFAULT_MAX_STEPS = 1e9;

/**
 * A nested options object read by its own schema: unknown keys are named for `where name` (e.g. 'simulate
 * record'), values as `name.key`; the `required` keys must be given (their rule names the missing one).
 */
function nested<T, S extends Schema<T>>(
  schema: OptionsSchema<T, S>,
  where: string,
  doc: string,
  required: ReadonlyArray<keyof T & string> = [],
) {
  return rule.custom<T>(doc, (name, value) => {
    const read = schema.read(`${where} ${name}`, value, `${name}.`) as Record<string, unknown>;
    for (const key of required) if (read[key] === undefined) schema.rules[key].check(`${name}.${key}`, undefined);
    return read as T;
  });
}

/** A `{ tol }` object: a single-linkage distance > 0. */
const TOLERANCE = optionsSchema<{ tol: number }>()({
  tol: rule.positive("distance > 0, in the space's intrinsic distance (radians on sphere and circle)"),
});

const NOISE = optionsSchema<Required<SimulateOptions>['noise']>()({
  temperature: rule.nonNegative("temperature >= 0 (0: no noise, Euler's steps)"),
  seed: rule.custom('seed of the noise streams (a non-negative integer)', requireSeed),
});

type LogSpaced = Exclude<RecordOptions['logSpaced'], number | undefined>;
const LOG_SPACED = optionsSchema<LogSpaced>()({
  count: rule.integer(2, 'number of log-spaced times (integer >= 2), `to` included'),
  from: rule.positive('first log-spaced time (> 0); default min(0.01, to / 100)'),
  to: rule.positive('last log-spaced time (> 0); default tEnd, required without a finite tEnd'),
});

function recordSchema(where: string) {
  const logSpaced = nested(LOG_SPACED, where, '', ['count']);
  return optionsSchema<RecordOptions>()({
    every: rule.integer(1, 'record after every k-th natural step (integer >= 1)'),
    times: rule.custom<number[]>('record at these times (>= 0; those outside (0, tEnd] are ignored)', (name, v) => {
      if (!Array.isArray(v)) throw new InvalidArgumentError(name, v, 'must be an array of times');
      v.forEach((t, i) => {
        if (typeof t !== 'number' || !Number.isFinite(t) || t < 0)
          throw new InvalidArgumentError(name, t, 'must be finite times >= 0', `at index ${i}`);
      });
      return v;
    }),
    logSpaced: rule.custom<Required<RecordOptions>['logSpaced']>(
      '`count` log-spaced times (a count, or { count, from?, to? })',
      (name, v) => {
        if (typeof v === 'number') return rule.integer(2, '').check(name, v);
        if (v === null || typeof v !== 'object')
          throw new InvalidArgumentError(name, v, 'must be a count (integer >= 2) or { count, from?, to? }');
        return logSpaced.check(name, v);
      },
    ),
    snapshots: rule.boolean('keep a copy of the measure at every recorded time'),
  });
}

function observeSchema(where: string) {
  return optionsSchema<ObserveOptions>()({
    energy: rule.boolean("the flow's energy (with its log where the flow has one)"),
    logEnergy: rule.boolean('log |E|, finite where E overflows'),
    clusters: nested(TOLERANCE, where, 'single-linkage cluster count at distance tol', ['tol']),
    minDistance: rule.boolean('smallest intrinsic distance between two particles'),
    velocityNorm: rule.boolean('‖V[mu]‖ in L²(mu), weights normalised'),
    meanInnerProduct: rule.boolean('mean pairwise inner product (1 when all mass sits at one point)'),
    clusteredFraction: nested(
      optionsSchema<{ delta: number }>()({
        delta: rule.custom<number>('threshold delta in (0, 2]', (name, v) => {
          if (typeof v !== 'number' || !(v > 0 && v <= 2)) throw new InvalidArgumentError(name, v, 'must be in (0, 2]');
          return v;
        }),
      }),
      where,
      'weighted fraction of pairs with <x_i, x_j> > 1 - delta',
      ['delta'],
    ),
    specificHeat: rule.custom<boolean | { beta: number }>('the attention specific heat: true (beta of the flow) or { beta }', (name, v) => {
      if (typeof v === 'boolean') return v;
      return nested(optionsSchema<{ beta: number }>()({ beta: rule.finite('inverse temperature of the free energies') }), where, '', [
        'beta',
      ]).check(name, v);
    }),
    custom: rule.custom<Record<string, (mu: Measure, t: number) => number>>('any scalar of the measure, by name', (name, v) => {
      if (v === null || typeof v !== 'object' || Array.isArray(v))
        throw new InvalidArgumentError(name, v, 'must be an object { name: (mu, t) => number }');
      for (const [key, fn] of Object.entries(v))
        if (typeof fn !== 'function') throw new InvalidArgumentError(`${name}.${key}`, fn, 'must be a function (mu, t) => number');
      return v as Record<string, (mu: Measure, t: number) => number>;
    }),
  });
}

function stopSchema(where: string) {
  return optionsSchema<StopWhen>()({
    oneCluster: rule.custom<boolean | { tol: number }>('stop once the particles form one cluster (true, or { tol })', (name, v) => {
      if (typeof v === 'boolean') return v;
      return nested(TOLERANCE, where, '', ['tol']).check(name, v);
    }),
    velocityBelow: rule.positive('stop once ‖V[mu]‖ falls below this (time clock only)'),
    custom: rule.fn<(mu: Measure, t: number) => boolean>("stop once this returns true (stopReason 'custom')"),
  });
}

const EVENT = optionsSchema<EventSpec>()({
  fn: rule.fn<(mu: Measure, t: number) => number>('the event function g(mu, t)'),
  direction: rule
    .custom<1 | -1 | 0>('1: upward crossings only, -1: downward only, 0: both', (name, v) => {
      if (v !== 1 && v !== -1 && v !== 0) throw new InvalidArgumentError(name, v, 'must be 1, -1 or 0');
      return v;
    })
    .or(0),
  terminal: rule
    .custom<boolean>("end the run at the first crossing (stopReason 'event')", (name, v) => {
      if (typeof v !== 'boolean') throw new InvalidArgumentError(name, v, 'must be a boolean');
      return v;
    })
    .or(false),
});

/** The rules of simulate()'s options; nested unknown keys are named for `where` (simulate or simulateMany). */
function simulateRules(where: string) {
  const record = recordSchema(where),
    observe = observeSchema(where),
    stopWhen = stopSchema(where);
  return {
    tEnd: rule.custom<number>('end time >= 0 (Infinity or omitted: a stop rule, terminal event or collapse ends the run)', (name, v) =>
      v === Infinity ? v : rule.nonNegative('').check(name, v),
    ),
    logTEnd: rule.finite('natural log of the end time (arc-length clock only)'),
    integrator: rule.oneOf(INTEGRATOR_NAMES, 'the stepper, by its name in the registry (integrators.ts)').or('rk45' as IntegratorName),
    dt: rule.positive("fixed step (required by the fixed-step integrators), or the adaptive one's first step"),
    noise: nested(NOISE, where, "Langevin noise of 'euler-maruyama' (required with it, refused otherwise)", ['temperature', 'seed']),
    rtol: rule.positive(
      'relative tolerance of the adaptive integrators; default 1e-6, with collapse min(1e-6, 1e-3 collapse.tol), f32 at least 1e-6',
    ),
    atol: rule.positive(
      'absolute tolerance of the adaptive integrators; default 1e-9, with collapse min(1e-9, 1e-6 collapse.tol), f32 at least 1e-7',
    ),
    maxStep: rule.positive('largest adaptive step').or(Infinity),
    maxSteps: rule.integer(0, 'natural steps allowed in this call (Infinity: no cap)', true).or(DEFAULT_MAX_STEPS),
    clock: rule.oneOf(['time', 'arclength'] as const, "'time' integrates dx/dt = V, 'arclength' dx/ds = V / ‖V‖").or('time'),
    collapse: nested(TOLERANCE, where, 'merge particles closer than tol (flows declaring capabilities.collapse)', ['tol']),
    record: rule.custom<RecordOptions>('when to record; default { logSpaced: 100 } with a finite tEnd > 0', (name, v) =>
      record.read(`${where} ${name}`, v, `${name}.`),
    ),
    observe: rule.custom<ObserveOptions>('observables recorded at every record time', (name, v) =>
      observe.read(`${where} ${name}`, v, `${name}.`),
    ),
    events: rule.custom<Record<string, EventSpec>>('events by name, located on the dense output', (name, v) => {
      if (v === null || typeof v !== 'object' || Array.isArray(v))
        throw new InvalidArgumentError(name, v, 'must be an object { name: { fn, direction, terminal } }');
      const events: Record<string, EventSpec> = {};
      for (const [key, e] of Object.entries(v)) {
        if (e === null || typeof e !== 'object' || typeof (e as EventSpec).fn !== 'function') {
          if (e !== null && typeof e === 'object') EVENT.read(`${where} ${name}.${key}`, e, `${name}.${key}.`);
          throw new InvalidArgumentError(`${name}.${key}`, e, 'must be { fn: (mu, t) => number, direction?, terminal? }');
        }
        events[key] = EVENT.read(`${where} ${name}.${key}`, e, `${name}.${key}.`);
      }
      return events;
    }),
    stopWhen: rule.custom<StopWhen>('early-stopping rules', (name, v) => stopWhen.read(`${where} ${name}`, v, `${name}.`)),
    onProgress: rule.fn<(info: ProgressInfo) => void>('called at most every progressInterval ms, and once at the end'),
    progressInterval: rule.nonNegative('milliseconds between onProgress calls').or(250),
    signal: rule.signal("checked before every natural step (stopReason 'aborted')"),
    ...EVAL_RULES,
  };
}

/** The schema of SimulateOptions. */
export const SIMULATE_OPTIONS = optionsSchema<SimulateOptions>()(simulateRules('simulate'));

const { onProgress: _onProgress, progressInterval: _progressInterval, ...manyRules } = simulateRules('simulateMany');
/** The schema of SimulateManyOptions: simulate's without onProgress and progressInterval. */
export const SIMULATE_MANY_OPTIONS = optionsSchema<SimulateManyOptions>()(manyRules);
