// O(1/m) error scaling of two-layer networks (Rotskoff & Vanden-Eijnden, "Trainability and accuracy of
// neural networks: an interacting particle system approach", 2018; Mei, Montanari & Nguyen 2018): a
// student of m neurons trained by the mean-field gradient flow to long times has test error
// ≈ C/m against a target only a continuum of neurons represents (here a teacher of 1000 ReLU neurons).
// particleScaling trains students of m = 4 … 32 particles (3 initialisations each, rk45 to t = 200)
// on 1000 samples in d = 10 and reports the test risk and its log-log slope against m.
// Run: npm run example two-layer-scaling [-- --tiny]
import { init, particleScaling } from '../src/index.js';
import { lineChart, report, tiny, writeSvg } from './lib/svg.js';

await init({ threads: 1 });
const t0 = performance.now();
const r = tiny()
  ? particleScaling({ seed: 1, dim: 5, counts: [2, 4, 8], samples: 100, testSamples: 200, teacherNeurons: 50, tEnd: 20, repeats: 1 })
  : particleScaling({ seed: 1 });
r.counts.forEach((m, k) =>
  console.log(`m = ${m}: test risk ${r.testRisk[k].toExponential(3)}, train risk ${r.trainRisk[k].toExponential(3)}`),
);
console.log(`slope ${r.slope.toFixed(3)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);

// The reference C/m through the geometric mean of the measured risks.
const logC = r.counts.reduce((a, m, k) => a + Math.log(r.testRisk[k] * m), 0) / r.counts.length;
const note = `paper: test error ∝ 1/m (log-log slope −1); measured slope ${r.slope.toFixed(2)}`;
writeSvg(
  'two-layer-scaling',
  lineChart({
    title: 'Two-layer network, mean-field training: test risk against the number of neurons m',
    note,
    xLabel: 'neurons m',
    yLabel: 'risk ½(f − y)²',
    logX: true,
    logY: true,
    series: [
      { label: 'test risk', x: r.counts, y: r.testRisk },
      { label: 'train risk', x: r.counts, y: r.trainRisk },
      { label: 'C / m', x: r.counts, y: r.counts.map((m) => Math.exp(logC) / m), dashed: true, markers: false },
    ],
  }),
);
report('two-layer-scaling', 'test error O(1/m): log-log slope −1', `slope ${r.slope.toFixed(3)} over m = ${r.counts.join(', ')}`);
