// The options of simulate() and simulateMany() turned into a RunSpec: the schema (options.ts) reads and checks each
// option; here what depends on several of them, or on the flow and the integrator's entry in the registry.
import { InvalidArgumentError } from '../errors.js';
import { capability, type EvalOptions, type Flow } from '../flows/flow.js';
import type { Precision } from '../backend/index.js';
import type { EventRule } from './events.js';
import { integratorInfo, type IntegratorName } from './integrators.js';
import type { ObserveOptions } from './observe.js';
import { DEFAULT_MAX_STEPS, SIMULATE_MANY_OPTIONS, SIMULATE_OPTIONS, type ProgressInfo, type SimulateOptions } from './options.js';
import { everySteps, recordLogTimes, recordTimes, type RecordOptions } from './schedule.js';
import type { Noise } from './steppers/stepper.js';
import type { StopRuleSpec } from './stop-rules.js';

export { DEFAULT_MAX_STEPS, SIMULATE_MANY_OPTIONS, SIMULATE_OPTIONS } from './options.js';
export type { EventSpec, ProgressInfo, SimulateManyOptions, SimulateOptions, StopWhen } from './options.js';

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

/** Checks every option of simulate() (or simulateMany()) against the flow; throws InvalidArgumentError. */
export function runSpec(flow: Flow, options: SimulateOptions, where: 'simulate' | 'simulateMany' = 'simulate'): RunSpec {
  if (flow === null || typeof flow !== 'object' || typeof flow.velocity !== 'function') {
    throw new InvalidArgumentError('flow', flow, 'must be a flow built by attention(), circle(), interaction(), twoLayer(), ...');
  }
  if (options === undefined) throw new InvalidArgumentError('options', options, 'must be an options object ({ tEnd, ... })');
  if (where === 'simulateMany' && options !== null && typeof options === 'object' && options.onProgress !== undefined) {
    throw new InvalidArgumentError(
      'onProgress',
      options.onProgress,
      'is not supported by simulateMany (run simulate per system for progress, or watch the returned trajectories)',
    );
  }
  const o: Partial<ReturnType<typeof SIMULATE_OPTIONS.read>> & ReturnType<typeof SIMULATE_MANY_OPTIONS.read> =
    where === 'simulate' ? SIMULATE_OPTIONS.read(where, options) : SIMULATE_MANY_OPTIONS.read(where, options);
  const arc = o.clock === 'arclength';
  if (o.logTEnd !== undefined && !arc)
    throw new InvalidArgumentError('logTEnd', o.logTEnd, "needs clock: 'arclength' (use tEnd with the time clock)");
  if (o.logTEnd !== undefined && o.tEnd !== undefined)
    throw new InvalidArgumentError('logTEnd', o.logTEnd, 'must not be given together with tEnd');
  const logTEnd = o.logTEnd ?? null;
  const open = logTEnd === null && (o.tEnd === undefined || o.tEnd === Infinity);
  const tEnd = logTEnd !== null ? Math.exp(logTEnd) : open ? Infinity : o.tEnd!;
  if ((flow as { noise?: unknown }).noise !== undefined) {
    throw new InvalidArgumentError(
      'flow.noise',
      (flow as { noise?: unknown }).noise,
      "is no longer read: Langevin noise is an integrator, simulate(flow, mu, { integrator: 'euler-maruyama', dt, noise: { temperature, " +
        'seed } })',
    );
  }
  const { integrator, maxStep, maxSteps, dt } = o;
  const { adaptive, stochastic, denseOutput } = integratorInfo(integrator);
  // With collapse the error control must resolve distances well below collapse.tol: at rtol 1e-6 the steps sit at
  // the stability limit of a formed cluster's contraction (|R(h lambda)| ~ 1), where the integration error (~rtol
  // |x|, 3e-6 on the circle) keeps two particles of one cluster apart forever and the run crawls at h ~ 3.3.
  const collapseTol = o.collapse?.tol ?? null;
  const defaults = rk45Tolerances(collapseTol, o.precision);
  const rtol = o.rtol ?? defaults.rtol,
    atol = o.atol ?? defaults.atol;
  // The step cap guards against a step too small to finish, unless the caller chose the cap (options.maxSteps).
  const capped = options.maxSteps === undefined;
  if (!adaptive && dt === undefined)
    throw new InvalidArgumentError('dt', undefined, `is required for the fixed-step integrator '${integrator}'`);
  if (!adaptive && !arc && !open && capped && tEnd / dt! > maxSteps) {
    throw new InvalidArgumentError(
      'dt',
      dt,
      `is too small: tEnd / dt = ${(tEnd / dt!).toPrecision(3)} steps exceed maxSteps (default ${DEFAULT_MAX_STEPS}); raise dt, or pass ` +
        `maxSteps (Infinity for no cap) to run part of the way`,
    );
  }
  if (adaptive && !arc && !open && capped && tEnd / maxStep > maxSteps) {
    throw new InvalidArgumentError(
      'maxStep',
      maxStep,
      `is too small: tEnd / maxStep = ${(tEnd / maxStep).toPrecision(3)} steps exceed maxSteps (default ${DEFAULT_MAX_STEPS}); raise ` +
        `maxStep, or pass maxSteps (Infinity for no cap)`,
    );
  }
  const noise = noiseOption(o.noise, integrator, stochastic);
  if (stochastic && arc)
    throw new InvalidArgumentError('clock', o.clock, `must be 'time' with integrator '${integrator}' (Brownian motion has no arc length)`);

  if (collapseTol !== null) {
    if (!capability(flow, 'collapse')) {
      const why =
        flow.capabilities?.reasons?.collapse ??
        'it does not declare capabilities.collapse (flows whose particles interact only through the weighted measure do)';
      throw new InvalidArgumentError('collapse', `the ${flow.name} flow`, `is not supported: ${why}`);
    }
    if (stochastic)
      throw new InvalidArgumentError(
        'collapse',
        `integrator '${integrator}'`,
        'is not supported with Langevin noise (merged particles would receive one noise instead of several)',
      );
  }

  if (o.events !== undefined && !denseOutput) {
    throw new InvalidArgumentError(
      'events',
      Object.keys(o.events).join(', '),
      `are not supported with integrator '${integrator}' (no dense output between its steps)`,
    );
  }
  const events: EventRule[] = Object.entries(o.events ?? {}).map(([name, e]) => ({
    name,
    fn: e.fn,
    direction: e.direction!,
    terminal: e.terminal!,
  }));

  const custom = o.stopWhen?.custom ?? null;
  const velocityBelow = o.stopWhen?.velocityBelow ?? null;
  if (velocityBelow !== null && arc)
    throw new InvalidArgumentError(
      'stopWhen.velocityBelow',
      velocityBelow,
      "needs the time clock (under clock 'arclength' use events or stopWhen.custom)",
    );
  const clusterTol = stopClusterTol(o.stopWhen?.oneCluster, o.observe);

  if (
    open &&
    collapseTol === null &&
    events.every((e) => !e.terminal) &&
    custom === null &&
    velocityBelow === null &&
    clusterTol === null
  ) {
    throw new InvalidArgumentError(
      'tEnd',
      o.tEnd,
      'is required (a finite number >= 0) unless stopWhen, a terminal event or collapse can end the run',
    );
  }
  // Without a finite tEnd there is no span to log-space records over: t = 0 and the stopping state unless asked.
  const record = o.record ?? (tEnd > 0 && !open ? { logSpaced: 100 } : {});
  return {
    clock: o.clock,
    integrator,
    dt,
    rtol,
    atol,
    maxStep,
    maxSteps,
    evalOpts: { backend: o.backend, precision: o.precision },
    noise,
    observe: o.observe ?? {},
    record,
    recordTimes: arc ? [] : recordTimes(record, tEnd),
    recordTargets: !arc
      ? []
      : logTEnd === null
        ? recordTimes(record, tEnd).map((t) => ({ t, logT: Math.log(t) }))
        : recordLogTimes(record, logTEnd).map((logT) => ({ t: Math.exp(logT), logT })),
    every: everySteps(record),
    tEnd,
    logTEnd: logTEnd ?? Math.log(tEnd),
    events,
    stop: { clusterTol, velocityBelow, custom, oneParticle: open && collapseTol !== null },
    collapseTol,
    onProgress: o.onProgress ?? null,
    progressInterval: o.progressInterval ?? 250,
    signal: o.signal ?? null,
  };
}

/** options.noise (already read), checked against the integrator: required by a stochastic one, refused by the others. */
function noiseOption(noise: Noise | undefined, integrator: IntegratorName, stochastic: boolean): Noise | null {
  if (noise === undefined) {
    if (stochastic)
      throw new InvalidArgumentError('noise', undefined, `is required with integrator '${integrator}' ({ temperature, seed })`);
    return null;
  }
  if (!stochastic)
    throw new InvalidArgumentError('noise', noise, "needs integrator 'euler-maruyama' (the other integrators are deterministic)");
  return noise;
}

/** The distance of stopWhen.oneCluster: its tol, else observe.clusters.tol, else 1e-3. */
function stopClusterTol(rule: boolean | { tol: number } | undefined, observe: ObserveOptions | undefined): number | null {
  if (rule === undefined || rule === false) return null;
  return rule === true ? (observe?.clusters?.tol ?? 1e-3) : rule.tol;
}

/** The floor of rk45's default tolerances with precision 'f32' (see rk45Tolerances). */
export const F32_TOLERANCES = { rtol: 1e-6, atol: 1e-7 };

/**
 * rk45's default tolerances: rtol 1e-6 and atol 1e-9, tightened with collapse to 1e-3 and 1e-6 times its tol. With
 * precision 'f32' they are floored at rtol 1e-6 and atol 1e-7: f32 velocities carry rounding noise of about 1e-7,
 * which then sets the error estimate, and a tighter tolerance only shrinks the steps to that noise (60 times more
 * steps at collapse tol 1e-6, measured on 8000 tokens at beta = 1000), without a more accurate trajectory.
 */
export function rk45Tolerances(collapseTol: number | null, precision: Precision = 'f64'): { rtol: number; atol: number } {
  const t =
    collapseTol === null
      ? { rtol: 1e-6, atol: 1e-9 }
      : { rtol: Math.min(1e-6, 1e-3 * collapseTol), atol: Math.min(1e-9, 1e-6 * collapseTol) };
  if (precision !== 'f32') return t;
  return { rtol: Math.max(t.rtol, F32_TOLERANCES.rtol), atol: Math.max(t.atol, F32_TOLERANCES.atol) };
}
