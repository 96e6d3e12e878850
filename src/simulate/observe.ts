// Observables recorded along a run.
import { clusterCount, minPairwiseDistance } from '../analysis/clusters.js';
import { velocityNorm } from '../analysis/stationarity.js';
import { InvalidArgumentError } from '../errors.js';
import type { EvalOptions, Flow } from '../flows/flow.js';
import { Measure } from '../measure.js';
import { positiveNumber } from '../validate.js';

/** Scalars recorded at every record time; each lands in `Trajectory.observables` under its name. */
export interface ObserveOptions {
  /** The flow's energy (E_beta for attention); InvalidArgumentError if the flow has none. */
  energy?: boolean;
  /** Single-linkage cluster count at distance tol. */
  clusters?: {
    /** Linkage distance threshold > 0, in the space's intrinsic distance (radians on sphere and circle). */
    tol: number;
  };
  /** Smallest intrinsic distance between two particles. */
  minDistance?: boolean;
  /** ‖V[mu]‖_{L²(mu)}, with the weights normalised to sum to 1. */
  velocityNorm?: boolean;
  /** Any scalar of the measure, by name. */
  custom?: Record<string, (mu: Measure, t: number) => number>;
}

/** Appends every observable of the state x at time t to `into` (one array per name). */
export type Observer = (x: Float64Array, t: number, into: Record<string, number[]>) => void;

/** Builds the Observer for `observe`; throws InvalidArgumentError for an unavailable or malformed observable. */
export function makeObserver(flow: Flow, mu: Measure, observe: ObserveOptions, evalOpts: EvalOptions): { names: string[]; observe: Observer } {
  const { weights, dim: d, space, size: n } = mu;
  const parts: Array<[string, (x: Float64Array, t: number) => number]> = [];
  if (observe.energy) {
    const energy = flow.energy;
    if (energy === undefined) throw new InvalidArgumentError('observe.energy', true, `is not available: this ${flow.name} flow has no energy (attention has one only for Q = K = I and beta != 0)`);
    parts.push(['energy', (x) => energy(x, weights, d, evalOpts)]);
  }
  if (observe.clusters !== undefined) {
    const tol = positiveNumber('observe.clusters.tol', observe.clusters?.tol);
    parts.push(['clusters', (x) => clusterCount(x, n, d, space, tol)]);
  }
  if (observe.minDistance) parts.push(['minDistance', (x) => minPairwiseDistance(x, n, d, space)]);
  if (observe.velocityNorm) {
    const v = new Float64Array(n * d);
    parts.push(['velocityNorm', (x) => { flow.velocity(x, weights, d, v, evalOpts); return velocityNorm(v, weights, d); }]);
  }
  for (const [name, fn] of Object.entries(observe.custom ?? {})) {
    if (typeof fn !== 'function') throw new InvalidArgumentError(`observe.custom.${name}`, fn, 'must be a function (mu, t) => number');
    parts.push([name, (x, t) => fn(mu.withPoints(Float64Array.from(x)), t)]);
  }
  return {
    names: parts.map(([name]) => name),
    observe(x, t, into) {
      for (const [name, fn] of parts) (into[name] ??= []).push(fn(x, t));
    },
  };
}
