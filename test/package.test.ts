// The packed library embeds anywhere: `npm pack` the repo, install the tarball into a scratch
// project (no network: it has zero runtime dependencies), then use it from Node ESM, Node CJS,
// strict TypeScript against the shipped declarations, the `meanfield` command, browser bundles
// (esbuild, and Vite with a Web Worker) run in Chromium. The package is lean: the Wasm core
// ships once, and scripts/sizes.mjs measures it and the tarball against the limits below.
// Assumes dist/ is fresh (`npm test` runs `npm run build:lib` first); packs with
// --ignore-scripts so `prepack` does not rebuild everything.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium, serveDir } from './browser/harness.js';

const ROOT = resolve(import.meta.dirname, '..');
const FIXTURES = join(ROOT, 'test', 'package');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
/** The release target's output in asconfig.json. */
const WASM = join(ROOT, JSON.parse(readFileSync(join(ROOT, 'asconfig.json'), 'utf8')).targets.release.outFile as string);
/** Limits of issue 18 (kB = 1000 bytes, as npm prints them). */
const MAX_TARBALL_BYTES = 250_000;
const MAX_WASM_BYTES = 120_000;

let scratch = '';
let project = '';
let tarball = '';
let installLog = '';

/** What every consumer script (ESM, CJS, browser) reports. */
interface ConsumerResult {
  format: string;
  backend: string;
  simd: boolean;
  lse: number;
  expected: number;
  single: number;
  singleExpected: number;
  velocityFinite: boolean;
  velocityNorm: number;
  maxTangent: number;
  maxWasmJs: number;
  steps: number;
  finalTime: number;
  stopReason: string;
  finalFinite: boolean;
  maxNormError: number;
  errorClass: string | null;
  [key: string]: unknown;
}

function npm(args: string[], cwd: string): string {
  return execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
}

/** What scripts/sizes.mjs prints. */
interface Sizes {
  wasm: { bytes: number; buildBytes: number | null; copies: number; in: string[] };
  dist: { bytes: number; files: Record<string, number> };
  tarball: { bytes: number; unpackedBytes: number; files: number; filename: string };
}

/** The lifecycle scripts npm runs (or lists as install scripts) when a project installs a dependency. */
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepare'];

/** Runs a consumer script with node in the scratch project and parses its one JSON line. */
function runNode(file: string): ConsumerResult {
  const out = execFileSync(process.execPath, [file], { cwd: project, encoding: 'utf8', timeout: 30_000 });
  const line = out.trim().split('\n').at(-1) ?? '';
  return JSON.parse(line) as ConsumerResult;
}

/** The names a declaration file exports as values (functions, classes, constants), read by the TypeScript checker. */
function declaredValueExports(file: string): string[] {
  const program = ts.createProgram([file], { strict: true, noEmit: true, types: [] });
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(file)!)!;
  return checker
    .getExportsOfModule(module)
    .filter((s) => {
      const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
      // `export { type X }` of a class is a type-only export: it has no runtime binding.
      const typeOnly = s.declarations?.some((d) => ts.isExportSpecifier(d) && (d.isTypeOnly || d.parent.parent.isTypeOnly)) ?? false;
      return !typeOnly && (target.flags & ts.SymbolFlags.Value) !== 0;
    })
    .map((s) => s.name)
    .sort();
}

function tsc(config: string): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, [TSC, '-p', config, '--listFiles', '--pretty', 'false'], {
    cwd: project,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** The same checks for every runtime: the kernel is right and one attention step is sane. */
function expectConsumerWorks(r: ConsumerResult): void {
  expect(r.backend).toBe('wasm');
  expect(r.simd).toBe(true);
  expect(Number.isFinite(r.lse)).toBe(true);
  expect(Math.abs(r.lse - r.expected)).toBeLessThan(1e-12);
  expect(Math.abs(r.single - r.singleExpected)).toBeLessThan(1e-12);
  expect(r.velocityFinite).toBe(true);
  expect(r.velocityNorm).toBeGreaterThan(0.1); // not a zero field
  expect(r.maxTangent).toBeLessThan(1e-12);
  expect(r.maxWasmJs).toBeLessThan(1e-12); // the Wasm kernel agrees with the JS backend
  expect(r.steps).toBe(1);
  expect(r.finalTime).toBeCloseTo(0.1, 15);
  expect(r.stopReason).toBe('tEnd');
  expect(r.finalFinite).toBe(true);
  expect(r.maxNormError).toBeLessThan(1e-12);
  expect(r.errorClass).toBe('InvalidArgumentError');
}

beforeAll(() => {
  expect(existsSync(join(ROOT, 'dist', 'index.js')), 'dist/ is missing: run `npm run build` first').toBe(true);
  scratch = mkdtempSync(join(tmpdir(), 'meanfield-package-'));
  const packed = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', scratch], ROOT)) as { filename: string }[];
  tarball = join(scratch, packed[0].filename);
  project = join(scratch, 'consumer');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }, null, 2));
  // Zero runtime dependencies: an offline install (as a consumer runs it) must succeed.
  const install = spawnSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--no-package-lock', tarball], {
    cwd: project,
    encoding: 'utf8',
    timeout: 60_000,
  });
  installLog = `${install.stdout}${install.stderr}`;
  expect(install.status, installLog).toBe(0);
  for (const f of ['checks.cjs', 'consumer.mjs', 'consumer.cjs', 'browser-entry.js', 'vite-entry.js', 'worker-entry.js'])
    copyFileSync(join(FIXTURES, f), join(project, f));
  copyFileSync(join(FIXTURES, 'typed-consumer.ts.txt'), join(project, 'typed.mts'));
  copyFileSync(join(FIXTURES, 'typed-consumer.ts.txt'), join(project, 'typed.cts'));
  copyFileSync(join(FIXTURES, 'type-error.ts.txt'), join(project, 'type-error.mts'));
}, 120_000);

afterAll(() => {
  if (scratch !== '') rmSync(scratch, { recursive: true, force: true });
});

describe('the packed library', () => {
  it('ships each file once: the ES build, the Wasm core in dist/wasm.js, the CommonJS entry and the types', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean);
    for (const f of [
      'package.json',
      'dist/index.js',
      'dist/wasm.js',
      'dist/index.d.ts',
      'dist/cli.js',
      'dist/cli-worker.js',
      'cjs/index.cjs',
      'cjs/index.d.cts',
    ]) {
      expect(files).toContain(`package/${f}`);
    }
    expect(
      files.filter((f) => !/^package\/(dist\/[\w.-]+\.(js|d\.ts)|cjs\/index\.(cjs|d\.cts)|package\.json|README\.md|LICENSE)$/.test(f)),
    ).toEqual([]);

    // The wasm the package runs is the base64 string in dist/wasm.js, not a separate asset.
    const match = /WASM_BASE64 = "([A-Za-z0-9+/=]+)"/.exec(readFileSync(join(project, 'node_modules/meanfield/dist/wasm.js'), 'utf8'));
    expect(match, 'dist/wasm.js embeds WASM_BASE64').not.toBeNull();
    const embedded = Buffer.from(match![1], 'base64');
    expect(embedded.subarray(0, 4)).toEqual(Buffer.from([0, 0x61, 0x73, 0x6d])); // "\0asm"
    if (existsSync(WASM)) expect(embedded.equals(readFileSync(WASM)), `dist embeds ${WASM}: rebuild with npm run build`).toBe(true);
  });

  it('exports at runtime (ESM and CJS) exactly the values its declarations declare', async () => {
    const dist = join(project, 'node_modules', 'meanfield', 'dist');
    const esm = Object.keys(await import(pathToFileURL(join(dist, 'index.js')).href)).sort();
    const cjs = Object.keys(createRequire(join(project, 'package.json'))('meanfield') as object)
      .filter((k) => k !== '__esModule')
      .sort();
    for (const file of [join(dist, 'index.d.ts'), join(dist, '..', 'cjs', 'index.d.cts')]) {
      const declared = declaredValueExports(file);
      expect(declared.length).toBeGreaterThan(50);
      expect(esm, `dist/index.js against ${file}`).toEqual(declared);
      expect(cjs, `require('meanfield') against ${file}`).toEqual(declared);
    }
    // Internals that once leaked: ipow was declared but not exported; quadraticEnergy needed an internal Scratch.
    expect(esm).not.toContain('ipow');
    expect(esm).not.toContain('quadraticEnergy');
  });

  it('names its classes in error messages as the API does (the bundle renames Measure to _Measure)', async () => {
    const mf = (await import(
      pathToFileURL(join(project, 'node_modules', 'meanfield', 'dist', 'index.js')).href
    )) as typeof import('../src/index.js');
    await mf.init({ backend: 'js' });
    const mu = new mf.Measure([[1, 0]]);
    const run = mf.simulate(mf.attention(), mf.Measure.uniformSphere(3, 2, { seed: 1 }), { tEnd: 0 });
    const messages: string[] = [];
    for (const call of [
      () => mf.interactionEnergy(mu, { beta: mu as never }),
      () => mf.clusters(mu, { tol: new mf.Random(1) as never }),
      () => mf.logSumExp(mu, mu, { beta: run as never }),
    ]) {
      try {
        call();
      } catch (e) {
        messages.push((e as Error).message);
      }
    }
    expect(messages).toEqual([
      'beta must be a finite number > 0, got a Measure',
      'tol must be a finite number > 0, got a Random',
      'beta must be a finite number, got a Trajectory',
    ]);
    expect(Object.prototype.toString.call(mu)).toBe('[object Measure]');
  });

  it('is lean, as scripts/sizes.mjs measures it: the Wasm core once, at most 120 kB, in a tarball of at most 250 kB', () => {
    const sizes = JSON.parse(
      execFileSync(process.execPath, [join(ROOT, 'scripts', 'sizes.mjs')], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 }),
    ) as Sizes;
    console.log(
      `package sizes: wasm ${sizes.wasm.bytes} B, dist ${sizes.dist.bytes} B, tarball ${sizes.tarball.bytes} B ` +
        `(${sizes.tarball.unpackedBytes} B unpacked)`,
    );
    expect(sizes.wasm.copies, `base64 Wasm modules in ${sizes.wasm.in.join(', ')}`).toBe(1);
    expect(sizes.wasm.in).toEqual(['dist/wasm.js']);
    expect(sizes.wasm.bytes).toBeLessThanOrEqual(MAX_WASM_BYTES);
    expect(sizes.tarball.bytes).toBeLessThanOrEqual(MAX_TARBALL_BYTES);
    // The script measures the tarball this test installed (npm packs deterministically).
    expect(sizes.tarball.bytes).toBe(statSync(tarball).size);
    expect(sizes.tarball.files).toBe(execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean).length);
  });

  it('installs without running or announcing a build: the shipped package.json has no install scripts', () => {
    const shipped = JSON.parse(readFileSync(join(project, 'node_modules/meanfield/package.json'), 'utf8')) as {
      scripts?: Record<string, string>;
    };
    expect(Object.keys(shipped.scripts ?? {}).filter((k) => INSTALL_SCRIPTS.includes(k))).toEqual([]);
    expect(installLog).not.toMatch(/install.scripts|allowScripts|npm warn/i);
  });

  it('imports from Node ESM, and require() of the package gives the same modules', () => {
    const r = runNode('consumer.mjs');
    expect(r.format).toBe('esm');
    expect(r.sameInstance).toBe(true);
    expectConsumerWorks(r);
  });

  it('runs the meanfield command from the installed package', () => {
    const out = join(project, 'run.jsonl');
    execFileSync(
      join(project, 'node_modules', '.bin', 'meanfield'),
      [
        'run',
        'attention',
        '--n',
        '8',
        '--t-end',
        '1',
        '--integrator',
        'euler',
        '--dt',
        '0.1',
        '--records',
        '3',
        '--spacing',
        'linear',
        '--seeds',
        '1',
        '--out',
        out,
      ],
      { cwd: project, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 },
    );
    const line = JSON.parse(readFileSync(out, 'utf8').trim().split('\n')[0]) as { seed: number; n: number; times: number[] };
    expect(line.seed).toBe(1);
    expect(line.n).toBe(8);
    expect(line.times.at(-1)).toBeCloseTo(1, 12);
  });

  it('requires from Node CommonJS, with zero runtime dependencies', () => {
    const r = runNode('consumer.cjs');
    expect(r.format).toBe('cjs');
    expect(r.name).toBe('meanfield');
    expect(r.version).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
    expect(r.dependencies).toBeNull();
    expectConsumerWorks(r);
  });

  it('type-checks a strict TypeScript consumer against the shipped declarations (ESM and CJS)', () => {
    const base = {
      compilerOptions: {
        strict: true,
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'es2022',
        lib: ['es2022', 'dom'],
        types: [],
        noEmit: true,
        skipLibCheck: false,
      },
    };
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ ...base, files: ['typed.mts', 'typed.cts'] }));
    const good = tsc('tsconfig.json');
    expect(good.output).not.toMatch(/error TS/);
    expect(good.status).toBe(0);
    // import resolves to dist/index.d.ts, require (typed.cts) to cjs/index.d.cts (which re-exports it): both were checked.
    expect(good.output).toContain('node_modules/meanfield/dist/index.d.ts');
    expect(good.output).toContain('node_modules/meanfield/cjs/index.d.cts');

    // The check can fail: a consumer passing a string as beta is rejected.
    writeFileSync(join(project, 'tsconfig.bad.json'), JSON.stringify({ ...base, files: ['type-error.mts'] }));
    const bad = tsc('tsconfig.bad.json');
    expect(bad.status).not.toBe(0);
    expect(bad.output).toMatch(/type-error\.mts\(6,\d+\): error TS2322: Type 'string' is not assignable to type 'number'/);
    expect(bad.output).toMatch(/type-error\.mts\(7,\d+\): error TS2322/);
  });

  it('the type tests (test/types/api.ts) hold against the shipped declarations, and each @ts-expect-error hides a real error', () => {
    const source = readFileSync(join(ROOT, 'test', 'types', 'api.ts'), 'utf8').replaceAll("'../../src/index.js'", "'meanfield'");
    const config = (file: string) =>
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          lib: ['es2022', 'dom'],
          types: [],
          noEmit: true,
          skipLibCheck: false,
        },
        files: [file],
      });
    writeFileSync(join(project, 'api-types.mts'), source);
    writeFileSync(join(project, 'tsconfig.api.json'), config('api-types.mts'));
    const good = tsc('tsconfig.api.json');
    expect(good.output).not.toMatch(/error TS/);
    expect(good.status).toBe(0);
    // Without the directives, tsc must report an error on exactly the line under each of them.
    const lines = source.split('\n');
    const expected = lines.flatMap((l, i) => (l.trim().startsWith('// @ts-expect-error') ? [i + 1] : []));
    expect(expected.length).toBeGreaterThanOrEqual(10);
    writeFileSync(join(project, 'api-bare.mts'), lines.map((l) => (l.trim().startsWith('// @ts-expect-error') ? '' : l)).join('\n'));
    writeFileSync(join(project, 'tsconfig.bare.json'), config('api-bare.mts'));
    const bare = tsc('tsconfig.bare.json');
    expect(bare.status).not.toBe(0);
    const failing = [...new Set([...bare.output.matchAll(/api-bare\.mts\((\d+),\d+\): error TS/g)].map((m) => Number(m[1]) - 1))].sort(
      (p, q) => p - q,
    );
    expect(failing).toEqual(expected);
  });

  it.skipIf(!chromiumAvailable())('bundles for the browser with esbuild and runs in Chromium', async () => {
    const esbuild = await import('esbuild');
    const www = join(project, 'www');
    mkdirSync(www, { recursive: true });
    const built = await esbuild.build({
      absWorkingDir: project,
      entryPoints: ['browser-entry.js'],
      outfile: join(www, 'bundle.js'),
      bundle: true,
      platform: 'browser',
      format: 'esm',
      target: 'es2022',
      logLevel: 'silent',
      metafile: true,
    });
    expect(built.errors).toEqual([]);
    // Resolved from the installed tarball, not from the repo's sources.
    expect(Object.keys(built.metafile.inputs).some((f) => f.startsWith('node_modules/meanfield/dist/'))).toBe(true);
    copyFileSync(join(FIXTURES, 'index.html'), join(www, 'index.html'));

    // Plain page (no SharedArrayBuffer at all) and cross-origin isolated page (SharedArrayBuffer,
    // but a main thread may not block): both must load the library and run on one thread.
    const chromium = await launchChromium();
    try {
      for (const crossOriginIsolated of [false, true]) {
        const server = await serveDir(www, { crossOriginIsolated });
        try {
          const page = await chromium.newPage();
          const pageErrors: string[] = [];
          const log: string[] = [];
          page.on('pageerror', (e) => pageErrors.push(String(e)));
          page.on('console', (m) => log.push(`${m.type()}: ${m.text()}`));
          page.on('requestfailed', (q) => log.push(`request failed: ${q.url()} ${q.failure()?.errorText ?? ''}`));
          await page.goto(server.url);
          await page.waitForSelector('body[data-result], body[data-error]', { timeout: 30_000, state: 'attached' }).catch((e: unknown) => {
            throw new Error(`${String(e)}\npage errors: ${pageErrors.join('\n')}\nconsole: ${log.join('\n')}`);
          });
          expect(await page.getAttribute('body', 'data-error'), 'the page threw').toBeNull();
          expect(pageErrors).toEqual([]);
          const r = JSON.parse((await page.getAttribute('body', 'data-result')) ?? '') as ConsumerResult;
          expect(r.format).toBe('browser');
          expect(r.crossOriginIsolated).toBe(crossOriginIsolated);
          expect(r.threads).toBe(1);
          expectConsumerWorks(r);
        } finally {
          await server.close();
        }
      }
    } finally {
      await chromium.close();
    }
  });
  it.skipIf(!chromiumAvailable())(
    'bundles for the browser with Vite, on a page and in a Web Worker, and runs in Chromium',
    async () => {
      const { build } = await import('vite');
      const app = join(project, 'vite-app');
      const out = join(project, 'vite-dist');
      mkdirSync(app, { recursive: true });
      for (const f of ['checks.cjs', 'vite-entry.js', 'worker-entry.js']) copyFileSync(join(project, f), join(app, f));
      writeFileSync(
        join(app, 'index.html'),
        '<!doctype html>\n<html><head><meta charset="utf-8"><title>meanfield in Vite</title></head>\n<body><script type="module" ' +
          'src="./vite-entry.js"></script></body></html>\n',
      );
      // Vite's defaults (classic workers, no config file), resolving meanfield from the installed tarball.
      await build({
        root: app,
        configFile: false,
        logLevel: 'silent',
        build: { outDir: out, emptyOutDir: true, target: 'es2022', minify: false },
      });
      const assets = readdirSync(join(out, 'assets'));
      expect(assets.filter((f) => f.endsWith('.wasm'))).toEqual([]); // no asset a bundler had to rewrite

      const chromium = await launchChromium();
      try {
        for (const crossOriginIsolated of [false, true]) {
          const server = await serveDir(out, { crossOriginIsolated });
          try {
            const page = await chromium.newPage();
            const pageErrors: string[] = [];
            const requests: string[] = [];
            page.on('pageerror', (e) => pageErrors.push(String(e)));
            page.on('request', (q) => requests.push(q.url()));
            await page.goto(server.url);
            await page
              .waitForSelector('body[data-result], body[data-error]', { timeout: 30_000, state: 'attached' })
              .catch((e: unknown) => {
                throw new Error(`${String(e)}\npage errors: ${pageErrors.join('\n')}`);
              });
            expect(await page.getAttribute('body', 'data-error'), 'the page threw').toBeNull();
            expect(pageErrors).toEqual([]);
            expect(requests.filter((u) => /\.wasm($|\?)/.test(u))).toEqual([]);
            const r = JSON.parse((await page.getAttribute('body', 'data-result')) ?? '') as ConsumerResult;
            expect(r.format).toBe('browser');
            expect(r.crossOriginIsolated).toBe(crossOriginIsolated);
            expectConsumerWorks(r);
            const w = JSON.parse((await page.getAttribute('body', 'data-worker')) ?? '') as ConsumerResult;
            expect(w.format).toBe('worker');
            expect(w.threads).toBeGreaterThanOrEqual(1);
            expectConsumerWorks(w);
          } finally {
            await server.close();
          }
        }
      } finally {
        await chromium.close();
      }
    },
    120_000,
  );
});
