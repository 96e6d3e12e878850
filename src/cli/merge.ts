// `meanfield merge`: the shards of one sweep (files of `meanfield run --shard`) into one file,
// in the order one process writes the whole sweep, so that the merged file equals a one-process
// run apart from wall times. Every line must come from the same sweep: the same flow, settings
// and grid (which every line stores), and every (grid point, seed) of that grid must appear.
// A run found twice is kept once if the two lines are identical apart from their wall time (the
// same computation, e.g. a file given twice or shards that overlap), and is an error otherwise.
import { existsSync, statSync } from 'node:fs';
import { InputError, UsageError } from '../errors.js';
import type { CommandSpec } from './args.js';
import { parseSeeds } from './args.js';
import { readJsonLines, readText, writeAtomic } from './files.js';
import { gridPoints, parseGrid, pointKey } from './grid.js';
import { acquireLock, writerOf } from './lock.js';
import { runLineJob, settingsDifference, sweepDifference } from './runfile.js';
import type { SweepGrid, SweepSettings } from './sweep.js';

export const mergeCommand: CommandSpec = {
  name: 'merge',
  usage: 'meanfield merge --out all.jsonl runs/part-*.jsonl',
  summary:
    'Merge the shard files of one sweep into one file in sweep order (as one process writes it); every (grid point, seed) exactly once, ' +
    'with the same settings.',
  positionals: { min: 1, max: Infinity, names: 'one or more JSON Lines files from meanfield run --shard' },
  flags: [{ name: 'out', kind: 'string', help: 'the merged JSON Lines file (required; must not exist yet; written atomically)' }],
};

/** How many missing or stray runs a message lists before '...'. */
const LIST = 5;

/** The keys (in sweep order) and seeds of a sweep's grid, as `meanfield run` orders its lines. */
export function sweepJobs(flow: string, sweep: SweepGrid): { keys: string[]; seeds: number[] } {
  const beta = parseGrid('merge', 'beta', sweep.beta, { int: false });
  const n = parseGrid('merge', 'n', sweep.n, { int: true, min: 2 });
  // The circle's points are angles: its lines name dim 1.
  const dims = flow === 'circle' || sweep.dim === null ? [1] : parseGrid('merge', 'dim', sweep.dim, { int: true, min: 2 });
  const keys = gridPoints(beta, dims, n).map(pointKey);
  return { keys, seeds: parseSeeds(sweep.seeds).sort((a, b) => a - b) };
}

interface Found {
  file: string;
  line: number;
  value: Record<string, unknown>;
}

export function merge(files: string[], out: string | undefined, log: (line: string) => void): { runs: number; duplicates: number } {
  if (out === undefined) throw new UsageError('meanfield merge: --out is required (the merged JSON Lines file)');
  if (out.trim() === '') throw new UsageError("meanfield merge: --out must name a file, got ''");
  if (existsSync(out) && statSync(out).isFile() && statSync(out).size > 0) {
    throw new UsageError(`meanfield merge: --out ${out} already exists; remove it first (a results file is never replaced)`);
  }
  for (const f of files) {
    const w = writerOf(f);
    if (w !== null)
      throw new InputError(
        f,
        null,
        `is still being written by process ${w.pid}${w.host ? ` on ${w.host}` : ''} (lock ${f}.lock): merge once its run has finished`,
      );
  }
  let ref: Found | null = null;
  let layout: { keys: Map<string, number>; keyList: string[]; seeds: number[]; seedSet: Set<number> } | null = null;
  const byRun = new Map<string, Found>();
  let duplicates = 0;
  for (const file of files) {
    readJsonLines(file, readText(file)).forEach((value, index) => {
      const line = index + 1;
      const job = runLineJob(file, line, value, 'merge');
      if (ref === null) {
        ref = { file, line, value };
        const grid = value.sweep as SweepGrid;
        let expanded: { keys: string[]; seeds: number[] };
        try {
          expanded = sweepJobs(String(value.flow), grid);
        } catch (e) {
          throw new InputError(file, line, `holds a sweep its grid cannot be read from (${(e as Error).message})`);
        }
        layout = {
          keys: new Map(expanded.keys.map((k, i) => [k, i])),
          keyList: expanded.keys,
          seeds: expanded.seeds,
          seedSet: new Set(expanded.seeds),
        };
      }
      const r: Found = ref;
      const where = `${r.file} line ${r.line}`;
      const differ =
        settingsDifference(value, String(r.value.flow), r.value.settings as SweepSettings, where) ??
        sweepDifference(value.sweep as SweepGrid, r.value.sweep as SweepGrid, where);
      if (differ !== null) throw new InputError(file, line, `${differ}: merge takes the shards of one sweep only`);
      const id = `${job.point}, seed ${job.seed}`;
      if (!layout!.keys.has(job.point) || !layout!.seedSet.has(job.seed)) {
        const sweep = value.sweep as SweepGrid;
        const dim = sweep.dim === null ? '' : `, --dim ${sweep.dim}`;
        const grid = `--beta ${sweep.beta}, --n ${sweep.n}${dim}, --seeds ${sweep.seeds}`;
        throw new InputError(file, line, `holds ${id}, which is not in its sweep (${grid})`);
      }
      const before = byRun.get(id);
      if (before === undefined) {
        byRun.set(id, { file, line, value });
        return;
      }
      if (withoutWallTime(before.value) !== withoutWallTime(value)) {
        throw new InputError(
          file,
          line,
          `holds ${id} again, with other results than ${before.file} line ${before.line}: a run must appear once (remove one of them)`,
        );
      }
      duplicates++;
    });
  }
  if (ref === null || layout === null)
    throw new InputError(files.length === 1 ? files[0] : `the ${files.length} files`, null, 'hold no runs');
  const { keyList, seeds } = layout as { keyList: string[]; seeds: number[] };
  const total = keyList.length * seeds.length;
  if (byRun.size < total) {
    const missing: string[] = [];
    for (const key of keyList) {
      for (const seed of seeds) {
        if (!byRun.has(`${key}, seed ${seed}`)) missing.push(`${key}, seed ${seed}`);
        if (missing.length > LIST) break;
      }
      if (missing.length > LIST) break;
    }
    const count = total - byRun.size;
    throw new InputError(
      files.length === 1 ? files[0] : `the ${files.length} files`,
      null,
      `miss ${count} of the sweep's ${total} runs: ${missing.slice(0, LIST).join('; ')}${count > LIST ? '; ...' : ''} (run the missing ` +
        `shards, or --resume the cut ones, then merge again)`,
    );
  }
  if (duplicates > 0)
    log(`note: ${duplicates} run${duplicates > 1 ? 's' : ''} found twice with identical results (apart from wall time), kept once`);
  const text: string[] = [];
  for (const key of keyList) for (const seed of seeds) text.push(`${JSON.stringify(byRun.get(`${key}, seed ${seed}`)!.value)}\n`);
  const lock = acquireLock(out, log);
  try {
    if (existsSync(out) && statSync(out).size > 0)
      throw new UsageError(`meanfield merge: --out ${out} was created meanwhile; remove it first (a results file is never replaced)`);
    writeAtomic(out, text.join(''));
  } finally {
    lock.release();
  }
  return { runs: total, duplicates };
}

function withoutWallTime(value: Record<string, unknown>): string {
  const { wallTimeMs: _, ...rest } = value;
  return JSON.stringify(rest);
}
