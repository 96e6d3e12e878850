// Oversmoothing in deep graph networks with and without residual connections (Chen, Lin, Chen,
// Polyanskiy & Rigollet, "Residual connections provably mitigate oversmoothing in graph neural
// networks", arXiv 2501.00762). Layers x^{k+1} = sigma(A x^k W_k), or x^k + sigma(A x^k W_k) with a
// residual connection (sigma = relu, then tanh), A the row-normalised adjacency (with self loops) of
// the circulant graph i ~ i ± 1, i ± 7 on 64 nodes, W_k random 16 x 16 with entries of variance 1/d (Gaussian, uniform,
// Haar orthogonal). The normalised vertex similarity mu(X) = ‖X − 1 x̄ᵀ‖_F / ‖X‖_F against depth.
// The paper: without residual mu decays exponentially at the rate |λ₂(A)| per layer (whatever the
// weight law); residual connections slow the decay or prevent it. Measured here: relu decays about 3x
// more slowly with the residual; with tanh the branch stays bounded while x^k grows, each layer moves
// x^k by a shrinking fraction, and mu levels off near its start (rate ≈ 0).
// Run: npm run example oversmoothing [-- --tiny]
import { oversmoothing, type CsrGraph, type WeightLaw } from '../src/index.js';
import { lineChart, report, stack, tiny, writeSvg, type Series } from './lib/svg.js';

const small = tiny();
const n = small ? 24 : 64,
  offsets = [1, 7],
  dim = small ? 8 : 16,
  depth = small ? 40 : 200;

// The circulant graph in CSR form, and its spectrum in closed form: λ_k = (1 + 2 Σ_s cos(2π s k / n)) / (1 + 2|S|).
const indptr = [0],
  indices: number[] = [];
for (let i = 0; i < n; i++) {
  for (const s of offsets) indices.push((i + s) % n, (i + n - s) % n);
  indptr.push(indices.length);
}
const graph: CsrGraph = { indptr, indices };
let lambda2 = 0;
for (let k = 1; k < n; k++) {
  const l = (1 + offsets.reduce((a, s) => a + 2 * Math.cos((2 * Math.PI * s * k) / n), 0)) / (1 + 2 * offsets.length);
  lambda2 = Math.max(lambda2, Math.abs(l));
}
const predicted = Math.log(lambda2);

const laws: WeightLaw[] = ['gaussian', 'uniform', 'orthogonal'];
const colors = ['#0072B2', '#D55E00', '#009E73'];
const ks = Array.from({ length: depth + 1 }, (_, k) => k);
const rates: Record<string, number> = {};

/** One panel: mu against depth for each law, without (solid) and with (dashed) residual, and |λ₂|^k. */
function panel(activation: 'relu' | 'tanh'): string {
  const series: Series[] = [];
  let mu0 = 1;
  laws.forEach((weights, w) => {
    for (const residual of [false, true]) {
      // The features come first from the seed: every run starts from the same X^0.
      const r = oversmoothing({ graph, dim, depth, residual, weights, activation, seed: 1 });
      mu0 = r.similarity[0];
      rates[`${activation} ${weights}${residual ? ' residual' : ''}`] = r.rate;
      series.push({
        label: `${weights}, ${residual ? 'residual' : 'no residual'}`,
        x: ks,
        y: r.similarity,
        dashed: residual,
        color: colors[w],
        markers: false,
      });
      console.log(
        `${activation} ${weights.padEnd(10)} ${residual ? 'residual   ' : 'no residual'}  rate ${r.rate.toFixed(4)} per layer, ` +
          `mu(X^${depth}) = ${r.similarity[depth].toExponential(2)}`,
      );
    }
  });
  series.push({
    label: 'mu(X^0) |λ₂|^k',
    x: [0, depth],
    y: [mu0, mu0 * lambda2 ** depth],
    dashed: true,
    color: '#888',
    width: 1.2,
    markers: false,
  });
  const plain = laws.map((l) => rates[`${activation} ${l}`].toFixed(3)).join(', '),
    res = laws.map((l) => rates[`${activation} ${l} residual`].toFixed(3)).join(', ');
  return lineChart({
    title: `${activation} layers, circulant graph (n = ${n}, d = ${dim}): vertex similarity against depth`,
    note: `paper: rate log|λ₂| = ${predicted.toFixed(3)} without residual; measured ${plain} (G, U, O); with residual ${res}`,
    xLabel: 'depth k',
    yLabel: 'mu(X^k) = ‖X − 1x̄ᵀ‖ / ‖X‖',
    series,
    logY: true,
  });
}

writeSvg('oversmoothing', stack([panel('relu'), panel('tanh')]));
console.log(`log |λ₂(A)| = ${predicted.toFixed(4)}`);
const list = (activation: string, residual: boolean) =>
  laws.map((l) => rates[`${activation} ${l}${residual ? ' residual' : ''}`].toFixed(3)).join(', ');
report(
  'oversmoothing',
  `without residual mu(X^k) decays at rate log|λ₂(A)| = ${predicted.toFixed(4)} per layer for every weight law; residual ` +
    `connections slow ` +
    `or stop the decay`,
  `rates (gaussian, uniform, orthogonal) relu ${list('relu', false)} → residual ${list('relu', true)}; tanh ${list('tanh', false)} → ` +
    `residual ${list('tanh', true)}`,
);
