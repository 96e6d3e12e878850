// `meanfield plot`: the energy staircase and the cluster count against log-time, every seed
// faint and the median bold, as a dependency-free SVG.
import { InputError } from '../errors.js';
import type { CommandSpec } from './args.js';
import { readJsonLines, writeAtomic } from './files.js';

export const plotCommand: CommandSpec = {
  name: 'plot',
  usage: 'meanfield plot runs.jsonl [more.jsonl ...] --out fig.svg',
  summary: 'Plot energy and cluster count against log-time for every seed of one or more run files (median bold).',
  positionals: { min: 1, max: Infinity, names: 'one or more JSON Lines files from meanfield run' },
  flags: [
    { name: 'out', kind: 'string', default: 'fig.svg', help: 'SVG file to write' },
    { name: 'title', kind: 'string', help: 'figure title' },
  ],
};

interface Series { seed: number; times: number[]; values: number[] }

const W = 900, PANEL_H = 300, M = { left: 70, right: 20, top: 40, bottom: 45 };

export function plot(files: string[], out: string, title?: string): { seeds: number; svg: string } {
  const energy: Series[] = [], clusters: Series[] = [];
  for (const file of files) {
    readJsonLines(file).forEach((line, i) => {
      // Files written before clusterCounts was named so hold 'clusters'.
      const times = line.times, c = line.clusterCounts ?? line.clusters, e = line.energy;
      if (!isNumbers(times) || !isNumbers(c) || c.length !== times.length) throw new InputError(file, i + 1, 'needs "times" and "clusterCounts" arrays of the same length (a line of meanfield run)');
      const seed = typeof line.seed === 'number' ? line.seed : i;
      clusters.push({ seed, times, values: c });
      if (isNumbers(e) && e.length === times.length) energy.push({ seed, times, values: e });
    });
  }
  if (clusters.length === 0) throw new InputError(files.join(', '), null, 'holds no runs');
  const panels = [
    ...(energy.length ? [{ name: 'energy', label: 'energy', series: energy }] : []),
    { name: 'clusters', label: 'cluster count', series: clusters },
  ];
  const height = panels.length * (PANEL_H + M.top + M.bottom) + 30;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="15">${escape(title ?? `${clusters.length} seeds`)}</text>`,
  ];
  panels.forEach((p, k) => parts.push(panel(p.name, p.label, p.series, 30 + k * (PANEL_H + M.top + M.bottom))));
  parts.push('</svg>');
  const svg = parts.join('\n');
  writeAtomic(out, svg);
  return { seeds: clusters.length, svg };
}

/** Smallest and largest of the values passing `keep` (loops: no argument spreads, any count). */
export function extent(series: Iterable<ArrayLike<number | null>>, keep: (v: number) => boolean): [number, number] | null {
  let lo = Infinity, hi = -Infinity;
  for (const a of series) {
    for (let i = 0; i < a.length; i++) {
      const v = a[i];
      if (typeof v === 'number' && keep(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
    }
  }
  return lo <= hi ? [lo, hi] : null;
}

function panel(name: string, label: string, series: Series[], y0: number): string {
  // Positive finite times on the log axis; none (every run at t-end 0): an empty decade and a note.
  const tr = extent(series.map((s) => s.times), (t) => t > 0 && Number.isFinite(t));
  const lx0 = tr === null ? -2 : Math.floor(Math.log10(tr[0])), lx1 = tr === null ? 0 : Math.max(lx0 + 1, Math.ceil(Math.log10(tr[1])));
  const vr = extent(series.map((s) => s.values), Number.isFinite) ?? [0, 1];
  let [v0, v1] = vr;
  if (!(v1 - v0 > 0) || !Number.isFinite(v1 - v0)) {
    const mid = Number.isFinite((v0 + v1) / 2) ? (v0 + v1) / 2 : v0;
    const half = Math.max(0.5, Math.abs(mid) * 1e-6);
    v0 = mid - half; v1 = mid + half;
  }
  const pad = 0.05 * (v1 - v0);
  v0 -= pad; v1 += pad;
  const top = y0 + M.top, pw = W - M.left - M.right;
  const X = (t: number) => M.left + ((Math.log10(t) - lx0) / (lx1 - lx0)) * pw;
  const Y = (v: number) => top + PANEL_H - ((v - v0) / (v1 - v0)) * PANEL_H;
  const path = (s: Series) => s.times.map((t, i) => {
    if (!(t > 0) || !Number.isFinite(s.values[i])) return null;
    const x = X(t), y = Y(s.values[i]);
    return Number.isFinite(x) && Number.isFinite(y) ? `${x.toFixed(1)},${y.toFixed(1)}` : null;
  }).filter((p) => p !== null).join(' ');
  const out = [`<g class="panel" data-series="${name}">`];
  out.push(`<rect x="${M.left}" y="${top}" width="${pw}" height="${PANEL_H}" fill="none" stroke="#444"/>`);
  for (let e = lx0; e <= lx1; e++) {
    out.push(`<line x1="${X(10 ** e)}" y1="${top + PANEL_H}" x2="${X(10 ** e)}" y2="${top + PANEL_H + 5}" stroke="#444"/>`);
    out.push(`<text x="${X(10 ** e)}" y="${top + PANEL_H + 18}" text-anchor="middle">1e${e}</text>`);
  }
  for (let i = 0; i <= 4; i++) {
    const v = v0 + ((v1 - v0) * i) / 4;
    out.push(`<text x="${M.left - 6}" y="${Y(v) + 4}" text-anchor="end">${format(v)}</text>`);
  }
  out.push(`<text x="${M.left + pw / 2}" y="${top + PANEL_H + 36}" text-anchor="middle">time t (log scale)</text>`);
  if (tr === null) out.push(`<text class="note" x="${M.left + pw / 2}" y="${top + PANEL_H / 2}" text-anchor="middle">no record at t &gt; 0 (the runs end at t = 0)</text>`);
  out.push(`<text transform="translate(16 ${top + PANEL_H / 2}) rotate(-90)" text-anchor="middle">${label}</text>`);
  for (const s of series) out.push(`<polyline class="seed" data-seed="${s.seed}" fill="none" stroke="#1f77b4" stroke-opacity="0.25" stroke-width="1" points="${path(s)}"/>`);
  const med = median(series);
  out.push(`<polyline class="median" fill="none" stroke="#d62728" stroke-width="2.5" points="${path(med)}"/>`);
  out.push('</g>');
  return out.join('\n');
}

/** Pointwise median over seeds at the first seed's times (each seed read as a step function). */
function median(series: Series[]): Series {
  const times = series[0].times;
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

export function format(v: number): string {
  return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-2 && v !== 0) ? v.toExponential(1) : String(Number(v.toPrecision(3)));
}

export function escape(s: string): string {
  return s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}
