// Dense against truncated as n grows (issue 20 §3):  npm run bench:scale
//   attention on S² (beta = 1000, f32): seconds per velocity evaluation against n = 1e3 … 1e6, and against beta at one n;
//   Sinkhorn (uniform box against a Gaussian cloud, d = 3, f64): seconds per iteration at the final eps against
//   n = 1e3 … 1e6, and against eps at one n; each beside the pairs kept and the predicted kept fraction
//   (bench/scale-cases.ts states both formulas), and the peak RSS of the case's own child process.
// Environment: MEANFIELD_BENCH_MAX_N (default 1e6; 1e4 is the quick run, about a minute), BENCH_THREADS (default 2),
// MEANFIELD_BENCH_MAX_N_OT (default 1e5: the Sinkhorn sweep's own limit, min with MAX_N; 1e6 runs its stretch case).
// Dense runs only up to DENSE_MAX_N; beyond, its time is extrapolated by n² from the largest one run (marked so).
// The list of cases depends only on these two variables. Writes bench/results/scale.json atomically after every case
// (a failed or interrupted run keeps the cases done) and prints a markdown table.
import { spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runCase, type ScaleCase, type ScaleRow } from './scale-cases.js';

const TAU = 5;
const ATTENTION_BETA = 1000;
const SINKHORN_EPS = 1e-3;
/** Largest n run dense: one attention evaluation at 1e5 is 1e10 pairs (~10 s); a Sinkhorn iteration is two passes. */
const DENSE_MAX_N = { attention: 1e5, sinkhorn: 3e4 };
/** Iterations at the final eps: dense starts there (scaling off; its cost per iteration does not depend on the iterate). */
const SINKHORN_ITERATIONS = { dense: 3, truncated: 6 };

const here = dirname(fileURLToPath(import.meta.url));
export const RESULTS_PATH = join(here, 'results', 'scale.json');

export interface ScaleResults {
  date: string;
  node: string;
  cpu: string;
  cores: number;
  threads: number;
  maxN: number;
  tau: number;
  /** Cases that failed (their child's exit code and the end of its stderr). */
  failures: { case: ScaleCase; error: string }[];
  rows: ScaleRow[];
}

/** The cases, in the order run: deterministic given maxN and threads. */
export function scaleCases(maxN: number, threads: number, maxNSinkhorn = Math.min(1e5, maxN)): ScaleCase[] {
  const cases: ScaleCase[] = [];
  const add = (c: Omit<ScaleCase, 'method' | 'tau' | 'threads'>, dense: boolean) => {
    if (c.n > (c.kind === 'sinkhorn' ? Math.min(maxN, maxNSinkhorn) : maxN)) return;
    const sink = c.kind === 'sinkhorn';
    if (dense) cases.push({ ...c, method: 'dense', tau: TAU, threads, ...(sink ? { iterations: SINKHORN_ITERATIONS.dense } : {}) });
    cases.push({ ...c, method: 'truncated', tau: TAU, threads, ...(sink ? { iterations: SINKHORN_ITERATIONS.truncated } : {}) });
  };
  for (const n of [1e3, 1e4, 1e5, 1e6]) add({ kind: 'attention', sweep: 'n', n, beta: ATTENTION_BETA }, n <= DENSE_MAX_N.attention);
  const nBeta = Math.min(3e4, maxN);
  for (const beta of [100, 300, 1000, 3000]) add({ kind: 'attention', sweep: 'beta', n: nBeta, beta }, true);
  for (const n of [1e3, 3e3, 1e4, 3e4, 1e5, 1e6]) add({ kind: 'sinkhorn', sweep: 'n', n, eps: SINKHORN_EPS }, n <= DENSE_MAX_N.sinkhorn);
  const nEps = Math.min(1e4, maxN);
  for (const eps of [1e-2, 1e-3, 1e-4]) add({ kind: 'sinkhorn', sweep: 'eps', n: nEps, eps }, true);
  return cases;
}

/** Dense rows beyond DENSE_MAX_N: the largest dense time measured in the same sweep, times (n / its n)². */
export function extrapolateDense(rows: ScaleRow[], cases: ScaleCase[]): ScaleRow[] {
  const out: ScaleRow[] = [];
  for (const c of cases) {
    if (c.method !== 'truncated' || c.sweep !== 'n') continue;
    if (rows.some((r) => r.method === 'dense' && r.kind === c.kind && r.sweep === 'n' && r.n === c.n)) continue;
    const base = rows
      .filter((r) => r.method === 'dense' && r.kind === c.kind && r.sweep === 'n' && !r.extrapolated && r.n < c.n)
      .sort((a, b) => b.n - a.n)[0];
    const truncated = rows.find((r) => r.method === 'truncated' && r.kind === c.kind && r.sweep === 'n' && r.n === c.n);
    if (base === undefined || truncated === undefined) continue;
    out.push({
      ...c,
      method: 'dense',
      seconds: base.seconds * (c.n / base.n) ** 2,
      keptFraction: 1,
      predictedFraction: truncated.predictedFraction,
      peakRssMiB: null,
      extrapolated: true,
      ...(c.kind === 'sinkhorn' ? { iterations: 0 } : {}),
    });
  }
  return out;
}

function writeAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

const sec = (s: number | undefined) => (s === undefined ? '-' : s >= 10 ? s.toFixed(1) : s >= 0.01 ? s.toFixed(3) : s.toExponential(2));
const pct = (f: number) => `${(100 * f).toPrecision(3)}%`;

/** The markdown table: one line per (sweep, n, beta or eps), dense beside truncated. */
export function scaleTable(rows: ScaleRow[]): string {
  const lines = [
    '| case | n | beta / eps | dense s | truncated s | dense / truncated | kept | predicted | peak RSS MiB (dense, truncated) |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const t of rows.filter((r) => r.method === 'truncated')) {
    const d = rows.find(
      (r) => r.method === 'dense' && r.kind === t.kind && r.sweep === t.sweep && r.n === t.n && r.beta === t.beta && r.eps === t.eps,
    );
    const what = t.kind === 'attention' ? 'attention, one velocity evaluation' : 'Sinkhorn, one iteration at eps';
    const param = t.kind === 'attention' ? `beta = ${t.beta}` : `eps = ${t.eps}`;
    const dense = d === undefined ? '-' : `${d.extrapolated ? '~' : ''}${sec(d.seconds)}${d.extrapolated ? ' (n² extrapolated)' : ''}`;
    const rss = `${d?.peakRssMiB == null ? '-' : d.peakRssMiB.toFixed(0)}, ${t.peakRssMiB == null ? '-' : t.peakRssMiB.toFixed(0)}`;
    const speedup = d === undefined ? '-' : `${(d.seconds / t.seconds).toFixed(1)}x`;
    lines.push(
      `| ${what} (against ${t.sweep}) | ${t.n} | ${param} | ${dense} | ${sec(t.seconds)} | ${speedup} | ` +
        `${pct(t.keptFraction)} | ${pct(t.predictedFraction)} | ${rss} |`,
    );
  }
  return lines.join('\n');
}

function runChild(c: ScaleCase): ScaleRow | { error: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--case', JSON.stringify(c)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 1 << 24,
  });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status === 0 && last.startsWith('{')) return JSON.parse(last) as ScaleRow;
  return { error: `exit ${r.status ?? r.signal}: ${(r.stderr || r.error?.message || '').slice(-600)}` };
}

async function main(): Promise<void> {
  const maxN = Number(process.env.MEANFIELD_BENCH_MAX_N ?? 1e6);
  const maxNSinkhorn = Number(process.env.MEANFIELD_BENCH_MAX_N_OT ?? 1e5);
  const threads = Number(process.env.BENCH_THREADS ?? 2);
  if (!(maxN >= 1e3) || !(maxNSinkhorn >= 1e3) || !Number.isInteger(threads) || threads < 1)
    throw new Error(
      `MEANFIELD_BENCH_MAX_N and MEANFIELD_BENCH_MAX_N_OT must be >= 1000, BENCH_THREADS a positive integer (got ${maxN}, ` +
        `${maxNSinkhorn}, ${threads})`,
    );
  const cases = scaleCases(maxN, threads, maxNSinkhorn);
  const results: ScaleResults = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.cpus().length,
    threads,
    maxN,
    tau: TAU,
    failures: [],
    rows: [],
  };
  const measured: ScaleRow[] = [];
  // A case met again in another sweep (the same kind, method, n, beta and eps) is run once.
  const key = (c: ScaleCase) => JSON.stringify([c.kind, c.method, c.n, c.beta, c.eps]);
  for (const [k, c] of cases.entries()) {
    const done = measured.find((r) => key(r) === key(c));
    if (done !== undefined) {
      measured.push({ ...done, sweep: c.sweep });
      continue;
    }
    const label = `${c.kind} ${c.method} n = ${c.n} ${c.kind === 'attention' ? `beta = ${c.beta}` : `eps = ${c.eps}`}`;
    process.stderr.write(`[${k + 1}/${cases.length}] ${label} … `);
    const r = runChild(c);
    if ('error' in r) {
      results.failures.push({ case: c, error: r.error });
      process.stderr.write(`failed: ${r.error}\n`);
    } else {
      measured.push(r);
      process.stderr.write(`${sec(r.seconds)} s, peak RSS ${r.peakRssMiB?.toFixed(0)} MiB\n`);
    }
    results.rows = [...measured, ...extrapolateDense(measured, cases)];
    writeAtomic(RESULTS_PATH, `${JSON.stringify(results, null, 2)}\n`);
  }
  console.log(
    `\n${cases.length} cases, tau = ${TAU}, ${threads} threads, attention f32, Sinkhorn f64, ${results.cpu} (${results.cores} cores), ` +
      `${results.date.slice(0, 10)}; ` +
      `dense beyond n = ${DENSE_MAX_N.attention} (attention) and ${DENSE_MAX_N.sinkhorn} (Sinkhorn) is extrapolated by n², not run.\n`,
  );
  console.log(scaleTable(results.rows));
  if (results.failures.length > 0) {
    console.log(`\n${results.failures.length} case(s) failed; see failures in bench/results/scale.json`);
    process.exitCode = 1;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const at = process.argv.indexOf('--case');
  if (at >= 0) console.log(JSON.stringify(await runCase(JSON.parse(process.argv[at + 1]) as ScaleCase)));
  else await main();
}
