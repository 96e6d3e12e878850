import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// `npm run demo` serves this folder; the e2e test builds it into a temporary directory.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  worker: { format: 'es' },
  build: { target: 'es2022' },
});
