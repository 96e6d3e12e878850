// Progress of a sweep: a bar with ETA redrawn in place on a terminal, plain lines otherwise.
import type { SeedSummary } from './sweep.js';

export class Progress {
  private done = 0;
  private readonly start = Date.now();
  private lastPlain = 0;

  constructor(private readonly total: number, private readonly stream: NodeJS.WriteStream) {}

  /** One job finished: `job` names it ('seed 3' or 'seed 3, beta 2.5'); line is null if it failed. */
  tick(job: string, line: SeedSummary | null): void {
    this.done++;
    const elapsed = (Date.now() - this.start) / 1000;
    const eta = (elapsed / this.done) * (this.total - this.done);
    const what = line === null ? `${job} failed` : `${job}: ${line.finalClusters} clusters, ${line.steps} steps`;
    if (this.stream.isTTY) {
      const width = 30, filled = Math.round((width * this.done) / this.total);
      this.stream.write(`\r\x1b[K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.done}/${this.total} runs  ETA ${duration(eta)}  (${what})`);
    } else if (this.done === this.total || Date.now() - this.lastPlain >= 1000) {
      this.lastPlain = Date.now();
      this.stream.write(`progress: ${this.done}/${this.total} runs, ${duration(elapsed)} elapsed, ETA ${duration(eta)} (${what})\n`);
    }
  }

  end(): void {
    if (this.stream.isTTY) this.stream.write('\n');
  }
}

function duration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(1)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}
