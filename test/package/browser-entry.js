// Browser consumer of the packed tarball: bundled by esbuild (platform 'browser') from a scratch
// project where `meanfield` is installed from the tarball, loaded by index.html. Writes one JSON
// object to document.body.dataset.result, or the error to document.body.dataset.error.
import * as meanfield from 'meanfield';
import runChecks from './checks.cjs';

runChecks(meanfield).then(
  (r) => {
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
