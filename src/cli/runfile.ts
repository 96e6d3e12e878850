// The lines of a `meanfield run` file as --resume and `meanfield merge` read them: which
// (grid point, seed) a line holds, whether it was written by this version of the format, and
// the first setting in which two sweeps differ (named by its flag).
import { InputError } from '../errors.js';
import { lineJob } from './grid.js';
import { SETTING_FLAGS, type SweepGrid, type SweepSettings } from './sweep.js';

/** The flags of the sweep's grids, to name a difference. */
const GRID_FLAGS: Record<keyof SweepGrid, string> = { beta: 'beta', n: 'n', dim: 'dim', seeds: 'seeds' };

/**
 * The grid point (as its key) and seed of a run line; an InputError naming the file and line
 * when it is not a run line, or one written before the current format (lines with a `clusters`
 * array and no `clusterCounts`, `finalTime` and `sweep`: their runs cannot be continued or merged
 * with this version's, though plot and heatmap still read them).
 */
export function runLineJob(file: string, line: number, value: Record<string, unknown>, what: string): { point: string; seed: number } {
  const job = lineJob(value);
  if (job === null)
    throw new InputError(file, line, `is not a line of meanfield run (it names no seed, beta, n and dim); ${what} takes only run files`);
  if (!Array.isArray(value.clusterCounts) || typeof value.finalTime !== 'number' || !isObject(value.settings) || !isObject(value.sweep)) {
    const old = Array.isArray(value.clusters)
      ? " (it has 'clusters', renamed 'clusterCounts', and no finalTime or sweep)"
      : ' (it lacks clusterCounts, finalTime, settings or sweep)';
    throw new InputError(
      file,
      line,
      `was written by an earlier version of meanfield run${old}; ${what} cannot use its runs: write to a new --out (plot and heatmap ` +
        `still read the old file)`,
    );
  }
  return job;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

const show = (x: unknown) => (x === null || x === undefined ? 'unset' : String(x));

/**
 * The first setting (flow, then the settings block) of `line` that differs from `flow`/`mine`, as 'was run with ..., <other> has ...'; null
 * if none.
 */
export function settingsDifference(line: Record<string, unknown>, flow: string, mine: SweepSettings, other = 'this run'): string | null {
  if (line.flow !== flow) return `was run with the ${show(line.flow)} flow, ${other} is ${flow}`;
  const theirs = line.settings as Record<string, unknown>;
  for (const key of Object.keys(SETTING_FLAGS) as Array<keyof SweepSettings>) {
    if (theirs[key] !== mine[key])
      return `was run with --${SETTING_FLAGS[key]} ${show(theirs[key])}, ${other} has --${SETTING_FLAGS[key]} ${show(mine[key])}`;
  }
  return null;
}

/** The first grid flag in which two sweeps differ (as text), or null. */
export function sweepDifference(theirs: SweepGrid, mine: SweepGrid, other: string): string | null {
  for (const key of Object.keys(GRID_FLAGS) as Array<keyof SweepGrid>) {
    if (theirs[key] !== mine[key])
      return `belongs to a sweep with --${GRID_FLAGS[key]} ${show(theirs[key])}, ${other} has --${GRID_FLAGS[key]} ${show(mine[key])}`;
  }
  return null;
}
