// The Web Worker of vite-entry.js: the packed library inside a worker, as Vite bundles it.
import * as meanfield from 'meanfield';
import runChecks from './checks.cjs';

runChecks(meanfield).then(
  (r) => postMessage({ result: { format: 'worker', ...r } }),
  (e) => postMessage({ error: String(e?.stack || e) }),
);
