// Parameter grids of `meanfield run`: '0.1:9:90' (start:stop:count, linearly spaced, both ends
// included), '1,4,9' (a list) or '4' (one value). A sweep is the cartesian product of the grid
// points and the seeds, run point by point; these are its jobs and the chunks of seeds of one
// point that go to one simulateMany call.
import { UsageError } from '../errors.js';

/** How a grid flag's values are checked: integers or not, and the smallest allowed value. */
export interface GridRule {
  int: boolean;
  min?: number;
  /** Values must be > min. */
  exclusiveMin?: boolean;
  max?: number;
}

/** Most values one grid flag takes. */
export const MAX_GRID = 10_000;

/** Values are rounded to 12 significant digits, so 0.1:9:90 gives 4.2, not 4.200000000000001. */
const tidy = (v: number) => Number(v.toPrecision(12));

/** Parses one grid flag's text; throws a UsageError naming the command, flag and text. */
export function parseGrid(command: string, flag: string, raw: string, rule: GridRule): number[] {
  const bad = (msg: string) => new UsageError(`meanfield ${command}: --${flag} ${msg}, got '${raw}'`);
  const num = (s: string) => (s.trim() === '' ? NaN : Number(s));
  const one =
    `must be ${rule.int ? 'an integer' : 'a number'}${rule.min === undefined ? '' : ` >= ${rule.min}`}, a list a,b,c or a grid ` +
    `start:stop:count`;
  let values: number[];
  if (raw.includes(':')) {
    const parts = raw.split(':');
    if (parts.length !== 3) throw bad(one);
    const [a, b, c] = parts.map(num);
    if (!Number.isFinite(a) || !Number.isFinite(b)) throw bad('grid start and stop must be numbers (start:stop:count)');
    if (!Number.isSafeInteger(c) || c < 1) throw bad('grid count must be an integer >= 1 (start:stop:count)');
    if (c > MAX_GRID) throw bad(`grid count must be <= ${MAX_GRID} (a limit of meanfield ${command})`);
    values = c === 1 ? [a] : Array.from({ length: c }, (_, i) => (i === c - 1 ? b : tidy(a + ((b - a) * i) / (c - 1))));
  } else {
    const parts = raw.split(',');
    if (parts.length > MAX_GRID) throw bad(`must hold at most ${MAX_GRID} values (a limit of meanfield ${command})`);
    values = parts.map(num);
    if (values.some((v) => !Number.isFinite(v))) throw bad(one);
  }
  const what = rule.int ? 'integers' : 'numbers';
  const range = rule.min === undefined ? '' : ` ${rule.exclusiveMin ? '>' : '>='} ${rule.min}`;
  const off = values.find(
    (v) => (rule.int && !Number.isSafeInteger(v)) || (rule.min !== undefined && (rule.exclusiveMin ? v <= rule.min : v < rule.min)),
  );
  if (off !== undefined) throw bad(`values must be ${what}${range} (${off} is not)`);
  const high = rule.max === undefined ? undefined : values.find((v) => v > rule.max!);
  if (high !== undefined) throw bad(`values must be <= ${rule.max} (${high} is not; a limit of meanfield ${command})`);
  const seen = new Set<number>();
  return values.filter((v) => {
    if (seen.has(v)) return false;
    seen.add(v);
    return true;
  });
}

/** One point of a grid: the value of every grid parameter. */
export interface GridPoint {
  beta: number;
  n: number;
  dim: number;
}

/** The cartesian product, beta outermost, then dim, then n. */
export function gridPoints(beta: number[], dim: number[], n: number[]): GridPoint[] {
  return beta.flatMap((b) => dim.flatMap((d) => n.map((m) => ({ beta: b, dim: d, n: m }))));
}

/** Identifies a grid point in a run file. */
export function pointKey(p: GridPoint): string {
  return `beta ${p.beta}, n ${p.n}, dim ${p.dim}`;
}

/** The grid point (as its key) and seed of a line of a run file, or null if the line does not name them. */
export function lineJob(line: Record<string, unknown>): { point: string; seed: number } | null {
  const params = line.params as Record<string, unknown> | undefined;
  const beta = typeof line.beta === 'number' ? line.beta : params?.beta;
  if (typeof line.seed !== 'number' || typeof beta !== 'number' || typeof line.n !== 'number' || typeof line.dim !== 'number') return null;
  return { point: pointKey({ beta, n: line.n, dim: line.dim }), seed: line.seed };
}

export interface Job {
  point: number;
  seed: number;
}

export interface Chunk {
  point: number;
  seeds: number[];
}

/**
 * Splits the jobs into chunks of seeds of one grid point each, of at most `batch` seeds and
 * small enough that every thread gets work; a point's seeds are split into near-equal chunks.
 */
export function chunkJobs(jobs: Job[], threads: number, batch: number | ((point: number) => number)): Chunk[] {
  const batchOf = typeof batch === 'number' ? () => batch : batch;
  const chunks: Chunk[] = [];
  for (let i = 0; i < jobs.length; ) {
    const size = Math.max(1, Math.min(batchOf(jobs[i].point), Math.ceil(jobs.length / threads)));
    let j = i;
    while (j < jobs.length && jobs[j].point === jobs[i].point) j++;
    const seeds = jobs.slice(i, j).map((x) => x.seed);
    const k = Math.ceil(seeds.length / size);
    for (let c = 0; c < k; c++) {
      const part = seeds.slice(Math.floor((c * seeds.length) / k), Math.floor(((c + 1) * seeds.length) / k));
      chunks.push({ point: jobs[i].point, seeds: part });
    }
    i = j;
  }
  return chunks;
}

/**
 * The canonical text of a grid flag, stored in every line (SweepGrid): a start:stop:count grid
 * as its three numbers, a list as its (deduplicated) values. Its size is that of the flag typed.
 */
export function gridText(raw: string | undefined, values: number[]): string {
  if (raw?.includes(':'))
    return raw
      .split(':')
      .map((p) => String(Number(p)))
      .join(':');
  return values.join(',');
}

/** Sorted distinct seeds as ranges: [1, 2, 3, 5] -> '1..3,5' (parseSeeds reads it back). */
export function seedsText(sorted: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(j === i ? String(sorted[i]) : `${sorted[i]}..${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** The grid parameters a run line names. */
export type GridParam = 'beta' | 'n' | 'dim';
export const GRID_PARAMS: readonly GridParam[] = ['beta', 'n', 'dim'];

/** The grid values of a run line (beta from params in older lines); absent ones are left out. */
export function gridValuesOf(line: Record<string, unknown>): Partial<Record<GridParam, number>> {
  const beta = typeof line.beta === 'number' ? line.beta : (line.params as Record<string, unknown> | undefined)?.beta;
  const out: Partial<Record<GridParam, number>> = {};
  if (typeof beta === 'number') out.beta = beta;
  if (typeof line.n === 'number') out.n = line.n;
  if (typeof line.dim === 'number') out.dim = line.dim;
  return out;
}

/** --where 'beta=4,n=32' -> the grid values a run must have to be kept. */
export function parseWhere(command: string, raw: string | undefined): Partial<Record<GridParam, number>> {
  const out: Partial<Record<GridParam, number>> = {};
  if (raw === undefined) return out;
  for (const part of raw.split(',')) {
    const m = /^\s*(\w+)\s*=\s*([^\s,]+)\s*$/.exec(part);
    if (m === null || !GRID_PARAMS.includes(m[1] as GridParam) || !Number.isFinite(Number(m[2]))) {
      throw new UsageError(`meanfield ${command}: --where must be like beta=4 or dim=3,n=32 (keys beta, n, dim), got '${raw}'`);
    }
    out[m[1] as GridParam] = Number(m[2]);
  }
  return out;
}

/** Whether a run's grid values match every --where value. */
export function matchesWhere(values: Partial<Record<GridParam, number>>, where: Partial<Record<GridParam, number>>): boolean {
  return Object.entries(where).every(([k, w]) => values[k as GridParam] === w);
}
