// One collapse check (clusterLabels, the merge search run after every step under `collapse`) on
// n uniform points of S²: the spatial grid against the all-pairs search it replaced (run only where
// it ends in under a minute: at most n = 1e5), and the small-n crossover behind ALL_PAIRS_BELOW.
// Run: npm run bench:collapse  (MEANFIELD_BENCH_MAX_N=1e5 to stop earlier)
import { clusterLabels } from '../src/analysis/clusters.js';
import { linkNeighbours } from '../src/analysis/link-grid.js';
import { Measure } from '../src/index.js';

/** The all-pairs search as it was before the grid (issue 20), kept to time it. */
function allPairsLabels(x: Float64Array, n: number, d: number, tol: number): Int32Array {
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  };
  const chord = (2 * Math.sin(tol / 2)) ** 2;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let c = 0; c < d; c++) {
        const t = x[i * d + c] - x[j * d + c];
        s += t * t;
      }
      if (s <= chord) {
        const a = find(i),
          b = find(j);
        if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
      }
    }
  }
  const labels = new Int32Array(n);
  const index = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const r = find(i);
    let l = index.get(r);
    if (l === undefined) {
      l = index.size;
      index.set(r, l);
    }
    labels[i] = l;
  }
  return labels;
}

/** Median wall time in ms of `repeats` calls. */
function time(f: () => unknown, repeats: number): number {
  const ms: number[] = [];
  for (let k = 0; k < repeats; k++) {
    const t0 = performance.now();
    f();
    ms.push(performance.now() - t0);
  }
  return ms.sort((a, b) => a - b)[Math.floor(repeats / 2)];
}

function equal(a: Int32Array, b: Int32Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

const maxN = Number(process.env.MEANFIELD_BENCH_MAX_N ?? 1e6);
// Warm-up, so that the first row does not time the JIT.
{
  const x = Measure.uniformSphere(20000, 3, { seed: 3 }).points;
  for (let k = 0; k < 5; k++) for (const tol of [1e-6, 1e-2]) clusterLabels(x, 20000, 3, 'sphere', tol);
  for (let k = 0; k < 3; k++) allPairsLabels(x.subarray(0, 3000), 1000, 3, 1e-2);
}
console.log('| n | tol | clusters | grid ms | all pairs ms | all pairs / grid | labels equal |');
console.log('|---|---|---|---|---|---|---|');
for (const n of [1e3, 1e4, 1e5, 1e6].filter((v) => v <= maxN)) {
  const x = Measure.uniformSphere(n, 3, { seed: 1 }).points;
  for (const tol of [1e-6, 1e-2]) {
    const grid = clusterLabels(x, n, 3, 'sphere', tol);
    const gridMs = time(() => clusterLabels(x, n, 3, 'sphere', tol), n >= 1e6 ? 3 : 5);
    // All pairs cost about 2 ns a pair here: 1e5 points take ~10 s, 1e6 would take ~20 min.
    let old: Int32Array | null = null;
    const oldMs = n <= 1e5 ? time(() => (old = allPairsLabels(x, n, 3, tol)), n >= 1e5 ? 1 : 3) : NaN;
    const count = grid.reduce((m, l) => Math.max(m, l + 1), 0);
    const same = old === null ? '(not run)' : String(equal(grid, old));
    const ratio = Number.isNaN(oldMs) ? '' : (oldMs / gridMs).toFixed(1);
    console.log(
      `| ${n} | ${tol} | ${count} | ${gridMs.toFixed(2)} | ${Number.isNaN(oldMs) ? '-' : oldMs.toFixed(1)} | ${ratio} | ${same} |`,
    );
  }
}

// The crossover behind ALL_PAIRS_BELOW: the grid forced at every n against all pairs, same points.
function forcedGridLabels(x: Float64Array, n: number, tol: number): Int32Array {
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i];
    return i;
  };
  const chord = (2 * Math.sin(tol / 2)) ** 2;
  linkNeighbours(x, n, 3, 'sphere', tol, (i, j) => {
    const s = (x[3 * i] - x[3 * j]) ** 2 + (x[3 * i + 1] - x[3 * j + 1]) ** 2 + (x[3 * i + 2] - x[3 * j + 2]) ** 2;
    if (s <= chord) parent[Math.max(find(i), find(j))] = Math.min(find(i), find(j));
  });
  return Int32Array.from({ length: n }, (_, i) => find(i));
}
console.log('\n| n | all pairs µs | grid µs |');
console.log('|---|---|---|');
for (const n of [16, 32, 64, 128, 256]) {
  const x = Measure.uniformSphere(n, 3, { seed: 2 }).points;
  const reps = 2000;
  const loop = (f: () => unknown) => () => {
    for (let k = 0; k < reps; k++) f();
  };
  const oldUs =
    (time(
      loop(() => allPairsLabels(x, n, 3, 1e-2)),
      5,
    ) *
      1000) /
    reps;
  const gridUs =
    (time(
      loop(() => forcedGridLabels(x, n, 1e-2)),
      5,
    ) *
      1000) /
    reps;
  console.log(`| ${n} | ${oldUs.toFixed(2)} | ${gridUs.toFixed(2)} |`);
}
