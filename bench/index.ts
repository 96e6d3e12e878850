// npm run bench: runs every suite, prints ns per pair and the wasm/JS ratios, and writes
// bench/results/summary.json. MEANFIELD_NATIVE=1 also runs ../shared/bench/native/run.sh.
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync, renameSync } from 'node:fs';
import os from 'node:os';
import { init } from '../src/index.js';
import { flowBench, metastabilityBench, type FlowRow } from './flows.js';
import { kernelBench, type Row } from './kernel.js';
import { largeSinkhornPass } from './large.js';
import { memoryBench, memoryTable, type MemoryRow } from './memory.js';
import { threadsBench, threadsTable, type ThreadRow } from './threads.js';
import { potBench, sinkhornBench, type SinkhornRow } from './ot.js';
import { longRunsBench, longRunsTable, type LongRunRow } from './longruns.js';
import { phaseBench, phaseTable, torchPhase, type PhaseRow } from './phase.js';
import { stepsBench, stepsTable, type StepRow } from './steps.js';

const TARGETS: Record<string, number> = { 'wasm f32': 5, 'wasm f64': 10 };

function native(): Record<string, number> {
  const script = '../shared/bench/native/run.sh';
  if (process.env.MEANFIELD_NATIVE !== '1' || !existsSync(script)) return {};
  try {
    const out = execFileSync('bash', [script, '4096'], { encoding: 'utf8' });
    const values = [...out.matchAll(/([\d.]+) ns\/pair/g)].map((m) => Number(m[1]));
    return { 'native widest': values[0], 'native 128-bit': values[1] };
  } catch {
    return {};
  }
}

async function main(): Promise<void> {
  await init({ threads: 1 }); // every table but the threads one compares single-threaded variants
  const rows: Row[] = [];
  await kernelBench(rows);
  const ns = (c: string, n: number, v: string) => rows.find((r) => r.case === c && r.n === n && r.variant === v)?.nsPerPair ?? NaN;
  const nat = native();
  const lines = [
    '| case | N | wasm f64 ns/pair | wasm f32 ns/pair | js f64 ns/pair | js / wasm f64 | js / wasm f32 |',
    '|---|---|---|---|---|---|---|',
  ];
  const cases = [...new Set(rows.map((r) => `${r.case}|${r.n}`))];
  for (const key of cases) {
    const [c, nText] = key.split('|');
    const n = Number(nText);
    const [w64, w32, js] = [ns(c, n, 'wasm f64'), ns(c, n, 'wasm f32'), ns(c, n, 'js f64')];
    lines.push(
      `| ${c} | ${n} | ${w64.toFixed(2)} | ${w32.toFixed(2)} | ${js.toFixed(1)} | ${(js / w64).toFixed(1)}x | ${(js / w32).toFixed(1)}x |`,
    );
  }
  console.log(`\n${lines.join('\n')}\n`);
  for (const [variant, target] of Object.entries(TARGETS)) {
    const v = ns('attention-velocity', 4096, variant);
    console.log(
      `target ${variant} <= ${target} ns/pair (attention, N = 4096, one thread): ${v.toFixed(2)} ${v <= target ? 'PASS' : 'MISS'}`,
    );
  }
  for (const [k, v] of Object.entries(nat)) {
    console.log(`${k}: ${v} ns/pair; wasm f32 / ${k} = ${(ns('attention-velocity', 4096, 'wasm f32') / v).toFixed(2)}`);
  }

  const flowRows: FlowRow[] = [];
  await flowBench(flowRows);
  const sps = (n: number, v: string) => flowRows.find((r) => r.n === n && r.variant === v)?.stepsPerSecond ?? NaN;
  const flowLines = [
    '| SA rk4 on S² | wasm f64 steps/s | wasm f32 steps/s | js f64 steps/s | wasm f64 / js | wasm f32 / js |',
    '|---|---|---|---|---|---|',
  ];
  for (const n of [512, 4096]) {
    const [w64, w32, js] = [sps(n, 'wasm f64'), sps(n, 'wasm f32'), sps(n, 'js f64')];
    flowLines.push(
      `| N = ${n} | ${w64.toPrecision(3)} | ${w32.toPrecision(3)} | ${js.toPrecision(3)} | ${(w64 / js).toFixed(1)}x | ` +
        `${(w32 / js).toFixed(1)}x |`,
    );
  }
  const meta = metastabilityBench();
  flowLines.push(
    '',
    '| metastability run (circle, n = 64, beta = 9, rk45 to t = 1e5) | wall time | steps (rejected) | velocity evaluations | final ' +
      'clusters |',
    '|---|---|---|---|---|',
  );
  for (const m of meta)
    flowLines.push(`| ${m.variant} | ${m.wallTimeS.toFixed(2)} s | ${m.steps} (${m.rejected}) | ${m.evaluations} | ${m.finalClusters} |`);
  console.log(`\n${flowLines.join('\n')}\n`);

  const longRows: LongRunRow[] = [];
  await longRunsBench(longRows);
  const longTable = longRunsTable(longRows);
  console.log(`\n${longTable}\n`);

  const stepRows: StepRow[] = [];
  await stepsBench(await import('../src/index.js'), stepRows);
  const stepTable = stepsTable(stepRows);
  console.log(`\n${stepTable}\n`);

  // The phase-diagram batch against PyTorch CPU, same machine, same run.
  const phaseRows: PhaseRow[] = [];
  await phaseBench(phaseRows, { separate: false });
  torchPhase(phaseRows);
  const phTable = phaseTable(phaseRows);
  console.log(`\n${phTable}\n`);
  await init({ threads: 1 });

  const sinkRows: SinkhornRow[] = [];
  await sinkhornBench(sinkRows);
  const pot = potBench(); // right after, on the same machine
  const ms = (n: number, v: string) => sinkRows.find((r) => r.n === n && r.variant === v)?.msPerIteration ?? NaN;
  const otLines = [
    '| Sinkhorn, d = 3, eps = 0.05 | wasm f64 ms/it | wasm f32 ms/it | js f64 ms/it | POT sinkhorn_log ms/it | POT / wasm f64 | POT / ' +
      'wasm f32 |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const n of [1000, 4000]) {
    const [w64, w32, js, p] = [ms(n, 'wasm f64'), ms(n, 'wasm f32'), ms(n, 'js f64'), pot[n] ?? NaN];
    otLines.push(
      `| n = m = ${n} | ${w64.toFixed(1)} | ${w32.toFixed(1)} | ${js.toFixed(1)} | ${Number.isFinite(p) ? p.toFixed(1) : 'n/a'} | ` +
        `${(p / w64).toFixed(1)}x | ${(p / w32).toFixed(1)}x |`,
    );
  }
  console.log(`\n${otLines.join('\n')}\n`);
  console.log('targets at n = m = 4000: wasm f64 >= 4x POT, wasm f32 >= 8x POT');
  const large =
    process.env.MEANFIELD_LARGE === '1' ? (['f32', 'f64'] as const).map((p) => ({ precision: p, ...largeSinkhornPass(p) })) : [];
  for (const l of large) {
    console.log(
      `Sinkhorn at n = m = ${l.n}, d = 3, wasm ${l.precision}: ${(l.msPerIteration / 1000).toFixed(1)} s per iteration, Wasm memory ` +
        `${l.wasmMemoryMiB.toFixed(1)} MiB`,
    );
  }

  const memoryRows: MemoryRow[] = [];
  await memoryBench(memoryRows);
  const memTable = memoryTable(memoryRows);
  console.log(`\n${memTable}\n`);

  const threadRows: ThreadRow[] = [];
  await threadsBench(threadRows);
  const thrTable = threadsTable(threadRows);
  console.log(`\n${thrTable}\n`);

  const summary = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: os.cpus()[0]?.model,
    rows,
    flowRows,
    metastability: meta,
    native: nat,
    longRows,
    longTable,
    stepRows,
    stepTable,
    phaseRows,
    phaseTable: phTable,
    table: lines.join('\n'),
    flowTable: flowLines.join('\n'),
    sinkRows,
    pot,
    large,
    otTable: otLines.join('\n'),
    memoryRows,
    memoryTable: memTable,
    threadRows,
    threadsTable: thrTable,
  };
  writeFileSync('bench/results/summary.json.tmp', JSON.stringify(summary, null, 2));
  renameSync('bench/results/summary.json.tmp', 'bench/results/summary.json');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
