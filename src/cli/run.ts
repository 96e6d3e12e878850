// `meanfield run`: a sweep over seeds, one JSON line per seed. Finished seeds are kept in
// memory and the output is rewritten atomically (temp file + rename) at most every second
// and at the end, so the file is always whole lines; Ctrl-C writes what finished and exits.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { InvalidArgumentError, UsageError } from '../errors.js';
import { parseSeeds, shardOf, precisionFlag, type CommandSpec, type Values } from './args.js';
import { readJsonLines, readText, writeAtomic } from './files.js';
import { Progress } from './progress.js';
import { initialMeasure, makeFlow, type SeedSummary, type SweepSpec } from './sweep.js';

export const runCommand: CommandSpec = {
  name: 'run',
  usage: 'meanfield run attention|circle|interaction [options] --out runs.jsonl',
  summary: 'Simulate one flow for many seeds; write one JSON line per seed (plateaus, cluster counts and energy over log-time, steps, wall time).',
  positionals: { min: 1, max: 1, names: 'one flow: attention, circle or interaction' },
  flags: [
    { name: 'n', kind: 'int', min: 2, default: 64, help: 'particles' },
    { name: 'dim', kind: 'int', min: 2, default: 3, help: 'dimension of the sphere S^{dim-1} (attention, interaction)' },
    { name: 'beta', kind: 'number', default: 9, help: 'inverse temperature' },
    { name: 'normalization', kind: ['softmax', 'none', 'sinkhorn'], default: 'softmax', help: 'attention normalisation (circle: softmax or none)' },
    { name: 'mask', kind: ['none', 'causal'], default: 'none', help: 'attention mask' },
    { name: 't-end', kind: 'number', min: 0, default: 1000, help: 'final time' },
    { name: 'integrator', kind: ['euler', 'heun', 'rk4', 'rk45'], default: 'rk45', help: 'time stepper' },
    { name: 'dt', kind: 'number', min: 0, help: 'step for euler, heun, rk4' },
    { name: 'rtol', kind: 'number', min: 0, default: 1e-6, help: 'rk45 relative tolerance' },
    { name: 'records', kind: 'int', min: 2, default: 100, help: 'log-spaced record times' },
    { name: 'cluster-tol', kind: 'number', min: 0, default: 1e-2, help: 'single-linkage distance for cluster counts' },
    precisionFlag,
    { name: 'seeds', kind: 'string', default: '1..8', help: 'seeds: 1..64 or 1,2,5' },
    { name: 'shard', kind: 'string', help: 'run the i-th of k contiguous slices of the seeds (i/k, 1 <= i <= k), for job arrays' },
    { name: 'threads', kind: 'int', min: 1, help: 'seeds run in parallel (default: the cores)' },
    { name: 'out', kind: 'string', help: 'output JSON Lines file (required)' },
    { name: 'resume', kind: 'boolean', help: 'skip seeds already in --out and keep their lines' },
  ],
};

export function sweepSpec(flow: string, v: Values): SweepSpec {
  if (!['attention', 'circle', 'interaction'].includes(flow)) throw new UsageError(`meanfield run: the flow must be attention, circle or interaction, got '${flow}'`);
  if (v.integrator !== 'rk45' && v.dt === undefined) throw new UsageError(`meanfield run: --dt is required with --integrator ${v.integrator}`);
  return {
    flow: flow as SweepSpec['flow'], n: v.n as number, dim: flow === 'circle' ? 2 : (v.dim as number), beta: v.beta as number,
    normalization: v.normalization as SweepSpec['normalization'], mask: v.mask as SweepSpec['mask'], tEnd: v['t-end'] as number,
    integrator: v.integrator as SweepSpec['integrator'], dt: v.dt as number | undefined, rtol: v.rtol as number,
    records: v.records as number, clusterTol: v['cluster-tol'] as number, precision: v.precision as SweepSpec['precision'],
  };
}

export async function run(flow: string, v: Values, log: (line: string) => void): Promise<number> {
  const out = v.out as string | undefined;
  if (out === undefined) throw new UsageError('meanfield run: --out is required (the JSON Lines file to write)');
  const spec = sweepSpec(flow, v);
  let seeds = parseSeeds(v.seeds as string);
  if (v.shard !== undefined) seeds = shardOf(seeds, v.shard as string);
  const kept: Array<{ seed: number; text: string }> = [];
  if (v.resume === true && existsSync(out)) {
    const done = new Set<number>();
    const text = readText(out);
    readJsonLines(out, text).forEach((line) => {
      if (typeof line.seed !== 'number') return;
      done.add(line.seed);
      kept.push({ seed: line.seed, text: JSON.stringify(line) });
    });
    seeds = seeds.filter((s) => !done.has(s));
    log(`resuming: ${done.size} seeds already in ${out}, ${seeds.length} to run`);
  } else if (existsSync(out) && v.resume !== true) {
    log(`overwriting ${out} (use --resume to keep its seeds)`);
  }
  const threads = Math.max(1, Math.min((v.threads as number | undefined) ?? availableParallelism(), seeds.length));
  const lines = [...kept];
  let dirty = false, lastWrite = 0;
  const flush = (force: boolean) => {
    if (!dirty || (!force && Date.now() - lastWrite < 1000)) return;
    lines.sort((a, b) => a.seed - b.seed); // a file in seed order: shards concatenate into the full sweep
    writeAtomic(out, lines.map((l) => `${l.text}\n`).join(''));
    dirty = false;
    lastWrite = Date.now();
  };
  try {
    makeFlow(spec);
    initialMeasure(spec, 0);
  } catch (e) {
    if (e instanceof InvalidArgumentError) throw new UsageError(`meanfield run: ${e.message}`);
    throw e;
  }
  if (seeds.length === 0) { dirty = true; flush(true); log('nothing to run'); return 0; }
  const progress = new Progress(seeds.length, process.stderr);
  const failures: string[] = [];
  const finish = (seed: number, line: SeedSummary | null, error?: string) => {
    if (line !== null) { lines.push({ seed, text: JSON.stringify(line) }); dirty = true; }
    if (error !== undefined) failures.push(`seed ${seed}: ${error}`);
    progress.tick(seed, line);
    flush(false);
  };

  let interrupted = false;
  const onSigint = () => { interrupted = true; };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  try {
    await runParallel(spec, seeds, threads, finish, () => interrupted);
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    dirty = true;
    flush(true);
    progress.end();
  }
  for (const f of failures) log(`failed: ${f}`);
  if (interrupted) {
    log(`interrupted: ${lines.length} seeds in ${out}; rerun with --resume to finish`);
    return 130;
  }
  log(`${lines.length} seeds in ${out}`);
  return failures.length ? 1 : 0;
}

/**
 * Seeds over worker threads (even one: the main thread stays free to answer Ctrl-C at once),
 * each worker taking the next seed as it finishes one.
 */
function runParallel(spec: SweepSpec, seeds: number[], threads: number, finish: (seed: number, line: SeedSummary | null, error?: string) => void, stop: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    let next = 0, active = 0;
    const workers: Worker[] = [];
    const done = () => { for (const w of workers) void w.terminate(); resolve(); };
    const feed = (w: Worker) => {
      if (stop() || next >= seeds.length) {
        if (active === 0) done();
        return;
      }
      active++;
      w.postMessage({ type: 'seed', seed: seeds[next++] });
    };
    const poll = setInterval(() => { if (stop()) { clearInterval(poll); done(); } }, 100);
    for (let t = 0; t < threads; t++) {
      const w = new Worker(new URL('./cli-worker.js', import.meta.url));
      workers.push(w);
      w.on('message', (m: { type: string; seed: number; line?: SeedSummary; error?: string }) => {
        active--;
        finish(m.seed, m.type === 'done' ? m.line ?? null : null, m.error);
        if (next >= seeds.length && active === 0) { clearInterval(poll); done(); return; }
        feed(w);
      });
      w.on('error', (e) => { clearInterval(poll); for (const x of workers) void x.terminate(); reject(e); });
      w.postMessage({ type: 'spec', spec });
      feed(w);
    }
  });
}
