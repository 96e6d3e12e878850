// Smoke test of the gallery: every examples/*.ts (found by listing the folder) runs with --tiny in a
// child process (node --import tsx), exits 0, writes its tiny SVG and prints its report line
// `<name>: paper <...> | measured <...>` with a number in the measured part.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..');
const examplesDir = join(root, 'examples');
const names = existsSync(examplesDir)
  ? readdirSync(examplesDir)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => f.slice(0, -3))
      .sort()
  : [];
const out = mkdtempSync(join(tmpdir(), 'meanfield-gallery-'));

function run(name: string): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', join(examplesDir, `${name}.ts`), '--tiny'], {
      cwd: root,
      env: { ...process.env, GALLERY_DIR: out },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '',
      stderr = '';
    child.stdout.on('data', (b) => {
      stdout += b;
    });
    child.stderr.on('data', (b) => {
      stderr += b;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

describe('gallery examples (--tiny)', () => {
  it('finds the examples', () => {
    expect(names.length).toBeGreaterThanOrEqual(9);
    expect(names).toContain('staircase');
  });

  it.each(names)(
    '%s runs, writes its SVG and reports a measured number',
    async (name) => {
      const started = Date.now();
      const r = await run(name);
      expect(r.code, `exit code of ${name}\n${r.stderr.slice(-2000)}`).toBe(0);
      // The SVG: in GALLERY_DIR (writeSvg honours it), else docs/gallery/, written by this run.
      let path = join(out, `${name}.tiny.svg`);
      if (!existsSync(path)) path = join(root, 'docs', 'gallery', `${name}.tiny.svg`);
      expect(existsSync(path), `${name}.tiny.svg written`).toBe(true);
      expect(statSync(path).mtimeMs).toBeGreaterThanOrEqual(started - 1000);
      const svg = readFileSync(path, 'utf8');
      expect(svg.trimStart().startsWith('<svg')).toBe(true);
      expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
      expect((svg.match(/<svg\b/g) ?? []).length).toBe((svg.match(/<\/svg>/g) ?? []).length);
      // No broken coordinates or attributes.
      expect(svg).not.toMatch(/="[^"]*(NaN|undefined|Infinity)/);
      // The report line.
      const line = r.stdout.split('\n').find((l) => l.startsWith(`${name}: paper `));
      expect(line, `report line of ${name} in\n${r.stdout.slice(-2000)}`).toBeDefined();
      const measured = line!.split(' | measured ')[1];
      expect(measured).toBeDefined();
      expect(measured).toMatch(/[-−]?\d+(\.\d+)?/);
    },
    90_000,
  );
});
