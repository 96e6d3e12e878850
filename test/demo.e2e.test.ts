// The browser demo, end to end in real headless Chromium. The static build is served by
// `vite preview` with the demo's own config (its COOP/COEP headers), as `npm run build:demo`
// users serve it; the dev server (`npm run demo`) gets a shorter check at the end. Numbers the
// page shows are checked against the same runs in Node, single-threaded and uninterrupted.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attention, circle, clusters, init, Measure, simulate, type Flow } from '../src/index.js';
import { runOptions } from '../demo/pieces.js';
import { canvasInk, chromiumAvailable, launchChromium, layoutBoxes, serveDir } from './browser/harness.js';

const root = resolve(__dirname, '..');
const configFile = join(root, 'demo', 'vite.config.ts');
const SHOTS = process.env.MEANFIELD_E2E_SHOTS; // a directory: screenshots go there when set

interface FrameData {
  t: number;
  clusters: number;
  particles: number;
  energy: number | null;
  steps: number;
  ended: string | null;
}

/** The worker's run (demo/pieces.ts settings) as one uninterrupted run in Node. */
function nodeRun(flow: Flow, mu: Measure, tEnd: number) {
  return simulate(flow, mu, { ...runOptions(true), tEnd });
}

/**
 * Chromium and Node agree to the last bits only where their Math functions do: Math.pow (rk45's
 * step-size control) differs by an ulp between V8 versions (Node 20 and Chromium 150: on 9% of
 * arguments), so numbers after hundreds of steps agree to about 1e-14, not bit for bit. In one
 * engine the pieces the page plays are bit-identical to one run (test/demo-pieces.test.ts).
 */
function expectSameRun(browser: number, node: number): void {
  expect(Math.abs(browser - node)).toBeLessThanOrEqual(1e-12 * Math.abs(node));
}

/** Elements whose place and size must not change while a run goes on. */
const FIXED = ['#controls', '#particles', '#cluster-plot', '#energy-plot', '.readout dd', '#status', '#backend', '#error', '#gallery'];

async function frame(page: Page): Promise<FrameData> {
  return JSON.parse((await page.getAttribute('body', 'data-frame'))!) as FrameData;
}

/** Status, content type and the start of the body of each gallery link on the page. */
async function galleryResponses(page: Page): Promise<Array<{ href: string; status: number; type: string; head: string }>> {
  const hrefs = await page.$$eval('#gallery a', (as) => as.map((a) => (a as HTMLAnchorElement).href));
  const out = [];
  for (const href of hrefs) {
    const r = await page.request.get(href);
    out.push({ href, status: r.status(), type: r.headers()['content-type'] ?? '', head: (await r.text()).trimStart().slice(0, 4) });
  }
  return out;
}

describe.skipIf(!chromiumAvailable())('browser demo in headless Chromium', () => {
  let out = '';
  let server: { close: () => Promise<void> } | undefined;
  let url = '';
  let chrome: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  let atLoad: Record<string, number[][]> = {};
  const errors: string[] = [];

  beforeAll(async () => {
    await init({ threads: 1 });
    out = mkdtempSync(join(tmpdir(), 'meanfield-demo-'));
    const { build, preview } = await import('vite');
    await build({ configFile, logLevel: 'warn', build: { outDir: out, emptyOutDir: true } });
    const served = await preview({
      configFile,
      logLevel: 'warn',
      build: { outDir: out },
      preview: { port: 0, host: '127.0.0.1', open: false },
    });
    server = { close: () => served.close() };
    url = served.resolvedUrls!.local[0];
    chrome = await launchChromium();
    page = await chrome.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    // Every cluster count the page shows, in order, recorded from the first frame on.
    await page.addInitScript(() => {
      const seen: number[] = [];
      (window as unknown as { seenClusters: number[] }).seenClusters = seen;
      new MutationObserver(() => {
        const c = Number(document.body.dataset.clusters);
        if (document.body.dataset.clusters !== undefined && seen[seen.length - 1] !== c) seen.push(c);
      }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-clusters'] });
    });
    await page.goto(url);
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

  it('at load, before any click, draws the first frame of the metastability preset and starts it', async () => {
    await page.waitForSelector('body[data-drawn="true"]', { timeout: 30_000 });
    // The tokens are drawn (red dots; the empty canvas holds only the grey circle), and the plots have their first points.
    const particles = await canvasInk(page, 'particles');
    expect(particles.red).toBeGreaterThan(64 * 20);
    expect((await canvasInk(page, 'cluster-plot')).blue).toBeGreaterThan(5);
    for (const [name, value] of Object.entries({
      space: 'circle',
      beta: '9',
      n: '64',
      seed: '2',
      normalization: 'softmax',
      mask: 'none',
    })) {
      expect(await page.inputValue(`[name="${name}"]`)).toBe(value);
    }
    // The first frame is the uniform start: 58 clusters at tol 1e-2 (64 tokens, a few closer than 0.01 rad).
    const start = Measure.uniformCircle(64, { seed: 2 });
    expect(await page.evaluate(() => (window as unknown as { seenClusters: number[] }).seenClusters[0])).toBe(
      clusters(start, { tol: 1e-2 }).count,
    );
    atLoad = await layoutBoxes(page, FIXED);
    if (SHOTS) await page.screenshot({ path: join(SHOTS, 'demo-load.png') });
  });

  it('is cross-origin isolated, and the worker runs the Wasm kernels on a pool of threads', async () => {
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    const threads = Number(await page.getAttribute('body', 'data-threads'));
    // init()'s default in an isolated worker: one thread per core (capped at 64).
    expect(threads).toBe(Math.min(64, cores));
    expect(await page.textContent('#backend')).toBe(
      `core: wasm (SIMD) in a Web Worker, ${threads > 1 ? `on ${threads} threads (shared memory)` : 'on 1 thread'}`,
    );
    // The pool: threads - 1 workers (from Blob URLs) beside the demo's own worker.
    const pool = page.workers().filter((w) => w.url().startsWith('blob:'));
    expect(pool.length).toBe(threads - 1);
  });

  it('the preset follows the staircase 3 -> 2 -> 1 clusters to the last merge of `npm start`, and nothing on the page moves', async () => {
    await page.waitForFunction(() => Number(document.body.dataset.clusters) === 2, null, { timeout: 60_000 });
    if (SHOTS) await page.screenshot({ path: join(SHOTS, 'demo-metastability-mid.png') });
    expect(await layoutBoxes(page, FIXED)).toEqual(atLoad);
    await page.waitForFunction(() => JSON.parse(document.body.dataset.frame ?? '{}').ended === 'merged', null, { timeout: 90_000 });
    const seen = await page.evaluate(() => (window as unknown as { seenClusters: number[] }).seenClusters);
    expect(seen.slice(-3)).toEqual([3, 2, 1]);
    // The same run in Node, in one piece on one thread: the page's pieces resume bit-identically.
    const node = nodeRun(circle({ beta: 9 }), Measure.uniformCircle(64, { seed: 2 }), 1e8);
    const last = await frame(page);
    expect(node.stopReason).toBe('custom');
    expectSameRun(last.t, node.finalTime);
    expect(last.steps).toBe(node.steps);
    expect(node.collapses.at(-1)!.t).toBe(node.finalTime);
    expect(node.finalTime).toBeGreaterThan(1.56e7); // scripts/demo.mjs: "last merge at t = 1.5656e+7"
    expect(node.finalTime).toBeLessThan(1.57e7);
    expect(await page.textContent('#status')).toBe(`done: all 64 tokens in one particle at t = ${last.t.toExponential(4)}`);
    // Both plots are drawn (blue series lines) and the layout is where it was at load.
    expect((await canvasInk(page, 'cluster-plot')).blue).toBeGreaterThan(300);
    expect((await canvasInk(page, 'energy-plot')).blue).toBeGreaterThan(300);
    expect(await layoutBoxes(page, FIXED)).toEqual(atLoad);
    if (SHOTS) await page.screenshot({ path: join(SHOTS, 'demo-metastability-done.png') });
    expect(errors).toEqual([]);
  });

  it('beta = 1 on S² reaches one cluster, and dragging rotates the sphere', async () => {
    await setControls({ space: 'sphere', beta: '1', n: '64', normalization: 'softmax', mask: 'none', seed: '1', tEnd: '1000' });
    await page.click('#start');
    await page.waitForFunction(() => Number(JSON.parse(document.body.dataset.frame ?? '{"t":0}').t) > 0, null, { timeout: 20_000 });
    expect((await frame(page)).clusters).toBeGreaterThan(1);
    // Clustering at beta = 1 completes near t ≈ 12-20 (see flows.test.ts); a minute is a generous bound.
    await page.waitForFunction(() => document.body.dataset.clusters === '1', null, { timeout: 60_000 });
    const t = (await frame(page)).t;
    expect(t).toBeGreaterThan(1);
    expect(t).toBeLessThan(200);
    await page.click('#stop');
    const pixels = () => page.evaluate(() => (document.getElementById('particles') as HTMLCanvasElement).toDataURL());
    const before = await pixels();
    const box = (await page.locator('#particles').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 80, box.y + box.height / 2 + 40, { steps: 5 });
    await page.mouse.up();
    await page.waitForFunction((b) => (document.getElementById('particles') as HTMLCanvasElement).toDataURL() !== b, before, {
      timeout: 5_000,
    });
    expect(await layoutBoxes(page, FIXED)).toEqual(atLoad);
    expect(errors).toEqual([]);
  });

  it('a run large enough for the threads (n = 512 on S²) gives the numbers of a one-thread run in Node', async () => {
    await setControls({ space: 'sphere', beta: '1', n: '512', normalization: 'softmax', mask: 'none', seed: '1', tEnd: '0.5' });
    await page.click('#start');
    await page.waitForFunction(() => JSON.parse(document.body.dataset.frame ?? '{}').ended === 'tEnd', null, { timeout: 60_000 });
    const page512 = await frame(page);
    const flow = attention({ beta: 1 });
    const node = nodeRun(flow, Measure.uniformSphere(512, 3, { seed: 1 }), 0.5);
    expect(page512.t).toBe(0.5);
    expect(page512.steps).toBe(node.steps);
    expectSameRun(page512.energy!, flow.energy!(node.final.points, node.final.weights, 3));
    expect(page512.clusters).toBe(clusters(node.final, { tol: 1e-2 }).count);
    expect(page512.particles).toBe(node.final.size);
    expect(errors).toEqual([]);
  });

  it('names bad input on the page, and shows the library error from the worker', async () => {
    await setControls({ n: '0' });
    await page.click('#start');
    expect(await page.textContent('#error')).toContain('n = 0');
    await setControls({ n: '16', beta: '1', normalization: 'softmax', mask: 'causal', space: 'sphere', seed: '-1', tEnd: '10' });
    await page.click('#start');
    await page.waitForFunction(() => (document.querySelector('#error')?.textContent ?? '') !== '', null, { timeout: 10_000 });
    expect(await page.textContent('#error')).toMatch(/seed/);
    expect(await layoutBoxes(page, FIXED)).toEqual(atLoad);
  });

  it('every gallery link of the built page returns its SVG figure', async () => {
    const responses = await galleryResponses(page);
    expect(responses).toHaveLength(14);
    for (const r of responses)
      expect({ href: r.href, status: r.status, type: r.type, head: r.head }).toEqual({
        href: r.href,
        status: 200,
        type: 'image/svg+xml',
        head: '<svg',
      });
    // Followed as a link, the figure opens as an SVG document.
    const tab = await chrome.newPage();
    await tab.goto(responses[0].href);
    expect(await tab.evaluate(() => document.documentElement.tagName)).toBe('svg');
    await tab.close();
  });

  it('served without the two headers (a plain static host), it runs on one thread and says why', async () => {
    const plain = await serveDir(out);
    const tab = await chrome.newPage();
    try {
      await tab.goto(plain.url);
      await tab.waitForSelector('body[data-drawn="true"]', { timeout: 30_000 });
      expect(await tab.evaluate(() => crossOriginIsolated)).toBe(false);
      expect(await tab.getAttribute('body', 'data-threads')).toBe('1');
      expect(await tab.textContent('#backend')).toContain('on 1 thread: the page is not cross-origin isolated');
      expect((await canvasInk(tab, 'particles')).red).toBeGreaterThan(64 * 20);
    } finally {
      await tab.close();
      await plain.close();
    }
  });

  it('under the dev server (`npm run demo`): isolated, drawn at load, gallery links are SVG', async () => {
    const { createServer } = await import('vite');
    const dev = await createServer({ configFile, logLevel: 'warn', server: { port: 0, host: '127.0.0.1', open: false } });
    await dev.listen();
    const tab = await chrome.newPage();
    const tabErrors: string[] = [];
    tab.on('pageerror', (e) => tabErrors.push(e.message));
    try {
      await tab.goto(dev.resolvedUrls!.local[0]);
      await tab.waitForSelector('body[data-drawn="true"]', { timeout: 60_000 });
      expect(await tab.evaluate(() => crossOriginIsolated)).toBe(true);
      expect((await canvasInk(tab, 'particles')).red).toBeGreaterThan(64 * 20);
      const responses = await galleryResponses(tab);
      expect(responses).toHaveLength(14);
      for (const r of responses)
        expect({ status: r.status, type: r.type, head: r.head }).toEqual({ status: 200, type: 'image/svg+xml', head: '<svg' });
      expect(tabErrors).toEqual([]);
    } finally {
      await tab.close();
      await dev.close();
    }
  });
});
