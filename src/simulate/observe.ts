// Observables recorded along a run.
import { clusterCount, minPairwiseDistance } from '../analysis/clusters.js';
import { specificHeatOf } from '../analysis/specific-heat.js';
import { velocityNorm } from '../analysis/stationarity.js';
import { InvalidArgumentError } from '../errors.js';
import { Scratch, type EvalOptions, type Flow } from '../flows/flow.js';
import { Measure } from '../measure.js';

/** Scalars recorded at every record time; each lands in `Trajectory.observables` under its name. */
export interface ObserveOptions {
  /**
   * The flow's energy (E_beta for attention); InvalidArgumentError if the flow has none. E_beta grows
   * like e^beta / (2 beta) and is Infinity past beta ≈ 709: it is recorded as computed, so that the
   * column means the same at every beta, and `logEnergy` is recorded beside it (where the flow has
   * one), which stays finite.
   */
  energy?: boolean;
  /**
   * log |E|, finite where E itself overflows (E_beta grows like e^beta / (2 beta)); for attention
   * and circle with beta > 0 and for interaction (log(-F)). Recorded as 'logEnergy'.
   */
  logEnergy?: boolean;
  /** Single-linkage cluster count at distance tol. Recorded as 'clusterCounts' (also Trajectory.clusterCounts). */
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
  /**
   * The attention specific heat C = β² Var_a(E_i), E_i = -(1/β) log sum_j a_j e^{β <x_i, x_j>} the per-token
   * free energy (a-weighted variance across tokens; one kernel pass, see specificHeat). true takes β from
   * the flow (attention, circle, interaction); `{ beta }` sets it (needed for flows without one). Recorded
   * as 'specificHeat'.
   */
  specificHeat?:
    | boolean
    | {
        /** Inverse temperature of the free energies (finite). */
        beta: number;
      };
  /** Any scalar of the measure, by name. */
  custom?: Record<string, (mu: Measure, t: number) => number>;
}

/**
 * Appends every observable of the state x (carrying `weights`: the current particles, fewer than
 * at the start once particles have collapsed) at time t to `into` (one array per name).
 */
export type Observer = (x: Float64Array, weights: Float64Array, t: number, into: Record<string, number[]>) => void;

/** Builds the Observer for `observe` (read by its schema, options.ts); throws InvalidArgumentError for an observable the flow lacks. */
export function makeObserver(
  flow: Flow,
  mu: Measure,
  observe: ObserveOptions,
  evalOpts: EvalOptions,
): { names: string[]; observe: Observer } {
  const { dim: d, space } = mu;
  const parts: Array<[string, (x: Float64Array, weights: Float64Array, t: number) => number]> = [];
  if (observe.energy) {
    const energy = flow.energy;
    if (energy === undefined)
      throw new InvalidArgumentError(
        'observe.energy',
        true,
        `is not available: this ${flow.name} flow has no energy (attention has one only for Q = K = I and beta != 0)`,
      );
    parts.push(['energy', (x, w) => energy(x, w, d, evalOpts)]);
  }
  // With the energy comes its log, finite where E overflows (E_beta ~ e^beta / (2 beta) past beta ≈ 709).
  if (observe.logEnergy || (observe.energy && flow.logEnergy !== undefined)) {
    const logEnergy = flow.logEnergy;
    if (logEnergy === undefined)
      throw new InvalidArgumentError(
        'observe.logEnergy',
        true,
        `is not available: this ${flow.name} flow has no log-energy (attention and circle have one for Q = K = I and beta > 0)`,
      );
    parts.push(['logEnergy', (x, w) => logEnergy(x, w, d, evalOpts)]);
  }
  if (observe.clusters !== undefined) {
    const tol = observe.clusters.tol;
    parts.push(['clusterCounts', (x, w) => clusterCount(x, w.length, d, space, tol)]);
  }
  if (observe.minDistance) parts.push(['minDistance', (x, w) => minPairwiseDistance(x, w.length, d, space)]);
  if (observe.velocityNorm) {
    let v = new Float64Array(0);
    parts.push([
      'velocityNorm',
      (x, w) => {
        if (v.length !== w.length * d) v = new Float64Array(w.length * d);
        flow.velocity(x, w, d, v, evalOpts);
        return velocityNorm(v, w, d);
      },
    ]);
  }
  if (observe.meanInnerProduct) parts.push(['meanInnerProduct', (x, w) => meanInnerProduct(x, w, d, space)]);
  if (observe.clusteredFraction !== undefined) {
    const delta = observe.clusteredFraction.delta;
    parts.push(['clusteredFraction', (x, w) => clusteredFraction(x, w, d, space, delta)]);
  }
  if (observe.specificHeat !== undefined && observe.specificHeat !== false) {
    const own = flow.params.beta;
    if (observe.specificHeat === true && typeof own !== 'number') {
      throw new InvalidArgumentError('observe.specificHeat', true, `needs { beta }: this ${flow.name} flow has no beta of its own`);
    }
    const beta = observe.specificHeat === true ? (own as number) : observe.specificHeat.beta;
    const scratch = new Scratch();
    parts.push(['specificHeat', (x, w) => specificHeatOf(x, w, d, space, beta, evalOpts, scratch)]);
  }
  for (const [name, fn] of Object.entries(observe.custom ?? {})) {
    parts.push([name, (x, w, t) => fn(currentMeasure(mu, x, w), t)]);
  }
  return {
    names: parts.map(([name]) => name),
    observe(x, weights, t, into) {
      for (const [name, fn] of parts) {
        into[name] ??= [];
        into[name].push(fn(x, weights, t));
      }
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
    if (space === 'circle') {
      m[0] += w * Math.cos(x[i]);
      m[1] += w * Math.sin(x[i]);
    } else for (let c = 0; c < d; c++) m[c] += w * x[i * d + c];
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
  let close = 0,
    all = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const w = weights[i] * weights[j];
      all += w;
      if (inner(x, i, j, d, space) > 1 - delta) close += w;
    }
  }
  return all > 0 ? close / all : 1;
}

/** The measure of the current particles: mu itself while none have collapsed, else a merged one. */
export function currentMeasure(mu: Measure, x: Float64Array, weights: Float64Array): Measure {
  const points = Float64Array.from(x.subarray(0, weights.length * mu.dim));
  if (weights.length === mu.size) return mu.withPoints(points);
  return new Measure(points, { dim: mu.dim, weights: Float64Array.from(weights), space: mu.space });
}
