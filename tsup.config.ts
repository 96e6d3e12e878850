import { defineConfig } from 'tsup';

export default defineConfig([
  {
    // The library: ESM and CJS, with types.
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    // No source maps: the code ships unminified, and maps of the embedded base64 core
    // would more than double the package.
    sourcemap: false,
    clean: true,
    target: 'es2022',
    platform: 'neutral',
    splitting: false,
  },
  {
    // The `meanfield` command and its sweep worker (Node only, ESM).
    entry: { cli: 'src/cli/main.ts', 'cli-worker': 'src/cli/worker.ts' },
    format: ['esm'],
    sourcemap: false,
    clean: false,
    target: 'es2022',
    platform: 'node',
    splitting: true,
  },
]);
