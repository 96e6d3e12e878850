#!/usr/bin/env node
// Runs one gallery example: npm run example <name> [-- --tiny]
// = node --import tsx examples/<name>.ts [args]. Lists the examples (exit code 2) on a missing or unknown name.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'examples');
const names = existsSync(dir)
  ? readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => f.slice(0, -3))
      .sort()
  : [];
const [name, ...rest] = process.argv.slice(2);
if (!name || !names.includes(name)) {
  if (name) console.error(`unknown example '${name}'`);
  console.error(`usage: npm run example <name> [-- --tiny]\nexamples:\n${names.map((n) => `  ${n}`).join('\n')}`);
  process.exit(2);
}
const r = spawnSync(process.execPath, ['--import', 'tsx', join(dir, `${name}.ts`), ...rest], { stdio: 'inherit', cwd: root });
if (r.error) throw r.error;
process.exit(r.status ?? 1);
