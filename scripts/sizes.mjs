// The package's sizes, measured (printed as JSON; the README's figures come from here):
//   node scripts/sizes.mjs
// It measures what is built and builds nothing (`npm run build` first; `npm pack` builds by itself).
//   wasm.bytes        the Wasm core the package ships, decoded from its base64
//   wasm.buildBytes   build/meanfield.wasm, when present (the same bytes after a full build)
//   wasm.copies       base64-encoded Wasm modules in the shipped files (the core ships once: 1),
//                     and wasm.in the files holding them
//   dist              bytes per file of dist/, and the total
//   tarball           `npm pack --dry-run --json`: bytes of the .tgz, unpacked bytes, file count
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Base64 of a Wasm module: the magic number and version ("\0asm" 1 0 0 0) encode as "AGFzbQEAAAA". */
const BASE64_WASM = /AGFzbQEAAAA[A-Za-z0-9+/]+={0,2}/g;

export function measureSizes(root = ROOT) {
  if (!existsSync(join(root, 'dist'))) throw new Error('dist/ is missing: run `npm run build` first');
  const distFiles = readdirSync(join(root, 'dist')).sort();
  const dist = Object.fromEntries(distFiles.map((f) => [f, statSync(join(root, 'dist', f)).size]));
  const distBytes = Object.values(dist).reduce((a, b) => a + b, 0);

  // --ignore-scripts: measure this build, without prepack rebuilding it.
  const [pack] = JSON.parse(
    execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );

  const found = [];
  for (const { path } of pack.files) {
    for (const m of readFileSync(join(root, path), 'latin1').matchAll(BASE64_WASM)) found.push({ path, base64: m[0] });
  }
  if (found.length === 0) throw new Error('no base64-encoded Wasm module in the packed files');
  const wasm = Buffer.from(found[0].base64, 'base64');
  const buildFile = join(root, 'build', 'meanfield.wasm');

  return {
    wasm: {
      bytes: wasm.length,
      buildBytes: existsSync(buildFile) ? statSync(buildFile).size : null,
      copies: found.length,
      in: found.map((f) => f.path),
    },
    dist: { bytes: distBytes, files: dist },
    tarball: { bytes: pack.size, unpackedBytes: pack.unpackedSize, files: pack.entryCount, filename: pack.filename },
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(JSON.stringify(measureSizes(), null, 2));
}
