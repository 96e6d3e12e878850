// Over-relaxed Sinkhorn: f <- f + omega (T(g) - f), g <- g + omega (T(f) - g) with omega in [1, 2).
// Near the solution Sinkhorn is a linear 2-cyclic iteration with rate theta = eta^2 (eta the
// second singular value of the normalised kernel); Young's SOR theory then gives the optimal
// omega* = 2 / (1 + sqrt(1 - theta)) and the rate omega* - 1: iterations fall from ~1/(1 - theta)
// to ~1/sqrt(1 - theta). theta is read off the plain iteration's error decay (as Lehmann, von
// Renesse, Sambale and Uschmajew 2021, and OTT-JAX's adaptive momentum do), then refined from the
// accelerated decay lambda through Young's relation (lambda + omega - 1)^2 = lambda omega^2 theta.
// Every decision depends only on the sequence of errors: the run is deterministic.
import { choleskyInPlace, choleskySolveInPlace } from '../linalg.js';

/** How Sinkhorn's balanced iteration is accelerated: see SinkhornOptions.acceleration. */
export type Acceleration = 'anderson' | 'overrelaxation' | false;

/** Anderson's safeguard: an error above this multiple of the best so far restarts Anderson from a plain step. */
export const ANDERSON_GUARD = 10;
/** Iterations without a new best error before Anderson restarts (it can stall away from the fixed point). */
export const ANDERSON_PATIENCE = 25;
/** Restarts after which the solve finishes with plain Sinkhorn (globally convergent). */
export const ANDERSON_RESTARTS = 8;

/**
 * The safeguard of Anderson-accelerated Sinkhorn, deterministic in the sequence of errors: 'accelerate' while the
 * error keeps making progress; 'restart' (forget the history, take the plain step) when the error exceeds
 * ANDERSON_GUARD times the best so far or has made no new best for ANDERSON_PATIENCE iterations; 'plain' (for
 * good) after ANDERSON_RESTARTS restarts.
 */
export class AndersonGuard {
  private best = Infinity;
  private since = 0;
  private restarts = 0;

  update(err: number): 'accelerate' | 'restart' | 'plain' {
    if (err < this.best) {
      this.best = err;
      this.since = 0;
    } else this.since++;
    if (!(err <= ANDERSON_GUARD * this.best) || this.since >= ANDERSON_PATIENCE) {
      this.restarts++;
      this.since = 0;
      this.best = err;
      return this.restarts > ANDERSON_RESTARTS ? 'plain' : 'restart';
    }
    return 'accelerate';
  }
}

/** Plain iterations at the final eps before the first estimate of theta. */
export const OVERRELAX_START = 16;
/** Iterations per window over which decay rates are measured (all at one omega). */
export const OVERRELAX_WINDOW = 16;
/** Iterations skipped after omega changes, before a new window starts: the error metric jumps with omega. */
const SETTLE = 2;
/** Largest omega used: beyond it a misestimated theta costs more than it can gain. */
export const OMEGA_MAX = 1.98;

/** omega* = 2 / (1 + sqrt(1 - theta)) for a plain rate theta in [0, 1), capped at OMEGA_MAX. */
export function optimalOmega(theta: number): number {
  if (!(theta > 0)) return 1;
  if (!(theta < 1)) return OMEGA_MAX;
  return Math.min(OMEGA_MAX, 2 / (1 + Math.sqrt(1 - theta)));
}

/**
 * The relaxation parameter of one solve. omega is 1 until OVERRELAX_START iterations have measured the plain
 * rate theta; then omega*(theta). The error's decay lambda is measured over windows of OVERRELAX_WINDOW
 * iterations at one omega (the error metric jumps when omega changes, so a window starts SETTLE iterations after
 * a change). A decay slower than omega - 1 means theta was underestimated (early iterations decay faster than
 * the asymptotic rate): theta is raised to what Young's relation infers from lambda. An error that grows over a
 * window halves omega - 1 and caps omega there (a safeguard far from the solution).
 */
export class Relaxation {
  /** The omega to use for the next iteration. */
  omega = 1;
  private theta = 0;
  private cap = OMEGA_MAX;
  private markErr = Infinity;
  private markIt = 0;
  /** adaptive = false: omega stays 1 (plain Sinkhorn). */
  constructor(private readonly adaptive: boolean) {}

  /** Records the error after iteration `it` (counting from 1 at the final eps). */
  update(err: number, it: number): void {
    if (!this.adaptive || !(err > 0) || !Number.isFinite(err)) return;
    if (this.markErr === Infinity) {
      // The first error of a window (after SETTLE iterations when omega just changed).
      if (it >= this.markIt) {
        this.markErr = err;
        this.markIt = it;
      }
      return;
    }
    const span = it - this.markIt;
    if (span < OVERRELAX_WINDOW || it < OVERRELAX_START) return;
    const lambda = Math.pow(err / this.markErr, 1 / span);
    const w = this.omega;
    let next = w;
    if (!(lambda < 1)) {
      if (w !== 1) {
        next = 1 + (w - 1) / 2;
        this.cap = next;
      }
    } else {
      // Young: (lambda + w - 1)^2 = lambda w^2 theta (w = 1: theta = lambda). Trusted when the decay is slower than
      // w - 1 (a real eigenvalue); a faster decay means w >= omega*, and w is kept.
      const theta = w === 1 ? lambda : lambda > w - 1 ? (lambda + w - 1) ** 2 / (lambda * w * w) : 0;
      if (theta > this.theta) {
        this.theta = Math.min(theta, 1);
        next = Math.min(this.cap, optimalOmega(this.theta));
      }
    }
    if (next !== w) {
      this.omega = next;
      this.markIt = it + SETTLE;
      this.markErr = Infinity;
    } else {
      this.markErr = err;
      this.markIt = it;
    }
  }
}

/** Iterates Anderson acceleration mixes (its memory). */
export const ANDERSON_MEMORY = 5;
/** Relative Tikhonov regularisation of Anderson's least squares (times the trace of its Gram matrix). */
const ANDERSON_REG = 1e-10;

/**
 * Anderson acceleration (type II, memory M) of the fixed point f = F(f), where F(f) = T_f(T_g(f)) is one Sinkhorn
 * iteration (Walker and Ni 2011; for Sinkhorn, Chizat 2020 and OTT-JAX). With residuals r_j = F(f_j) - f_j of the
 * last M + 1 iterates, the next iterate is F(f_k) - sum_j gamma_j (F(f_{j+1}) - F(f_j)), gamma minimising
 * |r_k - sum_j gamma_j (r_{j+1} - r_j)| in the a-weighted norm (normal equations with Tikhonov regularisation,
 * Cholesky). The fixed point is Sinkhorn's: only the path to it changes. Buffers are allocated once per solve.
 */
export class Anderson {
  private readonly F: Float64Array[];
  private readonly R: Float64Array[];
  /** Entries held (<= M + 1), and the ring position of the oldest. */
  private count = 0;
  private first = 0;
  private readonly gram: Float64Array;
  private readonly rhs: Float64Array;
  private readonly gamma: Float64Array;

  constructor(
    n: number,
    private readonly M = ANDERSON_MEMORY,
  ) {
    this.F = Array.from({ length: M + 1 }, () => new Float64Array(n));
    this.R = Array.from({ length: M + 1 }, () => new Float64Array(n));
    this.gram = new Float64Array(M * M);
    this.rhs = new Float64Array(M);
    this.gamma = new Float64Array(M);
  }

  /** Forgets the history (the next step is a plain Sinkhorn step). */
  reset(): void {
    this.count = 0;
    this.first = 0;
  }

  /** Given f and F(f), writes the next iterate into f; w weights the least squares (the marginal a). */
  step(f: Float64Array, Ff: Float64Array, w: Float64Array): void {
    const n = f.length,
      M = this.M;
    const slot = (this.first + this.count) % (M + 1);
    if (this.count === M + 1) this.first = (this.first + 1) % (M + 1);
    else this.count++;
    const Fs = this.F[slot],
      Rs = this.R[slot];
    for (let i = 0; i < n; i++) {
      Fs[i] = Ff[i];
      Rs[i] = Ff[i] - f[i];
    }
    const k = this.count - 1;
    if (k > 0 && this.solve(k, w)) {
      // f = F_k - sum_j gamma_j (F_{j+1} - F_j)
      f.set(Fs);
      for (let j = 0; j < k; j++) {
        const g = this.gamma[j];
        const F1 = this.F[(this.first + j + 1) % (M + 1)],
          F0 = this.F[(this.first + j) % (M + 1)];
        for (let i = 0; i < n; i++) f[i] -= g * (F1[i] - F0[i]);
      }
    } else f.set(Ff);
  }

  /** gamma (first k entries) from the normal equations of the residual differences; false if singular. */
  private solve(k: number, w: Float64Array): boolean {
    const M = this.M,
      n = w.length;
    const R = (j: number) => this.R[(this.first + j) % (M + 1)];
    const r = R(k);
    const { gram: A, rhs, gamma } = this;
    for (let p = 0; p < k; p++) {
      const p1 = R(p + 1),
        p0 = R(p);
      for (let q = 0; q <= p; q++) {
        const q1 = R(q + 1),
          q0 = R(q);
        let s = 0;
        for (let i = 0; i < n; i++) if (w[i] > 0) s += w[i] * (p1[i] - p0[i]) * (q1[i] - q0[i]);
        A[p * k + q] = s;
        A[q * k + p] = s;
      }
      let s = 0;
      for (let i = 0; i < n; i++) if (w[i] > 0) s += w[i] * (p1[i] - p0[i]) * r[i];
      rhs[p] = s;
    }
    let trace = 0;
    for (let p = 0; p < k; p++) trace += A[p * k + p];
    if (!(trace > 0) || !Number.isFinite(trace)) return false;
    for (let p = 0; p < k; p++) A[p * k + p] += ANDERSON_REG * trace;
    if (!choleskyInPlace(A, k)) return false;
    gamma.set(rhs.subarray(0, k));
    choleskySolveInPlace(A, k, gamma);
    for (let i = 0; i < k; i++) if (!Number.isFinite(gamma[i])) return false;
    return true;
  }
}
