// The browser demo, end to end in real headless Chromium: the page loads, the worker runs
// the Wasm core, and for beta = 1 the cluster count on the page reaches 1 in bounded time.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium, serveDir } from './browser/harness.js';

const root = resolve(__dirname, '..');
const shots = join(root, 'build', 'e2e');

describe.skipIf(!chromiumAvailable())('browser demo in headless Chromium', () => {
  let out = '';
  let server: Awaited<ReturnType<typeof serveDir>>;
  let chrome: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'meanfield-demo-'));
    const { build } = await import('vite');
    await build({ configFile: join(root, 'demo', 'vite.config.ts'), logLevel: 'warn', build: { outDir: out, emptyOutDir: true } });
    server = await serveDir(out);
    chrome = await launchChromium();
    page = await chrome.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.goto(server.url);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  });

  afterAll(async () => {
    await chrome?.close();
    await server?.close();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  async function setControls(values: Record<string, string>): Promise<void> {
    for (const [name, value] of Object.entries(values)) {
      const el = page.locator(`[name="${name}"]`);
      if ((await el.evaluate((e) => e.tagName)) === 'SELECT') await el.selectOption(value);
      else await el.fill(value);
    }
  }

  it('loads, reports the Wasm core in a Web Worker, and beta = 1 on S² reaches one cluster', async () => {
    expect(await page.textContent('#backend')).toBe('wasm (SIMD) in a Web Worker');
    await setControls({ space: 'sphere', beta: '1', n: '64', normalization: 'softmax', mask: 'none', seed: '1', tEnd: '1000' });
    await page.click('#start');
    await page.waitForFunction(() => Number(document.querySelector('#time')?.textContent) > 0, null, { timeout: 20_000 });
    const early = Number(await page.textContent('#clusters'));
    expect(early).toBeGreaterThan(1);
    // Clustering at beta = 1 completes near t ≈ 12 (see flows.test.ts); a minute is a generous bound.
    await page.waitForFunction(() => document.querySelector('#clusters')?.textContent === '1', null, { timeout: 60_000 });
    const t = Number(await page.textContent('#time'));
    expect(t).toBeGreaterThan(1);
    expect(t).toBeLessThan(200);
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: join(shots, 'demo-sphere-beta1.png') });
    // Dragging rotates the sphere: the one cluster is drawn elsewhere.
    await page.click('#stop');
    const pixels = () => page.evaluate(() => (document.getElementById('particles') as HTMLCanvasElement).toDataURL());
    const before = await pixels();
    const box = (await page.locator('#particles').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 80, box.y + box.height / 2 + 40, { steps: 5 });
    await page.mouse.up();
    await page.waitForFunction((b) => (document.getElementById('particles') as HTMLCanvasElement).toDataURL() !== b, before, { timeout: 5_000 });
    expect(errors).toEqual([]);
  });

  it('the metastability preset runs on the circle to one cluster and plots energy and clusters', async () => {
    await page.click('#metastability');
    await page.waitForFunction(() => Number(document.body.dataset.clusters) <= 3 && Number(document.querySelector('#time')?.textContent) > 50, null, { timeout: 60_000 });
    // With cluster collapse the last merge (t ≈ 1.6e7) arrives in seconds.
    await page.waitForFunction(() => Number(document.body.dataset.clusters) === 1 && Number(document.querySelector('#time')?.textContent) > 1e6, null, { timeout: 90_000 });
    expect(await page.inputValue('[name="beta"]')).toBe('9');
    expect(await page.inputValue('[name="space"]')).toBe('circle');
    // Both plots have ink: some pixel is not transparent.
    for (const id of ['energy-plot', 'cluster-plot']) {
      const inked = await page.evaluate((cid) => {
        const c = document.getElementById(cid) as HTMLCanvasElement;
        const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
        return n;
      }, id);
      expect(inked).toBeGreaterThan(200);
    }
    await page.click('#stop');
    await page.screenshot({ path: join(shots, 'demo-metastability.png') });
    expect(errors).toEqual([]);
  });

  it('bad input is named on the page, and the library error from the worker is shown', async () => {
    await setControls({ n: '0' });
    await page.click('#start');
    expect(await page.textContent('#error')).toContain('n = 0');
    await setControls({ n: '16', beta: '1', normalization: 'softmax', mask: 'causal', space: 'sphere', seed: '-1' });
    await page.click('#start');
    await page.waitForFunction(() => (document.querySelector('#error')?.textContent ?? '') !== '', null, { timeout: 10_000 });
    expect(await page.textContent('#error')).toMatch(/seed/);
  });
});
