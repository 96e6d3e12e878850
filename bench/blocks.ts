// The block-sparse mask (ReduceArgs.blocks) costs in proportion to the pairs it keeps:
//   node --import tsx bench/blocks.ts [--json]        (BENCH_THREADS=1,2 for a thread list)
// n = m = 20 000 points in R^3, score 'dot', beta = 2, lse only (k = 0) and with values (k = 3).
// The mask: query blocks of 50 rows, each seeing 40 ranges of 50 keys (one per stretch of 500
// keys, at a start that varies with the block and is mostly not lane-aligned): 2 000 keys per
// row, 10% of the pairs. Reported: ns per kept pair (the whole call: copies and packing too),
// against the unmasked call's ns per pair on the same data.
import { pathToFileURL } from 'node:url';
import { init, type Precision } from '../src/index.js';
import { backendFor, type BlockMask, type ReduceArgs } from '../src/backend/index.js';

export interface BlockRow {
  variant: 'dense' | 'blocks';
  precision: Precision;
  k: number;
  threads: number;
  keptFraction: number;
  nsPerKeptPair: number;
}

/** Seconds per call: the fastest of `reps` calls after one warm-up call. */
function timeCall(fn: () => void, reps: number): number {
  fn();
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return best;
}

/** Query blocks of `rowsPer` rows, each seeing `count` ranges of `len` keys, one per stretch of m / count keys. */
export function stripedBlocks(n: number, m: number, rowsPer: number, count: number, len: number): BlockMask {
  const Q = Math.ceil(n / rowsPer);
  const stretch = Math.floor(m / count);
  const rows = Int32Array.from({ length: Q + 1 }, (_, q) => Math.min(n, q * rowsPer));
  const ptr = Int32Array.from({ length: Q + 1 }, (_, q) => q * count);
  const ranges = new Int32Array(2 * Q * count);
  for (let q = 0; q < Q; q++)
    for (let r = 0; r < count; r++) {
      const start = r * stretch + ((q * 37 + r * 13) % (stretch - len));
      ranges[2 * (q * count + r)] = start;
      ranges[2 * (q * count + r) + 1] = start + len;
    }
  return { rows, ptr, ranges };
}

export async function blocksBench(rows: BlockRow[], threadsList = [1], n = 20_000, d = 3): Promise<void> {
  let s = 5;
  const rnd = () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
  const x = Float64Array.from({ length: n * d }, () => 2 * rnd() - 1);
  const y = Float64Array.from({ length: n * d }, () => 2 * rnd() - 1);
  const v = Float64Array.from({ length: n * 3 }, () => 2 * rnd() - 1);
  const lse = new Float64Array(n),
    mean = new Float64Array(n * 3);
  const blocks = stripedBlocks(n, n, 50, 40, 50);
  let kept = 0;
  for (let q = 0; q + 1 < blocks.rows.length; q++) {
    let keys = 0;
    for (let r = blocks.ptr[q]; r < blocks.ptr[q + 1]; r++) keys += blocks.ranges[2 * r + 1] - blocks.ranges[2 * r];
    kept += (blocks.rows[q + 1] - blocks.rows[q]) * keys;
  }
  for (const threads of threadsList) {
    await init({ threads });
    const backend = backendFor('wasm', 'bench');
    for (const k of [0, 3])
      for (const precision of ['f32', 'f64'] as const) {
        const args: ReduceArgs = {
          x,
          n,
          y,
          m: n,
          d,
          logWeights: null,
          values: k === 0 ? null : v,
          k,
          beta: 2,
          score: 'dot',
          mask: { kind: 'none' },
          precision,
          lse,
          mean: k === 0 ? null : mean,
        };
        const dense = timeCall(() => backend.softmaxReduce(args), 5);
        rows.push({ variant: 'dense', precision, k, threads, keptFraction: 1, nsPerKeptPair: (dense * 1e9) / (n * n) });
        const masked: ReduceArgs = { ...args, mask: { kind: 'blocks', blocks } };
        const sparse = timeCall(() => backend.softmaxReduce(masked), 9);
        rows.push({ variant: 'blocks', precision, k, threads, keptFraction: kept / (n * n), nsPerKeptPair: (sparse * 1e9) / kept });
      }
  }
  await init({ threads: 1 });
}

async function main(): Promise<void> {
  const threadsList = (process.env.BENCH_THREADS ?? '1').split(',').map(Number);
  const rows: BlockRow[] = [];
  await blocksBench(rows, threadsList);
  const lines = [
    '| n = m = 20 000, d = 3 | k | precision | threads | kept | ns per kept pair | blocks / dense |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const dense = rows.find((o) => o.variant === 'dense' && o.k === r.k && o.precision === r.precision && o.threads === r.threads)!;
    lines.push(
      `| ${r.variant} | ${r.k} | ${r.precision} | ${r.threads} | ${(100 * r.keptFraction).toFixed(0)}% | ${r.nsPerKeptPair.toFixed(2)} | ` +
        `${(r.nsPerKeptPair / dense.nsPerKeptPair).toFixed(2)}x |`,
    );
  }
  console.log(lines.join('\n'));
  if (process.argv.includes('--json')) console.log(JSON.stringify(rows));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    () => process.exit(0),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
