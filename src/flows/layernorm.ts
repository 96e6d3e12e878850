// Normalisation layers as dynamics (Karagodin, Ge, Polyanskiy & Rigollet, "Normalization in attention
// dynamics", arXiv 2510.22026): a token x_i = r_i θ_i of R^d (r_i = |x_i|, θ_i on the unit sphere), and
// A_i = sum_j P_ij V θ_j the attention of the normalised tokens (P_ij ∝ a_j e^{β <Q θ_i, K θ_j>}, or
// unnormalised). Each scheme is one speed regulation of the same field (derivations: docs/normalization.md):
//   'post' (x <- LN(x + Attn(x)))               dθ_i/dt = P_θi A_i,          dr_i/dt = 0
//   'pre'  (x <- x + Attn(LN(x)))               dx_i/dt = A_i                 (dθ_i/dt = P_θi A_i / r_i)
//   'peri' (x <- x + LN(Attn(LN(x))))           dx_i/dt = A_i / |A_i|         (dθ_i/dt = P_θi A_i / (r_i |A_i|))
//   'ngpt' (x <- LN(x + α(LN(Attn(x)) - x)))    dθ_i/dt = P_θi A_i / |A_i|,   dr_i/dt = 0   (α = 1: α rescales time)
// with P_θ = I - θ θ^T. In x: 'post' is dx_i/dt = r_i P_θi A_i and 'ngpt' is r_i P_θi A_i / |A_i|, so
// the radii are constants of the motion and the angular dynamics is exact whatever the radii are.
// On an equiangular start (all pairwise <θ_i, θ_j> = ρ, equal radii, uniform weights, softmax, Q = K = V = I)
// the tokens stay equiangular and (ρ, r) solve a two-dimensional ODE (equiangularODE), so
//   post, ngpt: 1 - ρ ~ K e^{-2t};   pre, peri: 1 - ρ ~ K / t^2,
// with closed forms at β = 0 (equiangularClosedForm).
import { InvalidArgumentError } from '../errors.js';
import { Measure } from '../measure.js';
import { optionsSchema, rule } from '../options.js';
import { finiteNumber, integerAtLeast, nonNegativeNumber } from '../validate.js';

/**
 * A normalisation layer read as dynamics (see {@link attention}'s `layerNorm`): 'none' (plain attention),
 * 'post' (Post-LN), 'pre' (Pre-LN), 'peri' (Peri-LN) or 'ngpt' (nGPT, α = 1).
 */
export type LayerNorm = 'none' | 'post' | 'pre' | 'peri' | 'ngpt';
/** The schemes of {@link LayerNorm} other than 'none'. */
export type LayerNormScheme = Exclude<LayerNorm, 'none'>;
/** The values of {@link LayerNorm}. */
export const LAYER_NORMS = ['none', 'post', 'pre', 'peri', 'ngpt'] as const;

/** Checks attention's `layerNorm` against its space: the schemes live in R^d, so they need space 'euclidean'. */
export function requireLayerNormSpace(ln: LayerNorm, space: string): LayerNorm {
  if (ln !== 'none' && space !== 'euclidean') {
    throw new InvalidArgumentError(
      'layerNorm',
      ln,
      `needs space: 'euclidean' (tokens of any norm; on the sphere the attention flow is already Post-LN)`,
    );
  }
  return ln;
}

/** Throws unless every token has a direction (a zero row has no normalised form). */
export function requireNonZeroRows(mu: Measure, ln: LayerNorm): void {
  if (ln === 'none') return;
  const d = mu.dim;
  for (let i = 0; i < mu.size; i++) {
    let s = 0;
    for (let c = 0; c < d; c++) s += mu.points[i * d + c] ** 2;
    if (!(s > 0))
      throw new InvalidArgumentError(
        'mu.points',
        `a zero row at index ${i}`,
        `must be non-zero for layerNorm '${ln}' (a token at the origin has no normalised form)`,
      );
  }
}

/** out <- x_i / |x_i| row by row (n x d); a zero row gives NaN (it has no direction). */
export function unitRows(x: Float64Array, n: number, d: number, out: Float64Array): Float64Array {
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < d; c++) s += x[i * d + c] ** 2;
    const inv = 1 / Math.sqrt(s);
    for (let c = 0; c < d; c++) out[i * d + c] = x[i * d + c] * inv;
  }
  return out;
}

/**
 * Turns the attention of the normalised tokens into the scheme's velocity, in place: on entry `out`
 * holds A_i (n x d), computed from theta = x / |x|; on return dx_i/dt. Where |A_i| = 0 the schemes
 * that divide by it ('peri', 'ngpt') give 0 (the attention has no direction there).
 */
export function layerNormVelocity(
  scheme: LayerNormScheme,
  x: Float64Array,
  theta: Float64Array,
  out: Float64Array,
  n: number,
  d: number,
): void {
  if (scheme === 'pre') return;
  for (let i = 0; i < n; i++) {
    const o = i * d;
    let norm2 = 0,
      radial = 0,
      r2 = 0;
    for (let c = 0; c < d; c++) {
      norm2 += out[o + c] ** 2;
      radial += out[o + c] * theta[o + c];
      r2 += x[o + c] ** 2;
    }
    const a = Math.sqrt(norm2);
    if (scheme === 'peri') {
      const f = a > 0 ? 1 / a : 0;
      for (let c = 0; c < d; c++) out[o + c] *= f;
      continue;
    }
    // 'post' and 'ngpt': r_i P_θi A_i, divided by |A_i| for nGPT.
    const f = scheme === 'ngpt' ? (a > 0 ? Math.sqrt(r2) / a : 0) : Math.sqrt(r2);
    for (let c = 0; c < d; c++) out[o + c] = f * (out[o + c] - radial * theta[o + c]);
  }
}

/**
 * 1 - ρ for the weighted mean pairwise cosine ρ = sum_{i != j} a_i a_j <θ_i, θ_j> / sum_{i != j} a_i a_j of
 * the normalised tokens θ = x / |x| (rows of any norm; on the circle (cos θ, sin θ)), in O(n d) and
 * without cancellation near collapse: sum_{i != j} a_i a_j (1 - <θ_i, θ_j>) = A sum_i a_i |θ_i - θ̄|^2
 * with A = sum a_i and θ̄ the weighted mean. 0 exactly when all tokens point the same way; 0 for one particle.
 */
export function cosineGap(mu: Measure): number {
  if (!(mu instanceof Measure)) throw new InvalidArgumentError('mu', mu, 'must be a Measure');
  const n = mu.size,
    circle = mu.space === 'circle',
    d = circle ? 2 : mu.dim;
  const theta = new Float64Array(n * d);
  if (circle)
    for (let i = 0; i < n; i++) {
      theta[2 * i] = Math.cos(mu.points[i]);
      theta[2 * i + 1] = Math.sin(mu.points[i]);
    }
  else unitRows(mu.points, n, d, theta);
  const mean = new Float64Array(d);
  let A = 0,
    A2 = 0;
  for (let i = 0; i < n; i++) {
    const w = mu.weights[i];
    A += w;
    A2 += w * w;
    for (let c = 0; c < d; c++) mean[c] += w * theta[i * d + c];
  }
  if (A * A - A2 <= 0) return 0;
  for (let c = 0; c < d; c++) mean[c] /= A;
  let s = 0;
  for (let i = 0; i < n; i++) {
    let q = 0;
    for (let c = 0; c < d; c++) q += (theta[i * d + c] - mean[c]) ** 2;
    s += mu.weights[i] * q;
  }
  return (A * s) / (A * A - A2);
}

/** The weighted mean pairwise cosine ρ of the normalised tokens, 1 - {@link cosineGap}(mu): 1 when all tokens coincide in direction. */
export function meanPairwiseCosine(mu: Measure): number {
  return 1 - cosineGap(mu);
}

/** Options of {@link equiangularMeasure}. */
export interface EquiangularMeasureOptions {
  /** Norm of every token. Default 1. */
  radius?: number;
  /** Dimension d >= n (the tokens span n dimensions; the rest are 0). Default n. */
  dim?: number;
}
export const EQUIANGULAR_MEASURE_SCHEMA = optionsSchema<EquiangularMeasureOptions>()({
  radius: rule.custom('norm of every token, > 0', greaterThanZero).or(1),
  dim: rule.integer(1, 'dimension d >= n (the tokens span n dimensions; the rest are 0); default n'),
});

/** A finite number > 0, refused in two steps: not finite, then not > 0. */
function greaterThanZero(name: string, value: unknown): number {
  const x = finiteNumber(name, value);
  if (!(x > 0)) throw new InvalidArgumentError(name, x, 'must be > 0');
  return x;
}

/**
 * n tokens of norm `radius` in R^d (euclidean space, uniform weights) with every pairwise cosine equal
 * to rho, -1/(n-1) < rho < 1: θ_i = sqrt(1 - rho) e_i + b (1, ..., 1, 0, ...), b chosen so |θ_i| = 1.
 */
export function equiangularMeasure(n: number, rho: number, options?: EquiangularMeasureOptions): Measure {
  const o = EQUIANGULAR_MEASURE_SCHEMA.read('equiangularMeasure', options);
  integerAtLeast('n', n, 2);
  finiteNumber('rho', rho);
  if (!(rho > -1 / (n - 1) && rho < 1))
    throw new InvalidArgumentError(
      'rho',
      rho,
      `must be in (-1/(n-1), 1) = (${(-1 / (n - 1)).toPrecision(4)}, 1) for n = ${n} equiangular unit vectors`,
    );
  const radius = o.radius;
  const dim = o.dim === undefined ? n : integerAtLeast('dim', o.dim, n);
  const a = Math.sqrt(1 - rho),
    b = (-a + Math.sqrt(a * a + n * rho)) / n;
  const pts = new Float64Array(n * dim);
  for (let i = 0; i < n; i++) for (let c = 0; c < n; c++) pts[i * dim + c] = radius * ((c === i ? a : 0) + b);
  return new Measure(pts, { dim, space: 'euclidean' });
}

/** Options of {@link equiangularODE} and {@link equiangularClosedForm}. */
export interface EquiangularOptions {
  /** The scheme: 'none' is read as 'post' (plain attention on the sphere). */
  layerNorm: LayerNorm;
  /** Number of tokens n >= 2. */
  n: number;
  /** Inverse temperature (softmax attention, Q = K = V = I). Default 1 (equiangularClosedForm: 0, the only β it covers). */
  beta?: number;
  /** Initial pairwise cosine ρ0 in (-1/(n-1), 1). */
  rho0: number;
  /** Initial token norm r0 > 0 (matters for 'pre' and 'peri'). Default 1. */
  radius0?: number;
  /** Times (>= 0, increasing) at which to report. */
  times: ArrayLike<number>;
  /** RK4 steps per unit of time (equiangularODE only). Default 2000. */
  stepsPerUnit?: number;
}
// layerNorm, n, rho0 and times are required (their rule refuses the missing value); beta's default is the caller's.
export const EQUIANGULAR_SCHEMA = optionsSchema<EquiangularOptions>()({
  layerNorm: rule.oneOf(LAYER_NORMS, "the scheme: 'none' is read as 'post' (plain attention on the sphere)"),
  n: rule.integer(2, 'number of tokens'),
  beta: rule.finite('inverse temperature (softmax attention, Q = K = V = I); default 1 (equiangularClosedForm: 0, the only one it covers)'),
  rho0: rule.finite('initial pairwise cosine in (-1/(n-1), 1)'),
  radius0: rule.custom('initial token norm r0 > 0', greaterThanZero).or(1),
  times: rule.custom('times (>= 0, non-decreasing) at which to report', readTimes),
  stepsPerUnit: rule.custom('RK4 steps per unit of time (equiangularODE only)', greaterThanZero).or(2000),
});
const EQUIANGULAR_RULES = EQUIANGULAR_SCHEMA.rules;

function readTimes(name: string, value: unknown): Float64Array {
  if (typeof value !== 'object' || value === null || typeof (value as ArrayLike<number>).length !== 'number')
    throw new InvalidArgumentError(name, value, 'must be an array of times');
  const times = Float64Array.from(value as ArrayLike<number>);
  times.forEach((t, i) => {
    nonNegativeNumber(`${name}[${i}]`, t);
    if (i > 0 && t < times[i - 1]) throw new InvalidArgumentError(name, t, `must be non-decreasing (${name}[${i}] < ${name}[${i - 1}])`);
  });
  return times;
}

/** ρ(t), 1 - ρ(t) and r(t) of an equiangular system at the requested times. */
export interface EquiangularSolution {
  /** The requested times. */
  times: Float64Array;
  /** Pairwise cosine ρ(t). */
  rho: Float64Array;
  /** 1 - ρ(t), computed without cancellation (the ODE is solved for u = 1 - ρ). */
  gap: Float64Array;
  /** Token norm r(t). */
  radius: Float64Array;
}

function readEquiangular(where: string, options: EquiangularOptions, betaDefault: number) {
  const o = EQUIANGULAR_SCHEMA.read(where, options);
  const ln = o.layerNorm ?? EQUIANGULAR_RULES.layerNorm.check('layerNorm', undefined);
  const n = o.n ?? EQUIANGULAR_RULES.n.check('n', undefined);
  const beta = o.beta ?? betaDefault;
  const rho0 = o.rho0 ?? EQUIANGULAR_RULES.rho0.check('rho0', undefined);
  if (!(rho0 > -1 / (n - 1) && rho0 < 1)) throw new InvalidArgumentError('rho0', rho0, `must be in (-1/(n-1), 1) for n = ${n}`);
  const r0 = o.radius0;
  const times = (o.times ?? EQUIANGULAR_RULES.times.check('times', undefined)) as Float64Array;
  return { scheme: (ln === 'none' ? 'post' : ln) as LayerNormScheme, n, beta, rho0, r0, times, o };
}

/**
 * The equiangular reduction: u = 1 - ρ and r obey, with q = e^{-βu} / (e^0 + (n-1) e^{-βu}) the weight
 * of another token, p = 1 - (n-1) q the own weight, g = 2 q u (n - (n-1) u) (= 2q(1-ρ)(1+(n-1)ρ)),
 * c = <θ_i, A_i> = 1 - (n-1) q u and |A_i|^2 = p^2 + (n-1) q (2p + q (n-2)) (1 - u) + (n-1) q^2:
 *   post: u' = -g;  ngpt: u' = -g/|A|;  pre: u' = -g/r, r' = c;  peri: u' = -g/(r|A|), r' = c/|A|.
 */
function equiangularRates(scheme: LayerNormScheme, n: number, beta: number, u: number, r: number): [number, number] {
  const e = Math.exp(-beta * u);
  const q = e / (1 + (n - 1) * e);
  const p = 1 - (n - 1) * q;
  const g = 2 * q * u * (n - (n - 1) * u);
  if (scheme === 'post') return [-g, 0];
  const rho = 1 - u;
  const a = Math.sqrt(Math.max(0, p * p + (n - 1) * q * (2 * p * rho + q * (1 + (n - 2) * rho))));
  const c = 1 - (n - 1) * q * u;
  if (scheme === 'ngpt') return [-g / a, 0];
  if (scheme === 'pre') return [-g / r, c];
  return [-g / (r * a), c / a];
}

/**
 * Solves the equiangular reduction of attention with a normalisation layer (softmax, Q = K = V = I,
 * uniform weights) by classical RK4 on a uniform grid, for the tokens' pairwise cosine ρ(t) and norm
 * r(t). The n-particle flow from {@link equiangularMeasure} follows it (tested); derivation in
 * docs/normalization.md. Late-time laws: 1 - ρ ~ K e^{-2t} (post, ngpt), ~ K / t^2 (pre, peri).
 */
export function equiangularODE(options: EquiangularOptions): EquiangularSolution {
  const { scheme, n, beta, rho0, r0, times, o } = readEquiangular('equiangularODE', options, 1);
  const per = o.stepsPerUnit;
  const out: EquiangularSolution = {
    times,
    rho: new Float64Array(times.length),
    gap: new Float64Array(times.length),
    radius: new Float64Array(times.length),
  };
  let u = 1 - rho0,
    r = r0,
    t = 0;
  const f = (uu: number, rr: number) => equiangularRates(scheme, n, beta, uu, rr);
  for (let k = 0; k < times.length; k++) {
    const target = times[k];
    const steps = Math.ceil((target - t) * per);
    const h = steps > 0 ? (target - t) / steps : 0;
    for (let s = 0; s < steps; s++) {
      // RK4 in log u (u decays exponentially; its logarithm is smooth and keeps relative accuracy).
      const k1 = f(u, r),
        l1 = k1[0] / u;
      const u2 = u * Math.exp(0.5 * h * l1),
        r2 = r + 0.5 * h * k1[1];
      const k2 = f(u2, r2),
        l2 = k2[0] / u2;
      const u3 = u * Math.exp(0.5 * h * l2),
        r3 = r + 0.5 * h * k2[1];
      const k3 = f(u3, r3),
        l3 = k3[0] / u3;
      const u4 = u * Math.exp(h * l3),
        r4 = r + h * k3[1];
      const k4 = f(u4, r4),
        l4 = k4[0] / u4;
      u *= Math.exp((h / 6) * (l1 + 2 * l2 + 2 * l3 + l4));
      r += (h / 6) * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1]);
    }
    t = target;
    out.gap[k] = u;
    out.rho[k] = 1 - u;
    out.radius[k] = r;
  }
  return out;
}

/**
 * Closed forms of the equiangular reduction at β = 0 (uniform attention A_i = the tokens' mean), with
 * u = 1 - ρ, u0 = 1 - ρ0 and κ = (n-1) u0 r0^2 / n:
 *   post: 1/u = (n-1)/n + (1/u0 - (n-1)/n) e^{2t}
 *   ngpt: u = n sech^2(t + c) / (n-1),  c = artanh(sqrt(1 - (n-1) u0 / n))
 *   pre:  u r^2 = u0 r0^2 with t = (r - r0) + (√κ/2) log[(r - √κ)(r0 + √κ) / ((r + √κ)(r0 - √κ))] (r by Newton)
 *   peri: u r^2 = u0 r0^2 with r^2 = κ + (t + sqrt(r0^2 - κ))^2
 * Derivations in docs/normalization.md.
 */
export function equiangularClosedForm(options: EquiangularOptions): EquiangularSolution {
  const { scheme, n, beta, rho0, r0, times } = readEquiangular('equiangularClosedForm', options, 0);
  if (beta !== 0)
    throw new InvalidArgumentError(
      'beta',
      beta,
      'must be 0: the closed forms hold for uniform attention (use equiangularODE for beta != 0)',
    );
  const u0 = 1 - rho0,
    m = (n - 1) / n,
    kappa = m * u0 * r0 * r0,
    sk = Math.sqrt(kappa);
  const out: EquiangularSolution = {
    times,
    rho: new Float64Array(times.length),
    gap: new Float64Array(times.length),
    radius: new Float64Array(times.length),
  };
  times.forEach((t, k) => {
    let u: number,
      r = r0;
    if (scheme === 'post') {
      u = 1 / (m + (1 / u0 - m) * Math.exp(2 * t));
    } else if (scheme === 'ngpt') {
      const c = Math.atanh(Math.sqrt(1 - m * u0));
      u = 1 / (m * Math.cosh(t + c) ** 2);
    } else if (scheme === 'peri') {
      r = Math.sqrt(kappa + (t + Math.sqrt(r0 * r0 - kappa)) ** 2);
      u = (u0 * r0 * r0) / (r * r);
    } else {
      // pre: dr/dt = 1 - κ/r^2; invert t(r) by Newton from r = r0 + t (t(r) is increasing and convex in r).
      const T = (x: number) => x - r0 + (sk / 2) * Math.log(((x - sk) * (r0 + sk)) / ((x + sk) * (r0 - sk)));
      r = r0 + t;
      for (let it = 0; it < 100; it++) {
        const next = r - (T(r) - t) * (1 - kappa / (r * r)); // T'(r) = 1 / (1 - κ/r^2)
        if (Math.abs(next - r) <= 1e-15 * r) {
          r = next;
          break;
        }
        r = next > sk ? next : (r + sk) / 2;
      }
      u = (u0 * r0 * r0) / (r * r);
    }
    out.gap[k] = u;
    out.rho[k] = 1 - u;
    out.radius[k] = r;
  });
  return out;
}
