// Metastable plateaus: maximal runs of recorded times with the same cluster count, and the
// merge events between them.
import { InvalidArgumentError } from '../errors.js';
import { readOptions } from '../validate.js';

/** A maximal run of recorded times with the same cluster count. */
export interface Plateau {
  /** First and last recorded time with this cluster count. */
  start: number;
  /** Last recorded time with this cluster count. */
  end: number;
  /** The cluster count on the plateau. */
  clusters: number;
  /** Energy at the plateau's last recorded time (NaN only if energy was not observed). */
  energy: number;
  /** |E(end) - E(start)| / |E(end)|: how flat the energy is on the plateau (0 if not observed). */
  energyChange: number;
  /**
   * Long on a log-time axis, counted from the first clustered state (see {@link plateaus}): start >= clusteredAt > 0,
   * the count fell into it (a merge, not a rise), and end >= minRatio * start. The unclustered start, the initial
   * clustering and a transient count during a merge never are.
   */
  metastable: boolean;
}

/** A change of cluster count between two consecutive recorded times. */
export interface Merge {
  /** The merge happened between these recorded times. */
  after: number;
  /** First recorded time with the new count. */
  before: number;
  /** Cluster count before the merge. */
  from: number;
  /** Cluster count after the merge. */
  to: number;
  /** E(before) - E(after) (NaN if energy was not observed). */
  energyJump: number;
}

/** The recorded series plateaus reads (a Trajectory fits). */
export interface PlateauInput {
  /** Recorded times. */
  times: ArrayLike<number>;
  /** Cluster count at each time; required (throws InvalidArgumentError if missing or of another length). */
  clusterCounts?: ArrayLike<number>;
  /** Energy at each time, optional. */
  energy?: ArrayLike<number>;
}

/**
 * Splits a recorded run into maximal intervals of constant cluster count, flags the metastable ones and
 * lists the merges.
 *
 * Metastability is measured in log time from the first clustered state. The first clustered state is the
 * first record whose cluster count is at most half the initial count (counts[0]): by then more than half of
 * the initial particles share a cluster, so the initial clustering is over; its time is `clusteredAt`
 * (null if the run never gets there). A plateau [start, end] is metastable when start >= clusteredAt and
 * start > 0, its count is lower than the previous plateau's (it began with a merge, not a rise), and it spans
 * a factor minRatio of time: end >= minRatio * start, i.e. log end - log start >= log minRatio (default 2, a
 * doubling). So the unclustered start, the plateaus of the initial clustering (however long they look near
 * t = 0 on a log axis) and rising counts are never flagged.
 *
 * Throws InvalidArgumentError unless times are finite, >= 0 and non-decreasing, cluster counts
 * are integers >= 0 and energies numbers (NaN allowed: not observed), and for null options or an unknown key.
 */
export function plateaus(
  trajectory: PlateauInput,
  options: {
    /** A plateau after the first clustered state is metastable when end >= minRatio * start; a number >= 1, default 2. */
    minRatio?: number;
  } = {},
): {
  /** The plateaus in time order. */
  plateaus: Plateau[];
  /** The count changes between consecutive plateaus, in time order. */
  merges: Merge[];
  /** Time of the first clustered state (the first record with at most half the initial cluster count), or null. */
  clusteredAt: number | null;
} {
  options = readOptions<{ minRatio?: number }>('plateaus', options, ['minRatio']);
  if (trajectory === null || typeof trajectory !== 'object')
    throw new InvalidArgumentError('trajectory', trajectory, 'must be a Trajectory or { times, clusterCounts, energy? }');
  const { times, clusterCounts: counts, energy } = trajectory;
  const minRatio = options.minRatio ?? 2;
  if (!(typeof minRatio === 'number' && minRatio >= 1 && minRatio < Infinity))
    throw new InvalidArgumentError('minRatio', minRatio, 'must be a finite number >= 1');
  const isList = (v: unknown): v is ArrayLike<number> => Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
  if (!isList(times)) throw new InvalidArgumentError('trajectory.times', times, 'must be an array of times');
  if (!counts)
    throw new InvalidArgumentError('trajectory.clusterCounts', counts, 'must be recorded: simulate with observe: { clusters: { tol } }');
  if (!isList(counts)) throw new InvalidArgumentError('trajectory.clusterCounts', counts, 'must be an array of cluster counts');
  if (counts.length !== times.length)
    throw new InvalidArgumentError('trajectory.clusterCounts.length', counts.length, `must equal times.length ${times.length}`);
  for (let i = 0; i < times.length; i++) {
    const t = times[i];
    if (typeof t !== 'number' || !Number.isFinite(t) || t < 0)
      throw new InvalidArgumentError('trajectory.times', t, 'must be finite numbers >= 0', `at index ${i}`);
    if (i > 0 && t < times[i - 1])
      throw new InvalidArgumentError('trajectory.times', t, `must be non-decreasing (times[${i - 1}] = ${times[i - 1]})`, `at index ${i}`);
    const c = counts[i];
    if (typeof c !== 'number' || !Number.isInteger(c) || c < 0)
      throw new InvalidArgumentError('trajectory.clusterCounts', c, 'must be integers >= 0', `at index ${i}`);
  }
  if (energy !== undefined) {
    if (!isList(energy) || energy.length !== times.length)
      throw new InvalidArgumentError('trajectory.energy', energy, `must be an array of times.length = ${times.length} numbers`);
    // Infinity is a recorded energy past the double range (its plateau is then flat by definition); NaN is never one.
    for (let i = 0; i < energy.length; i++)
      if (typeof energy[i] !== 'number' || Number.isNaN(energy[i]))
        throw new InvalidArgumentError('trajectory.energy', energy[i], 'must be numbers (not NaN)', `at index ${i}`);
  }
  const E = (i: number) => (energy ? energy[i] : NaN);
  const out: Plateau[] = [];
  const merges: Merge[] = [];
  let clusteredAt: number | null = null;
  for (let i = 0; i < times.length && clusteredAt === null; i++) if (counts[i] <= counts[0] / 2) clusteredAt = times[i];
  let first = 0;
  for (let i = 1; i <= times.length; i++) {
    if (i < times.length && counts[i] === counts[first]) continue;
    const last = i - 1;
    const start = times[first],
      end = times[last];
    const fell = first > 0 && counts[first] < counts[first - 1];
    out.push({
      start,
      end,
      clusters: counts[first],
      energy: E(last),
      energyChange: energy ? (E(last) === E(first) ? 0 : Math.abs(E(last) - E(first)) / Math.abs(E(last))) : 0,
      metastable: clusteredAt !== null && start >= clusteredAt && start > 0 && fell && end > start && end >= minRatio * start,
    });
    if (i < times.length) {
      merges.push({ after: times[last], before: times[i], from: counts[last], to: counts[i], energyJump: energy ? E(i) - E(last) : NaN });
    }
    first = i;
  }
  return { plateaus: out, merges, clusteredAt };
}
