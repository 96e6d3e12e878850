import { beforeAll, describe, expect, it } from 'vitest';
import {
  circle,
  circleSyncCriterion,
  hTripleDerivativeL1,
  init,
  InvalidArgumentError,
  Measure,
  simulate,
  simulateMany,
  UnknownOptionError,
} from '../src/index.js';
import { lcg } from './helpers.js';

beforeAll(async () => {
  await init();
});

/** Attention's interaction on the circle: h(θ) = e^{β cos θ} sin θ. */
const attentionH = (beta: number) => (t: number) => Math.exp(beta * Math.cos(t)) * Math.sin(t);

/** h‴ of attention's h in closed form: e^{βc} (6β²s²c − β³s⁴ + 4βs² − 3βc² − c). */
const attentionH3 = (beta: number) => (t: number) => {
  const c = Math.cos(t),
    s = Math.sin(t);
  return Math.exp(beta * c) * (6 * beta ** 2 * s * s * c - beta ** 3 * s ** 4 + 4 * beta * s * s - 3 * beta * c * c - c);
};

describe('circle({ interaction })', () => {
  it("with attention's h equals the built-in circle flow (normalization 'none') to 1e-12, velocity and trajectory", () => {
    const rnd = lcg(17);
    for (const beta of [-2, -2 / 3, -0.16, 0, 1, 5]) {
      const mu = Measure.uniformCircle(40, { seed: 3, weights: Array.from({ length: 40 }, () => 0.1 + rnd()) });
      const built = circle({ beta, normalization: 'none' }),
        general = circle({ interaction: attentionH(beta) });
      const a = new Float64Array(40),
        b = new Float64Array(40);
      built.velocity(mu.points, mu.weights, 1, a);
      general.velocity(mu.points, mu.weights, 1, b);
      const scale = Math.max(1, ...Array.from(a, Math.abs));
      for (let i = 0; i < 40; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(1e-12 * scale);
      // USA's velocity carries Z_i ~ e^beta: scale time so every beta runs a comparable distance.
      const scaleT = 1 / Math.max(1, Math.exp(beta));
      const opts = { tEnd: 5 * scaleT, integrator: 'rk4' as const, dt: 0.01 * scaleT, record: { every: 50 } };
      const ra = simulate(built, mu, opts),
        rb = simulate(general, mu, opts);
      for (let i = 0; i < 40; i++) {
        let dd = ra.final.points[i] - rb.final.points[i];
        dd -= 2 * Math.PI * Math.round(dd / (2 * Math.PI));
        expect(Math.abs(dd)).toBeLessThan(1e-12);
      }
    }
  });

  it('sums sum_j a_j h(θ_j - θ_i) for any odd periodic h, and simulateMany matches simulate bit for bit', () => {
    const h = (t: number) => Math.sin(t) - 0.3 * Math.sin(2 * t) + 0.05 * Math.sin(5 * t);
    const mu = Measure.uniformCircle(13, { seed: 8, weights: Array.from({ length: 13 }, (_, i) => 1 + (i % 3)) });
    const v = new Float64Array(13);
    circle({ interaction: h }).velocity(mu.points, mu.weights, 1, v);
    for (let i = 0; i < 13; i++) {
      let want = 0;
      for (let j = 0; j < 13; j++) want += mu.weights[j] * h(mu.points[j] - mu.points[i]);
      expect(Math.abs(v[i] - want)).toBeLessThan(1e-14);
    }
    const flow = circle({ interaction: h });
    const starts = [1, 2, 3].map((seed) => Measure.uniformCircle(9, { seed }));
    const many = simulateMany(flow, starts, { tEnd: 3, record: { times: [1, 3] }, observe: { meanInnerProduct: true } });
    starts.forEach((mu0, k) => {
      const one = simulate(flow, mu0, { tEnd: 3, record: { times: [1, 3] }, observe: { meanInnerProduct: true } });
      expect(Array.from(many[k].final.points)).toEqual(Array.from(one.final.points));
    });
  });

  it('refuses non-functions, even, aperiodic or non-finite h, softmax and beta', () => {
    expect(() => circle({ interaction: 3 as never })).toThrow(InvalidArgumentError);
    expect(() => circle({ interaction: Math.cos })).toThrow(/must be odd/);
    expect(() => circle({ interaction: (t) => t })).toThrow(/2π-periodic/);
    expect(() => circle({ interaction: (t) => (t === 0 ? Number.NaN : Math.sin(t)) })).toThrow(/finite/);
    expect(() => circle({ interaction: (t) => Math.sin(t) + 1e-3 * Math.sin(t / 2) })).toThrow(/2π-periodic|odd/);
    expect(() => circle({ interaction: Math.sin, normalization: 'softmax' })).toThrow(/must be 'none' with interaction/);
    expect(() => circle({ interaction: Math.sin, beta: 2 })).toThrow(/omitted with interaction/);
    expect(() => circle({ interaction: Math.sin, bogus: 1 } as never)).toThrow(UnknownOptionError);
    expect(circle({ interaction: Math.sin }).params.normalization).toBe('none');
    // No energy: a general h would need its antiderivative.
    expect(() =>
      simulate(circle({ interaction: Math.sin }), Measure.uniformCircle(4, { seed: 1 }), { tEnd: 1, observe: { energy: true } }),
    ).toThrow(/no energy/);
  });
});

describe('hTripleDerivativeL1', () => {
  it('matches closed forms: sin -> 4, sin(kθ) -> 4k³, sin θ + a sin 2θ through the zeros of h‴', () => {
    expect(Math.abs(hTripleDerivativeL1(Math.sin) - 4)).toBeLessThan(1e-12);
    for (const k of [2, 3, 7]) expect(Math.abs(hTripleDerivativeL1((t) => Math.sin(k * t)) / (4 * k ** 3) - 1)).toBeLessThan(1e-12);
    for (const a of [0.05, 0.3, -0.8]) {
      // h‴ = -cos θ - 8a cos 2θ vanishes where 16a c² + c - 8a = 0 (c = cos θ); ‖h‴‖_1 is the total variation
      // of h'' = -sin θ - 4a sin 2θ between those zeros.
      const roots = [1, -1].map((sg) => (-1 + sg * Math.sqrt(1 + 512 * a * a)) / (32 * a)).filter((c) => Math.abs(c) <= 1);
      const zeros = roots.flatMap((c) => [Math.acos(c), 2 * Math.PI - Math.acos(c)]).sort((x, y) => x - y);
      const h2 = (t: number) => -Math.sin(t) - 4 * a * Math.sin(2 * t);
      let tv = 0;
      for (let m = 0; m < zeros.length; m++) tv += Math.abs(h2(zeros[(m + 1) % zeros.length]) - h2(zeros[m]));
      expect(Math.abs(hTripleDerivativeL1((t) => Math.sin(t) + a * Math.sin(2 * t)) - tv)).toBeLessThan(1e-12 * tv);
    }
  });

  it("matches a fine quadrature of attention's h‴ in closed form to 1e-8", () => {
    for (const beta of [-2 / 3, -0.16, 0, 1.5, 4]) {
      const h3 = attentionH3(beta),
        N = 1 << 20;
      let s = 0;
      for (let k = 0; k < N; k++) s += Math.abs(h3((2 * Math.PI * (k + 0.5)) / N));
      const quad = (s * 2 * Math.PI) / N;
      expect(Math.abs(hTripleDerivativeL1(attentionH(beta)) - quad)).toBeLessThan(1e-8 * quad);
    }
  });

  it('refuses a rough or broken h', () => {
    expect(() => hTripleDerivativeL1((t) => Math.abs(Math.sin(t)), { maxSamples: 1024 })).toThrow(/must be smooth/);
    expect(() => hTripleDerivativeL1(() => Number.NaN)).toThrow(/finite/);
    expect(() => hTripleDerivativeL1('sin' as never)).toThrow(InvalidArgumentError);
  });
});

describe('circleSyncCriterion', () => {
  it("certifies Kuramoto and attention's h at β = -0.16, not at β = -2/3", () => {
    const k = circleSyncCriterion(Math.sin);
    expect(k.synchronizes && k.synchronizesL1).toBe(true);
    expect(k.S).toBeLessThan(1e-13);
    expect(Math.abs(k.tripleL1 - 4)).toBeLessThan(1e-12);
    expect(Math.abs(k.rMin - Math.SQRT1_2)).toBeLessThan(1e-12);
    const at = circleSyncCriterion(attentionH(-0.16));
    expect(at.synchronizes).toBe(true);
    expect(Math.abs(at.hPrime0 - Math.exp(-0.16))).toBeLessThan(1e-12);
    const off = circleSyncCriterion(attentionH(-2 / 3));
    expect(off.synchronizes).toBe(false);
    expect(off.synchronizesL1).toBe(false);
    console.log(JSON.stringify({ k, at, off }));
  });

  it('the equilateral triangle (n = 3) is a stable equilibrium exactly when β < -2/3 (so no global synchronisation there)', () => {
    // h'(2π/3) = e^{-β/2}(-1/2 - 3β/4) >= 0 iff β <= -2/3: perturb the triangle and watch it return or leave.
    const tri = (eps: number) => new Measure([0, (2 * Math.PI) / 3 + eps, (4 * Math.PI) / 3 - eps / 2], { dim: 1, space: 'circle' });
    const order = (mu: Measure) =>
      Math.abs(
        Math.hypot(
          mu.points.reduce((s, t) => s + Math.cos(t), 0),
          mu.points.reduce((s, t) => s + Math.sin(t), 0),
        ),
      ) / 3;
    const stable = simulate(circle({ interaction: attentionH(-1) }), tri(0.05), { tEnd: 200, record: { times: [] } });
    expect(order(stable.final)).toBeLessThan(1e-6);
    const unstable = simulate(circle({ interaction: attentionH(-0.5) }), tri(0.05), { tEnd: 200, record: { times: [] } });
    expect(order(unstable.final)).toBeGreaterThan(1 - 1e-6);
  });
});
