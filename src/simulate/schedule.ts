// When to record: at given times, at log-spaced times (metastability lives on a log-time
// axis), and/or every k natural steps. tEnd is always recorded.
import { InvalidArgumentError } from '../errors.js';
import { positiveNumber } from '../validate.js';

/** When {@link simulate} records (the union of all given rules; t = 0 and the final state always, tEnd when reached). */
export interface RecordOptions {
  /** Record after every k-th natural step (integer >= 1). */
  every?: number;
  /** Record at these times (>= 0; those outside (0, tEnd] are ignored). */
  times?: number[];
  /**
   * Record at `count` log-spaced times from `from` (default min(0.01, to/100)) to `to` (default tEnd). A run
   * without a finite tEnd needs `to` (InvalidArgumentError otherwise); times past the run's end are not reached.
   */
  logSpaced?:
    | number
    | {
        /** Number of log-spaced times (integer >= 2), `to` included. */
        count: number;
        /** First log-spaced time (> 0). */
        from?: number;
        /** Last log-spaced time (> 0). Default tEnd; required when the run has no finite tEnd. */
        to?: number;
      };
  /** Keep a copy of the measure at every recorded time. */
  snapshots?: boolean;
}

/** Sorted, deduplicated record times in (0, tEnd], tEnd included when finite. */
export function recordTimes(record: RecordOptions, tEnd: number): number[] {
  const times: number[] = [];
  if (record.times !== undefined) {
    for (const t of record.times) if (t > 0 && t <= tEnd) times.push(t);
  }
  if (record.logSpaced !== undefined) {
    const spec = typeof record.logSpaced === 'number' ? { count: record.logSpaced } : record.logSpaced;
    const count = spec.count;
    const to = logSpacedEnd(spec, tEnd);
    // tEnd = 0 has no log-spaced times (and no default first time).
    const from = spec.from === undefined && to <= 0 ? 0 : positiveNumber('record.logSpaced.from', spec.from ?? Math.min(0.01, to / 100));
    if (to > 0 && from < to) {
      const ratio = Math.log(to / from) / (count - 1);
      for (let i = 0; i < count; i++) times.push(from * Math.exp(ratio * i));
    }
  }
  // tEnd itself, exactly, replacing anything that only rounds to it.
  const kept = times.filter((t) => t < tEnd * (1 - 1e-12));
  if (tEnd > 0 && Number.isFinite(tEnd)) kept.push(tEnd);
  kept.sort((a, b) => a - b);
  return kept.filter((t, i) => i === 0 || t > kept[i - 1] * (1 + 1e-12));
}

/** record.logSpaced.to, else tEnd; InvalidArgumentError when neither is finite. */
function logSpacedEnd(spec: { to?: number }, tEnd: number): number {
  if (spec.to !== undefined) return spec.to;
  if (!Number.isFinite(tEnd))
    throw new InvalidArgumentError(
      'record.logSpaced.to',
      undefined,
      'is required when the run has no finite tEnd (log-spaced records need an end)',
    );
  return tEnd;
}

/** The record.every step interval, or 0 when not set. */
export function everySteps(record: RecordOptions): number {
  return record.every ?? 0;
}

/**
 * Sorted log record times up to logTEnd (included), for the arc-length clock: record.times
 * (finite), record.logSpaced (from `from`, default min(0.01, tEnd / 100), to exp(logTEnd)).
 */
export function recordLogTimes(record: RecordOptions, logTEnd: number): number[] {
  const logs: number[] = [];
  if (record.times !== undefined) {
    for (const t of recordTimes({ times: record.times }, Infinity)) if (Number.isFinite(t)) logs.push(Math.log(t));
  }
  if (record.logSpaced !== undefined) {
    const spec = typeof record.logSpaced === 'number' ? { count: record.logSpaced } : record.logSpaced;
    const count = spec.count;
    const logTo = spec.to === undefined ? logTEnd : Math.log(spec.to);
    const logFrom = Math.log(positiveNumber('record.logSpaced.from', spec.from ?? Math.min(0.01, Math.exp(logTo) / 100)));
    if (logFrom < logTo) for (let i = 0; i < count; i++) logs.push(logFrom + ((logTo - logFrom) * i) / (count - 1));
  }
  const kept = logs.filter((l) => l < logTEnd - 1e-12 * Math.max(1, Math.abs(logTEnd)));
  kept.push(logTEnd);
  kept.sort((a, b) => a - b);
  return kept.filter((l, i) => i === 0 || l > kept[i - 1]);
}
