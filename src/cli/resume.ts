// --resume: the runs already in an output file, kept (once each) when their settings match this
// run's; the (grid point, seed) pairs they hold are not run again.
import { UsageError } from '../errors.js';
import { readRunLines, readText } from './files.js';
import { runLineJob, settingsDifference } from './runfile.js';
import { makeFlow, settingsOf, type SweepSpec } from './sweep.js';

export interface Kept {
  /** The lines kept, with their grid point index (Infinity outside this sweep's grid: they go last). */
  lines: Array<{ point: number; seed: number; text: string }>;
  /** 'key, seed s' of every run kept. */
  done: Set<string>;
}

/**
 * Reads `out` for --resume. A line of another flow or other settings is a UsageError naming the
 * file, line and setting; a line of an earlier file format an InputError. Lines of this sweep's
 * grid and seeds get this sweep's grid and seeds (a resume may add seeds or grid values to a file).
 */
export function readResume(out: string, specs: SweepSpec[], keys: string[], seeds: number[], log: (line: string) => void): Kept {
  const pointOf = new Map(keys.map((k, i) => [k, i]));
  const seedSet = new Set(seeds);
  const mine = settingsOf(specs[0]);
  const flowName = makeFlow(specs[0]).name;
  const { lines: read, partial } = readRunLines(out, readText(out));
  if (partial !== null)
    log(
      `warning: ${out}: dropped a cut last line (${partial.length} bytes, not valid JSON: written when the run was killed); every whole ` +
        `line is kept`,
    );
  const kept: Kept = { lines: [], done: new Set() };
  let duplicates = 0;
  for (const { line, value } of read) {
    const job = runLineJob(out, line, value, '--resume');
    const differ = settingsDifference(value, flowName, mine);
    if (differ !== null)
      throw new UsageError(
        `meanfield run: --resume: ${out} line ${line} ${differ}; resume with the file's settings, or write to another --out`,
      );
    const id = `${job.point}, seed ${job.seed}`;
    if (kept.done.has(id)) {
      duplicates++;
      continue;
    }
    kept.done.add(id);
    const point = pointOf.get(job.point) ?? Infinity;
    if (point !== Infinity && seedSet.has(job.seed)) value.sweep = specs[0].sweep;
    kept.lines.push({ point, seed: job.seed, text: JSON.stringify(value) });
  }
  if (duplicates > 0) log(`warning: ${out}: ${duplicates} repeated (grid point, seed) line${duplicates > 1 ? 's' : ''} kept once`);
  return kept;
}
