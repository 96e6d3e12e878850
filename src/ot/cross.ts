// OT_eps(a, b) by the alternating iteration: its SinkhornLoop (the half-steps, optionally truncated to the blocks
// their bound keeps; Anderson or over-relaxation at eps; the unbalanced translation; Newton's polish of small
// problems), run by the shell. Self-transport (a = b) takes the symmetric iteration instead.
import type { BlockMask } from '../backend/index.js';
import { damp, damping, rowMarginalError } from './common.js';
import { Anderson, AndersonGuard, Relaxation } from './accelerate.js';
import { NEWTON_AFTER, NEWTON_START, newtonFits, newtonPolish } from './newton.js';
import { crossResult, type CrossSolve } from './result.js';
import { iterateSinkhorn, phasedStep, type ShellRun, type SinkhornLoop } from './shell.js';
import { symmetricSinkhorn } from './symmetric.js';
import type { TruncationContext } from './truncate.js';
import type { CheckedOptions, OTPair } from './types.js';

/**
 * OT_eps(a, b) by Sinkhorn's alternating iteration (the symmetric one when a = b), with the result and what the
 * divergence's gradient needs (see CrossSolve). t: truncate every pass (the pair is then in cluster order).
 */
export function alternatingSinkhorn(p: OTPair, o: CheckedOptions, t?: TruncationContext): CrossSolve {
  const phased = phasedStep(o);
  if (p.same) {
    // Alternating updates crawl on self-transport; the symmetric averaged iteration does not.
    const s = symmetricSinkhorn(
      p.x,
      p.a,
      p.la,
      p.n,
      p.d,
      o,
      t === undefined ? undefined : { clusters: t.cx, trunc: t.trunc, init: o.warmStart?.f },
    );
    const run: ShellRun = {
      stages: 0,
      iterations: s.iterations,
      err: s.marginalError,
      stopped: s.aborted === true,
      stagnated: s.stagnated,
    };
    return crossResult(p, o, phased.step, { f: s.f, g: s.f.slice(), fNext: new Float64Array(p.n) }, run, 0, t);
  }
  const loop = new AlternatingLoop(p, o, phased, t);
  const run = iterateSinkhorn(loop, o, phased, {
    target: loop.target,
    anneal: !loop.warm || o.annealWarm === true,
    advanceBeforeStop: false,
  });
  return crossResult(p, o, phased.step, loop, run, loop.newtonSteps, t);
}

/**
 * The alternating iteration g <- T(f), f <- T(g) as a SinkhornLoop. Every exit of the shell is taken after a
 * measure() and before advance(), so that (f, g, fNext) is always one consistent iterate: the one the error was
 * measured on and the result is assembled from.
 */
class AlternatingLoop implements SinkhornLoop {
  f: Float64Array;
  g: Float64Array;
  fNext: Float64Array;
  private gNext: Float64Array;
  /** Started from options.warmStart. */
  readonly warm: boolean;
  /** f32 iterates to tol/2 (the f64-measured plan error differs from the f32 iterate's by f32 rounding). */
  readonly target: number;
  newtonSteps = 0;
  private readonly pass: (
    q: Float64Array,
    nq: number,
    k: Float64Array,
    nk: number,
    lw: Float64Array,
    pot: Float64Array,
    e: number,
    out: Float64Array,
    rowPot: Float64Array,
  ) => void;
  private readonly kappa: number;
  private relax!: Relaxation;
  private anderson: Anderson | null = null;
  private readonly guard = new AndersonGuard();
  private newton = false;
  /** The best iterate so far: Anderson's path is not monotone, and Newton needs a start near the solution. */
  private best = { err: Infinity, f: new Float64Array(0) };
  /** The relaxation of the last measure()'s g-update, which the f-update after it uses too. */
  private omega = 1;

  constructor(
    private readonly p: OTPair,
    private readonly o: CheckedOptions,
    private readonly phased: ReturnType<typeof phasedStep>,
    private readonly t?: TruncationContext,
  ) {
    const { n, m, d, x, la } = p;
    const phase = (
      q: Float64Array,
      nq: number,
      k: Float64Array,
      nk: number,
      lw: Float64Array,
      pot: Float64Array,
      e: number,
      out: Float64Array,
      mask: BlockMask | null,
    ): void => phased.run(q, nq, k, nk, d, lw, pot, e, out, null, null, 0, mask);
    // With truncation, each half-step streams only the blocks its bound keeps; rowPot is the queries' current
    // potential (the bound's proxy for out), copied when out overwrites it.
    const rowCopy = { x: new Float64Array(t === undefined ? 0 : n), y: new Float64Array(t === undefined ? 0 : m) };
    this.pass = (q, nq, k, nk, lw, pot, e, out, rowPot) => {
      if (t === undefined) return phase(q, nq, k, nk, lw, pot, e, out, null);
      const qx = q === x;
      const own = qx ? rowCopy.x : rowCopy.y;
      own.set(rowPot);
      const qs = t.side(qx ? 'x' : 'y', own),
        ks = t.side(qx ? 'y' : 'x', pot);
      t.trunc.halfStep(qx ? 'f' : 'g', qs, ks, e, out, (mask) => phase(q, nq, k, nk, lw, pot, e, out, mask));
    };
    this.kappa = damping(o.eps, o.reach);
    this.f = new Float64Array(n);
    this.g = new Float64Array(m);
    this.fNext = new Float64Array(n);
    this.gNext = new Float64Array(m);
    const w = o.warmStart;
    if (w?.g !== undefined) this.g = w.g.slice();
    if (w?.f !== undefined) {
      this.f = w.f.slice();
      if (w.g === undefined) {
        this.pass(p.y, m, x, n, la, this.f, o.schedule[0], this.g, this.g);
        damp(this.g, damping(o.schedule[0], o.reach));
      }
    }
    this.warm = w !== undefined && (w.f !== undefined || w.g !== undefined);
    this.target = o.precision === 'f32' ? o.tol / 2 : o.tol;
  }

  anneal(e: number): void {
    const { p, f, g } = this;
    this.pass(p.x, p.n, p.y, p.m, p.lb, g, e, f, f);
    damp(f, damping(e, this.o.reach));
    this.pass(p.y, p.m, p.x, p.n, p.la, f, e, g, g);
    damp(g, damping(e, this.o.reach));
  }

  begin(): void {
    const { p, o } = this;
    this.pass(p.x, p.n, p.y, p.m, p.lb, this.g, o.eps, this.f, this.f);
    damp(this.f, this.kappa);
    const balanced = o.reach === undefined;
    this.relax = new Relaxation(balanced && o.acceleration === 'overrelaxation');
    this.anderson = balanced && o.acceleration === 'anderson' ? new Anderson(p.n) : null;
    // With the default acceleration, small balanced f64 problems still iterating after NEWTON_AFTER iterations are
    // polished by Newton's method (once; on failure the iteration goes on from where it was).
    this.newton = this.anderson !== null && o.precision !== 'f32' && this.t === undefined && newtonFits(p);
    this.best = { err: Infinity, f: new Float64Array(this.newton ? p.n : 0) };
  }

  measure(): number {
    const { p, o, kappa } = this;
    const { n, m, x, y, a, b, la, lb } = p;
    const eps = o.eps,
      rho = o.reach;
    this.pass(y, m, x, n, la, this.f, eps, this.gNext, this.g); // gNext = T(f): the columns of P(f, gNext) are exact
    this.omega = this.relax.omega;
    const w = this.omega;
    let colErr = 0;
    if (rho !== undefined) {
      damp(this.gNext, kappa);
      [this.g, this.gNext] = [this.gNext, this.g];
      translate(a, this.f, b, this.g, eps, rho);
    } else if (w === 1) [this.g, this.gNext] = [this.gNext, this.g];
    else colErr = relaxInto(this.g, this.gNext, w, b, eps); // g += w (T(f) - g); colErr: the columns of P(f, g)
    this.pass(x, n, y, m, lb, this.g, eps, this.fNext, this.f); // rows of P(f, g) are a_i exp((f_i - fNext_i)/eps) (before damping)
    damp(this.fNext, kappa);
    return rowMarginalError(a, this.f, this.fNext, eps, rho) + colErr;
  }

  advance(err: number, it: number): void {
    const { o, best } = this;
    if (this.newton && this.phased.f64 && err < best.err) {
      best.err = err;
      best.f.set(this.f);
    }
    if (this.newton && it >= NEWTON_AFTER && best.err <= NEWTON_START) {
      this.newton = false;
      const progress = o.progress,
        eps = o.eps;
      const report = progress && ((k: number, e: number) => progress('newton', k, eps, e));
      this.f.set(best.f);
      this.newtonSteps = newtonPolish(this.p, eps, this.f, this.g, this.target, report)?.steps ?? 0;
      // The next iteration measures the polished potentials (or the best iterate, if no Newton step was
      // accepted) as every other iterate; Anderson's history belongs to the path left behind.
      this.anderson?.reset();
      return;
    }
    this.relax.update(err, it);
    const w = this.omega;
    if (this.anderson !== null) {
      const verdict = this.guard.update(err);
      if (verdict === 'plain') this.anderson = null;
      if (verdict !== 'accelerate') {
        this.anderson?.reset();
        [this.f, this.fNext] = [this.fNext, this.f];
      } else this.anderson!.step(this.f, this.fNext, this.p.a);
    } else if (w === 1) [this.f, this.fNext] = [this.fNext, this.f];
    else relaxInto(this.f, this.fNext, w, null, this.o.eps);
  }
}

/**
 * Unbalanced only: the exact maximisation of the dual along (f + c, g - kappa c), which keeps g = kappa T(f)
 * (T(f + c) = T(f) - c) and so the columns at their targets. Without it the near-gauge mode (f + c, g - c)
 * contracts only by kappa^2 per iteration, hopeless for rho >> eps with unequal masses (the translation-invariant
 * Sinkhorn of Séjourné, Vialard and Peyré 2022). With A = <a, e^{-f/rho}>, B = <b, e^{-g/rho}> (the plan's mass):
 * A e^{-c/rho} = B e^{c/(rho + eps)}, c = log(A / B) rho (rho + eps) / (2 rho + eps). Zero at the fixed point.
 */
function translate(a: Float64Array, f: Float64Array, b: Float64Array, g: Float64Array, eps: number, rho: number): void {
  let ma = 0,
    mb = 0,
    da = 0,
    db = 0;
  for (let i = 0; i < a.length; i++)
    if (a[i] > 0) {
      ma += a[i];
      da += a[i] * Math.expm1(-f[i] / rho);
    }
  for (let j = 0; j < b.length; j++)
    if (b[j] > 0) {
      mb += b[j];
      db += b[j] * Math.expm1(-g[j] / rho);
    }
  const c = (Math.log1p((ma - mb + da - db) / (mb + db)) * (rho * (rho + eps))) / (2 * rho + eps);
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
