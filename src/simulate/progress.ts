// Progress reports (SimulateOptions.onProgress): at most every `interval` ms, and once at the end.
import type { ProgressInfo } from './options.js';

/** What a progress report is built from. */
export interface ProgressState {
  t: number;
  logT: number;
  steps: number;
  stepSize: number;
  particles: number;
  latest: Record<string, number>;
  latestTime: number;
}

/** Calls onProgress at most every interval ms. */
export class ProgressReporter {
  private last = performance.now();

  /**
   * @param logFraction report the fraction done as log t / log tEnd (the arc-length clock)
   * @param started performance.now() when the simulate() call started
   */
  constructor(
    private readonly onProgress: ((info: ProgressInfo) => void) | null,
    private readonly interval: number,
    private readonly tEnd: number,
    private readonly logTEnd: number,
    private readonly logFraction: boolean,
    private readonly started: number,
  ) {}

  /** Reports when interval ms have passed since the last report. */
  maybe(state: () => ProgressState): void {
    if (this.onProgress === null || performance.now() - this.last < this.interval) return;
    this.last = performance.now();
    this.onProgress(this.info(state()));
  }

  /** The report at the end of the run. */
  final(state: () => ProgressState): void {
    this.onProgress?.(this.info(state()));
  }

  private info(s: ProgressState): ProgressInfo {
    const { tEnd } = this;
    const fraction = this.logFraction ? Math.min(1, Math.max(0, s.logT / this.logTEnd)) : tEnd > 0 ? Math.min(1, s.t / tEnd) : 1;
    const info: ProgressInfo = {
      t: s.t,
      logT: s.logT,
      tEnd,
      fraction,
      steps: s.steps,
      stepSize: s.stepSize,
      elapsedMs: performance.now() - this.started,
      latest: s.latest,
      latestTime: s.latestTime,
      particles: s.particles,
      clusters: s.latest.clusterCounts as number | undefined,
    };
    if (info.clusters === undefined) delete info.clusters;
    return info;
  }
}
