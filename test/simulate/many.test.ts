// simulateMany: B systems per kernel call (segment mask), each bit-identical to running alone.
import { afterAll, describe, expect, it } from 'vitest';
import {
  attention,
  circle,
  init,
  interaction,
  InvalidArgumentError,
  Measure,
  simulate,
  simulateMany,
  type Trajectory,
  type Flow,
} from '../../src/index.js';

afterAll(async () => {
  await init({ threads: 1 });
});

/** Everything a run computed, as bytes (wall time excluded). */
function fingerprint(r: Trajectory): string {
  const j = r.toJSON() as Record<string, any>;
  delete j.stats.wallTimeMs;
  return JSON.stringify(j, (_k, v) => (typeof v === 'number' && Object.is(v, -0) ? '-0' : v));
}

function expectAlone(flow: Flow, mus: Measure[], options: Parameters<typeof simulate>[2]): void {
  const batch = simulateMany(flow, mus, options);
  expect(batch).toHaveLength(mus.length);
  mus.forEach((mu, b) => expect(fingerprint(batch[b])).toBe(fingerprint(simulate(flow, mu, options))));
}

describe('simulateMany', () => {
  for (const threads of [1, 2, 3]) {
    it(
      `is bit-identical to single runs (${threads} thread${threads > 1 ? 's' : ''}): sizes 1..40, rk45 per-system steps, Euler, f32, ` +
        `collapse, events`,
      async () => {
        await init({ threads });
        const sizes = [17, 3, 40, 1, 32, 8, 33];
        const spheres = sizes.map((n, b) => Measure.uniformSphere(n, 5, { seed: 100 + b }));
        for (const precision of ['f64', 'f32'] as const) {
          expectAlone(attention({ beta: 3 }), spheres, {
            tEnd: 8,
            precision,
            record: { logSpaced: 12 },
            observe: { energy: true, clusteredFraction: { delta: 1e-2 } },
          });
        }
        // The papers' scheme: unprojected Euler, then renormalisation.
        expectAlone(attention({ beta: 4, tangentProjection: false }), spheres, {
          tEnd: 3,
          integrator: 'euler',
          dt: 0.1,
          record: { every: 5 },
          observe: { meanInnerProduct: true },
        });
        expectAlone(
          attention({
            beta: 2,
            V: [
              [1, 0.2, 0, 0, 0],
              [0, 1, 0, 0, 0],
              [0, 0, 1, 0, 0],
              [0, 0, 0, 1, 0],
              [0, 0, 0, 0, 1],
            ],
            normalization: 'none',
          }),
          spheres,
          { tEnd: 2, integrator: 'rk4', dt: 0.05 },
        );
        expectAlone(interaction({ beta: 1, space: 'sphere' }), spheres.slice(0, 4), {
          tEnd: 3,
          collapse: { tol: 1e-4 },
          clock: 'arclength',
          record: { logSpaced: 8 },
        });
        const circles = [12, 5, 30].map((n, b) => Measure.uniformCircle(n, { seed: b + 1 }));
        expectAlone(circle({ beta: 6 }), circles, {
          tEnd: 300,
          collapse: { tol: 1e-6 },
          record: { logSpaced: 20, snapshots: true },
          observe: { energy: true },
          events: { two: { fn: (m) => m.size - 2.5, direction: -1 } },
        });
        // Systems that stop at different times (stop rules, terminal events, maxSteps; lockstep too) each end on their stopping state.
        expectAlone(circle({ beta: 6 }), circles, {
          tEnd: 300,
          record: { logSpaced: 10 },
          observe: { energy: true, clusters: { tol: 1e-2 } },
          stopWhen: { oneCluster: { tol: 0.05 } },
        });
        expectAlone(circle({ beta: 6 }), circles, {
          tEnd: 300,
          record: { logSpaced: 10 },
          observe: { energy: true },
          events: { stop: { fn: (m, t) => t - 0.7 * m.size, terminal: true } },
        });
        expectAlone(circle({ beta: 6 }), circles, {
          tEnd: 30,
          integrator: 'rk4',
          dt: 0.01,
          maxSteps: 77,
          record: { logSpaced: 10 },
          observe: { energy: true },
        });
      },
    );
  }

  it('the batch runs under the pool: B = 256 systems of n = 32 in one call, 2 threads, equal to 1 thread', async () => {
    const mus = Array.from({ length: 256 }, (_, b) => Measure.uniformSphere(32, 8, { seed: b }));
    const opts = { tEnd: 1, integrator: 'euler' as const, dt: 0.1, precision: 'f32' as const, record: { every: 10 } };
    await init({ threads: 1 });
    const one = simulateMany(attention({ beta: 4, tangentProjection: false }), mus, opts).map(fingerprint);
    await init({ threads: 2 });
    const two = simulateMany(attention({ beta: 4, tangentProjection: false }), mus, opts).map(fingerprint);
    expect(two).toEqual(one);
    for (const b of [0, 77, 255])
      expect(two[b]).toBe(fingerprint(simulate(attention({ beta: 4, tangentProjection: false }), mus[b], opts)));
  });

  it('refuses bad input with named errors', () => {
    const mu = Measure.uniformSphere(4, 3, { seed: 1 });
    expect(() => simulateMany(attention(), [], { tEnd: 1 })).toThrow(InvalidArgumentError);
    expect(() => simulateMany(attention(), [mu, Measure.uniformSphere(4, 4, { seed: 1 })], { tEnd: 1 })).toThrow(/measures\[1\]\.dim/);
    expect(() => simulateMany(attention(), [mu, 'x' as never], { tEnd: 1 })).toThrow(/measures\[1\]/);
    expect(() => simulateMany(attention(), [mu], { tEnd: 1, onProgress: () => {} } as never)).toThrow(/onProgress/);
  });
});
