import { beforeAll, describe, expect, it } from 'vitest';
import { init, InvalidArgumentError, Measure, Random, simulate, UnknownOptionError } from '../src/index.js';
import { gmLayer, type GmLayerFlow } from '../src/nn/gm.js';
import { gaussianQuadrature } from '../src/nn/gm-quadrature.js';
import { jacobiEigen as symmetricEigen } from '../src/linalg.js';
import { gmExperiment } from '../src/experiments/gm-versus-two-layer.js';
import { concentricCircles, gaussianXor, twoMoons } from '../src/nn/data.js';
import { twoLayer } from '../src/nn/twolayer.js';
import { thrown } from './helpers.js';

beforeAll(async () => { await init(); });

const moons = twoMoons({ samples: 120, seed: 3 });
const p = 4, D = 1 + p + p * p;

/** A random GM layer on the moons data: K components, covariances B Bᵀ + v I. */
function randomLayer(flow: GmLayerFlow, K: number, seed: number, scale = 0.3, weights?: number[]): Measure {
  const rng = new Random(seed);
  const means = Array.from({ length: K }, () => Array.from({ length: p }, () => rng.normal()));
  const covariances = Array.from({ length: K }, () => {
    const B = Array.from({ length: p }, () => Array.from({ length: p }, () => scale * rng.normal()));
    return B.map((r, i) => r.map((_, j) => B[i].reduce((s, v, k) => s + v * B[j][k], 0) + (i === j ? scale * scale : 0)));
  });
  return flow.measure({ means, covariances, ...(weights ? { weights } : {}) });
}

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) { num = Math.max(num, Math.abs(a[i] - b[i])); den = Math.max(den, Math.abs(b[i])); }
  return num / den;
}

describe('quadrature', () => {
  it('the unscented rule integrates every polynomial of degree <= 3 exactly, and E[z_i^4] = 3 at the default kappa', () => {
    for (const dim of [3, 4, 7]) {
      const q = gaussianQuadrature(dim);
      expect(q.size).toBe(2 * dim + 1);
      const E = (g: (z: Float64Array) => number) => { let s = 0; for (let k = 0; k < q.size; k++) s += q.weights[k] * g(q.nodes.subarray(k * dim, (k + 1) * dim)); return s; };
      expect(E(() => 1)).toBeCloseTo(1, 14);
      for (let i = 0; i < dim; i++) {
        expect(Math.abs(E((z) => z[i]))).toBeLessThan(1e-15);
        expect(E((z) => z[i] ** 4)).toBeCloseTo(3, 12);
        for (let j = 0; j < dim; j++) {
          expect(E((z) => z[i] * z[j])).toBeCloseTo(i === j ? 1 : 0, 14);
          for (let k = 0; k < dim; k++) expect(Math.abs(E((z) => z[i] * z[j] * z[k]))).toBeLessThan(1e-14);
        }
      }
    }
  });

  it('Gauss–Hermite of order n integrates z^k exactly up to k = 2n - 1 (and products across coordinates)', () => {
    const dfact = (k: number) => { let r = 1; for (let j = k - 1; j > 0; j -= 2) r *= j; return r; };
    for (const n of [1, 2, 3, 5, 8]) {
      const q = gaussianQuadrature(2, { rule: 'gauss-hermite', order: n });
      expect(q.size).toBe(n * n);
      for (let a = 0; a <= 2 * n - 1; a++) {
        for (const b of [0, 2]) {
          if (b > 2 * n - 1) continue;
          let s = 0;
          for (let k = 0; k < q.size; k++) s += q.weights[k] * q.nodes[2 * k] ** a * q.nodes[2 * k + 1] ** b;
          const exact = a % 2 === 1 ? 0 : dfact(a) * dfact(b);
          expect(Math.abs(s - exact)).toBeLessThan(1e-11 * Math.max(1, exact));
        }
      }
    }
  });

  it('is exact for quadratics on a GM layer: sum_s q_s theta theta^T = Sigma + m m^T per component', () => {
    for (const quadrature of ['unscented', { rule: 'gauss-hermite', order: 3 }] as const) {
      const flow = gmLayer({ data: moons, components: 3, activation: 'tanh', quadrature });
      const mu = randomLayer(flow, 3, 11);
      const { means, covariances } = flow.mixture(mu);
      const { theta, weights } = flow.network(mu);
      const { weights: pi } = flow.mixture(mu);
      const S = flow.quadrature.size;
      for (let k = 0; k < 3; k++) {
        let worst = 0;
        for (let r = 0; r < p; r++) {
          let first = 0;
          for (let s = 0; s < S; s++) first += (weights[k * S + s] / pi[k]) * theta[(k * S + s) * p + r];
          worst = Math.max(worst, Math.abs(first - means[k * p + r]));
          for (let c = 0; c < p; c++) {
            let second = 0;
            for (let s = 0; s < S; s++) second += (weights[k * S + s] / pi[k]) * theta[(k * S + s) * p + r] * theta[(k * S + s) * p + c];
            worst = Math.max(worst, Math.abs(second - (covariances[k * p * p + r * p + c] + means[k * p + r] * means[k * p + c])));
          }
        }
        expect(worst).toBeLessThan(1e-12);
      }
    }
  });

  it('matches Monte Carlo with many samples for a smooth psi (E_k[psi] and E_k[∇psi])', () => {
    const cases = [
      { quadrature: { rule: 'gauss-hermite', order: 5 } as const, scale: 0.3 },
      { quadrature: 'unscented' as const, scale: 0.03 },
    ];
    for (const { quadrature, scale } of cases) {
      const flow = gmLayer({ data: moons, components: 2, activation: 'tanh', quadrature });
      const mu = randomLayer(flow, 2, 5, scale);
      const ex = flow.expectations(mu);
      const { means, factors } = flow.mixture(mu);
      const rng = new Random(9);
      const M = 40000;
      for (let k = 0; k < 2; k++) {
        const th = new Float64Array(M * p);
        for (let j = 0; j < M; j++) {
          const xi = Array.from({ length: p }, () => rng.normal());
          for (let r = 0; r < p; r++) {
            let t = means[k * p + r];
            for (let c = 0; c < p; c++) t += factors[k * p * p + r * p + c] * xi[c];
            th[j * p + r] = t;
          }
        }
        const { value, gradient } = flow.firstVariation(mu, th);
        const meanSd = (get: (j: number) => number) => {
          let s = 0, s2 = 0;
          for (let j = 0; j < M; j++) { const v = get(j); s += v; s2 += v * v; }
          const m = s / M;
          return [m, Math.sqrt(Math.max(0, s2 / M - m * m) / M)];
        };
        const [psiMc, psiSe] = meanSd((j) => value[j]);
        expect(Math.abs(ex.psi[k] - psiMc), `psi, component ${k}, ${JSON.stringify(quadrature)}`).toBeLessThan(4 * psiSe + 1e-6);
        for (let c = 0; c < p; c++) {
          const [gMc, gSe] = meanSd((j) => gradient[j * p + c]);
          expect(Math.abs(ex.gradient[k * p + c] - gMc), `∇psi[${c}], component ${k}, ${JSON.stringify(quadrature)}`).toBeLessThan(4 * gSe + 1e-6);
        }
      }
    }
  });

  it('the Stein–Lyapunov Hessian tends to ∇²psi(m) as the covariance shrinks (finite differences)', () => {
    const flow = gmLayer({ data: moons, components: 1, activation: 'tanh' });
    const m = [0.7, -0.4, 1.1, 0.2];
    const h = 1e-4;
    const errs: number[] = [];
    for (const v of [1e-4, 1e-6]) {
      const mu = flow.measure({ means: [m], covariances: v });
      const H = flow.expectations(mu).hessian;
      const fd = new Float64Array(p * p);
      for (let c = 0; c < p; c++) {
        const up = m.slice(), dn = m.slice();
        up[c] += h; dn[c] -= h;
        const g = flow.firstVariation(mu, [up, dn]).gradient;
        for (let r = 0; r < p; r++) fd[r * p + c] = (g[r] - g[p + r]) / (2 * h);
      }
      errs.push(relErr(H, fd));
    }
    // The estimate's error is O(Sigma) (fourth derivatives of psi): 100x smaller for a 100x smaller covariance.
    expect(errs[1]).toBeLessThan(1e-5);
    expect(errs[0] / errs[1]).toBeGreaterThan(30);
    expect(errs[0] / errs[1]).toBeLessThan(300);
  });
});

describe('gmLayer dynamics', () => {
  for (const loss of ['squared', 'logistic'] as const) {
    it(`a point mass moves its mean with the twoLayer particle velocity (${loss})`, () => {
      const flow = gmLayer({ data: moons, components: 1, activation: 'tanh', loss });
      const net = twoLayer({ data: moons, activation: 'tanh', loss });
      const m = [0.9, 1.3, -0.8, 0.3];
      const v2 = new Float64Array(p);
      net.velocity(Float64Array.from(m), Float64Array.of(1), p, v2);
      const errs: number[] = [];
      for (const variance of [1e-4, 1e-8, 1e-10, 0]) {
        const mu = flow.measure({ means: [m], covariances: variance });
        const out = new Float64Array(D);
        flow.velocity(mu.points, mu.weights, D, out);
        errs.push(relErr(out.subarray(1, 1 + p), v2));
        if (variance === 0) {
          expect(out.subarray(1 + p).every((v) => v === 0)).toBe(true); // a point mass stays one
          expect(out[0] === 0).toBe(true);
        }
      }
      // O(variance) convergence, then agreement to rounding.
      expect(errs[0]).toBeLessThan(1e-3);
      expect(errs[1]).toBeLessThan(1e-7);
      expect(errs[2]).toBeLessThan(1e-8);
      expect(errs[3]).toBeLessThan(1e-13);
      expect(flow.risk(flow.measure({ means: [m], covariances: 0 }))).toBeCloseTo(net.risk(new Measure([m], { weights: [1] })), 14);
    });
  }

  it('K point masses with weights are the weighted particle network (means and weights)', () => {
    const flow = gmLayer({ data: moons, components: 3, activation: 'sigmoid', loss: 'logistic' });
    const net = twoLayer({ data: moons, activation: 'sigmoid', loss: 'logistic' });
    const means = [[1, 0.5, -1, 0.2], [-0.7, -1, 0.4, 0.1], [0.3, 0.8, 0.9, -0.5]];
    const w = [0.2, 0.5, 0.3];
    const mu = flow.measure({ means, covariances: 0, weights: w });
    const out = new Float64Array(3 * D);
    flow.velocity(mu.points, mu.weights, D, out);
    const particles = new Measure(means, { weights: w });
    const v2 = new Float64Array(3 * p);
    net.velocity(particles.points, particles.weights, p, v2);
    const psi = flow.firstVariation(mu, means).value;
    const avg = w.reduce((s, wk, k) => s + wk * psi[k], 0);
    for (let k = 0; k < 3; k++) {
      expect(relErr(out.subarray(k * D + 1, k * D + 1 + p), v2.subarray(k * p, (k + 1) * p))).toBeLessThan(1e-13);
      expect(out[k * D]).toBeCloseTo(-(psi[k] - avg), 14);
    }
    expect(relErr(flow.predict(mu), net.predict(particles))).toBeLessThan(1e-14);
  });

  it('dL/dt = -sum_k pi_k [(E_k psi - mean)² + |E_k ∇psi|² + ‖H_k L_k‖²] <= 0 (finite differences along the velocity)', () => {
    for (const quadrature of ['unscented', { rule: 'gauss-hermite', order: 2 }] as const) {
      const flow = gmLayer({ data: moons, components: 3, activation: 'tanh', loss: 'logistic', quadrature });
      const mu = randomLayer(flow, 3, 21, 0.4, [0.5, 0.3, 0.2]);
      const out = new Float64Array(3 * D);
      flow.velocity(mu.points, mu.weights, D, out);
      const ex = flow.expectations(mu);
      const { covariances } = flow.mixture(mu);
      const mean = ex.psi.reduce((s, v, k) => s + ex.weights[k] * v, 0);
      let rate = 0;
      for (let k = 0; k < 3; k++) {
        let g2 = 0, hl = 0;
        for (let c = 0; c < p; c++) g2 += ex.gradient[k * p + c] ** 2;
        // ‖H L‖² = tr(H Sigma H)
        for (let r = 0; r < p; r++) for (let c = 0; c < p; c++) {
          let t = 0;
          for (let e = 0; e < p; e++) for (let f = 0; f < p; f++) t += ex.hessian[k * p * p + r * p + e] * covariances[k * p * p + e * p + f] * ex.hessian[k * p * p + f * p + c];
          if (r === c) hl += t;
        }
        rate -= ex.weights[k] * ((ex.psi[k] - mean) ** 2 + g2 + hl);
      }
      const riskAt = (h: number) => flow.energy!(mu.points.map((v, i) => v + h * out[i]), mu.weights, D);
      const h = 1e-5;
      const fd = (riskAt(h) - riskAt(-h)) / (2 * h);
      expect(rate).toBeLessThan(0);
      expect(Math.abs(fd - rate)).toBeLessThan(1e-6 * Math.abs(rate));
    }
  });

  for (const activation of ['tanh', 'relu'] as const) {
    it(`the risk never increases along a run with small steps (${activation})`, () => {
      const flow = gmLayer({ data: moons, components: 3, activation, loss: 'logistic' });
      const mu = randomLayer(flow, 3, 8, 0.5);
      const run = simulate(flow, mu, { tEnd: 20, integrator: 'rk4', dt: 0.05, record: { every: 1 }, observe: { energy: true } });
      const E = run.energy!;
      expect(E.length).toBe(401);
      for (let i = 1; i < E.length; i++) expect(E[i]).toBeLessThanOrEqual(E[i - 1] + 1e-15 * Math.abs(E[i - 1]));
      expect(E[E.length - 1]).toBeLessThan(0.8 * E[0]);
    });
  }

  it('covariances stay symmetric positive definite: an Euler step is Sigma <- (I - hH) Sigma (I - hH)^T', () => {
    const flow = gmLayer({ data: moons, components: 4, activation: 'relu', loss: 'logistic' });
    const rng = new Random(2);
    const means = Array.from({ length: 4 }, () => Array.from({ length: p }, () => rng.normal()));
    const cov = [[0.5, 0.2, 0, 0], [0.2, 0.5, 0, 0], [0, 0, 0.3, 0], [0, 0, 0, 1e-4]]; // thin in one direction
    const mu = flow.measure({ means, covariances: [cov, cov, cov, cov] });
    const ex = flow.expectations(mu);
    const before = flow.mixture(mu).covariances;
    const minEig = (S: Float64Array) => Math.min(...symmetricEigen(S, p).values);
    const product = (A: Float64Array, B: Float64Array) => {
      const C = new Float64Array(p * p);
      for (let r = 0; r < p; r++) for (let c = 0; c < p; c++) for (let e = 0; e < p; e++) C[r * p + c] += A[r * p + e] * B[e * p + c];
      return C;
    };
    for (const h of [0.5, 1, 2, 4]) {
      const after = flow.mixture(simulate(flow, mu, { tEnd: h, integrator: 'euler', dt: h }).final).covariances;
      let naiveMin = Infinity;
      for (let k = 0; k < 4; k++) {
        const S = before.subarray(k * p * p, (k + 1) * p * p), H = ex.hessian.subarray(k * p * p, (k + 1) * p * p);
        const M = H.map((v, i) => (i % (p + 1) === 0 ? 1 : 0) - h * v);
        const Mt = M.map((_, i) => M[(i % p) * p + Math.floor(i / p)]);
        const pred = product(product(M, S), Mt);
        const got = after.subarray(k * p * p, (k + 1) * p * p);
        expect(relErr(got, pred)).toBeLessThan(1e-12);
        expect(minEig(got)).toBeGreaterThan(0);
        // The plain Euler step of the covariance equation, Sigma - h(H Sigma + Sigma H), is not positive definite.
        const HS = product(H, S), SH = product(S, H);
        naiveMin = Math.min(naiveMin, minEig(S.map((v, i) => v - h * (HS[i] + SH[i]))));
      }
      expect(naiveMin).toBeLessThan(0);
    }
    // A run: the thin direction keeps shrinking, the matrices stay exactly symmetric and definite.
    const run = simulate(flow, mu, { tEnd: 100, integrator: 'euler', dt: 0.25, record: { every: 10, snapshots: true }, observe: { energy: true } });
    let smallest = Infinity;
    for (const snap of run.snapshots) {
      const { covariances } = flow.mixture(snap);
      for (let k = 0; k < 4; k++) {
        const S = covariances.subarray(k * p * p, (k + 1) * p * p);
        for (let r = 0; r < p; r++) for (let c = 0; c < p; c++) expect(S[r * p + c]).toBe(S[c * p + r]);
        smallest = Math.min(smallest, minEig(S));
      }
    }
    expect(run.snapshots.length).toBe(41);
    expect(smallest).toBeGreaterThan(0);
    expect(smallest).toBeLessThan(1e-6);
    const E = run.energy!;
    for (let i = 1; i < E.length; i++) expect(E[i]).toBeLessThanOrEqual(E[i - 1]);
    expect(E[E.length - 1]).toBeLessThan(0.3 * E[0]);
  });

  it('weights stay on the simplex and follow the replicator equation', () => {
    const flow = gmLayer({ data: moons, components: 4, activation: 'tanh', loss: 'logistic' });
    const mu = randomLayer(flow, 4, 4, 0.4, [0.1, 0.2, 0.3, 0.4]);
    const ex = flow.expectations(mu);
    const mean = ex.psi.reduce((s, v, k) => s + ex.weights[k] * v, 0);
    const h = 1e-7;
    const tiny = simulate(flow, mu, { tEnd: h, integrator: 'rk4', dt: h });
    const pi1 = flow.mixture(tiny.final).weights;
    for (let k = 0; k < 4; k++) {
      const rate = -ex.weights[k] * (ex.psi[k] - mean);
      expect(Math.abs((pi1[k] - ex.weights[k]) / h - rate)).toBeLessThan(1e-5 * Math.abs(rate) + 1e-9);
    }
    const run = simulate(flow, mu, { tEnd: 200, integrator: 'heun', dt: 0.5, record: { every: 20, snapshots: true } });
    let spread = 0;
    for (const snap of run.snapshots) {
      const { weights } = flow.mixture(snap);
      expect(Math.abs(weights.reduce((s, v) => s + v, 0) - 1)).toBeLessThan(1e-12);
      for (const w of weights) expect(w).toBeGreaterThanOrEqual(0);
      spread = Math.max(spread, Math.max(...weights) - Math.min(...weights));
    }
    expect(spread).toBeGreaterThan(0.3); // the weights did move
  });

  it('the wasm and JS kernels agree (f64 to 1e-12, f32 to 1e-4)', () => {
    const flow = gmLayer({ data: moons, components: 3, activation: 'relu', loss: 'logistic' });
    const mu = randomLayer(flow, 3, 12, 0.4);
    const v = (backend: 'wasm' | 'js', precision: 'f64' | 'f32') => { const out = new Float64Array(3 * D); flow.velocity(mu.points, mu.weights, D, out, { backend, precision }); return out; };
    expect(relErr(v('wasm', 'f64'), v('js', 'f64'))).toBeLessThan(1e-12);
    expect(relErr(v('wasm', 'f32'), v('js', 'f64'))).toBeLessThan(1e-4);
    expect(Math.abs(flow.risk(mu, undefined, { backend: 'js' }) - flow.risk(mu))).toBeLessThan(1e-14);
  });

  it('runs under simulate with rk45 and resumes bit-identically from a checkpoint', () => {
    const flow = gmLayer({ data: moons, components: 2, activation: 'tanh', loss: 'logistic' });
    const mu = randomLayer(flow, 2, 6, 0.3);
    const whole = simulate(flow, mu, { tEnd: 40, integrator: 'rk45', rtol: 1e-6 });
    const half = simulate(flow, mu, { tEnd: 20, integrator: 'rk45', rtol: 1e-6 });
    const rest = simulate(flow, half.toJSON(), { tEnd: 40, integrator: 'rk45', rtol: 1e-6 });
    expect(Array.from(rest.final.points)).toEqual(Array.from(whole.final.points));
    expect(flow.risk(whole.final)).toBeLessThan(flow.risk(mu));
    expect(() => simulate(gmLayer({ data: moons, components: 2, activation: 'relu', loss: 'logistic' }), half.toJSON(), { tEnd: 40, integrator: 'rk45' })).toThrow(InvalidArgumentError);
  });
});

describe('option validation', () => {
  it('refuses bad options with named errors', () => {
    expect(() => gmLayer({ data: moons, components: 2, quadrature: 'unscented', beta: 1 } as never)).toThrow(UnknownOptionError);
    expect(thrown(() => gmLayer({ data: moons } as never)).argument).toBe('components');
    expect(thrown(() => gmLayer({ data: moons, components: 0 })).argument).toBe('components');
    expect(thrown(() => gmLayer({ data: moons, components: 1.5 })).argument).toBe('components');
    expect(thrown(() => gmLayer({ data: moons, components: 2, activation: 'gelu' as never })).argument).toBe('activation');
    expect(thrown(() => gmLayer({ data: moons, components: 2, loss: 'hinge' as never })).argument).toBe('loss');
    expect(thrown(() => gmLayer({ data: { X: moons.X, Y: moons.Y.map((y) => y + 1), dim: 2 }, components: 2, loss: 'logistic' })).argument).toBe('data.Y');
    expect(thrown(() => gmLayer({ data: moons, components: 2, quadrature: 'simpson' as never })).argument).toBe('quadrature.rule');
    expect(thrown(() => gmLayer({ data: moons, components: 2, quadrature: { rule: 'unscented', kappa: -4 } })).argument).toBe('quadrature.kappa');
    expect(thrown(() => gmLayer({ data: moons, components: 2, quadrature: { rule: 'unscented', order: 3 } })).argument).toBe('quadrature.order');
    expect(thrown(() => gmLayer({ data: moons, components: 2, quadrature: { rule: 'gauss-hermite', kappa: 1 } })).argument).toBe('quadrature.kappa');
    expect(thrown(() => gmLayer({ data: moons, components: 2, quadrature: { rule: 'gauss-hermite', order: 0 } })).argument).toBe('quadrature.order');
    expect(thrown(() => gmLayer({ data: { X: new Float64Array(40), Y: new Float64Array(4), dim: 10 }, components: 2, quadrature: { rule: 'gauss-hermite', order: 3 } })).argument).toBe('quadrature');
    expect(() => gmLayer({ data: moons, components: 2, quadrature: { rule: 'gauss-hermite', order: 3, nodes: 4 } as never })).toThrow(UnknownOptionError);
  });

  it('refuses bad mixtures and measures of another shape', () => {
    const flow = gmLayer({ data: moons, components: 2 });
    const means = [[0, 0, 0, 0], [1, 1, 1, 1]];
    const I = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]];
    expect(thrown(() => flow.measure({ means: [[0, 0, 0, 0]], covariances: 1 })).argument).toBe('means');
    expect(thrown(() => flow.measure({ means: [[0, 0, 0], [0, 0, 0]], covariances: 1 })).argument).toBe('means');
    expect(thrown(() => flow.measure({ means, covariances: -1 })).argument).toBe('covariances');
    expect(thrown(() => flow.measure({ means, covariances: [I] })).argument).toBe('covariances');
    expect(thrown(() => flow.measure({ means, covariances: [I, I.map((r) => r.map((v) => -v))] })).argument).toBe('covariances[1]');
    expect(thrown(() => flow.measure({ means, covariances: [I, [[1, 0.5, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]] })).argument).toBe('covariances[1]');
    expect(thrown(() => flow.measure({ means, covariances: [I, [[1, 0], [0, 1]]] })).argument).toBe('covariances[1]');
    expect(thrown(() => flow.measure({ means, covariances: 1, weights: [1] })).argument).toBe('weights');
    expect(thrown(() => flow.measure({ means, covariances: 1, weights: [-1, 2] })).argument).toBe('weights');
    expect(() => flow.measure({ means, covariances: 1, spread: 2 } as never)).toThrow(UnknownOptionError);
    expect(thrown(() => flow.risk(new Measure([[0, 0, 0, 0]]))).argument).toBe('mu.dim');
    expect(thrown(() => flow.mixture(gmLayer({ data: moons, components: 3 }).measure({ means: [...means, means[0]], covariances: 1 }))).argument).toBe('mu.size');
    expect(thrown(() => simulate(flow, new Measure([[0, 0, 0, 0]]), { tEnd: 1 })).argument).toBe('mu.dim');
    expect(thrown(() => flow.predict(flow.measure({ means, covariances: 1 }), undefined, { backend: 'gpu' } as never)).argument).toBe('backend');
    expect(thrown(() => flow.firstVariation(flow.measure({ means, covariances: 1 }), [[1, 2, 3]])).argument).toBe('theta');
  });

  it('refuses bad experiment and dataset options', () => {
    expect(thrown(() => gmExperiment({ task: 'spiral' as never, seed: 1 })).argument).toBe('task');
    expect(thrown(() => gmExperiment({ task: 'moons' } as never)).argument).toBe('seed');
    expect(thrown(() => gmExperiment({ task: 'moons', seed: 1, dim: 3 })).argument).toBe('dim');
    expect(thrown(() => gmExperiment({ task: 'moons', seed: 1, steps: 0 })).argument).toBe('steps');
    expect(thrown(() => gmExperiment({ task: 'moons', seed: 1, integrator: 'euler', dt: -1 })).argument).toBe('dt');
    expect(thrown(() => gmExperiment({ task: 'moons', seed: 1, dt: 0.5 })).argument).toBe('dt');
    expect(thrown(() => gmExperiment({ task: 'moons', seed: 1, integrator: 'heun', rtol: 1e-3 })).argument).toBe('rtol');
    expect(thrown(() => gmExperiment({ task: 'moons', seed: 1, records: 1 })).argument).toBe('records');
    expect(() => gmExperiment({ task: 'moons', seed: 1, width: 3 } as never)).toThrow(UnknownOptionError);
    expect(thrown(() => twoMoons({ seed: 1, noise: -0.1 })).argument).toBe('noise');
    expect(thrown(() => gaussianXor({ samples: 0, seed: 1 })).argument).toBe('samples');
    expect(thrown(() => concentricCircles({ seed: 1, factor: 1 })).argument).toBe('factor');
    expect(thrown(() => concentricCircles({} as never)).argument).toBe('seed');
  });
});

describe('datasets and the experiment', () => {
  it('the synthetic datasets are seeded, balanced and shaped as documented', () => {
    for (const make of [twoMoons, gaussianXor, concentricCircles]) {
      const a = make({ samples: 400, seed: 7 }), b = make({ samples: 400, seed: 7 }), c = make({ samples: 400, seed: 8 });
      expect(Array.from(a.X)).toEqual(Array.from(b.X));
      expect(Array.from(a.X)).not.toEqual(Array.from(c.X));
      expect(a.Y.reduce((s, y) => s + y, 0)).toBe(0);
      expect(a.dim).toBe(2);
    }
    // Circles: radii near 1 (label -1) and 0.5 (label +1); XOR: label = sign(x1 x2) for most points.
    const circ = concentricCircles({ samples: 400, seed: 1, noise: 0 });
    for (let i = 0; i < 400; i++) expect(Math.hypot(circ.X[2 * i], circ.X[2 * i + 1])).toBeCloseTo(circ.Y[i] > 0 ? 0.5 : 1, 12);
    const xor = gaussianXor({ samples: 2000, seed: 1 });
    let agree = 0;
    for (let i = 0; i < 2000; i++) if (Math.sign(xor.X[2 * i] * xor.X[2 * i + 1]) === xor.Y[i]) agree++;
    expect(agree / 2000).toBeGreaterThan(0.97);
  });

  it('gmExperiment trains both models to low test error on moons with equal parameter counts', () => {
    const r = gmExperiment({ task: 'moons', components: 3, steps: 400, records: 12, samples: 200, testSamples: 1000, activation: 'tanh', seed: 1 });
    expect(Math.abs(r.gm.parameters - r.twoLayer.parameters)).toBeLessThanOrEqual(2);
    expect(r.neurons).toBe(11);
    for (const c of [r.gm, r.twoLayer]) {
      const n = c.times.length;
      expect(n).toBeGreaterThanOrEqual(8);
      for (const a of [c.wallMs, c.testError, c.trainRisk]) expect(a.length).toBe(n);
      for (let i = 1; i < n; i++) {
        expect(c.wallMs[i]).toBeGreaterThanOrEqual(c.wallMs[i - 1]);
        expect(c.times[i]).toBeGreaterThan(c.times[i - 1]);
      }
      expect(c.steps).toBeLessThanOrEqual(400);
      expect(c.testError[n - 1]).toBeLessThan(0.05);
      expect(c.testError[n - 1]).toBeLessThan(c.testError[0] - 0.3);
      expect(c.trainRisk[n - 1]).toBeLessThan(0.2 * c.trainRisk[0]);
    }
  });
});
