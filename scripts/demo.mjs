// The main job until the flows land: log-sum-exp on random points with both backends,
// their agreement and the measured speed-up of the Wasm core over pure JS.
import { init, logSumExp, softmaxMean, Measure } from '../dist/index.js';

const info = await init();
console.log(`meanfield core loaded: backend ${info.backend}, SIMD ${info.simd}`);
const n = 2048;
const mu = Measure.uniformSphere(n, 3, { seed: 1 });
const time = (f) => { const t0 = performance.now(); const r = f(); return [r, performance.now() - t0]; };
const beta = 4;
const [js, tJs] = time(() => softmaxMean(mu, mu, mu, { beta, backend: 'js' }));
for (const precision of ['f64', 'f32']) {
  softmaxMean(mu, mu, mu, { beta, precision }); // warm-up
  let best = Infinity, out;
  for (let r = 0; r < 5; r++) { const [o, t] = time(() => softmaxMean(mu, mu, mu, { beta, precision })); out = o; best = Math.min(best, t); }
  let err = 0;
  for (let i = 0; i < n; i++) err = Math.max(err, Math.abs(out.lse[i] - js.lse[i]));
  console.log(`wasm ${precision}: ${(best * 1e6 / n / n).toFixed(2)} ns/pair, ${(tJs / best).toFixed(1)}x faster than JS ` +
    `(${(tJs * 1e6 / n / n).toFixed(1)} ns/pair); max |lse - lse_js| = ${err.toExponential(1)}`);
}
const lse = logSumExp(mu, mu, { beta });
console.log(`lse_i = log sum_j a_j exp(${beta} <x_i, x_j>) for ${n} points on S^2: first ${Array.from(lse.slice(0, 3), (v) => v.toFixed(6)).join(', ')}`);
