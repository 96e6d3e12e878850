// `meanfield sinkhorn` and `meanfield bench`.
import { init } from '../backend/index.js';
import { attention } from '../flows/attention.js';
import { Measure } from '../measure.js';
import { DEFAULT_MAX_ITER } from '../ot/sinkhorn.js';
import { precisionFlag, type CommandSpec, type Values } from './args.js';
import { OutputError, readPointsCsv, writeAtomic } from './files.js';
import { availableParallelism, totalmem } from 'node:os';
import { accessSync, constants } from 'node:fs';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import { InputError, MeanfieldError, ResourceError } from '../errors.js';
import type { SinkhornJob, WorkerFailure } from './worker-messages.js';

export const sinkhornCommand: CommandSpec = {
  name: 'sinkhorn',
  usage: 'meanfield sinkhorn a.csv b.csv --eps 0.01 [--out result.json]',
  summary: 'Entropic OT between two point clouds (CSV, one point per line, uniform weights): OT_eps value, Sinkhorn divergence S_eps, iterations. Cost |x - y|^2.',
  positionals: { min: 2, max: 2, names: 'two CSV files of points' },
  flags: [
    { name: 'eps', kind: 'number', min: 0, exclusiveMin: true, default: 0.01, help: 'entropic regularisation, in units of |x - y|^2' },
    { name: 'tol', kind: 'number', min: 0, exclusiveMin: true, help: "L1 marginal error to stop at (default 1e-6 with f64 and mixed; with --precision f32 max(1e-5, 2^-26 diameter^2/eps), and a tol below f32's reach stops with a warning)" },
    { name: 'max-iter', kind: 'int', min: 1, default: DEFAULT_MAX_ITER, help: 'iterations at the final eps' },
    { ...precisionFlag, kind: ['f64', 'f32', 'mixed'], help: "kernel precision; 'mixed': f32 iterations, then an f64 polish to --tol" },
    { name: 'acceleration', kind: ['anderson', 'overrelaxation', 'none'], default: 'anderson', help: 'how the iteration at eps is accelerated (none: plain Sinkhorn)' },
    { name: 'truncate', kind: 'number', min: 0, exclusiveMin: true, help: 'multiscale kernel truncation: skip blocks carrying less than e^-(truncate^2) of their rows (default: exact)' },
    { name: 'threads', kind: 'int', min: 1, help: 'kernel threads (default: the cores)' },
    { name: 'out', kind: 'string', help: 'write the JSON result here instead of standard output' },
  ],
};

/**
 * The computation runs on a worker thread with a heap limit: whatever goes wrong inside the
 * library (even running out of memory, which would abort the process) comes back as one error.
 */
export async function sinkhornCli(files: string[], v: Values): Promise<string> {
  const [a, b] = files.map(readPointsCsv);
  if (a.dim !== b.dim) throw new InputError(files[1], null, `has points of dimension ${b.dim}, ${files[0]} has ${a.dim}`);
  checkCostRange(files, [a, b]);
  if (v.out !== undefined) checkWritable(v.out as string);
  const job: SinkhornJob = {
    type: 'sinkhorn', files, a, b, eps: v.eps as number, tol: v.tol as number | undefined, maxIter: v['max-iter'] as number,
    precision: v.precision as 'f64' | 'f32' | 'mixed', threads: v.threads as number | undefined,
    acceleration: v.acceleration as 'anderson' | 'overrelaxation' | 'none', truncate: v.truncate as number | undefined,
  };
  const result = await inWorker<Record<string, unknown>>(job, 'sinkhorn');
  // Not converged (e.g. --tol below what --precision f32 reaches): one line on stderr, the result still on stdout.
  if (typeof result.warning === 'string') process.stderr.write(`meanfield sinkhorn: warning: ${result.warning.replace(/\s+/g, ' ')}\n`);
  const text = `${JSON.stringify(result, null, 2)}\n`;
  if (v.out !== undefined) writeAtomic(v.out as string, text);
  return text;
}

/** Throws OutputError unless a file can be created next to `path` (before any work). */
function checkWritable(path: string): void {
  try {
    accessSync(dirname(path), constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new OutputError(`cannot write --out ${path}: ${code === 'ENOENT' ? `the directory ${dirname(path)} does not exist` : `the directory ${dirname(path)} is not writable (${code})`}`);
  }
}

/** Posts `job` to a fresh worker (heap-limited) and resolves with its answer of type `answer`. */
function inWorker<T>(job: SinkhornJob, answer: string): Promise<T> {
  const heapMb = Math.max(512, Math.min(8192, Math.floor(totalmem() / 2 ** 20 / 2)));
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL('./cli-worker.js', import.meta.url), { resourceLimits: { maxOldGenerationSizeMb: heapMb } });
    let settled = false;
    const end = (f: () => void) => { if (!settled) { settled = true; void w.terminate(); f(); } };
    w.on('message', (m: { type: string; result?: T } & Partial<WorkerFailure>) => {
      if (m.type === answer) end(() => resolve(m.result as T));
      else if (m.type === 'failed') {
        const e = m.library ? new MeanfieldError(m.message!) : new Error(m.message);
        e.name = m.name!;
        end(() => reject(e));
      }
    });
    w.on('error', (e) => end(() => reject((e as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY'
      ? new ResourceError(`the ${answer} computation ran out of memory (heap limit ${heapMb} MiB); it`, heapMb * 2 ** 20, heapMb * 2 ** 20)
      : e)));
    w.on('exit', (code) => end(() => reject(new Error(`the ${answer} worker stopped (exit code ${code})`))));
    w.postMessage(job);
  });
}

/**
 * The squared distances |x - y|^2 between the two clouds must be finite doubles (below 1.8e308):
 * refuses, naming the file and line of the largest coordinate, a pair of clouds whose bounding
 * box is too wide (coordinates ~1e155).
 */
function checkCostRange(files: string[], clouds: Array<{ points: Float64Array; dim: number; size: number }>): void {
  const d = clouds[0].dim;
  let diam2 = 0;
  for (let k = 0; k < d; k++) {
    let lo = Infinity, hi = -Infinity;
    for (const c of clouds) for (let i = k; i < c.points.length; i += d) { const v = c.points[i]; if (v < lo) lo = v; if (v > hi) hi = v; }
    diam2 += (hi - lo) * (hi - lo);
  }
  if (Number.isFinite(diam2)) return;
  let file = 0, index = 0, big = 0;
  clouds.forEach((c, f) => c.points.forEach((v, i) => { if (Math.abs(v) > big) { big = Math.abs(v); file = f; index = i; } }));
  throw new InputError(files[file], null, `point ${Math.floor(index / d) + 1} has the coordinate ${clouds[file].points[index]}: the squared distances |x - y|^2 between the clouds overflow double precision (keep the spread of the points below about 1e150, or rescale them)`);
}

export const benchCommand: CommandSpec = {
  name: 'bench',
  usage: 'meanfield bench [--n 2048]',
  summary: 'Time the attention velocity kernel (d = 3, beta = 4) on this machine: wasm f64 / f32 against pure JS, and threads.',
  positionals: { min: 0, max: 0, names: 'no arguments' },
  flags: [
    { name: 'n', kind: 'int', min: 16, default: 2048, help: 'particles (pairs = n^2)' },
    { name: 'threads', kind: 'int', min: 1, help: 'threads for the threaded row (default: the cores)' },
  ],
};

/** Median wall time of fn over repeats filling about `budgetMs`. */
function time(fn: () => void, budgetMs = 800): number {
  fn();
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < 3 || (performance.now() - start < budgetMs && samples.length < 200)) {
    const t = performance.now();
    fn();
    samples.push(performance.now() - t);
  }
  samples.sort((x, y) => x - y);
  return samples[samples.length >> 1];
}

export async function benchCli(v: Values): Promise<string> {
  const n = v.n as number;
  const mu = Measure.uniformSphere(n, 3, { seed: 1 });
  const flow = attention({ beta: 4 });
  const out = new Float64Array(n * 3);
  const rows: string[] = ['| variant | threads | ms per call | ns per pair | vs js |', '|---|---|---|---|---|'];
  const one = await init({ threads: 1 });
  const ms: Record<string, number> = {};
  for (const [label, backend, precision] of [['js f64', 'js', 'f64'], ['wasm f64', 'wasm', 'f64'], ['wasm f32', 'wasm', 'f32']] as const) {
    ms[label] = time(() => flow.velocity(mu.points, mu.weights, 3, out, { backend, precision }), backend === 'js' ? 2000 : 800);
  }
  const threads = (await init({ threads: (v.threads as number | undefined) ?? Math.max(2, availableParallelism()) })).threads;
  ms[`wasm f32 x${threads}`] = time(() => flow.velocity(mu.points, mu.weights, 3, out, { precision: 'f32' }));
  for (const [label, t] of Object.entries(ms)) {
    rows.push(`| ${label.replace(/ x\d+$/, '')} | ${label.includes(' x') ? threads : one.threads} | ${t.toFixed(3)} | ${((t * 1e6) / (n * n)).toFixed(2)} | ${(ms['js f64'] / t).toFixed(1)}x |`);
  }
  return `attention velocity, N = ${n}, d = 3, beta = 4 (${process.version})\n\n${rows.join('\n')}\n`;
}
