// Log-domain Sinkhorn for OT_eps(a, b) = min_P <P, C> + eps KL(P | a ⊗ b), C = |x - y|^2.
// Each half-iteration is one pass of the kernel (score -|x - y|^2, beta = 1/eps, log-weights
// log b_j + g_j/eps), so nothing n x m is ever stored unless plan() is asked for.
import { InvalidArgumentError } from '../errors.js';
import { evalValues, finiteVector, functionOption, integerAtLeast, optionKeys, positiveNumber, readOptions, signalOption } from '../validate.js';
import { defaultTol, epsSchedule, otPair, type OTOptions, type OTPair } from './common.js';
import type { Acceleration } from './accelerate.js';
import type { Precision } from '../backend/index.js';
import { solveAny } from './multiscale.js';
import type { Space } from '../spaces.js';
import { rowsInSpace, type PointsInput } from '../points.js';
export { PLAN_LIMIT } from './solve.js';

/** Options of sinkhorn and sinkhornDivergence; eps is required. */
export interface SinkhornOptions extends Omit<OTOptions, 'precision'> {
  /**
   * Kernel arithmetic: 'f64' (default), 'f32', or 'mixed': iterate in f32 until the marginal error nears what
   * f32 can reach (8x its rounding floor 2^-31 diameter²/eps, or stagnation), then polish in f64 to tol. 'mixed'
   * returns f64 answers (tol as for 'f64', default 1e-6) at close to f32's speed per iteration. Potentials and
   * results are always Float64Array.
   */
  precision?: Precision | 'mixed';
  /**
   * How the balanced iteration at eps is accelerated (the fixed point, and so the answer, is unchanged):
   * - 'anderson' (the default): Anderson acceleration of the Sinkhorn map f -> T_f(T_g(f)) with memory 5 (type II,
   *   regularised least squares in the a-weighted norm; Walker and Ni 2011, as OTT-JAX offers). At small eps it cuts
   *   the iterations to a given tol by 5-20x, where plain Sinkhorn's error decays only polynomially. A safeguard
   *   restarts it from a plain step when the error exceeds 10 times the best seen or makes no progress for 25
   *   iterations, and finishes with plain Sinkhorn after 8 restarts, so the solve always converges as plain
   *   Sinkhorn does. Small problems (n m <= 250 000, min(n, m) <= 400) still iterating after 100 iterations are
   *   finished by Newton's method on the dual (see SinkhornResult.newtonSteps), which reaches 1e-9 and below where
   *   every first-order scheme crawls.
   * - 'overrelaxation': f <- f + omega (T(g) - f), likewise g, with omega = 2 / (1 + sqrt(1 - theta)) (Young's optimal
   *   SOR parameter for the plain rate theta, measured and refined during the run; Thibault et al. 2017, Lehmann
   *   et al. 2021).
   * - false: plain Sinkhorn.
   * Unbalanced solves (reach) and self-transport (a = b) run plain.
   */
  acceleration?: Acceleration;
  /**
   * Multiscale kernel truncation (false, the default: every pass is exact). A number tau > 0: each cloud is sorted
   * into k-d tree clusters of at most 32 points; the problem between the clusters' weighted centroids is solved
   * first, its potentials carried to the points, and every later half-step streams only the (query cluster, key
   * cluster) blocks that its bound cannot exclude. The bound is provable for the potentials returned: it uses a
   * linear model of each cluster's Brenier potential |x|² - f, its misfit and the cluster radii, and a margin that
   * is checked after each half-step (and the half-step redone if the rows moved more than assumed). The blocks
   * skipped from each row (and, in the g-update, each column) carry together at most a fraction e^{-tau²} of its
   * mass. GeomLoss's `truncate` (default 5) plays the same role in units of its blur; tau = 5 loses at most
   * e^{-25} ≈ 1.4e-11 of each row. Pays at small eps and large n, where the plan lives near the transport map.
   */
  truncate?: number | false;
  /** Entropic regularisation (> 0), in units of the cost |x - y|^2. */
  eps: number;
  /** Point dimension; required when a or b is a flat array (as for logSumExp). */
  dim?: number;
  /**
   * Stop when the L1 marginal error of the plan (both marginals: the total mass the plan misplaces) is <= tol.
   * Default: 1e-6 with precision 'f64' and 'mixed' (measured: the value OT_eps, and S_eps, then carry a relative
   * error of at most about 2 tol; six digits, far below any sampling error of a point cloud). POT's `stopThr`
   * (default 1e-9, within numItermax = 1000 iterations) bounds the L2 norm of one marginal's error instead: for an
   * error spread over n points that is about tol / sqrt(n) in this unit. GeomLoss has no tol (a fixed
   * eps-schedule). With 'f32',
   * max(1e-5, 2^-26 · diameter² / eps) (diameter² the squared diameter of both point sets), a margin of 5x
   * or more above what f32 arithmetic reaches (its floor grows like 2^-31 · diameter² / eps: about 2e-7 at
   * diameter²/eps = 700, 4e-6 at 7000), so that f32 converges with its default.
   *
   * With precision 'f32' a tol below f32's reach never spins to maxIter: the iteration stops once its marginal
   * error stagnates (its smallest value has fallen by less than 10% over the last max(64, it/8) iterations; a
   * deterministic rule) and returns converged: false with a `warning` that tol is below f32's reach and to use
   * precision 'f64'. f32 iterates to tol/2, so that the plan's error measured in f64 ends below tol. With 'f64'
   * the iteration is unchanged (no stagnation test).
   */
  tol?: number;
  /** Iterations at the final eps. Default 100 000. */
  maxIter?: number;
  /**
   * Called after every iteration (and annealing stage) of every solve the call makes, with where it stands: a
   * long solve can be watched, and stopped through `signal`. Exceptions it throws propagate.
   */
  onProgress?: (info: SinkhornProgress) => void;
  /**
   * eps-scaling: anneal from the squared diameter down to eps, the blur sqrt(eps) shrinking by
   * this factor per stage (as GeomLoss does, one iteration per stage). Default with the default Anderson
   * acceleration: off down to eps = 1e-4 diameter², 0.9 below; for plain or over-relaxed Sinkhorn and unbalanced
   * solves: off for eps >= diameter²/20, GeomLoss's 0.5 down to eps = 1e-3 diameter², and 0.9 below. false turns
   * it off. The slower 0.9 keeps the potentials in the basin of the final solution, so tiny eps/diameter² (1e-5)
   * still converges to 1e-9 marginals.
   */
  scaling?: number | false;
  /** Start from these potentials (e.g. a previous result's f and g): finite numbers, lengths n and m. */
  warmStart?: WarmStart;
  /**
   * Unbalanced OT: the marginal penalty rho (a finite number > 0, in units of the cost |x - y|^2, as eps is).
   * Omitted (the default): balanced OT, weights normalised to probability measures.
   *
   * With reach = rho the weights are taken as given (not normalised: total masses may differ) and the problem is
   * OT_{eps,rho}(a, b) = min_P <P, C> + eps KL(P | a ⊗ b) + rho KL(P 1 | a) + rho KL(P^T 1 | b), with the
   * generalised KL(p | q) = sum p log(p / q) - p + q. Each log-domain half-step is the balanced one damped by
   * kappa = rho / (rho + eps): f = -kappa eps log sum_j b_j e^{(g_j - C_ij)/eps}. At the optimum the plan's
   * marginals are a e^{-f/rho} and b e^{-g/rho}, and OT_{eps,rho} equals the dual value
   * <a, rho (1 - e^{-f/rho})> + <b, rho (1 - e^{-g/rho})> - eps <a ⊗ b, e^{(f ⊕ g - C)/eps} - 1>.
   * As rho → ∞ the value increases to the balanced OT_eps (for probability measures).
   *
   * Other libraries' conventions for the same problem:
   * - POT (`ot.unbalanced.sinkhorn_unbalanced(a, b, M, reg, reg_m)`): reg = eps, reg_m = rho, with
   *   M_ij = |x_i - y_j|^2 - eps log(a_i b_j), because POT 0.8's entropy is sum P log P, not KL(P | a ⊗ b);
   *   `sinkhorn_unbalanced2` returns <P, M> for that M, not this objective nor <P, C>.
   * - GeomLoss (`SamplesLoss('sinkhorn', p=2, blur, reach)`): its cost is |x - y|^2 / 2, eps = blur^2 and
   *   rho = reach_GL^2, so its loss is half of ours with eps = 2 blur^2 and reach = 2 reach_GL^2 (a length
   *   reach_GL in GeomLoss is this option's rho = 2 reach_GL^2, in cost units).
   */
  reach?: number;
  /**
   * Checked before every iteration (and annealing stage). Once aborted, sinkhorn and
   * sinkhornDivergence return what they have with `aborted: true` and `converged: false`
   * (no throw); pointCloudMemory's energy() and step() throw AbortedError, its retrieve() returns.
   */
  signal?: AbortSignal;
}

/** What {@link SinkhornOptions.onProgress} receives. */
export interface SinkhornProgress {
  /** The problem being solved: 'ab' (OT_eps(a, b)), or the self-transport terms 'aa' and 'bb' of sinkhornDivergence. */
  problem: 'ab' | 'aa' | 'bb';
  /**
   * 'coarse': the multiscale start between cluster centroids (truncate); 'annealing': an eps-scaling stage; 'iterating':
   * an iteration at the final eps; 'newton': a Newton step of the polish of a small problem.
   */
  stage: 'coarse' | 'annealing' | 'iterating' | 'newton';
  /** Iterations (or stages, or Newton steps) of this problem so far, counted as SinkhornResult.iterations counts them. */
  iteration: number;
  /** The eps of this iteration (above the target while annealing). */
  eps: number;
  /** The L1 marginal error after this iteration; NaN while annealing and in the coarse start (not measured there). */
  marginalError: number;
  /** Milliseconds since the call began. */
  elapsedMs: number;
}

/** Initial potentials of {@link SinkhornOptions.warmStart}. */
export interface WarmStart {
  /** Potential on a's points (length n); alone, g is computed from it. */
  f?: ArrayLike<number>;
  /** Potential on b's points (length m). */
  g?: ArrayLike<number>;
}

/** The option names of sinkhorn (and sinkhornDivergence), checked against SinkhornOptions at compile time. */
export const SINKHORN_KEYS = optionKeys<SinkhornOptions>()('eps', 'dim', 'tol', 'maxIter', 'scaling', 'warmStart', 'signal', 'onProgress', 'backend', 'precision', 'reach', 'acceleration', 'truncate');
const WARM_KEYS = optionKeys<WarmStart>()('f', 'g');

/**
 * Smallest eps / (squared diameter) accepted: below it the potentials' rounding error,
 * about diameter² · 2^-52 / eps in every exponent, is beyond 1e-3 and the plan is noise.
 */
export const MIN_RELATIVE_EPS = 1e-13;

/** The smallest normal double, 2^-1022: the smallest eps accepted. */
const MIN_NORMAL = 2 ** -1022;

/**
 * The solution of OT_eps(a, b) for a and b normalised to probability measures, or (with options.reach) of the
 * unbalanced OT_{eps,rho}(a, b) for the weights as given.
 */
export interface SinkhornResult {
  /**
   * OT_eps(a, b) = <P, C> + eps KL(P | a ⊗ b) for the returned plan. Unbalanced (reach): the dual value
   * <a, rho (1 - e^{-f/rho})> + <b, rho (1 - e^{-g/rho})> - eps (mass(P) - m(a) m(b)), equal at convergence to the
   * primal <P, C> + eps KL(P | a ⊗ b) + rho KL(P 1 | a) + rho KL(P^T 1 | b).
   */
  value: number;
  /** <P, C>. */
  cost: number;
  /**
   * Dual potentials, shifted so that <a, f> = <b, g>; OT_eps = <a, f> + <b, g> at convergence. Unbalanced
   * (reach): the unique potentials (no shift), P = a ⊗ b e^{(f ⊕ g - C)/eps}, rows of P tending to a e^{-f/rho}.
   */
  f: Float64Array;
  /** Dual potential on b's points (length m); see f. */
  g: Float64Array;
  /** Sinkhorn iterations (one f- and one g-update each), annealing stages included. */
  iterations: number;
  /**
   * Newton steps of the polish, when it ran: a small balanced f64 problem (n m <= 250 000 and min(n, m) <= 400)
   * still iterating after 100 iterations at eps is finished by Newton's method on the dual (a Levenberg–Marquardt
   * safeguarded step on the plan's graph Laplacian), where the alternating iteration crawls because the plan
   * nearly splits into blocks.
   */
  newtonSteps?: number;
  /**
   * L1 error of both marginals of the plan as plan() returns it (rows and columns summed from its entries).
   * Unbalanced (reach): their L1 distance to the optimality targets a e^{-f/rho} and b e^{-g/rho}.
   */
  marginalError: number;
  /** marginalError <= tol within maxIter. */
  converged: boolean;
  /** Set when not converged: what was reached and what to change. */
  warning?: string;
  /** True when options.signal stopped the solve (the result is the last iterate, not converged). */
  aborted?: boolean;
  /** The regularisation solved for (options.eps). */
  eps: number;
  /** With options.truncate: the fraction of query-key pairs the solve's passes streamed (1 = no saving). */
  keptFraction?: number;
  /** The dense plan P (n x m), refused above PLAN_LIMIT entries. */
  plan(): Float64Array;
  /** Row i of the plan (length m). */
  planRow(i: number): Float64Array;
  /**
   * T(x_i) = sum_j P_ij y_j / a_i (n x d), in b's coordinates (a_i as normalised, or as given with reach). For a
   * circle measure b: the angle in [0, 2π) of that barycentre of the embedded points (n angles; NonFiniteError
   * for a row whose barycentre is the origin); for a sphere measure b: the barycentre in R^d (inside the ball).
   */
  barycentricMap(): Float64Array;
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
  return inSpaces(solveAny(p, problemProgress(o, options.onProgress, 'ab', t0)).result, p.sides[1].space);
}

/** options.dim when options is an object (it is checked with the other options later). */
export function dimOption(options: unknown): number | undefined {
  const dim = typeof options === 'object' && options !== null ? (options as { dim?: unknown }).dim : undefined;
  return dim === undefined ? undefined : integerAtLeast('dim', dim, 1);
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

export interface CheckedOptions extends OTOptions {
  /** Precision of the f32 phase of 'mixed' (precision is then 'f64', the polish). */
  mixed: boolean;
  acceleration: Acceleration;
  truncate: number | false;
  /** Squared diameter of the pair (the scale f32's rounding floor is measured in). */
  diameter2: number;
  /** Anneal through schedule even from a warm start (the multiscale start hands over mid-schedule). */
  annealWarm?: boolean;
  eps: number;
  /** rho of unbalanced OT; undefined: balanced. */
  reach?: number;
  tol: number;
  /** The precision's default tol for this problem (what `tol` is when not given). */
  defaultTol: number;
  maxIter: number;
  schedule: number[];
  warmStart?: { f?: Float64Array; g?: Float64Array };
  signal?: AbortSignal;
  /** Reports one iteration of the problem being solved (see problemProgress); undefined without onProgress. */
  progress?: Progress;
}

/** The solvers' view of onProgress: the problem and the clock are bound by problemProgress. */
export type Progress = (stage: SinkhornProgress['stage'], iteration: number, eps: number, marginalError: number) => void;

/** Binds options.onProgress to one problem of a call that started at t0 (performance.now()). */
export function problemProgress(o: CheckedOptions, onProgress: SinkhornOptions['onProgress'], problem: SinkhornProgress['problem'], t0: number): CheckedOptions {
  if (onProgress === undefined) return o;
  const progress: Progress = (stage, iteration, eps, marginalError) => onProgress({ problem, stage, iteration, eps, marginalError, elapsedMs: performance.now() - t0 });
  return { ...o, progress };
}

/** The checks of SinkhornOptions that do not depend on the measures (used by pointCloudMemory up front too). */
export function readSinkhornOptions(where: string, options: unknown, prefix = ''): SinkhornOptions {
  if (options === undefined) throw new InvalidArgumentError(`${where} options`, options, 'must give eps');
  const o = readOptions<SinkhornOptions>(where, options, SINKHORN_KEYS) as SinkhornOptions;
  positiveNumber(`${prefix}eps`, o.eps);
  if (o.eps < MIN_NORMAL) throw new InvalidArgumentError(`${prefix}eps`, o.eps, `must be >= ${MIN_NORMAL} (a subnormal eps has no precision left and 1/eps overflows)`);
  if (o.dim !== undefined) integerAtLeast(`${prefix}dim`, o.dim, 1);
  if (o.tol !== undefined) positiveNumber(`${prefix}tol`, o.tol);
  if (o.reach !== undefined) positiveNumber(`${prefix}reach`, o.reach);
  if (o.maxIter !== undefined) integerAtLeast(`${prefix}maxIter`, o.maxIter, 1);
  const scaling = o.scaling;
  if (scaling !== undefined && scaling !== false && !(typeof scaling === 'number' && scaling > 0 && scaling < 1)) {
    throw new InvalidArgumentError(`${prefix}scaling`, scaling, 'must be a number in (0, 1) or false');
  }
  if (o.warmStart !== undefined) {
    const w = readOptions<WarmStart>(`${where} warmStart`, o.warmStart, WARM_KEYS);
    if (w.f !== undefined) finiteVector(`${prefix}warmStart.f`, w.f);
    if (w.g !== undefined) finiteVector(`${prefix}warmStart.g`, w.g);
  }
  const r = o.acceleration;
  if (r !== undefined && r !== false && r !== 'anderson' && r !== 'overrelaxation') {
    throw new InvalidArgumentError(`${prefix}acceleration`, r, "must be 'anderson', 'overrelaxation' or false");
  }
  const tr = o.truncate;
  if (tr !== undefined && tr !== false && !(typeof tr === 'number' && tr > 0 && tr <= 1000)) {
    throw new InvalidArgumentError(`${prefix}truncate`, tr, 'must be a number in (0, 1000] (the bound e^{-truncate²} on each row\'s skipped share) or false');
  }
  signalOption(`${prefix}signal`, o.signal);
  functionOption(`${prefix}onProgress`, o.onProgress);
  evalValues({ backend: o.backend, precision: o.precision === 'mixed' ? undefined : o.precision });
  return o;
}

export function checkOptions(options: SinkhornOptions, p: OTPair, where = 'sinkhorn'): CheckedOptions {
  const o = readSinkhornOptions(where, options);
  const eps = o.eps;
  if (p.diameter2 > 0 && eps < MIN_RELATIVE_EPS * p.diameter2) {
    throw new InvalidArgumentError('eps', eps, `is too small for the scale of the cost: eps / (squared diameter ${p.diameter2}) must be >= ${MIN_RELATIVE_EPS} (below, rounding of the potentials swamps the exponents); use wasserstein2 for the unregularised problem, or rescale`);
  }
  const mixed = o.precision === 'mixed';
  const precision: Precision | undefined = mixed ? 'f64' : o.precision as Precision | undefined;
  const tolDefault = defaultTol(precision, p.diameter2, eps);
  const tol = o.tol ?? tolDefault;
  const maxIter = o.maxIter ?? 100_000;
  let scaling = o.scaling;
  if (scaling === undefined) scaling = defaultScaling(eps, p.diameter2, o.acceleration ?? 'anderson', o.reach !== undefined);
  const schedule = scaling === false ? [eps] : epsSchedule(p.diameter2, eps, scaling);
  const warmStart = o.warmStart === undefined ? undefined : {
    f: o.warmStart.f === undefined ? undefined : sized('warmStart.f', o.warmStart.f, p.n),
    g: o.warmStart.g === undefined ? undefined : sized('warmStart.g', o.warmStart.g, p.m),
  };
  const out: CheckedOptions = {
    backend: o.backend, precision, mixed, diameter2: p.diameter2, acceleration: o.acceleration ?? 'anderson', truncate: o.truncate ?? false, eps, tol, defaultTol: tolDefault, maxIter, schedule, warmStart, signal: o.signal,
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
export function defaultScaling(eps: number, diameter2: number, acceleration: Acceleration = 'anderson', unbalanced = false): number | false {
  if (acceleration === 'anderson' && !unbalanced) return eps < 1e-4 * diameter2 ? 0.9 : false;
  if (!(eps < diameter2 / 20)) return false;
  return eps < 1e-3 * diameter2 ? 0.9 : 0.5;
}

function sized(name: string, v: ArrayLike<number>, len: number): Float64Array {
  const out = finiteVector(name, v);
  if (out.length !== len) throw new InvalidArgumentError(`${name}.length`, out.length, `must be ${len}`);
  return out;
}

