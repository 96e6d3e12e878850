// Time to a converged answer: meanfield's sinkhorn against POT's ot.bregman.sinkhorn_log, same machine, same points.
// The data and POT's side are fixed by ../shared/bench/pot/time_to_solution.py: x ~ U[0,1]^3, y ~ N(0.5, 0.25^2 I),
// n = m, numpy default_rng(0), cost |x - y|^2 (not halved), uniform weights. That script writes the points
// (x{n}.csv, y{n}.csv) and times POT (ot.dist included) to its stopThr (L2 error of one marginal, checked every 10
// iterations); meanfield reads the same CSVs and is timed to tol = 1e-6 on the L1 error of both marginals (its rule),
// and that L1 error is re-measured here from result.plan() (n m <= 1e7) so both sides are compared on one yardstick.
//
// Every (n, eps, threads) runs in a fresh child process (init({ threads }) there, a warm-up per variant on a
// small problem first), so thread pools, JIT state and peak RSS do not leak between measurements. Rows are
// printed (markdown, stdout) as soon as they are measured, progress goes to stderr, and all rows are merged into
// bench/results/ot-time.json (atomic write; rows of earlier runs with other keys are kept, --fresh drops them).
//
// Usage: node --import tsx bench/ot-time.ts [--sizes 1000,4000] [--eps 0.05,0.01,0.001] [--threads 1,2]
//   [--variants f64,f32,...] [--pot-stop 1e-7] [--skip-pot] [--reps N] [--data DIR] [--fresh]
// (npm run bench:ot-time -- --sizes 1000 --eps 0.05,0.01). POT's sinkhorn_log has no eps-scaling: at n = 1000,
// eps = 0.001 it takes about 20 000 iterations (over 20 minutes here), n = 4000 far longer. --skip-pot times
// meanfield alone, next to POT's rows of an earlier run kept in the JSON (data from --data, written once if missing).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** Variants: name -> options merged over { eps, tol: TOL }. Variants whose options sinkhorn refuses are skipped. */
export const VARIANTS: Record<string, Record<string, unknown>> = {
  f64: { precision: 'f64' },
  'f64-plain': { precision: 'f64', acceleration: false }, // plain alternating Sinkhorn (no Anderson, no over-relaxation)
  'f64-sor': { precision: 'f64', acceleration: 'overrelaxation' }, // adaptive over-relaxation instead of Anderson
  'f64-noscale': { precision: 'f64', scaling: false }, // Anderson without eps-scaling: what the schedule saves
  f32: { precision: 'f32' }, // tol 1e-6 may be below f32's reach on small eps: converged false with a warning
  mixed: { precision: 'mixed' },
  truncated: { precision: 'f64', truncate: 5 },
  'mixed-truncated': { precision: 'mixed', truncate: 5 },
};

/** meanfield's stopping rule: L1 error of both marginals. */
const TOL = 1e-6;
/** Above this many plan entries result.plan() is refused and result.marginalError is reported instead. */
const PLAN_MAX = 1e7;
/** A run longer than this (s) is not repeated (best of 3 otherwise). */
const LONG_SECONDS = 60;
const PREFIX = '@@ot-time ';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const POT_SCRIPT = path.resolve(HERE, '../../shared/bench/pot/time_to_solution.py');
const JSON_OUT = path.resolve(HERE, 'results/ot-time.json');
const PYTHON = '/usr/bin/python3';

export interface PotRow {
  n: number;
  eps: number;
  seconds: number;
  iterations: number;
  l1: number;
  cost: number;
  stopThr: number;
  measuredAt: string;
}

interface ChildJob {
  dataDir: string;
  n: number;
  eps: number;
  threads: number;
  tol: number;
  reps: number;
  variants: [string, Record<string, unknown>][];
}

type ChildMessage =
  | { type: 'init'; threads: number; note?: string }
  | { type: 'skipped'; variant: string; error: string }
  | {
      type: 'result';
      variant: string;
      seconds: number;
      runs: number[];
      iterations: number;
      l1: number;
      l1Source: 'plan' | 'marginalError';
      marginalError: number;
      converged: boolean;
      warning?: string;
      cost: number;
      value: number;
      maxRssKB: number;
    }
  | { type: 'done'; maxRssKB: number };

export interface TimeRow {
  n: number;
  eps: number;
  variant: string;
  options: Record<string, unknown>;
  threads: number;
  /** Threads the pool actually has (init caps the request; a worker that cannot start leaves one). */
  threadsActual?: number;
  skipped?: string;
  seconds?: number;
  runs?: number[];
  iterations?: number;
  /** L1 error of both marginals of the returned plan, summed from result.plan() (l1Source 'plan') or result.marginalError. */
  l1?: number;
  l1Source?: 'plan' | 'marginalError';
  marginalError?: number;
  converged?: boolean;
  warning?: string;
  cost?: number;
  value?: number;
  pot?: PotRow;
  /** (cost - POT's <P,C>) / POT's <P,C>. */
  costRelDiff?: number;
  /** POT's time / ours. */
  speedup?: number;
  /** Peak RSS of the child process (KB) after this variant, and at its end (all variants of this n, eps, threads). */
  maxRssKB?: number;
  childMaxRssKB?: number;
  measuredAt: string;
}

// ---------------------------------------------------------------- child: one (n, eps, threads), every variant

async function child(job: ChildJob): Promise<void> {
  const { init, InvalidArgumentError, Measure, sinkhorn } = await import('../src/index.js');
  const send = (m: ChildMessage) => process.stdout.write(`${PREFIX + JSON.stringify(m)}\n`);
  const info = await init({ threads: job.threads });
  send({ type: 'init', threads: info.threads, ...(info.note === undefined ? {} : { note: info.note }) });
  const load = (name: string) => new Measure(readCsv(path.join(job.dataDir, `${name}${job.n}.csv`)), { dim: 3 });
  const x = load('x'),
    y = load('y');
  const wx = Measure.uniformBox(256, 3, { seed: 1 }),
    wy = Measure.gaussian(256, 3, { seed: 2, mean: 0.5, std: 0.25 });
  const skip = (e: unknown): string | null => (e instanceof InvalidArgumentError ? `${e.name}: ${e.message}` : null);
  for (const [variant, extra] of job.variants) {
    const options = { eps: job.eps, tol: job.tol, ...extra } as Parameters<typeof sinkhorn>[2];
    try {
      sinkhorn(wx, wy, { ...options, eps: 0.05 }); // warm-up: JIT and the Wasm paths of this variant
      const runs: number[] = [];
      let best: ReturnType<typeof sinkhorn> | undefined;
      for (let r = 0; r < job.reps; r++) {
        const t0 = performance.now();
        const res = sinkhorn(x, y, options);
        const t = (performance.now() - t0) / 1000;
        if (runs.length === 0 || t < Math.min(...runs)) best = res;
        runs.push(t);
        if (t > LONG_SECONDS) break;
      }
      const res = best!;
      let l1 = res.marginalError,
        l1Source: 'plan' | 'marginalError' = 'marginalError';
      if (x.size * y.size <= PLAN_MAX) {
        l1 = planMarginalError(res.plan(), x.normalized().weights, y.normalized().weights);
        l1Source = 'plan';
      }
      send({
        type: 'result',
        variant,
        seconds: Math.min(...runs),
        runs,
        iterations: res.iterations,
        l1,
        l1Source,
        marginalError: res.marginalError,
        converged: res.converged,
        ...(res.warning === undefined ? {} : { warning: res.warning }),
        cost: res.cost,
        value: res.value,
        maxRssKB: process.resourceUsage().maxRSS,
      });
    } catch (e) {
      const why = skip(e);
      if (why === null) throw e;
      send({ type: 'skipped', variant, error: why });
    }
  }
  send({ type: 'done', maxRssKB: process.resourceUsage().maxRSS });
  await init({ threads: 1 }); // let the pool's workers go so the process exits
}

/** sum_i |row_i - a_i| + sum_j |col_j - b_j| of an n x m plan. */
function planMarginalError(P: Float64Array, a: Float64Array, b: Float64Array): number {
  const n = a.length,
    m = b.length;
  const cols = new Float64Array(m);
  let err = 0;
  for (let i = 0; i < n; i++) {
    let r = 0;
    for (let j = 0; j < m; j++) {
      const v = P[i * m + j];
      r += v;
      cols[j] += v;
    }
    err += Math.abs(r - a[i]);
  }
  for (let j = 0; j < m; j++) err += Math.abs(cols[j] - b[j]);
  return err;
}

function readCsv(file: string): number[][] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.split(',').map(Number));
}

// ---------------------------------------------------------------- parent

interface Args {
  sizes: number[];
  eps: string[];
  threads: number[];
  variants: string[];
  potStop: string;
  skipPot: boolean;
  reps?: number;
  data: string;
  fresh: boolean;
}

const USAGE =
  'node --import tsx bench/ot-time.ts [--sizes 1000,4000] [--eps 0.05,0.01,0.001] [--threads 1,2] ' +
  `[--variants ${Object.keys(VARIANTS).join(',')}] [--pot-stop 1e-7] [--skip-pot] [--reps N] [--data DIR] [--fresh]`;

function parseArgs(argv: string[]): Args {
  const args: Args = {
    sizes: [1000, 4000],
    eps: ['0.05', '0.01', '0.001'],
    threads: [1, 2],
    variants: Object.keys(VARIANTS),
    potStop: '1e-7',
    skipPot: false,
    data: path.join(os.tmpdir(), 'meanfield-ot-time'),
    fresh: false,
  };
  const list = (v: string) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  const ints = (name: string, v: string) =>
    list(v).map((s) => {
      const k = Number(s);
      if (!Number.isInteger(k) || k < 1) throw new Error(`${name}: '${s}' is not a positive integer`);
      return k;
    });
  for (let i = 0; i < argv.length; i++) {
    let [flag, value] = argv[i].split(/=(.*)/s, 2) as [string, string | undefined];
    const next = () => {
      if (value === undefined) {
        value = argv[++i];
        if (value === undefined) throw new Error(`${flag} needs a value`);
      }
      return value;
    };
    switch (flag) {
      case '--sizes':
        args.sizes = ints(flag, next());
        break;
      case '--threads':
        args.threads = ints(flag, next());
        break;
      case '--reps':
        args.reps = ints(flag, next())[0];
        break;
      case '--eps':
        args.eps = list(next());
        for (const e of args.eps) if (!(Number(e) > 0)) throw new Error(`--eps: '${e}' is not a number > 0`);
        break;
      case '--variants':
        args.variants = list(next());
        for (const v of args.variants)
          if (!(v in VARIANTS)) throw new Error(`--variants: unknown variant '${v}' (known: ${Object.keys(VARIANTS).join(', ')})`);
        break;
      case '--pot-stop':
        args.potStop = next();
        if (!(Number(args.potStop) > 0)) throw new Error(`--pot-stop: '${args.potStop}' is not a number > 0`);
        break;
      case '--skip-pot':
        args.skipPot = true;
        break;
      case '--fresh':
        args.fresh = true;
        break;
      case '--data':
        args.data = path.resolve(next());
        break;
      case '--help':
      case '-h':
        console.log(`usage: ${USAGE}`);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown argument '${argv[i]}'`);
    }
  }
  return args;
}

function pythonEnv(): NodeJS.ProcessEnv {
  // OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are set on this machine for old OpenBLAS builds and slow a current one.
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

/** Runs a command, handing each stdout line to onLine as it comes; rejects on a non-zero exit. */
function run(cmd: string, argv: string[], env: NodeJS.ProcessEnv, onLine: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      process.stderr.write(d);
    });
    const lines = createInterface({ input: p.stdout });
    lines.on('line', onLine);
    p.on('error', reject);
    p.on('close', (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          new Error(
            `${path.basename(cmd)} ${argv.slice(0, 2).join(' ')} exited with ` +
              `${signal ?? code}${stderr ? `: ${stderr.trim().split('\n').pop()}` : ''}`,
          ),
        );
    });
  });
}

const POT_LINE = /POT sinkhorn_log n=m=(\d+) eps=(\S+):\s+([\d.]+) s, (\d+) iterations, L1 marginal error (\S+), <P,C> (\S+)/;

/**
 * POT's script at one size (writes x{n}.csv, y{n}.csv to dataDir); with --skip-pot only the data (one trivial solve),
 * and nothing when the data is there already.
 */
async function runPot(n: number, args: Args): Promise<PotRow[]> {
  const rows: PotRow[] = [];
  if (args.skipPot && existsSync(path.join(args.data, `x${n}.csv`)) && existsSync(path.join(args.data, `y${n}.csv`))) return rows;
  if (!existsSync(POT_SCRIPT)) throw new Error(`${POT_SCRIPT} not found`);
  const eps = args.skipPot ? '1000' : args.eps.join(',');
  const stop = args.skipPot ? '1' : args.potStop;
  await run(PYTHON, [POT_SCRIPT, '--sizes', String(n), '--eps', eps, '--stop', stop, '--out', args.data], pythonEnv(), (line) => {
    if (args.skipPot) return;
    process.stderr.write(`  ${line}\n`);
    const m = POT_LINE.exec(line);
    if (m)
      rows.push({
        n: Number(m[1]),
        eps: Number(m[2]),
        seconds: Number(m[3]),
        iterations: Number(m[4]),
        l1: Number(m[5]),
        cost: Number(m[6]),
        stopThr: Number(stop),
        measuredAt: new Date().toISOString(),
      });
  });
  return rows;
}

function runChild(job: ChildJob, onMessage: (m: ChildMessage) => void): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const execArgv = process.execArgv.length > 0 ? process.execArgv : ['--import', 'tsx'];
  return run(process.execPath, [...execArgv, self, '--child', JSON.stringify(job)], process.env, (line) => {
    if (line.startsWith(PREFIX)) onMessage(JSON.parse(line.slice(PREFIX.length)) as ChildMessage);
    else process.stderr.write(`  [child] ${line}\n`);
  });
}

const HEADER = [
  '| n | eps | POT s | POT it | POT L1 | variant | threads | s | it | L1 | converged | <P,C> | POT <P,C> | rel. diff | speed-up |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
];

const secs = (t: number | undefined) => (t === undefined ? '—' : t < 10 ? t.toFixed(3) : t.toFixed(1));
const sci = (v: number | undefined) => (v === undefined ? '—' : v.toExponential(1));

function tableRow(r: TimeRow): string {
  const p = r.pot;
  const head =
    `| ${r.n} | ${r.eps} | ${secs(p?.seconds)} | ${p?.iterations ?? '—'} | ${sci(p?.l1)} | ${r.variant} | ` +
    `${r.threadsActual ?? r.threads} |`;
  if (r.skipped !== undefined) return `${head} skipped | — | — | — | — | — | — | — |`;
  const conv = r.converged ? 'yes' : r.warning?.includes("below what precision 'f32' can reach") ? 'no (f32 reach)' : 'no';
  const diff = r.costRelDiff === undefined ? '—' : `${r.costRelDiff >= 0 ? '+' : ''}${r.costRelDiff.toExponential(1)}`;
  return (
    `${head} ${secs(r.seconds)} | ${r.iterations} | ${sci(r.l1)} | ${conv} | ${r.cost!.toFixed(8)} | ` +
    `${p === undefined ? '—' : p.cost.toFixed(8)} | ${diff} | ${r.speedup === undefined ? '—' : `${r.speedup.toFixed(1)}x`} |`
  );
}

interface Saved {
  meta: Record<string, unknown>;
  pot: PotRow[];
  rows: TimeRow[];
}

function loadSaved(fresh: boolean): Saved {
  let old: Saved = { meta: {}, pot: [], rows: [] };
  if (!fresh && existsSync(JSON_OUT)) {
    try {
      old = JSON.parse(readFileSync(JSON_OUT, 'utf8')) as Saved;
    } catch {
      /* unreadable: start over */
    }
  }
  return { meta: old.meta ?? {}, pot: old.pot ?? [], rows: old.rows ?? [] };
}

function save(rows: TimeRow[], pot: PotRow[], meta: Record<string, unknown>, fresh: boolean): void {
  const old = loadSaved(fresh);
  const rowKey = (r: TimeRow) => `${r.n}|${r.eps}|${r.variant}|${r.threads}`;
  const potKey = (r: PotRow) => `${r.n}|${r.eps}`;
  const newRows = new Set(rows.map(rowKey)),
    newPot = new Set(pot.map(potKey));
  const order = Object.keys(VARIANTS);
  const out: Saved = {
    meta,
    pot: [...old.pot.filter((r) => !newPot.has(potKey(r))), ...pot].sort((u, v) => u.n - v.n || v.eps - u.eps),
    rows: [...old.rows.filter((r) => !newRows.has(rowKey(r))), ...rows].sort(
      (u, v) => u.n - v.n || v.eps - u.eps || order.indexOf(u.variant) - order.indexOf(v.variant) || u.threads - v.threads,
    ),
  };
  mkdirSync(path.dirname(JSON_OUT), { recursive: true });
  const tmp = `${JSON_OUT}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(out, null, 2)}\n`);
  renameSync(tmp, JSON_OUT);
}

async function potVersion(): Promise<string | undefined> {
  let v: string | undefined;
  try {
    await run(PYTHON, ['-c', 'import ot, numpy; print(ot.__version__, numpy.__version__)'], pythonEnv(), (l) => {
      v = l.trim();
    });
  } catch {
    /* reported by runPot */
  }
  return v;
}

async function main(): Promise<void> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`${(e as Error).message}\nusage: ${USAGE}`);
    process.exit(2);
  }
  const versions = args.skipPot ? undefined : await potVersion();
  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: os.cpus()[0]?.model,
    cores: os.cpus().length,
    potNumpy: versions,
    tol: TOL,
    potStopThr: args.skipPot ? undefined : Number(args.potStop),
    dataDir: args.data,
    timing:
      `wall time of sinkhorn(x, y, options) to return; best of ${args.reps ?? '3 (1 at n >= 4000, eps <= 0.001)'}, a run over ` +
      `${LONG_SECONDS} s not repeated; POT: its script's time (ot.dist + sinkhorn_log)`,
    maxRss:
      'process.resourceUsage().maxRSS of the child (KB), one child per (n, eps, threads); includes plan() for the L1 check at n m <= 1e7',
  };
  const rows: TimeRow[] = [],
    pots: PotRow[] = [];
  const savedPot = args.skipPot ? loadSaved(args.fresh).pot : []; // --skip-pot: POT's rows of an earlier run, if any
  const full: string[] = [...HEADER];
  console.log(HEADER.join('\n'));
  const skippedSeen = new Set<string>();
  for (const n of args.sizes) {
    process.stderr.write(
      args.skipPot
        ? `n = ${n}: meanfield only, data in ${args.data}\n`
        : `n = ${n}: POT sinkhorn_log (stopThr ${args.potStop}), eps ${args.eps.join(', ')}\n`,
    );
    const pot = await runPot(n, args);
    pots.push(...pot);
    for (const epsText of args.eps) {
      const eps = Number(epsText);
      let potRow = pot.find((r) => r.eps === eps);
      if (!args.skipPot && potRow === undefined) process.stderr.write(`  no POT line for n = ${n}, eps = ${eps}\n`);
      if (args.skipPot) {
        potRow = savedPot.find((r) => r.n === n && r.eps === eps);
        if (potRow !== undefined)
          process.stderr.write(
            `  POT row of an earlier run (${path.relative(process.cwd(), JSON_OUT)}, ${potRow.measuredAt ?? 'undated'}, stopThr ` +
              `${potRow.stopThr}): ${potRow.seconds} s, ${potRow.iterations} iterations\n`,
          );
      }
      for (const threads of args.threads) {
        const reps = args.reps ?? (n >= 4000 && eps <= 0.001 ? 1 : 3);
        const job: ChildJob = { dataDir: args.data, n, eps, threads, tol: TOL, reps, variants: args.variants.map((v) => [v, VARIANTS[v]]) };
        process.stderr.write(`n = ${n}, eps = ${eps}, threads = ${threads}: meanfield (child process, best of ${reps})\n`);
        let threadsActual: number | undefined;
        const mine: TimeRow[] = [];
        const emit = (r: TimeRow) => {
          mine.push(r);
          rows.push(r);
          const line = tableRow(r);
          full.push(line);
          console.log(line);
          save(rows, pots, meta, args.fresh);
        };
        try {
          await runChild(job, (m) => {
            const base = { n, eps, threads, threadsActual, measuredAt: new Date().toISOString() };
            if (m.type === 'init') {
              threadsActual = m.threads;
              if (m.note !== undefined || m.threads !== threads)
                process.stderr.write(`  init({ threads: ${threads} }) gave ${m.threads} thread(s)${m.note ? `: ${m.note}` : ''}\n`);
            } else if (m.type === 'skipped') {
              const msg = `skipped: ${m.error}`;
              if (!skippedSeen.has(`${m.variant}|${msg}`)) {
                skippedSeen.add(`${m.variant}|${msg}`);
                process.stderr.write(`  ${m.variant}: ${msg}\n`);
              }
              emit({ variant: m.variant, ...base, options: VARIANTS[m.variant], skipped: m.error, pot: potRow });
            } else if (m.type === 'result') {
              if (m.warning !== undefined) process.stderr.write(`  ${m.variant}: warning: ${m.warning}\n`);
              const { type: _type, variant, ...res } = m;
              emit({
                variant,
                ...base,
                ...res,
                options: VARIANTS[variant],
                pot: potRow,
                costRelDiff: potRow === undefined ? undefined : (m.cost - potRow.cost) / potRow.cost,
                speedup: potRow === undefined ? undefined : potRow.seconds / m.seconds,
              });
            } else {
              for (const r of mine) r.childMaxRssKB = m.maxRssKB;
              save(rows, pots, meta, args.fresh);
            }
          });
        } catch (e) {
          process.stderr.write(`  meanfield child failed: ${(e as Error).message}\n`);
        }
      }
    }
  }
  if (rows.length === 0) save(rows, pots, meta, args.fresh);
  process.stderr.write(`saved ${path.relative(process.cwd(), JSON_OUT)}\n`);
  if (process.stdout.isTTY) console.log(`\n${full.join('\n')}`); // the table again, without the progress lines in between
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const at = process.argv.indexOf('--child');
  if (at >= 0) await child(JSON.parse(process.argv[at + 1]) as ChildJob);
  else await main();
}
