// Shared pieces of the optimal-transport code: input checks, centring, and the one kernel
// pass every Sinkhorn half-step is made of.
import { backendFor, type Backend, type BlockMask, type Precision } from '../backend/index.js';
import { InvalidArgumentError, OverflowError, ResourceError } from '../errors.js';
import { Measure } from '../measure.js';
import { rule } from '../options.js';
import { pointSet, type PointSet, type PointsInput } from '../points.js';
import { LIMITS } from '../validate.js';
import type { OTOptions, OTPair, OTSide } from './types.js';

/** The rule of the `dim` option every OT entry point takes (sinkhorn, wasserstein2, slicedWasserstein). */
export const DIM_RULE = rule.integer(1, 'point dimension; required when a or b is a flat array (as for logSumExp)');

/**
 * The pair a, b in shared, centred coordinates. a and b are Measures or the point forms logSumExp takes
 * (number[][], or flat arrays with `dim`; uniform weights, space 'euclidean'); a circle measure's angles enter
 * as their points (cos θ, sin θ) of R², so the cost is the chordal |x - y|² = 2 - 2 cos(θ - φ), as on the sphere.
 * `sides` keeps what outputs in point coordinates are converted back to. normalize = false keeps the weights as
 * stored (unbalanced OT, where the masses matter).
 */
export function otPair(aIn: PointsInput, bIn: PointsInput, normalize = true, dim?: number): OTPair & { sides: [OTSide, OTSide] } {
  const A = pointSet('a', aIn, dim, 'embedded');
  // A flat b takes a's dimension; a Measure or rows carry their own (compared below, naming b).
  const flat = !(bIn instanceof Measure) && !(Array.isArray(bIn) && Array.isArray(bIn[0]));
  const B = pointSet('b', bIn, flat ? (dim ?? A.d) : dim, 'embedded');
  if (A.d !== B.d)
    throw new InvalidArgumentError(
      'b',
      `points of dimension ${B.d}`,
      `must have the dimension ${A.d} of a${
        aIn instanceof Measure && aIn.space === 'circle' ? " (a circle measure's points are (cos θ, " + 'sin θ) in R²)' : ''
      }`,
    );
  const d = A.d;
  if (!(A.n * B.n * d <= LIMITS.maxPairWork))
    throw new ResourceError(`transport between ${A.n} and ${B.n} points in dimension ${d}`, A.n * B.n * d * 8, LIMITS.maxPairWork * 8);
  const lo = new Float64Array(d).fill(Infinity),
    hi = new Float64Array(d).fill(-Infinity);
  for (const p of [A.data, B.data]) {
    for (let i = 0; i < p.length; i++) {
      const c = i % d;
      lo[c] = Math.min(lo[c], p[i]);
      hi[c] = Math.max(hi[c], p[i]);
    }
  }
  const shift = lo.map((l, c) => (l + hi[c]) / 2);
  let diameter2 = 0;
  for (let c = 0; c < d; c++) diameter2 += (hi[c] - lo[c]) ** 2;
  if (!Number.isFinite(diameter2)) {
    throw new OverflowError(
      `the squared diameter of the two point sets overflows the double range (coordinates spanning up to ` +
        `${Math.max(...hi.map((h, c) => h - lo[c]))}): the cost |x - y|^2 cannot be represented; rescale the points`,
    );
  }
  const centre = (p: Float64Array) => p.map((v, i) => v - shift[i % d]);
  const weightsOf = (p: PointSet) => {
    const w = p.weights ?? new Float64Array(p.n).fill(1 / p.n);
    if (!normalize) return w.slice();
    let m = 0;
    for (let i = 0; i < w.length; i++) m += w[i];
    return w.map((v) => v / m);
  };
  const a = weightsOf(A),
    b = weightsOf(B);
  const same = aIn === bIn || (A.n === B.n && A.data.every((v, i) => v === B.data[i]) && a.every((v, i) => v === b[i]));
  const side = (input: PointsInput, p: PointSet): OTSide =>
    input instanceof Measure ? { space: input.space, points: input.points } : { space: 'euclidean', points: p.data };
  return {
    n: A.n,
    m: B.n,
    d,
    x: centre(A.data),
    y: centre(B.data),
    a,
    b,
    la: a.map(Math.log),
    lb: b.map(Math.log),
    shift,
    diameter2,
    same,
    sides: [side(aIn, A), side(bIn, B)],
  };
}

/**
 * One half-step: out_i = -eps log sum_j w_j exp((pot_j - |q_i - k_j|^2) / eps) for queries q
 * against keys k with log-weights lw and potentials pot; values (optional) get the softmax mean.
 */
export class HalfStep {
  private readonly backend: Backend;
  private h: Float64Array;
  private lse: Float64Array;

  constructor(
    options: OTOptions,
    private readonly precision: Precision = options.precision ?? 'f64',
  ) {
    this.backend = backendFor(options.backend, 'sinkhorn');
    this.h = new Float64Array(0);
    this.lse = new Float64Array(0);
  }

  run(
    q: Float64Array,
    n: number,
    k: Float64Array,
    m: number,
    d: number,
    lw: Float64Array,
    pot: Float64Array,
    eps: number,
    out: Float64Array,
    values: Float64Array | null = null,
    mean: Float64Array | null = null,
    valueDim = 0,
    blocks: BlockMask | null = null,
  ): void {
    if (this.h.length !== m) this.h = new Float64Array(m);
    if (this.lse.length !== n) this.lse = new Float64Array(n);
    for (let j = 0; j < m; j++) this.h[j] = lw[j] + pot[j] / eps;
    this.backend.softmaxReduce({
      x: q,
      n,
      y: k,
      m,
      d,
      logWeights: this.h,
      values,
      k: valueDim,
      beta: 1 / eps,
      score: 'sqdist',
      mask: blocks === null ? { kind: 'none' } : { kind: 'blocks', blocks },
      precision: this.precision,
      lse: this.lse,
      mean,
    });
    for (let i = 0; i < n; i++) out[i] = -eps * this.lse[i];
  }
}

/**
 * sum_i a_i |exp((f_i - fNext_i)/eps) - 1|: the L1 row-marginal error of the plan P(f, g) whose next f-update is fNext.
 * Unbalanced (reach rho, fNext the damped update kappa T, kappa = rho / (rho + eps)): the L1 distance of the rows
 * r_i = a_i e^{(f_i - T_i)/eps} to their optimality targets a_i e^{-f_i/rho}, which is
 * sum_i a_i e^{-f_i/rho} |exp((f_i - fNext_i) / (kappa eps)) - 1|.
 */
export function rowMarginalError(a: Float64Array, f: Float64Array, fNext: Float64Array, eps: number, reach?: number): number {
  let e = 0;
  if (reach === undefined) {
    for (let i = 0; i < a.length; i++) if (a[i] > 0) e += a[i] * Math.abs(Math.expm1((f[i] - fNext[i]) / eps));
    return e;
  }
  const ke = damping(eps, reach) * eps;
  for (let i = 0; i < a.length; i++) if (a[i] > 0) e += a[i] * Math.exp(-f[i] / reach) * Math.abs(Math.expm1((f[i] - fNext[i]) / ke));
  return e;
}

/** The unbalanced damping kappa = rho / (rho + eps) of a half-step (1 when balanced, reach undefined). */
export function damping(eps: number, reach: number | undefined): number {
  return reach === undefined ? 1 : reach / (reach + eps);
}

/** v *= kappa in place (nothing when kappa = 1, so balanced results stay bit-identical). */
export function damp(v: Float64Array, kappa: number): Float64Array {
  if (kappa !== 1) for (let i = 0; i < v.length; i++) v[i] *= kappa;
  return v;
}

/** Total mass: the sum of the weights. */
export function massOf(w: Float64Array): number {
  let s = 0;
  for (let i = 0; i < w.length; i++) s += w[i];
  return s;
}

/**
 * The unbalanced dual value at potentials (f, g) whose plan P = a ⊗ b e^{(f ⊕ g - C)/eps} has total mass planMass:
 * <a, rho (1 - e^{-f/rho})> + <b, rho (1 - e^{-g/rho})> - eps (mass(P) - m(a) m(b)).
 */
export function unbalancedDual(
  a: Float64Array,
  f: Float64Array,
  b: Float64Array,
  g: Float64Array,
  planMass: number,
  eps: number,
  reach: number,
): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) if (a[i] > 0) s -= a[i] * reach * Math.expm1(-f[i] / reach);
  for (let j = 0; j < b.length; j++) if (b[j] > 0) s -= b[j] * reach * Math.expm1(-g[j] / reach);
  return s - eps * (planMass - massOf(a) * massOf(b));
}

/** Most annealing stages a schedule may hold (InvalidArgumentError beyond: scaling too close to 1 for the eps range). */
export const MAX_STAGES = 100_000;

/**
 * eps values of the annealing schedule, GeomLoss-style: blur = sqrt(eps) shrinks by `scaling` per stage from the diameter.
 * The loop ends when eps is reached or stops shrinking (subnormal eps: e·scaling² rounds back to e), whatever the rounding.
 */
export function epsSchedule(diameter2: number, eps: number, scaling: number): number[] {
  const out: number[] = [];
  const factor = scaling * scaling;
  if (!Number.isFinite(diameter2))
    throw new OverflowError(`the squared diameter ${diameter2} is not finite: eps-scaling cannot start from it`);
  const stages = Math.ceil(Math.log(diameter2 / eps) / -Math.log(factor));
  if (stages > MAX_STAGES)
    throw new InvalidArgumentError(
      'scaling',
      scaling,
      `needs ${stages} annealing stages from the squared diameter ${diameter2} down to eps = ${eps} (at most ${MAX_STAGES}); use a ` +
        `smaller scaling or a larger eps`,
    );
  for (let e = diameter2; e > eps && out.length < MAX_STAGES; ) {
    out.push(e);
    const next = e * factor;
    if (!(next < e)) break;
    e = next;
  }
  out.push(eps);
  return out;
}

/** True once the (optional) signal has fired. */
export function aborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

/** The default L1 marginal tolerance with precision 'f64'. */
export const F64_TOL = 1e-6;

/**
 * The default tol of a precision: 1e-6 in f64 (and 'mixed'); in f32 max(1e-5, 2^-26 diameter2 / eps), a margin of 5x to 30x
 * above the marginal error f32 reaches (measured on the POT reference cases and uniform/Gaussian clouds:
 * 1e-9 to 2e-7 at diameter²/eps <= 700, 3e-6 to 5e-6 at diameter²/eps = 7000).
 */
export function defaultTol(precision: Precision | undefined, diameter2: number, eps: number): number {
  if (precision !== 'f32') return F64_TOL;
  const t = 2 ** -26 * (diameter2 / eps);
  return t > 1e-5 ? t : 1e-5;
}

/** Stagnation window: at least this many iterations, and at least 1/8 of those already made. */
export const STAGNATION_WINDOW = 64;
/** Over a window the smallest marginal error must fall below this fraction of its value at the window's start. */
export const STAGNATION_FACTOR = 0.9;

/**
 * Detects that an iteration's marginal error has stopped decreasing (f32 at its rounding floor). Deterministic:
 * checkpoints every max(STAGNATION_WINDOW, markIt / 8) iterations; stagnation when the smallest error seen is not
 * below STAGNATION_FACTOR times the smallest error at the previous checkpoint. A linearly converging iteration
 * that halves its error in fewer than ~6 windows never trips it; inactive (never trips) unless `active`.
 */
export class Stagnation {
  private best = Infinity;
  private mark = Infinity;
  private markIt = -1;

  constructor(private readonly active: boolean) {}

  /** Record the error of iteration `it` (counting from 1); true when the error has stagnated. */
  update(err: number, it: number): boolean {
    if (!this.active) return false;
    if (err < this.best) this.best = err;
    if (this.markIt < 0) {
      this.mark = this.best;
      this.markIt = it;
      return false;
    }
    if (it - this.markIt < Math.max(STAGNATION_WINDOW, Math.ceil(this.markIt / 8))) return false;
    if (!(this.best < STAGNATION_FACTOR * this.mark)) return true;
    this.mark = this.best;
    this.markIt = it;
    return false;
  }
}

/** The warning of a solve stopped because tol is below what f32 reaches. */
export function f32ReachWarning(tol: number, reached: string, iterations: number, f32Tol: number): string {
  return (
    `tol = ${tol.toExponential()} is below what precision 'f32' can reach on this problem: the marginal error stopped decreasing at ` +
    `${reached} after ${iterations} iterations (f32's default tol here is ${f32Tol.toExponential(1)}); use precision 'f64' for this tol, ` +
    `or a tol above the error reached`
  );
}

/**
 * The half-steps of one solve with precision 'mixed' (mixed = true): f32 passes until measuredInF64() ends that phase (or until f32 refuses
 * the scores, OverflowError), then the f64 passes of `step`. Without mixed, just `step` in options.precision.
 */
export class PhasedStep {
  readonly step: HalfStep;
  private low: HalfStep | null;
  private readonly lowStagnation: Stagnation;

  /** switchTol: the marginal error at which the f32 phase ends (see mixedSwitchTol). */
  constructor(
    options: OTOptions,
    mixed: boolean,
    private readonly switchTol = 0,
  ) {
    this.step = new HalfStep(options);
    this.low = mixed ? new HalfStep(options, 'f32') : null;
    this.lowStagnation = new Stagnation(mixed);
  }

  /** True once the passes are f64 (always, without 'mixed'). */
  get f64(): boolean {
    return this.low === null;
  }

  /**
   * Records iteration it's marginal error: ends the f32 phase near f32's floor (err <= switchTol) or when it
   * stagnates. True when the error was measured on f64 passes, so that the solve's tol applies to it.
   */
  measuredInF64(err: number, it: number): boolean {
    if (this.low === null) return true;
    if (err <= this.switchTol || this.lowStagnation.update(err, it)) this.low = null;
    return false;
  }

  /** One half-step in the current phase's precision (arguments as HalfStep.run's). */
  run(...args: Parameters<HalfStep['run']>): void {
    if (this.low !== null) {
      try {
        this.low.run(...args);
        return;
      } catch (err) {
        if (!(err instanceof OverflowError)) throw err;
        this.low = null;
      }
    }
    this.step.run(...args);
  }
}

/** Where 'mixed' leaves f32 for the f64 polish: 8x f32's marginal floor 2^-31 diameter²/eps. */
export function mixedSwitchTol(diameter2: number, eps: number): number {
  return 2 ** -28 * (diameter2 / eps);
}
