// `meanfield plot`: the energy staircase and the cluster count against log-time, as a
// dependency-free SVG. Grid-aware: the runs are grouped by the grid values that vary among them
// (beta, n, dim), one colour per group, every seed faint and the group's median bold; the title
// names the grid and a legend the groups; --where keeps some grid values. Round ticks: decades
// on the time axis, 1-2-5 steps on the value axes (log axes for positive values spanning a
// decade or more: cluster counts 64 -> 1, the energies of several beta).
import { InputError } from '../errors.js';
import type { CommandSpec, Values } from './args.js';
import { readJsonLines, writeAtomic } from './files.js';
import { GRID_PARAMS, gridValuesOf, matchesWhere, parseWhere, type GridParam } from './grid.js';
import { colour, escapeXml, extent, format, logTicks, niceTicks } from './svg.js';

export const plotCommand: CommandSpec = {
  name: 'plot',
  usage: 'meanfield plot runs.jsonl [more.jsonl ...] --out fig.svg [--where beta=4]',
  summary:
    'Plot energy and cluster count against log-time for every run of one or more run files: one colour per grid value (beta, n, ' +
    'dim), its ' +
    'median bold.',
  positionals: { min: 1, max: Infinity, names: 'one or more JSON Lines files from meanfield run' },
  flags: [
    { name: 'out', kind: 'string', default: 'fig.svg', help: 'SVG file to write' },
    { name: 'where', kind: 'string', help: 'keep only runs with these grid values, e.g. beta=4 or dim=3,n=32' },
    { name: 'title', kind: 'string', help: 'figure title (default: the flow and the grid)' },
  ],
};

interface Series {
  seed: number;
  times: number[];
  values: number[];
}
interface Group {
  label: string;
  colour: string;
  energy: Series[];
  clusters: Series[];
}

const W = 980,
  PANEL_H = 300,
  M = { left: 70, right: 150, top: 40, bottom: 50 };
/** Distinct, colour-blind-safe hues (Okabe-Ito) for up to eight groups; more groups take the viridis ramp. */
const HUES = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#000000', '#f0e442'];
const NAMES: Record<GridParam, string> = { beta: 'β', n: 'n', dim: 'd' };

export function plot(files: string[], v: Values): { seeds: number; groups: number; svg: string } {
  const where = parseWhere('plot', v.where as string | undefined);
  const runs: Array<{
    grid: Partial<Record<GridParam, number>>;
    flow: string | null;
    seed: number;
    times: number[];
    clusters: number[];
    energy: number[] | null;
  }> = [];
  for (const file of files) {
    readJsonLines(file).forEach((line, i) => {
      // Files written before clusterCounts was named so hold 'clusters'.
      const times = line.times,
        c = line.clusterCounts ?? line.clusters,
        e = line.energy;
      if (!isNumbers(times) || !isNumbers(c) || c.length !== times.length)
        throw new InputError(file, i + 1, 'needs "times" and "clusterCounts" arrays of the same length (a line of meanfield run)');
      const grid = gridValuesOf(line);
      if (!matchesWhere(grid, where)) return;
      runs.push({
        grid,
        flow: typeof line.flow === 'string' ? line.flow : null,
        seed: typeof line.seed === 'number' ? line.seed : i,
        times,
        clusters: c,
        energy: isNumbers(e) && e.length === times.length ? e : null,
      });
    });
  }
  if (runs.length === 0)
    throw new InputError(
      files.length === 1 ? files[0] : `the ${files.length} files`,
      null,
      `hold no runs${v.where === undefined ? '' : ` with ${v.where}`}`,
    );
  // The grid: the parameters that vary; the fixed ones go in the title.
  const valuesOf = (p: GridParam) =>
    [...new Set(runs.map((r) => r.grid[p]).filter((x): x is number => x !== undefined))].sort((a, b) => a - b);
  const varying = GRID_PARAMS.filter((p) => valuesOf(p).length > 1);
  const fixed = GRID_PARAMS.filter((p) => valuesOf(p).length === 1 && !(p === 'dim' && runs[0].flow === 'circle'));
  const keyOf = (r: (typeof runs)[number]) => varying.map((p) => `${NAMES[p]} = ${format(r.grid[p] ?? NaN)}`).join(', ');
  const byKey = new Map<string, Group>();
  const order = [...runs].sort((a, b) => varying.reduce((d, p) => d || (a.grid[p] ?? 0) - (b.grid[p] ?? 0), 0));
  for (const r of order) {
    const key = keyOf(r);
    let g = byKey.get(key);
    if (g === undefined) {
      g = { label: key, colour: '', energy: [], clusters: [] };
      byKey.set(key, g);
    }
    g.clusters.push({ seed: r.seed, times: r.times, values: r.clusters });
    if (r.energy !== null) g.energy.push({ seed: r.seed, times: r.times, values: r.energy });
  }
  const groups = [...byKey.values()];
  groups.forEach((g, k) => {
    g.colour = groups.length <= HUES.length ? HUES[k] : colour(groups.length === 1 ? 0 : (0.9 * k) / (groups.length - 1));
  });

  const flows = [...new Set(runs.map((r) => r.flow).filter((f) => f !== null))];
  const seedsPer = [...new Set(groups.map((g) => g.clusters.length))];
  const seedText =
    seedsPer.length === 1 ? `${seedsPer[0]} seed${seedsPer[0] === 1 ? '' : 's'}${groups.length > 1 ? ' each' : ''}` : `${runs.length} runs`;
  const listed = (p: GridParam) => {
    const vs = valuesOf(p);
    return vs.length <= 6
      ? `${NAMES[p]} = ${vs.map(format).join(', ')}`
      : `${NAMES[p]} (${vs.length} values, ${format(vs[0])} to ${format(vs[vs.length - 1])})`;
  };
  const gridText = varying.length === 0 ? '' : ` by ${varying.map(listed).join(' x ')}`;
  const fixedText = fixed.map((p) => `${NAMES[p]} = ${format(valuesOf(p)[0])}`).join(', ');
  const title =
    (v.title as string | undefined) ??
    `${flows.join(', ') || 'runs'}${fixedText ? `, ${fixedText}` : ''}${gridText}: ${seedText}, median bold`;

  const panels = [
    ...(groups.some((g) => g.energy.length > 0) ? [{ name: 'energy', label: 'energy' }] : []),
    { name: 'clusters', label: 'cluster count' },
  ];
  const height = panels.length * (PANEL_H + M.top + M.bottom) + 30;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="sans-serif" ` +
      `font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text class="title" x="${M.left + (W - M.left - M.right) / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(title)}</text>`,
  ];
  panels.forEach((p, k) =>
    parts.push(panel(p.name, p.label, groups, p.name === 'energy' ? 'energy' : 'clusters', 30 + k * (PANEL_H + M.top + M.bottom))),
  );
  parts.push(legend(groups, varying.length > 0));
  parts.push('</svg>');
  const svg = parts.join('\n');
  writeAtomic(v.out as string, svg);
  return { seeds: runs.length, groups: groups.length, svg };
}

function legend(groups: Group[], named: boolean): string {
  const x = W - M.right + 18,
    out = ['<g class="legend">'];
  const shown = groups.length > 24 ? groups.filter((_, k) => k % Math.ceil(groups.length / 24) === 0 || k === groups.length - 1) : groups;
  shown.forEach((g, k) => {
    const y = 30 + M.top + 10 + k * 18;
    out.push(`<line x1="${x}" y1="${y}" x2="${x + 22}" y2="${y}" stroke="${g.colour}" stroke-width="3"/>`);
    out.push(`<text x="${x + 28}" y="${y + 4}">${escapeXml(named ? g.label : 'median')}</text>`);
  });
  out.push('</g>');
  return out.join('\n');
}

function panel(name: string, label: string, groups: Group[], key: 'energy' | 'clusters', y0: number): string {
  const series = groups.flatMap((g) => g[key]);
  // Positive finite times on the log axis; none (every run at t-end 0): an empty decade and a note.
  const tr = extent(
    series.map((s) => s.times),
    (t) => t > 0 && Number.isFinite(t),
  );
  const lx0 = tr === null ? -2 : Math.floor(Math.log10(tr[0])),
    lx1 = tr === null ? 0 : Math.max(lx0 + 1, Math.ceil(Math.log10(tr[1])));
  let [v0, v1] = extent(
    series.map((s) => s.values),
    Number.isFinite,
  ) ?? [0, 1];
  // Positive values spanning a decade or more (cluster counts 64 -> 1; energies of several beta) on a log axis.
  const log = v0 > 0 && v1 / v0 >= 10;
  if (log) {
    v0 = Math.log10(v0) - 0.05;
    v1 = Math.log10(v1) + 0.05;
  } else {
    if (!(v1 - v0 > 0) || !Number.isFinite(v1 - v0)) {
      const mid = Number.isFinite((v0 + v1) / 2) ? (v0 + v1) / 2 : v0;
      const half = Math.max(0.5, Math.abs(mid) * 1e-6);
      v0 = mid - half;
      v1 = mid + half;
    }
    const pad = 0.05 * (v1 - v0);
    v0 -= pad;
    v1 += pad;
  }
  const top = y0 + M.top,
    pw = W - M.left - M.right;
  const X = (t: number) => M.left + ((Math.log10(t) - lx0) / (lx1 - lx0)) * pw;
  const Y = (v: number) => top + PANEL_H - (((log ? Math.log10(v) : v) - v0) / (v1 - v0)) * PANEL_H;
  const path = (s: Series) =>
    s.times
      .map((t, i) => {
        if (!(t > 0) || !Number.isFinite(s.values[i]) || (log && !(s.values[i] > 0))) return null;
        const x = X(t),
          y = Y(s.values[i]);
        return Number.isFinite(x) && Number.isFinite(y) ? `${x.toFixed(1)},${y.toFixed(1)}` : null;
      })
      .filter((p) => p !== null)
      .join(' ');
  const out = [`<g class="panel" data-series="${name}">`];
  out.push(`<rect x="${M.left}" y="${top}" width="${pw}" height="${PANEL_H}" fill="none" stroke="#444"/>`);
  const grid = (x1: number, y1: number, x2: number, y2: number) =>
    `<line x1="${x1.toFixed(1)}" y1="${y1.toFixed(1)}" x2="${x2.toFixed(1)}" y2="${y2.toFixed(1)}" stroke="#e4e4e4"/>`;
  for (const [q, text] of logTicks(lx0, lx1)) {
    const x = X(10 ** q);
    out.push(grid(x, top, x, top + PANEL_H));
    out.push(`<line x1="${x.toFixed(1)}" y1="${top + PANEL_H}" x2="${x.toFixed(1)}" y2="${top + PANEL_H + 5}" stroke="#444"/>`);
    out.push(`<text class="tick" x="${x.toFixed(1)}" y="${top + PANEL_H + 18}" text-anchor="middle">${text}</text>`);
  }
  const yticks = log ? logTicks(v0, v1).map(([q]) => 10 ** q) : niceTicks(v0, v1, 5);
  for (const t of yticks) {
    const y = Y(t);
    if (!(y >= top - 0.5 && y <= top + PANEL_H + 0.5)) continue;
    out.push(grid(M.left, y, M.left + pw, y));
    out.push(`<text class="tick" x="${M.left - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end">${format(Number(t.toPrecision(6)))}</text>`);
  }
  out.push(`<text x="${M.left + pw / 2}" y="${top + PANEL_H + 38}" text-anchor="middle">time t (log scale)</text>`);
  if (tr === null)
    out.push(
      `<text class="note" x="${M.left + pw / 2}" y="${top + PANEL_H / 2}" text-anchor="middle">no record at t &gt; 0 (the runs ` +
        `end at t = ` +
        `0)</text>`,
    );
  out.push(
    `<text transform="translate(16 ${top + PANEL_H / 2}) rotate(-90)" text-anchor="middle">${label}${log ? ' (log scale)' : ''}</text>`,
  );
  const faint = Math.max(0.06, Math.min(0.3, 3 / Math.max(1, series.length / groups.length)));
  for (const g of groups) {
    for (const s of g[key])
      out.push(
        `<polyline class="seed" data-seed="${s.seed}" fill="none" stroke="${g.colour}" stroke-opacity="${faint.toFixed(2)}" ` +
          `stroke-width="1" points="${path(s)}"/>`,
      );
  }
  for (const g of groups) {
    if (g[key].length === 0) continue;
    out.push(
      `<polyline class="median" data-group="${escapeXml(g.label)}" fill="none" stroke="${g.colour}" stroke-width="2.5" ` +
        `points="${path(median(g[key]))}"/>`,
    );
  }
  out.push('</g>');
  return out.join('\n');
}

/** Pointwise median over seeds at the times of the longest run (each seed read as a step function, holding its last value). */
function median(series: Series[]): Series {
  const times = series.reduce((a, b) => (b.times.length > a.times.length ? b : a)).times;
  const at: number[][] = times.map(() => []);
  for (const s of series) {
    let i = 0;
    times.forEach((t, k) => {
      while (i + 1 < s.times.length && s.times[i + 1] <= t) i++;
      const v = s.values[i];
      if (Number.isFinite(v)) at[k].push(v);
    });
  }
  const values = at.map((a) => {
    if (a.length === 0) return NaN;
    a.sort((x, y) => x - y);
    const h = a.length >> 1;
    return a.length % 2 ? a[h] : (a[h - 1] + a[h]) / 2;
  });
  return { seed: -1, times, values };
}

function isNumbers(a: unknown): a is number[] {
  return Array.isArray(a) && a.every((v) => typeof v === 'number' || v === null);
}
