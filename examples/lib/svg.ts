// Dependency-free SVG charts for the gallery (examples/*.ts), plus the examples' shared helpers.
//
// Every example imports from here:
//   lineChart / scatterChart / heatmapChart  → an SVG string (axes, ticks, labels, legend; non-finite values skipped)
//   writeSvg(name, svg)                      → docs/gallery/<name>.svg (or <name>.tiny.svg under --tiny), atomically
//   tiny()                                   → true when the script was started with --tiny (the smoke test's size)
//   report(name, paper, measured)            → prints `<name>: paper <paper> | measured <measured>`
//
// GALLERY_DIR (environment) overrides the output folder (the smoke test writes into a temp folder).
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Series {
  label: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  dashed?: boolean;
  /** Draw markers at the points as well as the line (default: only when the series has ≤ 40 points). */
  markers?: boolean;
  /** Line colour (default: the palette colour of the series' index). */
  color?: string;
  /** Line width in pixels (default 2). */
  width?: number;
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  logX?: boolean;
  logY?: boolean;
  /** One line under the title, e.g. "paper: X, measured: Y". */
  note?: string;
  /** Fixed axis ranges (otherwise taken from the data). */
  xRange?: [number, number];
  yRange?: [number, number];
}

export interface ScatterGroup {
  label: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Marker radius in pixels (default 2.5). */
  radius?: number;
  /** Fill colour (default: the palette colour of the group's index). */
  color?: string;
}

export interface ScatterChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  groups: ScatterGroup[];
  note?: string;
  /** One unit on x is as long as one unit on y (shapes keep their aspect). */
  equalAxes?: boolean;
  xRange?: [number, number];
  yRange?: [number, number];
}

export interface HeatmapChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Column centres (one per column of values). Cells are laid out by index, labelled by these values. */
  xs: ArrayLike<number>;
  /** Row centres (one per row of values), drawn bottom to top. */
  ys: ArrayLike<number>;
  /** values[row y][col x]; non-finite cells are left blank. */
  values: number[][];
  note?: string;
  /** Colour scale range (otherwise the finite min and max). */
  range?: [number, number];
  /** Label of the colour bar. */
  valueLabel?: string;
  /**
   * Curves drawn over the cells, in data coordinates: positions are interpolated between the cell
   * centres xs / ys (linearly, or in log when every centre is > 0 and they span more than a decade).
   */
  curves?: { label: string; x: ArrayLike<number>; y: ArrayLike<number>; dashed?: boolean; color?: string }[];
}

/** Readable, colour-blind-friendly categorical palette (Okabe–Ito, then Tableau extras). */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#8c564b', '#7f7f7f', '#bcbd22'];

const W = 760;
const H = 500;
const FONT = 'font-family="Helvetica, Arial, sans-serif"';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Short human-readable number: 3 significant digits, exponent form for very large or small values. */
export function fmt(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) {
    const [m, e] = v.toExponential(digits - 1).split('e');
    const mant = m.replace(/\.?0+$/, '');
    return `${mant === '1' ? '' : mant === '-1' ? '-' : mant + '·'}10^${Number(e)}`.replace(/^·/, '');
  }
  return String(Number(v.toPrecision(digits)));
}

function tickLabel(v: number, log: boolean): string {
  if (log) {
    const e = Math.round(Math.log10(v));
    if (Math.abs(v - 10 ** e) < 1e-9 * 10 ** e) {
      if (e >= -2 && e <= 4) return String(Number((10 ** e).toPrecision(1)));
      return `1e${e}`;
    }
    return fmt(v, 2);
  }
  if (v !== 0 && (Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3)) return v.toExponential(1).replace('e+', 'e');
  return String(Number(v.toPrecision(6)));
}

/** Linear ticks: about `count` round values covering [lo, hi]. */
function linearTicks(lo: number, hi: number, count = 6): number[] {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

/** Log ticks: powers of ten (every k-th if many decades), with 2 and 5 when under two decades. */
function logTicks(lo: number, hi: number): number[] {
  const a = Math.floor(Math.log10(lo) + 1e-9), b = Math.ceil(Math.log10(hi) - 1e-9);
  const decades = b - a;
  const out: number[] = [];
  if (decades <= 2) {
    for (let e = a; e <= b; e++) for (const m of [1, 2, 5]) { const v = m * 10 ** e; if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push(v); }
  } else {
    const k = Math.max(1, Math.ceil(decades / 8));
    for (let e = a; e <= b; e++) if ((e - a) % k === 0) { const v = 10 ** e; if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push(v); }
  }
  return out.length >= 2 ? out : [lo, hi];
}

interface Axis {
  lo: number;
  hi: number;
  log: boolean;
  ticks: number[];
}

/** Axis covering the finite (and, on log axes, positive) values, padded a little. */
function makeAxis(values: number[], log: boolean, fixed?: [number, number], pad = 0.04): Axis {
  let lo: number, hi: number;
  if (fixed) [lo, hi] = fixed;
  else {
    lo = Infinity; hi = -Infinity;
    for (const v of values) if (Number.isFinite(v) && (!log || v > 0)) { if (v < lo) lo = v; if (v > hi) hi = v; }
    if (lo > hi) { lo = log ? 1 : 0; hi = log ? 10 : 1; }
    if (log) {
      if (hi <= lo) { lo /= 2; hi *= 2; }
      const r = Math.log10(hi / lo) * pad;
      lo /= 10 ** r; hi *= 10 ** r;
    } else {
      if (hi <= lo) { const d = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1; lo -= d; hi += d; }
      const r = (hi - lo) * pad;
      lo -= r; hi += r;
    }
  }
  return { lo, hi, log, ticks: log ? logTicks(lo, hi) : linearTicks(lo, hi) };
}

function minMax(arrs: ArrayLike<number>[]): number[] {
  const out: number[] = [];
  for (const a of arrs) for (let i = 0; i < a.length; i++) out.push(a[i]);
  return out;
}

interface Frame {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** Splits a note into lines of at most `width` characters, at spaces. */
function wrap(text: string, width = 112): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) { lines.push(line); line = word; } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** Top of the plot frame below the title and the note's lines. */
const topOf = (note: string | undefined): number => (note ? 50 + 16 * wrap(note).length : 44);

function header(title: string, note: string | undefined, width = W, height = H): string[] {
  // Bold 17 px text is about 9.4 px per character: shrink long titles to fit.
  const size = Math.max(11, Math.min(17, (width - 30) / (0.56 * title.length)));
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT}>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="${size.toFixed(1)}" font-weight="bold" fill="#222">${esc(title)}</text>`,
  ];
  if (note) wrap(note).forEach((l, k) => out.push(`<text x="${width / 2}" y="${44 + 16 * k}" text-anchor="middle" font-size="12.5" fill="#444">${esc(l)}</text>`));
  return out;
}

function axesSvg(f: Frame, xa: Axis, ya: Axis, xLabel: string, yLabel: string, sx: (v: number) => number, sy: (v: number) => number): string[] {
  const out: string[] = [];
  out.push(`<rect x="${f.left}" y="${f.top}" width="${f.right - f.left}" height="${f.bottom - f.top}" fill="none" stroke="#333" stroke-width="1"/>`);
  for (const t of xa.ticks) {
    const x = sx(t);
    if (x < f.left - 0.5 || x > f.right + 0.5) continue;
    out.push(`<line x1="${x.toFixed(1)}" y1="${f.top}" x2="${x.toFixed(1)}" y2="${f.bottom}" stroke="#e4e4e4" stroke-width="1"/>`);
    out.push(`<line x1="${x.toFixed(1)}" y1="${f.bottom}" x2="${x.toFixed(1)}" y2="${f.bottom + 5}" stroke="#333"/>`);
    out.push(`<text x="${x.toFixed(1)}" y="${f.bottom + 18}" text-anchor="middle" font-size="11.5" fill="#333">${esc(tickLabel(t, xa.log))}</text>`);
  }
  for (const t of ya.ticks) {
    const y = sy(t);
    if (y < f.top - 0.5 || y > f.bottom + 0.5) continue;
    out.push(`<line x1="${f.left}" y1="${y.toFixed(1)}" x2="${f.right}" y2="${y.toFixed(1)}" stroke="#e4e4e4" stroke-width="1"/>`);
    out.push(`<line x1="${f.left - 5}" y1="${y.toFixed(1)}" x2="${f.left}" y2="${y.toFixed(1)}" stroke="#333"/>`);
    out.push(`<text x="${f.left - 8}" y="${(y + 4).toFixed(1)}" text-anchor="end" font-size="11.5" fill="#333">${esc(tickLabel(t, ya.log))}</text>`);
  }
  out.push(`<text x="${(f.left + f.right) / 2}" y="${f.bottom + 40}" text-anchor="middle" font-size="13" fill="#222">${esc(xLabel)}</text>`);
  const cy = (f.top + f.bottom) / 2;
  out.push(`<text x="18" y="${cy}" text-anchor="middle" font-size="13" fill="#222" transform="rotate(-90 18 ${cy})">${esc(yLabel)}</text>`);
  return out;
}

function legendSvg(f: Frame, entries: { label: string; color: string; dashed?: boolean; dot?: boolean }[]): string[] {
  const out: string[] = [];
  const x = f.right + 14;
  entries.filter((e) => e.label !== '').forEach((e, i) => {
    const y = f.top + 8 + i * 20;
    if (e.dot) out.push(`<circle cx="${x + 10}" cy="${y}" r="4" fill="${e.color}"/>`);
    else out.push(`<line x1="${x}" y1="${y}" x2="${x + 22}" y2="${y}" stroke="${e.color}" stroke-width="2.5"${e.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    out.push(`<text x="${x + 28}" y="${y + 4}" font-size="12" fill="#222">${esc(e.label)}</text>`);
  });
  return out;
}

function scaler(a: Axis, p0: number, p1: number): (v: number) => number {
  if (a.log) {
    const l0 = Math.log10(a.lo), l1 = Math.log10(a.hi);
    return (v) => p0 + ((Math.log10(v) - l0) / (l1 - l0)) * (p1 - p0);
  }
  return (v) => p0 + ((v - a.lo) / (a.hi - a.lo)) * (p1 - p0);
}

const legendWidth = (labels: string[]): number => {
  const shown = labels.filter((l) => l !== '');
  return shown.length ? Math.min(260, Math.max(150, 50 + 6.6 * Math.max(...shown.map((l) => l.length)))) : 24;
};

/** Unique clip-path ids, so that charts stacked into one document do not share one. */
let clipCounter = 0;
const clipId = (): string => `plot${++clipCounter}`;

/** A pixel coordinate to 0.1 px, without trailing zeros: finer than any screen shows, and short. */
export const px = (v: number): string => String(Math.round(v * 10) / 10);

/**
 * The points of a polyline (flat [x0, y0, x1, y1, ...], in pixels) that matter at tolerance `tol` px: Ramer–Douglas–Peucker
 * keeps the ends and, recursively, the point farthest from the chord while it is farther than tol. Every dropped
 * point lies within tol of the drawn line (a quarter pixel by default: the picture does not change).
 */
export function thin(xy: ArrayLike<number>, tol = 0.25): number[] {
  const n = xy.length / 2;
  if (n <= 2) return Array.from(xy);
  const keep = new Uint8Array(n);
  keep[0] = keep[n - 1] = 1;
  const stack: Array<[number, number]> = [[0, n - 1]];
  while (stack.length) {
    const [a, b] = stack.pop()!;
    const ax = xy[2 * a], ay = xy[2 * a + 1], dx = xy[2 * b] - ax, dy = xy[2 * b + 1] - ay;
    const len2 = dx * dx + dy * dy;
    let worst = -1, far = tol * tol;
    for (let i = a + 1; i < b; i++) {
      const qx = xy[2 * i] - ax, qy = xy[2 * i + 1] - ay;
      // Squared distance to the segment [a, b] (to the point a when a and b coincide).
      const t = len2 > 0 ? Math.max(0, Math.min(1, (qx * dx + qy * dy) / len2)) : 0;
      const ex = qx - t * dx, ey = qy - t * dy, d2 = ex * ex + ey * ey;
      if (d2 > far) { far = d2; worst = i; }
    }
    if (worst >= 0) {
      keep[worst] = 1;
      stack.push([a, worst], [worst, b]);
    }
  }
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (keep[i]) out.push(xy[2 * i], xy[2 * i + 1]);
  return out;
}

/** The points attribute of a polyline through flat pixel coordinates, thinned and rounded. */
function polylinePoints(xy: number[]): string {
  const t = thin(xy);
  const parts: string[] = [];
  for (let i = 0; i < t.length; i += 2) parts.push(`${px(t[i])},${px(t[i + 1])}`);
  return parts.join(' ');
}

/** Line chart: one polyline per series (broken at non-finite points, and at non-positive ones on a log axis). */
export function lineChart(o: LineChartOptions): string {
  const logX = !!o.logX, logY = !!o.logY;
  const xa = makeAxis(minMax(o.series.map((s) => s.x)), logX, o.xRange, 0.02);
  const ya = makeAxis(minMax(o.series.map((s) => s.y)), logY, o.yRange);
  const f: Frame = { left: 78, right: W - legendWidth(o.series.map((s) => s.label)), top: topOf(o.note), bottom: H - 56 };
  const sx = scaler(xa, f.left, f.right), sy = scaler(ya, f.bottom, f.top);
  const out = header(o.title, o.note);
  out.push(...axesSvg(f, xa, ya, o.xLabel, o.yLabel, sx, sy));
  const clip = clipId();
  out.push(`<clipPath id="${clip}"><rect x="${f.left}" y="${f.top}" width="${f.right - f.left}" height="${f.bottom - f.top}"/></clipPath>`);
  out.push(`<g clip-path="url(#${clip})">`);
  o.series.forEach((s, k) => {
    const color = s.color ?? PALETTE[k % PALETTE.length];
    const n = Math.min(s.x.length, s.y.length);
    const ok = (i: number) => Number.isFinite(s.x[i]) && Number.isFinite(s.y[i]) && (!logX || s.x[i] > 0) && (!logY || s.y[i] > 0);
    let seg: number[] = [];
    const flush = () => {
      if (seg.length >= 4) {
        const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
        out.push(`<polyline fill="none" stroke="${color}" stroke-width="${s.width ?? 2}" stroke-linejoin="round"${dash} points="${polylinePoints(seg)}"/>`);
      }
      seg = [];
    };
    for (let i = 0; i < n; i++) {
      if (!ok(i)) { flush(); continue; }
      seg.push(sx(s.x[i]), sy(s.y[i]));
    }
    flush();
    if (s.markers ?? n <= 40) {
      for (let i = 0; i < n; i++) if (ok(i)) out.push(`<circle cx="${px(sx(s.x[i]))}" cy="${px(sy(s.y[i]))}" r="3" fill="${color}"/>`);
    }
  });
  out.push('</g>');
  out.push(...legendSvg(f, o.series.map((s, k) => ({ label: s.label, color: s.color ?? PALETTE[k % PALETTE.length], dashed: s.dashed }))));
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** Scatter chart: one colour per group; equalAxes keeps one unit of x as long as one unit of y. */
export function scatterChart(o: ScatterChartOptions): string {
  let xa = makeAxis(minMax(o.groups.map((g) => g.x)), false, o.xRange);
  let ya = makeAxis(minMax(o.groups.map((g) => g.y)), false, o.yRange);
  const f: Frame = { left: 78, right: W - legendWidth(o.groups.map((g) => g.label)), top: topOf(o.note), bottom: H - 56 };
  if (o.equalAxes) {
    // Widen the range that is short for its side so both axes have the same units per pixel.
    const pw = f.right - f.left, ph = f.bottom - f.top;
    const ux = (xa.hi - xa.lo) / pw, uy = (ya.hi - ya.lo) / ph;
    const u = Math.max(ux, uy);
    const cx = (xa.lo + xa.hi) / 2, cy = (ya.lo + ya.hi) / 2;
    xa = makeAxis([], false, [cx - (u * pw) / 2, cx + (u * pw) / 2]);
    ya = makeAxis([], false, [cy - (u * ph) / 2, cy + (u * ph) / 2]);
  }
  const sx = scaler(xa, f.left, f.right), sy = scaler(ya, f.bottom, f.top);
  const out = header(o.title, o.note);
  out.push(...axesSvg(f, xa, ya, o.xLabel, o.yLabel, sx, sy));
  const clip = clipId();
  out.push(`<clipPath id="${clip}"><rect x="${f.left}" y="${f.top}" width="${f.right - f.left}" height="${f.bottom - f.top}"/></clipPath>`);
  out.push(`<g clip-path="url(#${clip})">`);
  o.groups.forEach((g, k) => {
    const color = g.color ?? PALETTE[k % PALETTE.length];
    const r = g.radius ?? 2.5;
    const n = Math.min(g.x.length, g.y.length);
    const dots: string[] = [];
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(g.x[i]) || !Number.isFinite(g.y[i])) continue;
      dots.push(`<circle cx="${px(sx(g.x[i]))}" cy="${px(sy(g.y[i]))}" r="${r}"/>`);
    }
    out.push(`<g fill="${color}" fill-opacity="0.8">${dots.join('')}</g>`);
  });
  out.push('</g>');
  out.push(...legendSvg(f, o.groups.map((g, k) => ({ label: g.label, color: g.color ?? PALETTE[k % PALETTE.length], dot: true }))));
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** Viridis, sampled at 9 stops, linearly interpolated; t in [0, 1]. */
const VIRIDIS = ['#440154', '#472d7b', '#3b528b', '#2c728e', '#21918c', '#28ae80', '#5ec962', '#addc30', '#fde725'];
export function viridis(t: number): string {
  const u = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(u)), f = u - i;
  const a = VIRIDIS[i], b = VIRIDIS[i + 1];
  const ch = (s: string, k: number) => parseInt(s.slice(1 + 2 * k, 3 + 2 * k), 16);
  const c = [0, 1, 2].map((k) => Math.round(ch(a, k) + f * (ch(b, k) - ch(a, k))));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/** Heatmap: values[row][col] as cells (rows bottom to top), viridis, with a colour bar. */
export function heatmapChart(o: HeatmapChartOptions): string {
  const nx = o.xs.length, ny = o.ys.length;
  let vlo = Infinity, vhi = -Infinity;
  for (const row of o.values) for (const v of row) if (Number.isFinite(v)) { vlo = Math.min(vlo, v); vhi = Math.max(vhi, v); }
  if (vlo > vhi) { vlo = 0; vhi = 1; }
  if (o.range) [vlo, vhi] = o.range;
  if (!(vhi > vlo)) vhi = vlo + 1;
  const f: Frame = { left: 78, right: W - 120, top: topOf(o.note), bottom: H - 56 };
  const cw = (f.right - f.left) / Math.max(1, nx), chh = (f.bottom - f.top) / Math.max(1, ny);
  const out = header(o.title, o.note);
  for (let r = 0; r < ny; r++) {
    for (let c = 0; c < nx; c++) {
      const v = o.values[r]?.[c];
      if (v === undefined || !Number.isFinite(v)) continue;
      const x = f.left + c * cw, y = f.bottom - (r + 1) * chh;
      out.push(`<rect x="${x.toFixed(2)}" y="${y.toFixed(2)}" width="${(cw + 0.4).toFixed(2)}" height="${(chh + 0.4).toFixed(2)}" fill="${viridis((v - vlo) / (vhi - vlo))}"/>`);
    }
  }
  out.push(`<rect x="${f.left}" y="${f.top}" width="${f.right - f.left}" height="${f.bottom - f.top}" fill="none" stroke="#333"/>`);
  // Ticks at up to ~8 evenly spaced cell centres, labelled with the cell's value.
  const pick = (n: number) => {
    const k = Math.max(1, Math.ceil(n / 8));
    const idx: number[] = [];
    for (let i = 0; i < n; i += k) idx.push(i);
    if (idx[idx.length - 1] !== n - 1 && n - 1 - idx[idx.length - 1] >= k / 2) idx.push(n - 1);
    return idx;
  };
  for (const c of pick(nx)) {
    const x = f.left + (c + 0.5) * cw;
    out.push(`<line x1="${x.toFixed(1)}" y1="${f.bottom}" x2="${x.toFixed(1)}" y2="${f.bottom + 5}" stroke="#333"/>`);
    out.push(`<text x="${x.toFixed(1)}" y="${f.bottom + 18}" text-anchor="middle" font-size="11.5" fill="#333">${esc(fmt(o.xs[c]))}</text>`);
  }
  for (const r of pick(ny)) {
    const y = f.bottom - (r + 0.5) * chh;
    out.push(`<line x1="${f.left - 5}" y1="${y.toFixed(1)}" x2="${f.left}" y2="${y.toFixed(1)}" stroke="#333"/>`);
    out.push(`<text x="${f.left - 8}" y="${(y + 4).toFixed(1)}" text-anchor="end" font-size="11.5" fill="#333">${esc(fmt(o.ys[r]))}</text>`);
  }
  out.push(`<text x="${(f.left + f.right) / 2}" y="${f.bottom + 40}" text-anchor="middle" font-size="13" fill="#222">${esc(o.xLabel)}</text>`);
  const cy = (f.top + f.bottom) / 2;
  out.push(`<text x="18" y="${cy}" text-anchor="middle" font-size="13" fill="#222" transform="rotate(-90 18 ${cy})">${esc(o.yLabel)}</text>`);
  // Colour bar.
  const bx = f.right + 24, bw = 16, steps = 40;
  for (let i = 0; i < steps; i++) {
    const y = f.bottom - ((i + 1) / steps) * (f.bottom - f.top);
    out.push(`<rect x="${bx}" y="${y.toFixed(2)}" width="${bw}" height="${((f.bottom - f.top) / steps + 0.5).toFixed(2)}" fill="${viridis((i + 0.5) / steps)}"/>`);
  }
  out.push(`<rect x="${bx}" y="${f.top}" width="${bw}" height="${f.bottom - f.top}" fill="none" stroke="#333"/>`);
  for (const t of linearTicks(vlo, vhi, 5)) {
    if (t < vlo - 1e-12 || t > vhi + 1e-12) continue;
    const y = f.bottom - ((t - vlo) / (vhi - vlo)) * (f.bottom - f.top);
    out.push(`<line x1="${bx + bw}" y1="${y.toFixed(1)}" x2="${bx + bw + 4}" y2="${y.toFixed(1)}" stroke="#333"/>`);
    out.push(`<text x="${bx + bw + 7}" y="${(y + 4).toFixed(1)}" font-size="11" fill="#333">${esc(tickLabel(t, false))}</text>`);
  }
  if (o.curves?.length) {
    const clip = clipId();
    out.push(`<clipPath id="${clip}"><rect x="${f.left}" y="${f.top}" width="${f.right - f.left}" height="${f.bottom - f.top}"/></clipPath>`);
    out.push(`<g clip-path="url(#${clip})">`);
    const cellX = cellPosition(o.xs), cellY = cellPosition(o.ys);
    o.curves.forEach((c, k) => {
      const color = c.color ?? ['#ffffff', '#ff4040', '#000000'][k % 3];
      let seg: number[] = [];
      const flush = () => {
        if (seg.length >= 4) out.push(`<polyline fill="none" stroke="${color}" stroke-width="2.5"${c.dashed ? ' stroke-dasharray="7 4"' : ''} points="${polylinePoints(seg)}"/>`);
        seg = [];
      };
      for (let i = 0; i < Math.min(c.x.length, c.y.length); i++) {
        const a = cellX(c.x[i]), b = cellY(c.y[i]);
        if (!Number.isFinite(a) || !Number.isFinite(b)) { flush(); continue; }
        seg.push(f.left + (a + 0.5) * cw, f.bottom - (b + 0.5) * chh);
      }
      flush();
    });
    out.push('</g>');
    // Legend of the curves: a white box in the top-left corner of the plot.
    const labels = o.curves.map((c, k) => ({ label: c.label, color: c.color ?? ['#ffffff', '#ff4040', '#000000'][k % 3], dashed: c.dashed })).filter((e) => e.label !== '');
    if (labels.length) {
      const w = 40 + 6.4 * Math.max(...labels.map((e) => e.label.length));
      out.push(`<rect x="${f.left + 6}" y="${f.top + 6}" width="${w.toFixed(0)}" height="${labels.length * 18 + 8}" fill="#ffffff" fill-opacity="0.85" stroke="#999"/>`);
      labels.forEach((e, i) => {
        const y = f.top + 19 + i * 18;
        const stroke = e.color === '#ffffff' ? '#555' : e.color;
        out.push(`<line x1="${f.left + 12}" y1="${y}" x2="${f.left + 32}" y2="${y}" stroke="${stroke}" stroke-width="2.5"${e.dashed ? ' stroke-dasharray="7 4"' : ''}/>`);
        out.push(`<text x="${f.left + 38}" y="${y + 4}" font-size="11.5" fill="#222">${esc(e.label)}</text>`);
      });
    }
  }
  if (o.valueLabel) {
    const lx = bx + bw + 62;
    out.push(`<text x="${lx}" y="${cy}" text-anchor="middle" font-size="12" fill="#222" transform="rotate(-90 ${lx} ${cy})">${esc(o.valueLabel)}</text>`);
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/**
 * Maps a data value to a fractional cell index over the (monotone) cell centres c[0..n-1], in log
 * when every centre is > 0 and they span more than a decade; NaN more than half a cell outside.
 */
function cellPosition(c: ArrayLike<number>): (v: number) => number {
  const n = c.length;
  const vals = Array.from(c);
  const log = vals.every((v) => v > 0) && Math.max(...vals) / Math.min(...vals) > 10;
  const tr = (v: number) => (log ? Math.log(v) : v);
  const t = vals.map(tr);
  return (v: number) => {
    if (!Number.isFinite(v) || (log && !(v > 0))) return NaN;
    const u = tr(v);
    if (n === 1) return u === t[0] ? 0 : NaN;
    // Extend the centres by half a step at both ends, then interpolate.
    const ext = [t[0] - (t[1] - t[0]) / 2, ...t, t[n - 1] + (t[n - 1] - t[n - 2]) / 2];
    const idx = (i: number) => (i === 0 ? -0.5 : i === n + 1 ? n - 0.5 : i - 1);
    for (let i = 0; i + 1 < ext.length; i++) {
      const a = ext[i], b = ext[i + 1];
      if ((u - a) * (u - b) <= 0 && a !== b) return idx(i) + ((u - a) / (b - a)) * (idx(i + 1) - idx(i));
    }
    return NaN;
  };
}

/**
 * Stacks charts (SVG strings from this module) vertically into one SVG document.
 */
export function stack(svgs: string[]): string {
  let y = 0;
  let width = 0;
  const parts: string[] = [];
  for (const svg of svgs) {
    const w = Number(/width="([\d.]+)"/.exec(svg)?.[1] ?? W), h = Number(/height="([\d.]+)"/.exec(svg)?.[1] ?? H);
    parts.push(svg.trim().replace(/^<svg /, `<svg x="0" y="${y}" `));
    y += h;
    width = Math.max(width, w);
  }
  return [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" ${FONT}>`, ...parts, '</svg>'].join('\n') + '\n';
}

/** True when the script was started with --tiny (the smoke test's small size). */
export function tiny(): boolean {
  return process.argv.includes('--tiny');
}

/** The gallery folder: $GALLERY_DIR, or docs/gallery at the repository root. */
export function galleryDir(): string {
  const env = process.env.GALLERY_DIR;
  if (env) return resolve(env);
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'gallery');
}

/** Writes docs/gallery/<name>.svg (<name>.tiny.svg under --tiny) via a temp file and a rename; returns the path. */
export function writeSvg(name: string, svg: string): string {
  const dir = galleryDir();
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}${tiny() ? '.tiny' : ''}.svg`);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, svg);
  renameSync(tmp, path);
  return path;
}

/** Prints the example's one-line summary: `<name>: paper <paper> | measured <measured>`. */
export function report(name: string, paper: string, measured: string): void {
  console.log(`${name}: paper ${paper} | measured ${measured}`);
}
