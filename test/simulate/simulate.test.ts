import { beforeAll, describe, expect, it } from 'vitest';
import {
  attention,
  circle,
  init,
  InvalidArgumentError,
  kdeModes,
  Measure,
  plateaus,
  simulate,
  SimulationError,
  Trajectory,
} from '../../src/index.js';
import type { Flow } from '../../src/flows/flow.js';

beforeAll(async () => {
  await init();
});

/**
 * The papers' NumPy scheme, written out independently: dense exp matrix, row normalisation,
 * optional tangent projection, an Euler step, renormalisation.
 */
function referenceEuler(x0: Float64Array, n: number, d: number, beta: number, dt: number, steps: number, project: boolean): Float64Array {
  let x = Float64Array.from(x0);
  for (let s = 0; s < steps; s++) {
    const next = new Float64Array(n * d);
    for (let i = 0; i < n; i++) {
      const row = new Float64Array(n);
      for (let j = 0; j < n; j++) {
        let dot = 0;
        for (let c = 0; c < d; c++) dot += x[i * d + c] * x[j * d + c];
        row[j] = Math.exp(beta * dot);
      }
      const z = row.reduce((a, b) => a + b, 0);
      const v = new Float64Array(d);
      for (let j = 0; j < n; j++) for (let c = 0; c < d; c++) v[c] += (row[j] / z) * x[j * d + c];
      if (project) {
        let p = 0;
        for (let c = 0; c < d; c++) p += v[c] * x[i * d + c];
        for (let c = 0; c < d; c++) v[c] -= p * x[i * d + c];
      }
      let r = 0;
      for (let c = 0; c < d; c++) {
        next[i * d + c] = x[i * d + c] + dt * v[c];
        r += next[i * d + c] ** 2;
      }
      for (let c = 0; c < d; c++) next[i * d + c] /= Math.sqrt(r);
    }
    x = next;
  }
  return x;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('integrators', () => {
  for (const tangentProjection of [true, false]) {
    it(
      `Euler dt = 0.1 with renormalisation (${tangentProjection ? 'projected' : "the papers' unprojected"} variant) matches a ` +
        `step-by-step reimplementation`,
      () => {
        const n = 40,
          d = 3,
          beta = 4;
        const mu = Measure.uniformSphere(n, d, { seed: 77 });
        const run = simulate(attention({ beta, tangentProjection }), mu, { tEnd: 10, integrator: 'euler', dt: 0.1, record: { every: 10 } });
        expect(run.steps).toBe(100);
        expect(maxDiff(run.final.points, referenceEuler(mu.points, n, d, beta, 0.1, 100, tangentProjection))).toBeLessThan(1e-12);
      },
    );
  }

  it('rk4 converges at fourth order and rk45 meets its tolerance', () => {
    const mu = Measure.uniformCircle(16, { seed: 4 });
    const flow = circle({ beta: 2 });
    const finalAt = (opts: object) => simulate(flow, mu, { tEnd: 2, record: {}, ...opts }).final.points;
    const reference = finalAt({ integrator: 'rk45', rtol: 1e-12, atol: 1e-14 });
    const e1 = maxDiff(finalAt({ integrator: 'rk4', dt: 0.1 }), reference);
    const e2 = maxDiff(finalAt({ integrator: 'rk4', dt: 0.05 }), reference);
    expect(Math.log2(e1 / e2)).toBeGreaterThan(3.6);
    expect(maxDiff(finalAt({ integrator: 'rk45', rtol: 1e-8, atol: 1e-10 }), reference)).toBeLessThan(1e-6);
  });

  it('wasm and js give the same trajectory to 1e-9 over 100 rk4 steps; f32 stays within 1e-4 of f64', () => {
    const mu = Measure.uniformSphere(64, 3, { seed: 5 });
    const flow = attention({ beta: 5 });
    const opts = { tEnd: 5, integrator: 'rk4' as const, dt: 0.05, record: { every: 10, snapshots: true } };
    const wasm = simulate(flow, mu, opts);
    const js = simulate(flow, mu, { ...opts, backend: 'js' });
    const f32 = simulate(flow, mu, { ...opts, precision: 'f32' });
    expect(wasm.steps).toBe(100);
    expect(wasm.snapshots.length).toBe(11);
    for (let s = 0; s < wasm.snapshots.length; s++) {
      expect(maxDiff(wasm.snapshots[s].points, js.snapshots[s].points)).toBeLessThan(1e-9);
      expect(maxDiff(wasm.snapshots[s].points, f32.snapshots[s].points)).toBeLessThan(1e-4);
    }
  });
});

describe('checkpoints', () => {
  it('a run resumed from its JSON ends bit-identical to an uninterrupted one', () => {
    const mu = Measure.uniformSphere(48, 3, { seed: 21 });
    const flow = attention({ beta: 6 });
    const opts = { integrator: 'rk45' as const, observe: { energy: true, clusters: { tol: 1e-3 } }, record: { logSpaced: 30 } };
    const whole = simulate(flow, mu, { ...opts, tEnd: 40 });
    const part = simulate(flow, mu, { ...opts, tEnd: 13 });
    const saved = JSON.parse(JSON.stringify(part));
    const resumed = simulate(flow, saved, { ...opts, tEnd: 40 });
    expect(resumed.steps).toBe(whole.steps);
    expect(Array.from(resumed.final.points)).toEqual(Array.from(whole.final.points));
    expect(Object.is(resumed.final.points[0], whole.final.points[0])).toBe(true);
    // The resumed trajectory carries the first part's records.
    expect(resumed.times[0]).toBe(0);
    expect(resumed.times[resumed.times.length - 1]).toBe(40);
    // Also after an abort, for a fixed-step integrator.
    const ctl = new AbortController();
    let calls = 0;
    const aborted = simulate(flow, mu, {
      tEnd: 3,
      integrator: 'rk4',
      dt: 0.01,
      progressInterval: 0,
      onProgress: () => {
        if (++calls === 50) ctl.abort();
      },
      signal: ctl.signal,
    });
    expect(aborted.stopReason).toBe('aborted');
    const wholeRk4 = simulate(flow, mu, { tEnd: 3, integrator: 'rk4', dt: 0.01 });
    const rest = simulate(flow, Trajectory.fromJSON(JSON.stringify(aborted)), { tEnd: 3, integrator: 'rk4', dt: 0.01 });
    expect(Array.from(rest.final.points)).toEqual(Array.from(wholeRk4.final.points));
  });

  it('refuses to resume a different flow', () => {
    const mu = Measure.uniformSphere(8, 3, { seed: 1 });
    const part = simulate(attention({ beta: 1 }), mu, { tEnd: 1 });
    expect(() => simulate(attention({ beta: 2 }), part, { tEnd: 2 })).toThrow(
      /checkpoint must come from the same flow \(attention .*\), got "a attention run/,
    );
  });
});

describe('metastability', () => {
  it(
    'circle, SA, n = 64, beta = 9: clusters form by t ≈ 15, a multi-cluster plateau lasts ≥ 10x that, energy flat on plateaus and ' +
      'jumping at merges',
    () => {
      const mu = Measure.uniformCircle(64, { seed: 2 });
      const run = simulate(circle({ beta: 9 }), mu, {
        tEnd: 3e4,
        integrator: 'rk45',
        rtol: 1e-9,
        atol: 1e-12,
        record: { logSpaced: { count: 300, from: 0.05 } },
        observe: { energy: true, clusters: { tol: 1e-2 } },
      });
      // Only the staircase is metastable: not the initial clustering, whose not-yet-merged counts also sit
      // still for a while near t = 0 on a log axis.
      const metastable = plateaus(run).plateaus.filter((p) => p.metastable);
      const formed = metastable[0];
      expect(formed.clusters).toBeGreaterThanOrEqual(2);
      expect(formed.clusters).toBeLessThanOrEqual(10);
      expect(formed.start).toBeLessThan(15);
      // It, or a later multi-cluster plateau, lasts at least 10x the time it took to form.
      expect(metastable.some((p) => p.clusters >= 2 && p.end - p.start >= 10 * formed.start)).toBe(true);
      // Flat energy on every plateau, a jump at every merge between them (a staircase).
      expect(metastable.length).toBeGreaterThanOrEqual(2);
      for (const p of metastable) expect(p.energyChange).toBeLessThan(1e-3);
      for (let i = 1; i < metastable.length; i++) {
        expect(metastable[i].clusters).toBeLessThan(metastable[i - 1].clusters);
        expect(metastable[i].energy - metastable[i - 1].energy).toBeGreaterThan(1e-2 * metastable[i - 1].energy);
      }
    },
  );
});

describe('analysis', () => {
  it('kdeModes counts the modes of sum_j a_j e^{beta cos(θ - θ_j)}', () => {
    const centers = [0.3, 2.0, 4.1];
    const angles = centers.flatMap((c) => [c - 0.01, c, c + 0.01]);
    expect(kdeModes(angles, { beta: 30 })).toBe(3);
    // At small beta the bumps merge into one.
    expect(kdeModes(angles, { beta: 0.5 })).toBe(1);
    expect(kdeModes([1, 1 + Math.PI], { beta: 4 })).toBe(2);
  });

  it('plateaus splits a record into constant-count runs and merges', () => {
    const r = plateaus({ times: [0, 1, 2, 3, 4, 5], clusterCounts: [5, 3, 3, 3, 1, 1], energy: [1, 2, 2.0001, 2.0001, 3, 3] });
    expect(r.plateaus.map((p) => [p.start, p.end, p.clusters])).toEqual([
      [0, 0, 5],
      [1, 3, 3],
      [4, 5, 1],
    ]);
    expect(r.merges.map((m) => [m.after, m.before, m.from, m.to])).toEqual([
      [0, 1, 5, 3],
      [3, 4, 3, 1],
    ]);
    expect(r.plateaus[1].energyChange).toBeCloseTo(0.0001 / 2.0001, 12);
    expect(() => plateaus({ times: [0] })).toThrow(/clusterCounts must be recorded/);
  });

  it('plateaus never flags the unclustered start (start = 0), the initial clustering or a rising count', () => {
    // The unclustered start held for a long time: log time from t = 0 is not defined, so never metastable.
    const still = plateaus({ times: [0, 1, 2, 4, 8], clusterCounts: [10, 10, 10, 10, 10] });
    expect(still.plateaus.map((p) => p.metastable)).toEqual([false]);
    expect(still.clusteredAt).toBeNull();
    // A run like circle n = 64: a few close pairs at t = 0 (58 clusters), one merge before the first record at
    // 0.05 (57 until 1.3: long on a log axis, but part of the initial clustering), then 20, then 3 and 2 for long.
    const times = [0, 0.05, 0.3, 1.25, 2, 4, 15, 100, 5000, 6000, 1e5, 1e7, 1.5e7];
    const counts = [58, 57, 57, 57, 20, 5, 3, 3, 3, 2, 2, 2, 1];
    const r = plateaus({ times, clusterCounts: counts });
    expect(r.clusteredAt).toBe(2); // the first record with at most 58 / 2 clusters
    expect(r.plateaus.filter((p) => p.metastable).map((p) => [p.clusters, p.start, p.end])).toEqual([
      [3, 15, 5000],
      [2, 6000, 1e7],
    ]);
    // A count that rises (a cluster splitting past tol) is not metastable, however long; the fall after it can be.
    const rising = plateaus({ times: [0, 1, 2, 10, 100, 1000, 1e4], clusterCounts: [8, 4, 3, 4, 4, 3, 3] });
    expect(rising.plateaus.map((p) => [p.clusters, p.metastable])).toEqual([
      [8, false],
      [4, false],
      [3, false],
      [4, false],
      [3, true],
    ]);
    // minRatio applies after the first clustered state.
    expect(
      plateaus({ times, clusterCounts: counts }, { minRatio: 1000 })
        .plateaus.filter((p) => p.metastable)
        .map((p) => p.clusters),
    ).toEqual([2]);
  });
});

describe('bad input', () => {
  const mu = Measure.uniformSphere(8, 3, { seed: 1 });
  it('names the argument, the value and the rule', () => {
    const bad: Array<[() => unknown, RegExp]> = [
      [() => attention({ beta: NaN }), /beta must be a finite number, got NaN/],
      [() => circle({ beta: Infinity }), /beta must be a finite number, got Infinity/],
      [
        () =>
          simulate(
            attention({
              Q: [
                [1, 0],
                [0, 1],
              ],
            }),
            mu,
            { tEnd: 1 },
          ),
        /Q must be 3 x 3 to act on points of dimension 3, got "a 2 x 2 matrix"/,
      ],
      [
        () =>
          attention({
            V: [
              [1, 0, 0],
              [0, 1],
            ],
          }),
        /V must be a square d x d matrix/,
      ],
      [() => simulate(circle({ beta: 1 }), mu, { tEnd: 1 }), /mu.space must be 'circle' for this circle flow .*, got "sphere"/],
      [() => simulate(attention({ beta: 1, space: 'euclidean' }), mu, { tEnd: 1 }), /mu.space must be 'euclidean'/],
      [() => simulate(attention(), mu, { tEnd: -1 }), /tEnd must be a finite number >= 0, got -1/],
      [() => simulate(attention(), mu, { tEnd: 1, integrator: 'euler', dt: 0 }), /dt must be a finite number > 0, got 0/],
      [() => simulate(attention(), mu, { tEnd: 1, integrator: 'euler' }), /dt is required for the fixed-step integrator 'euler'/],
      [() => simulate(attention(), mu, { tEnd: 1, rtol: 0 }), /rtol must be a finite number > 0, got 0/],
      [() => simulate(attention(), mu, { tEnd: 1, atol: -1 }), /atol must be a finite number > 0, got -1/],
      [() => simulate(attention(), mu, { tEnd: 1, integrator: 'leapfrog' as never }), /integrator must be one of/],
      [
        () =>
          simulate(
            attention({
              Q: [
                [1, 0, 0],
                [0, 1, 0],
                [0, 0, 2],
              ],
            }),
            mu,
            { tEnd: 1, observe: { energy: true } },
          ),
        /observe.energy .*no energy/,
      ],
    ];
    for (const [call, message] of bad) {
      expect(call).toThrow(InvalidArgumentError);
      expect(call).toThrow(message);
    }
  });

  it('a non-finite step stops the run with an error naming the step and time, keeping the trajectory', () => {
    let calls = 0;
    const exploding: Flow = {
      name: 'exploding',
      space: 'euclidean',
      params: {},
      check() {},
      velocity(x, _w, _d, out) {
        calls++;
        for (let i = 0; i < x.length; i++) out[i] = calls > 30 ? NaN : 1;
      },
    };
    const mu0 = new Measure([
      [0, 0],
      [1, 1],
    ]);
    try {
      simulate(exploding, mu0, { tEnd: 10, integrator: 'euler', dt: 0.1, record: { every: 1 } });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SimulationError);
      // Evaluation 31 is the velocity at t = 3, which step 31 uses.
      expect((e as Error).message).toMatch(
        /step 31 from t = 3(\.0+\d*)? to t = 3\.1\d* produced a non-finite value \(coordinate 0 of particle 0\)/,
      );
      const traj = (e as SimulationError).trajectory as Trajectory;
      expect(traj.times.length).toBe(31);
      expect(traj.times[30]).toBeCloseTo(3, 12);
      expect(traj.final.points.every(Number.isFinite)).toBe(true);
      expect(traj.final.points[0]).toBeCloseTo(3, 12);
    }
  });
});
