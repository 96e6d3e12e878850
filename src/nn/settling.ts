// When does a run stop moving? The network's memory is the stationary measure of its
// training flow: the run has "settled" once both the velocity ‖V[mu]‖_{L²(mu)} and the
// metric speed W2(mu_k, mu_{k+1}) / (t_{k+1} - t_k) between recorded snapshots are small.
import { stationarity } from '../analysis/stationarity.js';
import { InvalidArgumentError } from '../errors.js';
import type { EvalOptions, Flow } from '../flows/flow.js';
import { wasserstein2 } from '../ot/wasserstein.js';
import type { Trajectory } from '../simulate/trajectory.js';
import { EVAL_RULES } from '../flows/eval-options.js';
import { optionsSchema, rule } from '../options.js';

/** Options of settling: the tolerance plus the flow's evaluation options (backend, precision). */
export interface SettlingOptions extends EvalOptions {
  /** Settled once the velocity and the metric speed are both below tol. */
  tol: number;
}

const SETTLING_OPTIONS = optionsSchema<SettlingOptions>()({
  tol: rule.positive('settled once the velocity and the metric speed are both below tol (required)'),
  ...EVAL_RULES,
});

/** Velocity and metric speed along a recorded run, and when it settled. */
export interface Settling {
  /** Snapshot times. */
  times: number[];
  /** ‖V[mu_k]‖_{L²(mu_k)} at each snapshot. */
  velocityNorm: number[];
  /** W2(mu_k, mu_{k+1}) / (t_{k+1} - t_k) (exact W2), one fewer than times; a lower bound of |∂_t mu| over the interval. */
  speed: number[];
  /** First snapshot time from which both stay below tol, or null if the run never settles. */
  settledAt: number | null;
}

/**
 * Reads a run recorded with { record: { snapshots: true } } and reports when ∂_t mu ≈ 0. Throws
 * InvalidArgumentError for a non-flow, a run without two snapshots or with non-increasing snapshot times, or bad options.
 */
export function settling(flow: Flow, run: Trajectory, options: SettlingOptions): Settling {
  if (options === undefined) throw new InvalidArgumentError('settling options', options, 'must give tol');
  const o = SETTLING_OPTIONS.read('settling', options);
  const tol = SETTLING_OPTIONS.rules.tol.check('tol', o.tol); // required: a missing tol is refused here
  const evalOpts: EvalOptions = { backend: o.backend, precision: o.precision };
  if (flow === null || typeof flow !== 'object' || typeof flow.velocity !== 'function' || typeof flow.check !== 'function') throw new InvalidArgumentError('flow', flow, 'must be a Flow');
  if (run === null || typeof run !== 'object' || !Array.isArray(run.snapshots) || !(run.times instanceof Float64Array)) throw new InvalidArgumentError('run', run, 'must be a Trajectory');
  const snaps = run.snapshots;
  if (snaps.length < 2) throw new InvalidArgumentError('run.snapshots', `${snaps.length} snapshots`, 'must hold at least two (simulate with record: { snapshots: true })');
  const times = Array.from(run.times);
  if (times.length < snaps.length) throw new InvalidArgumentError('run.times', `${times.length} times`, `must hold one time per snapshot (${snaps.length})`);
  for (let k = 0; k + 1 < snaps.length; k++) {
    if (!(times[k + 1] > times[k]) || !Number.isFinite(times[k + 1])) throw new InvalidArgumentError('run.times', times[k + 1], 'must be finite and strictly increasing', `at index ${k + 1}`);
  }
  const velocityNorm = snaps.map((mu) => stationarity(flow, mu, evalOpts));
  const speed: number[] = [];
  for (let k = 0; k + 1 < snaps.length; k++) speed.push(Math.sqrt(wasserstein2(snaps[k], snaps[k + 1])) / (times[k + 1] - times[k]));
  let settledAt: number | null = null;
  for (let k = snaps.length - 1; k >= 0; k--) {
    const still = velocityNorm[k] < tol && (k === snaps.length - 1 || speed[k] < tol);
    if (!still) break;
    settledAt = times[k];
  }
  return { times, velocityNorm, speed, settledAt };
}
