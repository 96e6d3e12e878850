// `meanfield run`: a sweep over a parameter grid and seeds, one JSON line per (grid point,
// seed). The seeds of a grid point run together (simulateMany) in chunks on worker threads.
// Finished lines are kept in memory and the output is rewritten atomically (temp file +
// rename) at most every second and at the end, so the file is always whole lines; Ctrl-C
// writes every finished chunk and exits.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { InvalidArgumentError, UsageError } from '../errors.js';
import { parseSeeds, shardOf, precisionFlag, type CommandSpec, type Values } from './args.js';
import { readJsonLines, readText, writeAtomic } from './files.js';
import { chunkJobs, gridPoints, lineJob, pointKey, type Chunk, type Job } from './grid.js';
import { Progress } from './progress.js';
import { initialMeasure, makeFlow, recordOptions, type SweepSpec } from './sweep.js';
import type { SeedResult } from './worker.js';

export const runCommand: CommandSpec = {
  name: 'run',
  usage: 'meanfield run attention|circle|interaction [options] --out runs.jsonl',
  summary: 'Simulate one flow over a grid of beta, n, dim and many seeds; write one JSON line per (grid point, seed) (plateaus, cluster counts, clustered-pairs fraction and energy over time, steps, wall time).',
  positionals: { min: 1, max: 1, names: 'one flow: attention, circle or interaction' },
  flags: [
    { name: 'n', kind: 'int', min: 2, default: 64, grid: true, help: 'particles (a grid: 8,16,32 or 8:32:4)' },
    { name: 'dim', kind: 'int', min: 2, default: 3, grid: true, help: 'dimension of the sphere S^{dim-1} (attention, interaction; a grid: 2,3,8)' },
    { name: 'beta', kind: 'number', default: 9, grid: true, help: 'inverse temperature (a grid: 0.1:9:90 is 90 values from 0.1 to 9, or 1,4,9)' },
    { name: 'normalization', kind: ['softmax', 'none', 'sinkhorn'], default: 'softmax', help: 'attention normalisation (circle: softmax or none)' },
    { name: 'mask', kind: ['none', 'causal'], default: 'none', help: 'attention mask' },
    { name: 't-end', kind: 'number', min: 0, default: 1000, help: 'final time' },
    { name: 'integrator', kind: ['euler', 'heun', 'rk4', 'rk45'], default: 'rk45', help: 'time stepper' },
    { name: 'dt', kind: 'number', min: 0, help: 'step for euler, heun, rk4' },
    { name: 'rtol', kind: 'number', min: 0, default: 1e-6, help: 'rk45 relative tolerance' },
    { name: 'records', kind: 'int', min: 2, default: 100, help: 'record times, t = 0 and t-end included' },
    { name: 'spacing', kind: ['log', 'linear'], default: 'log', help: 'record times log-spaced (from min(0.01, t-end/100)) or linear (from 0)' },
    { name: 'record-every', kind: 'int', min: 1, help: 'record after every K natural steps instead (euler --dt 0.1 --record-every 10: t = 0, 1, 2, ...)' },
    { name: 'cluster-tol', kind: 'number', min: 0, default: 1e-2, help: 'single-linkage distance for cluster counts' },
    { name: 'delta', kind: 'number', min: 0, default: 1e-3, help: 'clustered pairs: <x_i, x_j> > 1 - delta (the papers\' 0.999)' },
    precisionFlag,
    { name: 'seeds', kind: 'string', default: '1..8', help: 'seeds: 1..64 or 1,2,5' },
    { name: 'shard', kind: 'string', help: 'run the i-th of k contiguous slices of the (grid point, seed) list (i/k, 1 <= i <= k), for job arrays' },
    { name: 'threads', kind: 'int', min: 1, help: 'worker threads (default: the cores)' },
    { name: 'batch', kind: 'int', min: 1, default: 16, help: 'most seeds of one grid point simulated together in one chunk' },
    { name: 'out', kind: 'string', help: 'output JSON Lines file (required)' },
    { name: 'resume', kind: 'boolean', help: 'skip (grid point, seed) pairs already in --out and keep their lines' },
  ],
};

/** One SweepSpec per grid point, in grid order (beta outermost, then dim, then n). */
export function sweepSpecs(flow: string, v: Values): SweepSpec[] {
  if (!['attention', 'circle', 'interaction'].includes(flow)) throw new UsageError(`meanfield run: the flow must be attention, circle or interaction, got '${flow}'`);
  if (v.integrator !== 'rk45' && v.dt === undefined) throw new UsageError(`meanfield run: --dt is required with --integrator ${v.integrator}`);
  const delta = v.delta as number;
  if (!(delta > 0 && delta <= 2)) throw new UsageError(`meanfield run: --delta must be in (0, 2], got '${delta}'`);
  const dims = v.dim as number[];
  if (flow === 'circle' && dims.length > 1) throw new UsageError(`meanfield run: --dim does not apply to circle (always 2), got '${dims.join(',')}'`);
  const base = {
    flow: flow as SweepSpec['flow'], normalization: v.normalization as SweepSpec['normalization'], mask: v.mask as SweepSpec['mask'], tEnd: v['t-end'] as number,
    integrator: v.integrator as SweepSpec['integrator'], dt: v.dt as number | undefined, rtol: v.rtol as number,
    records: v.records as number, spacing: v.spacing as SweepSpec['spacing'], recordEvery: v['record-every'] as number | undefined,
    clusterTol: v['cluster-tol'] as number, delta, precision: v.precision as SweepSpec['precision'],
  };
  return gridPoints(v.beta as number[], flow === 'circle' ? [2] : dims, v.n as number[]).map((p) => ({ ...base, ...p }));
}

export async function run(flow: string, v: Values, log: (line: string) => void): Promise<number> {
  const out = v.out as string | undefined;
  if (out === undefined) throw new UsageError('meanfield run: --out is required (the JSON Lines file to write)');
  const specs = sweepSpecs(flow, v);
  // Each grid point as a line names it (n and dim of the measure: the circle's points are angles, dim 1).
  const keys: string[] = [];
  try {
    for (const s of specs) {
      makeFlow(s);
      recordOptions(s);
      const mu = initialMeasure(s, 0);
      keys.push(pointKey({ beta: s.beta, n: mu.size, dim: mu.dim }));
    }
  } catch (e) {
    if (e instanceof InvalidArgumentError) throw new UsageError(`meanfield run: ${e.message}`);
    throw e;
  }
  const seeds = parseSeeds(v.seeds as string).sort((a, b) => a - b);
  let jobs: Job[] = specs.flatMap((_, point) => seeds.map((seed) => ({ point, seed })));
  if (v.shard !== undefined) jobs = shardOf(jobs, v.shard as string);
  // Lines in (grid point, seed) order: shards concatenate into the full sweep. Lines of points
  // outside this grid (kept by --resume) go last, in their order.
  const lines: Array<{ point: number; seed: number; text: string }> = [];
  if (v.resume === true && existsSync(out)) {
    const done = new Set<string>();
    readJsonLines(out, readText(out)).forEach((line) => {
      const job = lineJob(line);
      if (job === null) return;
      done.add(`${job.point}, seed ${job.seed}`);
      const point = keys.indexOf(job.point);
      lines.push({ point: point < 0 ? Infinity : point, seed: job.seed, text: JSON.stringify(line) });
    });
    jobs = jobs.filter((j) => !done.has(`${keys[j.point]}, seed ${j.seed}`));
    log(`resuming: ${done.size} runs already in ${out}, ${jobs.length} to run`);
  } else if (existsSync(out)) {
    log(`overwriting ${out} (use --resume to keep its runs)`);
  }
  let dirty = true, lastWrite = 0;
  const flush = (force: boolean) => {
    if (!dirty || (!force && Date.now() - lastWrite < 1000)) return;
    lines.sort((a, b) => a.point - b.point || a.seed - b.seed);
    writeAtomic(out, lines.map((l) => `${l.text}\n`).join(''));
    dirty = false;
    lastWrite = Date.now();
  };
  if (jobs.length === 0) { flush(true); log('nothing to run'); return 0; }

  const chunks = chunkJobs(jobs, Math.max(1, (v.threads as number | undefined) ?? availableParallelism()), v.batch as number);
  const threads = Math.max(1, Math.min((v.threads as number | undefined) ?? availableParallelism(), chunks.length));
  const progress = new Progress(jobs.length, process.stderr);
  const failures: string[] = [];
  const name = (point: number, seed: number) => (specs.length > 1 ? `${keys[point]}, seed ${seed}` : `seed ${seed}`);
  const finish = (chunk: Chunk, results: SeedResult[]) => {
    for (const r of results) {
      if (r.line !== undefined) { lines.push({ point: chunk.point, seed: r.seed, text: JSON.stringify(r.line) }); dirty = true; }
      if (r.error !== undefined) failures.push(`${name(chunk.point, r.seed)}: ${r.error}`);
      progress.tick(name(chunk.point, r.seed), r.line ?? null);
    }
    flush(false);
  };

  let interrupted = false;
  const onSigint = () => { interrupted = true; };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  try {
    await runParallel(specs, chunks, threads, finish, () => interrupted);
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    dirty = true;
    flush(true);
    progress.end();
  }
  for (const f of failures) log(`failed: ${f}`);
  if (interrupted) {
    log(`interrupted: ${lines.length} runs in ${out}; rerun with --resume to finish`);
    return 130;
  }
  log(`${lines.length} runs in ${out}`);
  return failures.length ? 1 : 0;
}

/**
 * Chunks over worker threads (even one: the main thread stays free to answer Ctrl-C at once),
 * each worker taking the next chunk as it finishes one. A chunk cut short by Ctrl-C is dropped.
 */
function runParallel(specs: SweepSpec[], chunks: Chunk[], threads: number, finish: (chunk: Chunk, results: SeedResult[]) => void, stop: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    let next = 0, active = 0;
    const workers: Worker[] = [];
    const done = () => { clearInterval(poll); for (const w of workers) void w.terminate(); resolve(); };
    const feed = (w: Worker) => {
      if (stop() || next >= chunks.length) {
        if (active === 0) done();
        return;
      }
      active++;
      const id = next++;
      w.postMessage({ type: 'chunk', id, spec: specs[chunks[id].point], seeds: chunks[id].seeds });
    };
    const poll = setInterval(() => { if (stop()) done(); }, 100);
    for (let t = 0; t < threads; t++) {
      const w = new Worker(new URL('./cli-worker.js', import.meta.url));
      workers.push(w);
      w.on('message', (m: { type: 'done'; id: number; results: SeedResult[] }) => {
        active--;
        finish(chunks[m.id], m.results);
        if (next >= chunks.length && active === 0) { done(); return; }
        feed(w);
      });
      w.on('error', (e) => { clearInterval(poll); for (const x of workers) void x.terminate(); reject(e); });
      feed(w);
    }
  });
}
