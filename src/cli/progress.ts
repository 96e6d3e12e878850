// Progress of a sweep: a bar with ETA redrawn in place on a terminal (at most 10 times a
// second), plain lines otherwise (at most one every few seconds, and at least one every few
// seconds while anything runs: a heartbeat with the time reached inside the running seeds).
import type { SeedSummary } from './sweep.js';

/** Where a running seed is: its time and steps so far. */
export interface Running {
  job: string;
  t: number;
  tEnd: number;
  fraction: number;
  steps: number;
}

export interface ProgressOptions {
  /** Least milliseconds between redraws on a terminal. Default 100. */
  ttyMs?: number;
  /** Milliseconds between plain lines when not on a terminal. Default 3000 (MEANFIELD_PROGRESS_MS overrides it). */
  plainMs?: number;
  /** Draw as on a terminal (default: the stream's isTTY). */
  tty?: boolean;
}

export class Progress {
  private done = 0;
  private readonly start = Date.now();
  private lastDraw = Date.now();
  private lastWhat = '';
  private readonly running = new Map<number, Running>();
  private readonly timer: NodeJS.Timeout;
  private readonly tty: boolean;
  private readonly ttyMs: number;
  private readonly plainMs: number;
  private ended = false;

  constructor(
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream,
    o: ProgressOptions = {},
  ) {
    this.tty = o.tty ?? stream.isTTY === true;
    this.ttyMs = o.ttyMs ?? 100;
    const env = Number(process.env.MEANFIELD_PROGRESS_MS);
    this.plainMs = o.plainMs ?? (Number.isFinite(env) && env >= 0 ? env : 3000);
    // The heartbeat: the output never goes silent for long, even inside one long seed.
    this.timer = setInterval(() => this.draw(false), this.tty ? this.ttyMs : Math.max(50, Math.min(1000, this.plainMs))).unref();
  }

  /** One job finished: `job` names it ('seed 3' or 'seed 3, beta 2.5'); line is null if it failed. */
  tick(job: string, line: SeedSummary | null): void {
    this.done++;
    this.lastWhat = line === null ? `${job} failed` : `${job}: ${line.finalClusters} clusters, ${line.steps} steps`;
    this.draw(this.done === this.total || this.done === 1);
  }

  /** Progress within a running chunk (`key` names it) of one seed. */
  update(key: number, r: Running): void {
    this.running.set(key, r);
    this.draw(false);
  }

  /** The chunk `key` is no longer running. */
  clear(key: number): void {
    this.running.delete(key);
  }

  private draw(force: boolean): void {
    if (this.ended) return;
    const now = Date.now();
    if (!force && now - this.lastDraw < (this.tty ? this.ttyMs : this.plainMs)) return;
    this.lastDraw = now;
    const elapsed = (now - this.start) / 1000;
    // Seeds in flight count by their fraction done, so the ETA moves within long seeds.
    let partial = 0;
    for (const r of this.running.values()) partial += Number.isFinite(r.fraction) ? Math.min(1, Math.max(0, r.fraction)) : 0;
    const progressed = this.done + partial;
    const eta = progressed > 0 ? (elapsed / progressed) * (this.total - progressed) : NaN;
    const inside = [...this.running.values()]
      .slice(0, 2)
      .map((r) => `${r.job} at t = ${fmt(r.t)} of ${fmt(r.tEnd)}, ${r.steps} steps`)
      .join('; ');
    const what = [this.lastWhat, inside].filter((x) => x !== '').join('; ');
    if (this.tty) {
      const width = 30,
        filled = Math.round((width * this.done) / this.total);
      const text =
        `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.done}/${this.total} runs  ETA ` +
        `${duration(eta)}${what ? `  (${what})` : ''}`;
      const cols = this.stream.columns ?? 0;
      this.stream.write(`\r\x1b[K${cols > 10 && text.length >= cols ? `${text.slice(0, cols - 2)}…` : text}`);
    } else {
      this.stream.write(
        `progress: ${this.done}/${this.total} runs, ${duration(elapsed)} elapsed, ETA ${duration(eta)}${what ? ` (${what})` : ''}\n`,
      );
    }
  }

  end(): void {
    clearInterval(this.timer);
    if (this.ended) return;
    this.ended = true;
    if (this.tty) this.stream.write('\n');
  }
}

function fmt(t: number): string {
  return !Number.isFinite(t)
    ? String(t)
    : t === 0 || (Math.abs(t) >= 0.01 && Math.abs(t) < 1e4)
      ? String(Number(t.toPrecision(3)))
      : t.toExponential(2);
}

function duration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(1)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}
