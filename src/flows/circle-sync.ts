// Synchronisation on the circle read through the Fourier series of the interaction h
// (hTripleDerivativeL1 and circleSyncCriterion); the flow itself is circle.ts.
import { InvalidArgumentError } from '../errors.js';
import { optionsSchema, rule } from '../options.js';
import { checkInteraction } from './circle.js';

const TWO_PI = 2 * Math.PI;

/** Options of {@link hTripleDerivativeL1} and {@link circleSyncCriterion}. */
export interface FourierOptions {
  /** Largest number of samples of h (a power of two >= 64). Default 32768. */
  maxSamples?: number;
}
export const FOURIER_SCHEMA = optionsSchema<FourierOptions>()({
  maxSamples: rule.integer(64, 'largest number of samples of h (a power of two >= 64)').or(32768),
});

/** In-place radix-2 FFT of (re, im) (length a power of two): X_k = sum_j x_j e^{-2πi jk/N}. */
function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      let t = re[i];
      re[i] = re[j];
      re[j] = t;
      t = im[i];
      im[i] = im[j];
      im[j] = t;
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = -TWO_PI / len,
      half = len >> 1;
    for (let k = 0; k < half; k++) {
      // Twiddles computed directly (not by recurrence) to keep the transform accurate to rounding.
      const wr = Math.cos(ang * k),
        wi = Math.sin(ang * k);
      for (let i = k; i < n; i += len) {
        const j = i + half;
        const xr = re[j] * wr - im[j] * wi,
          xi = re[j] * wi + im[j] * wr;
        re[j] = re[i] - xr;
        im[j] = im[i] - xi;
        re[i] += xr;
        im[i] += xi;
      }
    }
  }
}

/**
 * The real Fourier series of a smooth 2π-periodic h, h(x) = a[0] + sum_{k>=1} a[k] cos kx + b[k] sin kx,
 * truncated where the coefficients fall below 1e-14 of the largest (sampling doubles from 64 points until
 * that happens below a quarter of the samples, so aliasing is below rounding too).
 */
function fourierSeries(where: string, name: string, h: unknown, options?: FourierOptions): { a: Float64Array; b: Float64Array } {
  if (typeof h !== 'function') throw new InvalidArgumentError(name, h, 'must be a function θ => h(θ) (smooth, 2π-periodic)');
  const { maxSamples } = FOURIER_SCHEMA.read(where, options);
  const f = h as (t: number) => unknown;
  for (let N = 64; N <= maxSamples; N *= 2) {
    const re = new Float64Array(N),
      im = new Float64Array(N);
    for (let j = 0; j < N; j++) {
      const x = (TWO_PI * j) / N,
        v = f(x);
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw new InvalidArgumentError(name, `a function with h(${x}) = ${String(v)}`, 'must return finite numbers');
      re[j] = v;
    }
    fft(re, im);
    const half = N / 2;
    const a = new Float64Array(half),
      b = new Float64Array(half);
    a[0] = re[0] / N;
    let top = Math.abs(a[0]);
    for (let k = 1; k < half; k++) {
      a[k] = (2 * re[k]) / N;
      b[k] = (-2 * im[k]) / N;
      top = Math.max(top, Math.abs(a[k]), Math.abs(b[k]));
    }
    let K = 0;
    for (let k = 1; k < half; k++) if (Math.abs(a[k]) > 1e-14 * top || Math.abs(b[k]) > 1e-14 * top) K = k;
    if (K < N / 4 || top === 0) return { a: a.slice(0, K + 1), b: b.slice(0, K + 1) };
  }
  throw new InvalidArgumentError(
    name,
    'a function whose Fourier coefficients do not decay',
    `must be smooth: its coefficients stay above 1e-14 of the largest up to ${maxSamples / 4} modes (raise maxSamples for a rougher h)`,
  );
}

/** sum_{k>=1} ca(k) a_k cos kx + cb(k) b_k sin kx (cos and sin of kx by the angle-addition recurrence). */
function trigSum(a: Float64Array, b: Float64Array, x: number, ca: (k: number) => number, cb: (k: number) => number): number {
  const c1 = Math.cos(x),
    s1 = Math.sin(x);
  let c = c1,
    s = s1,
    sum = 0;
  for (let k = 1; k < a.length; k++) {
    sum += ca(k) * a[k] * c + cb(k) * b[k] * s;
    const cn = c * c1 - s * s1;
    s = s * c1 + c * s1;
    c = cn;
  }
  return sum;
}

/**
 * The L1 norm of f' over one period: the total variation of f, sum over consecutive zeros z_m of f' of
 * |f(z_{m+1}) - f(z_m)|. The zeros are bracketed on a grid of 32 points per mode and refined by bisection,
 * so the result is exact to rounding (no quadrature across the kinks of |f'|).
 */
function totalVariation(f: (x: number) => number, df: (x: number) => number, modes: number): number {
  const M = Math.max(256, 32 * modes);
  const zeros: number[] = [];
  let x0 = 0,
    v0 = df(0);
  for (let m = 1; m <= M; m++) {
    const x1 = (TWO_PI * m) / M,
      v1 = m === M ? df(0) : df(x1);
    if (v0 === 0) zeros.push(x0);
    else if (v0 * v1 < 0) {
      let lo = x0,
        hi = x1,
        flo = v0;
      for (let it = 0; it < 80 && hi - lo > 1e-15; it++) {
        const mid = 0.5 * (lo + hi),
          fm = df(mid);
        if (fm === 0) {
          lo = hi = mid;
          break;
        }
        if (fm * flo < 0) hi = mid;
        else {
          lo = mid;
          flo = fm;
        }
      }
      zeros.push(0.5 * (lo + hi));
    }
    x0 = x1;
    v0 = v1;
  }
  if (zeros.length === 0) return 0;
  const values = zeros.map(f);
  let tv = 0;
  for (let m = 0; m < zeros.length; m++) tv += Math.abs(values[(m + 1) % zeros.length] - values[m]);
  return tv;
}

/** f = h'' (plusIdentity: h'' + h) from the series (a, b), and its derivative f' = h‴ (h‴ + h'). */
const second = (a: Float64Array, b: Float64Array, plusIdentity: boolean) => (x: number) =>
  trigSum(
    a,
    b,
    x,
    (k) => (plusIdentity ? 1 : 0) - k * k,
    (k) => (plusIdentity ? 1 : 0) - k * k,
  );
const third = (a: Float64Array, b: Float64Array, plusIdentity: boolean) => (x: number) =>
  // d/dx of (c a_k cos kx + c b_k sin kx) = c k (b_k cos kx - a_k sin kx), c = (plusIdentity ? 1 : 0) - k^2.
  trigSum(
    b,
    a,
    x,
    (k) => ((plusIdentity ? 1 : 0) - k * k) * k,
    (k) => -((plusIdentity ? 1 : 0) - k * k) * k,
  );

/**
 * ‖h‴‖_{L1[0, 2π]} = ∫_0^{2π} |h‴(θ)| dθ for a smooth 2π-periodic h (odd or not), from h's Fourier series
 * (sampled and transformed until its coefficients fall below 1e-14 of the largest): the total variation
 * of h'' over a period, summed between the zeros of h‴. Accurate to about 1e-12 relative for analytic h
 * (h = sin gives 4, sin(kθ) gives 4k³). The quantity of Polyanskiy, Rigollet & Yao's synchronisation criterion.
 * @throws InvalidArgumentError unless h is a function returning finite numbers, or when its coefficients do not decay.
 */
export function hTripleDerivativeL1(h: (theta: number) => number, options?: FourierOptions): number {
  const { a, b } = fourierSeries('hTripleDerivativeL1', 'h', h, options);
  return totalVariation(second(a, b, false), third(a, b, false), a.length - 1);
}

/** What {@link circleSyncCriterion} finds for an interaction h. */
export interface CircleSyncCriterion {
  /** First sine coefficient b_1 = (1/π) ∫ h(θ) sin θ dθ (h = sum_k b_k sin kθ). */
  b1: number;
  /** h'(0) = sum_k k b_k. */
  hPrime0: number;
  /** S = sum_{k>=2} k |b_k|: the size of h' beyond the Kuramoto mode. */
  S: number;
  /** S0 = sum_{k>=2} |b_k|: the size of h beyond the Kuramoto mode. */
  S0: number;
  /** ‖h‴‖_{L1[0, 2π]}. */
  tripleL1: number;
  /** ‖h‴ + h'‖_{L1[0, 2π]}: the third-derivative norm of all but the Kuramoto mode (0 for h = b_1 sin). */
  residualL1: number;
  /**
   * Whether the Fourier form certifies global synchronisation: h'(0) > 0, b_1 > 0, S < b_1/2 and, with
   * r_min = sqrt(1/2 - S/b_1), u = S/(b_1 r_min), u0 = S0/(b_1 r_min): u² + u0² < 1 and b_1 cos(2 asin u0) > S.
   */
  synchronizes: boolean;
  /** The same conditions with S and S0 replaced by their bounds (3/(4π)) ‖h‴ + h'‖_1 and (1/(4π)) ‖h‴ + h'‖_1. */
  synchronizesL1: boolean;
  /** Lower bound on the order parameter |sum_j a_j e^{iθ_j}| (weights summing to 1) at every stable equilibrium (NaN when S >= b_1/2). */
  rMin: number;
  /** Every stable equilibrium lies in an arc of this width, in radians (NaN when not certified). */
  arc: number;
}

/** The conditions of the criterion for given S, S0 (see CircleSyncCriterion.synchronizes). */
function certify(b1: number, hPrime0: number, S: number, S0: number): { ok: boolean; rMin: number; arc: number } {
  if (!(hPrime0 > 0 && b1 > 0 && S < b1 / 2)) return { ok: false, rMin: NaN, arc: NaN };
  const rMin = Math.sqrt(0.5 - S / b1);
  const u = S / (b1 * rMin),
    u0 = S0 / (b1 * rMin);
  if (!(u * u + u0 * u0 < 1)) return { ok: false, rMin, arc: NaN };
  const arc = 2 * Math.asin(u0);
  const ok = b1 * Math.cos(arc) > S;
  return { ok, rMin, arc: ok ? arc : NaN };
}

/**
 * A sufficient condition for global synchronisation of dθ_i/dt = sum_j a_j h(θ_j - θ_i), for every n and
 * any weights: every stable equilibrium (second-order critical point of the energy) is synchronised, so
 * almost every start synchronises when h is analytic. Derived in docs/normalization.md ("A
 * synchronisation criterion on the circle"), in the spirit of Polyanskiy, Rigollet & Yao,
 * "Synchronization of mean-field models on the circle" (arXiv 2507.22857), whose criterion is stated
 * through ‖h‴‖_{L1} and certifies attention's h for β >= -0.16. Ours has a Fourier form (`synchronizes`,
 * through S = sum_{k>=2} k|b_k|) and an L1 form (`synchronizesL1`, through ‖h‴ + h'‖_{L1} alone).
 * @throws InvalidArgumentError unless h is a smooth, odd, 2π-periodic function (checked as by circle()).
 */
export function circleSyncCriterion(h: (theta: number) => number, options?: FourierOptions): CircleSyncCriterion {
  checkInteraction('h', h);
  const { a, b } = fourierSeries('circleSyncCriterion', 'h', h, options);
  let hPrime0 = 0,
    S = 0,
    S0 = 0;
  for (let k = 1; k < b.length; k++) {
    hPrime0 += k * b[k];
    if (k >= 2) {
      S += k * Math.abs(b[k]);
      S0 += Math.abs(b[k]);
    }
  }
  const b1 = b.length > 1 ? b[1] : 0;
  const modes = a.length - 1;
  const tripleL1 = totalVariation(second(a, b, false), third(a, b, false), modes);
  // h''' + h' = (h'' + h)': the total variation of h'' + h, whose k = 1 mode cancels.
  const residualL1 = totalVariation(second(a, b, true), third(a, b, true), modes);
  const fourier = certify(b1, hPrime0, S, S0);
  const l1 = certify(b1, hPrime0, (3 / (4 * Math.PI)) * residualL1, residualL1 / (4 * Math.PI));
  return {
    b1,
    hPrime0,
    S,
    S0,
    tripleL1,
    residualL1,
    synchronizes: fourier.ok,
    synchronizesL1: l1.ok,
    rMin: fourier.rMin,
    arc: fourier.arc,
  };
}
