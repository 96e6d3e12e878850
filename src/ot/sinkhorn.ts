// Log-domain Sinkhorn for OT_eps(a, b) = min_P <P, C> + eps KL(P | a ⊗ b), C = |x - y|^2.
// Each half-iteration is one pass of the kernel (score -|x - y|^2, beta = 1/eps, log-weights
// log b_j + g_j/eps), so nothing n x m is ever stored unless plan() is asked for.
import { InvalidArgumentError, NonFiniteError, OverflowError } from '../errors.js';
import { evalValues, finiteVector, integerAtLeast, optionKeys, positiveNumber, readOptions, signalOption } from '../validate.js';
import { aborted, damp, damping, defaultTol, epsSchedule, f32ReachWarning, HalfStep, otPair, rowMarginalError, Stagnation, unbalancedDual, type OTOptions, type OTPair } from './common.js';
import { selfTransport } from './self.js';
import { Anderson, Relaxation, ANDERSON_GUARD, type Acceleration } from './accelerate.js';
import type { Precision } from '../backend/index.js';

/** Options of sinkhorn and sinkhornDivergence; eps is required. */
export interface SinkhornOptions extends Omit<OTOptions, 'precision'> {
  /**
   * Kernel arithmetic: 'f64' (default), 'f32', or 'mixed': iterate in f32 until the marginal error nears what
   * f32 can reach (8x its rounding floor 2^-31 diameter²/eps, or stagnation), then polish in f64 to tol. 'mixed'
   * returns f64 answers (tol as for 'f64', default 1e-9) at close to f32's speed per iteration. Potentials and
   * results are always Float64Array.
   */
  precision?: Precision | 'mixed';
  /**
   * How the balanced iteration at eps is accelerated (the fixed point, and so the answer, is unchanged):
   * - 'anderson' (the default): Anderson acceleration of the Sinkhorn map f -> T_f(T_g(f)) with memory 5 (type II,
   *   regularised least squares in the a-weighted norm; Walker and Ni 2011, as OTT-JAX offers). At small eps it cuts
   *   the iterations to a given tol by 5-20x, where plain Sinkhorn's error decays only polynomially. A safeguard
   *   forgets the history and takes a plain step whenever the error exceeds 100 times the best seen.
   * - 'overrelaxation': f <- f + omega (T(g) - f), likewise g, with omega = 2 / (1 + sqrt(1 - theta)) (Young's optimal
   *   SOR parameter for the plain rate theta, measured and refined during the run; Thibault et al. 2017, Lehmann
   *   et al. 2021).
   * - false: plain Sinkhorn.
   * Unbalanced solves (reach) and self-transport (a = b) run plain.
   */
  acceleration?: Acceleration;
  /** Entropic regularisation (> 0), in units of the cost |x - y|^2. */
  eps: number;
  /**
   * Stop when the L1 marginal error of the plan is <= tol. Default: 1e-9 with precision 'f64'; with 'f32',
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
   * eps-scaling: anneal from the squared diameter down to eps, the blur sqrt(eps) shrinking by
   * this factor per stage (as GeomLoss does, one iteration per stage). Default: off for eps >= diameter²/20,
   * GeomLoss's 0.5 down to eps = 1e-3 diameter², and 0.9 below; false turns it off. The slower 0.9 keeps the
   * potentials in the basin of the final solution, so tiny eps/diameter² (1e-5) still converges to 1e-9 marginals.
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

/** Initial potentials of {@link SinkhornOptions.warmStart}. */
export interface WarmStart {
  /** Potential on a's points (length n); alone, g is computed from it. */
  f?: ArrayLike<number>;
  /** Potential on b's points (length m). */
  g?: ArrayLike<number>;
}

/** The option names of sinkhorn (and sinkhornDivergence), checked against SinkhornOptions at compile time. */
export const SINKHORN_KEYS = optionKeys<SinkhornOptions>()('eps', 'tol', 'maxIter', 'scaling', 'warmStart', 'signal', 'backend', 'precision', 'reach', 'acceleration');
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
  objective: number;
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
  /** The dense plan P (n x m), refused above PLAN_LIMIT entries. */
  plan(): Float64Array;
  /** Row i of the plan (length m). */
  planRow(i: number): Float64Array;
  /** T(x_i) = sum_j P_ij y_j / a_i (n x d), in the measures' coordinates (a_i as normalised, or as given with reach). */
  barycentricMap(): Float64Array;
}

/** Largest n * m that plan() materialises. */
export const PLAN_LIMIT = 1e7;

/**
 * Entropic OT between Measures a (n points) and b (m points) of the same dimension, cost |x - y|^2,
 * weights normalised to 1; log-domain Sinkhorn with eps-scaling. With options.reach: unbalanced OT
 * (KL-penalised marginals, weights as given; see {@link SinkhornOptions.reach}). Throws InvalidArgumentError for
 * bad measures or options (unknown keys, non-finite warm starts, eps below MIN_RELATIVE_EPS times
 * the squared diameter), OverflowError when the squared diameter is beyond the double range, and
 * ResourceError beyond LIMITS. Non-convergence is reported (converged, warning), not thrown; an
 * abort through options.signal returns the last iterate with aborted: true.
 */
export function sinkhorn(a: unknown, b: unknown, options: SinkhornOptions): SinkhornResult {
  const p = otPair(a, b, !isUnbalanced(options));
  const o = checkOptions(options, p);
  return solve(p, o).result;
}

/** True when options (of any shape: they are checked later) ask for unbalanced OT: the weights are then kept as given. */
export function isUnbalanced(options: unknown): boolean {
  return typeof options === 'object' && options !== null && (options as { reach?: unknown }).reach !== undefined;
}

export interface CheckedOptions extends OTOptions {
  /** Precision of the f32 phase of 'mixed' (precision is then 'f64', the polish). */
  mixed: boolean;
  acceleration: Acceleration;
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
}

/** The checks of SinkhornOptions that do not depend on the measures (used by pointCloudMemory up front too). */
export function readSinkhornOptions(where: string, options: unknown, prefix = ''): SinkhornOptions {
  if (options === undefined) throw new InvalidArgumentError(`${where} options`, options, 'must give eps');
  const o = readOptions<SinkhornOptions>(where, options, SINKHORN_KEYS) as SinkhornOptions;
  positiveNumber(`${prefix}eps`, o.eps);
  if (o.eps < MIN_NORMAL) throw new InvalidArgumentError(`${prefix}eps`, o.eps, `must be >= ${MIN_NORMAL} (a subnormal eps has no precision left and 1/eps overflows)`);
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
  signalOption(`${prefix}signal`, o.signal);
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
  if (scaling === undefined) scaling = defaultScaling(eps, p.diameter2);
  const schedule = scaling === false ? [eps] : epsSchedule(p.diameter2, eps, scaling);
  const warmStart = o.warmStart === undefined ? undefined : {
    f: o.warmStart.f === undefined ? undefined : sized('warmStart.f', o.warmStart.f, p.n),
    g: o.warmStart.g === undefined ? undefined : sized('warmStart.g', o.warmStart.g, p.m),
  };
  const out: CheckedOptions = {
    backend: o.backend, precision, mixed, acceleration: o.acceleration ?? 'anderson', eps, tol, defaultTol: tolDefault, maxIter, schedule, warmStart, signal: o.signal,
  };
  if (o.reach !== undefined) out.reach = o.reach;
  return out;
}

/**
 * The solve, plus what the divergence's gradient needs: the plan's row sums r_i and the row
 * means of (y, |y|^2) in centred coordinates ((d + 1) per row).
 */
export function solve(p: OTPair, o: CheckedOptions): { result: SinkhornResult; rowSums: Float64Array; rowMeans: Float64Array; belowReach: boolean } {
  const { n, m, d, x, y, a, b, la, lb } = p;
  const step = new HalfStep(o);
  // 'mixed': the f32 phase runs through its own HalfStep; `run` is whichever phase is current.
  const low = o.mixed ? new HalfStep(o, 'f32') : null;
  let run: HalfStep = low ?? step;
  // One half-step in the current phase; an f32 pass refused as unresolvable (OverflowError: potentials grown
  // beyond what f32 exponents resolve) ends the f32 phase and is redone in f64.
  const pass = (q: Float64Array, nq: number, k: Float64Array, nk: number, lw: Float64Array, pot: Float64Array, e: number, out: Float64Array): void => {
    if (run === low) {
      try {
        low.run(q, nq, k, nk, d, lw, pot, e, out);
        return;
      } catch (err) {
        if (!(err instanceof OverflowError)) throw err;
        run = step;
      }
    }
    step.run(q, nq, k, nk, d, lw, pot, e, out);
  };
  const switchTol = Math.max(o.tol, mixedSwitchTol(p.diameter2, o.eps));
  const rho = o.reach;
  const kappa = (e: number) => damping(e, rho);
  let f: Float64Array = new Float64Array(n), g: Float64Array = new Float64Array(m), fNext: Float64Array = new Float64Array(n);
  let gNext: Float64Array = new Float64Array(m);
  if (o.warmStart?.g !== undefined) g = o.warmStart.g.slice();
  if (o.warmStart?.f !== undefined) {
    f = o.warmStart.f.slice();
    if (o.warmStart.g === undefined) { pass(y, m, x, n, la, f, o.schedule[0], g); damp(g, kappa(o.schedule[0])); }
  }
  const warm = o.warmStart !== undefined && (o.warmStart.f !== undefined || o.warmStart.g !== undefined);
  let stopped = false;
  const eps = o.eps;
  let err = Infinity;
  let it = 0;
  let passes = 0;
  const f32 = o.precision === 'f32';
  // f32: iterate to tol/2 (the f64-measured plan error differs from the f32 iterate's by f32 rounding) and stop
  // on stagnation (tol below f32's reach); f64 is untouched.
  const target = f32 ? o.tol / 2 : o.tol;
  const stagnation = new Stagnation(f32);
  const lowStagnation = new Stagnation(low !== null);
  let stagnated = false;
  if (p.same) {
    // Alternating updates crawl on self-transport; the symmetric averaged iteration does not.
    const s = selfTransport(x, a, la, n, d, o);
    f = s.f;
    g = s.f.slice();
    err = s.marginalError;
    it = s.iterations;
    stopped = s.aborted === true;
    stagnated = s.stagnated;
  } else {
    // Annealing: one iteration per stage (skipped on a warm start), then iterate at eps.
    if (!warm) {
      for (const e of o.schedule.slice(0, -1)) {
        if (aborted(o.signal)) { stopped = true; break; }
        pass(x, n, y, m, lb, g, e, f);
        damp(f, kappa(e));
        pass(y, m, x, n, la, f, e, g);
        damp(g, kappa(e));
        passes += 2;
      }
    }
    const k = kappa(eps);
    pass(x, n, y, m, lb, g, eps, f);
    damp(f, k);
    const balanced = rho === undefined;
    const relax = new Relaxation(balanced && o.acceleration === 'overrelaxation');
    const anderson = balanced && o.acceleration === 'anderson' ? new Anderson(n) : null;
    let best = Infinity;
    while (it < o.maxIter && !stopped) {
      if (aborted(o.signal)) { stopped = true; break; }
      pass(y, m, x, n, la, f, eps, gNext);      // gNext = T(f): the columns of P(f, gNext) are exact
      const w = relax.omega;
      let colErr = 0;
      if (rho !== undefined) { damp(gNext, k); [g, gNext] = [gNext, g]; translate(a, f, b, g, eps, rho); }
      else if (w === 1) [g, gNext] = [gNext, g];
      else colErr = relaxInto(g, gNext, w, b, eps);   // g += w (T(f) - g); colErr: the columns of P(f, g)
      pass(x, n, y, m, lb, g, eps, fNext);      // rows of P(f, g) are a_i exp((f_i - fNext_i)/eps) (before damping)
      damp(fNext, k);
      it++;
      err = rowMarginalError(a, f, fNext, eps, rho) + colErr;
      if (run === low) {
        // The f32 phase ends near f32's floor (or on stagnation); the f64 polish continues from here.
        if (err <= switchTol || lowStagnation.update(err, it)) run = step;
      } else if (err <= target) break;
      if (stagnation.update(err, it)) { stagnated = true; break; }
      relax.update(err, it);
      if (anderson !== null) {
        // Safeguard: far above the best error, forget the history and take the plain step.
        if (err > ANDERSON_GUARD * best) { anderson.reset(); [f, fNext] = [fNext, f]; }
        else anderson.step(f, fNext, a);
        if (err < best) best = err;
      } else if (w === 1) [f, fNext] = [fNext, f];
      else relaxInto(f, fNext, w, null, eps);
    }
  }
  // One more pass with values (y, |y|^2): row means give the cost and the barycentric map.
  const values = new Float64Array(m * (d + 1));
  for (let j = 0; j < m; j++) {
    let s = 0;
    for (let c = 0; c < d; c++) { values[j * (d + 1) + c] = y[j * d + c]; s += y[j * d + c] ** 2; }
    values[j * (d + 1) + d] = s;
  }
  const mean = new Float64Array(n * (d + 1));
  step.run(x, n, y, m, d, lb, g, eps, fNext, values, mean, d + 1);
  let cost = 0, objective = 0;
  const rowSums = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (a[i] === 0) continue;
    const r = a[i] * Math.exp((f[i] - fNext[i]) / eps); // row sum of P(f, g)
    rowSums[i] = r;
    let xx = 0, xm = 0;
    for (let c = 0; c < d; c++) { xx += x[i * d + c] ** 2; xm += x[i * d + c] * mean[i * (d + 1) + c]; }
    cost += r * (xx - 2 * xm + mean[i * (d + 1) + d]);
    objective += r * f[i];
  }
  // The plan's columns are exact (alternating), or equal to its rows (symmetric).
  if (p.same) objective *= 2;
  else for (let j = 0; j < m; j++) if (b[j] > 0) objective += b[j] * g[j];
  if (rho !== undefined) {
    let mass = 0;
    for (let i = 0; i < n; i++) mass += rowSums[i];
    objective = unbalancedDual(a, f, b, g, mass, eps, rho);
  }
  // The symmetric gauge: <a, f> = <b, g> (the plan is unchanged by f + c, g - c); unbalanced potentials are unique.
  const shift = rho === undefined ? (dot(a, f) - dot(b, g)) / 2 : 0;
  const F = rho === undefined ? f.map((v) => v - shift) : f.slice(), G = rho === undefined ? g.map((v) => v + shift) : g.slice();
  // Row i of the plan, row-normalised with its largest exponent subtracted: P_ij = r_i b_j e^{(g_j - C_ij)/eps} / sum_k b_k e^{(g_k - C_ik)/eps},
  // the plan the kernel's row sums, cost and barycentric map describe (equal to a_i b_j e^{(f_i + g_j - C_ij)/eps} in exact arithmetic).
  const expo = new Float64Array(m);
  const rowInto = (i: number, row: Float64Array): Float64Array => {
    if (rowSums[i] === 0) return row.fill(0);
    let top = -Infinity;
    for (let j = 0; j < m; j++) {
      let c2 = 0;
      for (let c = 0; c < d; c++) c2 += (x[i * d + c] - y[j * d + c]) ** 2;
      expo[j] = b[j] > 0 ? lb[j] + (g[j] - c2) / eps : -Infinity;
      if (expo[j] > top) top = expo[j];
    }
    let z = 0;
    for (let j = 0; j < m; j++) { row[j] = Math.exp(expo[j] - top); z += row[j]; }
    const scale = rowSums[i] / z;
    for (let j = 0; j < m; j++) row[j] *= scale;
    return row;
  };
  // The marginal error of that plan: summed from its entries up to PLAN_LIMIT entries, else by one more
  // kernel pass (column j sums to b_j e^{(g_j - h_j)/eps}, h = the half-step of (log r, fNext)).
  // Unbalanced: the targets are a e^{-f/rho} and b e^{-g/rho}, the marginals of the optimal plan.
  const rowTarget = rho === undefined ? a : a.map((v, i) => (v > 0 ? v * Math.exp(-f[i] / rho) : 0));
  const colTarget = rho === undefined ? b : b.map((v, j) => (v > 0 ? v * Math.exp(-g[j] / rho) : 0));
  let rowErr = 0, colErr = 0;
  for (let i = 0; i < n; i++) rowErr += Math.abs(rowSums[i] - rowTarget[i]);
  if (n * m <= PLAN_LIMIT) {
    const cols = new Float64Array(m), row = new Float64Array(m);
    for (let i = 0; i < n; i++) { rowInto(i, row); for (let j = 0; j < m; j++) cols[j] += row[j]; }
    for (let j = 0; j < m; j++) colErr += Math.abs(cols[j] - colTarget[j]);
  } else {
    const h = new Float64Array(m);
    step.run(y, m, x, n, d, rowSums.map(Math.log), fNext, eps, h);
    for (let j = 0; j < m; j++) colErr += Math.abs((b[j] > 0 ? b[j] * Math.exp((g[j] - h[j]) / eps) : 0) - colTarget[j]);
  }
  const marginalError = rowErr + colErr;
  if (!Number.isFinite(objective) || !Number.isFinite(cost) || !Number.isFinite(marginalError)) {
    throw new NonFiniteError(`sinkhorn: non-finite result (objective ${objective}, cost ${cost}, marginal error ${marginalError}) at eps = ${eps} for a squared diameter ${p.diameter2}; rescale the points or raise eps`);
  }
  const converged = !stopped && marginalError <= o.tol;
  const result: SinkhornResult = {
    objective, cost, f: F, g: G, iterations: it + passes / 2, marginalError, converged, eps,
    plan() {
      if (n * m > PLAN_LIMIT) throw new InvalidArgumentError('plan', `${n} x ${m} entries`, `is refused above ${PLAN_LIMIT} entries; use planRow(i) or barycentricMap()`);
      const P = new Float64Array(n * m);
      for (let i = 0; i < n; i++) rowInto(i, P.subarray(i * m, (i + 1) * m));
      return P;
    },
    planRow(i: number) {
      if (!Number.isInteger(i) || i < 0 || i >= n) throw new InvalidArgumentError('i', i, `must be an integer in [0, ${n})`);
      return rowInto(i, new Float64Array(m));
    },
    barycentricMap() {
      const T = new Float64Array(n * d);
      for (let i = 0; i < n; i++) {
        // Sum_j P_ij y_j / a_i = (r_i / a_i) * (softmax mean of y); a zero-weight row keeps the conditional mean.
        const ratio = a[i] > 0 ? Math.exp((f[i] - fNext[i]) / eps) : 1;
        for (let c = 0; c < d; c++) T[i * d + c] = ratio * (mean[i * (d + 1) + c] + p.shift[c]);
      }
      return T;
    },
  };
  if (stopped) {
    result.aborted = true;
    result.warning = `Sinkhorn was aborted through options.signal after ${result.iterations} iterations (marginal error ${marginalError.toExponential(2)})`;
  } else if (!converged && f32 && (stagnated || err <= target)) {
    result.warning = f32ReachWarning(o.tol, marginalError.toExponential(2), result.iterations, o.defaultTol);
  } else if (!converged && err <= o.tol) {
    result.warning = `the iteration reached tol = ${o.tol} but the plan's marginal error is ${marginalError.toExponential(2)} (rounding at eps / squared diameter = ${(eps / p.diameter2).toExponential(1)}); raise eps or tol`;
  } else if (!converged) {
    result.warning = `Sinkhorn did not reach tol = ${o.tol} within maxIter = ${o.maxIter} iterations (marginal error ${marginalError.toExponential(2)}); raise maxIter or eps`;
  }
  return { result, rowSums, rowMeans: mean, belowReach: !converged && !stopped && f32 && (stagnated || err <= target) };
}


/**
 * Unbalanced only: the exact maximisation of the dual along (f + c, g - kappa c), which keeps g = kappa T(f)
 * (T(f + c) = T(f) - c) and so the columns at their targets. Without it the near-gauge mode (f + c, g - c)
 * contracts only by kappa^2 per iteration, hopeless for rho >> eps with unequal masses (the translation-invariant
 * Sinkhorn of Séjourné, Vialard and Peyré 2022). With A = <a, e^{-f/rho}>, B = <b, e^{-g/rho}> (the plan's mass):
 * A e^{-c/rho} = B e^{c/(rho + eps)}, c = log(A / B) rho (rho + eps) / (2 rho + eps). Zero at the fixed point.
 */
function translate(a: Float64Array, f: Float64Array, b: Float64Array, g: Float64Array, eps: number, rho: number): void {
  let ma = 0, mb = 0, da = 0, db = 0;
  for (let i = 0; i < a.length; i++) if (a[i] > 0) { ma += a[i]; da += a[i] * Math.expm1(-f[i] / rho); }
  for (let j = 0; j < b.length; j++) if (b[j] > 0) { mb += b[j]; db += b[j] * Math.expm1(-g[j] / rho); }
  const c = Math.log1p((ma - mb + da - db) / (mb + db)) * (rho * (rho + eps)) / (2 * rho + eps);
  if (!Number.isFinite(c) || c === 0) return;
  const kc = (rho / (rho + eps)) * c;
  for (let i = 0; i < f.length; i++) f[i] += c;
  for (let j = 0; j < g.length; j++) g[j] -= kc;
}

/**
 * v += w (t - v) in place (the over-relaxed update). With weights b, returns the L1 error of the marginal the new
 * v gives against b: sum_j b_j |exp((v_j - t_j)/eps) - 1| (t the exact update, whose marginal is b).
 */
function relaxInto(v: Float64Array, t: Float64Array, w: number, b: Float64Array | null, eps: number): number {
  let e = 0;
  for (let j = 0; j < v.length; j++) {
    const next = v[j] + w * (t[j] - v[j]);
    if (b !== null && b[j] > 0) e += b[j] * Math.abs(Math.expm1((next - t[j]) / eps));
    v[j] = next;
  }
  return e;
}

/** Where 'mixed' leaves f32 for the f64 polish: 8x f32's marginal floor 2^-31 diameter²/eps. */
export function mixedSwitchTol(diameter2: number, eps: number): number {
  return 2 ** -28 * (diameter2 / eps);
}

/**
 * The default eps-scaling: none for eps >= diameter²/20 (a cold start converges as fast), GeomLoss's 0.5 down to
 * eps = 1e-3 diameter², and the slower 0.9 below, where the potentials must be carried stage by stage into the
 * basin of the solution (with 0.5 or none, eps = 1e-5 diameter² does not reach 1e-9 in 20 000 iterations).
 */
export function defaultScaling(eps: number, diameter2: number): number | false {
  if (!(eps < diameter2 / 20)) return false;
  return eps < 1e-3 * diameter2 ? 0.9 : 0.5;
}

function sized(name: string, v: ArrayLike<number>, len: number): Float64Array {
  const out = finiteVector(name, v);
  if (out.length !== len) throw new InvalidArgumentError(`${name}.length`, out.length, `must be ${len}`);
  return out;
}

export function dot(u: Float64Array, v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < u.length; i++) if (u[i] !== 0) s += u[i] * v[i];
  return s;
}
