// One system's run as a generator: every velocity evaluation yields once, with the request
// (points, weights, output) in `req`. simulate() answers each request with one flow call;
// simulateMany() gathers the requests of all systems into one segmented kernel call. The
// same code computes both, so an ensemble member is bit-identical to the system run alone.
//
// The integrator's natural step sequence never depends on tEnd or on the record schedule:
// under the time clock, states at record times come from side steps of the right length
// taken from the last natural state, so a run resumed from its checkpoint ends bit-identical
// to an uninterrupted one. Events and arc-length records use the dense output instead.
import { clusterCount } from '../analysis/clusters.js';
import { velocityNorm } from '../analysis/stationarity.js';
import { SimulationError } from '../errors.js';
import type { Flow } from '../flows/flow.js';
import { Measure } from '../measure.js';
import { spaceOps } from '../spaces.js';
import { collapseParticles, recordMerge, type Collapse } from './collapse.js';
import {
  dormandPrince, fixedStepper, hermite, initialStepSize, nextStepSize, type Evaluation, type VelocityFn,
} from './integrators.js';
import { currentMeasure, makeObserver } from './observe.js';
import { clockOfLogTime, logTimeOf, timeOf, type RunSpec } from './spec.js';
import { decodeFloat64, encodeFloat64 } from './float64.js';
import { Trajectory, type EventRecord, type StopReason } from './trajectory.js';
import { addNoise } from './noise.js';

/**
 * What a run asks its driver for: out <- V(x) for the particles carrying `weights`. Under the
 * arc-length clock the driver may answer V e^{-logScale} and set logScale (else 0).
 */
export interface Request {
  x: Float64Array;
  weights: Float64Array;
  out: Float64Array;
  logScale: number;
}

/** The run of one system; yields once per velocity evaluation, returns its Trajectory. */
export function* runSystem(flow: Flow, start: Measure | Trajectory, spec: RunSpec, req: Request,
  onRecord: ((z: Float64Array, t: number) => void) | null = null): Generator<void, Trajectory, void> {
  const t0Wall = performance.now();
  const resumed = start instanceof Trajectory ? start : null;
  const c0 = resumed?.checkpoint;
  const mu0 = resumed !== null
    ? new Measure(decodeFloat64(c0!.points), { dim: c0!.dim, weights: c0!.weights, space: c0!.space })
    : start as Measure;
  flow.check(mu0);
  const d = mu0.dim;
  const ops = spaceOps(mu0.space);
  const arc = spec.clock === 'arclength';
  const adaptive = spec.integrator === 'rk45';
  const extra = arc ? 1 : 0;

  // The current system: fewer particles than at the start once some have collapsed.
  let weights = mu0.weights;
  let n = weights.length;
  let len = n * d;
  const originalWeights = resumed?.originalWeights ?? mu0.weights;
  const map = resumed?.checkpoint.particleMap ? Int32Array.from(resumed.checkpoint.particleMap) : Int32Array.from({ length: n }, (_, i) => i);
  const collapses: Collapse[] = resumed ? [...resumed.collapses] : [];
  const maps: Int32Array[] = resumed ? [...resumed.collapseMaps] : [];

  let evaluations = resumed?.stats.evaluations ?? 0;
  let stationary = false;
  let lastLogNorm = 0;
  const f: VelocityFn = function* (z, out) {
    req.x = z; req.weights = weights; req.out = out; req.logScale = 0;
    yield;
    evaluations++;
    if (arc) arcScale(z, out, req.logScale);
  };
  /** dx/ds = V / ‖V‖_{L²(mu)}, dv/ds = e^{-v - c} / ‖V‖ with v = log(1 + t e^{-c}); out holds V e^{-logScale}. */
  function arcScale(z: Float64Array, out: Float64Array, logScale: number): void {
    const norm = velocityNorm(out, weights, d); // the first n·d entries: V itself, not the clock
    lastLogNorm = Math.log(norm) + logScale;
    if (!(norm > 0) || !Number.isFinite(norm)) {
      // A stationary state: time runs on forever without motion. Stop at the next natural state.
      out.fill(0, 0, len + 1);
      stationary = true;
      return;
    }
    for (let i = 0; i < len; i++) out[i] /= norm;
    out[len] = Math.exp(-z[len] - clockOffset - Math.log(norm) - logScale);
  }
  const retract = (y: Float64Array) => ops.retract(y, n, d);

  // State: x (len points, plus the clock v = log(1 + t e^{-c}) under the arc-length clock), its velocity k1.
  let x = new Float64Array(len + extra);
  x.set(mu0.points);
  // The arc-length clock's offset c (v = log(1 + t e^{-c})): fixed at the start, kept by checkpoints.
  let clockOffset = c0?.clockOffset ?? 0;
  if (arc) x[len] = c0?.u ?? 0;
  let tau = c0?.t ?? 0; // the integration variable: time, or arc length under the arc-length clock
  let steps = c0?.steps ?? 0;
  let rejected = resumed?.stats.rejected ?? 0;
  let k1 = new Float64Array(len + extra);
  yield* f(x, k1);
  if (arc && c0 === undefined && Number.isFinite(lastLogNorm)) {
    // Count time in units of e^c = 1 / ‖V(x_0)‖, where dv/ds starts at 1: e^{-800} slow and e^{+4000} fast starts alike.
    clockOffset = -lastLogNorm;
    k1[len] = 1;
  }
  let uEnd = clockOfLogTime(spec.logTEnd, clockOffset);
  const tOf = (z: Float64Array, at: number) => (arc ? timeOf(z[len], clockOffset) : at);
  const logTOf = (z: Float64Array, at: number) => (arc ? logTimeOf(z[len], clockOffset) : Math.log(at));
  let h = c0 !== undefined && c0.integrator === spec.integrator ? c0.h
    : adaptive ? Math.min(spec.dt ?? initialStepSize(x, k1, spec.rtol, spec.atol, Infinity), spec.maxStep) : spec.dt!;
  if (!adaptive) h = spec.dt!;
  const fixedBase = c0 && c0.integrator === spec.integrator && c0.h === h && c0.base ? c0.base : { t: tau, steps };

  // Records.
  const observer = makeObserver(flow, mu0, spec.observe, spec.evalOpts);
  const times: number[] = resumed ? Array.from(resumed.times) : [];
  const logTimes: number[] = resumed?.logTimes ? Array.from(resumed.logTimes) : [];
  const sizes: number[] = resumed?.sizes ? Array.from(resumed.sizes) : [];
  const observed: Record<string, number[]> = {};
  if (resumed) for (const [k, v] of Object.entries(resumed.observables)) observed[k] = Array.from(v);
  const snapshots: Measure[] = resumed ? [...resumed.snapshots] : [];
  const take = (z: Float64Array, at: number, logAt: number) => {
    times.push(at);
    if (arc) logTimes.push(logAt);
    sizes.push(n);
    observer.observe(z, weights, at, observed);
    onRecord?.(z, at);
    if (spec.record.snapshots) snapshots.push(currentMeasure(mu0, z, weights));
  };
  const t0 = tOf(x, tau);
  if (resumed === null) take(x, 0, -Infinity);
  // Pending record targets, in t (time clock) or in v (arc-length clock).
  const targets = spec.recordTargets.map((r) => ({ ...r, u: clockOfLogTime(r.logT, clockOffset) })).filter((r) => r.u > x[len]);
  const pending = arc ? targets.map((r) => r.u) : spec.recordTimes.filter((r) => r > tau);
  let next = 0;

  // Events.
  const eventsOut: Record<string, EventRecord> = {};
  if (resumed) for (const [k, v] of Object.entries(resumed.events)) eventsOut[k] = { times: [...v.times], logTimes: [...v.logTimes], measures: [...v.measures] };
  for (const e of spec.events) eventsOut[e.name] ??= { times: [], logTimes: [], measures: [] };
  const gPrev = new Float64Array(spec.events.length), gNew = new Float64Array(spec.events.length);
  const evalEvent = (k: number, z: Float64Array, at: number): number => {
    const e = spec.events[k];
    const g = e.fn(currentMeasure(mu0, z, weights), at);
    if (typeof g !== 'number' || !Number.isFinite(g)) {
      throw new SimulationError(`events.${e.name} must return a finite number, got ${String(g)} at t = ${at}; the trajectory up to t = ${tOf(x, tau)} is in error.trajectory`, snapshot('error'));
    }
    return g;
  };

  // Integrators (rebuilt when a collapse changes the particle count).
  let fixed = adaptive ? null : fixedStepper(spec.integrator as 'euler' | 'heun' | 'rk4', len + extra);
  let dopri = adaptive ? dormandPrince(len + extra) : null;
  let y = new Float64Array(len + extra), k7 = new Float64Array(len + extra), side = new Float64Array(len + extra);
  const sideStep = function* (length: number, out: Float64Array): Evaluation {
    if (dopri) yield* dopri.step(f, x, k1, length, out); else yield* fixed!.step(f, x, k1, length, out);
    if (spec.noise !== null) addNoise(out, spec.noise, length, steps + 1, 1);
    retract(out);
  };
  /** The dense output of the last natural step (x -> y, length taken) at theta, retracted, into side. */
  const denseAt = (taken: number, theta: number, out: Float64Array) => {
    if (dopri) dopri.dense(x, y, k7, taken, theta, out); else hermite(x, y, k1, k7, taken, theta, out);
    retract(out);
  };

  let final: Float64Array | null = null;
  let finalTime = t0, finalLogTime = logTOf(x, tau);
  let stopReason: StopReason | null = null;
  let stepsThisCall = 0;
  let lastProgress = performance.now();

  function snapshot(reason: string): Trajectory {
    const endState = final ?? x;
    return new Trajectory({
      flow: { name: flow.name, params: flow.params },
      times: times.slice(), logTimes: arc ? logTimes.slice() : undefined,
      observables: Object.fromEntries(Object.entries(observed).map(([k, v]) => [k, v.slice()])),
      snapshots: snapshots.slice(), final: currentMeasure(mu0, endState, weights),
      finalTime: final ? finalTime : tOf(x, tau), finalLogTime: final ? finalLogTime : logTOf(x, tau),
      stopReason: (stopReason ?? reason) as StopReason,
      stats: { accepted: steps, rejected, evaluations, wallTimeMs: (resumed?.stats.wallTimeMs ?? 0) + performance.now() - t0Wall, lastStepSize: h },
      checkpoint: {
        t: tau, steps, h, base: fixedBase, points: encodeFloat64(x.subarray(0, len)), weights: Array.from(weights), dim: d, space: mu0.space,
        integrator: spec.integrator, clock: spec.clock, ...(arc ? { u: x[len], clockOffset } : {}),
        ...(spec.collapseTol !== null ? { particleMap: Array.from(map) } : {}),
      },
      sizes: spec.collapseTol !== null ? sizes.slice() : undefined,
      collapses: collapses.slice(), collapseMaps: maps.slice(), originalWeights,
      events: Object.fromEntries(Object.entries(eventsOut).map(([k, v]) => [k, { times: v.times.slice(), logTimes: v.logTimes.slice(), measures: v.measures.slice() }])),
    });
  }

  /** Merges particles within collapseTol; true when the system changed. */
  function* collapse(): Generator<void, boolean, void> {
    if (spec.collapseTol === null) return false;
    const merged = collapseParticles(x, weights, d, mu0.space, spec.collapseTol);
    if (merged === null) return false;
    const t = tOf(x, tau), logT = logTOf(x, tau);
    n = merged.weights.length;
    len = n * d;
    weights = merged.weights;
    const u = arc ? x[x.length - 1] : 0;
    x = new Float64Array(len + extra);
    x.set(merged.points);
    retract(x);
    if (arc) x[len] = u;
    k1 = new Float64Array(len + extra);
    y = new Float64Array(len + extra); k7 = new Float64Array(len + extra); side = new Float64Array(len + extra);
    fixed = adaptive ? null : fixedStepper(spec.integrator as 'euler' | 'heun' | 'rk4', len + extra);
    dopri = adaptive ? dormandPrince(len + extra) : null;
    for (const m of recordMerge(map, merged.labels, t, logT, n)) collapses.push(m);
    maps.push(Int32Array.from(map));
    yield* f(x, k1);
    if (arc && Number.isFinite(lastLogNorm)) reanchorClock();
    for (let k = 0; k < spec.events.length; k++) gPrev[k] = evalEvent(k, x, t);
    return true;
  }

  /**
   * A merge can drop ‖V‖ by many orders at once, and dv/ds = e^{-v-c} / ‖V‖ would jump with it:
   * measure time from the new speed (c = -log ‖V‖), keeping t itself, so dv/ds is e^{-v} <= 1 again.
   */
  function reanchorClock(): void {
    const logT = logTimeOf(x[len], clockOffset);
    clockOffset = -lastLogNorm;
    x[len] = clockOfLogTime(logT, clockOffset);
    k1[len] = Math.exp(-x[len]);
    uEnd = clockOfLogTime(spec.logTEnd, clockOffset);
    for (let i = 0; i < targets.length; i++) pending[i] = targets[i].u = clockOfLogTime(targets[i].logT, clockOffset);
  }

  for (let k = 0; k < spec.events.length; k++) gPrev[k] = evalEvent(k, x, t0);
  yield* collapse();
  // A stop rule met by the initial state ends the run at once.
  stopReason = checkStop();
  while (stopReason === null) {
    if (arc ? x[len] >= uEnd : tau >= spec.tEnd) { stopReason = 'tEnd'; break; }
    if (stepsThisCall >= spec.maxSteps) { stopReason = 'maxSteps'; break; }
    if (spec.signal?.aborted) { stopReason = 'aborted'; break; }

    // One natural step x(tau) -> y(tau + taken).
    let taken: number;
    if (dopri) {
      for (;;) {
        const hTry = Math.min(h, spec.maxStep);
        const err = yield* dopri.attempt(f, x, k1, hTry, y, k7, retract, spec.rtol, spec.atol);
        if (Number.isFinite(err) && err <= 1) { taken = hTry; h = nextStepSize(hTry, err); break; }
        rejected++;
        h = Number.isFinite(err) ? nextStepSize(hTry, err) : hTry * 0.2;
        if (!(h > 1e-14 * Math.max(1, Math.abs(tau)))) {
          throw new SimulationError(`step ${steps + 1} at t = ${tOf(x, tau)} failed: the step size fell to ${h} without a finite, accurate step (velocity not finite or the flow too stiff)`, snapshot('error'));
        }
      }
    } else {
      taken = h;
      if (fixed!.evaluationsPerStep === 1) fixed!.euler(x, k1, h, y); else yield* fixed!.step(f, x, k1, h, y);
      if (spec.noise !== null) addNoise(y, spec.noise, h, steps + 1, 0);
      retract(y);
    }
    // Fixed steps count tau as base + k dt (no drift from repeated addition).
    const tauNew = dopri ? tau + taken : fixedBase.t + (steps + 1 - fixedBase.steps) * h;
    if (!(tauNew > tau)) {
      throw new SimulationError(`step ${steps + 1} of size ${taken} does not advance ${arc ? 'the arc length' : 't'} from ${tau} (t + dt rounds back to t): raise ${dopri ? 'maxStep or the tolerances' : 'dt'}; the trajectory up to t = ${tOf(x, tau)} is in error.trajectory`, snapshot('error'));
    }
    const bad = firstNonFinite(y);
    if (bad >= 0) {
      throw new SimulationError(`step ${steps + 1} from t = ${tOf(x, tau)} to t = ${arc ? 'its end' : tauNew} produced a non-finite value (coordinate ${bad % d} of particle ${Math.floor(bad / d)}); the trajectory up to t = ${tOf(x, tau)} is in error.trajectory`, snapshot('error'));
    }
    if (!dopri) {
      // V at the new state: the next step's k1 and the dense output's end slope (f, inlined: one request).
      req.x = y; req.weights = weights; req.out = k7; req.logScale = 0;
      yield;
      evaluations++;
      if (arc) arcScale(y, k7, req.logScale);
    }
    const tStart = tOf(x, tau), tNew = tOf(y, tauNew);

    // Events in (tau, tauNew], located on the dense output; a terminal one ends the step there.
    let stopTheta = Infinity;
    for (let k = 0; k < spec.events.length; k++) gNew[k] = evalEvent(k, y, tNew);
    const found: Array<{ k: number; theta: number }> = spec.events.length === 0 ? NO_EVENTS : [];
    for (let k = 0; k < spec.events.length; k++) {
      const e = spec.events[k], a = gPrev[k], b = gNew[k];
      const up = a < 0 && b >= 0, down = a > 0 && b <= 0;
      if (!((up && e.direction >= 0) || (down && e.direction <= 0))) continue;
      const theta = locateEvent(k, a, b, taken, tStart, tauNew - tau);
      found.push({ k, theta });
      if (e.terminal) stopTheta = Math.min(stopTheta, theta);
    }
    if (found.length > 1) found.sort((p, q) => p.theta - q.theta);
    // A terminal crossing's state, read now: a record's side step below reuses the stages the dense output reads.
    let stopState: Float64Array | null = null;
    if (stopTheta <= 1) { denseAt(taken, stopTheta, side); stopState = Float64Array.from(side); }
    for (const { k, theta } of found) {
      if (theta > stopTheta) continue;
      denseAt(taken, theta, side);
      const at = clockAt(side, tau + theta * (tauNew - tau));
      const rec = eventsOut[spec.events[k].name];
      rec.times.push(at[0]); rec.logTimes.push(at[1]); rec.measures.push(currentMeasure(mu0, side, weights));
    }

    // Records inside (tau, tauNew] (before a terminal event).
    if (arc) {
      while (next < pending.length && pending[next] <= y[len]) {
        const target = pending[next++];
        const theta = target >= y[len] ? 1 : solveTheta((th) => { denseAt(taken, th, side); return side[len] - target; });
        if (theta > stopTheta) { next--; break; }
        if (theta === 1) side.set(y); else denseAt(taken, theta, side);
        side[len] = target;
        const r = targets[next - 1];
        take(side, r.t, r.logT);
        if (target >= uEnd) { final = Float64Array.from(side); finalTime = r.t; finalLogTime = r.logT; }
      }
    } else {
      while (next < pending.length && pending[next] <= tauNew * (1 + 1e-12)) {
        const at = pending[next];
        if (at > tau + stopTheta * (tauNew - tau)) break;
        next++;
        let state = y;
        if (Math.abs(at - tauNew) > 1e-12 * Math.max(1, tauNew)) { yield* sideStep(at - tau, side); state = side; }
        take(state, at, Math.log(at));
        if (at === spec.tEnd || (spec.tEnd > 0 && at >= spec.tEnd)) { final = Float64Array.from(state); finalTime = spec.tEnd; finalLogTime = Math.log(spec.tEnd); }
      }
    }
    if (stopState !== null && final === null) {
      final = stopState;
      [finalTime, finalLogTime] = clockAt(final, tau + stopTheta * (tauNew - tau));
      stopReason = 'event';
      break;
    }

    // The new state and its velocity: swap buffers rather than copy them.
    [x, y] = [y, x];
    [k1, k7] = [k7, k1];
    tau = tauNew;
    steps++;
    stepsThisCall++;
    gPrev.set(gNew);
    if (spec.every > 0 && steps % spec.every === 0 && final === null
      && (arc ? logTimes[logTimes.length - 1] !== logTOf(x, tau) : times[times.length - 1] !== tOf(x, tau))) take(x, tOf(x, tau), logTOf(x, tau));
    if (final !== null) { stopReason = 'tEnd'; break; }
    if (spec.collapseTol !== null) yield* collapse();
    if (stationary && arc) {
      stationary = false;
      // Recheck at the state itself: an intermediate stage may have been stationary alone.
      const v = new Float64Array(len + 1);
      yield* f(x, v);
      if (stationary) {
        // Without a finite tEnd there is nothing to hold to: the run ends on this state (a stop rule met here names it).
        if (!Number.isFinite(spec.logTEnd)) { stopReason = checkStop() ?? 'stationary'; break; }
        // The state is an equilibrium: it holds at every remaining record time, through tEnd.
        while (next < pending.length) {
          const r = targets[next++];
          side.set(x);
          side[len] = r.u;
          take(side, r.t, r.logT);
        }
        final = Float64Array.from(x);
        final[len] = uEnd;
        finalTime = spec.tEnd;
        finalLogTime = spec.logTEnd;
        stopReason = 'stationary';
        break;
      }
    }
    stopReason = checkStop();

    if (spec.onProgress && performance.now() - lastProgress >= spec.progressInterval) {
      lastProgress = performance.now();
      spec.onProgress(progressInfo());
    }
  }
  if (final === null) { finalTime = tOf(x, tau); finalLogTime = logTOf(x, tau); }
  // The stopping state is the last record whatever ended the run (as solve_ivp ends on the final t), unless a
  // record is already at its time.
  if (arc ? logTimes[logTimes.length - 1] !== finalLogTime : times[times.length - 1] !== finalTime) take(final ?? x, finalTime, finalLogTime);
  const result = snapshot(stopReason ?? 'tEnd');
  spec.onProgress?.(progressInfo());
  return result;

  /** (t, log t) at integration variable value at, for the state z. */
  function clockAt(z: Float64Array, at: number): [number, number] {
    return arc ? [timeOf(z[len], clockOffset), logTimeOf(z[len], clockOffset)] : [at, Math.log(at)];
  }

  /** The theta in [0, 1] where event k changes sign, by the Illinois method on the dense output. */
  function locateEvent(k: number, ga: number, gb: number, taken: number, tStart: number, span: number): number {
    let a = 0, b = 1, side0 = 0;
    const tolTheta = Math.max(1e-3 * spec.rtol, 4e-16 * Math.abs(tStart) / Math.max(Math.abs(span), 1e-300));
    for (let it = 0; it < 100 && b - a > tolTheta; it++) {
      let th = (a * gb - b * ga) / (gb - ga);
      if (!(th > a && th < b)) th = 0.5 * (a + b);
      denseAt(taken, th, side);
      const g = evalEvent(k, side, clockAt(side, tau + th * span)[0]);
      if (g === 0) return th;
      if ((g < 0) === (ga < 0)) {
        a = th; ga = g;
        if (side0 === -1) gb /= 2;
        side0 = -1;
      } else {
        b = th; gb = g;
        if (side0 === 1) ga /= 2;
        side0 = 1;
      }
    }
    return b;
  }

  function checkStop(): StopReason | null {
    const s = spec.stop;
    if (s.oneParticle && n === 1) return 'oneCluster';
    if (s.clusterTol !== null && clusterCount(x, n, d, mu0.space, s.clusterTol) === 1) return 'oneCluster';
    if (s.velocityBelow !== null) {
      // Under the arc-length clock k1 is normalised; the rule is about the real velocity.
      const v = arc ? null : k1;
      if (v !== null && velocityNorm(v, weights, d) < s.velocityBelow) return 'velocityBelow';
    }
    if (s.custom !== null) {
      const r = s.custom(currentMeasure(mu0, x, weights), tOf(x, tau));
      if (typeof r !== 'boolean') throw new SimulationError(`stopWhen.custom must return a boolean, got ${String(r)} at t = ${tOf(x, tau)}`, snapshot('error'));
      if (r) return 'custom';
    }
    return null;
  }

  function progressInfo() {
    const latest: Record<string, number> = {};
    for (const [k, v] of Object.entries(observed)) if (v.length) latest[k] = v[v.length - 1];
    const t = tOf(x, tau);
    const info = {
      t, logT: logTOf(x, tau), tEnd: spec.tEnd, fraction: arc ? Math.min(1, Math.max(0, logTOf(x, tau) / spec.logTEnd)) : spec.tEnd > 0 ? Math.min(1, t / spec.tEnd) : 1,
      steps, stepSize: h, elapsedMs: performance.now() - t0Wall, latest, latestTime: times[times.length - 1], particles: n,
      clusters: latest.clusterCounts as number | undefined,
    };
    if (info.clusters === undefined) delete info.clusters;
    return info;
  }
}

/** The theta in [0, 1] where the increasing function g crosses 0 (g(0) < 0 <= g(1)), by bisection. */
function solveTheta(g: (theta: number) => number): number {
  let a = 0, b = 1;
  for (let it = 0; it < 60; it++) {
    const m = 0.5 * (a + b);
    if (g(m) < 0) a = m; else b = m;
  }
  return b;
}

/** Index of the first non-finite entry, or -1; one running sum first (a NaN or Infinity poisons it). */
const NO_EVENTS: Array<{ k: number; theta: number }> = [];

function firstNonFinite(a: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i];
  if (Number.isFinite(sum)) return -1;
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return i;
  return -1;
}
