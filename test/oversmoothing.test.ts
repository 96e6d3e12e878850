// oversmoothing(): deep random graph-network layers, the normalised vertex similarity and its rate.
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, oversmoothing, Random, UnknownOptionError, type CsrGraph, type OversmoothingOptions } from '../src/index.js';
import { thrown } from './helpers.js';

function csr(rows: number[][]): CsrGraph {
  const indptr = [0];
  for (const r of rows) indptr.push(indptr[indptr.length - 1] + r.length);
  return { indptr: Int32Array.from(indptr), indices: Int32Array.from(rows.flat()) };
}
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, t) => a + t);
const ring = (n: number) => csr(range(0, n).map((i) => [(i + n - 1) % n, (i + 1) % n]));
/** The circulant graph i ~ i ± s for s in offsets (connected, regular). */
const circulant = (n: number, offsets: number[]) => csr(range(0, n).map((i) => offsets.flatMap((s) => [(i + s) % n, (i + n - s) % n])));
const bits = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

// The ring of n nodes with self loops: A = (I + S + Sᵀ)/3, eigenvalues (1 + 2 cos(2πk/n))/3.
const N = 12;
const lambda2 = (1 + 2 * Math.cos((2 * Math.PI) / N)) / 3; // 0.9107, the largest modulus after 1 (k = N/2 gives -1/3)

describe('oversmoothing: rates against closed forms', () => {
  it(
    'linear layers without residual on a ring: rate = log |λ₂(A)| (W = I and orthogonal exactly, Gaussian and uniform in ' + 'the limit)',
    () => {
      const base = { graph: ring(N), dim: 8, depth: 200, residual: false, activation: 'identity', seed: 7 } as const;
      const exact = Math.log(lambda2); // -0.09357
      const id = oversmoothing({ ...base, weights: 'identity' });
      expect(Math.abs(id.rate - exact)).toBeLessThan(1e-9);
      expect(id.similarity).toHaveLength(201);
      expect(id.similarity[0]).toBeGreaterThan(0.9); // random features: the rows start far apart
      expect(id.similarity[200]).toBeLessThan(1e-7);
      // Orthogonal W_k preserve both norms of mu: the same numbers as W = I (the features come first from the seed).
      const orth = oversmoothing({ ...base, weights: 'orthogonal' });
      for (let k = 0; k <= 200; k++) expect(Math.abs(orth.logSimilarity[k] - id.logSimilarity[k])).toBeLessThan(1e-10);
      for (const weights of ['gaussian', 'uniform'] as const)
        for (const seed of [1, 2, 3]) {
          const r = oversmoothing({ ...base, weights, seed });
          expect(Math.abs(r.rate - exact)).toBeLessThan(0.01);
        }
    },
  );

  it('with residual x + alpha A x (W = I) the rate is log((1 + alpha λ₂) / (1 + alpha)): slower than log λ₂', () => {
    // The next eigenvalue (k = 2, 2/3) decays relatively like ((1 + 2alpha/3) / (1 + alpha λ₂))^k: depth 400 makes it negligible.
    const base = { graph: ring(N), dim: 5, depth: 400, activation: 'identity', weights: 'identity', seed: 3 } as const;
    for (const [residual, alpha] of [
      [true, 1],
      [0.5, 0.5],
      [4, 4],
    ] as const) {
      const r = oversmoothing({ ...base, residual });
      const exact = Math.log((1 + alpha * lambda2) / (1 + alpha));
      expect(Math.abs(r.rate - exact)).toBeLessThan(1e-7);
      expect(r.rate).toBeGreaterThan(Math.log(lambda2));
    }
  });

  it('linear residual layers with random W: the rate is the Lyapunov gap max_j γ(λ_j) − γ(1) of the products of I + λ_j W_k', () => {
    // X^k = sum_j v_j c_jᵀ over the eigenvectors of A (symmetric on the ring), c_j ← c_j (I + λ_j W_k): each
    // grows at the top Lyapunov exponent γ(λ_j) of those products, the mean (λ = 1) at γ(1). γ from an independent product.
    const gamma = (lambda: number, d: number, steps: number, seed: number) => {
      const rng = new Random(seed);
      const v = Float64Array.from({ length: d }, () => rng.normal()),
        w = new Float64Array(d);
      let s = 0;
      for (let k = 0; k < steps; k++) {
        const W = Float64Array.from({ length: d * d }, () => rng.normal() / Math.sqrt(d));
        for (let c = 0; c < d; c++) {
          let t = v[c];
          for (let r = 0; r < d; r++) t += lambda * v[r] * W[r * d + c];
          w[c] = t;
        }
        const norm = Math.hypot(...w);
        s += Math.log(norm);
        for (let c = 0; c < d; c++) v[c] = w[c] / norm;
      }
      return s / steps;
    };
    const d = 8;
    // For d = 8, γ increases with |λ|, so the gap is γ(λ₂) − γ(1) (about −0.041, against log λ₂ = −0.094 without residual).
    const predicted = gamma(lambda2, d, 50000, 1) - gamma(1, d, 50000, 2);
    const measured = [1, 2, 3].map(
      (seed) =>
        oversmoothing({ graph: ring(N), dim: d, depth: 4000, residual: true, weights: 'gaussian', activation: 'identity', seed }).rate,
    );
    const mean = measured.reduce((a, b) => a + b, 0) / 3;
    expect(Math.abs(mean - predicted)).toBeLessThan(0.008);
    expect(predicted).toBeGreaterThan(Math.log(lambda2) / 2);
    // d = 1: γ(λ) = E log|1 + λ g| is largest at λ = 0 (an eigenvalue of the 12-ring: k = 4) and γ(1) < 0,
    // so the rows never merge: the residual network does not oversmooth at all (mu → 1, rate 0).
    const one = oversmoothing({ graph: ring(N), dim: 1, depth: 400, residual: true, weights: 'gaussian', activation: 'identity', seed: 1 });
    expect(Math.abs(one.rate)).toBeLessThan(1e-3);
    expect(one.similarity[400]).toBeGreaterThan(0.9);
    const oneNoRes = oversmoothing({
      graph: ring(N),
      dim: 1,
      depth: 400,
      residual: false,
      weights: 'gaussian',
      activation: 'identity',
      seed: 1,
    });
    expect(Math.abs(oneNoRes.rate - Math.log(lambda2))).toBeLessThan(1e-9);
  });

  it('nonlinear layers without residual decay at log |λ₂| too (relu to 1e-3, tanh to 0.015)', () => {
    for (const [activation, tol] of [
      ['relu', 1e-3],
      ['tanh', 0.015],
    ] as const)
      for (const weights of ['gaussian', 'uniform', 'orthogonal'] as const)
        for (const seed of [5, 6]) {
          const r = oversmoothing({ graph: ring(N), dim: 16, depth: 200, residual: false, weights, activation, seed });
          expect(Math.abs(r.rate - Math.log(lambda2))).toBeLessThan(tol);
        }
  });

  it('residual connections mitigate oversmoothing (relu: about 3x slower) or prevent it (tanh: rate about 0), for every weight law', () => {
    // A connected 4-regular circulant graph, 64 nodes: log |λ₂| = -0.0973.
    const graph = circulant(64, [1, 7]);
    for (const activation of ['relu', 'tanh', 'identity'] as const)
      for (const weights of ['gaussian', 'uniform', 'orthogonal'] as const) {
        const plain = oversmoothing({ graph, dim: 16, depth: 200, residual: false, weights, activation, seed: 11 });
        const res = oversmoothing({ graph, dim: 16, depth: 200, residual: true, weights, activation, seed: 11 });
        expect(plain.rate).toBeLessThan(-0.09);
        expect(plain.logSimilarity[200]).toBeLessThan(-15);
        if (activation === 'relu') {
          expect(res.rate).toBeGreaterThan(plain.rate / 2);
          expect(res.logSimilarity[200]).toBeGreaterThan(plain.logSimilarity[200] + 10);
        } else if (activation === 'tanh') {
          expect(res.rate).toBeGreaterThan(-0.005);
          expect(res.similarity[200]).toBeGreaterThan(0.5);
        } else {
          expect(res.rate).toBeGreaterThan(plain.rate + 0.02);
          expect(res.logSimilarity[200]).toBeGreaterThan(plain.logSimilarity[200] + 5);
        }
      }
  });

  it('tracks mu far below double precision: K_50 minus a perfect matching has |λ₂| = 1/49, mu(X^200) ≈ e^{-778}', () => {
    const n = 50;
    const graph = csr(range(0, n).map((i) => range(0, n).filter((j) => j !== i && j !== (i ^ 1))));
    for (const weights of ['identity', 'orthogonal'] as const) {
      const r = oversmoothing({ graph, dim: 4, depth: 200, residual: false, weights, activation: 'identity', seed: 1 });
      expect(Math.abs(r.rate + Math.log(n - 1))).toBeLessThan(1e-9);
      expect(r.similarity[200]).toBe(0); // underflows...
      expect(r.logSimilarity[200]).toBeLessThan(-700); // ...but its log is exact
      expect(Number.isFinite(r.logSimilarity[200])).toBe(true);
    }
    // One node, or identical rows: mu = 0 throughout, rate -Infinity.
    const one = oversmoothing({ graph: csr([[]]), depth: 4, residual: false, weights: 'gaussian', seed: 1 });
    expect(Array.from(one.similarity)).toEqual([0, 0, 0, 0, 0]);
    expect(one.rate).toBe(-Infinity);
  });
});

describe('oversmoothing: the split state is the plain recursion', () => {
  /** x^{k+1} = sigma(A x^k W_k) (+ x^k), directly, with the W_k drawn as documented. */
  function plain(
    graph: number[][],
    X0: number[][],
    depth: number,
    alpha: number,
    activation: 'relu' | 'tanh' | 'identity',
    seed: number,
  ): number[] {
    const n = X0.length,
      d = X0[0].length;
    const rng = new Random(seed);
    let X = X0.map((r) => r.slice());
    const mu = () => {
      const mean = range(0, d).map((c) => X.reduce((s, r) => s + r[c], 0) / n);
      let num = 0,
        den = 0;
      for (const r of X)
        for (let c = 0; c < d; c++) {
          num += (r[c] - mean[c]) ** 2;
          den += r[c] ** 2;
        }
      return Math.sqrt(num / den);
    };
    const out = [mu()];
    const sigma = (z: number) => (activation === 'relu' ? Math.max(z, 0) : activation === 'tanh' ? Math.tanh(z) : z);
    for (let k = 0; k < depth; k++) {
      const W = range(0, d * d).map(() => rng.normal() / Math.sqrt(d));
      const AX = X.map((_, i) => {
        const nb = [...new Set([...graph[i], i])];
        return range(0, d).map((c) => nb.reduce((s, j) => s + X[j][c], 0) / nb.length);
      });
      X = AX.map((r, i) =>
        range(0, d).map((c) => {
          let z = 0;
          for (let t = 0; t < d; t++) z += r[t] * W[t * d + c];
          return alpha === 0 ? sigma(z) : X[i][c] + alpha * sigma(z);
        }),
      );
      out.push(mu());
    }
    return out;
  }

  it('matches x^{k+1} = sigma(A x^k W_k) and x^k + sigma(A x^k W_k) for 12 layers to 1e-9 (relu, tanh, identity)', () => {
    const rows = [[1, 4], [0, 2], [1, 3, 5], [2], [0, 5], [4, 2], [0]];
    const rng = new Random(99);
    const X0 = rows.map(() => range(0, 4).map(() => 2 * rng.normal()));
    for (const activation of ['relu', 'tanh', 'identity'] as const)
      for (const residual of [false, true]) {
        const r = oversmoothing({ graph: csr(rows), features: X0, depth: 12, residual, weights: 'gaussian', activation, seed: 4 });
        const ref = plain(rows, X0, 12, residual ? 1 : 0, activation, 4);
        for (let k = 0; k <= 12; k++) {
          expect(ref[k]).toBeGreaterThan(1e-4);
          expect(Math.abs(r.similarity[k] - ref[k]) / ref[k]).toBeLessThan(1e-9);
        }
      }
  });

  it('the same seed gives the same bits; another seed other numbers', () => {
    const o: OversmoothingOptions = {
      graph: circulant(30, [1, 4]),
      depth: 60,
      residual: true,
      weights: 'orthogonal',
      activation: 'tanh',
      seed: 8,
    };
    const a = oversmoothing(o),
      b = oversmoothing({ ...o });
    expect(bits(a.similarity)).toBe(bits(b.similarity));
    expect(Object.is(a.rate, b.rate)).toBe(true);
    expect(bits(oversmoothing({ ...o, seed: 9 }).similarity)).not.toBe(bits(a.similarity));
  });
});

describe('oversmoothing: validation', () => {
  it('refuses missing, unknown and bad options with named errors', () => {
    const ok: OversmoothingOptions = { graph: ring(6), depth: 3, residual: false, weights: 'gaussian', seed: 1 };
    const cases: Array<[unknown, string, RegExp]> = [
      [undefined, 'oversmoothing options', /are required/],
      [null, 'oversmoothing options', /must be an options object/],
      [{ ...ok, graph: undefined }, 'graph', /graph is required/],
      [{ ...ok, depth: undefined }, 'depth', /depth is required/],
      [{ ...ok, depth: 0 }, 'depth', /must be an integer >= 1/],
      [{ ...ok, depth: 2.5 }, 'depth', /must be an integer >= 1/],
      [{ ...ok, residual: undefined }, 'residual', /residual is required/],
      [{ ...ok, residual: -1 }, 'residual', /must be true, false, or a finite number alpha >= 0/],
      [{ ...ok, residual: 'yes' }, 'residual', /must be true, false/],
      [{ ...ok, weights: undefined }, 'weights', /weights is required/],
      [{ ...ok, weights: 'normal' }, 'weights', /must be one of 'gaussian', 'uniform', 'orthogonal', 'identity'/],
      [{ ...ok, activation: 'sigmoid' }, 'activation', /must be one of 'relu', 'tanh', 'identity'/],
      [{ ...ok, seed: undefined }, 'seed', /seed is required/],
      [{ ...ok, seed: -1 }, 'seed', /non-negative safe integer/],
      [{ ...ok, dim: 0 }, 'dim', /must be an integer >= 1/],
      [{ ...ok, features: [[1, 2]] }, 'features', /must have one row per node of the graph \(6\)/],
      [{ ...ok, features: range(0, 13), dim: 3 }, 'features.length', /multiple of dim = 3/],
      [{ ...ok, features: range(0, 6).map(() => [1, 2]), dim: 3 }, 'dim', /must equal the row length 2/],
      [{ ...ok, features: range(0, 6).map(() => [1, NaN]) }, 'features', /must be finite/],
      [{ ...ok, graph: { indptr: [0, 1], indices: [3] } }, 'graph.indices', /must be a node in \[0, 1\)/],
      [{ ...ok, graph: { indptr: [0, 2, 1], indices: [0] } }, 'graph.indptr', /nondecreasing/],
    ];
    for (const [value, name, message] of cases) {
      const e = thrown(() => oversmoothing(value as OversmoothingOptions));
      expect(e.argument).toBe(name);
      expect(e.message).toMatch(message);
    }
    const u = thrown(() => oversmoothing({ ...ok, residul: true } as never));
    expect(u).toBeInstanceOf(UnknownOptionError);
    expect(u.message).toMatch(/unknown option 'residul' for oversmoothing; did you mean 'residual'\?/);
    expect(() => oversmoothing(ok)).not.toThrow(InvalidArgumentError);
    // A flat feature array with dim, and number[][] rows, are both accepted.
    expect(oversmoothing({ ...ok, features: range(0, 12), dim: 2 }).similarity).toHaveLength(4);
  });
});
