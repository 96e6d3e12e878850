import { beforeAll, describe, expect, it } from 'vitest';
import {
  attention,
  collapseExponent,
  cosineGap,
  equiangularClosedForm,
  equiangularMeasure,
  equiangularODE,
  init,
  InvalidArgumentError,
  Measure,
  meanPairwiseCosine,
  simulate,
  type LayerNormScheme,
} from '../src/index.js';

beforeAll(async () => {
  await init();
});

const SCHEMES: LayerNormScheme[] = ['post', 'pre', 'peri', 'ngpt'];

/** The n-particle flow from an equiangular start: times and 1 - ρ at them. */
function particleGap(scheme: LayerNormScheme, opts: { n: number; beta: number; rho0: number; radius0: number; times: number[] }) {
  const mu = equiangularMeasure(opts.n, opts.rho0, { radius: opts.radius0 });
  const run = simulate(attention({ beta: opts.beta, space: 'euclidean', layerNorm: scheme }), mu, {
    tEnd: opts.times[opts.times.length - 1],
    rtol: 1e-11,
    atol: 1e-14,
    record: { times: opts.times, snapshots: true },
    observe: { custom: { gap: cosineGap } },
  });
  return { times: Array.from(run.times).slice(1), gap: Array.from(run.observables.gap).slice(1), run };
}

describe('attention({ layerNorm })', () => {
  it('is refused off the euclidean space, for unknown schemes and for tokens at the origin', () => {
    expect(() => attention({ layerNorm: 'pre' })).toThrow(/needs space: 'euclidean'/);
    expect(() => attention({ space: 'euclidean', layerNorm: 'mix' as never })).toThrow(InvalidArgumentError);
    const flow = attention({ space: 'euclidean', layerNorm: 'peri' });
    expect(() =>
      simulate(
        flow,
        new Measure([
          [1, 0],
          [0, 0],
        ]),
        { tEnd: 1 },
      ),
    ).toThrow(/zero row at index 1/);
    expect(attention({ space: 'euclidean' }).params.layerNorm).toBeUndefined();
    expect(flow.params.layerNorm).toBe('peri');
  });

  it('one Euler step of Pre-LN and Peri-LN is the transformer layer x + h Attn(LN(x)), x + h LN(Attn(LN(x)))', () => {
    const mu = Measure.gaussian(7, 3, { seed: 4 });
    const beta = 2,
      h = 0.1,
      n = 7,
      d = 3;
    const theta = Array.from({ length: n }, (_, i) => {
      const r = Math.hypot(...mu.point(i));
      return Array.from(mu.point(i), (v) => v / r);
    });
    const attn = theta.map((ti) => {
      const w = theta.map((tj) => Math.exp(beta * ti.reduce((s, v, c) => s + v * tj[c], 0)));
      const z = w.reduce((s, v) => s + v, 0);
      return Array.from({ length: d }, (_, c) => theta.reduce((s, tj, j) => s + (w[j] / z) * tj[c], 0));
    });
    for (const scheme of ['pre', 'peri'] as const) {
      const run = simulate(attention({ beta, space: 'euclidean', layerNorm: scheme }), mu, {
        tEnd: h,
        integrator: 'euler',
        dt: h,
        record: { times: [] },
      });
      for (let i = 0; i < n; i++) {
        const norm = scheme === 'peri' ? Math.hypot(...attn[i]) : 1;
        for (let c = 0; c < d; c++)
          expect(Math.abs(run.final.points[i * d + c] - (mu.points[i * d + c] + (h * attn[i][c]) / norm))).toBeLessThan(1e-14);
      }
    }
  });

  it('Post-LN and nGPT keep every token norm; E_β of the normalised tokens never decreases under any scheme', () => {
    const mu = Measure.gaussian(12, 3, { seed: 9, std: 2 });
    for (const scheme of SCHEMES) {
      const run = simulate(attention({ beta: 2, space: 'euclidean', layerNorm: scheme }), mu, {
        tEnd: 8,
        rtol: 1e-10,
        atol: 1e-12,
        record: { every: 1 },
        observe: { energy: true },
      });
      const E = run.energy!;
      for (let k = 1; k < E.length; k++) expect(E[k]).toBeGreaterThanOrEqual(E[k - 1] * (1 - 1e-9));
      if (scheme === 'post' || scheme === 'ngpt') {
        for (let i = 0; i < 12; i++)
          expect(Math.abs(Math.hypot(...run.final.point(i)) / Math.hypot(...mu.point(i)) - 1)).toBeLessThan(1e-8);
      }
    }
  });
});

describe('equiangular collapse', () => {
  it('equiangularMeasure has the asked pairwise cosine and norm; cosineGap is 1 - ρ', () => {
    const mu = equiangularMeasure(5, 0.3, { radius: 2, dim: 7 });
    expect(mu.dim).toBe(7);
    for (let i = 0; i < 5; i++) expect(Math.abs(Math.hypot(...mu.point(i)) - 2)).toBeLessThan(1e-14);
    const p0 = mu.point(0),
      p3 = mu.point(3);
    expect(Math.abs(p0.reduce((s, v, c) => s + v * p3[c], 0) / 4 - 0.3)).toBeLessThan(1e-14);
    expect(Math.abs(meanPairwiseCosine(mu) - 0.3)).toBeLessThan(1e-14);
    expect(Math.abs(cosineGap(mu) - 0.7)).toBeLessThan(1e-14);
    expect(() => equiangularMeasure(5, -0.3)).toThrow(InvalidArgumentError);
  });

  it('at β = 0 the n-particle flow follows the closed forms (all four schemes, to 1e-7)', () => {
    const times = [0.25, 0.5, 1, 2, 3, 5, 8];
    for (const scheme of SCHEMES) {
      const opts = { n: 6, beta: 0, rho0: 0.1, radius0: 1.5, times };
      const sim = particleGap(scheme, opts);
      const exact = equiangularClosedForm({ layerNorm: scheme, n: 6, rho0: 0.1, radius0: 1.5, times });
      const ode = equiangularODE({ layerNorm: scheme, n: 6, beta: 0, rho0: 0.1, radius0: 1.5, times });
      times.forEach((_, k) => {
        expect(Math.abs(sim.gap[k] / exact.gap[k] - 1)).toBeLessThan(1e-7);
        expect(Math.abs(ode.gap[k] / exact.gap[k] - 1)).toBeLessThan(1e-9);
        expect(Math.abs(ode.radius[k] / exact.radius[k] - 1)).toBeLessThan(1e-9);
      });
      // The radius of the particles is the closed form's r(t) (constant for post and ngpt).
      const r = Math.hypot(...sim.run.final.point(0));
      expect(Math.abs(r / exact.radius[times.length - 1] - 1)).toBeLessThan(1e-7);
    }
  });

  it('at β > 0 the n-particle flow follows the equiangular ODE (to 1e-6)', () => {
    const times = [0.5, 1, 2, 4, 8, 12];
    for (const scheme of SCHEMES) {
      for (const beta of [1, 4]) {
        const sim = particleGap(scheme, { n: 5, beta, rho0: 0, radius0: 1, times });
        const ode = equiangularODE({ layerNorm: scheme, n: 5, beta, rho0: 0, times });
        times.forEach((_, k) => expect(Math.abs(sim.gap[k] / ode.gap[k] - 1)).toBeLessThan(1e-6));
      }
    }
  });

  it('collapse rates: 1 - ρ ~ e^{-2t} for Post-LN and nGPT, ~ t^{-2} for Pre-LN and Peri-LN (fitted on simulations)', () => {
    const rates: Record<string, number> = {};
    for (const scheme of ['post', 'ngpt'] as const) {
      const times = Array.from({ length: 41 }, (_, k) => 4 + k * 0.25);
      const sim = particleGap(scheme, { n: 8, beta: 1, rho0: 0, radius0: 1, times });
      rates[scheme] = collapseExponent(sim.times, sim.gap, 'exponential', [8, 14]);
      expect(Math.abs(rates[scheme] + 2)).toBeLessThan(2e-3);
    }
    for (const scheme of ['pre', 'peri'] as const) {
      const times = Array.from({ length: 41 }, (_, k) => 10 ** (1 + k * 0.05));
      const sim = particleGap(scheme, { n: 8, beta: 1, rho0: 0, radius0: 1, times });
      rates[scheme] = collapseExponent(sim.times, sim.gap, 'power', [300, 1000]);
      expect(Math.abs(rates[scheme] + 2)).toBeLessThan(1e-2);
      // An exponential fit of the same data is nowhere near -2: the collapse is polynomial.
      expect(Math.abs(collapseExponent(sim.times, sim.gap, 'exponential', [300, 1000]))).toBeLessThan(0.01);
    }
    console.log(JSON.stringify(rates));
  });

  it('the equiangular ODE reaches the derived laws: (1 - ρ) e^{2t} and (1 - ρ) t² tend to constants', () => {
    for (const scheme of SCHEMES) {
      const exp = scheme === 'post' || scheme === 'ngpt';
      const times = exp ? [10, 15, 20] : [1e3, 1e4, 1e5];
      const ode = equiangularODE({ layerNorm: scheme, n: 8, beta: 2, rho0: 0, times, stepsPerUnit: exp ? 2000 : 20 });
      const scaled = times.map((t, k) => ode.gap[k] * (exp ? Math.exp(2 * t) : t * t));
      expect(Math.abs(scaled[2] / scaled[1] - 1)).toBeLessThan(exp ? 1e-6 : 1e-3);
      expect(Math.abs(scaled[2] / scaled[1] - 1)).toBeLessThan(Math.abs(scaled[1] / scaled[0] - 1) + 1e-12);
    }
  });
});
