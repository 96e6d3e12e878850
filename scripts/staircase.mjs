// The staircase of HugoKoubbi/2024-transformers-dotm (staircase-thekingoflimbs.py): n = 5 tokens on
// the circle under unnormalised self-attention (USA), θ0 = 0.5 (0, 0.5, 2, 4, 7) log β / √β, for
// β = 500 ... 4000. Each merge takes exponentially longer (log t grows like β D²), so the run uses the
// arc-length clock (log t stays representable past 1e308) and collapses tokens that meet.
// Prints, per β, the merge order, log t of each merge and the normalised energy of each plateau,
// (1/n²) Σ_ij e^{β (cos(θ_i − θ_j) − 1)}: the papers' axis, which tends to Σ_c (n_c / n)² on a plateau.
// Run: npm run build:lib && node scripts/staircase.mjs
import { init, Measure, simulate, circle } from '../dist/index.js';

await init();
/** (1/n²) Σ_ij e^{β(cos(θ_i − θ_j) − 1)} on the current (possibly merged) particles. */
const softEnergy = (beta) => (mu) => {
  let e = 0;
  for (let i = 0; i < mu.size; i++)
    for (let j = 0; j < mu.size; j++) e += mu.weights[i] * mu.weights[j] * Math.exp(beta * (Math.cos(mu.points[i] - mu.points[j]) - 1));
  return e;
};
const rows = [];
for (const beta of [500, 1000, 1500, 2000, 3000, 4000]) {
  const unit = Math.log(beta) / Math.sqrt(beta);
  const theta0 = Float64Array.from([0, 0.5, 2, 4, 7], (c) => 0.5 * c * unit);
  const t0 = performance.now();
  const run = simulate(circle({ beta, normalization: 'none' }), new Measure(theta0, { dim: 1, space: 'circle' }), {
    logTEnd: 2 * beta,
    clock: 'arclength',
    collapse: { tol: 1e-7 },
    rtol: 1e-10,
    atol: 1e-13,
    record: { every: 1 },
    observe: { custom: { softEnergy: softEnergy(beta) } },
    stopWhen: { custom: (mu) => mu.size === 1 },
  });
  const ms = performance.now() - t0;
  // Plateau energies: the recorded energy at the midpoint (in log t) between consecutive merges.
  const E = run.observables.softEnergy,
    L = run.logTimes;
  const bounds = [L[1], ...run.collapses.map((c) => c.logT)];
  const plateauEnergy = bounds.slice(0, -1).map((a, k) => {
    const mid = (a + bounds[k + 1]) / 2;
    let best = 1;
    for (let i = 1; i < L.length; i++) if (Math.abs(L[i] - mid) < Math.abs(L[best] - mid)) best = i;
    return E[best];
  });
  rows.push({
    beta,
    ms,
    steps: run.steps,
    merges: run.collapses.map((c) => ({ logT: c.logT, particles: c.particles })),
    plateauEnergy,
    final: E[E.length - 1],
  });
}
console.log('Merge times as log(e^β t): the time in units where the attention weights are e^{β(cos − 1)}, as in the papers.');
console.log('Plateau energies between merges; on a plateau they tend to Σ_c (n_c/n)²: 0.28, 0.44, 0.52 for this merge order, then 1.\n');
console.log('| β | merges in order: tokens (log(e^β t)) | plateau energies (1/n²) Σ e^{β(cos−1)} | rk45 steps | wall time |');
console.log('|---|---|---|---|---|');
for (const r of rows) {
  const merges = r.merges.map((m) => `{${m.particles.join(',')}} (${(m.logT + r.beta).toFixed(2)})`).join(' → ');
  const energies = [...r.plateauEnergy, r.final].map((e) => e.toFixed(4)).join(', ');
  console.log(`| ${r.beta} | ${merges} | ${energies} | ${r.steps} | ${r.ms.toFixed(0)} ms |`);
}
