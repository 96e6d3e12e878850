// The cases of `npm run bench:scale` (bench/scale.ts runs each in its own child process, so that its peak RSS is its
// own) and the kept fractions they are compared with.
//
// Attention: n tokens uniform on S², softmax, f32, one velocity evaluation with `truncate: false` (every pair) or
// `truncate: tau`. A key is negligible for a row when its weight e^{beta (<x_i, x_j> - 1)} relative to the row's own
// key is below e^{-tau²}, i.e. outside the cap 1 - <x_i, x_j> <= tau²/beta; on S² that cap holds the fraction
// tau²/(2 beta) of uniform tokens, exactly (a cap's area is 2π(1 - cos θ), of 4π).
//
// Sinkhorn: x uniform in [0, 1)³ against y ~ N(0.5, 0.25² I) (as bench/large.ts), f64 (the default precision: f32
// refuses eps = 1e-4 at n = 1e4, its rounding of the scores too coarse), time per iteration at the final eps.
// Row i of the plan lives within tau√eps of its transport image T(x_i); the fraction of the target's mass in that
// ball, averaged over the rows, is E_x q(B(T(x), r)) = P(|Y - Y'| <= r) for Y, Y' iid ~ q (T pushes the source onto
// q), and Y - Y' ~ N(0, 2σ² I): the chi distribution with 3 degrees of freedom at s = r / (σ√2),
// P = erf(s/√2) - √(2/π) s e^{-s²/2}. For r << σ it is the small-ball (4π/3) r³ (4πσ²)^{-3/2}.
import { attention, init, Measure, sinkhorn } from '../src/index.js';
import { AttentionTruncation } from '../src/flows/attention-truncate.js';
import { backendFor } from '../src/backend/index.js';

export type ScaleMethod = 'dense' | 'truncated';

export interface ScaleCase {
  kind: 'attention' | 'sinkhorn';
  /** Which sweep the case belongs to: against n, beta (attention) or eps (Sinkhorn). */
  sweep: 'n' | 'beta' | 'eps';
  method: ScaleMethod;
  n: number;
  /** Attention's beta. */
  beta?: number;
  /** Sinkhorn's eps. */
  eps?: number;
  tau: number;
  threads: number;
  /** Sinkhorn: iterations at the final eps (maxIter), the first one excluded from the timing. */
  iterations?: number;
}

export interface ScaleRow extends ScaleCase {
  /** Seconds per velocity evaluation (attention, warm: the tree reused) or per Sinkhorn iteration at the final eps. */
  seconds: number;
  /** Attention: the first evaluation on a fresh flow (truncated: the tree build included, the cost of one Euler step). */
  firstSeconds?: number;
  /** Pairs streamed / n² (attention: the last evaluation; Sinkhorn: SinkhornResult.keptFraction, over the whole solve). */
  keptFraction: number;
  predictedFraction: number;
  /** Peak resident set of the child process (MiB); null when extrapolated. */
  peakRssMiB: number | null;
  /** True when the time is extrapolated (dense beyond its size limit), not measured. */
  extrapolated: boolean;
  /** Sinkhorn: the L1 marginal error after the timed iterations (finite: the run did not break down). */
  marginalError?: number;
}

/** The fraction of S² within the cap 1 - cos θ <= tau²/beta: tau²/(2 beta), capped at 1. */
export function predictedAttentionFraction(tau: number, beta: number): number {
  return Math.min(1, (tau * tau) / (2 * beta));
}

/** Standard deviation of the Gaussian target cloud, and its mean (every coordinate). */
export const TARGET_STD = 0.25;
export const TARGET_MEAN = 0.5;

/** erf, Abramowitz & Stegun 7.1.26 is too coarse here: the series / continued fraction of erfc, to ~1e-14. */
export function erf(x: number): number {
  if (x < 0) return -erf(-x);
  if (x < 2.5) {
    // Maclaurin series: erf x = 2/√π Σ (-1)^k x^{2k+1} / (k! (2k+1)).
    let term = x,
      sum = x;
    for (let k = 1; k < 200; k++) {
      term *= (-x * x) / k;
      const add = term / (2 * k + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  // Continued fraction (Lentz) of erfc for large x.
  let f = x,
    c = x,
    dd = 0;
  for (let k = 1; k < 200; k++) {
    const a = k / 2;
    dd = 1 / (x + a * dd);
    c = x + a / c;
    const delta = c * dd;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return 1 - Math.exp(-x * x) / (Math.sqrt(Math.PI) * f);
}

/** P(|Y - Y'| <= tau√eps) for Y, Y' iid N(0, sigma² I₃): the ball of radius tau√eps around the image, under q. */
export function predictedSinkhornFraction(tau: number, eps: number, sigma = TARGET_STD): number {
  const s = (tau * Math.sqrt(eps)) / (sigma * Math.SQRT2);
  return erf(s / Math.SQRT2) - Math.sqrt(2 / Math.PI) * s * Math.exp((-s * s) / 2);
}

const seconds = (fn: () => void): number => {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
};

const peakRssMiB = () => process.resourceUsage().maxRSS / 1024;

/** One attention case: a first and a warm (median of three) velocity evaluation, and the pairs kept. */
function attentionCase(c: ScaleCase): ScaleRow {
  const beta = c.beta!;
  const x = Measure.uniformSphere(c.n, 3, { seed: 1 }).points;
  const w = new Float64Array(c.n).fill(1 / c.n);
  const v = new Float64Array(3 * c.n);
  const flow = attention({ beta, truncate: c.method === 'dense' ? false : c.tau });
  const firstSeconds = seconds(() => flow.velocity(x, w, 3, v, { precision: 'f32' }));
  // Warm evaluations: the median of three; one beyond n = 1e5 (each takes seconds). Dense costs the same at every
  // call: beyond n = 3e4 its first call is its time.
  const repeats = c.method === 'dense' && c.n > 3e4 ? 0 : c.n > 1e5 ? 1 : 3;
  const warm: number[] = [];
  for (let k = 0; k < repeats; k++) warm.push(seconds(() => flow.velocity(x, w, 3, v, { precision: 'f32' })));
  if (!v.every(Number.isFinite)) throw new Error(`non-finite velocity at n = ${c.n}`);
  let keptFraction = 1;
  if (c.method === 'truncated') {
    // The pairs kept, from the same truncation on the same points (what scale-attention.ts reports).
    const t = new AttentionTruncation(c.tau);
    const h = w.map(Math.log);
    t.reduce(backendFor(undefined, 'bench'), x, x, x, h, c.n, 3, beta, 'f32', new Float64Array(c.n), new Float64Array(3 * c.n));
    keptFraction = t.kept / t.total;
  }
  return {
    ...c,
    seconds: repeats === 0 ? firstSeconds : warm.sort((a, b) => a - b)[Math.floor(repeats / 2)],
    firstSeconds,
    keptFraction,
    predictedFraction: predictedAttentionFraction(c.tau, beta),
    peakRssMiB: peakRssMiB(),
    extrapolated: false,
  };
}

/** One Sinkhorn case: c.iterations at the final eps, timed from the 'iterating' progress reports after the first. */
function sinkhornCase(c: ScaleCase): ScaleRow {
  const eps = c.eps!;
  const x = Measure.uniformBox(c.n, 3, { seed: 1 });
  const y = Measure.gaussian(c.n, 3, { seed: 2, mean: TARGET_MEAN, std: TARGET_STD });
  const stamps: number[] = [];
  const r = sinkhorn(x, y, {
    eps,
    precision: 'f64',
    truncate: c.method === 'dense' ? false : c.tau,
    // Dense starts at eps (its cost per iteration does not depend on the iterate); truncated keeps its own start.
    ...(c.method === 'dense' ? { scaling: false as const } : {}),
    // Far below what these few iterations reach: exactly maxIter iterations run, whatever the case (the work is fixed).
    tol: 1e-9,
    maxIter: c.iterations,
    onProgress: (p) => {
      if (p.stage === 'iterating') stamps.push(p.elapsedMs);
    },
  });
  if (stamps.length < 2) throw new Error(`Sinkhorn at n = ${c.n}, eps = ${eps} ended after ${stamps.length} iterations at eps`);
  if (!Number.isFinite(r.value)) throw new Error(`non-finite Sinkhorn value at n = ${c.n}, eps = ${eps}`);
  return {
    ...c,
    seconds: (stamps[stamps.length - 1] - stamps[0]) / 1000 / (stamps.length - 1),
    keptFraction: r.keptFraction ?? 1,
    predictedFraction: predictedSinkhornFraction(c.tau, eps),
    peakRssMiB: peakRssMiB(),
    extrapolated: false,
    marginalError: r.marginalError,
  };
}

/** Runs one case in this process (bench/scale.ts calls it in a child). */
export async function runCase(c: ScaleCase): Promise<ScaleRow> {
  await init({ threads: c.threads });
  return c.kind === 'attention' ? attentionCase(c) : sinkhornCase(c);
}
