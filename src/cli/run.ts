// `meanfield run`: a sweep over a parameter grid and seeds, one JSON line per (grid point,
// seed). The seeds of a grid point run together (simulateMany) in chunks on worker threads.
// Every flag value is checked (and every grid point's simulate options validated) before any
// file is touched. The output is locked (`<out>.lock`, one writer at a time); finished lines
// are kept in memory and the output is rewritten atomically (temp file, fsync, rename) at most
// every second (less often when the file is large) and at the end, so the file is always whole
// lines, even after kill -9; Ctrl-C writes every finished chunk and exits. An existing file is
// never replaced by fewer runs: without --resume it is refused.
import { existsSync, statSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { Worker } from 'node:worker_threads';
import { THREADS_PER_CORE } from '../backend/index.js';
import { InvalidArgumentError, UsageError } from '../errors.js';
import { capability } from '../flows/flow.js';
import { DETERMINISTIC_INTEGRATORS, INTEGRATORS, type IntegratorName } from '../simulate/integrators.js';
import { DEFAULT_MAX_STEPS, rk45Tolerances, runSpec } from '../simulate/spec.js';
import { LIMITS } from '../validate.js';
import { MAX_RUNS, parseSeeds, precisionFlag, type CommandSpec, type Values } from './args.js';
import { OutputError, readText, writeAtomic } from './files.js';
import { chunkJobs, gridPoints, gridText, pointKey, seedsText, type Chunk, type Job } from './grid.js';
import { acquireLock } from './lock.js';
import { Progress } from './progress.js';
import { readResume } from './resume.js';
import { parseShard, shardOut, shardSlice, type Shard } from './shard.js';
import { makeFlow, simulateOptions, SWEEP_FLOWS, type SweepSpec } from './sweep.js';
import type { ProgressMessage, SeedResult } from './worker-messages.js';

/** Most records of a run. */
export const MAX_RECORDS = 100_000;
/** The integrators `meanfield run` offers (the deterministic ones of the registry), adaptive and fixed-step. */
const ADAPTIVE = DETERMINISTIC_INTEGRATORS.filter((name) => INTEGRATORS[name].adaptive);
const FIXED_STEP = DETERMINISTIC_INTEGRATORS.filter((name) => !INTEGRATORS[name].adaptive);
/** The library's default tolerances of the adaptive integrators, quoted by --rtol and --atol. */
const TOLERANCES = rk45Tolerances(null);
/** The flows of `meanfield run`: 'attention, circle or interaction'. */
const FLOW_LIST = Object.keys(SWEEP_FLOWS).join(', ').replace(/, ([^,]*)$/, ' or $1');
/** Numbers (n x dim x seeds) one chunk of seeds simulates together at most: bigger systems get smaller chunks. */
const CHUNK_ELEMENTS = 2 ** 22;

export const runCommand: CommandSpec = {
  name: 'run',
  usage: `meanfield run ${Object.keys(SWEEP_FLOWS).join('|')} [options] --out runs.jsonl`,
  summary: 'Simulate one flow over a grid of beta, n, dim and many seeds; write one JSON line per (grid point, seed) (plateaus, cluster counts, clustered-pairs fraction and energy over time, steps, wall time).',
  positionals: { min: 1, max: 1, names: `one flow: ${FLOW_LIST}` },
  flags: [
    { name: 'n', kind: 'int', min: 2, default: 64, grid: true, help: 'particles (a grid: 8,16,32 or 8:32:4)' },
    { name: 'dim', kind: 'int', min: 2, default: 3, grid: true, help: 'dimension of the sphere S^{dim-1} (attention, interaction; a grid: 2,3,8)' },
    { name: 'beta', kind: 'number', default: 9, grid: true, help: 'inverse temperature (a grid: 0.1:9:90 is 90 values from 0.1 to 9, or 1,4,9)' },
    { name: 'normalization', kind: ['softmax', 'none', 'sinkhorn'], default: 'softmax', help: 'attention normalisation (circle: softmax or none)' },
    { name: 'mask', kind: ['none', 'causal'], default: 'none', help: 'attention mask' },
    { name: 't-end', kind: 'number', min: 0, default: 1000, help: 'final time (0: the initial state only)' },
    { name: 'integrator', kind: DETERMINISTIC_INTEGRATORS, default: 'rk45', help: 'time stepper' },
    { name: 'dt', kind: 'number', min: 0, exclusiveMin: true, help: `step for ${FIXED_STEP.join(', ')}` },
    { name: 'rtol', kind: 'number', min: 0, exclusiveMin: true, help: `${ADAPTIVE.join(', ')} relative tolerance (default: simulate's, ${TOLERANCES.rtol}; with --collapse TOL, min(${TOLERANCES.rtol}, 1e-3 TOL))` },
    { name: 'atol', kind: 'number', min: 0, exclusiveMin: true, help: `${ADAPTIVE.join(', ')} absolute tolerance (default: simulate's, ${TOLERANCES.atol}; with --collapse TOL, min(${TOLERANCES.atol}, 1e-6 TOL))` },
    { name: 'clock', kind: ['time', 'arclength'], default: 'time', help: 'arclength: step in arc length (slow phases cost few steps; --dt is then an arc length)' },
    { name: 'collapse', kind: 'number', min: 0, exclusiveMin: true, help: 'merge particles closer than TOL (radians) into one weighted particle: long runs reach the last merge in few steps (not with --mask causal)' },
    { name: 'stop-one-cluster', kind: 'number', min: 0, exclusiveMin: true, help: 'stop a run once its particles form one cluster at single-linkage distance TOL (radians)' },
    { name: 'records', kind: 'int', min: 2, max: MAX_RECORDS, default: 100, help: 'record times, t = 0 and t-end included' },
    { name: 'spacing', kind: ['log', 'linear'], default: 'log', help: 'record times log-spaced (from min(0.01, t-end/100)) or linear (from 0)' },
    { name: 'record-every', kind: 'int', min: 1, help: 'record after every K natural steps instead (euler --dt 0.1 --record-every 10: t = 0, 1, 2, ...)' },
    { name: 'cluster-tol', kind: 'number', min: 0, exclusiveMin: true, default: 1e-2, help: 'single-linkage distance for cluster counts' },
    { name: 'delta', kind: 'number', min: 0, exclusiveMin: true, default: 1e-3, help: 'clustered pairs: <x_i, x_j> > 1 - delta (the papers\' 0.999)' },
    precisionFlag,
    { name: 'seeds', kind: 'string', default: '1..8', help: 'seeds: 1..64 or 1,2,5' },
    { name: 'shard', kind: 'string', help: 'run the i-th of k contiguous slices of the (grid point, seed) list: i/k (1 <= i <= k); auto in a Slurm job array (sbatch --array=0-7); auto/K in a Kubernetes Indexed Job of K completions' },
    { name: 'threads', kind: 'int', min: 1, help: `worker threads (default: the cores; at most ${THREADS_PER_CORE} per core)` },
    { name: 'batch', kind: 'int', min: 1, default: 16, help: 'most seeds of one grid point simulated together in one chunk' },
    { name: 'out', kind: 'string', help: "output JSON Lines file (required; locked while the run writes it, via <out>.lock); {shard} in it is the shard number: --out 'runs/part-{shard}.jsonl'" },
    { name: 'resume', kind: 'boolean', help: 'skip (grid point, seed) pairs already in --out and keep their lines (the settings must match the file\'s)' },
  ],
};

/** One SweepSpec per grid point, in grid order (beta outermost, then dim, then n). */
export function sweepSpecs(flow: string, v: Values, raw: Record<string, string> = {}): SweepSpec[] {
  if (!Object.hasOwn(SWEEP_FLOWS, flow)) throw new UsageError(`meanfield run: the flow must be ${FLOW_LIST}, got '${flow}'`);
  const adaptive = INTEGRATORS[v.integrator as IntegratorName].adaptive;
  if (!adaptive && v.dt === undefined) throw new UsageError(`meanfield run: --dt is required with --integrator ${v.integrator}`);
  const delta = v.delta as number;
  if (!(delta > 0 && delta <= 2)) throw new UsageError(`meanfield run: --delta must be in (0, 2], got '${delta}'`);
  const dims = v.dim as number[];
  if (flow === 'circle' && dims.length > 1) throw new UsageError(`meanfield run: --dim does not apply to circle (always 2), got '${dims.join(',')}'`);
  const tEnd = v['t-end'] as number, dt = v.dt as number | undefined, every = v['record-every'] as number | undefined;
  if (!adaptive && v.clock === 'time' && dt !== undefined && tEnd / dt > DEFAULT_MAX_STEPS) {
    throw new UsageError(`meanfield run: --t-end ${tEnd} with --dt ${dt} is ${(tEnd / dt).toExponential(2)} steps, beyond the limit of ${DEFAULT_MAX_STEPS.toExponential(0)} per run`);
  }
  const collapse = (v.collapse as number | undefined) ?? null, stopOneCluster = (v['stop-one-cluster'] as number | undefined) ?? null;
  if (v.atol !== undefined && !adaptive) throw new UsageError(`meanfield run: --atol applies to --integrator ${ADAPTIVE.join(', ')} only, got --integrator ${v.integrator}`);
  if (every !== undefined && !adaptive && v.clock === 'time' && dt !== undefined && tEnd / dt / every > MAX_RECORDS) {
    throw new UsageError(`meanfield run: --record-every ${every} with --t-end ${tEnd} and --dt ${dt} is ${Math.ceil(tEnd / dt / every)} records, beyond the limit of ${MAX_RECORDS} per run`);
  }
  const base = {
    flow: flow as SweepSpec['flow'], normalization: v.normalization as SweepSpec['normalization'], mask: v.mask as SweepSpec['mask'], tEnd,
    integrator: v.integrator as SweepSpec['integrator'], dt, rtol: (v.rtol as number | undefined) ?? rk45Tolerances(collapse).rtol,
    records: v.records as number, spacing: v.spacing as SweepSpec['spacing'], recordEvery: every,
    clusterTol: v['cluster-tol'] as number, delta, precision: v.precision as SweepSpec['precision'],
    atol: v.atol as number | undefined, clock: v.clock as SweepSpec['clock'], collapse, stopOneCluster,
    sweep: {
      beta: gridText(raw.beta, v.beta as number[]), n: gridText(raw.n, v.n as number[]),
      dim: flow === 'circle' ? null : gridText(raw.dim, dims), seeds: seedsText(parseSeeds(v.seeds as string).sort((a, b) => a - b)),
    },
  };
  const specs = gridPoints(v.beta as number[], flow === 'circle' ? [2] : dims, v.n as number[]).map((p) => ({ ...base, ...p }));
  if (specs.length > MAX_RUNS) throw new UsageError(`meanfield run: the grid has ${specs.length} points, beyond the limit of ${MAX_RUNS} runs`);
  // Sizes, before anything is allocated: the particles' coordinates and the pair work of one velocity call.
  for (const s of specs) {
    const coords = flow === 'circle' ? 1 : s.dim;
    const elements = s.n * coords, work = s.n * s.n * Math.max(coords, 2);
    const most = Math.floor(Math.min(LIMITS.maxElements / coords, Math.sqrt(LIMITS.maxPairWork / Math.max(coords, 2))));
    if (elements > LIMITS.maxElements || work > LIMITS.maxPairWork) {
      throw new UsageError(`meanfield run: --n ${s.n}${flow === 'circle' ? '' : ` with --dim ${s.dim}`} is beyond the size limit (at most ${most} particles${flow === 'circle' ? '' : ` in dimension ${s.dim}`}: ${LIMITS.maxElements} numbers per measure, ${LIMITS.maxPairWork.toExponential(2)} pair terms per velocity call)`);
    }
  }
  return specs;
}

/** The key of a grid point, as its lines name it (n and dim of the measure: the circle's points are angles, dim 1). */
function keyOf(s: SweepSpec): string {
  return pointKey({ beta: s.beta, n: s.n, dim: s.flow === 'circle' ? 1 : s.dim });
}

/** Checks every grid point's simulate options as simulate will (nothing runs); bad ones are a UsageError. */
function checkSpecs(specs: SweepSpec[]): void {
  for (const s of specs) {
    try {
      const flow = makeFlow(s);
      // The flow declares whether particles may merge (attention under a causal mask may not, and says why).
      if (s.collapse !== null && !capability(flow, 'collapse')) {
        const why = flow.capabilities?.reasons?.collapse ?? 'the flow does not declare capabilities.collapse';
        throw new UsageError(`meanfield run: --collapse cannot be used with ${s.mask === 'none' ? `the ${s.flow} flow` : `--mask ${s.mask}`}: ${why}`);
      }
      runSpec(flow, simulateOptions(s, flow));
    } catch (e) {
      if (e instanceof InvalidArgumentError) throw new UsageError(`meanfield run: ${e.message}${specs.length > 1 ? ` (at beta ${s.beta}, n ${s.n}, dim ${s.dim})` : ''}`);
      throw e;
    }
  }
}

/** Threads for the workers: as asked (default the cores), at most THREADS_PER_CORE per core and one per chunk. */
function threadCount(asked: number | undefined, chunks: number, log: (line: string) => void): number {
  const cores = availableParallelism();
  let t = asked ?? cores;
  if (t > THREADS_PER_CORE * cores) {
    log(`note: --threads ${t} capped at ${THREADS_PER_CORE * cores} (${THREADS_PER_CORE} per core on this machine)`);
    t = THREADS_PER_CORE * cores;
  }
  return Math.max(1, Math.min(t, chunks));
}

export async function run(flow: string, v: Values, log: (line: string) => void, raw: Record<string, string> = {}): Promise<number> {
  const outFlag = v.out as string | undefined;
  if (outFlag === undefined) throw new UsageError('meanfield run: --out is required (the JSON Lines file to write)');
  if (outFlag.trim() === '') throw new UsageError("meanfield run: --out must name a file, got ''");
  const shard: Shard | null = v.shard === undefined ? null : parseShard(v.shard as string);
  const out = shardOut(outFlag, shard);
  const specs = sweepSpecs(flow, v, raw);
  const keys = specs.map(keyOf);
  checkSpecs(specs);
  const seeds = parseSeeds(v.seeds as string).sort((a, b) => a - b);
  if (specs.length * seeds.length > MAX_RUNS) {
    throw new UsageError(`meanfield run: ${specs.length} grid points x ${seeds.length} seeds is ${specs.length * seeds.length} runs, beyond the limit of ${MAX_RUNS} (split the sweep over several --out files)`);
  }
  let jobs: Job[] = specs.flatMap((_, point) => seeds.map((seed) => ({ point, seed })));
  if (shard !== null) {
    jobs = shardSlice(jobs, shard);
    if (!shard.source.startsWith('--shard')) log(`shard ${shard.index} of ${shard.count} (${shard.source}): ${jobs.length} runs to ${out}`);
  }

  // Every value is good: now the output. The lock also proves the directory writable.
  const lock = acquireLock(out, log);
  try {
    return await runLocked(v, out, specs, keys, seeds, jobs, log);
  } finally {
    lock.release();
  }
}

async function runLocked(v: Values, out: string, specs: SweepSpec[], keys: string[], seeds: number[], jobs: Job[], log: (line: string) => void): Promise<number> {
  // Lines in (grid point, seed) order: shards concatenate into the full sweep. Lines of points
  // outside this grid (kept by --resume) go last, in their order.
  const lines: Array<{ point: number; seed: number; text: string }> = [];
  const exists = existsSync(out);
  if (v.resume === true && exists) {
    const kept = readResume(out, specs, keys, seeds, log);
    lines.push(...kept.lines);
    jobs = jobs.filter((j) => !kept.done.has(`${keys[j.point]}, seed ${j.seed}`));
    log(`resuming: ${kept.done.size} runs already in ${out}, ${jobs.length} to run`);
  } else if (exists && statSync(out).size > 0) {
    const count = readText(out).split('\n').filter((l) => l.trim() !== '').length;
    throw new UsageError(`meanfield run: --out ${out} already holds ${count} line${count === 1 ? '' : 's'}: add --resume to keep its runs and add the missing ones, or remove it (a results file is never replaced)`);
  }
  let dirty = true, lastWrite = 0, writeMs = 0;
  let writeError: Error | null = null;
  /** Rewrites the file; at most every second, or every 10 write times for big files (writing stays under ~10% of the time). */
  const flush = (force: boolean) => {
    if (!dirty || writeError !== null || (!force && Date.now() - lastWrite < Math.max(1000, 10 * writeMs))) return;
    const t0 = Date.now();
    try {
      lines.sort((a, b) => a.point - b.point || a.seed - b.seed);
      writeAtomic(out, lines.map((l) => `${l.text}\n`).join(''));
    } catch (e) {
      writeError = e as Error;
      return;
    }
    dirty = false;
    lastWrite = Date.now();
    writeMs = lastWrite - t0;
  };
  if (jobs.length === 0) {
    flush(true);
    if (writeError !== null) throw writeError;
    log('nothing to run');
    return 0;
  }

  const cores = availableParallelism();
  const chunks = chunkJobs(jobs, Math.max(1, Math.min((v.threads as number | undefined) ?? cores, THREADS_PER_CORE * cores)), (point) => {
    const s = specs[point];
    return Math.max(1, Math.min(v.batch as number, Math.floor(CHUNK_ELEMENTS / (s.n * (s.flow === 'circle' ? 1 : s.dim)))));
  });
  const threads = threadCount(v.threads as number | undefined, chunks.length, log);
  const progress = new Progress(jobs.length, process.stderr);
  const failures: string[] = [];
  const name = (point: number, seed: number) => (specs.length > 1 ? `${keys[point]}, seed ${seed}` : `seed ${seed}`);
  const finish = (id: number, results: SeedResult[]) => {
    const chunk = chunks[id];
    progress.clear(id);
    for (const r of results) {
      if (r.line !== undefined) { lines.push({ point: chunk.point, seed: r.seed, text: JSON.stringify(r.line) }); dirty = true; }
      if (r.error !== undefined) failures.push(`${name(chunk.point, r.seed)}: ${r.error}`);
      progress.tick(name(chunk.point, r.seed), r.line ?? null);
    }
    flush(false);
  };
  const onProgress = (m: ProgressMessage) => progress.update(m.id, { job: name(chunks[m.id].point, m.seed), t: m.t, tEnd: m.tEnd, fraction: m.fraction, steps: m.steps });

  let interrupted = false;
  const onSignal = () => { interrupted = true; };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const sig of signals) process.on(sig, onSignal);
  try {
    await runParallel(specs, chunks, threads, finish, onProgress, () => interrupted || writeError !== null);
  } finally {
    for (const sig of signals) process.off(sig, onSignal);
    progress.end();
    dirty = true;
    flush(true);
  }
  for (const f of failures) log(`failed: ${f}`);
  if (writeError !== null) throw new OutputError(`${out} could not be written: ${(writeError as Error).message.replace(/^.*could not be written: /, '')}; the file keeps its last complete version (rerun with --resume)`);
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
function runParallel(
  specs: SweepSpec[], chunks: Chunk[], threads: number, finish: (id: number, results: SeedResult[]) => void,
  onProgress: (m: ProgressMessage) => void, stop: () => boolean,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let next = 0, active = 0, settled = false;
    const workers: Worker[] = [];
    const end = (e?: Error) => {
      if (settled) return;
      settled = true;
      clearInterval(poll);
      for (const w of workers) void w.terminate();
      if (e === undefined) resolve(); else reject(e);
    };
    const done = () => end();
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
      // A heap limit: a worker running out of memory ends the run with one error (finished lines kept), not a process abort.
      const w = new Worker(new URL('./cli-worker.js', import.meta.url), { resourceLimits: { maxOldGenerationSizeMb: Math.max(512, Math.min(8192, Math.floor(totalmem() / 2 ** 20 / 2 / threads))) } });
      workers.push(w);
      w.on('message', (m: { type: 'done'; id: number; results: SeedResult[] } | ProgressMessage) => {
        if (settled) return;
        if (m.type === 'progress') { onProgress(m); return; }
        active--;
        try {
          finish(m.id, m.results);
        } catch (e) {
          end(e as Error);
          return;
        }
        if (next >= chunks.length && active === 0) { done(); return; }
        feed(w);
      });
      w.on('error', (e) => end(e));
      w.on('exit', (code) => { if (!settled) end(new Error(`a worker thread stopped (exit code ${code})`)); });
      feed(w);
    }
  });
}
