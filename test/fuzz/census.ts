// The census: runs every fuzz case (cases.ts, the list the vitest suite uses) in child
// processes with time limits and classifies each one: named error, correct answer, silent
// wrong, non-library error, hang/death. Prints the counts and every non-passing case, and
// writes them to test/fuzz/out/census.txt and census.json (or to the .json path given with --out and the
// .txt beside it). test/fuzz/out/ is gitignored: a census holds dates and this machine's paths.
//   node --import tsx test/fuzz/census.ts [--out file.json] [--only substring]
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CASES } from './cases.js';
import { KLASS_NAMES, passes, type Klass, type Verdict } from './harness.js';
import { FUZZ_DIR, ROOT, runCases } from './pool.js';

const argv = process.argv.slice(2);
const outArg = argv.indexOf('--out');
const out = outArg >= 0 ? argv[outArg + 1] : join(FUZZ_DIR, 'out', 'census.json');
const outText = out.replace(/(\.json)?$/, '.txt');
const onlyArg = argv.indexOf('--only');
const only = onlyArg >= 0 ? argv[onlyArg + 1] : undefined;
const cases = only === undefined ? CASES : CASES.filter((c) => c.id.includes(only) || c.group === only);

const t0 = Date.now();
let done = 0;
const results = await runCases(cases, {
  onResult: () => { done++; if (process.stderr.isTTY && done % 20 === 0) process.stderr.write(`\r${done}/${cases.length}`); },
});
if (process.stderr.isTTY) process.stderr.write('\r');

const counts: Record<Klass, number> = { named: 0, correct: 0, wrong: 0, nonlib: 0, hang: 0 };
const failing: Array<{ id: string; group: string; klass: Klass; detail: string }> = [];
const all: Array<{ id: string; group: string; expect: string; klass: Klass; detail: string; pass: boolean }> = [];
for (const c of cases) {
  const v: Verdict = results.get(c.id) ?? { klass: 'hang', detail: 'no verdict' };
  counts[v.klass]++;
  const pass = passes(v);
  all.push({ id: c.id, group: c.group, expect: c.expect, klass: v.klass, detail: v.detail, pass });
  if (!pass) failing.push({ id: c.id, group: c.group, klass: v.klass, detail: v.detail });
}
const seconds = Math.round((Date.now() - t0) / 1000);
const lines: string[] = [];
const say = (line = '') => {
  console.log(line);
  lines.push(...line.split('\n'));
};
say(`meanfield fuzz census: ${cases.length} cases on ${ROOT} (${seconds} s)\n`);
for (const k of Object.keys(counts) as Klass[]) say(`  ${String(counts[k]).padStart(5)}  ${KLASS_NAMES[k]}`);
say(`\n  ${cases.length - failing.length} pass, ${failing.length} do not\n`);
const byGroup = new Map<string, typeof failing>();
for (const f of failing) byGroup.set(f.group, [...(byGroup.get(f.group) ?? []), f]);
for (const [g, list] of byGroup) {
  say(`[${g}] ${list.length}`);
  for (const f of list) say(`  ${f.klass.padEnd(6)} ${f.id} — ${f.detail}`);
}
mkdirSync(dirname(out), { recursive: true });
writeFileSync(outText, `${lines.join('\n')}\n`);
writeFileSync(out, `${JSON.stringify({ root: ROOT, date: new Date().toISOString(), cases: cases.length, seconds, counts, failing: failing.length, results: all }, null, 1)}\n`);
console.log(`\nwrote ${outText} and ${out}`);
process.exit(0);
