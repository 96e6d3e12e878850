// Real headless Chromium for end-to-end tests: Debian's /usr/bin/chromium driven by
// playwright-core (no browser download is possible here), and a static file server on
// loopback for built pages.
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.MEANFIELD_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Whether to run the browser tests: always in CI (where .ci/run installs Chromium, so a
 * missing browser fails loudly), elsewhere only when the binary is there.
 */
export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM) || Boolean(process.env.CI);
}

/**
 * Launches headless Chromium with a fresh profile (a persistent context, the way Playwright
 * takes a user-data-dir). newPage() opens a tab; close() ends the browser and removes the profile.
 */
export async function launchChromium(): Promise<{ context: BrowserContext; newPage: () => Promise<Page>; close: () => Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'meanfield-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    newPage: () => context.newPage(),
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

/**
 * Serves a built directory on 127.0.0.1 (an ephemeral port). With crossOriginIsolated the
 * COOP/COEP headers are sent, so the page gets SharedArrayBuffer and worker threads.
 */
export async function serveDir(
  root: string,
  options: { crossOriginIsolated?: boolean } = {},
): Promise<{ url: string; close: () => Promise<void> }> {
  const base = resolve(root);
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    let file = normalize(join(base, path));
    if (!file.startsWith(base)) {
      res.writeHead(403).end();
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    const headers: Record<string, string> = { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' };
    if (options.crossOriginIsolated) {
      headers['cross-origin-opener-policy'] = 'same-origin';
      headers['cross-origin-embedder-policy'] = 'require-corp';
    }
    res.writeHead(200, headers).end(readFileSync(file));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  // close() also drops idle keep-alive connections a still-open page holds, or it would wait for them.
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}

/** Pixels of a canvas by colour: painted (any ink), red-ish and blue-ish (opaque enough to see). */
export async function canvasInk(page: Page, id: string): Promise<{ painted: number; red: number; blue: number }> {
  return page.evaluate((cid) => {
    const c = document.getElementById(cid) as HTMLCanvasElement;
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const ink = { painted: 0, red: 0, blue: 0 };
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
      if (a === 0) continue;
      ink.painted++;
      if (a > 128 && r > 150 && g < 120 && b < 110) ink.red++;
      if (a > 128 && b > 150 && r < 100) ink.blue++;
    }
    return ink;
  }, id);
}

/** Page-space boxes of the elements matching each selector (all matches, in document order). */
export async function layoutBoxes(page: Page, selectors: string[]): Promise<Record<string, number[][]>> {
  return page.evaluate(
    (sels) =>
      Object.fromEntries(
        sels.map((s) => [
          s,
          Array.from(document.querySelectorAll(s), (e) => {
            const r = e.getBoundingClientRect();
            return [r.x + scrollX, r.y + scrollY, r.width, r.height];
          }),
        ]),
      ),
    selectors,
  );
}
