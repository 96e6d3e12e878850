// ESM consumer of the packed tarball: run with `node consumer.mjs` inside a scratch project
// where `meanfield` is installed from the tarball. Prints one JSON line.
import { createRequire } from 'node:module';
import * as meanfield from 'meanfield';
import runChecks from './checks.cjs';

// require('meanfield') loads the same ES modules: one instance, one init, one set of error classes.
const required = createRequire(import.meta.url)('meanfield');
const sameInstance = required.init === meanfield.init && required.MeanfieldError === meanfield.MeanfieldError;

console.log(JSON.stringify({ format: 'esm', sameInstance, ...(await runChecks(meanfield)) }));
