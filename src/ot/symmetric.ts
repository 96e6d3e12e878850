// OT_eps(a, a), self-transport, by the symmetric averaged fixed point: its SinkhornLoop, run by the shell.
import type { BlockMask } from '../backend/index.js';
import { damping, rowMarginalError, type PhasedStep } from './common.js';
import { selfResult } from './result.js';
import { iterateSinkhorn, phasedStep, type SinkhornLoop } from './shell.js';
import type { SelfTruncation } from './truncate.js';
import type { CheckedOptions, SelfTransport } from './types.js';

/**
 * OT_eps(a, a) by the symmetric averaged fixed point f <- (f + T(f)) / 2, which converges far faster on
 * self-transport than alternating updates (they oscillate between f and g). Unbalanced (o.reach = rho):
 * f <- (f + kappa T(f)) / 2 with kappa = rho / (rho + eps), as GeomLoss does. t: truncate every pass (x is then in
 * cluster order), starting from t.init.
 */
export function symmetricSinkhorn(
  x: Float64Array,
  a: Float64Array,
  la: Float64Array,
  n: number,
  d: number,
  o: CheckedOptions,
  t?: SelfTruncation,
): SelfTransport {
  const phased = phasedStep(o);
  const loop = new SymmetricLoop(x, a, la, n, d, o, phased, t);
  const run = iterateSinkhorn(loop, o, phased, { target: o.tol, anneal: true, advanceBeforeStop: true });
  return selfResult(a, n, d, o, loop.f, loop.T, run, (pot, e, values, mean) => loop.half(pot, e, values, mean), x);
}

/** The symmetric iteration as a SinkhornLoop: T is the half-step of f (it never aliases f). */
class SymmetricLoop implements SinkhornLoop {
  readonly f: Float64Array;
  readonly T: Float64Array;
  private readonly kappa: number;

  constructor(
    private readonly x: Float64Array,
    private readonly a: Float64Array,
    private readonly la: Float64Array,
    private readonly n: number,
    private readonly d: number,
    private readonly o: CheckedOptions,
    private readonly phased: PhasedStep,
    private readonly t?: SelfTruncation,
  ) {
    this.f = t?.init !== undefined ? t.init.slice() : new Float64Array(n);
    this.T = new Float64Array(n);
    this.kappa = damping(o.eps, o.reach);
  }

  /** T = the half-step of pot at e (truncated: only the blocks the bound keeps, pot the rows' proxy); with values, their softmax means. */
  half(pot: Float64Array, e: number, values: Float64Array | null = null, mean: Float64Array | null = null): void {
    const { x, n, d, la, t } = this;
    const run = (mask: BlockMask | null) => this.phased.run(x, n, x, n, d, la, pot, e, this.T, values, mean, values === null ? 0 : d, mask);
    if (t === undefined) {
      run(null);
      return;
    }
    const side = { x, clusters: t.clusters, pot, logWeight: la, weight: this.a };
    t.trunc.halfStep('self', side, side, e, this.T, run);
  }

  anneal(e: number): void {
    const { f, T, n } = this;
    this.half(f, e);
    const k = damping(e, this.o.reach);
    if (k === 1) for (let i = 0; i < n; i++) f[i] = 0.5 * (f[i] + T[i]);
    else for (let i = 0; i < n; i++) f[i] = 0.5 * (f[i] + k * T[i]);
  }

  begin(): void {}

  measure(): number {
    const { f, T, n, a, kappa } = this;
    const eps = this.o.eps;
    this.half(f, eps);
    if (kappa === 1) return 2 * rowMarginalError(a, f, T, eps);
    for (let i = 0; i < n; i++) T[i] *= kappa;
    return 2 * rowMarginalError(a, f, T, eps, this.o.reach);
  }

  advance(): void {
    const { f, T, n } = this;
    for (let i = 0; i < n; i++) f[i] = 0.5 * (f[i] + T[i]);
  }
}
