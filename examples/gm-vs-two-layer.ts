// A Gaussian-mixture layer against a two-layer network (Chewi, Rigollet & Yan, "Gaussian mixture layers
// for neural networks", arXiv 2508.04883: "a GM layer achieves test performance comparable to that of a
// two-layer fully connected network" on simple classification tasks). gmExperiment trains two models
// on two moons and on Gaussian XOR (400 samples, logistic loss, ReLU), tested on 4000 fresh samples:
//   - a GM layer of K = 4 components: Bures–Wasserstein flow of the means and covariances, replicator
//     flow of the weights, expectations by 9 unscented sigma points per component;
//   - a mean-field two-layer network with the same number of parameters (59 → 15 neurons).
// Both use rk45 (rtol 1e-4) with a budget of 3000 steps, and test error is recorded against training
// wall time.
// Run: npm run example gm-vs-two-layer [-- --tiny]
import { gmExperiment, init, type GmExperiment } from '../src/index.js';
import { lineChart, PALETTE, report, tiny, writeSvg } from './lib/svg.js';

await init({ threads: 1 });
const small = tiny();
const tasks = ['moons', 'xor'] as const;
const results: GmExperiment[] = tasks.map((task) =>
  gmExperiment(
    small
      ? { task, components: 3, steps: 60, records: 8, samples: 100, testSamples: 200, seed: 1 }
      : { task, components: 4, steps: 3000, records: 60, samples: 400, testSamples: 4000, seed: 1 },
  ),
);

const last = (a: number[]) => a[a.length - 1];
const pct = (e: number) => `${(100 * e).toFixed(1)}%`;
for (const r of results) {
  for (const [name, c, size] of [
    ['GM layer', r.gm, `K = ${r.components}`],
    ['two-layer', r.twoLayer, `m = ${r.neurons}`],
  ] as const) {
    console.log(
      `${r.task}, ${name} (${size}, ${c.parameters} parameters): test error ${pct(c.testError[0])} → ${pct(last(c.testError))}, ` +
        `train risk ${last(c.trainRisk).toFixed(4)}, t = ${last(c.times).toFixed(0)} in ${c.steps} steps, ${last(c.wallMs).toFixed(0)} ms`,
    );
  }
}

const summary = results.map((r) => `${r.task}: GM ${pct(last(r.gm.testError))} vs two-layer ${pct(last(r.twoLayer.testError))}`).join('; ');
writeSvg(
  'gm-vs-two-layer',
  lineChart({
    title: 'GM layer vs two-layer network of equal parameter count (59 vs 60)',
    note: `paper: comparable test performance; measured ${summary}`,
    xLabel: 'training wall time (ms)',
    yLabel: 'test error',
    logX: true,
    series: results.flatMap((r, k) => [
      { label: `GM layer, ${r.task}`, x: r.gm.wallMs, y: r.gm.testError, color: PALETTE[0], dashed: k === 1, markers: false },
      { label: `two-layer, ${r.task}`, x: r.twoLayer.wallMs, y: r.twoLayer.testError, color: PALETTE[1], dashed: k === 1, markers: false },
    ]),
  }),
);
report('gm-vs-two-layer', 'a GM layer reaches test performance comparable to a two-layer network (simple classification tasks)', summary);
