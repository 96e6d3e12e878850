// The README and docs/*.md as a newcomer meets them: every relative link resolves (files, and #anchors as GitHub
// makes them), every ```ts block runs (against the built package, dist/, as `import ... from 'meanfield'` resolves
// in a consumer) and type-checks under strict, and every figure between <!-- figure: name --> markers is what
// scripts/readme-figures.mjs writes from this build and bench/results/summary.json.
//
// A block runs alone, in its own process, with a time limit; `// docs-test: n = 16` shrinks `const n = ...` for the
// run. A ```ts no-run block (a fragment that cannot run alone) must say why in a `// no-run: reason` line.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  figureFiles,
  figureMarkers,
  fillFigures,
  figureValues,
  measureSizes,
  readNodeEngines,
  readSummary,
  staleFigures,
} from '../scripts/readme-figures.mjs';
import { brokenLink, codeBlocks, links, prose, runnable, type CodeBlock } from './markdown.js';

const root = join(__dirname, '..');
const files = figureFiles(root);
const work = join(root, 'build', 'docs-test');
const BLOCK_SECONDS = 60;

const blocks = files.flatMap((f) => codeBlocks(readFileSync(join(root, f), 'utf8'), f));
const tsBlocks = blocks.filter((b) => /^(ts|typescript)\b/.test(b.info));
const toRun = tsBlocks.filter((b) => b.info === 'ts');
const fileOf = (b: CodeBlock) => join(work, `${b.file.replace(/[^\w]/g, '_')}_L${b.line}.ts`);

function runTs(path: string): Promise<{ code: number | null; signal: string | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b) => {
      out += b;
    });
    child.stderr.on('data', (b) => {
      out += b;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), BLOCK_SECONDS * 1000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out });
    });
  });
}

function writeBlock(path: string, code: string): void {
  writeFileSync(path, code.endsWith('\n') ? code : `${code}\n`);
}

describe('links in README.md and docs/*.md', () => {
  it.each(files)('%s: every relative link and #anchor resolves', (file) => {
    const broken = links(readFileSync(join(root, file), 'utf8'), file)
      .map((l) => [l, brokenLink(root, l)] as const)
      .filter(([, why]) => why !== null)
      .map(([l, why]) => `${l.file}:${l.line}: ${why}`);
    expect(broken).toEqual([]);
  });

  it('the checker sees a missing file and a missing anchor (a link broken on purpose)', () => {
    expect(brokenLink(root, { file: 'README.md', line: 1, target: 'docs/no-such-guide.md' })).toMatch(/no file/);
    expect(brokenLink(root, { file: 'README.md', line: 1, target: 'docs/spaces.md#no-such-heading' })).toMatch(/no heading/);
    expect(brokenLink(root, { file: 'README.md', line: 1, target: 'docs/spaces.md#spaces-what-a-point-of-a-measure-is' })).toBeNull();
    expect(brokenLink(root, { file: 'docs/spaces.md', line: 1, target: '../../outside.md' })).toMatch(/outside/);
  });
});

describe('```ts blocks of README.md and docs/*.md', () => {
  let typeErrors = '';
  beforeAll(() => {
    expect(existsSync(join(root, 'dist', 'index.js')), 'dist/ is built (npm run build:lib)').toBe(true);
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    for (const b of toRun) writeBlock(fileOf(b), runnable(b, '../../dist/index.js'));
    writeFileSync(
      join(work, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'ESNext',
          moduleResolution: 'Bundler',
          lib: ['ES2022', 'DOM'],
          types: ['node'],
          strict: true,
          skipLibCheck: true,
          noEmit: true,
          isolatedModules: true,
        },
        include: ['*.ts'],
      }),
    );
    const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', work], { encoding: 'utf8' });
    typeErrors = tsc.status === 0 ? '' : `${tsc.stdout}${tsc.stderr}`.trim();
  });

  it('there are blocks, and every no-run block says why', () => {
    expect(toRun.length).toBeGreaterThanOrEqual(10);
    for (const b of tsBlocks) {
      expect(['ts', 'ts no-run'], `${b.file}:${b.line}: fence info '${b.info}'`).toContain(b.info);
      if (b.info === 'ts no-run')
        expect(b.code, `${b.file}:${b.line}: a no-run block needs a '// no-run: reason' line`).toMatch(/^\s*\/\/ no-run: \S/m);
    }
  });

  it('every block type-checks under strict against the package declarations', () => {
    expect(typeErrors).toBe('');
  });

  it.each(toRun.map((b) => [`${b.file}:${b.line}`, b] as const))(
    '%s runs',
    async (_name, b) => {
      const r = await runTs(fileOf(b));
      expect(r.signal, `${b.file}:${b.line} was killed after ${BLOCK_SECONDS} s`).toBeNull();
      expect(r.code, `${b.file}:${b.line} exited with ${r.code}:\n${r.out.slice(-3000)}`).toBe(0);
    },
    (BLOCK_SECONDS + 30) * 1000,
  );

  it('a block that throws fails its run (a block broken on purpose), and a stale docs-test marker is an error', async () => {
    const path = join(work, 'broken_on_purpose.ts');
    writeBlock(
      path,
      runnable(
        { file: 'x.md', line: 1, info: 'ts', code: "import { Measure } from 'meanfield';\nnew Measure([[0, 0]], { weights: [-1] });" },
        '../../dist/index.js',
      ),
    );
    const r = await runTs(path);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/InvalidArgumentError/);
    expect(() => runnable({ file: 'x.md', line: 1, info: 'ts', code: '// docs-test: n = 4\nconst m = 100;' }, 'x')).toThrow(
      /does not declare/,
    );
    expect(runnable({ file: 'x.md', line: 1, info: 'ts', code: '// docs-test: n = 4\nconst n = 4096;' }, 'x')).toContain('const n = 4;');
  }, 60_000);
});

describe('measured figures', () => {
  let values: Record<string, string> = {};
  beforeAll(() => {
    expect(existsSync(join(root, 'dist', 'index.js')), 'dist/ is built (npm run build:lib)').toBe(true);
    values = figureValues(measureSizes(root), readSummary(root), readNodeEngines(root));
  });

  it('every figure marker holds what `npm run readme:figures` writes (sizes of this build, timings of bench/results/summary.json)', () => {
    expect(staleFigures(root, values)).toEqual([]);
  });

  it('the README states the Wasm and tarball sizes of this build through markers', () => {
    const names = figureMarkers(readFileSync(join(root, 'README.md'), 'utf8')).map((m) => m.name);
    expect(names).toContain('wasm-kB');
    expect(names).toContain('tarball-kB');
    // A figure changed by hand is seen.
    const text = `<!-- figure: wasm-kB -->90<!-- /figure -->`;
    expect(fillFigures(text, values)).not.toBe(text);
  });

  it('the README is at most 15 kB, and its first code block is the two commands', () => {
    const text = readFileSync(join(root, 'README.md'), 'utf8');
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(15_000);
    const first = codeBlocks(text, 'README.md')[0]
      .code.split('\n')
      .map((l) => l.replace(/#.*$/, '').trim());
    expect(first).toEqual(['npm ci && npm start', 'npm ci && npm test']);
  });

  it('the README has no size, time or speed-up outside a figure marker', () => {
    const text = prose(readFileSync(join(root, 'README.md'), 'utf8')).replace(/<!-- figure: [\w.-]+ -->[\s\S]*?<!-- \/figure -->/g, '');
    const typed = [...text.matchAll(/\d[\d.,]*\s?(?:kB|KB|MB|GB|bytes|ns|µs|ms|s|min|×|x)(?![\w/])/g)].map((m) => m[0]);
    expect(typed).toEqual([]);
  });
});
