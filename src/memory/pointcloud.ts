// Point-cloud associative memory: stored patterns are measures P_1..P_K, a query measure q
// has energy
//   E(q) = -(1/beta) log sum_k exp(-beta S_eps(q, P_k))
// (S_eps the debiased Sinkhorn divergence), and retrieval descends E in the
// Hellinger–Kantorovich geometry restricted to probability measures: points move along
// the Wasserstein gradient, x_i <- x_i - s (1/a_i) dE/dx_i, and masses are reweighted
// multiplicatively on the simplex, a_i <- a_i exp(-eta dE/da_i) / Z. Because
// dE = sum_k p_k dS_eps(q, P_k) with p = softmax(-beta S), a retrieval step is a
// posterior-weighted pull towards the stored clouds, the sharpest for the nearest one.
import { AbortedError, InvalidArgumentError } from '../errors.js';
import { Measure } from '../measure.js';
import { spaceOps } from '../spaces.js';
import { sinkhornDivergence } from '../ot/divergence.js';
import { readSinkhornOptions, type SinkhornOptions } from '../ot/sinkhorn.js';
import { optionsSchema, rule } from '../options.js';
import { nonNegativeNumber, positiveNumber } from '../validate.js';

/** Options of {@link pointCloudMemory}. */
export interface PointCloudMemoryOptions {
  /**
   * The stored measures P_1..P_K: a non-empty array of Measures of one dimension and space (held, not copied).
   * On the sphere and the circle the costs are chordal (see sinkhorn) and retrieval steps move along the space.
   */
  patterns: Measure[];
  /** Inverse temperature over patterns (> 0), in units of 1 / cost. */
  beta: number;
  /** Sinkhorn options of every divergence (eps required, in units of |x - y|^2). */
  sinkhorn: SinkhornOptions;
}

/** The energy of a query measure and its parts, from {@link PointCloudMemory.energy}. */
export interface PointCloudEnergy {
  /** E(q) = -(1/beta) log sum_k exp(-beta S_eps(q, P_k)), in units of cost |x - y|^2. */
  value: number;
  /** S_eps(q, P_k) for every pattern. */
  divergences: number[];
  /** p_k = softmax(-beta S_eps(q, P_k)). */
  posterior: number[];
}

/** Step sizes of one descent step ({@link PointCloudMemory.step}). */
export interface PointCloudStepOptions {
  /** The point step s: 0.5 sends each point to its barycentric target when one pattern dominates. Default 0.5. */
  stepSize?: number;
  /** eta of the multiplicative mass update, in units of 1 / cost (0 keeps the masses). Default 0.3. */
  massStep?: number;
}

/** Options of {@link PointCloudMemory.retrieve}: initial step sizes, step budget and stopping tolerance. */
export interface PointCloudRetrieveOptions extends PointCloudStepOptions {
  /** At most this many accepted steps (0 allowed). Default 30. */
  steps?: number;
  /** Stop once the energy decreases by less than tol in one step. Default 1e-10. Steps that would raise E are halved. */
  tol?: number;
}

/** Result of {@link PointCloudMemory.retrieve}. */
export interface PointCloudRetrieval {
  /** The retrieved measure: moved points, weights normalised to sum 1, the query's space. */
  measure: Measure;
  /** Energy before each step and at the end. */
  energy: number[];
  /** Steps accepted (energy.length - 1). */
  steps: number;
  /** True when sinkhorn.signal stopped the retrieval (measure is the last accepted state). */
  aborted?: boolean;
  /** Index of the pattern with the smallest divergence to the result. */
  nearest: number;
}

/**
 * A point-cloud associative memory, built by {@link pointCloudMemory}. Queries are Measures
 * of the patterns' dimension (InvalidArgumentError otherwise) and are never mutated.
 */
export interface PointCloudMemory {
  /** The stored measures P_1..P_K. */
  readonly patterns: readonly Measure[];
  /** Inverse temperature over patterns, in units of 1 / cost. */
  readonly beta: number;
  /** E(q), the divergences S_eps(q, P_k) and the posterior p_k; one Sinkhorn divergence per pattern. */
  energy(q: Measure): PointCloudEnergy;
  /** One descent step of E (points by s, masses by eta), without backtracking; returns a new Measure with weights summing to 1. */
  step(q: Measure, options?: PointCloudStepOptions): Measure;
  /** Descends E from q with backtracking (recorded energies never increase) until tol or the step budget. */
  retrieve(q: Measure, options?: PointCloudRetrieveOptions): PointCloudRetrieval;
}

/** The options of pointCloudMemory, all three required. */
const MEMORY_OPTIONS = optionsSchema<PointCloudMemoryOptions>()({
  patterns: rule.custom('the stored measures P_1..P_K, of one dimension and space (required)', (name, patterns) => {
    if (!Array.isArray(patterns) || patterns.length === 0) throw new InvalidArgumentError(name, patterns, 'must be a non-empty array of Measures');
    patterns.forEach((p, k) => {
      if (!(p instanceof Measure)) throw new InvalidArgumentError(`${name}[${k}]`, p, 'must be a Measure');
      const first = patterns[0] as Measure;
      if (p.dim !== first.dim) throw new InvalidArgumentError(`${name}[${k}].dim`, p.dim, `must equal ${name}[0].dim = ${first.dim} (all patterns live in one space)`);
      if (p.space !== first.space) throw new InvalidArgumentError(`${name}[${k}].space`, p.space, `must equal ${name}[0].space = '${first.space}' (all patterns live in one space)`);
    });
    return patterns as Measure[];
  }),
  beta: rule.positive('inverse temperature over patterns, in units of 1 / cost (required)'),
  sinkhorn: rule.custom('Sinkhorn options of every divergence, eps required (required)', (name, ot) => {
    if (ot === null || typeof ot !== 'object') throw new InvalidArgumentError(name, ot, 'must be Sinkhorn options with eps');
    readSinkhornOptions('pointCloudMemory sinkhorn', ot, `${name}.`);
    return ot as SinkhornOptions;
  }),
});
const STEP_RULES = {
  stepSize: rule.positive('the point step s (0.5 sends each point to its barycentric target when one pattern dominates)').or(0.5),
  massStep: rule.nonNegative('eta of the multiplicative mass update, in units of 1 / cost (0 keeps the masses)').or(0.3),
};
const STEP_OPTIONS = optionsSchema<PointCloudStepOptions>()(STEP_RULES);
const RETRIEVE_OPTIONS = optionsSchema<PointCloudRetrieveOptions>()({
  ...STEP_RULES,
  steps: rule.integer(0, 'at most this many accepted steps').or(30),
  tol: rule.positive('stop when an accepted step lowers E by less than tol').or(1e-10),
});

/**
 * A memory storing measures, with energy E(q) = -(1/beta) log sum_k exp(-beta S_eps(q, P_k)).
 * Throws InvalidArgumentError for empty or non-Measure patterns, mixed dimensions, beta <= 0,
 * unknown keys, or bad Sinkhorn options (checked as sinkhorn checks them). With `sinkhorn.signal`:
 * energy() and step() throw AbortedError once it fires; retrieve() returns its last accepted state with aborted: true
 * (it throws AbortedError when the signal fired before the query's own energy was evaluated).
 */
export function pointCloudMemory(options: PointCloudMemoryOptions): PointCloudMemory {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', options, 'must be { patterns, beta, sinkhorn: { eps } }');
  const o = MEMORY_OPTIONS.read('pointCloudMemory', options);
  // All three are required: a missing one is refused here by its rule (a given one was checked by read).
  const { rules } = MEMORY_OPTIONS;
  const patterns = rules.patterns.check('patterns', o.patterns);
  const beta = rules.beta.check('beta', o.beta);
  const ot = rules.sinkhorn.check('sinkhorn', o.sinkhorn);
  const d = patterns[0].dim;
  const space = spaceOps(patterns[0].space);

  const checkQuery = (q: Measure) => {
    if (!(q instanceof Measure)) throw new InvalidArgumentError('q', q, 'must be a Measure');
    if (q.dim !== d) throw new InvalidArgumentError('q.dim', q.dim, `must equal the patterns' dimension ${d}`);
    if (q.space !== space.name) throw new InvalidArgumentError('q.space', q.space, `must equal the patterns' space '${space.name}'`);
  };

  /** E, its posterior and the divergences with their gradients. */
  const evaluate = (q: Measure) => {
    const results = patterns.map((p) => {
      const r = sinkhornDivergence(q, p, ot);
      if (r.aborted) throw new AbortedError('pointCloudMemory: a Sinkhorn divergence was aborted through sinkhorn.signal');
      return r;
    });
    const divergences = results.map((r) => r.value);
    const logits = divergences.map((s) => -beta * s);
    const max = Math.max(...logits);
    const z = logits.reduce((acc, l) => acc + Math.exp(l - max), 0);
    const posterior = logits.map((l) => Math.exp(l - max) / z);
    return { value: -(max + Math.log(z)) / beta, divergences, posterior, results };
  };

  const stepFrom = (q: Measure, e: ReturnType<typeof evaluate>, o: Required<PointCloudStepOptions>) => {
    // Checked again: retrieve's halvings could take a step size to 0.
    const pointStep = positiveNumber('stepSize', o.stepSize);
    const eta = nonNegativeNumber('massStep', o.massStep);
    const n = q.size;
    const a = q.normalized().weights;
    const x = Float64Array.from(q.points);
    const g = new Float64Array(n * d);
    const w = new Float64Array(n);
    e.results.forEach((r, k) => {
      const pk = e.posterior[k];
      if (pk === 0) return;
      for (let i = 0; i < n; i++) {
        if (a[i] > 0) for (let c = 0; c < d; c++) g[i * d + c] += (pk * r.gradient[i * d + c]) / a[i];
        w[i] += pk * r.weightGradient[i];
      }
    });
    // A step along the space: on the sphere the tangent part of the gradient, then back onto the sphere;
    // on the circle the gradient is the angle derivative and the step an angle (wrapped by the Measure).
    space.project(x, g, n, d);
    for (let i = 0; i < n * d; i++) x[i] -= pointStep * g[i];
    space.retract(x, n, d);
    // Multiplicative (Fisher–Rao) update, shifted by the max for stability; renormalised to mass 1.
    let wmin = Infinity;
    for (let i = 0; i < n; i++) wmin = Math.min(wmin, w[i]);
    const next = new Float64Array(n);
    let mass = 0;
    for (let i = 0; i < n; i++) { next[i] = a[i] * Math.exp(-eta * (w[i] - wmin)); mass += next[i]; }
    for (let i = 0; i < n; i++) next[i] /= mass;
    return new Measure(x, { dim: d, weights: next, space: q.space });
  };

  return {
    patterns, beta,
    energy(q) {
      checkQuery(q);
      const { value, divergences, posterior } = evaluate(q);
      return { value, divergences, posterior };
    },
    step(q, options) {
      const o = STEP_OPTIONS.read('step', options);
      checkQuery(q);
      return stepFrom(q, evaluate(q), o);
    },
    retrieve(q, options) {
      const o = RETRIEVE_OPTIONS.read('retrieve', options);
      checkQuery(q);
      const { steps, tol } = o;
      let current = q;
      let e = evaluate(current);
      let stopped = false;
      const energy = [e.value];
      let taken = 0;
      // Backtracking: a step that would raise E is retried with both step sizes halved (and
      // the smaller sizes kept), so the recorded energies never increase.
      let sizes = { stepSize: o.stepSize, massStep: o.massStep };
      const tryEvaluate = (m: Measure) => {
        try {
          return evaluate(m);
        } catch (err) {
          if (err instanceof AbortedError) { stopped = true; return null; }
          throw err;
        }
      };
      while (taken < steps) {
        let trial = stepFrom(current, e, sizes);
        let te = tryEvaluate(trial);
        for (let halvings = 0; te !== null && te.value > e.value && halvings < 30; halvings++) {
          sizes = { stepSize: sizes.stepSize / 2, massStep: sizes.massStep / 2 };
          trial = stepFrom(current, e, sizes);
          te = tryEvaluate(trial);
        }
        if (te === null) break;
        if (te.value > e.value) break;
        current = trial;
        e = te;
        energy.push(e.value);
        taken++;
        if (energy[taken - 1] - energy[taken] < tol) break;
      }
      let nearest = 0;
      e.divergences.forEach((v, k) => { if (v < e.divergences[nearest]) nearest = k; });
      return { measure: current, energy, steps: taken, nearest, ...(stopped ? { aborted: true } : {}) };
    },
  };
}

/** Options of {@link pointCloudRecovery}. */
export interface RecoveryOptions {
  /** Points per cloud (>= 3). Default 24. */
  points?: number;
  /** Standard deviation of the Gaussian jitter of the query's points. Default 0.15. */
  jitter?: number;
  /** Inverse temperature of both memories (point-cloud and Hopfield baseline). Default 20. */
  beta?: number;
  /** Sinkhorn entropic regularisation eps, in units of |x - y|^2. Default 0.01. */
  eps?: number;
  /** Maximum point-cloud retrieval steps. Default 40. */
  steps?: number;
  /** Seed of the point order, jitter and masses of the query. Required. */
  seed: number;
}

/** Result of {@link pointCloudRecovery}: W2 distances (not squared) to the stored circle. */
export interface Recovery {
  /** W2 from the perturbed query to its stored pattern (exact, squared root taken). */
  initialW2: number;
  /** W2 after point-cloud retrieval. */
  pointCloudW2: number;
  /** W2 after modern-Hopfield retrieval of the flattened cloud (points in the query's order). */
  hopfieldW2: number;
  /** Pattern the point-cloud retrieval ended nearest to (0 = circle, the correct one; 1 segment; 2 rings). */
  nearest: number;
}
