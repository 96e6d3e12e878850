// `meanfield heatmap`: a phase diagram from run files as a dependency-free SVG. One value
// (clusteredFraction by default) averaged over seeds: rows are the grid values of --y (beta),
// columns the record times (--x t) or the grid values of --x (dim, n, beta).
import { InputError, UsageError } from '../errors.js';
import type { CommandSpec, Values } from './args.js';
import { readJsonLines, writeAtomic } from './files.js';
import { colour, escapeXml, extent, format, logTicks, niceTicks, RAMP } from './svg.js';
import { GRID_PARAMS, gridValuesOf, matchesWhere, parseWhere, type GridParam } from './grid.js';

type Param = GridParam;
const PARAMS = GRID_PARAMS;
const LABELS: Record<string, string> = { beta: 'β (inverse temperature)', n: 'n (particles)', dim: 'd (dimension)', t: 'time t' };

export const heatmapCommand: CommandSpec = {
  name: 'heatmap',
  usage: 'meanfield heatmap runs.jsonl [more.jsonl ...] --out phase.svg [--x t|dim|n|beta] [--y beta|dim|n] [--value clusteredFraction]',
  summary:
    'Phase diagram: a recorded value averaged over seeds as an SVG heatmap; rows = grid values of --y, columns = record times or grid ' +
    'values of --x.',
  positionals: { min: 1, max: Infinity, names: 'one or more JSON Lines files from meanfield run' },
  flags: [
    { name: 'out', kind: 'string', default: 'phase.svg', help: 'SVG file to write' },
    { name: 'x', kind: ['t', 'dim', 'n', 'beta'], default: 't', help: 'columns: record times, or a grid parameter' },
    { name: 'y', kind: ['beta', 'dim', 'n'], default: 'beta', help: 'rows: a grid parameter' },
    {
      name: 'value',
      kind: 'string',
      default: 'clusteredFraction',
      help: 'an array of the lines aligned with times: clusteredFraction, meanInnerProduct, clusterCounts, energy',
    },
    {
      name: 'time-scale',
      kind: ['auto', 'linear', 'log'],
      default: 'auto',
      help: "the t axis: auto is log when the runs' records are log-spaced (run's default), else linear; log drops t = 0",
    },
    { name: 'at', kind: 'number', min: 0, help: 'with --x other than t: the time whose value is shown (default: the last record)' },
    { name: 'where', kind: 'string', help: 'keep only runs with these grid values, e.g. dim=3,n=32' },
    { name: 'title', kind: 'string', help: 'figure title' },
  ],
};

interface Run {
  params: Partial<Record<Param, number>>;
  times: number[];
  values: Array<number | null>;
  logSpaced: boolean;
}

export interface HeatmapResult {
  runs: number;
  rows: number;
  cols: number;
  svg: string;
}

export function heatmap(files: string[], v: Values): HeatmapResult {
  const x = v.x as 't' | Param,
    y = v.y as Param,
    value = v.value as string;
  if (x === y) throw new UsageError(`meanfield heatmap: --x and --y must differ, got '${x}' for both`);
  const where = parseWhere('heatmap', v.where as string | undefined);
  const runs = readRuns(files, value, [y, ...(x === 't' ? [] : [x])]).filter((r) => matchesWhere(r.params, where));
  if (runs.length === 0) throw new InputError(files.join(', '), null, `holds no runs${v.where === undefined ? '' : ` with ${v.where}`}`);
  for (const p of PARAMS) {
    if (p === x || p === y) continue;
    const seen = distinct(runs.map((r) => r.params[p]).filter((q): q is number => q !== undefined));
    if (seen.length > 1)
      throw new UsageError(
        `meanfield heatmap: the runs have several ${p} values (${seen.join(', ')}); keep one with --where ${p}=${seen[0]}`,
      );
  }
  // The record times of the longest run (runs that stopped early hold a prefix of them).
  const longest = runs.reduce((a, b) => (b.times.length > a.times.length ? b : a));
  const log =
    v['time-scale'] === 'log' ||
    (v['time-scale'] === 'auto' && longest.logSpaced && longest.times.some((t) => t > 0 && Number.isFinite(t)));
  const rows = distinct(runs.map((r) => r.params[y]!));
  const cols =
    x === 't' ? distinct(longest.times.filter((t) => Number.isFinite(t) && (!log || t > 0))) : distinct(runs.map((r) => r.params[x]!));
  if (cols.length === 0)
    throw new UsageError(`meanfield heatmap: the runs have no record time > 0 to show on a log axis (use --time-scale linear)`);
  const at = (v.at as number | undefined) ?? Infinity;
  const sum = rows.map(() => cols.map(() => 0)),
    count = rows.map(() => cols.map(() => 0));
  const rowOf = new Map(rows.map((r, i) => [r, i])),
    colOf = new Map(cols.map((c, j) => [c, j]));
  for (const r of runs) {
    const i = rowOf.get(r.params[y]!)!;
    if (x === 't') {
      // The columns are increasing times: one merge pass over the run's records.
      let k = -1;
      cols.forEach((c, j) => {
        while (k + 1 < r.times.length && r.times[k + 1] <= c * (1 + 1e-12)) k++;
        const w = k < 0 ? null : r.values[k];
        if (typeof w === 'number' && Number.isFinite(w)) {
          sum[i][j] += w;
          count[i][j]++;
        }
      });
    } else {
      const j = colOf.get(r.params[x]!)!;
      const w = valueAt(r, at);
      if (w !== null) {
        sum[i][j] += w;
        count[i][j]++;
      }
    }
  }
  const mean = sum.map((row, i) => row.map((s, j) => (count[i][j] > 0 ? s / count[i][j] : NaN)));
  const seeds = extent(count, () => true)?.[1] ?? 0;
  const title =
    (v.title as string | undefined) ??
    `${value}, mean over ${seeds} seed${seeds === 1 ? '' : 's'} per cell${
      x === 't' ? '' : v.at === undefined ? ', at the ' + 'last record' : `, at t = ${format(at)}`
    }`;
  const svg = render({ x, y, value, log, rows, cols, mean, title });
  writeAtomic(v.out as string, svg);
  return { runs: runs.length, rows: rows.length, cols: cols.length, svg };
}

function readRuns(files: string[], value: string, needed: Param[]): Run[] {
  const runs: Run[] = [];
  for (const file of files) {
    readJsonLines(file).forEach((line, i) => {
      // Files written before clusterCounts was named so hold 'clusters'.
      const times = line.times,
        values = line[value] ?? (value === 'clusterCounts' ? line.clusters : undefined);
      if (!isNumbers(times)) throw new InputError(file, i + 1, 'needs a "times" array (a line of meanfield run)');
      if (!isNumbers(values) || values.length !== times.length)
        throw new InputError(
          file,
          i + 1,
          `has no "${value}" array aligned with "times" (--value: clusteredFraction, meanInnerProduct, clusterCounts, energy)`,
        );
      const params = gridValuesOf(line);
      const missing = needed.find((p) => params[p] === undefined);
      if (missing !== undefined) throw new InputError(file, i + 1, `does not name its ${missing} (a line of meanfield run)`);
      runs.push({ params, times: times as number[], values, logSpaced: logSpacedRecords(line, times as number[]) });
    });
  }
  return runs;
}

/**
 * Whether a run's records are log-spaced: its settings say so (run's --spacing log without
 * --record-every), or, in lines without settings, its positive record times grow by a steady
 * factor (the median ratio of neighbours above 1.2).
 */
function logSpacedRecords(line: Record<string, unknown>, times: number[]): boolean {
  const settings = line.settings as Record<string, unknown> | undefined;
  if (settings !== null && typeof settings === 'object' && typeof settings.spacing === 'string')
    return settings.spacing === 'log' && (settings.recordEvery ?? null) === null;
  const positive = times.filter((t) => t > 0 && Number.isFinite(t));
  if (positive.length < 3) return false;
  const ratios = positive
    .slice(1)
    .map((t, i) => t / positive[i])
    .sort((a, b) => a - b);
  return ratios[ratios.length >> 1] > 1.2;
}

/** The run's value at time t, read as a step function of its records (null before the first or if not finite). */
function valueAt(r: Run, t: number): number | null {
  let k = -1;
  while (k + 1 < r.times.length && r.times[k + 1] <= t * (1 + 1e-12)) k++;
  const w = k < 0 ? null : r.values[k];
  return typeof w === 'number' && Number.isFinite(w) ? w : null;
}

const W = 900,
  H = 560,
  M = { left: 80, right: 140, top: 50, bottom: 55 };

interface Figure {
  x: string;
  y: string;
  value: string;
  log: boolean;
  rows: number[];
  cols: number[];
  mean: number[][];
  title: string;
}

function render(f: Figure): string {
  const pw = W - M.left - M.right,
    ph = H - M.top - M.bottom,
    bottom = M.top + ph;
  let [lo, hi] = extent(f.mean, Number.isFinite) ?? [0, 1];
  if (lo >= 0 && hi <= 1) {
    lo = 0;
    hi = 1;
  } // fractions: the full [0, 1] scale, comparable between figures
  if (!(hi - lo > 0) || !Number.isFinite(hi - lo)) {
    const mid = Number.isFinite((lo + hi) / 2) ? (lo + hi) / 2 : lo;
    const half = Math.max(0.5, Math.abs(mid) * 1e-6);
    lo = mid - half;
    hi = mid + half;
  }
  // Columns: cells centred on the times (edges halfway between), or one per grid value.
  const u = f.x === 't' ? f.cols.map((t) => (f.log ? Math.log10(t) : t)) : f.cols.map((_, j) => j);
  const edges =
    u.length === 1
      ? [u[0] - 0.5, u[0] + 0.5]
      : [u[0] - (u[1] - u[0]) / 2, ...u.slice(1).map((q, j) => (q + u[j]) / 2), u[u.length - 1] + (u[u.length - 1] - u[u.length - 2]) / 2];
  const X = (q: number) => M.left + ((q - edges[0]) / (edges[edges.length - 1] - edges[0])) * pw;
  const rowH = ph / f.rows.length;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${M.left + pw / 2}" y="24" text-anchor="middle" font-size="15">${escapeXml(f.title)}</text>`,
    '<g class="cells" shape-rendering="crispEdges">',
  ];
  f.rows.forEach((_, i) =>
    f.cols.forEach((__, j) => {
      const m = f.mean[i][j],
        x0 = X(edges[j]),
        x1 = X(edges[j + 1]),
        y0 = bottom - (i + 1) * rowH;
      const fill = Number.isFinite(m) ? colour((m - lo) / (hi - lo)) : '#dddddd';
      out.push(
        `<rect class="cell" data-row="${i}" data-col="${j}" data-value="${Number.isFinite(m) ? m : ''}" x="${x0.toFixed(2)}" ` +
          `y="${y0.toFixed(2)}" width="${(x1 - x0).toFixed(2)}" height="${rowH.toFixed(2)}" fill="${fill}"/>`,
      );
    }),
  );
  out.push('</g>', `<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#444"/>`);
  // x axis.
  const xticks: Array<[number, string]> =
    f.x !== 't'
      ? f.cols.map((c, j) => [j, format(c)] as [number, string]).filter((_, j) => j % Math.ceil(f.cols.length / 12) === 0)
      : f.log
        ? logTicks(edges[0], edges[edges.length - 1])
        : niceTicks(edges[0], edges[edges.length - 1], 8).map((t) => [t, format(t)] as [number, string]);
  for (const [q, label] of xticks) {
    out.push(`<line x1="${X(q).toFixed(2)}" y1="${bottom}" x2="${X(q).toFixed(2)}" y2="${bottom + 5}" stroke="#444"/>`);
    out.push(`<text x="${X(q).toFixed(2)}" y="${bottom + 18}" text-anchor="middle">${label}</text>`);
  }
  out.push(
    `<text x="${M.left + pw / 2}" y="${bottom + 40}" ` +
      `text-anchor="middle">${LABELS[f.x]}${f.x === 't' && f.log ? ' (log scale)' : ''}</text>`,
  );
  // y axis: a label on every row, or on every k-th of many.
  const every = Math.ceil(f.rows.length / 12);
  f.rows.forEach((r, i) => {
    if (i % every !== 0) return;
    const yc = bottom - (i + 0.5) * rowH;
    out.push(`<line x1="${M.left - 5}" y1="${yc.toFixed(2)}" x2="${M.left}" y2="${yc.toFixed(2)}" stroke="#444"/>`);
    out.push(`<text x="${M.left - 8}" y="${(yc + 4).toFixed(2)}" text-anchor="end">${format(r)}</text>`);
  });
  out.push(`<text transform="translate(18 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">${LABELS[f.y]}</text>`);
  out.push(colourBar(lo, hi, f.value, W - M.right + 30, M.top, ph));
  out.push('</svg>');
  return out.join('\n');
}

function colourBar(lo: number, hi: number, label: string, x: number, top: number, h: number): string {
  const out = ['<g class="colorbar">', '<defs><linearGradient id="ramp" x1="0" y1="1" x2="0" y2="0">'];
  RAMP.forEach((c, k) => out.push(`<stop offset="${(k / (RAMP.length - 1)).toFixed(3)}" stop-color="${c}"/>`));
  out.push('</linearGradient></defs>', `<rect x="${x}" y="${top}" width="18" height="${h}" fill="url(#ramp)" stroke="#444"/>`);
  for (const t of niceTicks(lo, hi, 5)) {
    const yc = top + h - ((t - lo) / (hi - lo)) * h;
    out.push(`<line x1="${x + 18}" y1="${yc.toFixed(2)}" x2="${x + 23}" y2="${yc.toFixed(2)}" stroke="#444"/>`);
    out.push(`<text class="tick" x="${x + 26}" y="${(yc + 4).toFixed(2)}">${format(t)}</text>`);
  }
  out.push(`<text transform="translate(${x + 80} ${top + h / 2}) rotate(-90)" text-anchor="middle">${escapeXml(label)}</text>`, '</g>');
  return out.join('\n');
}

function distinct(a: number[]): number[] {
  return [...new Set(a)].sort((p, q) => p - q);
}

function isNumbers(a: unknown): a is Array<number | null> {
  return Array.isArray(a) && a.every((w) => typeof w === 'number' || w === null);
}
