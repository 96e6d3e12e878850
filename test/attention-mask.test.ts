// The row-by-row truncation mask (src/flows/attention-mask.ts): every row's skipped keys carry at most e^{-tau²} of
// its kept weight, checked against an f64 reference of every pair, on problems where the bound is nearly tight
// (points stacked on few sites, so the clusters' radii vanish) and the budget's split decides what may be skipped.
import { beforeAll, describe, expect, it } from 'vitest';
import { init } from '../src/index.js';
import { jsBackend } from '../src/backend/index.js';
import { kdLeaves, kdSubLeaves } from '../src/backend/clusters.js';
import { geometry, newGeometry, upperLogWeights, upperLogWeightsOf } from '../src/flows/attention-bounds.js';
import { truncationMask } from '../src/flows/attention-mask.js';
import { AttentionTruncation } from '../src/flows/attention-truncate.js';
import { lcg, spherePoints } from './helpers.js';

beforeAll(async () => {
  await init({ threads: 1 });
});

/** n points stacked `copies` deep on n / copies sites of a spherical cap of angle `cap`, and weights spread over e^{±spread}. */
function stacked(n: number, copies: number, cap: number, spread: number, seed: number) {
  const rnd = lcg(seed);
  const sites = spherePoints(rnd, n / copies, 3);
  const x = new Float64Array(3 * n);
  for (let s = 0; s < n / copies; s++) {
    // Pull the site towards the pole (0, 0, 1) so that all sites sit in a cap of about `cap`.
    const p = [cap * sites[3 * s], cap * sites[3 * s + 1], 1];
    const r = Math.hypot(p[0], p[1], p[2]);
    for (let c = 0; c < copies; c++) for (let k = 0; k < 3; k++) x[3 * (s * copies + c) + k] = p[k] / r;
  }
  const h = Float64Array.from({ length: n }, () => spread * (2 * rnd() - 1));
  return { x, h };
}

/** The largest log(skipped / kept) weight of a row under t's last mask, every pair in f64. */
function worstShare(t: AttentionTruncation, x: Float64Array, h: Float64Array, n: number, beta: number): number {
  const { rows, ptr, ranges } = t.lastMask!;
  const order = t.lastOrder!;
  const seen = new Uint8Array(n);
  let worst = -Infinity;
  for (let q = 0; q + 1 < rows.length; q++) {
    seen.fill(0);
    for (let r = ptr[q]; r < ptr[q + 1]; r++) seen.fill(1, ranges[2 * r], ranges[2 * r + 1]);
    for (let s = rows[q]; s < rows[q + 1]; s++) {
      const i = order[s];
      let kept = 0,
        skipped = 0;
      for (let u = 0; u < n; u++) {
        const j = order[u];
        const dot = x[3 * i] * x[3 * j] + x[3 * i + 1] * x[3 * j + 1] + x[3 * i + 2] * x[3 * j + 2];
        const e = Math.exp(h[j] + beta * (dot - 1));
        if (seen[u]) kept += e;
        else skipped += e;
      }
      if (skipped > 0) worst = Math.max(worst, Math.log(skipped / kept));
    }
  }
  return worst;
}

describe('attention truncation mask, row by row', () => {
  const CASES = [
    { n: 2048, copies: 16, cap: 0.6, spread: 0, beta: 400, tau: 1 },
    { n: 2048, copies: 32, cap: 0.8, spread: 2, beta: 200, tau: 1.5 },
    { n: 3072, copies: 8, cap: 0.5, spread: 1, beta: 1000, tau: 2 },
    { n: 2048, copies: 4, cap: 1, spread: 0, beta: 300, tau: 3 },
  ];

  for (const c of CASES) {
    it(`every row skips at most e^{-tau²} of its kept weight (${JSON.stringify(c)})`, () => {
      const { x, h } = stacked(c.n, c.copies, c.cap, c.spread, c.n + c.copies);
      const t = new AttentionTruncation(c.tau);
      t.reduce(jsBackend, x, x, x, h, c.n, 3, c.beta, 'f64', new Float64Array(c.n), new Float64Array(3 * c.n));
      // Something is skipped (the test is not vacuous), and every row's share is within the bound.
      expect(t.kept).toBeLessThan(0.7 * c.n * c.n);
      expect(worstShare(t, x, h, c.n, c.beta)).toBeLessThanOrEqual(-c.tau * c.tau);
    });
  }

  /**
   * Exact bounds (every cluster is 32 copies of one site, so its radius is 0): a pole site of queries, `ringA` sites
   * at angle 0.5 from it and one site at angle 0.3, with log weights h chosen so that the pole rows' cluster bounds
   * are uA (each ring A site) and uB, relative to the budget log(e^{-tau²} L) of the pole rows.
   */
  function rings(uA: number, uB: number, tau: number, beta: number) {
    const ringA = 62,
      copies = 32,
      sites = ringA + 2,
      n = sites * copies;
    const x = new Float64Array(3 * n),
      h = new Float64Array(n);
    const logL = Math.log(copies) + beta; // the pole rows' own cluster: 32 keys of weight e^{beta}
    const budget = logL - tau * tau;
    const put = (s: number, polar: number, azimuth: number, logU: number) => {
      const p = [Math.sin(polar) * Math.cos(azimuth), Math.sin(polar) * Math.sin(azimuth), Math.cos(polar)];
      for (let c = 0; c < copies; c++) {
        const i = s * copies + c;
        for (let k = 0; k < 3; k++) x[3 * i + k] = p[k];
        h[i] = logU - Math.log(copies) - beta * Math.cos(polar);
      }
    };
    put(0, 0, 0, logL);
    for (let a = 0; a < ringA; a++) put(1 + a, 0.5, (2 * Math.PI * a) / ringA, budget + uA);
    put(sites - 1, 0.3, 0.1, budget + uB);
    return { x, h, n, K: sites };
  }

  /** The worst log(skipped / kept) share over the pole rows (original indices 0 .. 31). */
  function poleShare(uA: number, uB: number) {
    const tau = 1,
      beta = 100;
    const { x, h, n } = rings(uA, uB, tau, beta);
    const t = new AttentionTruncation(tau);
    t.reduce(jsBackend, x, x, x, h, n, 3, beta, 'f64', new Float64Array(n), new Float64Array(3 * n));
    const { rows, ptr, ranges } = t.lastMask!;
    const order = t.lastOrder!;
    let worst = -Infinity,
      rowsSeen = 0;
    for (let q = 0; q + 1 < rows.length; q++) {
      for (let s = rows[q]; s < rows[q + 1]; s++) {
        const i = order[s];
        if (i >= 32) continue;
        rowsSeen++;
        let kept = 0,
          skipped = 0;
        for (let u = 0; u < n; u++) {
          const j = order[u];
          let seen = false;
          for (let r = ptr[q]; r < ptr[q + 1]; r++) if (u >= ranges[2 * r] && u < ranges[2 * r + 1]) seen = true;
          const dot = x[3 * i] * x[3 * j] + x[3 * i + 1] * x[3 * j + 1] + x[3 * i + 2] * x[3 * j + 2];
          const e = Math.exp(h[j] + beta * (dot - 1));
          if (seen) kept += e;
          else skipped += e;
        }
        worst = Math.max(worst, Math.log(skipped / kept));
      }
    }
    expect(rowsSeen).toBe(32);
    return { worst, tau };
  }

  it('charges what the whole cluster drops (far clusters) to each row before the row skips near ones', () => {
    // Ring A: 62 clusters just below the far cut (budget - log 2 - log 64), half the budget together; the site at 0.3
    // carries 0.8 of the budget: with the far share charged it must stay, without it it would be skipped.
    const { worst, tau } = poleShare(-Math.LN2 - Math.log(64) - 0.01, Math.log(0.8));
    expect(worst).toBeGreaterThan(-tau * tau - 1); // far clusters were skipped: the check is not vacuous
    expect(worst).toBeLessThanOrEqual(-tau * tau);
  });

  it('drops clusters for the whole query cluster only below the far cut that counts every cluster', () => {
    // Ring A: 62 clusters of e^{-1}/2 of the budget each (11 budgets in all): a few may go, row by row, not all.
    // The site at 0.3 is negligible here. Skipping 5 of them costs e^{-2.7} of the kept weight; all 62, e^{+1.4}.
    const { worst, tau } = poleShare(-Math.LN2 - 1, -50);
    expect(worst).toBeGreaterThan(-tau * tau - 2);
    expect(worst).toBeLessThanOrEqual(-tau * tau);
  });

  it('upperLogWeightsOf gives upperLogWeights on exactly the listed clusters', () => {
    const n = 640,
      d = 3,
      beta = 50;
    const x = spherePoints(lcg(4), n, d);
    const tree = kdLeaves(x, n, d, 16);
    const xs = new Float64Array(n * d);
    for (let s = 0; s < n; s++) for (let k = 0; k < d; k++) xs[s * d + k] = x[tree.order[s] * d + k];
    const g = newGeometry(tree.K, d);
    geometry(xs, tree, d, g);
    const logW = Float64Array.from({ length: tree.K }, (_, J) => -J / 10);
    const all = new Float64Array(tree.K),
      some = new Float64Array(tree.K).fill(Number.NaN);
    upperLogWeights(g, 3, g, logW, d, beta, all);
    const cand = Int32Array.from([0, 1, 2, 5, 6, 9, tree.K - 1]);
    upperLogWeightsOf(g, 3, g, logW, d, beta, some, cand, cand.length);
    for (let J = 0; J < tree.K; J++) expect(some[J]).toBe(cand.includes(J) ? all[J] : Number.NaN);
  });

  it("charges each query block's skipped clusters within e^{-tau²} of its smallest own-cluster weight (recounted)", () => {
    // Spread-out clusters with uneven weights: rows of one query block differ in L_i, so its budget is their smallest.
    const n = 4096,
      d = 3,
      beta = 300,
      tau = 1.5;
    const rnd = lcg(12);
    const x = spherePoints(rnd, n, d);
    const h = Float64Array.from({ length: n }, () => 3 * rnd());
    const leaves = kdLeaves(x, n, d, 32);
    const sub = kdSubLeaves(x, d, leaves, 8);
    const tree = { order: sub.order, offsets: leaves.offsets, K: leaves.K };
    const xs = new Float64Array(n * d),
      hs = new Float64Array(n);
    for (let s = 0; s < n; s++) {
      hs[s] = h[sub.order[s]];
      for (let k = 0; k < d; k++) xs[s * d + k] = x[sub.order[s] * d + k];
    }
    const g = newGeometry(tree.K, d),
      gs = newGeometry(sub.K, d);
    geometry(xs, tree, d, g);
    geometry(xs, sub, d, gs);
    const { mask } = truncationMask(tree, sub, xs, xs, hs, g, g, d, beta, tau);
    // Recount: own-cluster weights by brute force, cluster weights, and per block the bounds of every skipped cluster.
    const { offsets, K } = tree;
    const clusterOf = new Int32Array(n);
    for (let J = 0; J < K; J++) clusterOf.fill(J, offsets[J], offsets[J + 1]);
    const logW = new Float64Array(K);
    for (let J = 0; J < K; J++) {
      let s = 0;
      for (let j = offsets[J]; j < offsets[J + 1]; j++) s += Math.exp(hs[j]);
      logW[J] = Math.log(s);
    }
    const uSub = new Float64Array(K),
      uLeaf = new Float64Array(K);
    let worst = -Infinity,
      skippedSome = 0;
    for (let b = 0; b < sub.K; b++) {
      const I = clusterOf[sub.offsets[b]];
      let minL = Infinity;
      for (let i = sub.offsets[b]; i < sub.offsets[b + 1]; i++) {
        let s = 0;
        for (let j = offsets[I]; j < offsets[I + 1]; j++) {
          const dot = xs[i * d] * xs[j * d] + xs[i * d + 1] * xs[j * d + 1] + xs[i * d + 2] * xs[j * d + 2];
          s += Math.exp(hs[j] + beta * (dot - 1));
        }
        minL = Math.min(minL, Math.log(s) + beta);
      }
      const seen = new Uint8Array(K);
      for (let r = mask.ptr[b]; r < mask.ptr[b + 1]; r++) {
        for (let J = clusterOf[mask.ranges[2 * r]]; J < K && offsets[J] < mask.ranges[2 * r + 1]; J++) seen[J] = 1;
      }
      upperLogWeights(gs, b, g, logW, d, beta, uSub);
      upperLogWeights(g, I, g, logW, d, beta, uLeaf);
      let charged = 0;
      for (let J = 0; J < K; J++) if (!seen[J]) charged += Math.exp(Math.min(uSub[J], uLeaf[J]) - minL);
      if (charged > 0) skippedSome++;
      worst = Math.max(worst, Math.log(charged));
    }
    expect(skippedSome).toBe(sub.K);
    // Not vacuous: the budget is used (within a factor e), not left idle.
    expect(worst).toBeGreaterThan(-tau * tau - 1);
    expect(worst).toBeLessThanOrEqual(-tau * tau + 1e-9);
  });
});
