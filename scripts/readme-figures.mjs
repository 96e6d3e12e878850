// Fills the measured figures of README.md and docs/*.md: every number between
//   <!-- figure: NAME -->...<!-- /figure -->
// is written here, never by hand.
//   npm run readme:figures            rewrite the markers' content (atomically)
//   npm run readme:figures -- --check exit 1, naming each stale marker, when a file differs from what this writes
// Sources:
//   sizes    `node scripts/sizes.mjs` (its JSON: { wasmBytes, distBytes, tarballBytes }, or { wasm: { bytes },
//            dist: { bytes }, tarball: { bytes } }); without that script the same three are measured here (the Wasm
//            decoded from the base64 in dist/index.js, dist/ summed, `npm pack --dry-run`). They measure the
//            current build and build nothing: `npm run build` first.
//   timings  bench/results/summary.json, written by `npm run bench` (one run, one machine, dated in it), and
//            bench/results/scale.json, written by `npm run bench:scale` (dense against truncated at large n; dated in it).
// README.md ships in the tarball, so the tarball's size depends on the figures written into it: the fill
// repeats until the sizes stop changing (a kB rounding reaches that in one or two rounds).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MARKER = /<!-- figure: ([\w.-]+) -->([\s\S]*?)<!-- \/figure -->/g;
/** Base64 of a Wasm module starts with the magic number and version ("\0asm" 1 0 0 0). */
const BASE64_WASM = /AGFzbQEAAAA[A-Za-z0-9+/]+={0,2}/;

/** The markdown files whose markers this script fills. */
export function figureFiles(root = ROOT) {
  const docs = readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => join('docs', f));
  return ['README.md', ...docs];
}

/** Sizes in bytes of the Wasm core, of dist/ and of the npm tarball, from scripts/sizes.mjs or measured here. */
export function measureSizes(root = ROOT) {
  const script = join(root, 'scripts', 'sizes.mjs');
  if (existsSync(script)) {
    const j = JSON.parse(execFileSync(process.execPath, [script], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
    const sizes = {
      wasmBytes: j.wasmBytes ?? j.wasm?.bytes,
      distBytes: j.distBytes ?? j.dist?.bytes,
      tarballBytes: j.tarballBytes ?? j.tarball?.bytes,
    };
    for (const [k, v] of Object.entries(sizes)) {
      if (!Number.isInteger(v) || v <= 0)
        throw new Error(`scripts/sizes.mjs printed no ${k} (a positive integer): ${JSON.stringify(j).slice(0, 200)}`);
    }
    return sizes;
  }
  return measureSizesHere(root);
}

function measureSizesHere(root) {
  const dist = join(root, 'dist');
  if (!existsSync(join(dist, 'index.js'))) throw new Error('dist/index.js is missing: run `npm run build` first');
  const base64 = readFileSync(join(dist, 'index.js'), 'latin1').match(BASE64_WASM);
  if (!base64) throw new Error('no base64-encoded Wasm module in dist/index.js');
  const walk = (dir) =>
    readdirSync(dir).reduce((s, f) => {
      const p = join(dir, f),
        st = statSync(p);
      return s + (st.isDirectory() ? walk(p) : st.size);
    }, 0);
  // --ignore-scripts: measure this build; a prepare/prepack script would rebuild it first.
  const [pack] = JSON.parse(
    execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  return { wasmBytes: Buffer.from(base64[0], 'base64').length, distBytes: walk(dist), tarballBytes: pack.size };
}

/** bench/results/summary.json, parsed, with bench/results/scale.json (when present) as its `scale`. */
export function readSummary(root = ROOT) {
  const summary = JSON.parse(readFileSync(join(root, 'bench', 'results', 'summary.json'), 'utf8'));
  const scale = join(root, 'bench', 'results', 'scale.json');
  return existsSync(scale) ? { ...summary, scale: JSON.parse(readFileSync(scale, 'utf8')) } : summary;
}

/** n as 10⁵ (a power of ten) or as written. */
function power(n) {
  const e = Math.log10(n);
  return Number.isInteger(e) ? `10${String(e).replace(/\d/g, (c) => '⁰¹²³⁴⁵⁶⁷⁸⁹'[Number(c)])}` : String(n);
}

/**
 * The scaling rows of the performance table, from bench/results/scale.json: attention and Sinkhorn at the largest n
 * run truncated, beside every pair (run, or extrapolated by n² where the bench does not run it).
 */
function scaleRows(scale) {
  if (scale === undefined) return [];
  const rows = scale.rows ?? [];
  const pct = (f) => `${(100 * f).toPrecision(3)}%`;
  const seconds = (s) => (s >= 10 ? s.toFixed(0) : s.toPrecision(2));
  const out = [];
  for (const kind of ['attention', 'sinkhorn']) {
    const truncated = rows.filter((r) => r.kind === kind && r.sweep === 'n' && r.method === 'truncated').sort((a, b) => a.n - b.n);
    if (truncated.length === 0) continue;
    const top = truncated[truncated.length - 1];
    const dense = rows.find((r) => r.kind === kind && r.sweep === 'n' && r.method === 'dense' && r.n === top.n);
    const every =
      dense === undefined
        ? 'not run'
        : `${dense.extrapolated ? '~' : ''}${seconds(dense.seconds)} s${dense.extrapolated ? ' (n² extrapolated)' : ''}`;
    const task =
      kind === 'attention'
        ? `one attention velocity evaluation, ${power(top.n)} tokens on S², β = ${top.beta}, f32`
        : `one Sinkhorn iteration at ε = ${top.eps}, n = m = ${power(top.n)}, d = 3, f64`;
    out.push(
      `| ${task}, ${scale.threads} threads (\`npm run bench:scale\`, ${String(scale.date).slice(0, 10)}, ${scale.cores} cores) | ` +
        `${seconds(top.seconds)} s truncated (τ = ${top.tau}), ${pct(top.keptFraction)} of pairs kept ` +
        `(predicted ${pct(top.predictedFraction)}), ` +
        `peak RSS ${Math.round(top.peakRssMiB)} MiB | every pair: ${every} |`,
    );
  }
  return out;
}

/** The full bench:scale table (bench/scale.ts prints the same). */
function scaleTable(scale) {
  if (scale === undefined) return '\n\n(no bench/results/scale.json: run `npm run bench:scale`)\n\n';
  const pct = (f) => `${(100 * f).toPrecision(3)}%`;
  const sec = (s) => (s >= 10 ? s.toFixed(1) : s >= 0.01 ? s.toFixed(3) : s.toExponential(2));
  const lines = [
    '| case | n | β or ε | every pair s | truncated s | kept | predicted | peak RSS MiB (every pair, truncated) |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const t of scale.rows.filter((r) => r.method === 'truncated')) {
    const d = scale.rows.find(
      (r) => r.method === 'dense' && r.kind === t.kind && r.sweep === t.sweep && r.n === t.n && r.beta === t.beta && r.eps === t.eps,
    );
    const every = d === undefined ? '-' : `${d.extrapolated ? '~' : ''}${sec(d.seconds)}${d.extrapolated ? ' (n² extrapolated)' : ''}`;
    const rss = `${d?.peakRssMiB == null ? '-' : Math.round(d.peakRssMiB)}, ${Math.round(t.peakRssMiB)}`;
    const what = t.kind === 'attention' ? 'attention, one evaluation' : 'Sinkhorn, one iteration';
    lines.push(
      `| ${what} (against ${t.sweep}) | ${t.n} | ${t.kind === 'attention' ? t.beta : t.eps} | ${every} | ${sec(t.seconds)} | ` +
        `${pct(t.keptFraction)} | ${pct(t.predictedFraction)} | ${rss} |`,
    );
  }
  return `\n\n${lines.join('\n')}\n\n`;
}

/** 1.5656e7 as 1.57·10⁷ (three significant digits). */
function scientific(x) {
  if (!Number.isFinite(x)) throw new Error(`a figure is missing or not finite: ${x}`);
  const [mantissa, exponent] = x.toExponential(2).split('e');
  const sup = String(Number(exponent)).replace(/[-0-9]/g, (c) => '⁻⁰¹²³⁴⁵⁶⁷⁸⁹'['-0123456789'.indexOf(c)]);
  return `${mantissa}·10${sup}`;
}
const kB = (bytes) => String(Math.round(bytes / 1000));
const fixed = (x, digits) => {
  if (!Number.isFinite(x)) throw new Error(`a benchmark figure is missing or not finite: ${x}`);
  return x.toFixed(digits);
};
const table = (text) => {
  if (typeof text !== 'string' || !text.startsWith('|')) throw new Error('a benchmark table is missing from bench/results/summary.json');
  return `\n\n${text}\n\n`;
};

function find(rows, where, what) {
  const row = (rows ?? []).find((r) => Object.entries(where).every(([k, v]) => r[k] === v));
  if (!row) throw new Error(`bench/results/summary.json has no ${what} row for ${JSON.stringify(where)}`);
  return row;
}

/** package.json's engines.node, as the README states it: '>=20.19' is '≥ 20.19'. */
export function readNodeEngines(root = ROOT) {
  const range = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).engines?.node;
  if (typeof range !== 'string') throw new Error('package.json has no engines.node');
  return range.replace(/^>=\s*/, '≥ ');
}

/** Every figure's text by name: sizes from measureSizes(), timings from the bench summary. */
export function figureValues(sizes, summary, nodeEngines = readNodeEngines()) {
  const ns = (c, v) => find(summary.rows, { case: c, n: 4096, variant: v }, 'kernel').nsPerPair;
  const start = (summary.longRows ?? []).find((r) => r.case.startsWith('npm start'));
  if (!start) throw new Error('bench/results/summary.json has no `npm start` long-run row');
  const lastMerge = Number(/last merge at t = ([\d.e+]+)/.exec(start.answer)?.[1]);
  const phase = (impl, precision, threads) => find(summary.phaseRows, { implementation: impl, precision, threads }, 'phase-diagram');
  const sink = (n, v) => find(summary.sinkRows, { n, variant: v }, 'Sinkhorn').msPerIteration;
  const pot1000 = summary.pot?.['1000'];
  const mf = phase('meanfield simulateMany', 'f32', 2),
    torch = phase('PyTorch CPU', 'f32', 2);
  const perf = [
    '| task (one machine, one run) | meanfield | reference |',
    '|---|---|---|',
    `| attention kernel, N = 4096, d = 3, ns per pair | ${fixed(ns('attention-velocity', 'wasm f32'), 2)} (Wasm f32), ` +
      `${fixed(ns('attention-velocity', 'wasm f64'), 2)} (Wasm f64) | ${fixed(ns('attention-velocity', 'js f64'), 1)} (pure JS f64) |`,
    `| \`npm start\`: 64 tokens on the circle to their last merge | ${fixed(start.wallTimeS, 2)} s, ${start.steps} rk45 steps | without ` +
      `collapse, t = 10⁵ only: ${fixed(summary.longRows.find((r) => r.case.startsWith('the same without'))?.wallTimeS, 1)} s |`,
    `| phase-diagram batch (2048 systems, n = 32, d = 8, 300 Euler steps), f32, 2 threads | ${fixed(mf.ms / 1000, 2)} s | PyTorch CPU: ` +
      `${fixed(torch.ms / 1000, 2)} s |`,
    `| one Sinkhorn iteration, n = m = 1000, d = 3, ε = 0.05 | ${fixed(sink(1000, 'wasm f64'), 1)} ms (f64), ` +
      `${fixed(sink(1000, 'wasm f32'), 1)} ms (f32) | POT \`sinkhorn_log\`: ${fixed(pot1000, 1)} ms |`,
    ...scaleRows(summary.scale),
  ].join('\n');
  const steps = ['| one system, Euler step (SA on S², d = 3) | f64 µs | f32 µs |', '|---|---|---|'];
  for (const n of [...new Set((summary.stepRows ?? []).map((r) => r.n))]) {
    const us = (p) => fixed(find(summary.stepRows, { n, precision: p }, 'step').usPerStep, 2);
    steps.push(`| n = ${n} | ${us('f64')} | ${us('f32')} |`);
  }
  // The native C probe runs only with MEANFIELD_NATIVE=1: its figures exist when the summary has it.
  const native =
    summary.native?.['native widest'] === undefined
      ? {}
      : {
          'native-widest-ns': fixed(summary.native['native widest'], 2),
          'native-128-ns': fixed(summary.native['native 128-bit'], 2),
          'wasm-f32-over-native-128': fixed(ns('attention-velocity', 'wasm f32') / summary.native['native 128-bit'], 2),
        };
  return {
    ...native,
    'node-engines': nodeEngines,
    'wasm-kB': kB(sizes.wasmBytes),
    'dist-kB': kB(sizes.distBytes),
    'tarball-kB': kB(sizes.tarballBytes),
    'bench-date': String(summary.date).slice(0, 10),
    'bench-cpu': String(summary.cpu),
    'bench-node': String(summary.node),
    'start-s': fixed(start.wallTimeS, 2),
    'start-steps': String(start.steps),
    'last-merge': scientific(lastMerge),
    'perf-table': table(perf),
    'kernel-table': table(summary.table),
    'flow-table': table(summary.flowTable),
    'long-table': table(summary.longTable),
    'step-table': table(steps.join('\n')),
    'phase-table': table(summary.phaseTable),
    'ot-table': table(summary.otTable),
    'memory-table': table(summary.memoryTable),
    'threads-table': table(summary.threadsTable),
    'scale-table': scaleTable(summary.scale),
    'scale-date': summary.scale === undefined ? 'never' : String(summary.scale.date).slice(0, 10),
  };
}

/** text with every marker's content replaced by its figure; an unknown figure name is an error naming it. */
export function fillFigures(text, values, file = 'text') {
  return text.replace(MARKER, (_all, name) => {
    if (!(name in values)) throw new Error(`${file}: unknown figure '${name}' (known: ${Object.keys(values).join(', ')})`);
    return `<!-- figure: ${name} -->${values[name]}<!-- /figure -->`;
  });
}

/** The figure markers of a text: name and content. */
export function figureMarkers(text) {
  return [...text.matchAll(MARKER)].map((m) => ({ name: m[1], content: m[2] }));
}

/** Files (relative paths) whose markers differ from what fillFigures writes, with the stale markers' names. */
export function staleFigures(root, values) {
  const stale = [];
  for (const file of figureFiles(root)) {
    const text = readFileSync(join(root, file), 'utf8');
    const want = fillFigures(text, values, file);
    if (want === text) continue;
    const have = figureMarkers(text),
      wanted = figureMarkers(want);
    stale.push({ file, figures: have.filter((m, i) => m.content !== wanted[i].content).map((m) => m.name) });
  }
  return stale;
}

function writeAtomic(path, text) {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

/** Fills every file's markers until the sizes (which include README.md in the tarball) no longer change. */
export function writeFigures(root = ROOT) {
  const summary = readSummary(root);
  for (let round = 0; round < 5; round++) {
    const values = figureValues(measureSizes(root), summary, readNodeEngines(root));
    const stale = staleFigures(root, values);
    if (stale.length === 0) return values;
    for (const { file } of stale) writeAtomic(join(root, file), fillFigures(readFileSync(join(root, file), 'utf8'), values, file));
  }
  throw new Error('the figures did not settle in 5 rounds (the tarball size keeps changing with README.md)');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes('--check')) {
    const stale = staleFigures(ROOT, figureValues(measureSizes(ROOT), readSummary(ROOT), readNodeEngines(ROOT)));
    for (const s of stale) console.error(`${s.file}: stale figures ${s.figures.join(', ')} (run npm run readme:figures)`);
    process.exit(stale.length === 0 ? 0 : 1);
  }
  const values = writeFigures(ROOT);
  console.log(
    `figures written: wasm ${values['wasm-kB']} kB, dist ${values['dist-kB']} kB, tarball ${values['tarball-kB']} kB; timings of ` +
      `${values['bench-date']}`,
  );
}
