// Builds what `npm start` and `npm test` need when it is missing or older than its sources, so
// they work on a fresh clone (`npm ci` builds nothing: the package has no install-time build):
//   the Wasm core   build/meanfield.wasm and src/wasm/binary.ts, from assembly/ and asconfig.json
//   the pool worker src/wasm/worker-bundle.ts, bundled from src/wasm/worker.ts every time (a few
//                   milliseconds; rewritten only when its text changes, so it never looks newer than it is)
//   the library     dist/, from src/, tsup.config.ts and the Wasm core (skipped with --wasm)
//   node scripts/ensure-build.mjs [--wasm]
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { embedWorker } from './embed-worker.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Newest modification time among the files at these paths (directories walked), 0 for none. */
function newest(paths) {
  let t = 0;
  for (const p of paths) {
    const full = join(ROOT, p);
    if (!existsSync(full)) continue;
    const s = statSync(full);
    if (s.isDirectory()) t = Math.max(t, newest(readdirSync(full).map((f) => join(p, f))));
    else t = Math.max(t, s.mtimeMs);
  }
  return t;
}

/** Oldest modification time among these files, or -Infinity when one is missing. */
function oldest(paths) {
  let t = Infinity;
  for (const p of paths) {
    const full = join(ROOT, p);
    if (!existsSync(full)) return -Infinity;
    t = Math.min(t, statSync(full).mtimeMs);
  }
  return t;
}

function run(script) {
  // npm_execpath is npm's own CLI when run through npm; plain `npm` otherwise.
  const npm = process.env.npm_execpath;
  const [cmd, args] =
    npm && /\.c?js$/.test(npm) ? [process.execPath, [npm, 'run', '--silent', script]] : ['npm', ['run', '--silent', script]];
  execFileSync(cmd, args, { cwd: ROOT, stdio: 'inherit', shell: process.platform === 'win32' && cmd === 'npm' });
}

const wasmOutputs = ['build/meanfield.wasm', 'src/wasm/binary.ts'];
if (oldest(wasmOutputs) < newest(['assembly', 'asconfig.json'])) run('build:wasm');

if (await embedWorker()) console.log('bundled src/wasm/worker.ts into src/wasm/worker-bundle.ts');

if (!process.argv.includes('--wasm')) {
  const libOutputs = ['dist/index.js', 'dist/wasm.js', 'dist/cli.js', 'dist/index.d.ts'];
  if (oldest(libOutputs) < newest(['src', 'tsup.config.ts'])) run('build:lib');
}
