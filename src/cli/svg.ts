// Shared pieces of the CLI's dependency-free SVG figures (plot, heatmap): number formatting,
// escaping, extents, round ticks and the colour scales.

/** Smallest and largest of the values passing `keep` (loops: no argument spreads, any count). */
export function extent(series: Iterable<ArrayLike<number | null>>, keep: (v: number) => boolean): [number, number] | null {
  let lo = Infinity,
    hi = -Infinity;
  for (const a of series) {
    for (let i = 0; i < a.length; i++) {
      const v = a[i];
      if (typeof v === 'number' && keep(v)) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
  }
  return lo <= hi ? [lo, hi] : null;
}

export function format(v: number): string {
  return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-2 && v !== 0) ? v.toExponential(1) : String(Number(v.toPrecision(3)));
}

export function escapeXml(s: string): string {
  return s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}

/** Viridis, sampled at ten points: perceptually uniform, and its luminance grows with the value. */
export const RAMP = ['#440154', '#482878', '#3e4989', '#31688e', '#26828e', '#1f9e89', '#35b779', '#6ece58', '#b5de2b', '#fde725'];

export function colour(f: number): string {
  const u = Math.min(1, Math.max(0, f)) * (RAMP.length - 1);
  const k = Math.min(RAMP.length - 2, Math.floor(u)),
    s = u - k;
  const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  const a = rgb(RAMP[k]),
    b = rgb(RAMP[k + 1]);
  return `#${a
    .map((c, i) =>
      Math.round(c + (b[i] - c) * s)
        .toString(16)
        .padStart(2, '0'),
    )
    .join('')}`;
}

/** Round numbers (1, 2 or 5 times a power of ten apart) inside [a, b], about `count` of them. */
export function niceTicks(a: number, b: number, count: number): number[] {
  const raw = (b - a) / count,
    p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
  const out: number[] = [];
  if (!(raw > 0) || !Number.isFinite(raw)) return [a];
  const first = Math.ceil(a / step - 1e-9);
  // By index (not t += step, which may not advance far from 0): at most a few dozen ticks.
  for (let k = 0; k < 4 * count + 4; k++) {
    const t = (first + k) * step;
    if (t > b + 1e-9 * step) break;
    const v = Number(t.toPrecision(12));
    if (out[out.length - 1] !== v) out.push(v);
  }
  return out;
}

/** Decades inside [a, b] (in log10 units); 1-2-5 within a decade when the axis spans less than two decades. */
export function logTicks(a: number, b: number): Array<[number, string]> {
  const out: Array<[number, string]> = [];
  for (let e = Math.floor(a); e <= Math.ceil(b); e++) {
    for (const m of b - a < 2 ? [1, 2, 5] : [1]) {
      const q = e + Math.log10(m);
      if (q >= a && q <= b) out.push([q, b - a < 2 ? format(m * 10 ** e) : decade(e)]);
    }
  }
  return out;
}

/** 10^e as a plain number where short (0.01 ... 1000), else 1e4. */
export function decade(e: number): string {
  return e >= -2 && e <= 3 ? String(Number((10 ** e).toPrecision(1))) : `1e${e}`;
}
