// Log-domain Sinkhorn for OT_eps(a, b) = min_P <P, C> + eps KL(P | a ⊗ b), C = |x - y|^2.
// Each half-iteration is one pass of the kernel (score -|x - y|^2, beta = 1/eps, log-weights
// log b_j + g_j/eps), so nothing n x m is ever stored unless plan() is asked for.
import { InvalidArgumentError } from '../errors.js';
import { finiteVector, positiveNumber } from '../validate.js';
import { optionsSchema, rule, type Resolved } from '../options.js';
import { defaultTol, DIM_RULE, epsSchedule, otPair } from './common.js';
import type { Acceleration } from './accelerate.js';
import { backendRule, type Precision } from '../backend/index.js';
import { solveCross } from './multiscale.js';
import type { Space } from '../spaces.js';
import { rowsInSpace, type PointsInput } from '../points.js';
import type { CheckedOptions, OTPair, Progress, SinkhornOptions, SinkhornProgress, SinkhornResult, WarmStart } from './types.js';
export { PLAN_LIMIT } from './result.js';
export type { SinkhornOptions, SinkhornProgress, SinkhornResult, WarmStart } from './types.js';

/**
 * Smallest eps / (squared diameter) accepted: below it the potentials' rounding error,
 * about diameter² · 2^-52 / eps in every exponent, is beyond 1e-3 and the plan is noise.
 */
export const MIN_RELATIVE_EPS = 1e-13;

/** Iterations at the final eps when SinkhornOptions.maxIter is omitted. */
export const DEFAULT_MAX_ITER = 100_000;

/** The smallest normal double, 2^-1022: the smallest eps accepted. */
const MIN_NORMAL = 2 ** -1022;

/** The options of {@link SinkhornOptions.warmStart}: two potentials, each copied into a Float64Array once checked finite. */
export const WARM_START_SCHEMA = optionsSchema<WarmStart>()({
  f: rule.custom<ArrayLike<number>>("potential on a's points (length n); alone, g is computed from it", finiteVector),
  g: rule.custom<ArrayLike<number>>("potential on b's points (length m)", finiteVector),
});

/**
 * The options of sinkhorn, sinkhornDivergence and pointCloudMemory's `sinkhorn`, declared once: the key list (in this
 * order), the checks that need no measure, the defaults that need none (tol and scaling depend on the pair: see
 * checkOptions) and the doc lines. eps is required: readSinkhornOptions refuses it missing.
 */
export const SINKHORN_SCHEMA = optionsSchema<SinkhornOptions>()({
  eps: rule.custom('entropic regularisation > 0 in units of the cost |x - y|², at least 2^-1022 (required)', readEps),
  dim: DIM_RULE,
  tol: rule.positive('stop at this L1 marginal error; default 1e-6 (f64, mixed), max(1e-5, 2^-26 diameter²/eps) with f32'),
  maxIter: rule.integer(1, 'iterations at the final eps').or(DEFAULT_MAX_ITER),
  scaling: rule.custom('eps-scaling factor in (0, 1) per stage, or false; default from eps/diameter², acceleration, reach', readScaling),
  warmStart: rule.custom("start from potentials { f, g } (e.g. a previous result's)", readWarmStart),
  signal: rule.signal('stops the solve: sinkhorn and sinkhornDivergence return the last iterate with aborted: true'),
  onProgress: rule.fn<Required<SinkhornOptions>['onProgress']>('called after every iteration and annealing stage (a SinkhornProgress)'),
  backend: backendRule("kernel backend; default: init()'s"),
  precision: rule.oneOf(
    ['f64', 'f32', 'mixed'] as const,
    "kernel arithmetic; 'mixed' iterates in f32, then polishes in f64; default 'f64', and 'mixed' when truncate 'auto' truncates",
  ),
  reach: rule.positive('unbalanced OT: the marginal penalty rho in cost units (weights taken as given); omitted: balanced'),
  acceleration: rule.custom<Acceleration>("'anderson', 'overrelaxation' or false (plain Sinkhorn)", readAcceleration).or('anderson'),
  truncate: rule
    .custom(
      "multiscale truncation tau in (0, 1000] (a row skips <= e^{-tau²} of its mass), false, or 'auto' (tau = 5 on large low-dimensional " +
        'problems at small eps: see autoTruncates)',
      readTruncate,
    )
    .or('auto'),
});

/** SinkhornOptions as SINKHORN_SCHEMA reads them: checked, maxIter, precision, acceleration and truncate filled in. */
export type ReadSinkhornOptions = Resolved<SinkhornOptions, typeof SINKHORN_SCHEMA.rules>;

function readEps(name: string, v: unknown): number {
  const eps = positiveNumber(name, v);
  if (eps < MIN_NORMAL) {
    throw new InvalidArgumentError(name, eps, `must be >= ${MIN_NORMAL} (a subnormal eps has no precision left and 1/eps overflows)`);
  }
  return eps;
}

function readScaling(name: string, v: unknown): number | false {
  if (v !== false && !(typeof v === 'number' && v > 0 && v < 1)) {
    throw new InvalidArgumentError(name, v, 'must be a number in (0, 1) or false');
  }
  return v;
}

function readWarmStart(name: string, v: unknown): WarmStart {
  return WARM_START_SCHEMA.read(name, v, `${name}.`);
}

function readAcceleration(name: string, v: unknown): Acceleration {
  if (v !== false && v !== 'anderson' && v !== 'overrelaxation') {
    throw new InvalidArgumentError(name, v, "must be 'anderson', 'overrelaxation' or false");
  }
  return v;
}

function readTruncate(name: string, v: unknown): number | false | 'auto' {
  if (v !== false && v !== 'auto' && !(typeof v === 'number' && v > 0 && v <= 1000)) {
    const why = "the bound e^{-truncate²} on each row's skipped share";
    throw new InvalidArgumentError(name, v, `must be a number in (0, 1000] (${why}), false or 'auto'`);
  }
  return v;
}

/** The tau of truncate: 'auto' when it truncates (GeomLoss's default truncate is 5 too). */
export const AUTO_TRUNCATE = 5;
/** truncate: 'auto' truncates from this many query-key pairs n m (10⁴ x 10⁴): below, a dense solve takes seconds. */
export const AUTO_TRUNCATE_PAIRS = 1e8;
/** ...in at most this many dimensions (the k-d clusters' radii, and so the bound's slack, grow with d). */
export const AUTO_TRUNCATE_MAX_DIM = 4;

/**
 * The rule of truncate: 'auto' (the default): truncate with tau = 5 when the pair has at least 10⁸ query-key pairs,
 * d <= 4, and eps <= diameter² / 400, so that a row's plan, which lives within about tau sqrt(eps) of the transport
 * image, spans at most a quarter of the cloud's diameter; otherwise every pass is exact. When it truncates, the
 * precision defaults to 'mixed' and the eps-scaling to 0.5 (the coarse level takes the large scales, so the points
 * need few annealing stages, each costing more pairs than an iteration at eps).
 */
export function autoTruncates(p: Pick<OTPair, 'n' | 'm' | 'd' | 'diameter2'>, eps: number): boolean {
  return p.n * p.m >= AUTO_TRUNCATE_PAIRS && p.d <= AUTO_TRUNCATE_MAX_DIM && eps <= p.diameter2 / 400;
}

/**
 * Entropic OT between a (n points) and b (m points) of the same dimension, cost |x - y|^2, weights normalised
 * to 1; log-domain Sinkhorn with eps-scaling. a and b are Measures or the point forms logSumExp takes
 * (number[][], or a flat array with options.dim; uniform weights). A circle measure's angles θ are the points
 * (cos θ, sin θ) of R², so its cost is the chordal 2 - 2 cos(θ - φ), as on the sphere; the barycentric map
 * comes back in b's coordinates (see {@link SinkhornResult.barycentricMap}). With options.reach: unbalanced OT
 * (KL-penalised marginals, weights as given; see {@link SinkhornOptions.reach}). Throws InvalidArgumentError for
 * bad measures or options (unknown keys, non-finite warm starts, eps below MIN_RELATIVE_EPS times
 * the squared diameter), OverflowError when the squared diameter is beyond the double range, and
 * ResourceError beyond LIMITS. Non-convergence is reported (converged, warning), not thrown; an
 * abort through options.signal returns the last iterate with aborted: true.
 */
export function sinkhorn(a: PointsInput, b: PointsInput, options: SinkhornOptions): SinkhornResult {
  const t0 = performance.now();
  const p = otPair(a, b, !isUnbalanced(options), dimOption(options));
  const o = checkOptions(options, p);
  return inSpaces(solveCross(p, problemProgress(o, options.onProgress, 'ab', t0)).result, p.sides[1].space);
}

/** options.dim when options is an object (it is checked with the other options later). */
export function dimOption(options: unknown): number | undefined {
  const dim = typeof options === 'object' && options !== null ? (options as { dim?: unknown }).dim : undefined;
  return dim === undefined ? undefined : DIM_RULE.check('dim', dim);
}

/** The result with its barycentric map in the coordinates of b's space (an angle for a circle). */
export function inSpaces(r: SinkhornResult, bSpace: Space): SinkhornResult {
  if (bSpace !== 'circle') return r;
  return { ...r, barycentricMap: () => rowsInSpace(bSpace, r.barycentricMap(), 'barycentricMap') };
}

/** True when options (of any shape: they are checked later) ask for unbalanced OT: the weights are then kept as given. */
export function isUnbalanced(options: unknown): boolean {
  return typeof options === 'object' && options !== null && (options as { reach?: unknown }).reach !== undefined;
}

/** Binds options.onProgress to one problem of a call that started at t0 (performance.now()). */
export function problemProgress(
  o: CheckedOptions,
  onProgress: SinkhornOptions['onProgress'],
  problem: SinkhornProgress['problem'],
  t0: number,
): CheckedOptions {
  if (onProgress === undefined) return o;
  const progress: Progress = (stage, iteration, eps, marginalError) =>
    onProgress({ problem, stage, iteration, eps, marginalError, elapsedMs: performance.now() - t0 });
  return { ...o, progress };
}

/** The checks of SinkhornOptions that do not depend on the measures (used by pointCloudMemory up front too). */
export function readSinkhornOptions(where: string, options: unknown, prefix = ''): ReadSinkhornOptions {
  if (options === undefined) throw new InvalidArgumentError(`${where} options`, options, 'must give eps');
  const o = SINKHORN_SCHEMA.read(where, options, prefix);
  if (o.eps === undefined) readEps(`${prefix}eps`, o.eps);
  return o;
}

/** SinkhornOptions read (for `where`) and resolved against the pair p: eps against its scale, tol, the schedule, the warm start sized. */
export function checkOptions(options: SinkhornOptions, p: OTPair, where = 'sinkhorn'): CheckedOptions {
  const o = readSinkhornOptions(where, options);
  const eps = o.eps;
  if (p.diameter2 > 0 && eps < MIN_RELATIVE_EPS * p.diameter2) {
    throw new InvalidArgumentError(
      'eps',
      eps,
      `is too small for the scale of the cost: eps / (squared diameter ${p.diameter2}) must be >= ${MIN_RELATIVE_EPS} (below, ` +
        `rounding of ` +
        `the potentials swamps the exponents); use wasserstein2 for the unregularised problem, or rescale`,
    );
  }
  const auto = o.truncate === 'auto' && autoTruncates(p, eps);
  const truncate = o.truncate === 'auto' ? (auto ? AUTO_TRUNCATE : false) : o.truncate;
  const precisionIn = o.precision ?? (auto ? 'mixed' : 'f64');
  const mixed = precisionIn === 'mixed';
  const precision: Precision = precisionIn === 'mixed' ? 'f64' : precisionIn;
  const tolDefault = defaultTol(precision, p.diameter2, eps);
  const tol = o.tol ?? tolDefault;
  const maxIter = o.maxIter;
  let scaling = o.scaling;
  if (scaling === undefined) scaling = auto ? 0.5 : defaultScaling(eps, p.diameter2, o.acceleration, o.reach !== undefined);
  const schedule = scaling === false ? [eps] : epsSchedule(p.diameter2, eps, scaling);
  const warmStart =
    o.warmStart === undefined
      ? undefined
      : {
          f: o.warmStart.f === undefined ? undefined : sized('warmStart.f', o.warmStart.f, p.n),
          g: o.warmStart.g === undefined ? undefined : sized('warmStart.g', o.warmStart.g, p.m),
        };
  const out: CheckedOptions = {
    backend: o.backend,
    precision,
    mixed,
    diameter2: p.diameter2,
    acceleration: o.acceleration,
    truncate,
    eps,
    tol,
    defaultTol: tolDefault,
    maxIter,
    schedule,
    warmStart,
    signal: o.signal,
  };
  if (o.reach !== undefined) out.reach = o.reach;
  return out;
}

/**
 * The default eps-scaling. Anderson-accelerated balanced solves start cold down to eps = 1e-4 diameter² (each
 * annealing stage costs a full iteration, and from a cold start Anderson converges in fewer: 11 against 15
 * iterations at eps = 0.05, 32 against 59 at eps = 0.01 on 4 000 points), and anneal by 0.9 below. Plain and
 * over-relaxed Sinkhorn (and unbalanced solves, which run plain) need annealing earlier to stay in the basin of
 * the solution: none for eps >= diameter²/20, GeomLoss's 0.5 down to eps = 1e-3 diameter², and the slower 0.9
 * below (with 0.5 or none, plain Sinkhorn at eps = 3e-4 diameter² stalls at a marginal error of 7e-6, and at
 * 1e-5 diameter² nothing reaches 1e-9 in 20 000 iterations).
 */
export function defaultScaling(
  eps: number,
  diameter2: number,
  acceleration: Acceleration = 'anderson',
  unbalanced = false,
): number | false {
  if (acceleration === 'anderson' && !unbalanced) return eps < 1e-4 * diameter2 ? 0.9 : false;
  if (!(eps < diameter2 / 20)) return false;
  return eps < 1e-3 * diameter2 ? 0.9 : 0.5;
}

function sized(name: string, v: ArrayLike<number>, len: number): Float64Array {
  const out = finiteVector(name, v);
  if (out.length !== len) throw new InvalidArgumentError(`${name}.length`, out.length, `must be ${len}`);
  return out;
}
