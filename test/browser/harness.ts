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
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
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
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
  '.wasm': 'application/wasm', '.json': 'application/json', '.svg': 'image/svg+xml', '.map': 'application/json',
};

/**
 * Serves a built directory on 127.0.0.1 (an ephemeral port). With crossOriginIsolated the
 * COOP/COEP headers are sent, so the page gets SharedArrayBuffer and worker threads.
 */
export async function serveDir(root: string, options: { crossOriginIsolated?: boolean } = {}): Promise<{ url: string; close: () => Promise<void> }> {
  const base = resolve(root);
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    let file = normalize(join(base, path));
    if (!file.startsWith(base)) { res.writeHead(403).end(); return; }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) { res.writeHead(404).end('not found'); return; }
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
    close: () => new Promise((ok) => { server.close(() => ok()); server.closeAllConnections(); }),
  };
}
