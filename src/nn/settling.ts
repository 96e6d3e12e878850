// When does a run stop moving? The network's memory is the stationary measure of its
// training flow: the run has "settled" once both the velocity ‖V[mu]‖_{L²(mu)} and the
// metric speed W2(mu_k, mu_{k+1}) / (t_{k+1} - t_k) between recorded snapshots are small.
import { stationarity } from '../analysis/stationarity.js';
import { InvalidArgumentError } from '../errors.js';
import type { EvalOptions, Flow } from '../flows/flow.js';
import { wasserstein2 } from '../ot/wasserstein.js';
import type { Trajectory } from '../simulate/trajectory.js';
import { positiveNumber } from '../validate.js';

/** Options of settling: the tolerance plus the flow's evaluation options (backend, precision). */
export interface SettlingOptions extends EvalOptions {
  /** Settled once the velocity and the metric speed are both below tol. */
  tol: number;
}

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

/** Reads a run recorded with { record: { snapshots: true } } and reports when ∂_t mu ≈ 0. */
export function settling(flow: Flow, run: Trajectory, options: SettlingOptions): Settling {
  const tol = positiveNumber('tol', options?.tol);
  const snaps = run.snapshots;
  if (snaps.length < 2) throw new InvalidArgumentError('run.snapshots', `${snaps.length} snapshots`, 'must hold at least two (simulate with record: { snapshots: true })');
  const times = Array.from(run.times);
  const velocityNorm = snaps.map((mu) => stationarity(flow, mu, options));
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
