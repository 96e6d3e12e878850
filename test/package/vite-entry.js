// Browser consumer of the packed tarball bundled by Vite (test/package.test.ts writes the page):
// runs the checks on the page and, in a Web Worker that Vite bundles in its default classic
// format, again. Writes the page's findings to document.body.dataset.result and the worker's to
// document.body.dataset.worker, or the error to document.body.dataset.error.
import * as meanfield from 'meanfield';
import runChecks from './checks.cjs';

const worker = new Worker(new URL('./worker-entry.js', import.meta.url));
const inWorker = new Promise((resolve, reject) => {
  worker.onmessage = (e) => (e.data.error ? reject(new Error(`in the worker: ${e.data.error}`)) : resolve(e.data.result));
  worker.onerror = (e) => reject(new Error(`the worker failed: ${e.message}`));
});

Promise.all([runChecks(meanfield), inWorker]).then(
  ([r, w]) => {
    document.body.dataset.worker = JSON.stringify(w);
    document.body.dataset.result = JSON.stringify({
      format: 'browser',
      crossOriginIsolated: globalThis.crossOriginIsolated === true,
      ...r,
    });
  },
  (e) => {
    document.body.dataset.error = String(e?.stack || e);
  },
);
