// Metastable plateaus: maximal runs of recorded times with the same cluster count, and the
// merge events between them.
import { InvalidArgumentError } from '../errors.js';

export interface Plateau {
  /** First and last recorded time with this cluster count. */
  start: number;
  end: number;
  clusters: number;
  /** Energy at the plateau's last recorded time (NaN only if energy was not observed). */
  energy: number;
  /** |E(end) - E(start)| / |E(end)|: how flat the energy is on the plateau (0 if not observed). */
  energyChange: number;
  /** Long on a log-time axis: end >= minRatio * start (a transient count during a merge is not). */
  metastable: boolean;
}

export interface Merge {
  /** The merge happened between these recorded times. */
  after: number;
  before: number;
  from: number;
  to: number;
  /** E(before) - E(after). */
  energyJump: number;
}

export interface PlateauInput {
  times: ArrayLike<number>;
  clusterCounts?: ArrayLike<number>;
  energy?: ArrayLike<number>;
}

/**
 * Splits a recorded run into maximal intervals of constant cluster count, flags the metastable
 * ones (end >= minRatio * start, default 2: at least a doubling of time), and lists the merges.
 */
export function plateaus(trajectory: PlateauInput, options: { minRatio?: number } = {}): { plateaus: Plateau[]; merges: Merge[] } {
  const { times, clusterCounts: counts, energy } = trajectory ?? {};
  const minRatio = options.minRatio ?? 2;
  if (!(typeof minRatio === 'number' && minRatio >= 1)) throw new InvalidArgumentError('minRatio', minRatio, 'must be a number >= 1');
  if (!counts) throw new InvalidArgumentError('trajectory.clusterCounts', counts, 'must be recorded: simulate with observe: { clusters: { tol } }');
  if (counts.length !== times.length) throw new InvalidArgumentError('trajectory.clusterCounts.length', counts.length, `must equal times.length ${times.length}`);
  const E = (i: number) => (energy ? energy[i] : NaN);
  const out: Plateau[] = [];
  const merges: Merge[] = [];
  let first = 0;
  for (let i = 1; i <= times.length; i++) {
    if (i < times.length && counts[i] === counts[first]) continue;
    const last = i - 1;
    out.push({
      start: times[first], end: times[last], clusters: counts[first], energy: E(last),
      energyChange: energy ? Math.abs(E(last) - E(first)) / Math.abs(E(last)) : 0,
      metastable: times[last] > times[first] && times[last] >= minRatio * times[first],
    });
    if (i < times.length) {
      merges.push({ after: times[last], before: times[i], from: counts[last], to: counts[i], energyJump: energy ? E(i) - E(last) : NaN });
    }
    first = i;
  }
  return { plateaus: out, merges };
}
