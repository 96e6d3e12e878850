// Synchronisation against negative β on the circle: dθ_i/dt = (1/n) sum_j h(θ_j − θ_i) with attention's
// interaction h(θ) = e^{β cos θ} sin θ, i.e. circle({ interaction: h }) (equal to circle({ beta,
// normalization: 'none' })). Polyanskiy, Rigollet & Yao ("Synchronization of mean-field models on the
// circle", arXiv 2507.22857) prove global synchronisation for β ≥ −0.16 through a criterion on ‖h‴‖_{L1},
// and its failure for β < −2/3. We evaluate ‖h‴‖_{L1} and our own criterion (circleSyncCriterion,
// derived in docs/normalization.md) at β = −0.16 and β = −2/3, find where it stops certifying, and run
// random starts on both sides: at β < −2/3 three particles can lock into an equilateral triangle
// (h'(2π/3) = e^{−β/2}(−1/2 − 3β/4) ≥ 0 exactly when β ≤ −2/3), so synchronisation is not global.
// Run: npm run example circle-sync [-- --tiny]
import { circle, circleSyncCriterion, hTripleDerivativeL1, init, Measure, simulateMany, type Trajectory } from '../src/index.js';
import { lineChart, report, stack, tiny, writeSvg, type Series } from './lib/svg.js';

await init({ threads: 1 });
const small = tiny();
const h = (beta: number) => (t: number) => Math.exp(beta * Math.cos(t)) * Math.sin(t);
const betas = [-0.16, -2 / 3, -1];
const label = (b: number) => (b === -2 / 3 ? '−2/3' : String(b).replace('-', '−'));
const neg = (v: number, digits: number) => v.toFixed(digits).replace('-', '−');
const sizes = small ? [3, 12] : [3, 32];
const seeds = small ? 6 : 48;
const tEnd = small ? 200 : 2000;
const syncTol = 1e-6;

// 1. The criteria at the two β of the paper, and where ours stops certifying (bisection in β).
const crit = betas.map((b) => circleSyncCriterion(h(b)));
betas.forEach((b, k) => {
  const c = crit[k];
  console.log(
    `β = ${label(b)}: ‖h‴‖₁ = ${c.tripleL1.toFixed(4)}, ‖h‴ + h′‖₁ = ${c.residualL1.toFixed(4)}, b₁ = ${c.b1.toFixed(4)}, h′(0) = ` +
      `${c.hPrime0.toFixed(4)}, ` +
      `S = Σ_{k≥2} k|b_k| = ${c.S.toFixed(4)}: certified ${c.synchronizes} (Fourier form), ${c.synchronizesL1} (L1 form)`,
  );
});
const threshold = (key: 'synchronizes' | 'synchronizesL1') => {
  let lo = -1,
    hi = 0; // certified at hi (β = 0 is Kuramoto-like), not at lo
  for (let it = 0; it < 40; it++) {
    const mid = 0.5 * (lo + hi);
    if (circleSyncCriterion(h(mid))[key]) hi = mid;
    else lo = mid;
  }
  return hi;
};
const betaF = threshold('synchronizes'),
  betaL = threshold('synchronizesL1');
console.log(
  `our criterion certifies β ≥ ${neg(betaF, 4)} (Fourier form), β ≥ ${neg(betaL, 4)} (L1 form through ‖h‴ + h′‖₁); the paper's: β ≥ −0.16`,
);
console.log(`‖h‴‖₁ at β = 0 (Kuramoto): ${hTripleDerivativeL1(Math.sin).toFixed(12)} (exact: 4)`);

// 2. Random starts on both sides: order parameter r = |Σ a_j e^{iθ_j}| against t, and the synchronised fraction.
const times: number[] = [];
const orderSeries: Series[] = [];
const fracSeries: Series[] = [];
const measured: string[] = [];
let colour = 0;
for (const n of sizes) {
  for (const beta of betas) {
    const starts = Array.from({ length: seeds }, (_, s) => Measure.uniformCircle(n, { seed: 1000 * n + s + 1 }));
    const runs: Trajectory[] = simulateMany(circle({ interaction: h(beta) }), starts, {
      tEnd,
      rtol: 1e-9,
      atol: 1e-12,
      record: { logSpaced: { count: 80, from: 0.01 } },
      observe: { meanInnerProduct: true },
    });
    const t = Array.from(runs[0].times).slice(1);
    if (times.length === 0) times.push(...t);
    const r = runs.map((run) => Array.from(run.observables.meanInnerProduct).slice(1).map(Math.sqrt));
    const meanR = t.map((_, k) => r.reduce((s, rr) => s + rr[k], 0) / r.length);
    const frac = t.map((_, k) => r.filter((rr) => rr[k] > 1 - syncTol).length / r.length);
    const finalR = r.map((rr) => rr[rr.length - 1]);
    const synced = finalR.filter((v) => v > 1 - syncTol).length;
    const stuck = finalR.filter((v) => v < 1e-6).length; // r = 0: a balanced state (the triangle for n = 3)
    const line =
      `n = ${n}, β = ${label(beta)}: ${synced}/${seeds} synchronised by t = ${tEnd}` +
      (stuck > 0 ? `, ${stuck} locked in a balanced state (r < 1e-6)` : '') +
      (synced + stuck < seeds
        ? `, ${seeds - synced - stuck} still moving (r from ${Math.min(...finalR.filter((v) => v <= 1 - syncTol && v >= 1e-6)).toFixed(3)})`
        : '');
    console.log(line);
    measured.push(`n=${n} β=${label(beta)}: ${synced}/${seeds}`);
    const color = ['#0072B2', '#D55E00', '#009E73'][colour % 3];
    orderSeries.push({ label: `n = ${n}, β = ${label(beta)}`, x: t, y: meanR, dashed: n !== sizes[0], markers: false, color });
    fracSeries.push({ label: `n = ${n}, β = ${label(beta)}`, x: t, y: frac, dashed: n !== sizes[0], markers: false, color });
    colour++;
  }
}

const c0 = crit[0],
  c1 = crit[1];
const note =
  `paper: sync for β ≥ −0.16 (‖h‴‖₁ criterion), none for β < −2/3; ours certifies β ≥ ${neg(betaF, 3)}; ‖h‴‖₁ = ` +
  `${c0.tripleL1.toFixed(3)} (β = −0.16), ${c1.tripleL1.toFixed(3)} (β = −2/3)`;
writeSvg(
  'circle-sync',
  stack([
    lineChart({
      title: `Attention on the circle, h(θ) = e^{β cos θ} sin θ: order parameter, mean of ${seeds} random starts`,
      note,
      xLabel: 't',
      yLabel: 'mean r(t) = |Σ a_j e^{iθ_j}|',
      logX: true,
      yRange: [0, 1],
      series: orderSeries,
    }),
    lineChart({
      title: `Fraction of runs synchronised (r > 1 − 10⁻⁶); solid n = ${sizes[0]}, dashed n = ${sizes[1]}`,
      xLabel: 't',
      yLabel: 'synchronised fraction',
      logX: true,
      yRange: [0, 1],
      series: fracSeries,
    }),
  ]),
);
report(
  'circle-sync',
  'global synchronisation for β ≥ −0.16 (criterion on ‖h‴‖_{L1}); none for β < −2/3',
  `criterion (ours) certifies β ≥ ${neg(betaF, 3)} (Fourier form) / ${neg(betaL, 3)} (L1 form): β = −0.16 ` +
    `${c0.synchronizes ? 'certified' : 'not certified'}, β = −2/3 ${c1.synchronizes ? 'certified' : 'not certified'}; ` +
    `‖h‴‖₁ = ${c0.tripleL1.toFixed(4)} / ${c1.tripleL1.toFixed(4)}; random starts synchronised: ${measured.join(', ')}`,
);
