// ESM consumer of the packed tarball: run with `node consumer.mjs` inside a scratch project
// where `meanfield` is installed from the tarball. Prints one JSON line.
import * as meanfield from 'meanfield';
import runChecks from './checks.cjs';

console.log(JSON.stringify({ format: 'esm', ...(await runChecks(meanfield)) }));
