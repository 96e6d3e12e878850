// Which dimension specialisations of the softmax kernel pay, and what the build options cost.
// Builds variants of the Wasm core (asc --use MEANFIELD_DIMS=mask: bit d set = d has a body of
// its own, see assembly/kernels/softmax.ts), loads each beside the others in this one process and
// times the same calls on each, interleaved: every repetition runs every case on every variant
// (the order of the variants rotating), and a cell is the median over the repetitions, so a
// neighbour's load on the shared machine hits every variant alike.
//
//   node --import tsx bench/dims.ts [--reps 7] [--n 1024,4096] [--d 1,2,3] [--build label=mask[:shrinkLevel[:converge]]]...
//     [--file label=file.wasm]... [--clock cpu|wall] [--min-ms 40] [--json]
//
// Default variants: 'all' (d = 1..8 specialised), 'none' (the generic body for every d) and
// 'shipped' (build/meanfield.wasm). Cases, one thread, ns per query-key pair:
//   attention  d = 1..8, n = 1024 and 4096: x on the sphere, keys = values = x (k = d), dot, beta 4
//   sinkhorn   d = 1..8, n = 1024 and 4096: lse only (k = 0), sqdist, beta 20, two clouds
//   phase      the phase-diagram shape: 2048 systems of n = 32 in R^8 (segments), k = 8, dot, beta 4
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';
import type { CoreExports } from '../src/wasm/core.js';
import { createWasmBackend } from '../src/backend/wasm.js';
import type { Backend, Precision, ReduceArgs } from '../src/backend/types.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ALL_DIMS = 0b111111110;

type Clock = 'cpu' | 'wall';
interface Variant {
  label: string;
  bytes: Uint8Array;
  backend?: Backend;
}
interface Case {
  name: string;
  d: number;
  n: number;
  precision: Precision;
  pairs: number;
  args: ReduceArgs;
}
export interface DimsRow {
  case: string;
  d: number;
  n: number;
  precision: Precision;
  variant: string;
  nsPerPair: number;
  reps: number;
  /** Median over the repetitions of this variant's ns per pair over the first variant's, and its quartiles. */
  ratio: number;
  ratioQ1: number;
  ratioQ3: number;
}

/** Compiler settings a variant changes from asconfig.json's release target. */
export interface BuildOptions {
  shrinkLevel?: number;
  converge?: boolean;
}

/**
 * The release build of assembly/ (asconfig.json's release target and options, then `over`) with the given specialisation mask, in memory.
 */
export async function buildCore(mask: number, over: BuildOptions = {}): Promise<Uint8Array> {
  const config = JSON.parse(readFileSync(`${ROOT}asconfig.json`, 'utf8')) as {
    targets: { release: Record<string, unknown> };
    options?: Record<string, unknown>;
  };
  const { outFile: _o, textFile: _t, ...release } = config.targets.release;
  const settings = { ...config.options, ...release, ...over, use: [`MEANFIELD_DIMS=${mask}`] };
  const args = ['assembly/index.ts', '--baseDir', ROOT, '--config', 'none.json', '--outFile', 'out.wasm', ...toArguments(settings)];
  let binary: Uint8Array | null = null;
  const stderr: string[] = [];
  const { error } = await asc.main(args, {
    readFile: (name: string, dir: string) => (name === 'none.json' ? null : readFileOrNull(`${dir}/${name}`)),
    stderr: {
      write: (s: string | Uint8Array) => {
        stderr.push(String(s));
        return true;
      },
    } as never,
    writeFile: (name: string, contents: Uint8Array | string) => {
      if (name.endsWith('.wasm')) binary = contents as Uint8Array;
    },
  });
  if (error || binary === null) throw new Error(`asc failed for mask ${mask}: ${error?.message ?? ''}\n${stderr.join('')}`);
  return binary;
}

/** asc's command-line form of config settings: --flag for true, --key value (repeated for arrays). */
function toArguments(settings: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(settings)) {
    if (value === false) continue;
    if (value === true) out.push(`--${key}`);
    else for (const v of Array.isArray(value) ? value : [value]) out.push(`--${key}`, String(v));
  }
  return out;
}

function readFileOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

async function load(bytes: Uint8Array): Promise<Backend> {
  const { instance } = await WebAssembly.instantiate(bytes as Uint8Array<ArrayBuffer>, {});
  return createWasmBackend(instance.exports as unknown as CoreExports);
}

/** Deterministic points: a Park-Miller stream, on the unit sphere when sphere is set. */
function points(count: number, d: number, seed: number, sphere: boolean): Float64Array {
  let s = seed;
  const rnd = () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
  const x = Float64Array.from({ length: count * d }, () => 2 * rnd() - 1);
  if (sphere) {
    for (let i = 0; i < count; i++) {
      let r = 0;
      for (let c = 0; c < d; c++) r += x[i * d + c] ** 2;
      r = Math.sqrt(r) || 1;
      for (let c = 0; c < d; c++) x[i * d + c] /= r;
    }
  }
  return x;
}

function cases(ns: number[], dims: number[]): Case[] {
  const out: Case[] = [];
  for (const n of ns) {
    for (const d of dims) {
      for (const precision of ['f64', 'f32'] as const) {
        const x = points(n, d, 7 + d, true);
        const h = new Float64Array(n).fill(-Math.log(n));
        out.push({
          name: 'attention',
          d,
          n,
          precision,
          pairs: n * n,
          args: {
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
            lse: new Float64Array(n),
            mean: new Float64Array(n * d),
          },
        });
        const a = points(n, d, 11 + d, false),
          b = points(n, d, 13 + d, false).map((v) => 0.5 * v + 0.25);
        out.push({
          name: 'sinkhorn',
          d,
          n,
          precision,
          pairs: n * n,
          args: {
            x: a,
            n,
            y: b,
            m: n,
            d,
            logWeights: h,
            values: null,
            k: 0,
            beta: 20,
            score: 'sqdist',
            mask: { kind: 'none' },
            precision,
            lse: new Float64Array(n),
            mean: null,
          },
        });
      }
    }
  }
  const B = 2048,
    n = 32,
    d = 8,
    N = B * n;
  const x = points(N, d, 17, true);
  for (const precision of ['f64', 'f32'] as const) {
    out.push({
      name: 'phase',
      d,
      n,
      precision,
      pairs: B * n * n,
      args: {
        x,
        n: N,
        y: x,
        m: N,
        d,
        logWeights: new Float64Array(N).fill(-Math.log(n)),
        values: x,
        k: d,
        beta: 4,
        score: 'dot',
        mask: { kind: 'segments', offsets: Int32Array.from({ length: B + 1 }, (_, s) => s * n) },
        precision,
        lse: new Float64Array(N),
        mean: new Float64Array(N * d),
      },
    });
  }
  return out;
}

/** A clock in ms: this process's CPU time (user + system; the kernel runs on this thread), or wall time. */
function clockOf(clock: Clock): () => number {
  return clock === 'cpu'
    ? () => {
        const u = process.cpuUsage();
        return (u.user + u.system) / 1e3;
      }
    : () => performance.now();
}

/** Runs calls for at least ms (and at least one call); returns [elapsed ms, calls]. */
function runFor(backend: Backend, args: ReduceArgs, ms: number, now: () => number): [number, number] {
  let calls = 0;
  const t0 = now();
  let t = t0;
  while (calls < 1 || t - t0 < ms) {
    backend.softmaxReduce(args);
    calls++;
    t = now();
  }
  return [t - t0, calls];
}

const quantile = (v: number[], q: number) => {
  const s = [...v].sort((a, b) => a - b);
  const x = q * (s.length - 1),
    i = Math.floor(x);
  return i + 1 < s.length ? s[i] + (x - i) * (s[i + 1] - s[i]) : s[i];
};

/**
 * Every repetition times every case on every variant: `slices` rounds, each running every
 * variant (in an order that rotates) for cellMs / slices, so the variants of one case are timed
 * interleaved within tens of milliseconds. Per repetition and case: ns per pair of each variant
 * and its ratio to the first variant (paired: a neighbour's load in that moment hits both).
 * Reported: the medians over the repetitions, and the quartiles of the ratio.
 */
export async function dimsBench(
  variants: Variant[],
  opts: { reps: number; ns: number[]; dims: number[]; minMs: number; clock: Clock; slices?: number },
): Promise<DimsRow[]> {
  for (const v of variants) v.backend = await load(v.bytes);
  const list = cases(opts.ns, opts.dims);
  const now = clockOf(opts.clock);
  const slices = opts.slices ?? 5;
  // Warm-up: V8 runs Wasm through its baseline compiler first and tiers hot functions up later.
  for (let w = 0; w < 2; w++) for (const c of list) for (const v of variants) runFor(v.backend!, c.args, 5, now);
  const ns = new Map<string, number[]>(),
    ratios = new Map<string, number[]>();
  const push = (m: Map<string, number[]>, k: string, x: number) => (m.get(k) ?? m.set(k, []).get(k)!).push(x);
  let turn = 0;
  for (let r = 0; r < opts.reps; r++) {
    for (const c of list) {
      const ms = new Array<number>(variants.length).fill(0),
        calls = new Array<number>(variants.length).fill(0);
      for (let s = 0; s < slices; s++, turn++) {
        for (let i = 0; i < variants.length; i++) {
          const j = (i + turn) % variants.length;
          const [t, k] = runFor(variants[j].backend!, c.args, opts.minMs / slices, now);
          ms[j] += t;
          calls[j] += k;
        }
      }
      const per = ms.map((t, j) => (t * 1e6) / calls[j] / c.pairs);
      variants.forEach((v, j) => {
        const key = `${c.name}|${c.d}|${c.n}|${c.precision}|${v.label}`;
        push(ns, key, per[j]);
        push(ratios, key, per[j] / per[0]);
      });
    }
    process.stderr.write(`repetition ${r + 1}/${opts.reps} done\n`);
  }
  return list.flatMap((c) =>
    variants.map((v) => {
      const key = `${c.name}|${c.d}|${c.n}|${c.precision}|${v.label}`;
      const t = ns.get(key)!,
        q = ratios.get(key)!;
      return {
        case: c.name,
        d: c.d,
        n: c.n,
        precision: c.precision,
        variant: v.label,
        nsPerPair: quantile(t, 0.5),
        reps: t.length,
        ratio: quantile(q, 0.5),
        ratioQ1: quantile(q, 0.25),
        ratioQ3: quantile(q, 0.75),
      };
    }),
  );
}

/** Markdown: the first variant's ns per pair, then every other variant's median ratio to it [quartiles]. */
export function dimsTable(rows: DimsRow[], variants: Variant[], clock: Clock): string {
  const [ref, ...others] = variants.map((v) => v.label);
  const lines = [
    `wasm sizes: ${variants.map((v) => `${v.label} ${v.bytes.length} B`).join(', ')}; ${clock === 'cpu' ? 'CPU' : 'wall'} time, medians ` +
      `of ${rows[0]?.reps} repetitions [quartiles]`,
    '',
    `| case | d | n | precision | ${ref} ns/pair | ${others.map((l) => `${l} / ${ref}`).join(' | ')} |`,
    `|${'---|'.repeat(5 + others.length)}`,
  ];
  const keys = [...new Set(rows.map((r) => `${r.case}|${r.d}|${r.n}|${r.precision}`))];
  for (const key of keys) {
    const [c, d, n, p] = key.split('|');
    const row = (l: string) => rows.find((r) => `${r.case}|${r.d}|${r.n}|${r.precision}` === key && r.variant === l)!;
    const cells = others.map((l) => {
      const x = row(l);
      return `${x.ratio.toFixed(3)} [${x.ratioQ1.toFixed(2)}, ${x.ratioQ3.toFixed(2)}]`;
    });
    lines.push(`| ${c} | ${d} | ${n} | ${p} | ${row(ref).nsPerPair.toFixed(3)} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

function parseArgs(argv: string[]) {
  const builds: Array<{ label: string; mask: number; over: BuildOptions }> = [];
  const files: Array<{ label: string; file: string }> = [];
  let reps = 7,
    json = false,
    ns = [1024, 4096],
    dims = [1, 2, 3, 4, 5, 6, 7, 8],
    minMs = 40;
  let clock: Clock = 'cpu';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--reps') reps = Number(value());
    else if (a === '--json') json = true;
    else if (a === '--n') ns = value().split(',').map(Number);
    else if (a === '--d') dims = value().split(',').map(Number);
    else if (a === '--min-ms') minMs = Number(value());
    else if (a === '--clock') {
      const c = value();
      if (c !== 'cpu' && c !== 'wall') throw new Error('--clock is cpu or wall');
      clock = c;
    } else if (a === '--build') {
      // label=mask[:shrinkLevel[:converge]], e.g. all=510, all-s1=510:1, all-noconv=510:0:false
      const [label, spec] = value().split('=');
      const [mask, shrink, converge] = spec.split(':');
      const over: BuildOptions = {};
      if (shrink !== undefined && shrink !== '') over.shrinkLevel = Number(shrink);
      if (converge !== undefined) over.converge = converge === 'true';
      builds.push({ label, mask: Number(mask), over });
    } else if (a === '--file') {
      const [label, file] = value().split('=');
      files.push({ label, file });
    } else throw new Error(`unknown argument ${a} (see the comment at the top of bench/dims.ts)`);
  }
  if (builds.length === 0 && files.length === 0) {
    builds.push({ label: 'all', mask: ALL_DIMS, over: {} }, { label: 'none', mask: 0, over: {} });
    files.push({ label: 'shipped', file: `${ROOT}build/meanfield.wasm` });
  }
  return { builds, files, reps, json, ns, dims, minMs, clock };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const o = parseArgs(process.argv.slice(2));
  const variants: Variant[] = [];
  const built = new Map<string, Uint8Array>();
  for (const b of o.builds) {
    const key = JSON.stringify([b.mask, b.over]);
    if (built.has(key)) {
      variants.push({ label: b.label, bytes: built.get(key)! });
      continue;
    }
    process.stderr.write(`building ${b.label} (mask ${b.mask.toString(2)} ${JSON.stringify(b.over)})\n`);
    built.set(key, await buildCore(b.mask, b.over));
    variants.push({ label: b.label, bytes: built.get(key)! });
  }
  for (const f of o.files) variants.push({ label: f.label, bytes: new Uint8Array(readFileSync(f.file)) });
  const rows = await dimsBench(variants, o);
  console.log(
    o.json
      ? JSON.stringify(
          { sizes: Object.fromEntries(variants.map((v) => [v.label, v.bytes.length])), reps: o.reps, clock: o.clock, rows },
          null,
          2,
        )
      : dimsTable(rows, variants, o.clock),
  );
}
