// Attention at large beta, dense against truncated (issue 20 §2):
//   node --import tsx bench/scale-attention.ts [n ...]        (default n = 1e4 5e4; BENCH_THREADS, default 2)
// n tokens uniform on S², beta = 1000, f32. Per n: seconds of one velocity evaluation with truncate: false (every
// pair) and with the default options ('auto': tau = 5) on a fresh flow (the first call builds the k-d tree: this is
// the cost of one Euler step; "fresh": the same on a second fresh flow, the JIT warm) and on a warm one (the tree
// reused), the pairs kept against the predicted fraction
// tau²/(2 beta) (the cap on S² a token feels), and the error of the truncated velocity against the exact one.
// Above DENSE_MAX_N (4e5) the dense evaluation (hours) is left out; peak RSS is printed at the end.
import { pathToFileURL } from 'node:url';
import { attention, init } from '../src/index.js';
import { AttentionTruncation } from '../src/flows/attention-truncate.js';
import { backendFor } from '../src/backend/index.js';

const BETA = 1000;
const DENSE_MAX_N = 4e5;
const TAU = 5;

function spherePoints(n: number, seed: number): Float64Array {
  let s = seed >>> 0;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
  const x = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    // Archimedes: z uniform on [-1, 1], the angle uniform.
    const z = 2 * rnd() - 1,
      t = 2 * Math.PI * rnd(),
      r = Math.sqrt(1 - z * z);
    x[3 * i] = r * Math.cos(t);
    x[3 * i + 1] = r * Math.sin(t);
    x[3 * i + 2] = z;
  }
  return x;
}

const seconds = (fn: () => void) => {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
};

export interface ScaleAttentionRow {
  n: number;
  threads: number;
  denseSeconds: number;
  firstSeconds: number;
  warmSeconds: number;
  freshSeconds: number;
  keptFraction: number;
  predictedFraction: number;
  maxError: number;
}

export async function scaleAttention(ns: number[], threads: number): Promise<ScaleAttentionRow[]> {
  await init({ threads });
  const rows: ScaleAttentionRow[] = [];
  for (const n of ns) {
    const x = spherePoints(n, n);
    const w = new Float64Array(n).fill(1 / n);
    const exact = new Float64Array(3 * n),
      truncated = new Float64Array(3 * n);
    const dense = n <= DENSE_MAX_N;
    const denseSeconds = dense
      ? seconds(() => attention({ beta: BETA, truncate: false }).velocity(x, w, 3, exact, { precision: 'f32' }))
      : Number.NaN;
    const flow = attention({ beta: BETA });
    const firstSeconds = seconds(() => flow.velocity(x, w, 3, truncated, { precision: 'f32' }));
    const warmSeconds = seconds(() => flow.velocity(x, w, 3, truncated, { precision: 'f32' }));
    // A second fresh flow: its first call builds the tree again, with the JIT warm.
    const freshSeconds = seconds(() => attention({ beta: BETA }).velocity(x, w, 3, truncated, { precision: 'f32' }));
    // The pairs kept, from the same truncation on the same points.
    const t = new AttentionTruncation(TAU);
    const h = w.map(Math.log);
    t.reduce(backendFor(undefined, 'bench'), x, x, x, h, n, 3, BETA, 'f32', new Float64Array(n), new Float64Array(3 * n));
    let maxError = 0;
    for (let i = 0; i < 3 * n; i++) maxError = Math.max(maxError, Math.abs(exact[i] - truncated[i]));
    if (!dense) maxError = Number.NaN;
    rows.push({
      n,
      threads,
      denseSeconds,
      firstSeconds,
      warmSeconds,
      freshSeconds,
      keptFraction: t.kept / t.total,
      predictedFraction: (TAU * TAU) / (2 * BETA),
      maxError,
    });
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const ns = process.argv.slice(2).map(Number);
  const threads = Number(process.env.BENCH_THREADS ?? 2);
  const rows = await scaleAttention(ns.length > 0 ? ns : [1e4, 5e4], threads);
  console.log('n        threads  dense s   first s   fresh s  warm s   dense/first  dense/fresh  kept     predicted  max |err|');
  for (const r of rows) {
    console.log(
      [
        String(r.n).padEnd(8),
        String(r.threads).padEnd(8),
        r.denseSeconds.toFixed(3).padEnd(9),
        r.firstSeconds.toFixed(3).padEnd(9),
        r.freshSeconds.toFixed(3).padEnd(8),
        r.warmSeconds.toFixed(3).padEnd(8),
        (r.denseSeconds / r.firstSeconds).toFixed(1).padEnd(12),
        (r.denseSeconds / r.freshSeconds).toFixed(1).padEnd(12),
        `${(100 * r.keptFraction).toFixed(2)}%`.padEnd(8),
        `${(100 * r.predictedFraction).toFixed(2)}%`.padEnd(10),
        r.maxError.toExponential(2),
      ].join(' '),
    );
  }
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
}
