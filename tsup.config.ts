import { defineConfig, type Options } from 'tsup';

// One copy of everything in the package. The library, the `meanfield` command and its sweep
// worker are ES modules sharing their code in chunks. The Wasm core is base64 in dist/wasm.js,
// built from src/wasm/binary.ts as an entry of its own; this plugin points src/wasm/load.ts's
// import of it at that file instead of bundling a copy, so it stays one plain module that the
// code imports: no fetch, no fs, no asset URL for a bundler to rewrite. CommonJS gets the same
// modules through cjs/index.cjs (see there).
const sharedWasm: NonNullable<Options['esbuildPlugins']>[number] = {
  name: 'shared-wasm',
  setup(build) {
    build.onResolve({ filter: /^\.\/binary\.js$/ }, (args) =>
      /[/\\]src[/\\]wasm[/\\]load\.ts$/.test(args.importer) ? { path: './wasm.js', external: true } : undefined,
    );
  },
};

export default defineConfig({
  entry: { index: 'src/index.ts', cli: 'src/cli/main.ts', 'cli-worker': 'src/cli/worker.ts', wasm: 'src/wasm/binary.ts' },
  format: ['esm'],
  dts: { entry: { index: 'src/index.ts' } },
  // No source maps: the code ships unminified.
  sourcemap: false,
  clean: true,
  target: 'es2022',
  // The library runs anywhere; the command's own modules import node: builtins, left external.
  platform: 'neutral',
  external: [/^node:/],
  splitting: true,
  esbuildPlugins: [sharedWasm],
});
