// The Sinkhorn iteration itself: eps-scaling, the accelerated loop at eps (Anderson or over-relaxation), the
// f32 phase of 'mixed', optional truncated (block-sparse) passes, and the result with its plan.
import type { BlockMask } from '../backend/index.js';
import { InvalidArgumentError, NonFiniteError } from '../errors.js';
import { aborted, damp, damping, f32ReachWarning, mixedSwitchTol, PhasedStep, rowMarginalError, Stagnation, unbalancedDual, type OTPair } from './common.js';
import { selfTransport } from './self.js';
import { Anderson, AndersonGuard, Relaxation } from './accelerate.js';
import { NEWTON_AFTER, NEWTON_START, newtonFits, newtonPolish } from './newton.js';
import type { CheckedOptions, SinkhornResult } from './sinkhorn.js';
import type { Clusters, Side, Truncation } from './truncate.js';

/** Largest n * m that plan() materialises. */
export const PLAN_LIMIT = 1e7;

/** A truncated solve's context: the pair is in cluster order; side() gives a half-step's view of one cloud. */
export interface TruncationContext {
  cx: Clusters;
  cy: Clusters;
  trunc: Truncation;
  side(which: 'x' | 'y', pot: Float64Array): Side;
}

/**
 * The solve, plus what the divergence's gradient needs: the plan's row sums r_i and the row
 * means of (y, |y|^2) in centred coordinates ((d + 1) per row).
 */
export function solve(p: OTPair, o: CheckedOptions, t?: TruncationContext): { result: SinkhornResult; rowSums: Float64Array; rowMeans: Float64Array; belowReach: boolean } {
  const { n, m, d, x, y, a, b, la, lb } = p;
  const phased = new PhasedStep(o, o.mixed, Math.max(o.tol, mixedSwitchTol(o.diameter2, o.eps)));
  const step = phased.step;
  const phase = (q: Float64Array, nq: number, k: Float64Array, nk: number, lw: Float64Array, pot: Float64Array, e: number, out: Float64Array, mask: BlockMask | null): void =>
    phased.run(q, nq, k, nk, d, lw, pot, e, out, null, null, 0, mask);
  // With truncation, each half-step streams only the blocks its bound keeps; rowPot is the queries' current
  // potential (the bound's proxy for out), copied when out overwrites it.
  const rowCopy = { x: new Float64Array(t === undefined ? 0 : n), y: new Float64Array(t === undefined ? 0 : m) };
  const pass = (q: Float64Array, nq: number, k: Float64Array, nk: number, lw: Float64Array, pot: Float64Array, e: number, out: Float64Array, rowPot: Float64Array): void => {
    if (t === undefined) return phase(q, nq, k, nk, lw, pot, e, out, null);
    const qx = q === x;
    const own = qx ? rowCopy.x : rowCopy.y;
    own.set(rowPot);
    const qs = t.side(qx ? 'x' : 'y', own), ks = t.side(qx ? 'y' : 'x', pot);
    t.trunc.halfStep(qx ? 'f' : 'g', qs, ks, e, out, (mask) => phase(q, nq, k, nk, lw, pot, e, out, mask));
  };
  const rho = o.reach;
  const kappa = (e: number) => damping(e, rho);
  let f: Float64Array = new Float64Array(n), g: Float64Array = new Float64Array(m), fNext: Float64Array = new Float64Array(n);
  let gNext: Float64Array = new Float64Array(m);
  if (o.warmStart?.g !== undefined) g = o.warmStart.g.slice();
  if (o.warmStart?.f !== undefined) {
    f = o.warmStart.f.slice();
    if (o.warmStart.g === undefined) { pass(y, m, x, n, la, f, o.schedule[0], g, g); damp(g, kappa(o.schedule[0])); }
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
  let stagnated = false;
  let newtonSteps = 0;
  if (p.same) {
    // Alternating updates crawl on self-transport; the symmetric averaged iteration does not.
    const s = selfTransport(x, a, la, n, d, o, t === undefined ? undefined : { clusters: t.cx, trunc: t.trunc, init: o.warmStart?.f });
    f = s.f;
    g = s.f.slice();
    err = s.marginalError;
    it = s.iterations;
    stopped = s.aborted === true;
    stagnated = s.stagnated;
  } else {
    // Annealing: one iteration per stage (skipped on a warm start), then iterate at eps.
    if (!warm || o.annealWarm === true) {
      for (const e of o.schedule.slice(0, -1)) {
        if (aborted(o.signal)) { stopped = true; break; }
        pass(x, n, y, m, lb, g, e, f, f);
        damp(f, kappa(e));
        pass(y, m, x, n, la, f, e, g, g);
        damp(g, kappa(e));
        passes += 2;
        o.progress?.('annealing', passes / 2, e, NaN);
      }
    }
    const k = kappa(eps);
    pass(x, n, y, m, lb, g, eps, f, f);
    damp(f, k);
    const balanced = rho === undefined;
    const relax = new Relaxation(balanced && o.acceleration === 'overrelaxation');
    let anderson = balanced && o.acceleration === 'anderson' ? new Anderson(n) : null;
    const guard = new AndersonGuard();
    // With the default acceleration, small balanced f64 problems still iterating after NEWTON_AFTER iterations are
    // polished by Newton's method (once; on failure the iteration goes on from where it was).
    let newton = anderson !== null && !f32 && t === undefined && newtonFits(p);
    // The best iterate so far: Anderson's path is not monotone, and Newton needs a start near the solution.
    const best = { err: Infinity, f: new Float64Array(newton ? n : 0) };
    // Every exit is taken after the error check and before the update, so that (f, g, fNext) is always one
    // consistent iterate: the one the error was measured on and the result is assembled from.
    stopped = aborted(o.signal);
    while (!stopped) {
      pass(y, m, x, n, la, f, eps, gNext, g);   // gNext = T(f): the columns of P(f, gNext) are exact
      const w = relax.omega;
      let colErr = 0;
      if (rho !== undefined) { damp(gNext, k); [g, gNext] = [gNext, g]; translate(a, f, b, g, eps, rho); }
      else if (w === 1) [g, gNext] = [gNext, g];
      else colErr = relaxInto(g, gNext, w, b, eps);   // g += w (T(f) - g); colErr: the columns of P(f, g)
      pass(x, n, y, m, lb, g, eps, fNext, f);   // rows of P(f, g) are a_i exp((f_i - fNext_i)/eps) (before damping)
      damp(fNext, k);
      it++;
      err = rowMarginalError(a, f, fNext, eps, rho) + colErr;
      o.progress?.('iterating', it + passes / 2, eps, err);
      // 'mixed': the f32 phase ends near f32's floor (or on stagnation); the f64 polish continues from here.
      if (phased.converging(err, it) && err <= target) break;
      if (stagnation.update(err, it)) { stagnated = true; break; }
      if (it >= o.maxIter) break;
      if (aborted(o.signal)) { stopped = true; break; }
      if (newton && phased.f64 && err < best.err) { best.err = err; best.f.set(f); }
      if (newton && it >= NEWTON_AFTER && best.err <= NEWTON_START) {
        newton = false;
        const progress = o.progress;
        const report = progress && ((k: number, e: number) => progress('newton', k, eps, e));
        f.set(best.f);
        newtonSteps = newtonPolish(p, eps, f, g, target, report)?.steps ?? 0;
        // The next iteration measures the polished potentials (or the best iterate, if no Newton step was
        // accepted) as every other iterate; Anderson's history belongs to the path left behind.
        anderson?.reset();
        continue;
      }
      relax.update(err, it);
      if (anderson !== null) {
        const verdict = guard.update(err);
        if (verdict === 'plain') anderson = null;
        if (verdict !== 'accelerate') { anderson?.reset(); [f, fNext] = [fNext, f]; }
        else anderson!.step(f, fNext, a);
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
  const valuePass = (mask: BlockMask | null) => step.run(x, n, y, m, d, lb, g, eps, fNext, values, mean, d + 1, mask);
  if (t === undefined) valuePass(null);
  else t.trunc.halfStep('f', t.side('x', f), t.side('y', g), eps, fNext, valuePass);
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
    const logR = rowSums.map(Math.log);
    const colPass = (mask: BlockMask | null) => step.run(y, m, x, n, d, logR, fNext, eps, h, null, null, 0, mask);
    if (t === undefined) colPass(null);
    else t.trunc.halfStep('col', t.side('y', g), { x, clusters: t.cx, pot: fNext, logWeight: logR, weight: rowSums }, eps, h, colPass);
    for (let j = 0; j < m; j++) colErr += Math.abs((b[j] > 0 ? b[j] * Math.exp((g[j] - h[j]) / eps) : 0) - colTarget[j]);
  }
  const marginalError = rowErr + colErr;
  if (!Number.isFinite(objective) || !Number.isFinite(cost) || !Number.isFinite(marginalError)) {
    throw new NonFiniteError(`sinkhorn: non-finite result (value ${objective}, cost ${cost}, marginal error ${marginalError}) at eps = ${eps} for a squared diameter ${p.diameter2}; rescale the points or raise eps`);
  }
  const converged = !stopped && marginalError <= o.tol;
  const result: SinkhornResult = {
    value: objective, cost, f: F, g: G, iterations: it + passes / 2, marginalError, converged, eps,
    ...(newtonSteps > 0 ? { newtonSteps } : {}),
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
    result.warning = `the iteration reached tol = ${o.tol.toExponential()} but the plan's marginal error is ${marginalError.toExponential(2)} (rounding at eps / squared diameter = ${(eps / p.diameter2).toExponential(1)}); raise eps or tol`;
  } else if (!converged) {
    result.warning = `Sinkhorn did not reach tol = ${o.tol.toExponential()} within maxIter = ${o.maxIter} iterations (marginal error ${marginalError.toExponential(2)}); raise maxIter or eps`;
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


export function dot(u: Float64Array, v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < u.length; i++) if (u[i] !== 0) s += u[i] * v[i];
  return s;
}
