// Number of modes of a Gaussian kernel density estimate against β (Geshkovski, Rigollet & Sun, "On the
// number of modes of Gaussian kernel density estimators", arXiv 2412.09080): for n iid N(0, 1) samples
// and bandwidth β^{-1/2}, the expected number of modes on the real line is Θ(√(β log β)) when
// n^c ≲ β ≲ n^{2−c}. These modes are the clusters that self-attention first forms at temperature 1/β.
// kdeModes counts the modes of Σ_j e^{β' cos(θ − θ_j)} on the circle in one kernel pass; with
// θ_j = s·x_j (s = 0.5, so the samples stay well inside (−π, π)) and β' = β / s², the kernel is
// e^{β'} e^{−β (x − x_j)² / 2} up to a relative error β'Δθ⁴/24, negligible at the bandwidth scale.
// The theorem is asymptotic in n and β together (n^c ≲ β ≲ n^{2−c}); at a fixed n the count bends
// down as β approaches n² (every sample becomes its own mode only in the tails). So the sweep keeps
// β = n: n = 250 … 8000 samples with β = n, where √(β log β) predicts a constant modes / √(β log β)
// while modes / √β keeps growing like √(log β).
// Run: npm run example kde-modes [-- --tiny]
import { init, kdeModes, logLogSlope, Random } from '../src/index.js';
import { lineChart, report, tiny, writeSvg } from './lib/svg.js';

await init({ threads: 1 });
const small = tiny();
const s = 0.5;
const seeds = small ? [1] : [1, 2, 3];
const sizes = small ? [100, 200, 400, 800] : [250, 500, 1000, 2000, 4000, 8000];
const betas = sizes.map((n) => n); // β = n

const modes = betas.map(() => 0);
for (const seed of seeds) {
  const rng = new Random(seed);
  sizes.forEach((n, k) => {
    const theta = Float64Array.from({ length: n }, () => s * rng.normal());
    modes[k] += kdeModes(theta, { beta: betas[k] / (s * s) }) / seeds.length;
  });
}
betas.forEach((b, k) =>
  console.log(
    `n = β = ${b}: ${modes[k].toFixed(2)} modes (mean of ${seeds.length}), modes / √(β log β) = ` +
      `${(modes[k] / Math.sqrt(b * Math.log(b))).toFixed(3)}, modes / √β = ${(modes[k] / Math.sqrt(b)).toFixed(3)}`,
  ),
);

// Least-squares constants in log space for C √(β log β) and C' √β, and the rms of their log residuals.
const fit = (g: (b: number) => number) => {
  const logs = betas.map((b, k) => Math.log(modes[k] / g(b)));
  const c = Math.exp(logs.reduce((a, v) => a + v, 0) / logs.length);
  const rms = Math.sqrt(betas.reduce((a, b, k) => a + Math.log(modes[k] / (c * g(b))) ** 2, 0) / betas.length);
  return { c, rms };
};
const withLog = fit((b) => Math.sqrt(b * Math.log(b)));
const plain = fit((b) => Math.sqrt(b));
const slope = logLogSlope(betas, modes);
const ratio = betas.map((b, k) => modes[k] / Math.sqrt(b * Math.log(b)));

const note =
  `paper: E[modes] = Θ(√(β log β)); measured (β = n): modes / √(β log β) = ` +
  `${Math.min(...ratio).toFixed(2)}…${Math.max(...ratio).toFixed(2)} for β = ${betas[0]}…${betas[betas.length - 1]}`;
writeSvg(
  'kde-modes',
  lineChart({
    title: 'Modes of a Gaussian KDE of n N(0,1) samples, bandwidth β^-1/2, β = n',
    note,
    xLabel: 'β (= n)',
    yLabel: 'number of modes',
    logX: true,
    logY: true,
    series: [
      { label: `measured (mean of ${seeds.length})`, x: betas, y: modes },
      {
        label: `${withLog.c.toFixed(3)} √(β log β)`,
        x: betas,
        y: betas.map((b) => withLog.c * Math.sqrt(b * Math.log(b))),
        dashed: true,
        markers: false,
      },
      { label: `${plain.c.toFixed(3)} √β`, x: betas, y: betas.map((b) => plain.c * Math.sqrt(b)), dashed: true, markers: false },
    ],
  }),
);
report(
  'kde-modes',
  'modes = Θ(√(β log β)) for n^c ≲ β ≲ n^(2−c)',
  `modes / √(β log β) = ${ratio.map((r) => r.toFixed(3)).join(', ')} at β = n = ${betas.join(', ')}; log-log slope ${slope.toFixed(3)}; ` +
    `rms log residual ${withLog.rms.toFixed(3)} for C√(β log β) vs ${plain.rms.toFixed(3)} for C√β`,
);
