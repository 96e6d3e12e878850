// Hopfield capacity. Top: the modern (continuous) Hopfield network of Ramsauer et al., "Hopfield
// networks is all you need" (2021), whose capacity grows exponentially in d: K patterns uniform on
// S^15 (d = 16), queries with 20% noise, one update ξ ← X softmax(β Xᵀ ξ), success when within 0.1 of
// the stored pattern (hopfieldCapacity). Bottom: dense associative memories of Krotov & Hopfield
// (2016) on ±1 patterns, d = 64, 10% of the bits flipped, exact recovery by asynchronous updates
// (denseCapacity): F(x) = x² is the classical network (capacity ≈ d / (2 ln d) for exact recall),
// F(x) = x³ stores ≈ d² / (6 ln d).
// Run: npm run example hopfield-capacity [-- --tiny]
import { denseCapacity, hopfieldCapacity, init } from '../src/index.js';
import { lineChart, report, stack, tiny, writeSvg, type Series } from './lib/svg.js';

await init({ threads: 1 });
const small = tiny();
const d = 16,
  dDense = small ? 32 : 64;
const counts = small ? [4, 16, 64, 256] : [4, 16, 64, 256, 1024, 4096];
const betas = small ? [8, 32] : [8, 12, 16, 32];
const modern: Series[] = [];
const largestAll: Record<number, number> = {};
for (const beta of betas) {
  const r = hopfieldCapacity({ dim: d, counts, beta, seed: 1, queries: small ? 20 : 100 });
  modern.push({ label: `β = ${beta}`, x: counts, y: r.fraction });
  largestAll[beta] = Math.max(0, ...counts.filter((_, k) => r.fraction[k] >= 1));
  console.log(`modern, β = ${beta}: ${r.fraction.map((f, k) => `K=${counts[k]}: ${f.toFixed(2)}`).join(', ')}`);
}
const classical = 0.138 * d;
modern.push({ label: '0.138 d (classical)', x: [classical, classical], y: [0, 1], dashed: true, color: '#888', markers: false });

// Dense memories: exact-recovery fraction against K for F = x² and x³.
const theory = { 2: dDense / (2 * Math.log(dDense)), 3: dDense ** 2 / (6 * Math.log(dDense)) } as const;
const denseCounts = {
  2: small ? [2, 4, 8, 16] : [2, 4, 6, 8, 12, 16, 24, 32],
  3: small ? [16, 64] : [32, 64, 128, 192, 256, 384, 512],
} as const;
const dense: Series[] = [];
const half: Record<number, number> = {};
for (const p of [2, 3] as const) {
  const r = denseCapacity({
    dim: dDense,
    counts: [...denseCounts[p]],
    separation: { kind: 'power', p },
    seed: 1,
    trials: small ? 1 : 4,
    queries: 16,
    sweeps: 20,
  });
  dense.push({ label: `F = x^${p}`, x: r.counts, y: r.fraction });
  dense.push({
    label: '',
    x: [theory[p], theory[p]],
    y: [0, 1],
    dashed: true,
    color: p === 2 ? '#0072B2' : '#D55E00',
    width: 1.2,
    markers: false,
  });
  // Largest K (interpolated in log K) where at least half the queries are recovered exactly.
  let h = NaN;
  for (let k = 1; k < r.counts.length; k++) {
    if (r.fraction[k - 1] >= 0.5 && r.fraction[k] < 0.5) {
      h = Math.exp(
        Math.log(r.counts[k - 1]) +
          ((r.fraction[k - 1] - 0.5) / (r.fraction[k - 1] - r.fraction[k])) * Math.log(r.counts[k] / r.counts[k - 1]),
      );
      break;
    }
  }
  if (Number.isNaN(h) && r.fraction.every((f) => f >= 0.5)) h = r.counts[r.counts.length - 1];
  half[p] = h;
  console.log(
    `dense F = x^${p}, d = ${dDense}: ${r.fraction.map((f, k) => `K=${r.counts[k]}: ${f.toFixed(2)}`).join(', ')}; theory ` +
      `${theory[p].toFixed(1)}`,
  );
}
dense.push({ label: 'theory (dashed)', x: [], y: [], dashed: true, color: '#888' });

const top = betas[betas.length - 1];
const note =
  `paper: classical 0.138 d = ${classical.toFixed(1)} patterns, modern exponential in d; measured: β = ${top} retrieves all K ` +
  `≤ ${largestAll[top]} (${(largestAll[top] / d).toFixed(0)} d)`;
writeSvg(
  'hopfield-capacity',
  stack([
    lineChart({
      title: `Modern Hopfield network, d = ${d}: fraction retrieved in one step (20% noise)`,
      note,
      xLabel: 'stored patterns K',
      yLabel: 'fraction retrieved',
      logX: true,
      series: modern,
      yRange: [-0.03, 1.03],
    }),
    lineChart({
      title: `Dense associative memory, d = ${dDense}, 10% flips: exact recovery`,
      note:
        `theory: d/(2 ln d) = ${theory[2].toFixed(1)} (x²), d²/(6 ln d) = ${theory[3].toFixed(0)} (x³); measured 50% points: ` +
        `${half[2].toFixed(1)}, ${half[3].toFixed(0)}`,
      xLabel: 'stored patterns K',
      yLabel: 'fraction recovered exactly',
      logX: true,
      series: dense,
      yRange: [-0.03, 1.03],
    }),
  ]),
);
report(
  'hopfield-capacity',
  `classical ≈ 0.138 d = ${classical.toFixed(1)} at d = ${d}; exact-recall d/(2 ln d) = ${theory[2].toFixed(1)} (x²), d²/(6 ln d) = ` +
    `${theory[3].toFixed(0)} (x³) at d = ${dDense}`,
  `modern β = ${top}: all K ≤ ${largestAll[top]} retrieved; β = ${betas[0]}: all K ≤ ${largestAll[betas[0]]}; dense 50% points ` +
    `${half[2].toFixed(1)} (x²), ${half[3].toFixed(0)} (x³)`,
);
