// The options of simulate() and simulateMany(), checked once and turned into a RunSpec.
import { InvalidArgumentError } from '../errors.js';
import { capability, type EvalOptions, type Flow } from '../flows/flow.js';
import type { Measure } from '../measure.js';
import { requireSeed } from '../random.js';
import { finiteNumber, integerAtLeast, nonNegativeNumber, oneOf, optionKeys, positiveNumber, readOptions } from '../validate.js';
import type { EventRule } from './events.js';
import { INTEGRATOR_NAMES, integratorInfo, type IntegratorName } from './integrators.js';
import type { ObserveOptions } from './observe.js';
import { everySteps, recordLogTimes, recordTimes, type RecordOptions } from './schedule.js';
import type { Noise } from './steppers/stepper.js';
import type { StopRuleSpec } from './stop-rules.js';

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
  oneCluster?: boolean | {
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
   * particles of one cluster about 3e-6 apart on the circle, and the run crawls at the stability limit).
   */
  rtol?: number;
  /** rk45 absolute tolerance (> 0). Default 1e-9; with collapse, min(1e-9, 1e-6 collapse.tol). */
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

const SIMULATE_KEYS = optionKeys<SimulateOptions>()(
  'tEnd', 'logTEnd', 'integrator', 'dt', 'noise', 'rtol', 'atol', 'maxStep', 'maxSteps', 'clock', 'collapse', 'record', 'observe',
  'events', 'stopWhen', 'onProgress', 'progressInterval', 'signal', 'backend', 'precision');
const STOP_KEYS = optionKeys<StopWhen>()('oneCluster', 'velocityBelow', 'custom');
const RECORD_KEYS = optionKeys<RecordOptions>()('every', 'times', 'logSpaced', 'snapshots');
const OBSERVE_KEYS = optionKeys<ObserveOptions>()('energy', 'logEnergy', 'clusters', 'minDistance', 'velocityNorm', 'meanInnerProduct', 'clusteredFraction', 'specificHeat', 'custom');

/** The default cap on natural steps per simulate() call (SimulateOptions.maxSteps). */
export const DEFAULT_MAX_STEPS = 1e9;
const EVENT_KEYS = optionKeys<EventSpec>()('fn', 'direction', 'terminal');

/** The checked options of one run. */
export interface RunSpec {
  clock: 'time' | 'arclength';
  integrator: IntegratorName;
  dt: number | undefined;
  rtol: number;
  atol: number;
  maxStep: number;
  maxSteps: number;
  evalOpts: EvalOptions;
  /** Brownian noise of 'euler-maruyama' (null otherwise). */
  noise: Noise | null;
  observe: ObserveOptions;
  record: RecordOptions;
  /** Record times in (0, tEnd] (time clock). */
  recordTimes: number[];
  /** Record times as (t, log t), tEnd last (arc-length clock). */
  recordTargets: Array<{ t: number; logT: number }>;
  every: number;
  tEnd: number;
  /** log tEnd (the arc-length clock ends there). */
  logTEnd: number;
  events: EventRule[];
  stop: StopRuleSpec;
  collapseTol: number | null;
  onProgress: ((info: ProgressInfo) => void) | null;
  progressInterval: number;
  signal: AbortSignal | null;
}

/** Checks every option of simulate() against the flow; throws InvalidArgumentError. */
export function runSpec(flow: Flow, options: SimulateOptions, where = 'simulate'): RunSpec {
  if (flow === null || typeof flow !== 'object' || typeof flow.velocity !== 'function') {
    throw new InvalidArgumentError('flow', flow, 'must be a flow built by attention(), circle(), interaction(), twoLayer(), ...');
  }
  if (options === undefined) throw new InvalidArgumentError('options', options, 'must be an options object ({ tEnd, ... })');
  const o = readOptions<SimulateOptions>(where, options, SIMULATE_KEYS) as SimulateOptions;
  if (o.collapse !== undefined) readOptions(`${where} collapse`, o.collapse, ['tol']);
  if (o.record !== undefined) {
    const r = readOptions<RecordOptions>(`${where} record`, o.record, RECORD_KEYS);
    if (r.logSpaced !== undefined && typeof r.logSpaced !== 'number') readOptions(`${where} record.logSpaced`, r.logSpaced, ['count', 'from', 'to']);
    if (r.snapshots !== undefined && typeof r.snapshots !== 'boolean') throw new InvalidArgumentError('record.snapshots', r.snapshots, 'must be true or false');
  }
  if (o.observe !== undefined) {
    const ob = readOptions<ObserveOptions>(`${where} observe`, o.observe, OBSERVE_KEYS);
    for (const key of ['energy', 'logEnergy', 'minDistance', 'velocityNorm', 'meanInnerProduct'] as const) {
      if (ob[key] !== undefined && typeof ob[key] !== 'boolean') throw new InvalidArgumentError(`observe.${key}`, ob[key], 'must be true or false');
    }
    if (ob.clusters !== undefined) readOptions(`${where} observe.clusters`, ob.clusters, ['tol']);
    if (ob.clusteredFraction !== undefined) readOptions(`${where} observe.clusteredFraction`, ob.clusteredFraction, ['delta']);
    if (ob.specificHeat !== undefined && typeof ob.specificHeat !== 'boolean') readOptions(`${where} observe.specificHeat`, ob.specificHeat, ['beta']);
    if (ob.custom !== undefined && (ob.custom === null || typeof ob.custom !== 'object' || Array.isArray(ob.custom))) {
      throw new InvalidArgumentError('observe.custom', ob.custom, 'must be an object { name: (mu, t) => number }');
    }
  }
  if (o.stopWhen !== undefined) readOptions(`${where} stopWhen`, o.stopWhen, STOP_KEYS);
  if (o.stopWhen?.oneCluster !== undefined && typeof o.stopWhen.oneCluster === 'object') readOptions(`${where} stopWhen.oneCluster`, o.stopWhen.oneCluster, ['tol']);
  if (o.events !== undefined && o.events !== null && typeof o.events === 'object') {
    for (const [name, e] of Object.entries(o.events)) if (e !== null && typeof e === 'object') readOptions(`${where} events.${name}`, e, EVENT_KEYS);
  }
  if (o.signal !== undefined && !(typeof o.signal === 'object' && o.signal !== null && typeof (o.signal as AbortSignal).aborted === 'boolean')) {
    throw new InvalidArgumentError('signal', o.signal, 'must be an AbortSignal');
  }
  if (o.backend !== undefined) oneOf('backend', o.backend, ['wasm', 'js'] as const);
  if (o.precision !== undefined) oneOf('precision', o.precision, ['f64', 'f32'] as const);
  if (o.progressInterval !== undefined) nonNegativeNumber('progressInterval', o.progressInterval);
  const clock = oneOf('clock', o.clock ?? 'time', ['time', 'arclength'] as const);
  const arc = clock === 'arclength';
  if (o.logTEnd !== undefined && !arc) throw new InvalidArgumentError('logTEnd', o.logTEnd, "needs clock: 'arclength' (use tEnd with the time clock)");
  if (o.logTEnd !== undefined && o.tEnd !== undefined) throw new InvalidArgumentError('logTEnd', o.logTEnd, 'must not be given together with tEnd');
  const logTEnd = o.logTEnd === undefined ? null : finiteNumber('logTEnd', o.logTEnd);
  const open = logTEnd === null && (o.tEnd === undefined || o.tEnd === Infinity);
  const tEnd = logTEnd !== null ? Math.exp(logTEnd) : open ? Infinity : nonNegativeNumber('tEnd', o.tEnd);
  if ((flow as { noise?: unknown }).noise !== undefined) {
    throw new InvalidArgumentError('flow.noise', (flow as { noise?: unknown }).noise, "is no longer read: Langevin noise is an integrator, simulate(flow, mu, { integrator: 'euler-maruyama', dt, noise: { temperature, seed } })");
  }
  const integrator = oneOf('integrator', o.integrator ?? 'rk45', INTEGRATOR_NAMES);
  const { adaptive, stochastic, denseOutput } = integratorInfo(integrator);
  // With collapse the error control must resolve distances well below collapse.tol: at rtol 1e-6 the steps sit at
  // the stability limit of a formed cluster's contraction (|R(h lambda)| ~ 1), where the integration error (~rtol
  // |x|, 3e-6 on the circle) keeps two particles of one cluster apart forever and the run crawls at h ~ 3.3.
  const collapseRequest = (o.collapse as { tol?: unknown } | null | undefined)?.tol;
  const defaults = rk45Tolerances(typeof collapseRequest === 'number' && collapseRequest > 0 && Number.isFinite(collapseRequest) ? collapseRequest : null);
  const rtol = positiveNumber('rtol', o.rtol ?? defaults.rtol);
  const atol = positiveNumber('atol', o.atol ?? defaults.atol);
  const maxStep = o.maxStep === undefined ? Infinity : positiveNumber('maxStep', o.maxStep);
  const maxSteps = o.maxSteps === undefined ? DEFAULT_MAX_STEPS : o.maxSteps === Infinity ? Infinity : integerAtLeast('maxSteps', o.maxSteps, 0);
  if (o.dt !== undefined) positiveNumber('dt', o.dt);
  if (!adaptive && o.dt === undefined) throw new InvalidArgumentError('dt', undefined, `is required for the fixed-step integrator '${integrator}'`);
  if (!adaptive && !arc && !open && o.maxSteps === undefined && tEnd / o.dt! > maxSteps) {
    throw new InvalidArgumentError('dt', o.dt, `is too small: tEnd / dt = ${(tEnd / o.dt!).toPrecision(3)} steps exceed maxSteps (default ${DEFAULT_MAX_STEPS}); raise dt, or pass maxSteps (Infinity for no cap) to run part of the way`);
  }
  if (adaptive && !arc && !open && o.maxSteps === undefined && tEnd / maxStep > maxSteps) {
    throw new InvalidArgumentError('maxStep', maxStep, `is too small: tEnd / maxStep = ${(tEnd / maxStep).toPrecision(3)} steps exceed maxSteps (default ${DEFAULT_MAX_STEPS}); raise maxStep, or pass maxSteps (Infinity for no cap)`);
  }
  const noise = noiseOption(o, integrator, stochastic, where);
  if (stochastic && arc) throw new InvalidArgumentError('clock', clock, `must be 'time' with integrator '${integrator}' (Brownian motion has no arc length)`);

  const collapseTol = o.collapse === undefined ? null : positiveNumber('collapse.tol', (o.collapse as { tol?: unknown } | null)?.tol);
  if (collapseTol !== null) {
    if (!capability(flow, 'collapse')) {
      const why = flow.capabilities?.reasons?.collapse ?? 'it does not declare capabilities.collapse (flows whose particles interact only through the weighted measure do)';
      throw new InvalidArgumentError('collapse', `the ${flow.name} flow`, `is not supported: ${why}`);
    }
    if (stochastic) throw new InvalidArgumentError('collapse', `integrator '${integrator}'`, 'is not supported with Langevin noise (merged particles would receive one noise instead of several)');
  }

  const events: RunSpec['events'] = [];
  if (o.events !== undefined) {
    if (o.events === null || typeof o.events !== 'object') throw new InvalidArgumentError('events', o.events, 'must be an object { name: { fn, direction, terminal } }');
    if (!denseOutput) throw new InvalidArgumentError('events', Object.keys(o.events).join(', '), `are not supported with integrator '${integrator}' (no dense output between its steps)`);
    for (const [name, e] of Object.entries(o.events)) {
      if (e === null || typeof e !== 'object' || typeof e.fn !== 'function') throw new InvalidArgumentError(`events.${name}`, e, 'must be { fn: (mu, t) => number, direction?, terminal? }');
      const direction = e.direction ?? 0;
      if (direction !== 1 && direction !== -1 && direction !== 0) throw new InvalidArgumentError(`events.${name}.direction`, direction, 'must be 1, -1 or 0');
      const terminal = e.terminal ?? false;
      if (typeof terminal !== 'boolean') throw new InvalidArgumentError(`events.${name}.terminal`, terminal, 'must be a boolean');
      events.push({ name, fn: e.fn, direction, terminal });
    }
  }

  const stopWhen = o.stopWhen ?? {};
  const custom = stopWhen.custom ?? null;
  if (custom !== null && typeof custom !== 'function') throw new InvalidArgumentError('stopWhen.custom', custom, 'must be a function (mu, t) => boolean');
  const velocityBelow = stopWhen.velocityBelow === undefined ? null : positiveNumber('stopWhen.velocityBelow', stopWhen.velocityBelow);
  if (velocityBelow !== null && arc) throw new InvalidArgumentError('stopWhen.velocityBelow', velocityBelow, "needs the time clock (under clock 'arclength' use events or stopWhen.custom)");
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') throw new InvalidArgumentError('onProgress', o.onProgress, 'must be a function');

  if (open && collapseTol === null && events.every((e) => !e.terminal) && custom === null && velocityBelow === null && stopClusterTol(o) === null) {
    throw new InvalidArgumentError('tEnd', o.tEnd, 'is required (a finite number >= 0) unless stopWhen, a terminal event or collapse can end the run');
  }
  // Without a finite tEnd there is no span to log-space records over: t = 0 and the stopping state unless asked.
  const record = o.record ?? (tEnd > 0 && !open ? { logSpaced: 100 } : {});
  return {
    clock, integrator, dt: o.dt, rtol, atol, maxStep, maxSteps,
    evalOpts: { backend: o.backend, precision: o.precision },
    noise, observe: o.observe ?? {}, record,
    recordTimes: arc ? [] : recordTimes(record, tEnd),
    recordTargets: !arc ? [] : logTEnd === null
      ? recordTimes(record, tEnd).map((t) => ({ t, logT: Math.log(t) }))
      : recordLogTimes(record, logTEnd).map((logT) => ({ t: Math.exp(logT), logT })),
    every: everySteps(record),
    tEnd, logTEnd: logTEnd ?? Math.log(tEnd),
    events,
    stop: { clusterTol: stopClusterTol(o), velocityBelow, custom, oneParticle: open && collapseTol !== null },
    collapseTol,
    onProgress: o.onProgress ?? null,
    progressInterval: o.progressInterval ?? 250,
    signal: o.signal ?? null,
  };
}

/** options.noise, checked against the integrator: required by a stochastic one, refused by the others. */
function noiseOption(o: SimulateOptions, integrator: IntegratorName, stochastic: boolean, where: string): Noise | null {
  if (o.noise === undefined) {
    if (stochastic) throw new InvalidArgumentError('noise', undefined, `is required with integrator '${integrator}' ({ temperature, seed })`);
    return null;
  }
  if (!stochastic) throw new InvalidArgumentError('noise', o.noise, "needs integrator 'euler-maruyama' (the other integrators are deterministic)");
  if (o.noise === null || typeof o.noise !== 'object') throw new InvalidArgumentError('noise', o.noise, 'must be { temperature, seed }');
  readOptions(`${where} noise`, o.noise, ['temperature', 'seed']);
  return { temperature: nonNegativeNumber('noise.temperature', o.noise.temperature), seed: requireSeed('noise.seed', o.noise.seed) };
}

function stopClusterTol(o: SimulateOptions): number | null {
  const rule = o.stopWhen?.oneCluster;
  if (rule === undefined || rule === false) return null;
  if (rule === true) return o.observe?.clusters?.tol ?? 1e-3;
  return positiveNumber('stopWhen.oneCluster.tol', rule.tol);
}

/** rk45's default tolerances: rtol 1e-6 and atol 1e-9, tightened with collapse to 1e-3 and 1e-6 times its tol. */
export function rk45Tolerances(collapseTol: number | null): { rtol: number; atol: number } {
  if (collapseTol === null) return { rtol: 1e-6, atol: 1e-9 };
  return { rtol: Math.min(1e-6, 1e-3 * collapseTol), atol: Math.min(1e-9, 1e-6 * collapseTol) };
}
