// A phase diagram in β (Geshkovski, Letrouit, Polyanskiy & Rigollet, "A mathematical perspective on
// Transformers"; borjanG/2023-transformers-rotf, phase-diagrams.py): the fraction of token pairs with
// ⟨x_i, x_j⟩ > 1 − δ (δ = 1e-3, the papers' "clustered" test) over β × t, averaged over seeds,
// for n = 32 tokens uniform on S^{d−1} under softmax self-attention. All (β, seed) systems run
// together in one simulateMany batch (rk45, each system stopping once all its pairs are clustered).
// The curve is the clustering time of the equiangular ODE (the d ≫ n limit, where tokens start
// nearly orthogonal and keep equal pairwise inner products ρ(t)):
//   ρ' = 2 e^{βρ} (1 − ρ)(1 + (n − 1)ρ) / (e^β + (n − 1) e^{βρ}),  ρ(0) = 0,  t*(β): ρ(t*) = 1 − δ,
// which grows like e^β / (2β): the boundary between clustered and not-yet-clustered.
// Run: npm run example phase-diagram [-- --tiny]
import { attention, init, Measure, simulateMany } from '../src/index.js';
import { heatmapChart, report, tiny, writeSvg } from './lib/svg.js';

await init({ threads: 1 });
const small = tiny();
const n = 32,
  d = small ? 32 : 128,
  delta = 1e-3;
const betas = small ? [1, 3, 5] : [0.5, 1, 2, 3, 4, 5, 6, 7, 8, 9];
const seeds = small ? 2 : 6;
const tMin = 0.1,
  tMax = small ? 300 : 2000,
  columns = small ? 12 : 36;
const times = Array.from({ length: columns }, (_, k) => tMin * (tMax / tMin) ** (k / (columns - 1)));

/** Clustering time of the equiangular ODE, by Simpson's rule in u = −log(1 − ρ). */
function equiangularTime(beta: number): number {
  const uEnd = -Math.log(delta),
    steps = 20000,
    h = uEnd / steps;
  const g = (u: number) => {
    const rho = 1 - Math.exp(-u);
    // dt/du = (1 − ρ) / ρ' = (e^{β(1−ρ)} + (n − 1)) / (2 (1 + (n − 1)ρ)), written to stay finite for large β.
    return (Math.exp(beta * (1 - rho)) + (n - 1)) / (2 * (1 + (n - 1) * rho));
  };
  let s = g(0) + g(uEnd);
  for (let k = 1; k < steps; k++) s += (k % 2 ? 4 : 2) * g(k * h);
  return (s * h) / 3;
}

/** True once every pair has ⟨x_i, x_j⟩ > 1 − δ. */
function allClustered(mu: Measure): boolean {
  const x = mu.points;
  for (let i = 0; i < mu.size; i++) {
    for (let j = i + 1; j < mu.size; j++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += x[i * d + c] * x[j * d + c];
      if (s <= 1 - delta) return false;
    }
  }
  return true;
}

const t0 = performance.now();
const values: number[][] = [];
const measuredHalf: number[] = [];
for (const beta of betas) {
  // One batch per β (a flow has one β); the seeds of a row run together.
  const mus = Array.from({ length: seeds }, (_, s) => Measure.uniformSphere(n, d, { seed: 1000 * beta + s + 1 }));
  const runs = simulateMany(attention({ beta }), mus, {
    tEnd: tMax,
    integrator: 'rk45',
    rtol: 1e-6,
    record: { times },
    observe: { clusteredFraction: { delta } },
    stopWhen: { custom: allClustered },
  });
  const row = times.map((t) => {
    let sum = 0;
    for (const run of runs) {
      // A run stopped by allClustered stays clustered (fraction 1) after its stop.
      const T = run.times,
        F = run.observables.clusteredFraction;
      let v = F[F.length - 1];
      for (let k = 0; k < T.length; k++)
        if (Math.abs(T[k] - t) <= 1e-9 * t) {
          v = F[k];
          break;
        }
      if (t > run.finalTime) v = run.stopReason === 'custom' ? 1 : F[F.length - 1];
      sum += v;
    }
    return sum / runs.length;
  });
  values.push(row);
  // Measured boundary: first record where half the pairs (seed-averaged) are clustered, interpolated in log t.
  let half = NaN;
  for (let k = 0; k < row.length; k++) {
    if (row[k] >= 0.5) {
      half =
        k === 0
          ? times[0]
          : Math.exp(Math.log(times[k - 1]) + ((0.5 - row[k - 1]) / (row[k] - row[k - 1])) * Math.log(times[k] / times[k - 1]));
      break;
    }
  }
  measuredHalf.push(half);
}
const theory = betas.map(equiangularTime);
for (let k = 0; k < betas.length; k++)
  console.log(
    `β = ${betas[k]}: equiangular ODE t* = ${theory[k].toPrecision(3)}, measured t(fraction = 1/2) = ${measuredHalf[k].toPrecision(3)}`,
  );
console.log(`${betas.length * seeds} systems in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const ratios = betas.map((_, k) => measuredHalf[k] / theory[k]).filter((r) => Number.isFinite(r));
const sorted = [...ratios].sort((a, b) => a - b);
const median = sorted.length ? sorted[Math.floor(sorted.length / 2)] : NaN;
const last = betas.length - 1;
const note =
  `paper: equiangular (d ≫ n) clustering time t*(β), e.g. t*(${betas[last]}) = ${theory[last].toPrecision(3)}; measured ` +
  `t½(${betas[last]}) = ${measuredHalf[last].toPrecision(3)} (median ratio ${median.toFixed(2)})`;
writeSvg(
  'phase-diagram',
  heatmapChart({
    title: `Phase diagram: clustered fraction of pairs, n = ${n} on S^${d - 1}, ${seeds} seeds`,
    note,
    xLabel: 't (log scale)',
    yLabel: 'β',
    xs: times,
    ys: betas,
    values,
    range: [0, 1],
    valueLabel: `pairs with ⟨xi, xj⟩ > 1 − ${delta}`,
    curves: [{ label: 'equiangular ODE t*(β)', x: theory, y: betas, dashed: true }],
  }),
);
report(
  'phase-diagram',
  `boundary t*(β) of the equiangular ODE: ${betas.map((b, k) => `${b}: ${theory[k].toPrecision(3)}`).join(', ')}`,
  `t(fraction 1/2) ${betas.map((b, k) => `${b}: ${measuredHalf[k].toPrecision(3)}`).join(', ')}; median ratio ${median.toFixed(2)}`,
);
