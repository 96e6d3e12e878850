// The clusters self-attention first forms at temperature 1/β are the modes of the kernel density estimate of the
// tokens at bandwidth β^{-1/2} (Geshkovski, Rigollet & Sun, arXiv 2412.09080); here with n = 2·10⁵ tokens, where the
// continuum prediction is sharp.
// Uniform tokens on the circle: the density is flat and the KDE (1/n) Σ_j e^{β cos(θ − θ_j)} is the flat mean
//   plus a stationary Gaussian field (n → ∞ at fixed β) with covariance ∝ e^{−β u²/4} at large β (the kernel convolved
//   with itself). Rice's formula counts its local maxima: (1/2π)√(λ₄/λ₂) per radian with λ₂ = β/2, λ₄ = 3(β/2)², so
//   √(3β/2) on the whole circle. No free constant.
// Beside it, the constant C of C√β fitted to the counts (least squares in log space), to compare with Rice's √1.5.
// (N(0, 1) samples at a fixed n do not show their Θ(√(β log β)) over this range: that law needs n^c ≲ β, and at
// n = 2·10⁵ the count went from 1 mode at β = 100 to 158 at 10⁴; the kde-modes figure follows it with β = n.)
// kdeModes costs one kernel pass of n tokens against max(4096, 256√β) grid points: 2·10⁵ tokens take seconds per β
// (10⁶ took over 25 minutes on 2 cores shared with other jobs, so the default stays at 2·10⁵).
// Run: npm run example large-n-clusters [-- --tiny]   (about a minute on 2 threads at the default size)
import { init, kdeModes, Measure } from '../src/index.js';
import { lineChart, report, tiny, writeSvg } from './lib/svg.js';

await init({ threads: 2 });
const small = tiny();
const n = small ? 20_000 : 200_000;
const betas = small ? [100, 1000] : [100, 300, 1000, 3000, 10000];
const t0 = performance.now();

const uniform = Measure.uniformCircle(n, { seed: 1 }).points;
const uniformModes = betas.map((beta) => kdeModes(uniform, { beta }));
const seconds = (performance.now() - t0) / 1000;

const rice = (beta: number) => Math.sqrt(1.5 * beta);
// C for C √β: the mean log ratio (least squares in log space).
const c = Math.exp(betas.reduce((a, b, k) => a + Math.log(uniformModes[k] / Math.sqrt(b)), 0) / betas.length);
const rms = (measured: number[], predict: (b: number) => number) =>
  Math.sqrt(betas.reduce((a, b, k) => a + Math.log(measured[k] / predict(b)) ** 2, 0) / betas.length);
const uniformRatio = betas.map((b, k) => uniformModes[k] / rice(b));
betas.forEach((b, k) =>
  console.log(
    `β = ${b}: uniform on the circle ${uniformModes[k]} modes (Rice √(3β/2) = ${rice(b).toFixed(1)}, ratio ` +
      `${uniformRatio[k].toFixed(3)}; fitted ${c.toFixed(3)} √β = ${(c * Math.sqrt(b)).toFixed(1)})`,
  ),
);
console.log(`${n} tokens, ${betas.length} β, ${seconds.toFixed(1)} s`);

const fine = Array.from({ length: 41 }, (_, k) => betas[0] * (betas[betas.length - 1] / betas[0]) ** (k / 40));
writeSvg(
  'large-n-clusters',
  lineChart({
    title: `First clusters of n = ${n.toLocaleString('en-US')} tokens: modes of the KDE at bandwidth β^-1/2`,
    note: `uniform tokens on the circle; Rice: no free constant (√1.5 = 1.225); fitted C = ${c.toFixed(3)}; ${seconds.toFixed(0)} s`,
    xLabel: 'β',
    yLabel: 'number of modes (clusters)',
    logX: true,
    logY: true,
    series: [
      { label: 'measured (modes of the KDE)', x: betas, y: uniformModes, markers: true },
      { label: "Rice's formula, √(3β/2)", x: fine, y: fine.map(rice), dashed: true, markers: false },
      { label: `fitted: ${c.toFixed(3)} √β`, x: fine, y: fine.map((b) => c * Math.sqrt(b)), dashed: true, markers: false },
    ],
  }),
);
report(
  'large-n-clusters',
  `√(3β/2) modes for uniform tokens on the circle (the KDE's noise field, Rice's formula, n → ∞)`,
  `n = ${n}: modes / √(3β/2) = ${uniformRatio.map((r) => r.toFixed(3)).join(', ')} at β = ${betas.join(', ')} ` +
    `(rms log residual ${rms(uniformModes, rice).toFixed(3)}); fitted C√β: C = ${c.toFixed(3)} against √1.5 = 1.225; ` +
    `${seconds.toFixed(1)} s`,
);
