// OT at scale with default options (issue 20 §1): sinkhornDivergence with its gradient between n points uniform
// in [0, 1]^3 and n points N(0.5, 0.25² I) (the clouds of bench/ot-time.ts), options { eps, tol } and nothing
// else, so the defaults choose truncation, precision and the eps-schedule. Each n runs in its own child process,
// so that its peak RSS (process.resourceUsage().maxRSS) is its own.
//
// Usage: npm run bench:ot-scale -- [--n 1e4,1e5] [--eps 1e-3] [--tol 1e-5] [--threads 2]
//   (the stretch case: --n 1e6 --eps 1e-4). Writes bench/results/ot-scale.json (atomic; rows merged by key).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.resolve(HERE, 'results/ot-scale.json');

export interface OTScaleRow {
  n: number;
  eps: number;
  tol: number;
  threads: number;
  seconds: number;
  /** Iterations (annealing stages included) of the a-b, a-a and b-b problems. */
  iterations: [number, number, number];
  marginalErrors: [number, number, number];
  /** Fraction of query-key pairs the a-b passes streamed (absent: exact passes). */
  keptFraction: number | null;
  converged: boolean;
  value: number;
  gradientFinite: boolean;
  peakRssMiB: number;
  warning?: string;
}

async function child(n: number, eps: number, tol: number, threads: number): Promise<void> {
  const { init, Measure, sinkhornDivergence } = await import('../src/index.js');
  await init({ threads });
  const x = Measure.uniformBox(n, 3, { seed: 1 });
  const y = Measure.gaussian(n, 3, { seed: 2, mean: 0.5, std: 0.25 });
  const t0 = performance.now();
  const r = sinkhornDivergence(x, y, { eps, tol });
  const seconds = (performance.now() - t0) / 1000;
  const row: OTScaleRow = {
    n,
    eps,
    tol,
    threads,
    seconds,
    iterations: [r.ab.iterations, r.aa.iterations, r.bb.iterations],
    marginalErrors: [r.ab.marginalError, r.aa.marginalError, r.bb.marginalError],
    keptFraction: r.ab.keptFraction ?? null,
    converged: r.converged,
    value: r.value,
    gradientFinite: r.gradient.every(Number.isFinite),
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    ...(r.warning === undefined ? {} : { warning: r.warning }),
  };
  process.stdout.write(`${JSON.stringify(row)}\n`);
}

function arg(argv: string[], name: string, dflt: string): string {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    const [n, eps, tol, threads] = argv.slice(1).map(Number);
    await child(n, eps, tol, threads);
    return;
  }
  const sizes = arg(argv, 'n', '1e4,1e5').split(',').map(Number);
  const eps = Number(arg(argv, 'eps', '1e-3'));
  const tol = Number(arg(argv, 'tol', '1e-5'));
  const threads = Number(arg(argv, 'threads', '2'));
  const previous: OTScaleRow[] = existsSync(OUT) ? JSON.parse(readFileSync(OUT, 'utf8')).rows : [];
  const rows = new Map(previous.map((r) => [`${r.n}/${r.eps}/${r.tol}/${r.threads}`, r]));
  console.log('| n = m | eps | tol | threads | seconds | iterations (ab, aa, bb) | pairs kept (ab) | converged | peak RSS MiB |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const n of sizes) {
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', `${n}`, `${eps}`, `${tol}`, `${threads}`],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        maxBuffer: 1 << 20,
      },
    );
    const row: OTScaleRow = JSON.parse(out.trim().split('\n').pop()!);
    rows.set(`${n}/${eps}/${tol}/${threads}`, row);
    const kept = row.keptFraction === null ? 'all' : `${(100 * row.keptFraction).toFixed(1)}%`;
    console.log(
      `| ${n} | ${eps} | ${tol} | ${threads} | ${row.seconds.toFixed(1)} | ${row.iterations.join(', ')} | ${kept} | ${row.converged} | ` +
        `${row.peakRssMiB.toFixed(0)} |`,
    );
    const tmp = `${OUT}.tmp`;
    writeFileSync(tmp, `${JSON.stringify({ rows: [...rows.values()] }, null, 1)}\n`);
    renameSync(tmp, OUT);
  }
}

await main();
