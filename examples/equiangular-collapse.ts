// Equiangular collapse times against β. n tokens starting at an orthonormal frame of R^n (all pairwise
// inner products ρ = 0) keep equal inner products ρ(t) under softmax self-attention on the sphere, and
//   ρ' = 2 e^{βρ} (1 − ρ)(1 + (n − 1)ρ) / (e^β + (n − 1) e^{βρ})
// (the equiangular reduction of Geshkovski, Letrouit, Polyanskiy & Rigollet, "A mathematical perspective
// on Transformers", and of Karagodin, Ge, Polyanskiy & Rigollet, "Normalization in attention dynamics").
// The collapse time t*(β) (ρ = 1 − δ) grows like e^β/(2β) for β ≫ n; once collapsing, 1 − ρ ~ e^{−2t}
// (the rate of the sphere-projected, Post-LN dynamics). The simulation runs the full n-particle flow
// (rk45, event located on the dense output) from the frame, and from random tokens in high dimension
// (n = 16 on S^255, nearly orthogonal), against a quadrature of the ODE.
// Run: npm run example equiangular-collapse [-- --tiny]
import { attention, init, Measure, simulate } from '../src/index.js';
import { lineChart, report, stack, tiny, writeSvg, type Series } from './lib/svg.js';

await init({ threads: 1 });
const small = tiny();
const n = 16,
  delta = 1e-3,
  dHigh = small ? 64 : 256;
const betas = small ? [1, 4, 8] : [0.5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];

/** t at which the ODE's ρ reaches 1 − δ from ρ0, by Simpson's rule in u = −log(1 − ρ). */
function odeTime(beta: number, rho0 = 0): number {
  const u0 = -Math.log(1 - rho0),
    u1 = -Math.log(delta),
    steps = 20000,
    h = (u1 - u0) / steps;
  const g = (u: number) => {
    const rho = 1 - Math.exp(-u);
    return (Math.exp(beta * (1 - rho)) + (n - 1)) / (2 * (1 + (n - 1) * rho));
  };
  let s = g(u0) + g(u1);
  for (let k = 1; k < steps; k++) s += (k % 2 ? 4 : 2) * g(u0 + k * h);
  return (s * h) / 3;
}

/** Pairwise ρ from the mean inner product ρ̄ = |Σ a_i x_i|² = 1/n + (1 − 1/n) ρ (uniform weights). */
const pairRho = (mu: Measure): number => {
  const d = mu.dim,
    m = new Float64Array(d);
  for (let i = 0; i < mu.size; i++) for (let c = 0; c < d; c++) m[c] += mu.weights[i] * mu.points[i * d + c];
  let s = 0;
  for (let c = 0; c < d; c++) s += m[c] * m[c];
  return (n * s - 1) / (n - 1);
};

const frame = new Measure(
  Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, c) => (c === i ? 1 : 0))),
  { space: 'sphere' },
);
const theory = betas.map((b) => odeTime(b));
const exact: number[] = [],
  random: number[] = [];
const decay: Series[] = [];
let rate = NaN;
betas.forEach((beta, k) => {
  const events = { collapsed: { fn: (mu: Measure) => pairRho(mu) - (1 - delta), direction: 1 as const } };
  const tEnd = theory[k] + 10;
  const around = Array.from({ length: 141 }, (_, i) => theory[k] - 4 + i / 10).filter((t) => t > 0);
  const run = simulate(attention({ beta }), frame, {
    tEnd,
    rtol: 1e-9,
    atol: 1e-12,
    events,
    record: { times: around },
    observe: { custom: { rho: pairRho } },
  });
  exact.push(run.events.collapsed.times[0] ?? NaN);
  const hi = simulate(attention({ beta }), Measure.uniformSphere(n, dHigh, { seed: k + 1 }), {
    tEnd: 4 * theory[k] + 20,
    rtol: 1e-8,
    events,
    record: { times: [] },
  });
  random.push(hi.events.collapsed.times[0] ?? NaN);
  console.log(
    `β = ${beta}: ODE t* = ${theory[k].toPrecision(5)}, frame ${exact[k].toPrecision(5)}, random on S^${dHigh - 1} ` +
      `${random[k].toPrecision(4)}`,
  );
  if ([1, 4, 8, 12].includes(beta) || (small && k === betas.length - 1)) {
    const t = Array.from(run.times),
      gap = Array.from(run.observables.rho, (r) => 1 - r);
    const keep = t.map((_, i) => i).filter((i) => t[i] >= exact[k] - 4 && t[i] <= exact[k] + 8);
    decay.push({ label: `β = ${beta}`, x: keep.map((i) => t[i] - exact[k]), y: keep.map((i) => gap[i]), markers: false });
    // Late rate: slope of log(1 − ρ) over the records between 1 − ρ = 1e-4 and 1e-8.
    const idx = t.map((_, i) => i).filter((i) => gap[i] < 1e-4 && gap[i] > 1e-8);
    if (idx.length >= 2) {
      const a = idx[0],
        b = idx[idx.length - 1];
      rate = Math.log(gap[b] / gap[a]) / (t[b] - t[a]);
    }
  }
});
const relErr = Math.max(...betas.map((_, k) => Math.abs(exact[k] - theory[k]) / theory[k]));
const ratios = betas.map((_, k) => random[k] / theory[k]).filter((r) => Number.isFinite(r));
// e^{−2t} reference through 1 − ρ = δ at t = t*.
const tRef = Array.from({ length: 61 }, (_, i) => -2 + (10 * i) / 60);
const refSeries: Series = {
  label: 'δ e^{−2(t − t*)}',
  x: tRef,
  y: tRef.map((t) => delta * Math.exp(-2 * t)),
  dashed: true,
  color: '#888',
  markers: false,
};

const last = betas.length - 1;
const note =
  `paper: equiangular ODE t*(${betas[last]}) = ${theory[last].toPrecision(4)}, 1 − ρ ~ e^{−2t}; measured: ` +
  `${exact[last].toPrecision(4)} (max rel. error ${relErr.toExponential(1)}), rate ${(-rate).toFixed(3)}`;
writeSvg(
  'equiangular-collapse',
  stack([
    lineChart({
      title: `Equiangular collapse time (ρ = 1 − ${delta}) against β, n = ${n}`,
      note,
      xLabel: 'β',
      yLabel: 'collapse time t*',
      logY: true,
      series: [
        { label: 'n particles from a frame', x: betas, y: exact },
        { label: `random tokens on S^${dHigh - 1}`, x: betas, y: random },
        { label: 'equiangular ODE (quadrature)', x: betas, y: theory, dashed: true, markers: false, color: '#000000', width: 1.5 },
      ],
    }),
    lineChart({
      title: '1 − ρ(t) from the frame around the collapse: rate 2',
      xLabel: 't − t*',
      yLabel: '1 − ρ',
      logY: true,
      series: [...decay, refSeries],
    }),
  ]),
);
report(
  'equiangular-collapse',
  `equiangular ODE t*(β) (${betas.map((b, k) => `${b}: ${theory[k].toPrecision(4)}`).join(', ')}); late rate 1 − ρ ~ e^{-2t}`,
  `frame ${betas.map((b, k) => `${b}: ${exact[k].toPrecision(4)}`).join(', ')} (max rel. error ${relErr.toExponential(1)}); random/ODE ` +
    `${Math.min(...ratios).toFixed(2)}…${Math.max(...ratios).toFixed(2)}; late rate ${(-rate).toFixed(3)}`,
);
