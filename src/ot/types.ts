// The types of the optimal-transport layer, in one module that imports no solver: the public options and results
// (sinkhorn, sinkhornDivergence, exactTransport), the pair of measures the solvers share, and the checked options
// the Sinkhorn solvers read.
import type { BackendName, Precision } from '../backend/index.js';
import type { Space } from '../spaces.js';
import type { Acceleration } from './accelerate.js';

/** Backend options shared by the optimal-transport solvers. */
export interface OTOptions {
  /**
   * Compute backend, 'wasm' or 'js'. Default: the one chosen by init() ('wasm' unless init({ backend: 'js' })); 'wasm' throws
   * NotInitializedError before init().
   */
  backend?: BackendName;
  /**
   * Kernel arithmetic: 'f64' (default) or 'f32'. Potentials and results are always stored as Float64Array.
   * f32 rounds every exponent (C_ij - g_j)/eps, so the plan's marginals cannot be made exact beyond about
   * 2^-31 diameter²/eps (L1); Sinkhorn's default tol follows the precision (see {@link SinkhornOptions.tol}).
   */
  precision?: Precision;
}

/** A pair of measures in shared, centred coordinates: weights normalised (balanced), or as given (unbalanced). */
export interface OTPair {
  n: number;
  m: number;
  d: number;
  x: Float64Array;
  y: Float64Array;
  a: Float64Array;
  b: Float64Array;
  la: Float64Array;
  lb: Float64Array;
  /** The common shift subtracted from both point sets (C is translation invariant). */
  shift: Float64Array;
  /** Squared diameter of the union: the largest cost. */
  diameter2: number;
  /** a and b are the same measure (then OT_eps(a, b) is solved as self-transport). */
  same: boolean;
}

/** One side of a transport problem as given: its space and its points in the measure's own coordinates (angles for a circle). */
export interface OTSide {
  space: Space;
  points: Float64Array;
}

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
   * Multiscale kernel truncation: a number tau > 0, false (every pass is exact) or 'auto', the default: tau = 5 on
   * problems of at least 10⁸ query-key pairs in d <= 4 at eps <= diameter²/400, exact otherwise (see autoTruncates;
   * with it precision defaults to 'mixed' and scaling to 0.5). With tau, each cloud is sorted
   * into k-d tree clusters of at most 16 points; the problem between the clusters' weighted centroids is solved
   * first, its potentials carried to the points, and every later half-step streams only the (query cluster, key
   * cluster) blocks that its bound cannot exclude. The bound is provable for the potentials returned: it uses a
   * linear model of each cluster's Brenier potential |x|² - f, its misfit and the cluster radii, and a margin that
   * is checked after each half-step (and the half-step redone if the rows moved more than assumed). The blocks
   * skipped from each row (and, in the g-update, each column) carry together at most a fraction e^{-tau²} of its
   * mass. GeomLoss's `truncate` (default 5) plays the same role in units of its blur; tau = 5 loses at most
   * e^{-25} ≈ 1.4e-11 of each row. Pays at small eps and large n, where the plan lives near the transport map.
   */
  truncate?: number | false | 'auto';
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

/** The solution of OT_eps(a, a) (self-transport), as DivergenceResult.aa and .bb. */
export interface SelfTransport {
  /** OT_eps(a, a) for the plan of the symmetric potential f; unbalanced (reach): the dual value at (f, f). */
  value: number;
  /** The symmetric potential: P_ij = a_i a_j exp((f_i + f_j - C_ij)/eps). */
  f: Float64Array;
  /** Fixed-point iterations, annealing stages included. */
  iterations: number;
  /** L1 error of the plan's marginals (both equal by symmetry). */
  marginalError: number;
  /** marginalError <= tol within maxIter. */
  converged: boolean;
  /** True when options.signal stopped the iteration. */
  aborted?: boolean;
  /** Precision 'f32' only: the error stopped decreasing above tol (tol below f32's reach; see SinkhornOptions.tol). */
  stagnated: boolean;
  /** Set when stagnated: what was reached and what to change. */
  warning?: string;
  /** Row sums of the plan (length n), for the gradient. */
  rowSums: Float64Array;
  /** Softmax means of the points under each row of the plan (n x d, centred coordinates), for the gradient. */
  rowMeans: Float64Array;
}

/** The debiased Sinkhorn divergence S_eps(a, b) with its gradients and the three solves behind it. */
export interface DivergenceResult {
  /** S_eps(a, b); unbalanced (reach): OT(a, b) - (OT(a, a) + OT(b, b))/2 + (eps/2)(m(a) - m(b))^2. */
  value: number;
  /**
   * dS/dx_i for a's points (n x d): a_i (∇f_ab(x_i) - ∇f_aa(x_i)), exact at convergence, in a's coordinates:
   * for a circle measure the angle derivatives dS/dθ_i (n numbers); for a sphere measure the gradient in R^d
   * (project it onto the tangent space at x_i for the gradient along the sphere).
   */
  gradient: Float64Array;
  /**
   * dS/da_i on the probability simplex: f_ab(x_i) - f_aa(x_i). Defined up to an additive
   * constant: a perturbation δa with sum δa_i = 0 changes S by <weightGradient, δa>.
   * Unbalanced (reach = rho): the full partial derivative in the weights as given (any δa),
   * (rho + eps)(e^{-f_aa(x_i)/rho} - e^{-f_ab(x_i)/rho}), which tends to f_ab - f_aa as rho → ∞.
   */
  weightGradient: Float64Array;
  /** The solve of OT_eps(a, b). */
  ab: SinkhornResult;
  /** The solve of OT_eps(a, a). */
  aa: SelfTransport;
  /** The solve of OT_eps(b, b). */
  bb: SelfTransport;
  /** All three solves reached tol within maxIter. */
  converged: boolean;
  /**
   * Set when not converged: the three marginal errors (a-b, a-a, b-b). With precision 'f32' and a tol below
   * what f32 reaches, says so (the solves stopped on stagnation, not at maxIter; see SinkhornOptions.tol).
   */
  warning?: string;
  /** True when options.signal stopped one of the solves (value and gradients are then not to be trusted). */
  aborted?: boolean;
}

/** SinkhornOptions checked and resolved against one pair (defaults filled in, the eps schedule built): what the solvers read. */
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

/** The result of exactTransport and exactW2: the optimal plan (sparse), its cost and dual potentials. */
export interface ExactPlan {
  /** sum_ij P_ij C_ij for the normalised weights. */
  cost: number;
  /** Sparse plan: flows[k] from source rows[k] to sink cols[k] (at most n + m - 1 entries, all > 0). */
  rows: Int32Array;
  cols: Int32Array;
  flows: Float64Array;
  /** Simplex pivots performed. */
  iterations: number;
  /**
   * Optimal dual potentials: C_ij - u_i - v_j >= 0 for every arc (= 0 on the plan's support)
   * and sum_i a_i u_i + sum_j b_j v_j = cost. Points of weight 0 get the largest feasible value.
   */
  potentials: { u: Float64Array; v: Float64Array };
}

/** Options of exactTransport and exactW2. */
export interface ExactOptions {
  /** Stop after this many pivots and throw. Default 10_000_000. */
  maxIterations?: number;
}
