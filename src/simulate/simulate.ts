// simulate(flow, mu0, options): integrate a flow and record what was asked for.
//
// The integrator's natural step sequence never depends on tEnd or on the record schedule:
// states at record times (and at tEnd) come from side steps of the right length taken from
// the last natural state. So a run saved at any point and resumed from its checkpoint takes
// exactly the steps an uninterrupted run takes, and ends bit-identical to it.
import { clusterCount } from '../analysis/clusters.js';
import { velocityNorm } from '../analysis/stationarity.js';
import { InvalidArgumentError, SimulationError } from '../errors.js';
import type { EvalOptions, Flow } from '../flows/flow.js';
import { Measure } from '../measure.js';
import { Random } from '../random.js';
import { spaceOps } from '../spaces.js';
import { integerAtLeast, nonNegativeNumber, oneOf, positiveNumber } from '../validate.js';
import {
  dormandPrince, fixedStepper, initialStepSize, nextStepSize, type IntegratorName, type VelocityFn,
} from './integrators.js';
import { makeObserver, type ObserveOptions } from './observe.js';
import { everySteps, recordTimes, type RecordOptions } from './schedule.js';
import { decodeFloat64, encodeFloat64, Trajectory, type StopReason } from './trajectory.js';

/** What {@link SimulateOptions.onProgress} receives. */
export interface ProgressInfo {
  /** Current time: the end of the last natural step. */
  t: number;
  /** The run's end time. */
  tEnd: number;
  /** t / tEnd. */
  fraction: number;
  /** Natural steps accepted so far (counting those before a resume). */
  steps: number;
  /** Current step size (rk45's next proposed step; the fixed dt otherwise). */
  stepSize: number;
  /** Wall-clock milliseconds since this simulate() call started. */
  elapsedMs: number;
  /** Latest recorded cluster count, when observed. */
  clusters?: number;
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
  /** Stop once ‖V[mu]‖_{L²(mu)} falls below this. */
  velocityBelow?: number;
}

/** Options of {@link simulate}; `backend` and `precision` apply to every velocity and energy evaluation. */
export interface SimulateOptions extends EvalOptions {
  /** End time (>= 0, in the flow's time units), required. A resumed run continues up to it. */
  tEnd: number;
  /** Default 'rk45'. */
  integrator?: IntegratorName;
  /** Fixed step (euler, heun, rk4; required), or rk45's first step. */
  dt?: number;
  /** rk45 relative tolerance (> 0). Default 1e-6. */
  rtol?: number;
  /** rk45 absolute tolerance (> 0). Default 1e-9. */
  atol?: number;
  /** rk45's largest step. Default Infinity. */
  maxStep?: number;
  /** Natural steps allowed in this call. Default Infinity. */
  maxSteps?: number;
  /** Default { logSpaced: 100 }. */
  record?: RecordOptions;
  /** Observables to record at every record time. Default: none (times only). */
  observe?: ObserveOptions;
  /** Early-stopping rules. Default: none (run to tEnd or maxSteps). */
  stopWhen?: StopWhen;
  /** Called at most every progressInterval ms during the run, and once at its end. */
  onProgress?: (info: ProgressInfo) => void;
  /** Milliseconds between onProgress calls. Default 250. */
  progressInterval?: number;
  /** Checked before every natural step; once aborted the run returns with stopReason 'aborted' (no throw). */
  signal?: AbortSignal;
}

/**
 * Integrates `flow` from time 0 on a Measure, or resumes a saved run (a Trajectory or its toJSON()
 * object) bit-identically, until tEnd or a stop rule, recording as `options.record` asks.
 * @returns the {@link Trajectory}: records, final measure, stats and a checkpoint.
 * @throws InvalidArgumentError for bad options or a checkpoint of another flow;
 *   SimulationError (holding the partial trajectory) when a step turns non-finite.
 */
export function simulate(flow: Flow, start: Measure | Trajectory | Record<string, unknown>, options: SimulateOptions): Trajectory {
  const t0Wall = performance.now();
  const o = options ?? ({} as SimulateOptions);
  const tEnd = nonNegativeNumber('tEnd', o.tEnd);
  const integrator = oneOf('integrator', o.integrator ?? 'rk45', ['euler', 'heun', 'rk4', 'rk45'] as const);
  const adaptive = integrator === 'rk45';
  const rtol = positiveNumber('rtol', o.rtol ?? 1e-6);
  const atol = positiveNumber('atol', o.atol ?? 1e-9);
  const maxStep = o.maxStep === undefined ? Infinity : positiveNumber('maxStep', o.maxStep);
  const maxSteps = o.maxSteps === undefined ? Infinity : integerAtLeast('maxSteps', o.maxSteps, 0);
  if (o.dt !== undefined) positiveNumber('dt', o.dt);
  if (!adaptive && o.dt === undefined) throw new InvalidArgumentError('dt', undefined, `is required for the fixed-step integrator '${integrator}'`);
  const evalOpts: EvalOptions = { backend: o.backend, precision: o.precision };
  const noise = flow.noise !== undefined && flow.noise.temperature > 0 ? flow.noise : null;
  if (noise !== null && integrator !== 'euler') {
    throw new InvalidArgumentError('integrator', integrator, `must be 'euler' (Euler–Maruyama) for the ${flow.name} flow with temperature ${noise.temperature} > 0`);
  }

  // Where the run starts: a fresh measure or a saved run.
  const resumed = start instanceof Trajectory ? start : start instanceof Measure ? null : Trajectory.fromJSON(start);
  let mu0: Measure;
  if (resumed !== null) {
    if (resumed.flow.name !== flow.name || JSON.stringify(resumed.flow.params) !== JSON.stringify(flow.params)) {
      throw new InvalidArgumentError('checkpoint', `a ${resumed.flow.name} run with ${JSON.stringify(resumed.flow.params)}`, `must come from the same flow (${flow.name} with ${JSON.stringify(flow.params)})`);
    }
    const c = resumed.checkpoint;
    mu0 = new Measure(decodeFloat64(c.points), { dim: c.dim, weights: c.weights, space: c.space });
  } else {
    mu0 = start as Measure;
  }
  flow.check(mu0);
  const { size: n, dim: d, weights } = mu0;
  const len = n * d;
  const ops = spaceOps(mu0.space);
  const retract = (y: Float64Array) => ops.retract(y, n, d);
  let evaluations = resumed?.stats.evaluations ?? 0;
  const f: VelocityFn = (x, out) => { flow.velocity(x, weights, d, out, evalOpts); evaluations++; };

  const record = o.record ?? { logSpaced: 100 };
  const every = everySteps(record);
  const observer = makeObserver(flow, mu0, o.observe ?? {}, evalOpts);
  const clusterTol = stopClusterTol(o);
  const velocityBelow = o.stopWhen?.velocityBelow === undefined ? null : positiveNumber('stopWhen.velocityBelow', o.stopWhen.velocityBelow);

  // State.
  const x = Float64Array.from(mu0.points);
  let t = resumed?.checkpoint.t ?? 0;
  let steps = resumed?.checkpoint.steps ?? 0;
  let rejected = resumed?.stats.rejected ?? 0;
  const k1 = new Float64Array(len);
  f(x, k1);
  let h = resumed !== null && resumed.checkpoint.integrator === integrator ? resumed.checkpoint.h
    : adaptive ? Math.min(o.dt ?? initialStepSize(x, k1, rtol, atol, Infinity), maxStep) : o.dt!;
  if (!adaptive) h = o.dt!;
  const c0 = resumed?.checkpoint;
  const fixedBase = c0 && c0.integrator === integrator && c0.h === h && c0.base ? c0.base : { t, steps };

  const times: number[] = resumed ? Array.from(resumed.times) : [];
  const observed: Record<string, number[]> = {};
  if (resumed) for (const [k, v] of Object.entries(resumed.observables)) observed[k] = Array.from(v);
  const snapshots: Measure[] = resumed ? [...resumed.snapshots] : [];
  const take = (y: Float64Array, at: number) => {
    times.push(at);
    observer.observe(y, at, observed);
    if (record.snapshots) snapshots.push(mu0.withPoints(Float64Array.from(y)));
  };
  if (resumed === null) take(x, 0);
  const pending = recordTimes(record, tEnd).filter((r) => r > t);
  let next = 0;

  const fixed = adaptive ? null : fixedStepper(integrator as 'euler' | 'heun' | 'rk4', len);
  const dopri = adaptive ? dormandPrince(len) : null;
  const sideStep = (length: number, out: Float64Array) => {
    if (dopri) dopri.step(f, x, k1, length, out); else fixed!.step(f, x, k1, length, out);
    if (noise !== null) addNoise(out, noise, length, steps + 1, 1);
    retract(out);
  };
  const y = new Float64Array(len), k7 = new Float64Array(len), side = new Float64Array(len);
  let final: Float64Array | null = null;
  let finalTime = t;
  let stopReason: StopReason | null = null;
  let stepsThisCall = 0;
  let lastProgress = performance.now();
  const progressEvery = o.progressInterval ?? 250;

  const snapshot = (reason: string) => new Trajectory({
    flow: { name: flow.name, params: flow.params },
    times: times.slice(), observables: Object.fromEntries(Object.entries(observed).map(([k, v]) => [k, v.slice()])),
    snapshots: snapshots.slice(), final: mu0.withPoints(Float64Array.from(final ?? x)), finalTime: final ? finalTime : t,
    stopReason: (stopReason ?? reason) as StopReason,
    stats: { accepted: steps, rejected, evaluations, wallTimeMs: (resumed?.stats.wallTimeMs ?? 0) + performance.now() - t0Wall, lastStepSize: h },
    checkpoint: { t, steps, h, base: fixedBase, points: encodeFloat64(x), weights: Array.from(weights), dim: d, space: mu0.space, integrator },
  });

  // A stop rule met by the initial state ends the run at once.
  stopReason = checkStop(x, k1);
  while (stopReason === null) {
    if (t >= tEnd) { stopReason = 'tEnd'; break; }
    if (stepsThisCall >= maxSteps) { stopReason = 'maxSteps'; break; }
    if (o.signal?.aborted) { stopReason = 'aborted'; break; }

    // One natural step x(t) -> y(t + taken).
    let taken: number;
    if (dopri) {
      for (;;) {
        const hTry = Math.min(h, maxStep);
        const err = dopri.attempt(f, x, k1, hTry, y, k7, retract, rtol, atol);
        if (Number.isFinite(err) && err <= 1) { taken = hTry; h = nextStepSize(hTry, err); break; }
        rejected++;
        h = Number.isFinite(err) ? nextStepSize(hTry, err) : hTry * 0.2;
        if (!(h > 1e-14 * Math.max(1, Math.abs(t)))) {
          throw new SimulationError(`step ${steps + 1} at t = ${t} failed: the step size fell to ${h} without a finite, accurate step (velocity not finite or the flow too stiff)`, snapshot('error'));
        }
      }
    } else {
      taken = h;
      fixed!.step(f, x, k1, h, y);
      if (noise !== null) addNoise(y, noise, h, steps + 1, 0);
      retract(y);
    }
    // Fixed steps count time as base + k dt (no drift from repeated addition).
    const tNew = dopri ? t + taken : fixedBase.t + (steps + 1 - fixedBase.steps) * h;
    const bad = firstNonFinite(y);
    if (bad >= 0) {
      throw new SimulationError(`step ${steps + 1} from t = ${t} to t = ${tNew} produced a non-finite value (coordinate ${bad % d} of particle ${Math.floor(bad / d)}); the trajectory up to t = ${t} is in error.trajectory`, snapshot('error'));
    }

    // Records (and tEnd) inside (t, tNew]: side steps from x, or y itself at tNew.
    while (next < pending.length && pending[next] <= tNew * (1 + 1e-12)) {
      const at = pending[next++];
      const state = Math.abs(at - tNew) <= 1e-12 * Math.max(1, tNew) ? y : (sideStep(at - t, side), side);
      take(state, at);
      if (at === tEnd || (tEnd > 0 && at >= tEnd)) { final = Float64Array.from(state); finalTime = tEnd; }
    }

    x.set(y);
    if (dopri) k1.set(k7); else f(x, k1);
    t = tNew;
    steps++;
    stepsThisCall++;
    if (every > 0 && steps % every === 0 && t <= tEnd && times[times.length - 1] !== t) take(x, t);
    if (final !== null) { stopReason = 'tEnd'; break; }
    stopReason = checkStop(x, k1);

    if (o.onProgress && performance.now() - lastProgress >= progressEvery) {
      lastProgress = performance.now();
      o.onProgress(progressInfo());
    }
  }
  if (final === null && stopReason !== 'tEnd') finalTime = t;
  const result = snapshot(stopReason ?? 'tEnd');
  o.onProgress?.(progressInfo());
  return result;

  function checkStop(state: Float64Array, velocity: Float64Array): StopReason | null {
    if (clusterTol !== null && clusterCount(state, n, d, mu0.space, clusterTol) === 1) return 'oneCluster';
    if (velocityBelow !== null && velocityNorm(velocity, weights, d) < velocityBelow) return 'velocityBelow';
    return null;
  }

  function progressInfo(): ProgressInfo {
    const latest: Record<string, number> = {};
    for (const [k, v] of Object.entries(observed)) if (v.length) latest[k] = v[v.length - 1];
    const info: ProgressInfo = {
      t, tEnd, fraction: tEnd > 0 ? Math.min(1, t / tEnd) : 1, steps, stepSize: h, elapsedMs: performance.now() - t0Wall,
      latest, latestTime: times[times.length - 1],
    };
    if (latest.clusters !== undefined) info.clusters = latest.clusters;
    return info;
  }
}

function stopClusterTol(o: SimulateOptions): number | null {
  const rule = o.stopWhen?.oneCluster;
  if (rule === undefined || rule === false) return null;
  if (rule === true) return o.observe?.clusters?.tol ?? 1e-3;
  return positiveNumber('stopWhen.oneCluster.tol', rule.tol);
}

/**
 * y += sqrt(2 tau h) xi with xi standard normal from a generator seeded by (seed, step, side):
 * step k's noise never depends on where the run was resumed, and a side step (to a record
 * time) draws its own stream, leaving the natural steps' noise untouched.
 */
function addNoise(y: Float64Array, noise: { temperature: number; seed: number }, h: number, step: number, side: 0 | 1): void {
  const rng = new Random(mixSeed(noise.seed, step * 2 + side));
  const scale = Math.sqrt(2 * noise.temperature * h);
  for (let i = 0; i < y.length; i++) y[i] += scale * rng.normal();
}

/** A 53-bit seed from (seed, k) through two rounds of a murmur3-style finaliser. */
function mixSeed(seed: number, k: number): number {
  const fmix = (h: number) => {
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) >>> 0;
  };
  const lo = fmix((seed >>> 0) ^ fmix(k >>> 0) ^ 0x9e3779b9);
  const hi = fmix(Math.floor(seed / 0x100000000) ^ fmix(Math.floor(k / 0x100000000) + lo));
  return (hi & 0x1fffff) * 0x100000000 + lo;
}

function firstNonFinite(a: Float64Array): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return i;
  return -1;
}
