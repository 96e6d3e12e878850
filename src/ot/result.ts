// The results of the Sinkhorn solves, assembled in one place from the iterate a run of the shell left: the value
// and the cost (one more kernel pass, with values), the gauge, the plan's rows, its marginal error, the warnings;
// and, for the divergence's gradient, the plan's row sums and row means.
import type { BlockMask } from '../backend/index.js';
import { InvalidArgumentError, NonFiniteError } from '../errors.js';
import { f32ReachWarning, massOf, unbalancedDual, type HalfStep } from './common.js';
import type { ShellRun } from './shell.js';
import type { TruncationContext } from './truncate.js';
import type { CheckedOptions, OTPair, SelfTransport, SinkhornResult } from './types.js';

/** Largest n * m that plan() materialises. */
export const PLAN_LIMIT = 1e7;

/**
 * A solve of OT_eps(a, b), plus what the divergence's gradient needs: the plan's row sums r_i and the row means of
 * (y, |y|^2) in centred coordinates ((d + 1) per row); belowReach: stopped at f32's reach, not converged.
 */
export interface CrossSolve {
  result: SinkhornResult;
  rowSums: Float64Array;
  rowMeans: Float64Array;
  belowReach: boolean;
}

/** The potentials a solve of OT_eps(a, b) ends with: fNext is the f-update of g (the rows of P(f, g) follow from it). */
export interface CrossIterate {
  f: Float64Array;
  g: Float64Array;
  fNext: Float64Array;
}

/** The result of OT_eps(a, b) at the iterate (f, g) of a run; step streams the value pass (truncated with t). */
export function crossResult(
  p: OTPair,
  o: CheckedOptions,
  step: HalfStep,
  iterate: CrossIterate,
  run: ShellRun,
  newtonSteps: number,
  t?: TruncationContext,
): CrossSolve {
  const { n, m, d, x, y, a, b, lb } = p;
  const { f, g, fNext } = iterate;
  const { eps, reach: rho } = o;
  // One more pass with values (y, |y|^2): row means give the cost and the barycentric map.
  const values = new Float64Array(m * (d + 1));
  for (let j = 0; j < m; j++) {
    let s = 0;
    for (let c = 0; c < d; c++) {
      values[j * (d + 1) + c] = y[j * d + c];
      s += y[j * d + c] ** 2;
    }
    values[j * (d + 1) + d] = s;
  }
  const mean = new Float64Array(n * (d + 1));
  const valuePass = (mask: BlockMask | null) => step.run(x, n, y, m, d, lb, g, eps, fNext, values, mean, d + 1, mask);
  if (t === undefined) valuePass(null);
  else t.trunc.halfStep('f', t.side('x', f), t.side('y', g), eps, fNext, valuePass);
  let cost = 0,
    objective = 0;
  const rowSums = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (a[i] === 0) continue;
    const r = a[i] * Math.exp((f[i] - fNext[i]) / eps); // row sum of P(f, g)
    rowSums[i] = r;
    let xx = 0,
      xm = 0;
    for (let c = 0; c < d; c++) {
      xx += x[i * d + c] ** 2;
      xm += x[i * d + c] * mean[i * (d + 1) + c];
    }
    cost += r * (xx - 2 * xm + mean[i * (d + 1) + d]);
    objective += r * f[i];
  }
  // The plan's columns are exact (alternating), or equal to its rows (symmetric).
  if (p.same) objective *= 2;
  else for (let j = 0; j < m; j++) if (b[j] > 0) objective += b[j] * g[j];
  if (rho !== undefined) objective = unbalancedDual(a, f, b, g, massOf(rowSums), eps, rho);
  const { f: F, g: G } = gauged(p, o, f, g);
  // Row i of the plan, row-normalised with its largest exponent subtracted: P_ij = r_i b_j e^{(g_j - C_ij)/eps} / sum_k b_k e^{(g_k -
  // C_ik)/eps},
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
    for (let j = 0; j < m; j++) {
      row[j] = Math.exp(expo[j] - top);
      z += row[j];
    }
    const scale = rowSums[i] / z;
    for (let j = 0; j < m; j++) row[j] *= scale;
    return row;
  };
  // The marginal error of that plan: summed from its entries up to PLAN_LIMIT entries, else by one more
  // kernel pass (column j sums to b_j e^{(g_j - h_j)/eps}, h = the half-step of (log r, fNext)).
  // Unbalanced: the targets are a e^{-f/rho} and b e^{-g/rho}, the marginals of the optimal plan.
  const rowTarget = rho === undefined ? a : a.map((v, i) => (v > 0 ? v * Math.exp(-f[i] / rho) : 0));
  const colTarget = rho === undefined ? b : b.map((v, j) => (v > 0 ? v * Math.exp(-g[j] / rho) : 0));
  let rowErr = 0,
    colErr = 0;
  for (let i = 0; i < n; i++) rowErr += Math.abs(rowSums[i] - rowTarget[i]);
  if (n * m <= PLAN_LIMIT) {
    const cols = new Float64Array(m),
      row = new Float64Array(m);
    for (let i = 0; i < n; i++) {
      rowInto(i, row);
      for (let j = 0; j < m; j++) cols[j] += row[j];
    }
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
    throw new NonFiniteError(
      `sinkhorn: non-finite result (value ${objective}, cost ${cost}, marginal error ${marginalError}) at eps = ${eps} for a squared ` +
        `diameter ${p.diameter2}; rescale the points or raise eps`,
    );
  }
  const converged = !run.stopped && marginalError <= o.tol;
  const result: SinkhornResult = {
    value: objective,
    cost,
    f: F,
    g: G,
    iterations: run.iterations + run.stages,
    marginalError,
    converged,
    eps,
    ...(newtonSteps > 0 ? { newtonSteps } : {}),
    plan() {
      if (n * m > PLAN_LIMIT)
        throw new InvalidArgumentError(
          'plan',
          `${n} x ${m} entries`,
          `is refused above ${PLAN_LIMIT} entries; use planRow(i) or barycentricMap()`,
        );
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
  // f32 iterates to tol/2 and stops on stagnation: stopped at f32's reach, not converged.
  const belowReach = !converged && !run.stopped && o.precision === 'f32' && (run.stagnated || run.err <= o.tol / 2);
  const warning = crossWarning(p, o, run, result, belowReach);
  if (run.stopped) result.aborted = true;
  if (warning !== undefined) result.warning = warning;
  return { result, rowSums, rowMeans: mean, belowReach };
}

/**
 * The potentials in the symmetric gauge <a, f> = <b, g> (the plan is unchanged by f + c, g - c), as new arrays;
 * unbalanced potentials are unique (copied as they are).
 */
export function gauged(p: OTPair, o: CheckedOptions, f: Float64Array, g: Float64Array): { f: Float64Array; g: Float64Array } {
  if (o.reach !== undefined) return { f: f.slice(), g: g.slice() };
  const shift = (dot(p.a, f) - dot(p.b, g)) / 2;
  return { f: f.map((v) => v - shift), g: g.map((v) => v + shift) };
}

/** Why a solve of OT_eps(a, b) did not converge, and what to change; undefined when it converged. */
function crossWarning(p: OTPair, o: CheckedOptions, run: ShellRun, r: SinkhornResult, belowReach: boolean): string | undefined {
  const { tol, maxIter, eps } = o;
  const reached = r.marginalError.toExponential(2);
  if (run.stopped) return `Sinkhorn was aborted through options.signal after ${r.iterations} iterations (marginal error ${reached})`;
  if (r.converged) return undefined;
  if (belowReach) return f32ReachWarning(tol, reached, r.iterations, o.defaultTol);
  if (run.err <= tol)
    return (
      `the iteration reached tol = ${tol.toExponential()} but the plan's marginal error is ${reached} (rounding at eps / squared ` +
      `diameter = ${(eps / p.diameter2).toExponential(1)}); raise eps or tol`
    );
  return (
    `Sinkhorn did not reach tol = ${tol.toExponential()} within maxIter = ${maxIter} iterations (marginal error ${reached}); raise ` +
    `maxIter or eps`
  );
}

/**
 * The result of OT_eps(a, a) from the symmetric potential f of a run (copied), with the value pass that gives the
 * plan's row sums and row means; `half` streams a half-step of f into T (truncated when the solve is).
 */
export function selfResult(
  a: Float64Array,
  n: number,
  d: number,
  o: CheckedOptions,
  f: Float64Array,
  T: Float64Array,
  run: ShellRun,
  half: (pot: Float64Array, e: number, values: Float64Array, mean: Float64Array) => void,
  x: Float64Array,
): SelfTransport {
  const { eps, reach: rho } = o;
  const rowMeans = new Float64Array(n * d);
  half(f, eps, x, rowMeans);
  const rowSums = new Float64Array(n);
  let objective = 0;
  for (let i = 0; i < n; i++) {
    if (a[i] === 0) continue;
    rowSums[i] = a[i] * Math.exp((f[i] - T[i]) / eps);
    objective += 2 * rowSums[i] * f[i]; // <P, f ⊕ f> for the symmetric plan
  }
  if (rho !== undefined) objective = unbalancedDual(a, f, a, f, massOf(rowSums), eps, rho);
  // Iterations count every stage of the schedule, also those an abort cut short (as they always have).
  const iterations = run.iterations + o.schedule.length - 1;
  const out: SelfTransport = {
    value: objective,
    f: f.slice(),
    iterations,
    marginalError: run.err,
    converged: !run.stopped && run.err <= o.tol,
    stagnated: run.stagnated,
    rowSums,
    rowMeans,
  };
  if (run.stopped) out.aborted = true;
  if (run.stagnated) out.warning = f32ReachWarning(o.tol, run.err.toExponential(2), out.iterations, o.defaultTol);
  return out;
}

export function dot(u: Float64Array, v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < u.length; i++) if (u[i] !== 0) s += u[i] * v[i];
  return s;
}
