// `meanfield sinkhorn` and `meanfield bench`.
import { init } from '../backend/index.js';
import { attention } from '../flows/attention.js';
import { Measure } from '../measure.js';
import { sinkhornDivergence } from '../ot/divergence.js';
import { precisionFlag, type CommandSpec, type Values } from './args.js';
import { readPointsCsv, writeAtomic } from './files.js';
import { availableParallelism } from 'node:os';
import { InputError } from '../errors.js';

export const sinkhornCommand: CommandSpec = {
  name: 'sinkhorn',
  usage: 'meanfield sinkhorn a.csv b.csv --eps 0.01 [--out result.json]',
  summary: 'Entropic OT between two point clouds (CSV, one point per line, uniform weights): OT_eps objective, Sinkhorn divergence S_eps, iterations. Cost |x - y|^2.',
  positionals: { min: 2, max: 2, names: 'two CSV files of points' },
  flags: [
    { name: 'eps', kind: 'number', min: 0, default: 0.01, help: 'entropic regularisation, in units of |x - y|^2' },
    { name: 'tol', kind: 'number', min: 0, default: 1e-9, help: 'L1 marginal error to stop at' },
    { name: 'max-iter', kind: 'int', min: 1, default: 100000, help: 'iterations at the final eps' },
    precisionFlag,
    { name: 'threads', kind: 'int', min: 1, help: 'kernel threads (default: the cores)' },
    { name: 'out', kind: 'string', help: 'write the JSON result here instead of standard output' },
  ],
};

export async function sinkhornCli(files: string[], v: Values): Promise<string> {
  await init({ threads: v.threads as number | undefined });
  const [a, b] = files.map(readPointsCsv);
  if (a.dim !== b.dim) throw new InputError(files[1], null, `has points of dimension ${b.dim}, ${files[0]} has ${a.dim}`);
  const mu = new Measure(a.points, { dim: a.dim }), nu = new Measure(b.points, { dim: b.dim });
  const t0 = performance.now();
  const s = sinkhornDivergence(mu, nu, { eps: v.eps as number, tol: v.tol as number, maxIter: v['max-iter'] as number, precision: v.precision as 'f64' | 'f32' });
  const result = {
    a: files[0], b: files[1], n: a.size, m: b.size, dim: a.dim, eps: v.eps,
    objective: s.ab.objective, cost: s.ab.cost, divergence: s.value, iterations: s.ab.iterations,
    marginalError: s.ab.marginalError, converged: s.converged, wallTimeMs: Math.round(performance.now() - t0),
  };
  const text = `${JSON.stringify(result, null, 2)}\n`;
  if (v.out !== undefined) writeAtomic(v.out as string, text);
  return text;
}

export const benchCommand: CommandSpec = {
  name: 'bench',
  usage: 'meanfield bench [--n 2048]',
  summary: 'Time the attention velocity kernel (d = 3, beta = 4) on this machine: wasm f64 / f32 against pure JS, and threads.',
  positionals: { min: 0, max: 0, names: 'no arguments' },
  flags: [
    { name: 'n', kind: 'int', min: 16, default: 2048, help: 'particles (pairs = n^2)' },
    { name: 'threads', kind: 'int', min: 1, help: 'threads for the threaded row (default: the cores)' },
  ],
};

/** Median wall time of fn over repeats filling about `budgetMs`. */
function time(fn: () => void, budgetMs = 800): number {
  fn();
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < 3 || (performance.now() - start < budgetMs && samples.length < 200)) {
    const t = performance.now();
    fn();
    samples.push(performance.now() - t);
  }
  samples.sort((x, y) => x - y);
  return samples[samples.length >> 1];
}

export async function benchCli(v: Values): Promise<string> {
  const n = v.n as number;
  const mu = Measure.uniformSphere(n, 3, { seed: 1 });
  const flow = attention({ beta: 4 });
  const out = new Float64Array(n * 3);
  const rows: string[] = ['| variant | threads | ms per call | ns per pair | vs js |', '|---|---|---|---|---|'];
  const one = await init({ threads: 1 });
  const ms: Record<string, number> = {};
  for (const [label, backend, precision] of [['js f64', 'js', 'f64'], ['wasm f64', 'wasm', 'f64'], ['wasm f32', 'wasm', 'f32']] as const) {
    ms[label] = time(() => flow.velocity(mu.points, mu.weights, 3, out, { backend, precision }), backend === 'js' ? 2000 : 800);
  }
  const threads = (await init({ threads: (v.threads as number | undefined) ?? Math.max(2, availableParallelism()) })).threads;
  ms[`wasm f32 x${threads}`] = time(() => flow.velocity(mu.points, mu.weights, 3, out, { precision: 'f32' }));
  for (const [label, t] of Object.entries(ms)) {
    rows.push(`| ${label.replace(/ x\d+$/, '')} | ${label.includes(' x') ? threads : one.threads} | ${t.toFixed(3)} | ${((t * 1e6) / (n * n)).toFixed(2)} | ${(ms['js f64'] / t).toFixed(1)}x |`);
  }
  return `attention velocity, N = ${n}, d = 3, beta = 4 (${process.version})\n\n${rows.join('\n')}\n`;
}
