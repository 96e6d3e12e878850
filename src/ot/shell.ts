// The one Sinkhorn iteration shell (GeomLoss's sinkhorn_loop as the model). Every solve, the alternating one of
// OT_eps(a, b), the symmetric one of OT_eps(a, a) and both levels of the multiscale solve, is a SinkhornLoop: a
// softmin update of its potentials. The shell walks the eps-schedule (one update per annealing stage), then
// iterates at the target eps, and owns what every solve decides the same way: the abort through options.signal,
// the end of the f32 phase of 'mixed', the f32 stagnation rule, maxIter, the target error and the progress
// reports. The coarse-to-fine jump of the multiscale solve is a change of support between two runs of the shell
// (multiscale.ts). Each check reads options.signal exactly where it always did: the recorded onProgress and
// abort sequences (test/ot/recorded) depend on it.
import { aborted, mixedSwitchTol, PhasedStep, Stagnation } from './common.js';
import type { CheckedOptions } from './types.js';

/** One Sinkhorn problem as the shell drives it: the loop owns its potentials; the shell decides when to stop. */
export interface SinkhornLoop {
  /** One annealing stage at eps e: one update of the potentials (no error is measured). */
  anneal(e: number): void;
  /** After the annealing stages (also when they were cut short by an abort): prepare the iteration at eps. */
  begin(): void;
  /** Measures the current iterate at eps: one iteration's half-steps, and the L1 marginal error of its plan. */
  measure(): number;
  /** Moves on from the measured iterate to the next one. */
  advance(err: number, it: number): void;
}

/** How a loop is stopped. */
export interface ShellRules {
  /** The error the iteration stops at, once it is an f64 error (phase 'mixed': after the f32 phase). */
  target: number;
  /** Walk the annealing stages of o.schedule (false: start at the target eps, as from a warm start). */
  anneal: boolean;
  /**
   * Advance before the maxIter and abort checks, so that a run stopped by them returns the advanced iterate (the
   * symmetric iteration); otherwise a run returns the iterate its last error was measured on (the alternating one).
   */
  advanceBeforeStop: boolean;
}

/** What a run of the shell did. */
export interface ShellRun {
  /** Annealing stages run. */
  stages: number;
  /** Iterations at the target eps. */
  iterations: number;
  /** The last error measured (Infinity when the run stopped before measuring one). */
  err: number;
  /** options.signal stopped the run. */
  stopped: boolean;
  /** The error stopped decreasing above the target (precision 'f32' only; see Stagnation). */
  stagnated: boolean;
}

/**
 * The half-steps of a solve, phased for 'mixed' (f32 passes until the error nears f32's reach, then f64): the
 * loop streams its passes through it, the shell ends its f32 phase.
 */
export function phasedStep(o: CheckedOptions): PhasedStep {
  return new PhasedStep(o, o.mixed, Math.max(o.tol, mixedSwitchTol(o.diameter2, o.eps)));
}

/** Runs `loop` through o.schedule and at o.eps until its error meets rules.target, maxIter, stagnation or an abort. */
export function iterateSinkhorn(loop: SinkhornLoop, o: CheckedOptions, phased: PhasedStep, rules: ShellRules): ShellRun {
  let stopped = false,
    stages = 0;
  if (rules.anneal) {
    for (const e of o.schedule.slice(0, -1)) {
      if (aborted(o.signal)) {
        stopped = true;
        break;
      }
      loop.anneal(e);
      stages++;
      o.progress?.('annealing', stages, e, NaN);
    }
  }
  loop.begin();
  if (!stopped) stopped = aborted(o.signal);
  const stagnation = new Stagnation(o.precision === 'f32');
  let stagnated = false,
    err = Infinity,
    it = 0;
  while (!stopped) {
    err = loop.measure();
    it++;
    o.progress?.('iterating', it + stages, o.eps, err);
    if (phased.measuredInF64(err, it) && err <= rules.target) break;
    if (stagnation.update(err, it)) {
      stagnated = true;
      break;
    }
    if (rules.advanceBeforeStop) loop.advance(err, it);
    if (it >= o.maxIter) break;
    if (aborted(o.signal)) {
      stopped = true;
      break;
    }
    if (!rules.advanceBeforeStop) loop.advance(err, it);
  }
  return { stages, iterations: it, err, stopped, stagnated };
}
