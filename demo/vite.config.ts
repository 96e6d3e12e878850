// `npm run demo` serves this folder; `npm run build:demo` writes a static site to build/demo
// (`npm run preview:demo` serves it, as does any static host that sends the two headers below).
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

/**
 * Cross-origin isolation: with these two headers the page gets SharedArrayBuffer, so the
 * simulation worker runs the Wasm kernels on a pool of threads (init({ threads })). A static
 * host must send them on every file too; the build carries a `_headers` file that Netlify and
 * Cloudflare Pages read (other hosts: set the same two headers in their configuration).
 */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
} as const;

const galleryDir = fileURLToPath(new URL('../docs/gallery/', import.meta.url));

/** The gallery's figures (docs/gallery/*.svg) under ./gallery/: served in dev, copied into the build. */
function gallery(): Plugin {
  const figures = () => new Set(readdirSync(galleryDir).filter((f) => f.endsWith('.svg')));
  return {
    name: 'meanfield-gallery',
    configureServer(server) {
      server.middlewares.use('/gallery/', (req, res, next) => {
        const name = decodeURIComponent((req.url ?? '').split('?')[0].replace(/^\//, ''));
        // Only the listed file names: no path ever reaches the file system from the URL.
        if (!figures().has(name)) {
          next();
          return;
        }
        res.writeHead(200, { 'Content-Type': 'image/svg+xml', 'Cache-Control': 'no-cache', ...ISOLATION_HEADERS });
        res.end(readFileSync(galleryDir + name));
      });
    },
    generateBundle() {
      for (const name of figures()) this.emitFile({ type: 'asset', fileName: `gallery/${name}`, source: readFileSync(galleryDir + name) });
      const rules = Object.entries(ISOLATION_HEADERS)
        .map(([k, v]) => `  ${k}: ${v}`)
        .join('\n');
      this.emitFile({ type: 'asset', fileName: '_headers', source: `/*\n${rules}\n` });
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  plugins: [gallery()],
  server: { headers: ISOLATION_HEADERS },
  preview: { headers: ISOLATION_HEADERS },
  worker: { format: 'es' },
  build: { target: 'es2022' },
});
