// Default calls: sinkhorn(a, b, { eps }) with nothing else, timed to its answer, next to POT's ot.sinkhorn (its
// defaults: sinkhorn_log with stopThr 1e-9 and numItermax 1000) on the same points in the same run. The cases are the
// ones a new user hit (Gaussian clouds of 300 and 200 points at eps = 0.01: 28 s, or no convergence, before), seeds
// around them, and larger sizes. The L1 marginal error of both sides is measured on one yardstick (the plan's rows and
// columns against a and b).
//
// Usage: node --import tsx bench/ot-defaults.ts [--sizes 300x200,1000x700] [--seeds 4] [--skip-pot]
// Writes bench/results/ot-defaults.json (atomic) and prints a markdown table.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { init, Measure, sinkhorn } from '../src/index.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.resolve(HERE, 'results/ot-defaults.json');
const argv = process.argv.slice(2);
const arg = (name: string, dflt: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const sizes = arg('sizes', '300x200,1000x700,3000x2000')
  .split(',')
  .map((s) => s.split('x').map(Number) as [number, number]);
const seeds = Number(arg('seeds', '4'));
const skipPot = argv.includes('--skip-pot');
const EPS = 0.01;

const POT = `
import sys, json, time, numpy as np, ot, warnings
warnings.simplefilter('ignore')
x = np.loadtxt(sys.argv[1], delimiter=','); y = np.loadtxt(sys.argv[2], delimiter=',')
x = x.reshape(len(x), -1); y = y.reshape(len(y), -1)
eps = float(sys.argv[3]); a = np.full(len(x), 1 / len(x)); b = np.full(len(y), 1 / len(y))
t0 = time.perf_counter()
M = ot.dist(x, y)
P, log = ot.sinkhorn(a, b, M, eps, method='sinkhorn_log', log=True)
t = time.perf_counter() - t0
l1 = np.abs(P.sum(1) - a).sum() + np.abs(P.sum(0) - b).sum()
print(json.dumps({'seconds': t, 'iterations': int(log['niter']), 'l1': float(l1), 'value': float(np.sum(P * M))}))
`;

interface Row {
  n: number;
  m: number;
  d: number;
  seeds: [number, number];
  seconds: number;
  iterations: number;
  newtonSteps: number;
  l1: number;
  converged: boolean;
  pot?: { seconds: number; iterations: number; l1: number };
}

const info = await init();
const rows: Row[] = [];
const dir = mkdtempSync(path.join(tmpdir(), 'meanfield-ot-defaults-'));
console.log(`| n x m | d | seeds | meanfield s | iterations (+ Newton) | L1 error | POT s | POT iterations | POT L1 error |`);
console.log('|---|---|---|---|---|---|---|---|---|');
try {
  for (const [n, m] of sizes) {
    for (const d of [2, 3]) {
      for (let k = 0; k < (n * m > 1e6 ? 1 : seeds); k++) {
        const s1 = 1 + 2 * k + (d === 3 ? 6 : 0),
          s2 = s1 + 1;
        const a = Measure.gaussian(n, d, { seed: s1 }),
          b = Measure.gaussian(m, d, { seed: s2 });
        const t0 = performance.now();
        const r = sinkhorn(a, b, { eps: EPS });
        const seconds = (performance.now() - t0) / 1000;
        const row: Row = {
          n,
          m,
          d,
          seeds: [s1, s2],
          seconds,
          iterations: r.iterations,
          newtonSteps: r.newtonSteps ?? 0,
          l1: r.marginalError,
          converged: r.converged,
        };
        if (!skipPot) {
          const xf = path.join(dir, 'x.csv'),
            yf = path.join(dir, 'y.csv');
          const csv = (mu: Measure) =>
            mu
              .toArray()
              .map((p) => p.join(','))
              .join('\n');
          writeFileSync(xf, csv(a));
          writeFileSync(yf, csv(b));
          row.pot = JSON.parse(execFileSync('/usr/bin/python3', ['-c', POT, xf, yf, String(EPS)], { encoding: 'utf8' }));
        }
        rows.push(row);
        const p = row.pot;
        console.log(
          `| ${n} x ${m} | ${d} | ${s1}/${s2} | ${seconds.toFixed(2)} | ${r.iterations}${row.newtonSteps ? ` + ${row.newtonSteps}` : ''} ` +
            `| ${r.marginalError.toExponential(1)}${r.converged ? '' : ' (not converged)'} | ${p ? p.seconds.toFixed(2) : '—'} | ` +
            `${p ? p.iterations : '—'} | ${p ? p.l1.toExponential(1) : '—'} |`,
        );
      }
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const tmp = `${OUT}.tmp`;
writeFileSync(tmp, `${JSON.stringify({ measuredAt: new Date().toISOString(), threads: info.threads, eps: EPS, rows }, null, 1)}\n`);
renameSync(tmp, OUT);
console.log(`\nwrote ${path.relative(process.cwd(), OUT)} (${info.threads} threads)`);
