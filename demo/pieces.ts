// One run of the demo, cut into pieces that end at the frame times. Pure (no DOM, no worker):
// the worker plays it, and a Node test checks it against an uninterrupted run.
import { simulate, type Flow, type Measure, type SimulateOptions, type Trajectory } from '../src/index.js';
import { FIRST_FRAME_T, type EndReason } from './protocol.js';

/** Frames per decade of time. */
export const FRAMES_PER_DECADE = 24;

/**
 * The settings of `npm start` (scripts/demo.mjs): rk45 at rtol 1e-9, and tokens that meet
 * (within 1e-6) collapse into one weighted particle, so the formed clusters' stiff contraction
 * is gone, steps lengthen through the plateaus, and the run ends once every token is in one
 * particle. Merging is refused under a causal mask; those runs go to t end.
 */
export function runOptions(merging: boolean): SimulateOptions {
  return {
    integrator: 'rk45',
    rtol: 1e-9,
    atol: 1e-12,
    record: { times: [] },
    ...(merging ? { collapse: { tol: 1e-6 }, stopWhen: { custom: (m: Measure) => m.size === 1 } } : {}),
  };
}

/** The frame times after t = 0: FIRST_FRAME_T, then FRAMES_PER_DECADE per decade, tEnd last. */
export function frameTime(k: number, tEnd: number): number {
  return Math.min(tEnd, FIRST_FRAME_T * 10 ** (k / FRAMES_PER_DECADE));
}

export interface Piece {
  /** The frame's time; `run.final` is the state there (earlier when the run ended early). */
  target: number;
  run: Trajectory;
  ended: EndReason | null;
}

/**
 * The run from mu to tEnd as pieces ending at frameTime(0), frameTime(1), ... Each piece resumes
 * the checkpoint of the one before, which the library makes bit-identical to one uninterrupted
 * run, and its final state at `target` comes from a side step off the natural steps. On a
 * plateau one natural step can pass several frame times: its start is not a checkpoint, so the
 * piece is run again from the same place to the next frame time (the same steps, bit for bit).
 */
export function* pieces(flow: Flow, mu: Measure, options: SimulateOptions, tEnd: number): Generator<Piece, void, void> {
  let from: Measure | Trajectory = mu;
  let latest: Trajectory | null = null;
  for (let k = 0; tEnd > 0; k++) {
    const target = frameTime(k, tEnd);
    if (latest !== null && target > latest.checkpoint.t) from = latest;
    latest = simulate(flow, from, { ...options, tEnd: target });
    const ended: EndReason | null = latest.stopReason === 'custom' ? 'merged' : target >= tEnd ? 'tEnd' : null;
    yield { target, run: latest, ended };
    if (ended !== null) return;
  }
}
