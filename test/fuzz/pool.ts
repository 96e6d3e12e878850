// Runs fuzz cases in child processes (node --import tsx child.ts), one case at a time per
// child, with a per-case time limit and a resident-memory watchdog: a case that times out,
// kills its process or grows without bound is a 'hang' verdict, and a fresh child takes the
// remaining cases. Cases marked isolate run alone in a process of their own.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Verdict } from './harness.js';

export const FUZZ_DIR = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(FUZZ_DIR, '..', '..');
const MEMORY_LIMIT = 3 * 1024 ** 3;
const DEFAULT_TIMEOUT = 10_000;

export interface CaseRef {
  id: string;
  isolate?: boolean;
  timeoutMs?: number;
}

/**
 * Bundles this tree's CLI (cli.js + cli-worker.js, side by side as in dist/) and the library
 * (index.js) into a temporary directory with esbuild, so the CLI cases test the tree's src
 * without touching dist/. Returns the directory.
 */
export async function buildBundles(): Promise<string> {
  const esbuild = await import('esbuild');
  const out = mkdtempSync(join(tmpdir(), 'meanfield-fuzz-bin-'));
  await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: { cli: 'src/cli/main.ts', 'cli-worker': 'src/cli/worker.ts', index: 'src/index.ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outdir: out,
    splitting: true,
    logLevel: 'error',
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  return out;
}

function rss(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

class Child {
  proc: ChildProcess;
  ready: Promise<void>;
  stderr = '';
  private pending: ((v: Verdict) => void) | null = null;
  private exited = false;
  private exitInfo = '';

  constructor(env: NodeJS.ProcessEnv) {
    this.proc = fork(join(FUZZ_DIR, 'child.ts'), [], {
      cwd: ROOT,
      execArgv: ['--import', 'tsx'],
      env,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    this.proc.stderr!.on('data', (b: Buffer) => {
      this.stderr = (this.stderr + b.toString()).slice(-600);
    });
    this.ready = new Promise((res, rej) => {
      const t = setTimeout(() => rej(new Error(`fuzz child did not start in 60 s: ${this.stderr}`)), 60_000);
      this.proc.once('message', () => {
        clearTimeout(t);
        res();
      });
      this.proc.once('exit', (code) => {
        clearTimeout(t);
        rej(new Error(`fuzz child exited (${code}) before starting: ${this.stderr}`));
      });
    });
    this.proc.on('message', (m: { verdict?: Verdict }) => {
      if (m.verdict && this.pending) {
        const p = this.pending;
        this.pending = null;
        p(m.verdict);
      }
    });
    this.proc.on('exit', (code, signal) => {
      this.exited = true;
      this.exitInfo = signal ? `signal ${signal}` : `exit code ${code}`;
      if (this.pending) {
        const p = this.pending;
        this.pending = null;
        const tail = this.stderr.trim().split('\n').filter(Boolean).slice(-2).join(' | ');
        p({ klass: 'hang', detail: `process died (${this.exitInfo})${tail ? `: ${tail.slice(0, 200)}` : ''}` });
      }
    });
  }

  private killed = false;
  get alive(): boolean {
    return !this.exited && !this.killed;
  }

  run(id: string, timeoutMs: number): Promise<Verdict> {
    return new Promise((res) => {
      let done = false;
      const finish = (v: Verdict) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        clearInterval(watch);
        res(v);
      };
      const timer = setTimeout(() => {
        this.pending = null;
        this.kill();
        finish({ klass: 'hang', detail: `no answer within ${timeoutMs} ms (killed)` });
      }, timeoutMs);
      const watch = setInterval(() => {
        const r = rss(this.proc.pid!);
        if (r > MEMORY_LIMIT) {
          this.pending = null;
          this.kill();
          finish({ klass: 'hang', detail: `resident memory beyond ${MEMORY_LIMIT / 1024 ** 3} GiB (unbounded allocation; killed)` });
        }
      }, 100);
      this.pending = finish;
      this.stderr = '';
      this.proc.send({ id });
    });
  }

  kill(): void {
    this.killed = true;
    if (!this.exited) this.proc.kill('SIGKILL');
  }
}

/** Runs the cases (by id) in `workers` parallel children; returns the verdict of each. */
export async function runCases(
  cases: CaseRef[],
  options: { workers?: number; onResult?: (id: string, v: Verdict) => void } = {},
): Promise<Map<string, Verdict>> {
  const workers = options.workers ?? 2;
  const binDir = process.env.FUZZ_BIN_DIR ?? (await buildBundles());
  const env = { ...process.env, FUZZ_BIN_DIR: binDir, FUZZ_ROOT: ROOT };
  const results = new Map<string, Verdict>();
  const queue = [...cases];
  const slot = async () => {
    let child: Child | null = null;
    try {
      for (let c = queue.shift(); c !== undefined; c = queue.shift()) {
        if (c.isolate) {
          const own = new Child(env);
          await own.ready;
          const v = await own.run(c.id, c.timeoutMs ?? DEFAULT_TIMEOUT);
          own.kill();
          results.set(c.id, v);
          options.onResult?.(c.id, v);
          continue;
        }
        if (child === null || !child.alive) {
          child?.kill();
          child = new Child(env);
          await child.ready;
        }
        const v = await child.run(c.id, c.timeoutMs ?? DEFAULT_TIMEOUT);
        results.set(c.id, v);
        options.onResult?.(c.id, v);
      }
    } finally {
      child?.kill();
    }
  };
  await Promise.all(Array.from({ length: workers }, slot));
  return results;
}
