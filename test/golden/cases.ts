// Deterministic f64 results that a restructuring must not change: trajectories of simulate and simulateMany (fixed
// and adaptive steppers, collapse, the arc-length clock, events, Langevin noise), the kernel's log-sum-exp and softmax
// means, Sinkhorn (every acceleration, mixed precision, truncation, unbalanced) and the divergence with its gradient.
// record.ts writes their bits to values.json once; golden.test.ts recomputes them and compares bit for bit.
// Only the calls may change with the API (a renamed option, a moved function): never the cases themselves.
import {
  attention,
  circle,
  interaction,
  logSumExp,
  Measure,
  simulate,
  simulateMany,
  sinkhorn,
  sinkhornDivergence,
  softmaxMean,
  twoLayer,
  type Trajectory,
} from '../../src/index.js';

/** A case's numbers, flattened: every value a double (NaN allowed), compared by its bits. */
export type Golden = Record<string, number[]>;

function trajectory(t: Trajectory): Golden {
  const out: Golden = {
    times: [...t.times],
    final: [...t.final.points],
    finalWeights: [...t.final.weights],
    finalTime: [t.finalTime],
    steps: [t.steps],
    rejected: [t.stats.rejected],
    evaluations: [t.stats.evaluations],
  };
  if (t.logTimes) out.logTimes = [...t.logTimes];
  for (const [k, v] of Object.entries(t.observables)) out[`observe.${k}`] = [...v];
  for (const [k, e] of Object.entries(t.events)) out[`event.${k}`] = [...e.times];
  out.collapses = t.collapses.flatMap((c) => [c.t, c.particles.length]);
  return out;
}

const sphere = (n: number, d: number, seed: number) => Measure.uniformSphere(n, d, { seed });

export const CASES: Record<string, () => Golden> = {
  'simulate attention rk45 records+energy+clusters': () =>
    trajectory(
      simulate(attention({ beta: 4 }), sphere(48, 3, 1), {
        tEnd: 30,
        integrator: 'rk45',
        record: { logSpaced: 40 },
        observe: { energy: true, clusters: { tol: 1e-3 }, minDistance: true },
      }),
    ),
  'simulate attention euler/heun/rk4 dt 0.1': () => {
    const out: Golden = {};
    for (const integrator of ['euler', 'heun', 'rk4'] as const) {
      const t = trajectory(
        simulate(attention({ beta: 2 }), sphere(32, 4, 2), {
          tEnd: 5,
          integrator,
          dt: 0.1,
          record: { every: 7 },
          observe: { energy: true },
        }),
      );
      for (const [k, v] of Object.entries(t)) out[`${integrator}.${k}`] = v;
    }
    return out;
  },
  'simulate attention USA causal rk45': () =>
    trajectory(
      simulate(attention({ beta: 3, normalization: 'none', mask: 'causal' }), sphere(24, 3, 3), {
        tEnd: 8,
        integrator: 'rk45',
        record: { times: [0.5, 1, 2, 4] },
        observe: { energy: true },
      }),
    ),
  'simulate circle collapse to one (npm start)': () =>
    trajectory(
      simulate(circle({ beta: 9 }), Measure.uniformCircle(64, { seed: 2 }), {
        tEnd: 1e12,
        integrator: 'rk45',
        rtol: 1e-9,
        atol: 1e-12,
        collapse: { tol: 1e-6 },
        record: { logSpaced: { count: 60, from: 0.05 } },
        observe: { energy: true, clusters: { tol: 1e-2 } },
        stopWhen: { oneCluster: { tol: 1e-3 } },
      }),
    ),
  'simulate circle arc-length clock (to 1e6, and 300 steps towards 1e300)': () => {
    const out: Golden = {};
    for (const [tEnd, maxSteps] of [
      [1e6, 100_000],
      [1e300, 300],
    ]) {
      const t = trajectory(
        simulate(circle({ beta: 9 }), Measure.uniformCircle(16, { seed: 5 }), {
          tEnd,
          maxSteps,
          clock: 'arclength',
          integrator: 'rk45',
          collapse: { tol: 1e-6 },
          record: { logSpaced: { count: 30, from: 0.1 } },
          observe: { energy: true },
        }),
      );
      for (const [k, v] of Object.entries(t)) out[`${tEnd}.${k}`] = v;
    }
    return out;
  },
  'simulate events (terminal and not) on rk45 dense output': () =>
    trajectory(
      simulate(attention({ beta: 1 }), sphere(20, 3, 4), {
        tEnd: 50,
        integrator: 'rk45',
        record: { every: 5 },
        events: {
          spread: {
            fn: (mu) => {
              let s = 0;
              for (let i = 0; i < mu.size; i++) s += mu.points[i * 3];
              return s / mu.size - 0.2;
            },
            direction: 0,
          },
          close: {
            fn: (mu) => {
              let m = Infinity;
              for (let i = 1; i < mu.size; i++) {
                let s = 0;
                for (let c = 0; c < 3; c++) s += (mu.points[c] - mu.points[i * 3 + c]) ** 2;
                m = Math.min(m, s);
              }
              return m - 1e-4;
            },
            direction: -1,
            terminal: true,
          },
        },
      }),
    ),
  'simulate interaction sphere rk4, and euclidean to a short time': () => {
    const out: Golden = {};
    const s = trajectory(
      simulate(interaction({ beta: 0.5, space: 'sphere' }), sphere(16, 3, 6), {
        tEnd: 2,
        integrator: 'rk4',
        dt: 0.05,
        record: { every: 4 },
        observe: { energy: true },
      }),
    );
    const e = trajectory(
      simulate(interaction({ beta: 0.5, space: 'euclidean' }), Measure.gaussian(16, 2, { seed: 6, std: 0.3 }), {
        tEnd: 0.5,
        integrator: 'rk4',
        dt: 0.05,
        record: { every: 4 },
      }),
    );
    for (const [k, v] of Object.entries(s)) out[`sphere.${k}`] = v;
    for (const [k, v] of Object.entries(e)) out[`euclidean.${k}`] = v;
    return out;
  },
  'simulateMany adaptive (3 systems) and lockstep euler': () => {
    const out: Golden = {};
    const runs = simulateMany(attention({ beta: 5 }), [sphere(12, 3, 7), sphere(16, 3, 8), sphere(9, 3, 9)], {
      tEnd: 20,
      integrator: 'rk45',
      record: { logSpaced: 10 },
      observe: { energy: true },
    });
    runs.forEach((t, b) => {
      for (const [k, v] of Object.entries(trajectory(t))) out[`rk45.${b}.${k}`] = v;
    });
    const lock = simulateMany(circle({ beta: 4 }), [Measure.uniformCircle(10, { seed: 10 }), Measure.uniformCircle(10, { seed: 11 })], {
      tEnd: 10,
      integrator: 'euler',
      dt: 0.1,
      record: { every: 10 },
    });
    lock.forEach((t, b) => {
      for (const [k, v] of Object.entries(trajectory(t))) out[`euler.${b}.${k}`] = v;
    });
    return out;
  },
  'simulate twoLayer with Langevin noise (Euler–Maruyama)': () => {
    const X = Array.from({ length: 24 }, (_, i) => [Math.cos(i), Math.sin(2 * i)]);
    const Y = X.map(([u, v]) => u * v);
    const flow = twoLayer({ data: { X, Y } });
    const mu0 = Measure.gaussian(10, 4, { seed: 12, std: 0.5 });
    return trajectory(
      simulate(flow, mu0, { tEnd: 1, integrator: 'euler-maruyama', dt: 0.05, noise: { temperature: 1e-3, seed: 3 }, record: { every: 5 } }),
    );
  },
  'logSumExp and softmaxMean f64 (dot, sqdist, causal)': () => {
    const x = Measure.gaussian(37, 5, { seed: 13 }),
      y = Measure.gaussian(29, 5, { seed: 14 });
    const { lse, mean } = softmaxMean(x, y, y, { beta: 0.7 });
    return {
      dot: [...logSumExp(x, y, { beta: 1.3 })],
      sqdist: [...logSumExp(x, y, { beta: 0.4, score: 'sqdist' })],
      causal: [...logSumExp(x, x, { beta: 2, causal: true })],
      lse: [...lse],
      mean: [...mean],
    };
  },
  // Truncation left this case in issue 20 (its masks changed by design); test/ot/truncate.test.ts covers it.
  'sinkhorn accelerations, precisions, truncation, unbalanced': () => {
    const a = Measure.gaussian(120, 2, { seed: 15 }),
      b = Measure.uniformBox(90, 2, { seed: 16, low: -1, high: 1.5 });
    const out: Golden = {};
    const variants = {
      default: {},
      plain: { acceleration: false },
      sor: { acceleration: 'overrelaxation' },
      mixed: { precision: 'mixed' },
      unbalanced: { reach: 0.5 },
      tight: { tol: 1e-9 },
      scaled: { scaling: 0.7 },
    } as const;
    for (const [name, v] of Object.entries(variants)) {
      const r = sinkhorn(a, b, { eps: 0.02, ...v });
      out[name] = [r.value, r.cost, r.iterations, r.marginalError, ...r.f, ...r.g];
    }
    return out;
  },
  'sinkhornDivergence value and gradients': () => {
    const a = Measure.gaussian(60, 3, { seed: 17 }),
      b = Measure.gaussian(50, 3, { seed: 18, mean: 0.4 });
    const s = sinkhornDivergence(a, b, { eps: 0.05 });
    const u = sinkhornDivergence(a, b, { eps: 0.05, reach: 1 });
    return { value: [s.value], gradient: [...s.gradient], weightGradient: [...s.weightGradient], unbalanced: [u.value, ...u.gradient] };
  },
  'sinkhorn small hard problem (Newton polish)': () => {
    const r = sinkhorn(Measure.gaussian(300, 3, { seed: 7 }), Measure.gaussian(200, 3, { seed: 8 }), { eps: 0.01, tol: 1e-9 });
    return { result: [r.value, r.cost, r.iterations, r.newtonSteps ?? 0, r.marginalError], f: [...r.f] };
  },
};
