// Newton's method on the Sinkhorn dual, for small balanced problems where the alternating iteration crawls.
//
// At small eps the plan of two discrete measures nearly splits into blocks (3 points of a carrying exactly the
// mass of 2 points of b, when n : m = 3 : 2 with uniform weights), and mass moves between blocks at the rate of
// their coupling: the second singular value of the normalised plan is 1 - 1e-6 to 1 - 1e-12 (measured on
// 300 x 200 Gaussian clouds at eps = 0.01), so plain Sinkhorn needs ~1e6 iterations per digit and Anderson
// acceleration stalls. Newton's method sees the whole Hessian, the plan's graph Laplacian, and solves it directly:
// from an iterate with marginal error 1e-4 it reaches 1e-14 in a handful of steps (Brauer, Clason, Lorenz and
// Wirth 2017 solve the same system by CG; a direct factorisation handles the extreme conditioning).
//
// Semi-dual on the smaller side u (length p, weights alpha), the other side v = T(u) (length q, weights beta):
//   J(u) = <alpha, u> + <beta, v(u)>,  v_j = -eps log sum_i alpha_i e^{(u_i - C_ij)/eps},
// concave; the columns of P_ij = alpha_i beta_j e^{(u_i + v_j - C_ij)/eps} are exact and its row sums r give
// grad J = alpha - r and -eps Hess J = H = diag(r) - P diag(1/beta) P^T (positive semi-definite, H 1 = 0).
import { choleskyInPlace, choleskySolveInPlace } from '../linalg.js';
import type { OTPair } from './types.js';

/** Largest n * m the Newton polish runs on (its plan is stored: 8 bytes an entry). */
export const NEWTON_PAIRS = 250_000;
/** Largest smaller side (its Hessian is stored and factorised: side² entries, side³/3 operations). */
export const NEWTON_SIDE = 400;
/** Iterations at the final eps after which a small problem that has not converged is handed to Newton. */
export const NEWTON_AFTER = 100;
/**
 * Newton starts from the best iterate once its marginal error is below this: from a cold start Newton's method
 * can take 60 steps without converging on 300 x 200 points, from an error of 1e-2 it converges in 9 to 16.
 */
export const NEWTON_START = 1e-2;
/** Newton steps before the polish gives up (near the solution each one squares the error). */
const NEWTON_STEPS = 50;
/** The largest move of a potential in one Newton step, in units of eps (the plan's entries change by e^{move/eps}). */
const NEWTON_REACH = 4;

/** True when the problem is small enough for newtonPolish. */
export function newtonFits(p: OTPair): boolean {
  return p.n * p.m <= NEWTON_PAIRS && Math.min(p.n, p.m) <= NEWTON_SIDE;
}

/**
 * Polishes balanced potentials (from f on a's points; g is only written) by Newton's method on the semi-dual of the
 * smaller side, until the L1 marginal error of the plan is below target or no step makes progress. Writes the result
 * into f and g (the other side recomputed exactly from the polished one) and returns the error reached and the
 * steps taken, or null (f and g untouched) when no step was accepted. onStep(k, err) follows each accepted step. Deterministic: it
 * depends only on its inputs.
 */
export function newtonPolish(
  pair: OTPair,
  eps: number,
  f: Float64Array,
  g: Float64Array,
  target: number,
  onStep?: (step: number, marginalError: number) => void,
): { marginalError: number; steps: number } | null {
  const onA = pair.n <= pair.m;
  const p = onA ? pair.n : pair.m,
    q = onA ? pair.m : pair.n,
    d = pair.d;
  const X = onA ? pair.x : pair.y,
    Y = onA ? pair.y : pair.x;
  const alpha = onA ? pair.a : pair.b,
    beta = onA ? pair.b : pair.a;
  const la = onA ? pair.la : pair.lb,
    lb = onA ? pair.lb : pair.la;
  // Costs scaled by 1/eps, once.
  const C = new Float64Array(p * q);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < q; j++) {
      let s = 0;
      for (let c = 0; c < d; c++) {
        const t = X[i * d + c] - Y[j * d + c];
        s += t * t;
      }
      C[i * q + j] = s / eps;
    }
  }
  // The start: f itself, or (Newton on b's side) its c-transform g = T(f), the g whose columns f's rows meet.
  const u = new Float64Array(p);
  if (onA) u.set(f);
  else {
    for (let j = 0; j < p; j++) {
      let top = -Infinity;
      for (let i = 0; i < q; i++) if (beta[i] > 0) top = Math.max(top, lb[i] + f[i] / eps - C[j * q + i]);
      let s = 0;
      for (let i = 0; i < q; i++) if (beta[i] > 0) s += Math.exp(lb[i] + f[i] / eps - C[j * q + i] - top);
      u[j] = -eps * (top + Math.log(s));
    }
  }
  const v = new Float64Array(q),
    P = new Float64Array(p * q),
    r = new Float64Array(p);
  const grounded = new Uint8Array(p),
    Q = new Float64Array(p * q);
  const H = new Float64Array(p * p),
    grad = new Float64Array(p),
    step = new Float64Array(p),
    trial = new Float64Array(p);

  /** v <- T(u), P and its row sums r; returns (J(u), the L1 error of the rows). */
  const evaluate = (w: Float64Array): [number, number] => {
    for (let j = 0; j < q; j++) {
      let top = -Infinity;
      for (let i = 0; i < p; i++) if (alpha[i] > 0) top = Math.max(top, la[i] + w[i] / eps - C[i * q + j]);
      let s = 0;
      for (let i = 0; i < p; i++) if (alpha[i] > 0) s += Math.exp(la[i] + w[i] / eps - C[i * q + j] - top);
      v[j] = -eps * (top + Math.log(s));
    }
    let J = 0,
      err = 0;
    for (let i = 0; i < p; i++) {
      let ri = 0;
      for (let j = 0; j < q; j++) {
        const e = alpha[i] > 0 && beta[j] > 0 ? Math.exp(la[i] + lb[j] + (w[i] + v[j]) / eps - C[i * q + j]) : 0;
        P[i * q + j] = e;
        ri += e;
      }
      r[i] = ri;
      if (alpha[i] > 0) J += alpha[i] * w[i];
      err += Math.abs(ri - alpha[i]);
    }
    for (let j = 0; j < q; j++) if (beta[j] > 0) J += beta[j] * v[j];
    return [J, err];
  };

  let [J, err] = evaluate(u);
  let accepted = 0;
  for (let k = 0; k < NEWTON_STEPS && err > target; k++) {
    // H = diag(r) - W with W = P diag(1/beta) P^T: since the columns of P are exact, each row of H sums to 0,
    // so its diagonal is formed as the sum of the row's off-diagonal weights. That graph Laplacian keeps its tiny
    // eigenvalues (the weak couplings between blocks) to full relative accuracy, where diag(r) - W would cancel
    // them away.
    laplacian(P, beta, p, q, Q, H);
    for (let i = 0; i < p; i++) grad[i] = alpha[i] - r[i];
    // The constant is free (J(u + c) = J(u)): pin the most connected node at 0, so that rounding never adds a
    // large constant to u (which would cost its digits); elimination grounds any other component by itself.
    let pin = 0;
    for (let i = 1; i < p; i++) if (H[i * p + i] > H[pin * p + pin]) pin = i;
    for (let i = 0; i < p; i++) {
      for (let l = 0; l < i; l++) if (i === pin || l === pin) H[i * p + l] = 0;
      if (i === pin) H[i * p + i] = 1;
    }
    if (!choleskyInPlace(H, p, grounded)) break;
    for (let i = 0; i < p; i++) step[i] = i === pin ? 0 : eps * grad[i];
    choleskySolveInPlace(H, p, step, grounded);
    // A trust region in the sup norm: no potential moves by more than NEWTON_REACH eps in one step (each entry of
    // the step is clipped). Along weakly coupled modes the quadratic model asks for huge moves (a row whose columns
    // no other row shares has H_ii ~ 0: steps of 1e25 were seen), where the plan only changes by e^{move/eps};
    // clipping keeps the well-modelled entries whole, where scaling the step would shrink them all.
    const reach = NEWTON_REACH * eps;
    let slope = 0;
    for (let i = 0; i < p; i++) {
      step[i] = Math.max(-reach, Math.min(reach, step[i]));
      slope += grad[i] * step[i];
    }
    let t = 1,
      done = false;
    for (let half = 0; half < 40 && !done; half++, t /= 2) {
      for (let i = 0; i < p; i++) trial[i] = u[i] + t * step[i];
      const [Jt, et] = evaluate(trial);
      // Armijo on J; near the solution J's increments fall below its rounding, and the marginal error, which
      // Newton drives down quadratically, decides.
      if (Number.isFinite(Jt) && (Jt >= J + 1e-4 * t * slope || et < err)) {
        u.set(trial);
        J = Jt;
        err = et;
        done = true;
      }
    }
    if (!done) break;
    accepted++;
    onStep?.(accepted, err);
  }
  if (accepted === 0) return null;
  evaluate(u); // v = T(u) for the accepted u
  if (onA) {
    f.set(u);
    g.set(v);
  } else {
    g.set(u);
    f.set(v);
  }
  return { marginalError: err, steps: accepted };
}

/**
 * H <- the graph Laplacian diag(W 1) - W of W = P diag(1/beta) P^T (p x p, from the p x q plan P), each diagonal
 * entry the sum of its row's off-diagonal weights. Q is p x q scratch (P scaled by beta^{-1/2} per column).
 */
function laplacian(P: Float64Array, beta: Float64Array, p: number, q: number, Q: Float64Array, H: Float64Array): void {
  for (let j = 0; j < q; j++) {
    const s = beta[j] > 0 ? 1 / Math.sqrt(beta[j]) : 0;
    for (let i = 0; i < p; i++) Q[i * q + j] = P[i * q + j] * s;
  }
  H.fill(0);
  for (let i = 0; i < p; i++) {
    const oi = i * q;
    for (let l = 0; l < i; l++) {
      const ol = l * q;
      let s = 0;
      for (let j = 0; j < q; j++) s += Q[oi + j] * Q[ol + j];
      H[i * p + l] = -s;
      H[i * p + i] += s;
      H[l * p + l] += s;
    }
  }
}
