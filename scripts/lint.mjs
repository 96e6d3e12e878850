#!/usr/bin/env node
// npm run lint [-- --fix] [-- <paths>]: Biome's check (lint rules and formatting, biome.jsonc) with warnings
// counted as errors, then no line over 140 characters in the repository's script files. --fix first applies Biome's
// safe fixes and formatting (it never breaks a long string or comment: those stay for a person).
// Exit 0 only when both checks pass; zero warnings is the bar.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAX_LINE = 140;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SCRIPT = /\.(ts|mts|cts|js|mjs|cjs)$/;
// Generated: the embedded Wasm (gitignored; listed in case git is told otherwise).
const GENERATED = new Set(['src/wasm/binary.ts']);
// A URL cannot be broken, so a line holding one may run long.
const UNBREAKABLE = /https?:\/\/\S{40,}/;

const args = process.argv.slice(2);
const fix = args.includes('--fix');
const paths = args.filter((a) => a !== '--fix');
const unknown = paths.filter((p) => p.startsWith('-'));
if (unknown.length) {
  console.error(`lint: unknown option ${unknown.join(' ')} (usage: npm run lint [-- --fix] [-- <paths>])`);
  process.exit(2);
}

function biome(command) {
  const bin = join(root, 'node_modules', '@biomejs', 'biome', 'bin', 'biome');
  const r = spawnSync(process.execPath, [bin, ...command, ...(paths.length ? paths : ['.'])], { cwd: root, stdio: 'inherit' });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

/** The script files git knows (tracked, or new and not ignored), under the given paths when there are any. */
function scriptFiles() {
  const r = spawnSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`lint: git ls-files failed (the line check needs a git checkout): ${r.stderr}`);
  const under = paths.map((p) => relative(root, resolve(p)).split('\\').join('/'));
  const inside = (f) => !under.length || under.some((u) => u === '' || f === u || f.startsWith(`${u}/`));
  return [...new Set(r.stdout.split('\0'))].filter((f) => f && SCRIPT.test(f) && !GENERATED.has(f) && inside(f)).sort();
}

/** Every line over MAX_LINE characters (code points, as an editor counts them), as `file:line: N characters`. */
function longLines() {
  const found = [];
  for (const file of scriptFiles()) {
    let text;
    try {
      text = readFileSync(join(root, file), 'utf8');
    } catch {
      continue; // listed by git but deleted in the working tree
    }
    text.split(/\r?\n/).forEach((line, i) => {
      const length = [...line].length;
      if (length > MAX_LINE && !UNBREAKABLE.test(line)) found.push(`${file}:${i + 1}: ${length} characters`);
    });
  }
  return found;
}

let status = 0;
if (biome(['check', '--error-on-warnings', ...(fix ? ['--write'] : [])]) !== 0) status = 1;

const long = longLines();
if (long.length) {
  console.error(`\n${long.length} line(s) over ${MAX_LINE} characters (break them by hand: the formatter leaves strings and comments):`);
  for (const l of long) console.error(`  ${l}`);
  status = 1;
}
if (status === 0) console.log(`lint: Biome clean, no line over ${MAX_LINE} characters`);
process.exit(status);
