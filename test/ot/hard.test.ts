// Sinkhorn on the problems that used to hang with default options (issue: 58 938 iterations and 28 s for
// 300 x 200 Gaussian points at eps = 0.01; 100 045 iterations, unconverged, in 3-D). Their plans nearly split into
// blocks (uniform weights, n : m = 3 : 2), so every first-order scheme crawls; small problems are finished by
// Newton's method. The answers are checked without trusting the solver: the marginals are summed from plan(),
// and the primal value <P, C> + eps KL(P | a ⊗ b) of that plan must meet the dual value it reports.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  init,
  InvalidArgumentError,
  Measure,
  planarShapes,
  pointCloudMemory,
  sinkhorn,
  sinkhornDivergence,
  type SinkhornProgress,
} from '../../src/index.js';

beforeAll(async () => {
  await init();
});

const CASES = [
  { d: 2, seeds: [1, 2] },
  { d: 3, seeds: [7, 8] },
  { d: 3, seeds: [1, 2] },
];

/** Marginal errors and the primal value of a dense plan P (n x m) between uniform-weight clouds, cost |x - y|². */
function primal(P: Float64Array, a: Measure, b: Measure, eps: number): { rows: number; cols: number; value: number } {
  const n = a.size,
    m = b.size,
    d = a.dim;
  const cols = new Float64Array(m);
  let rows = 0,
    value = 0;
  for (let i = 0; i < n; i++) {
    let r = 0;
    for (let j = 0; j < m; j++) {
      const p = P[i * m + j];
      r += p;
      cols[j] += p;
      if (p > 0) {
        let c = 0;
        for (let k = 0; k < d; k++) c += (a.points[i * d + k] - b.points[j * d + k]) ** 2;
        value += p * c + eps * p * Math.log(p / ((1 / n) * (1 / m)));
      }
    }
    rows += Math.abs(r - 1 / n);
  }
  let colErr = 0;
  for (let j = 0; j < m; j++) colErr += Math.abs(cols[j] - 1 / m);
  return { rows, cols: colErr, value };
}

describe('default options converge on nearly block-diagonal plans', () => {
  for (const { d, seeds } of CASES) {
    const a = Measure.gaussian(300, d, { seed: seeds[0] }),
      b = Measure.gaussian(200, d, { seed: seeds[1] });

    it(`d = ${d}, seeds ${seeds}: the default tol (1e-6) is reached in a bounded number of iterations`, () => {
      const r = sinkhorn(a, b, { eps: 0.01 });
      expect(r.converged).toBe(true);
      // Before: tens of thousands of iterations (or maxIter) at tol 1e-9. Newton takes over after 100.
      expect(r.iterations).toBeLessThan(400);
      const p = primal(r.plan(), a, b, 0.01);
      expect(p.rows + p.cols).toBeLessThanOrEqual(1e-6);
      expect(Math.abs(p.rows + p.cols - r.marginalError)).toBeLessThan(1e-12);
    });

    it(`d = ${d}, seeds ${seeds}: tol 1e-9 is reached too, and the primal value of the plan meets the dual value`, () => {
      const r = sinkhorn(a, b, { eps: 0.01, tol: 1e-9 });
      expect(r.converged).toBe(true);
      expect(r.newtonSteps).toBeGreaterThan(0);
      const p = primal(r.plan(), a, b, 0.01);
      expect(p.rows + p.cols).toBeLessThanOrEqual(1e-9);
      // At the optimum the duality gap is zero; with marginals within 1e-9 it is below 1e-9 of the potentials' scale.
      expect(Math.abs(p.value - r.value)).toBeLessThan(1e-8 * Math.abs(r.value));
    });
  }

  it('plain Sinkhorn (acceleration: false) is left as it was: no Newton polish', () => {
    const a = Measure.gaussian(60, 2, { seed: 1 }),
      b = Measure.gaussian(40, 2, { seed: 2 });
    const r = sinkhorn(a, b, { eps: 0.01, acceleration: false, maxIter: 300 });
    expect(r.newtonSteps).toBeUndefined();
  });

  it('a solve stopped by maxIter returns the iterate it measured: plan() has the error the last iteration reported', () => {
    // Anderson's extrapolated f used to be returned with the g of the step before, a plan 100x worse than reported.
    const a = Measure.gaussian(300, 3, { seed: 7 }),
      b = Measure.gaussian(200, 3, { seed: 8 });
    for (const maxIter of [7, 40, 90]) {
      let last = NaN;
      const r = sinkhorn(a, b, {
        eps: 0.01,
        maxIter,
        onProgress: (p) => {
          if (p.stage === 'iterating') last = p.marginalError;
        },
      });
      expect(r.converged).toBe(false);
      expect(Math.abs(r.marginalError - last)).toBeLessThan(1e-6 * last);
    }
  });

  it('pointCloudMemory retrieval (many tiny solves with drifting weights) stays fast and monotone', () => {
    const shapes = planarShapes(5);
    const pcm = pointCloudMemory({ patterns: shapes.slice(0, 2), beta: 5, sinkhorn: { eps: 0.05 } });
    let worst = 0;
    const counted = pointCloudMemory({
      patterns: shapes.slice(0, 2),
      beta: 5,
      sinkhorn: {
        eps: 0.05,
        onProgress: (p) => {
          if (p.problem === 'ab') worst = Math.max(worst, p.iteration);
        },
      },
    });
    const r = pcm.retrieve(shapes[2]);
    counted.retrieve(shapes[2]);
    for (let i = 1; i < r.energy.length; i++) expect(r.energy[i]).toBeLessThanOrEqual(r.energy[i - 1] + 1e-12);
    expect(worst).toBeLessThan(1000); // it was 38 175 (Newton from a poor iterate, then plain Sinkhorn)
  });
});

describe('onProgress', () => {
  const a = Measure.gaussian(40, 2, { seed: 3 }),
    b = Measure.gaussian(30, 2, { seed: 4, mean: 0.5 });

  it('sinkhorn reports every iteration of its one problem; the last report is the result', () => {
    const seen: SinkhornProgress[] = [];
    const r = sinkhorn(a, b, { eps: 0.05, onProgress: (p) => seen.push(p) });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((p) => p.problem === 'ab' && p.eps >= 0.05 && p.elapsedMs >= 0)).toBe(true);
    const iterating = seen.filter((p) => p.stage === 'iterating');
    for (let k = 1; k < iterating.length; k++) expect(iterating[k].iteration).toBe(iterating[k - 1].iteration + 1);
    expect(iterating.at(-1)!.iteration).toBe(r.iterations);
    expect(iterating.at(-1)!.marginalError).toBeLessThanOrEqual(1e-6);
  });

  it('annealing stages report NaN errors and rising counts; eps falls to the target', () => {
    const seen: SinkhornProgress[] = [];
    sinkhorn(a, b, { eps: 0.001, scaling: 0.5, onProgress: (p) => seen.push(p) });
    const annealing = seen.filter((p) => p.stage === 'annealing');
    expect(annealing.length).toBeGreaterThan(2);
    expect(annealing.every((p) => Number.isNaN(p.marginalError))).toBe(true);
    for (let k = 1; k < annealing.length; k++) expect(annealing[k].eps).toBeLessThan(annealing[k - 1].eps);
    expect(seen.at(-1)!.eps).toBe(0.001);
  });

  it('sinkhornDivergence reports its three problems in turn (ab, aa, bb)', () => {
    const order: string[] = [];
    sinkhornDivergence(a, b, {
      eps: 0.05,
      onProgress: (p) => {
        if (order.at(-1) !== p.problem) order.push(p.problem);
      },
    });
    expect(order).toEqual(['ab', 'aa', 'bb']);
  });

  it('multiscale solves report their coarse start', () => {
    const stages = new Set<string>();
    sinkhorn(Measure.gaussian(400, 2, { seed: 5 }), Measure.gaussian(300, 2, { seed: 6 }), {
      eps: 0.01,
      truncate: 5,
      onProgress: (p) => stages.add(p.stage),
    });
    expect(stages.has('coarse')).toBe(true);
    expect(stages.has('iterating')).toBe(true);
  });

  it('an exception thrown by onProgress propagates; a non-function is refused by name', () => {
    expect(() =>
      sinkhorn(a, b, {
        eps: 0.05,
        onProgress: () => {
          throw new RangeError('stop here');
        },
      }),
    ).toThrow(RangeError);
    const bad = { eps: 0.05, onProgress: 42 } as unknown as Parameters<typeof sinkhorn>[2];
    expect(() => sinkhorn(a, b, bad)).toThrow(InvalidArgumentError);
    expect(() => sinkhornDivergence(a, b, bad)).toThrow(/onProgress/);
  });
});
