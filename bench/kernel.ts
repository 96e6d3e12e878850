// Kernel benchmarks: the softmax self-attention velocity on S² and one Sinkhorn-shaped
// logSumExp pass, wasm f64 / wasm f32 / js f64 on the same data in one run.
import { pathToFileURL } from 'node:url';
import b from 'benny';
import { init, Measure, softmaxMean, logSumExp, type BackendName, type Precision } from '../src/index.js';
import { backendFor, type ReduceArgs } from '../src/backend/index.js';
import { VARIANTS } from './variants.js';

export interface Row {
  case: string;
  n: number;
  variant: string;
  nsPerPair: number;
}

/** One velocity evaluation: the kernel plus the O(N) tangent projection. */
function attentionVelocity(mu: Measure, backend: BackendName, precision: Precision): Float64Array {
  const { mean } = softmaxMean(mu, mu, mu, { beta: 4, backend, precision });
  const x = mu.points;
  for (let i = 0; i < mu.size; i++) {
    const p = mean[3 * i] * x[3 * i] + mean[3 * i + 1] * x[3 * i + 1] + mean[3 * i + 2] * x[3 * i + 2];
    for (let c = 0; c < 3; c++) mean[3 * i + c] -= p * x[3 * i + c];
  }
  return mean;
}

async function suite(name: string, n: number, fn: (backend: BackendName, precision: Precision) => unknown, rows: Row[]): Promise<void> {
  await b.suite(
    `${name} N=${n}`,
    ...VARIANTS.map(([label, backend, precision]) =>
      b.add(
        label,
        () => {
          fn(backend, precision);
        },
        { minSamples: 3, maxTime: backend === 'js' && n > 2000 ? 4 : 2 },
      ),
    ),
    b.cycle(),
    b.complete((summary) => {
      // The median time per op (benny rounds its ops/s for display).
      for (const r of summary.results) rows.push({ case: name, n, variant: r.name, nsPerPair: (r.details.median * 1e9) / (n * n) });
    }),
    b.save({ file: `${name}-${n}`, folder: 'bench/results', format: 'json', details: false }),
  );
}

export async function kernelBench(rows: Row[]): Promise<void> {
  for (const n of [1024, 4096]) {
    const mu = Measure.uniformSphere(n, 3, { seed: 1 });
    await suite('attention-velocity', n, (backend, precision) => attentionVelocity(mu, backend, precision), rows);
    const x = Measure.uniformBox(n, 3, { seed: 2 });
    const y = Measure.gaussian(n, 3, { seed: 3, mean: 0.5, std: 0.25 });
    await suite(
      'logsumexp-sqdist',
      n,
      (backend, precision) => logSumExp(x, y, { beta: 1 / 0.05, score: 'sqdist', backend, precision }),
      rows,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Fixed cost per call and the batched phase-diagram workload, timed directly (no benny):
//   node --import tsx bench/kernel.ts [--json]
// Small calls: one system of n particles on the sphere, self-attention (keys = queries = values),
// score 'dot', beta = 4, uniform log-weights; the median µs per softmaxReduce call.
// Batch: B = 2048 systems of n = 32 in R^8, one call with a segment mask (segments), ns per pair
// (B·n·n pairs, the call's copies included); 'loop' is the same work as B separate calls.

/**
 * Seconds per call of fn: the fastest of `reps` timed batches of `inner` calls after warm-up (the
 * minimum, not the median, since other processes share the machine's cores).
 */
function timeCall(fn: () => void, inner: number, reps = 9): number {
  for (let i = 0; i < inner; i++) fn();
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < inner; i++) fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e9 / inner);
  }
  return Math.min(...times);
}

function spherePoints(count: number, d: number, seed: number): Float64Array {
  let s = seed;
  const rnd = () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
  const x = Float64Array.from({ length: count * d }, () => 2 * rnd() - 1);
  for (let i = 0; i < count; i++) {
    let r = 0;
    for (let c = 0; c < d; c++) r += x[i * d + c] ** 2;
    r = Math.sqrt(r);
    for (let c = 0; c < d; c++) x[i * d + c] /= r;
  }
  return x;
}

export interface CallRow {
  n: number;
  d: number;
  precision: Precision;
  usPerCall: number;
}
export interface BatchRow {
  variant: string;
  precision: Precision;
  threads: number;
  nsPerPair: number;
}

/** µs per softmaxReduce call for one small system (self-attention, k = d). */
export function callOverheadBench(rows: CallRow[]): void {
  const backend = backendFor('wasm', 'bench');
  // Warm-up: V8 first runs Wasm through its baseline compiler and tiers hot functions up later.
  const wx = spherePoints(256, 8, 1),
    wl = new Float64Array(1024),
    wm = new Float64Array(256 * 8);
  for (const precision of ['f64', 'f32'] as const)
    for (const d of [3, 8]) {
      const t0 = Date.now();
      while (Date.now() - t0 < 300)
        backend.softmaxReduce({
          x: wx,
          n: ((256 * 8) / d) | 0,
          y: wx,
          m: ((256 * 8) / d) | 0,
          d,
          logWeights: null,
          values: wx,
          k: d,
          beta: 4,
          score: 'dot',
          mask: { kind: 'none' },
          precision,
          lse: wl,
          mean: wm,
        });
    }
  for (const d of [3, 8])
    for (const n of [16, 32, 64, 256]) {
      const x = spherePoints(n, d, 7 + n + d);
      const h = new Float64Array(n).fill(Math.log(1 / n));
      const lse = new Float64Array(n),
        mean = new Float64Array(n * d);
      for (const precision of ['f64', 'f32'] as const) {
        const args: ReduceArgs = {
          x,
          n,
          y: x,
          m: n,
          d,
          logWeights: h,
          values: x,
          k: d,
          beta: 4,
          score: 'dot',
          mask: { kind: 'none' },
          precision,
          lse,
          mean,
        };
        const inner = Math.max(20, Math.round(2e6 / (n * n * (2 * d + 1))));
        rows.push({ n, d, precision, usPerCall: timeCall(() => backend.softmaxReduce(args), inner) * 1e6 });
      }
    }
}

/** The batch workload: B systems of n particles in R^d, ns per pair, through `segments` and through B separate calls. */
export async function batchBench(rows: BatchRow[], threadsList = [1, 2], B = 2048, n = 32, d = 8): Promise<void> {
  const backend = backendFor('wasm', 'bench');
  const N = B * n;
  const x = spherePoints(N, d, 11);
  const h = new Float64Array(N).fill(Math.log(1 / n));
  const lse = new Float64Array(N),
    mean = new Float64Array(N * d);
  const segments = Int32Array.from({ length: B + 1 }, (_, s) => s * n);
  const pairs = B * n * n;
  const withSegments = process.env.BENCH_SEGMENTS !== '0'; // 0: a build without segments (the 'before' numbers)
  for (const threads of threadsList) {
    await init({ threads });
    for (const precision of ['f32', 'f64'] as const) {
      if (withSegments) {
        const args: ReduceArgs = {
          x,
          n: N,
          y: x,
          m: N,
          d,
          logWeights: h,
          values: x,
          k: d,
          beta: 4,
          score: 'dot',
          mask: { kind: 'segments', offsets: segments },
          precision,
          lse,
          mean,
        };
        rows.push({
          variant: 'segments',
          precision,
          threads,
          nsPerPair: (timeCall(() => backend.softmaxReduce(args), 3, 7) * 1e9) / pairs,
        });
      }
      if (threads === 1) {
        const parts = Array.from({ length: B }, (_, s) => ({
          x: x.subarray(s * n * d, (s + 1) * n * d),
          h: h.subarray(s * n, (s + 1) * n),
          lse: lse.subarray(s * n, (s + 1) * n),
          mean: mean.subarray(s * n * d, (s + 1) * n * d),
        }));
        const loop = () => {
          for (const p of parts)
            backend.softmaxReduce({
              x: p.x,
              n,
              y: p.x,
              m: n,
              d,
              logWeights: p.h,
              values: p.x,
              k: d,
              beta: 4,
              score: 'dot',
              mask: { kind: 'none' },
              precision,
              lse: p.lse,
              mean: p.mean,
            });
        };
        rows.push({ variant: 'loop', precision, threads, nsPerPair: (timeCall(loop, 2, 5) * 1e9) / pairs });
      }
    }
  }
  await init({ threads: 1 });
}

// BENCH_ONLY=calls or BENCH_ONLY=batch runs one section alone.
async function overheadMain(): Promise<void> {
  await init({ threads: 1 });
  const only = process.env.BENCH_ONLY;
  const calls: CallRow[] = [];
  if (only !== 'batch') {
    callOverheadBench(calls);
    const us = (n: number, d: number, p: string) => calls.find((r) => r.n === n && r.d === d && r.precision === p)!.usPerCall;
    const lines = ['| n | d | f64 µs/call | f32 µs/call |', '|---|---|---|---|'];
    for (const d of [3, 8])
      for (const n of [16, 32, 64, 256]) lines.push(`| ${n} | ${d} | ${us(n, d, 'f64').toFixed(2)} | ${us(n, d, 'f32').toFixed(2)} |`);
    console.log(lines.join('\n'));
  }
  const batch: BatchRow[] = [];
  if (only !== 'calls') await batchBench(batch);
  console.log('\n| batch B=2048 n=32 d=8 k=8 | precision | threads | ns/pair |\n|---|---|---|---|');
  for (const r of batch) console.log(`| ${r.variant} | ${r.precision} | ${r.threads} | ${r.nsPerPair.toFixed(2)} |`);
  if (process.argv.includes('--json')) console.log(JSON.stringify({ calls, batch }));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  overheadMain().then(
    () => process.exit(0),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
