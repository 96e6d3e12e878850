// Type tests of the public signatures. Every line under a `// @ts-expect-error` must fail to compile (tsc reports
// an unused directive otherwise) and every other line must compile, with `strict`. `npm run typecheck` checks
// this file against src/; test/package.test.ts checks it against the shipped declarations (import from
// 'meanfield'), and checks that each directive hides a real error.
import {
  ensembleSpecificHeat,
  interactionEnergy,
  type Measure,
  simulate,
  simulateMany,
  sinkhorn,
  sinkhornDivergence,
  slicedWasserstein,
  specificHeat,
  wasserstein2,
  wasserstein2Detailed,
  type Flow,
  type Trajectory,
} from '../../src/index.js';
import * as mf from '../../src/index.js';

declare const mu: Measure;
declare const flow: Flow;
declare const run: Trajectory;

/** Calls that must compile. */
export function accepted(): number[] {
  const rows = [
    [0, 1],
    [1, 0],
  ];
  return [
    sinkhorn(mu, mu, { eps: 0.1 }).value,
    sinkhorn(rows, [[1, 1]], { eps: 0.1 }).cost,
    sinkhorn(new Float64Array(4), [0, 1, 2, 3], { eps: 0.1, dim: 2 }).value,
    sinkhornDivergence(mu, rows, { eps: 0.1 }).value,
    wasserstein2(mu, rows),
    wasserstein2([0, 1], [2, 3], { dim: 1 }),
    wasserstein2Detailed(mu, mu).value,
    slicedWasserstein(rows, mu, { seed: 1 }),
    simulate(flow, mu, { tEnd: 1 }).finalTime,
    simulate(flow, run, { tEnd: 2 }).finalTime,
    simulate(flow, run.toJSON(), { tEnd: 2 }).finalTime,
    simulate(flow, mu, { collapse: { tol: 1e-6 }, record: { logSpaced: { count: 10, to: 1e6 } } }).finalTime,
    simulateMany(flow, [mu, run, run.toJSON()], { tEnd: 1 }).length,
    interactionEnergy(mu, { beta: 9 }).energy,
    specificHeat(mu, { beta: 2, precision: 'f32' }),
    ensembleSpecificHeat([mu], { beta: 2 }),
    run.collapses[0].remaining,
  ];
}

/** Calls that must not compile. */
export function refused(): unknown[] {
  return [
    // @ts-expect-error a string is not a point set
    sinkhornDivergence(mu, 'oops', { eps: 0.1 }),
    // @ts-expect-error an object that is not a Measure, a Trajectory or its JSON
    simulate(flow, { hello: 1 }, { tEnd: 1 }),
    // @ts-expect-error an unknown option key
    simulate(flow, mu, { tEnd: 1, tend: 2 }),
    // @ts-expect-error an unknown option key
    sinkhorn(mu, mu, { eps: 0.1, epsilon: 1 }),
    // @ts-expect-error eps is required
    sinkhorn(mu, mu, {}),
    // @ts-expect-error wasserstein2 has no eps
    wasserstein2(mu, mu, { eps: 1 }),
    // @ts-expect-error beta is an option: interactionEnergy(mu, { beta })
    interactionEnergy(mu, 9),
    // @ts-expect-error beta is an option: specificHeat(mu, { beta })
    specificHeat(mu, 2),
    // @ts-expect-error beta is an option: ensembleSpecificHeat(measures, { beta })
    ensembleSpecificHeat([mu], 2),
    // @ts-expect-error renamed: SinkhornResult.value
    sinkhorn(mu, mu, { eps: 1 }).objective,
    // @ts-expect-error renamed: Collapse.remaining
    run.collapses[0].size,
    // @ts-expect-error the option is named clusters (what to observe); the record is clusterCounts
    simulate(flow, mu, { tEnd: 1, observe: { clusterCounts: { tol: 1 } } }),
    // @ts-expect-error simulateMany takes no onProgress
    simulateMany(flow, [mu], { tEnd: 1, onProgress: () => {} }),
    // @ts-expect-error not exported: interactionEnergy computes it
    mf.quadraticEnergy,
    // @ts-expect-error not exported (internal)
    mf.ipow,
  ];
}
