// The metastability staircase (Geshkovski, Koubbi, Polyanskiy & Rigollet, "Dynamic metastability in
// the self-attention model"; HugoKoubbi/2024-transformers-dotm, staircase-thekingoflimbs.py):
// n = 5 tokens on the circle under unnormalised attention (USA), θ0 = 0.5·(0, 0.5, 2, 4, 7)·log β/√β.
// Each merge takes exponentially longer, so the run uses the arc-length clock (log t stays
// representable past 1e308) and collapses tokens that meet, to the last merge.
// The energy (1/n²) Σ_ij e^{β(cos(θ_i − θ_j) − 1)} sits on plateaus Σ_c (n_c/n)²: 0.28, 0.44, 0.52, then 1
// (after the merges {0,1}, {0,1,2}, {3,4}, all).
// Run: npm run example staircase [-- --tiny]
import { circle, init, Measure, simulate, type Trajectory } from '../src/index.js';
import { lineChart, report, stack, tiny, writeSvg, type Series } from './lib/svg.js';

await init({ threads: 1 });
const n = 5;
const betas = tiny() ? [500] : [500, 1000, 2000, 4000];
/** Σ_c (n_c / n)² for the papers' merge order {0,1}, {0,1,2}, {3,4}, all. */
const expected = [(1 + 1 + 1 + 1 + 1) / 25, (4 + 1 + 1 + 1) / 25, (9 + 1 + 1) / 25, (9 + 4) / 25, 1];

const softEnergy = (beta: number) => (mu: Measure) => {
  let e = 0;
  for (let i = 0; i < mu.size; i++)
    for (let j = 0; j < mu.size; j++) e += mu.weights[i] * mu.weights[j] * Math.exp(beta * (Math.cos(mu.points[i] - mu.points[j]) - 1));
  return e;
};

const energySeries: Series[] = [],
  countSeries: Series[] = [];
const plateauRows: number[][] = [];
for (const beta of betas) {
  const unit = Math.log(beta) / Math.sqrt(beta);
  const theta0 = Float64Array.from([0, 0.5, 2, 4, 7], (c) => 0.5 * c * unit);
  const run: Trajectory = simulate(circle({ beta, normalization: 'none' }), new Measure(theta0, { dim: 1, space: 'circle' }), {
    logTEnd: 2 * beta,
    clock: 'arclength',
    collapse: { tol: 1e-7 },
    rtol: 1e-10,
    atol: 1e-13,
    record: { every: 1 },
    observe: { custom: { softEnergy: softEnergy(beta) } },
    stopWhen: { custom: (mu) => mu.size === 1 },
  });
  const L = run.logTimes!,
    E = run.observables.softEnergy;
  // Plateau energies: the recorded energy at the midpoint (in log t) between consecutive merges, then the final one.
  const bounds = [L[1], ...run.collapses.map((m) => m.logT)];
  const plateaus = bounds.slice(0, -1).map((a, k) => {
    const mid = (a + bounds[k + 1]) / 2;
    let best = 1;
    for (let i = 1; i < L.length; i++) if (Math.abs(L[i] - mid) < Math.abs(L[best] - mid)) best = i;
    return E[best];
  });
  plateaus.push(E[E.length - 1]);
  plateauRows.push(plateaus);
  // The staircase on the papers' axis log(e^β t) (time in units where the weights are e^{β(cos − 1)}):
  // each plateau's measured energy and particle count, with the jumps at the measured merge times.
  const merges = run.collapses.map((m) => m.logT + beta);
  const before = (k: number) => (k === 0 ? n : run.collapses[k - 1].remaining); // particles before merge k
  const x: number[] = [L[1] + beta],
    y: number[] = [plateaus[0]],
    c: number[] = [n];
  merges.forEach((m, k) => {
    x.push(m, m);
    y.push(plateaus[k], plateaus[k + 1]);
    c.push(before(k), run.collapses[k].remaining);
  });
  x.push(merges[merges.length - 1] * 1.12);
  y.push(plateaus[plateaus.length - 1]);
  c.push(1);
  energySeries.push({ label: `β = ${beta}`, x, y, markers: false });
  countSeries.push({ label: `β = ${beta}`, x, y: c, markers: false });
  console.log(
    `β = ${beta}: merges at log(e^β t) = ${run.collapses.map((m) => (m.logT + beta).toFixed(2)).join(', ')}; plateau energies ` +
      `${plateaus.map((e) => e.toFixed(4)).join(', ')} (${run.steps} rk45 steps)`,
  );
}

// The plateau levels Σ_c (n_c/n)² as dashed references.
const xmin = Math.min(...energySeries.map((s) => s.x[0])),
  xmax = Math.max(...energySeries.map((s) => s.x[s.x.length - 1]));
const levels: Series[] = expected.slice(1).map((e, k) => ({
  label: k === 0 ? 'Σ (n_c/n)²' : '',
  x: [xmin, xmax],
  y: [e, e],
  dashed: true,
  color: '#888',
  width: 1.2,
  markers: false,
}));
// The first plateau (5 separate tokens) sits a little above 0.2; the later ones are Σ_c (n_c/n)².
const worst = Math.max(...plateauRows.flatMap((p) => p.slice(1).map((e, k) => Math.abs(e - expected[k + 1]))));
const measured = plateauRows[plateauRows.length - 1]
  .slice(1)
  .map((e) => e.toFixed(3))
  .join(', ');
const note = `paper: plateaus Σ_c (n_c/n)² = 0.28, 0.44, 0.52, 1; measured (β = ${betas[betas.length - 1]}): ${measured}`;
const svg = stack([
  lineChart({
    title: 'Metastability staircase: 5 tokens on the circle (USA), to the last merge',
    note,
    xLabel: 'log(e^β t)',
    yLabel: '(1/n²) Σ e^{β(cos(θi−θj)−1)}',
    series: [...energySeries, ...levels],
    yRange: [0, 1.05],
  }),
  lineChart({
    title: 'Particles left (tokens collapse when they meet)',
    xLabel: 'log(e^β t)',
    yLabel: 'particles',
    series: countSeries,
    yRange: [0.5, 5.5],
  }),
]);
writeSvg('staircase', svg);
report(
  'staircase',
  'plateau energies 0.28, 0.44, 0.52, 1 (Σ_c (n_c/n)² after merges {0,1}, {0,1,2}, {3,4}, all)',
  `${measured} at β = ${betas[betas.length - 1]} (max deviation ${worst.toExponential(1)} over β = ${betas.join(', ')})`,
);
