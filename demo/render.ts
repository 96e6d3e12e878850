// Drawing the tokens: on the circle, or on a sphere the reader can rotate.

/** A canvas drawn in CSS pixels (width x height), sharp on high-density screens. */
export interface Surface {
  ctx: CanvasRenderingContext2D;
  width: number;
  height: number;
}

/** The canvas at its HTML width and height in CSS pixels, with a backing store of devicePixelRatio times that. */
export function surface(canvas: HTMLCanvasElement): Surface {
  const width = canvas.width,
    height = canvas.height;
  const dpr = Math.max(1, window.devicePixelRatio || 1);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  const ctx = canvas.getContext('2d')!;
  ctx.scale(dpr, dpr);
  return { ctx, width, height };
}

/** A 3 x 3 rotation (row-major) applied before the orthographic projection. */
export type Rotation = Float64Array;

export function rotationFromDrag(r: Rotation, dx: number, dy: number): Rotation {
  // Rotate about the screen's y axis by dx and its x axis by dy (radians), then compose.
  const cy = Math.cos(dx),
    sy = Math.sin(dx),
    cx = Math.cos(dy),
    sx = Math.sin(dy);
  const ry = [cy, 0, sy, 0, 1, 0, -sy, 0, cy];
  const rx = [1, 0, 0, 0, cx, -sx, 0, sx, cx];
  return Float64Array.from(mul(rx, mul(ry, Array.from(r))));
}

function mul(a: ArrayLike<number>, b: ArrayLike<number>): number[] {
  const o = new Array<number>(9).fill(0);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) o[3 * i + j] += a[3 * i + k] * b[3 * k + j];
  return o;
}

/** Dot radius in CSS pixels for a particle carrying `tokens` tokens (its area grows with them). */
const radiusOf = (tokens: number) => 4.5 * Math.sqrt(Math.max(1, tokens)) ** 0.8;

/**
 * The circle (dim 2) or the sphere's outline and equator (dim 3), and one dot per particle:
 * a particle of several merged tokens is larger and labelled with their count. On the
 * sphere the far hemisphere is drawn first and paler.
 */
export function drawParticles(s: Surface, points: Float64Array, dim: 2 | 3, tokens: Float64Array, rot: Rotation): void {
  const { ctx, width: w, height: h } = s;
  const cx = w / 2,
    cy = h / 2,
    radius = 0.4 * Math.min(w, h);
  ctx.clearRect(0, 0, w, h);
  ctx.strokeStyle = '#c3c8d0';
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  ctx.arc(cx, cy, radius, 0, 2 * Math.PI);
  ctx.stroke();
  const project = (p: number[]) =>
    dim === 3 ? [0, 1, 2].map((r) => rot[3 * r] * p[0] + rot[3 * r + 1] * p[1] + rot[3 * r + 2] * p[2]) : p;
  if (dim === 3) {
    // The equator, as a depth cue: its near half solid, its far half dashed.
    for (const near of [false, true]) {
      ctx.setLineDash(near ? [] : [3, 4]);
      ctx.strokeStyle = '#d5d9df';
      ctx.beginPath();
      for (let k = 0, open = false; k <= 96; k++) {
        const a = (2 * Math.PI * k) / 96;
        const q = project([Math.cos(a), 0, Math.sin(a)]);
        if (q[2] >= 0 !== near) {
          open = false;
          continue;
        }
        if (!open) ctx.moveTo(cx + radius * q[0], cy - radius * q[1]);
        else ctx.lineTo(cx + radius * q[0], cy - radius * q[1]);
        open = true;
      }
      ctx.stroke();
    }
    ctx.setLineDash([]);
  }
  const n = tokens.length;
  const dots: Array<{ x: number; y: number; z: number; tokens: number }> = [];
  for (let i = 0; i < n; i++) {
    const q = project([points[i * dim], points[i * dim + 1], dim === 3 ? points[i * dim + 2] : 0]);
    dots.push({ x: cx + radius * q[0], y: cy - radius * q[1], z: q[2], tokens: tokens[i] });
  }
  dots.sort((a, b) => a.z - b.z);
  ctx.font = '600 11px system-ui, sans-serif';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  for (const d of dots) {
    const back = dim === 3 && d.z < 0;
    const r = radiusOf(d.tokens) * (back ? 0.85 : 1);
    ctx.fillStyle = back ? 'rgba(200, 60, 40, 0.3)' : 'rgba(200, 60, 40, 0.85)';
    ctx.beginPath();
    ctx.arc(d.x, d.y, r, 0, 2 * Math.PI);
    ctx.fill();
    if (d.tokens > 1) {
      // The count outside the dot, away from the centre, so it never covers another dot's label.
      const ux = d.x - cx,
        uy = d.y - cy,
        len = Math.hypot(ux, uy) || 1;
      const off = r + 10;
      ctx.fillStyle = back ? '#999' : '#333';
      ctx.fillText(String(d.tokens), d.x + (ux / len) * off, d.y + (uy / len) * off);
    }
  }
}
