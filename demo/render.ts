// Drawing: tokens on the circle or on a rotatable sphere, and the time-series plots.

/** A 3 x 3 rotation (row-major) applied before the orthographic projection. */
export type Rotation = Float64Array;

export function rotationFromDrag(r: Rotation, dx: number, dy: number): Rotation {
  // Rotate about the screen's y axis by dx and its x axis by dy (radians), then compose.
  const cy = Math.cos(dx), sy = Math.sin(dx), cx = Math.cos(dy), sx = Math.sin(dy);
  const ry = [cy, 0, sy, 0, 1, 0, -sy, 0, cy];
  const rx = [1, 0, 0, 0, cx, -sx, 0, sx, cx];
  const m = mul(rx, mul(ry, Array.from(r)));
  return Float64Array.from(m);
}

function mul(a: ArrayLike<number>, b: ArrayLike<number>): number[] {
  const o = new Array<number>(9).fill(0);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) o[3 * i + j] += a[3 * i + k] * b[3 * k + j];
  return o;
}

export function drawParticles(ctx: CanvasRenderingContext2D, points: Float64Array, dim: number, rot: Rotation): void {
  const { width: w, height: h } = ctx.canvas;
  const cx = w / 2, cy = h / 2, radius = 0.42 * Math.min(w, h);
  ctx.clearRect(0, 0, w, h);
  ctx.strokeStyle = '#c8ccd4';
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  ctx.arc(cx, cy, radius, 0, 2 * Math.PI);
  ctx.stroke();
  const n = points.length / dim;
  // Screen coordinates and depth; the far hemisphere is drawn first and paler.
  const pts: { x: number; y: number; z: number }[] = [];
  for (let i = 0; i < n; i++) {
    const p = [points[i * dim], points[i * dim + 1], dim === 3 ? points[i * dim + 2] : 0];
    const q = dim === 3 ? [0, 1, 2].map((r) => rot[3 * r] * p[0] + rot[3 * r + 1] * p[1] + rot[3 * r + 2] * p[2]) : p;
    pts.push({ x: cx + radius * q[0], y: cy - radius * q[1], z: q[2] });
  }
  pts.sort((a, b) => a.z - b.z);
  for (const p of pts) {
    const front = p.z >= 0;
    ctx.fillStyle = front ? 'rgba(200, 60, 40, 0.85)' : 'rgba(200, 60, 40, 0.3)';
    ctx.beginPath();
    ctx.arc(p.x, p.y, front || dim === 2 ? 5 : 4, 0, 2 * Math.PI);
    ctx.fill();
  }
}

/** A line plot of y against log10(t) with labelled axes; integer=true draws a step line. */
export function drawSeries(ctx: CanvasRenderingContext2D, t: number[], y: number[], label: string, integer: boolean): void {
  const { width: w, height: h } = ctx.canvas;
  const left = 54, right = 10, top = 18, bottom = 30;
  ctx.clearRect(0, 0, w, h);
  ctx.fillStyle = '#333';
  ctx.font = '12px system-ui, sans-serif';
  ctx.fillText(label, left, 12);
  ctx.fillText('log10 t', w - right - 44, h - 6);
  const pairs = t.map((ti, i) => [Math.log10(Math.max(ti, 1e-2)), y[i]]).filter(([, v]) => Number.isFinite(v));
  if (pairs.length === 0) return;
  let x0 = Math.min(...pairs.map((p) => p[0])), x1 = Math.max(...pairs.map((p) => p[0]));
  let y0 = Math.min(...pairs.map((p) => p[1])), y1 = Math.max(...pairs.map((p) => p[1]));
  if (x1 - x0 < 1e-9) x1 = x0 + 1;
  if (y1 - y0 < 1e-12) { y0 -= 0.5; y1 += 0.5; }
  const sx = (v: number) => left + ((v - x0) / (x1 - x0)) * (w - left - right);
  const sy = (v: number) => h - bottom - ((v - y0) / (y1 - y0)) * (h - top - bottom);
  ctx.strokeStyle = '#888';
  ctx.strokeRect(left, top, w - left - right, h - top - bottom);
  ctx.fillText(formatTick(y1, integer), 4, top + 10);
  ctx.fillText(formatTick(y0, integer), 4, h - bottom);
  ctx.fillText(x0.toFixed(1), left, h - bottom + 14);
  ctx.fillText(x1.toFixed(1), w - right - 24, h - bottom + 14);
  ctx.strokeStyle = '#1f5fbf';
  ctx.lineWidth = 2;
  ctx.beginPath();
  pairs.forEach(([x, v], i) => {
    if (i === 0) ctx.moveTo(sx(x), sy(v));
    else {
      if (integer) ctx.lineTo(sx(x), sy(pairs[i - 1][1]));
      ctx.lineTo(sx(x), sy(v));
    }
  });
  ctx.stroke();
}

function formatTick(v: number, integer: boolean): string {
  return integer ? String(Math.round(v)) : Math.abs(v) >= 1e4 || Math.abs(v) < 1e-2 ? v.toExponential(2) : v.toFixed(3);
}
