// CommonJS consumer of the packed tarball: run with `node consumer.cjs` inside a scratch project
// where `meanfield` is installed from the tarball. Prints one JSON line.
const meanfield = require('meanfield');
const pkg = require('meanfield/package.json');
const runChecks = require('./checks.cjs');

runChecks(meanfield).then(
  (r) => console.log(JSON.stringify({ format: 'cjs', name: pkg.name, version: pkg.version, dependencies: pkg.dependencies ?? null, ...r })),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
