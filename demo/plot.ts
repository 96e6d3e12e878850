// Time-series plots on canvas: a log time axis, a log or linear value axis, round ticks.
import type { Surface } from './render.js';

export interface Tick {
  value: number;
  label: string;
}

/** An axis: its range, whether it is logarithmic, and its labelled ticks (minor ticks unlabelled). */
export interface Axis {
  min: number;
  max: number;
  log: boolean;
  ticks: Tick[];
  minor: number[];
}

const SUPERSCRIPT = '⁰¹²³⁴⁵⁶⁷⁸⁹';
const sup = (k: number) =>
  (k < 0 ? '⁻' : '') +
  String(Math.abs(k))
    .split('')
    .map((c) => SUPERSCRIPT[Number(c)])
    .join('');

/** A decade axis from min to max (both > 0): 10^k labelled (every other one when there are many), the 2..9 multiples as minor ticks. */
export function decadeAxis(min: number, max: number): Axis {
  const k0 = Math.ceil(Math.log10(min) - 1e-9),
    k1 = Math.floor(Math.log10(max) + 1e-9);
  const every = k1 - k0 > 7 ? 2 : 1;
  const ticks: Tick[] = [];
  const minor: number[] = [];
  for (let k = k0; k <= k1; k++) ticks.push({ value: 10 ** k, label: (k - k0) % every === 0 ? `10${sup(k)}` : '' });
  for (let k = k0 - 1; k <= k1; k++) for (let m = 2; m <= 9; m++) if (m * 10 ** k > min && m * 10 ** k < max) minor.push(m * 10 ** k);
  return { min, max, log: true, ticks, minor };
}

/** A log axis for counts 1..top: ticks 1, 2, 5, 10, 20, 50, ... and top itself when it stands apart. */
export function countAxis(top: number): Axis {
  const hi = Math.max(2, top);
  const ticks: Tick[] = [];
  for (let p = 1; p <= hi; p *= 10) for (const m of [1, 2, 5]) if (m * p <= hi) ticks.push({ value: m * p, label: String(m * p) });
  if (hi / ticks[ticks.length - 1].value >= 1.4) ticks.push({ value: hi, label: String(hi) });
  // A little room above and below, so the lines at 1 and at top are not drawn on the frame.
  return { min: 1 / 1.2, max: hi * 1.2, log: true, ticks, minor: [] };
}

/** A linear axis over [lo, hi] with about `count` round ticks (steps of 1, 2 or 5 times a power of ten). */
export function linearAxis(lo: number, hi: number, count = 4): Axis {
  if (!(hi > lo)) {
    const pad = Math.abs(lo) * 0.05 || 1;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw)!;
  const min = Math.floor(lo / step) * step,
    max = Math.ceil(hi / step) * step;
  const digits = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const big = Math.max(Math.abs(min), Math.abs(max)) >= 1e5;
  const ticks: Tick[] = [];
  for (let v = min; v <= max + step / 2; v += step) {
    const value = Math.abs(v) < step / 2 ? 0 : v;
    ticks.push({ value, label: big ? value.toExponential(1) : value.toFixed(digits) });
  }
  return { min, max, log: false, ticks, minor: [] };
}

export interface Series {
  x: readonly number[];
  y: readonly number[];
}

const MARGIN = { left: 52, right: 14, top: 26, bottom: 34 };

/**
 * Draws a framed plot: title, axes with ticks and grid, and the series (a step line holds
 * each value until the next sample). x values below the axis start (t = 0) sit on its left edge.
 */
export function drawPlot(s: Surface, title: string, xLabel: string, x: Axis, y: Axis, data: Series, step: boolean, empty = ''): void {
  const { ctx, width: w, height: h } = s;
  const x0 = MARGIN.left,
    x1 = w - MARGIN.right,
    y0 = h - MARGIN.bottom,
    y1 = MARGIN.top;
  const map = (a: Axis, v: number, p0: number, p1: number) => {
    const f = a.log ? (Math.log(v) - Math.log(a.min)) / (Math.log(a.max) - Math.log(a.min)) : (v - a.min) / (a.max - a.min);
    return p0 + Math.min(1, Math.max(0, f)) * (p1 - p0);
  };
  const sx = (v: number) => map(x, v, x0, x1),
    sy = (v: number) => map(y, v, y0, y1);
  ctx.clearRect(0, 0, w, h);
  ctx.font = '600 13px system-ui, sans-serif';
  ctx.fillStyle = '#222';
  ctx.textAlign = 'left';
  ctx.textBaseline = 'alphabetic';
  ctx.fillText(title, x0, 17);
  // Grid and ticks.
  ctx.lineWidth = 1;
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillStyle = '#555';
  ctx.strokeStyle = '#eef0f3';
  for (const v of x.minor) line(ctx, Math.round(sx(v)) + 0.5, y0, Math.round(sx(v)) + 0.5, y1);
  ctx.strokeStyle = '#dde1e6';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const t of x.ticks) {
    const px = Math.round(sx(t.value)) + 0.5;
    line(ctx, px, y0, px, y1);
    ctx.fillText(t.label, px, y0 + 5);
  }
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const t of y.ticks) {
    const py = Math.round(sy(t.value)) + 0.5;
    line(ctx, x0, py, x1, py);
    ctx.fillText(t.label, x0 - 6, py);
  }
  ctx.strokeStyle = '#9aa1ab';
  ctx.strokeRect(x0 + 0.5, y1 + 0.5, x1 - x0, y0 - y1);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'bottom';
  ctx.fillText(xLabel, (x0 + x1) / 2, h - 2);
  if (data.x.length === 0) {
    if (empty !== '') {
      ctx.textBaseline = 'middle';
      ctx.fillText(empty, (x0 + x1) / 2, (y0 + y1) / 2);
    }
    return;
  }
  ctx.strokeStyle = '#1f5fbf';
  ctx.lineWidth = 2;
  ctx.lineJoin = 'round';
  ctx.beginPath();
  for (let i = 0; i < data.x.length; i++) {
    const px = sx(data.x[i]),
      py = sy(data.y[i]);
    if (i === 0) ctx.moveTo(px, py);
    else {
      if (step) ctx.lineTo(px, sy(data.y[i - 1]));
      ctx.lineTo(px, py);
    }
  }
  ctx.stroke();
  // The latest value, as a dot.
  const last = data.x.length - 1;
  ctx.fillStyle = '#1f5fbf';
  ctx.beginPath();
  ctx.arc(sx(data.x[last]), sy(data.y[last]), 3.5, 0, 2 * Math.PI);
  ctx.fill();
}

function line(ctx: CanvasRenderingContext2D, xa: number, ya: number, xb: number, yb: number): void {
  ctx.beginPath();
  ctx.moveTo(xa, ya);
  ctx.lineTo(xb, yb);
  ctx.stroke();
}
