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
  /**
   * Mean pairwise inner product rho = sum_ij a_i a_j <x_i, x_j> (cos(θ_i - θ_j) on the circle), weights
   * normalised; 1 exactly when all mass sits at one point. Recorded as 'meanInnerProduct'.
   */
  meanInnerProduct?: boolean;
  /**
   * Weighted fraction of ordered pairs i != j with <x_i, x_j> > 1 - delta: the papers' phase-diagram
   * order parameter (borjanG/2023-transformers-rotf). Recorded as 'clusteredFraction'.
   */
  clusteredFraction?: {
    /** Threshold delta in (0, 2]. */
    delta: number;
  };
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
  if (observe.meanInnerProduct) parts.push(['meanInnerProduct', (x) => meanInnerProduct(x, weights, d, space)]);
  if (observe.clusteredFraction !== undefined) {
    const delta = positiveNumber('observe.clusteredFraction.delta', observe.clusteredFraction?.delta);
    if (delta > 2) throw new InvalidArgumentError('observe.clusteredFraction.delta', delta, 'must be in (0, 2]');
    parts.push(['clusteredFraction', (x) => clusteredFraction(x, weights, d, space, delta)]);
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

/** Inner product of particles i and j (cos of the angle difference on the circle). */
function inner(x: Float64Array, i: number, j: number, d: number, space: string): number {
  if (space === 'circle') return Math.cos(x[i] - x[j]);
  let s = 0;
  for (let c = 0; c < d; c++) s += x[i * d + c] * x[j * d + c];
  return s;
}

/** rho = sum_ij a_i a_j <x_i, x_j> / (sum a)^2: |weighted mean|^2 in O(n d). */
export function meanInnerProduct(x: Float64Array, weights: Float64Array, d: number, space: string): number {
  const n = weights.length;
  const dim = space === 'circle' ? 2 : d;
  const m = new Float64Array(dim);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const w = weights[i];
    total += w;
    if (space === 'circle') { m[0] += w * Math.cos(x[i]); m[1] += w * Math.sin(x[i]); }
    else for (let c = 0; c < d; c++) m[c] += w * x[i * d + c];
  }
  let s = 0;
  for (let c = 0; c < dim; c++) s += m[c] * m[c];
  return s / (total * total);
}

/**
 * Weighted fraction of ordered pairs i != j with <x_i, x_j> > 1 - delta:
 * sum_{i != j, close} a_i a_j / sum_{i != j} a_i a_j. For equal weights, the papers' fraction of pairs.
 */
export function clusteredFraction(x: Float64Array, weights: Float64Array, d: number, space: string, delta: number): number {
  const n = weights.length;
  let close = 0, all = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const w = weights[i] * weights[j];
      all += w;
      if (inner(x, i, j, d, space) > 1 - delta) close += w;
    }
  }
  return all > 0 ? close / all : 1;
}
