// Long runs: cluster collapse, the arc-length clock, events located on the dense output.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  circle,
  attention,
  init,
  interaction,
  InvalidArgumentError,
  Measure,
  simulate,
  SimulationError,
  plateaus,
  clusters,
  Trajectory,
} from '../../src/index.js';

beforeAll(async () => {
  await init();
});

/**
 * log of the two-particle merge time on the circle, ∫_tol^{D0} (e^{β(1−cos D)} + 1) / (2 sin D) dD:
 * 20-point Gauss–Legendre on 400 panels of log D, summed in the log domain (the integrand
 * reaches e^{800}).
 */
function logMergeTime(beta: number, d0: number, tol: number): number {
  const nodes = [
    -0.9931285991850949, -0.9639719272779138, -0.9122344282513259, -0.8391169718222188, -0.7463319064601508, -0.636053680726515,
    -0.5108670019508271, -0.37370608871541955, -0.2277858511416451, -0.07652652113349734,
  ];
  const wts = [
    0.017614007139152118, 0.04060142980038694, 0.06267204833410907, 0.08327674157670475, 0.10193011981724044, 0.11819453196151843,
    0.13168863844917664, 0.14209610931838204, 0.14917298647260374, 0.15275338713072584,
  ];
  // log of the integrand in D: log((e^{β(1−cos D)} + 1) / (2 sin D)).
  const logG = (D: number) => {
    const e = beta * (1 - Math.cos(D));
    return e + Math.log1p(Math.exp(-e)) - Math.log(2 * Math.sin(D));
  };
  const terms: number[] = [];
  // Panels in log D up to 0.05 (the integrand ~ 1/D there), then fine panels in D, where e^{β(1−cos D)} is steep.
  const add = (a: number, b: number, panels: number, logSpace: boolean) => {
    const w = (b - a) / panels;
    for (let p = 0; p < panels; p++) {
      const mid = a + (p + 0.5) * w;
      for (let k = 0; k < 10; k++)
        for (const sgn of [1, -1]) {
          const u = mid + sgn * 0.5 * w * nodes[k];
          terms.push(Math.log(0.5 * w * wts[k]) + (logSpace ? logG(Math.exp(u)) + u : logG(u)));
        }
    }
  };
  const split = Math.min(0.05, d0);
  add(Math.log(tol), Math.log(split), 200, true);
  add(split, d0, 4000, false);
  const top = Math.max(...terms);
  return top + Math.log(terms.reduce((acc, t) => acc + Math.exp(t - top), 0));
}
const mergeTimeQuadrature = (beta: number, d0: number, tol: number) => Math.exp(logMergeTime(beta, d0, tol));

const pair = () => new Measure(Float64Array.from([0, Math.PI / 2]), { dim: 1, space: 'circle' });

describe('cluster collapse', () => {
  it('default tolerances resolve collapse.tol: seeds 1 to 8 (circle, n = 64, beta = 9) all reach one particle', () => {
    // At rk45's plain defaults (rtol 1e-6) seeds 3 and 4 kept a pair ~3e-6 apart at the stability limit and crawled:
    // 200 000 steps reached t ~ 6.6e5. With collapse the defaults tighten to rtol 1e-9, atol 1e-12.
    for (let seed = 1; seed <= 8; seed++) {
      const run = simulate(circle({ beta: 9 }), Measure.uniformCircle(64, { seed }), { collapse: { tol: 1e-6 }, maxSteps: 5000 });
      expect(run.stopReason, `seed ${seed}`).toBe('oneCluster');
      expect(run.final.size).toBe(1);
      expect(run.steps).toBeLessThan(2000);
    }
    const loose = simulate(circle({ beta: 9 }), Measure.uniformCircle(64, { seed: 3 }), {
      collapse: { tol: 1e-6 },
      rtol: 1e-6,
      atol: 1e-9,
      maxSteps: 5000,
    });
    expect(loose.stopReason).toBe('maxSteps'); // explicit tolerances are used as given: the crawl this default avoids
  });

  for (const beta of [9, 16]) {
    it(`two particles at beta = ${beta} merge at the quadrature's time, then the run reaches tEnd in few steps`, () => {
      const tol = 1e-6;
      const expected = mergeTimeQuadrature(beta, Math.PI / 2, tol);
      const run = simulate(circle({ beta }), pair(), {
        tEnd: 2 * expected,
        rtol: 1e-10,
        atol: 1e-13,
        collapse: { tol },
        record: { logSpaced: 20 },
      });
      expect(run.collapses).toHaveLength(1);
      expect(run.collapses[0].particles).toEqual([0, 1]);
      expect(Math.abs(run.collapses[0].t - expected) / expected).toBeLessThan(1e-4);
      expect(run.final.size).toBe(1);
      expect(run.final.weights[0]).toBeCloseTo(1, 15);
      expect(run.stopReason).toBe('tEnd');
      expect(run.sizes![0]).toBe(2);
      expect(run.sizes![run.sizes!.length - 1]).toBe(1);
      expect(run.steps).toBeLessThan(1000);
    });
  }

  it('circle n = 64, beta = 4: merge times (events on the cluster count) and energies match the uncollapsed run', () => {
    const mu = Measure.uniformCircle(64, { seed: 3 });
    const tol = 1e-2;
    const events = Object.fromEntries(
      [8, 4, 2, 1].map((k) => [
        `below${k + 1}`,
        {
          fn: (m: Measure) => clusters(m, { tol }).count - (k + 0.5),
          direction: -1 as const,
        },
      ]),
    );
    const opts = {
      tEnd: 1e4,
      rtol: 1e-10,
      atol: 1e-13,
      record: { logSpaced: { count: 120, from: 0.1 } },
      observe: { energy: true, clusters: { tol } },
      events,
    };
    const plain = simulate(circle({ beta: 4 }), mu, opts);
    const merged = simulate(circle({ beta: 4 }), mu, { ...opts, collapse: { tol: 1e-7 } });
    expect(merged.collapses.length).toBeGreaterThan(0);
    let compared = 0;
    for (const name of Object.keys(events)) {
      const a = plain.events[name].times,
        b = merged.events[name].times;
      expect(b.length).toBe(a.length);
      for (let i = 0; i < a.length; i++) {
        expect(Math.abs(b[i] - a[i]) / a[i]).toBeLessThan(1e-3);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(1);
    // The same energy at every record: continuous across merges (a merge at distance tol moves it by O(beta tol^2)).
    for (let k = 0; k < plain.times.length; k++) {
      expect(Math.abs(merged.energy![k] - plain.energy![k]) / plain.energy![k]).toBeLessThan(1e-9);
    }
    expect(Array.from(merged.clusterCounts!)).toEqual(Array.from(plain.clusterCounts!));
    expect(plateaus(merged).merges.map((m) => m.to)).toEqual(plateaus(plain).merges.map((m) => m.to));
  });

  it('the energy is continuous across every merge and never decreases (attention on S^2, interaction on S^2)', () => {
    for (const [flow, dir] of [
      [attention({ beta: 5 }), 1],
      [interaction({ beta: 2, space: 'sphere' }), -1],
    ] as const) {
      const mu = Measure.uniformSphere(40, 3, { seed: 5 });
      const run = simulate(flow, mu, { tEnd: 200, collapse: { tol: 1e-5 }, record: { every: 1 }, observe: { energy: true } });
      expect(run.collapses.length).toBeGreaterThan(0);
      const e = run.energy!;
      for (let k = 1; k < e.length; k++) expect(dir * (e[k] - e[k - 1])).toBeGreaterThan(-1e-9 * Math.abs(e[k]));
    }
  });

  it('snapshots expand back to the original particles; the expanded measure has the original weights', () => {
    const mu = Measure.uniformCircle(12, { seed: 1 });
    const run = simulate(circle({ beta: 3 }), mu, { tEnd: 50, collapse: { tol: 1e-4 }, record: { logSpaced: 10, snapshots: true } });
    const k = run.times.length - 1;
    expect(run.sizes![k]).toBeLessThan(12);
    const full = run.expand(k);
    expect(full.size).toBe(12);
    expect(Array.from(full.weights)).toEqual(Array.from(mu.weights));
    const map = run.particleMap(k);
    for (let i = 0; i < 12; i++) expect(full.points[i]).toBe(run.snapshots[k].points[map[i]]);
    expect(Array.from(run.expand(0).points)).toEqual(Array.from(mu.points));
  });

  it('refuses bad input with named errors', () => {
    const mu = Measure.uniformSphere(8, 3, { seed: 1 });
    expect(() => simulate(attention({ beta: 1 }), mu, { tEnd: 1, collapse: { tol: 0 } })).toThrow(InvalidArgumentError);
    expect(() => simulate(attention({ beta: 1 }), mu, { tEnd: 1, collapse: { tol: -1 } })).toThrow(
      /collapse.tol must be a finite number > 0/,
    );
    expect(() => simulate(attention({ beta: 1, mask: 'causal' }), mu, { tEnd: 1, collapse: { tol: 1e-3 } })).toThrow(/causal/);
  });
});

describe('arc-length clock', () => {
  it('equals the real-time trajectory, reparametrised', () => {
    const mu = Measure.uniformSphere(16, 3, { seed: 7 });
    const opts = { tEnd: 30, rtol: 1e-10, atol: 1e-13, record: { times: [0.5, 2, 5, 10, 20] }, observe: { energy: true } };
    const real = simulate(attention({ beta: 2 }), mu, opts);
    const arc = simulate(attention({ beta: 2 }), mu, { ...opts, clock: 'arclength', record: { ...opts.record, snapshots: true } });
    const realSnaps = simulate(attention({ beta: 2 }), mu, { ...opts, record: { ...opts.record, snapshots: true } });
    expect(Array.from(arc.times)).toEqual(Array.from(real.times));
    for (let k = 1; k < arc.times.length; k++) {
      expect(arc.logTimes![k]).toBeCloseTo(Math.log(arc.times[k]), 12);
      const a = arc.snapshots[k].points,
        b = realSnaps.snapshots[k].points;
      for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(1e-6);
      expect(Math.abs(arc.energy![k] - real.energy![k]) / real.energy![k]).toBeLessThan(1e-8);
    }
  });

  it('keeps log t past the double range: two particles at beta = 800 merge at the quadrature time e^{795}', () => {
    const run = simulate(circle({ beta: 800 }), pair(), {
      logTEnd: 900,
      clock: 'arclength',
      collapse: { tol: 1e-6 },
      rtol: 1e-9,
      atol: 1e-12,
      record: { logSpaced: 30 },
    });
    expect(run.collapses).toHaveLength(1);
    expect(run.collapses[0].t).toBe(Infinity);
    expect(Number.isFinite(run.collapses[0].logT)).toBe(true);
    // The quadrature in the log domain: t ≈ e^{795}, far past the largest double (e^{709.8}).
    expect(Math.abs(run.collapses[0].logT - logMergeTime(800, Math.PI / 2, 1e-6))).toBeLessThan(1e-5);
    expect(run.stopReason).toBe('stationary');
    expect(run.finalLogTime).toBeCloseTo(900, 9);
  });
});

describe('events', () => {
  it('a crossing time matches the closed form to 1e-8 (beta = 0: tan(D/2) = tan(D0/2) e^{-t})', () => {
    const d0 = Math.PI / 2;
    const gap = (m: Measure) => Math.abs(m.points[1] - m.points[0]);
    for (const d1 of [1, 0.3, 1e-3]) {
      const run = simulate(circle({ beta: 0 }), pair(), {
        tEnd: 20,
        rtol: 1e-11,
        atol: 1e-14,
        events: { reach: { fn: (m) => gap(m) - d1, direction: -1 } },
      });
      const exact = Math.log(Math.tan(d0 / 2) / Math.tan(d1 / 2));
      expect(run.events.reach.times).toHaveLength(1);
      expect(Math.abs(run.events.reach.times[0] - exact) / exact).toBeLessThan(1e-8);
    }
  });

  it('terminal events end the run at the crossing; fixed-step methods locate on Hermite output', () => {
    const gap = (m: Measure) => Math.abs(m.points[1] - m.points[0]);
    const exact = Math.log(Math.tan(Math.PI / 4) / Math.tan(0.25));
    const run = simulate(circle({ beta: 0 }), pair(), {
      tEnd: 20,
      integrator: 'rk4',
      dt: 0.01,
      events: { half: { fn: (m) => gap(m) - 0.5, terminal: true } },
    });
    expect(run.stopReason).toBe('event');
    expect(Math.abs(run.finalTime - exact)).toBeLessThan(1e-6);
    expect(Math.abs(gap(run.final) - 0.5)).toBeLessThan(1e-6);
  });

  it('rk45: the final state of a terminal event is the crossing, also when a record time falls in the same step before it', () => {
    // beta = 0: tan(D/2) = tan(D0/2) e^{-t}. A record side step inside the crossing's step reuses the
    // Dormand–Prince stages; the crossing's state must come from the step's own dense output.
    const gap = (m: Measure) => Math.abs(m.points[1] - m.points[0]);
    const exact = Math.log(Math.tan(Math.PI / 4) / Math.tan(0.25));
    for (const record of [{ times: [] }, { logSpaced: 100 }, { logSpaced: { count: 400, from: 0.01, to: 20 } }]) {
      const run = simulate(circle({ beta: 0 }), pair(), {
        tEnd: 20,
        record,
        events: { half: { fn: (m) => gap(m) - 0.5, terminal: true } },
      });
      expect(run.stopReason).toBe('event');
      expect(Math.abs(run.finalTime - exact)).toBeLessThan(1e-5);
      expect(Math.abs(gap(run.events.half.measures[0]) - 0.5)).toBeLessThan(1e-9);
      expect(Math.abs(gap(run.final) - 0.5), `final state with record ${JSON.stringify(record)}`).toBeLessThan(1e-9);
    }
  });

  it('stopWhen.custom ends the run; direction filters crossings', () => {
    const run = simulate(circle({ beta: 0 }), pair(), { tEnd: 20, stopWhen: { custom: (m) => Math.abs(m.points[1] - m.points[0]) < 0.1 } });
    expect(run.stopReason).toBe('custom');
    const up = simulate(circle({ beta: 0 }), pair(), {
      tEnd: 5,
      events: { e: { fn: (m) => Math.abs(m.points[1] - m.points[0]) - 1, direction: 1 } },
    });
    expect(up.events.e.times).toHaveLength(0);
  });

  it('an event function returning a non-finite value is a named error that keeps the run', () => {
    let calls = 0;
    try {
      simulate(circle({ beta: 1 }), pair(), { tEnd: 5, record: { every: 1 }, events: { bad: { fn: () => (++calls > 5 ? NaN : 1) } } });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SimulationError);
      expect((e as Error).message).toMatch(/events.bad must return a finite number, got NaN/);
    }
    expect(() => simulate(circle({ beta: 1 }), pair(), { tEnd: 5, events: { bad: { fn: 3 as never } } })).toThrow(InvalidArgumentError);
    expect(() => simulate(circle({ beta: 1 }), pair(), { tEnd: 5, events: { e: { fn: () => 1, direction: 2 as never } } })).toThrow(
      /direction/,
    );
  });
});

describe('order parameters', () => {
  it('meanInnerProduct and clusteredFraction reach 1 when the tokens cluster', () => {
    const mu = Measure.uniformSphere(16, 3, { seed: 2 });
    const run = simulate(attention({ beta: 1 }), mu, { tEnd: 40, observe: { meanInnerProduct: true, clusteredFraction: { delta: 1e-3 } } });
    const rho = run.observables.meanInnerProduct,
      frac = run.observables.clusteredFraction;
    expect(rho[rho.length - 1]).toBeGreaterThan(0.999);
    expect(frac[frac.length - 1]).toBe(1);
    expect(frac[0]).toBe(0);
  });
});

describe('the staircase of HugoKoubbi/2024-transformers-dotm (n = 5, USA on the circle)', () => {
  for (const beta of [500, 4000]) {
    it(`beta = ${beta}: merges {0,1}, {0,1,2}, {3,4}, all, with plateau energies Σ_c (n_c/n)^2`, () => {
      const unit = Math.log(beta) / Math.sqrt(beta);
      const theta0 = Float64Array.from([0, 0.5, 2, 4, 7], (c) => 0.5 * c * unit);
      const soft = (mu: Measure) => {
        let e = 0;
        for (let i = 0; i < mu.size; i++)
          for (let j = 0; j < mu.size; j++)
            e += mu.weights[i] * mu.weights[j] * Math.exp(beta * (Math.cos(mu.points[i] - mu.points[j]) - 1));
        return e;
      };
      const run = simulate(circle({ beta, normalization: 'none' }), new Measure(theta0, { dim: 1, space: 'circle' }), {
        logTEnd: 2 * beta,
        clock: 'arclength',
        collapse: { tol: 1e-7 },
        rtol: 1e-10,
        atol: 1e-13,
        record: { every: 1 },
        observe: { custom: { soft } },
        stopWhen: { custom: (mu) => mu.size === 1 },
      });
      expect(run.collapses.map((c) => c.particles)).toEqual([
        [0, 1],
        [0, 1, 2],
        [3, 4],
        [0, 1, 2, 3, 4],
      ]);
      // Times in units where the weights are e^{β(cos − 1)}: the staircase's steps grow with β.
      const logTau = run.collapses.map((c) => c.logT + beta);
      for (let k = 1; k < 4; k++) expect(logTau[k]).toBeGreaterThan(logTau[k - 1] + 5);
      // Plateau energies at the log-midpoints between merges.
      const L = run.logTimes!,
        E = run.observables.soft;
      const at = (lt: number) => {
        let b = 1;
        for (let i = 1; i < L.length; i++) if (Math.abs(L[i] - lt) < Math.abs(L[b] - lt)) b = i;
        return E[b];
      };
      const expected = [7 / 25, 11 / 25, 13 / 25];
      for (let k = 0; k < 3; k++)
        expect(Math.abs(at((run.collapses[k].logT + run.collapses[k + 1].logT) / 2) - expected[k])).toBeLessThan(1e-6);
      expect(run.stopReason).toBe('stationary'); // one particle: V = 0 from the last merge on
    });
  }
});

describe('simulate options', () => {
  it('unknown keys are refused with the nearest valid name; null options are a named error', () => {
    const mu = Measure.uniformSphere(4, 3, { seed: 1 });
    expect(() => simulate(attention(), mu, { tEnd: 1, stopWhen: { onecluster: true } } as never)).toThrow(
      /unknown option 'onecluster' for simulate stopWhen; did you mean 'oneCluster'\?/,
    );
    expect(() => simulate(attention(), mu, { tEnd: 1, rtl: 1e-3 } as never)).toThrow(/did you mean 'rtol'/);
    expect(() => simulate(attention(), mu, null as never)).toThrow(InvalidArgumentError);
    expect(() => simulate(attention(), mu, { tEnd: 1, precision: 'f16' } as never)).toThrow(/precision/);
    expect(() => simulate(attention(), mu, { tEnd: 1, signal: 'x' } as never)).toThrow(/signal/);
    expect(() => simulate(attention(), mu, { tEnd: 1, collapse: { tol: 1e-3, tolerance: 1 } } as never)).toThrow(
      /unknown option 'tolerance'/,
    );
  });
});

describe('the last record is the stopping state', () => {
  /** times end at finalTime, once (no record repeated), and every observable's last entry is of the final measure. */
  const endsAtStop = (run: ReturnType<typeof simulate>) => {
    expect(run.times.at(-1)).toBe(run.finalTime);
    for (let k = 1; k < run.times.length; k++) expect(run.times[k]).toBeGreaterThan(run.times[k - 1]);
    for (const v of Object.values(run.observables)) expect(v.length).toBe(run.times.length);
  };

  it("npm start's run (circle n = 64, beta = 9, seed 2, collapse, stopWhen at one particle) records its last merge", () => {
    const mu = Measure.uniformCircle(64, { seed: 2 });
    const run = simulate(circle({ beta: 9 }), mu, {
      tEnd: 1e12,
      integrator: 'rk45',
      rtol: 1e-9,
      atol: 1e-12,
      collapse: { tol: 1e-6 },
      record: { logSpaced: { count: 400, from: 0.05 } },
      observe: { energy: true, clusters: { tol: 1e-2 } },
      stopWhen: { custom: (m) => m.size === 1 },
    });
    expect(run.stopReason).toBe('custom');
    endsAtStop(run);
    expect(run.finalTime).toBe(run.collapses.at(-1)!.t); // the merge to one particle ends the run
    expect(run.sizes!.at(-1)).toBe(1);
    // Collapse.remaining: the particles left after each merge, down to the one that ends the run.
    expect(run.collapses.at(-1)!.remaining).toBe(1);
    for (const c of run.collapses) expect(run.sizes![run.times.findIndex((t) => t >= c.t)]).toBeLessThanOrEqual(c.remaining);
    // One name for the cluster counts: the observable is recorded as clusterCounts, as Trajectory.clusterCounts.
    expect(Object.keys(run.observables).sort()).toEqual(['clusterCounts', 'energy', 'logEnergy']);
    expect(Array.from(run.observables.clusterCounts)).toEqual(Array.from(run.clusterCounts!));
    // A file saved before the renames (Collapse.size, observables.clusters) loads with remaining and clusterCounts.
    const old = run.toJSON() as unknown as { collapses: Array<Record<string, unknown>>; observables: Record<string, number[]> };
    old.collapses = old.collapses.map(({ remaining, ...c }) => ({ ...c, size: remaining }));
    old.observables = { clusters: old.observables.clusterCounts, energy: old.observables.energy };
    const back = Trajectory.fromJSON(JSON.stringify(old));
    expect(back.collapses.map((c) => c.remaining)).toEqual(run.collapses.map((c) => c.remaining));
    expect(Array.from(back.clusterCounts!)).toEqual(Array.from(run.clusterCounts!));
    expect(run.clusterCounts!.at(-1)).toBe(1);
    // The energy of one particle carrying all the mass: (1 / 2β) e^β.
    expect(Math.abs(run.energy!.at(-1)! - Math.exp(9) / 18) / (Math.exp(9) / 18)).toBeLessThan(1e-12);
  });

  it('for stopWhen rules, terminal events, maxSteps, an abort and a stationary state', () => {
    const gap = (m: Measure) => Math.abs(m.points[1] - m.points[0]);
    const observe = { minDistance: true };
    const runs = {
      custom: simulate(circle({ beta: 0 }), pair(), { tEnd: 20, observe, stopWhen: { custom: (m) => gap(m) < 0.1 } }),
      oneCluster: simulate(circle({ beta: 0 }), pair(), { tEnd: 20, observe, stopWhen: { oneCluster: { tol: 0.05 } } }),
      velocityBelow: simulate(circle({ beta: 0 }), pair(), { tEnd: 20, observe, stopWhen: { velocityBelow: 0.01 } }),
      event: simulate(circle({ beta: 0 }), pair(), {
        tEnd: 20,
        integrator: 'rk4',
        dt: 0.01,
        observe,
        events: { half: { fn: (m) => gap(m) - 0.5, terminal: true } },
      }),
      maxSteps: simulate(circle({ beta: 0 }), pair(), { tEnd: 20, integrator: 'rk4', dt: 0.01, observe, maxSteps: 123 }),
      aborted: (() => {
        const ctl = new AbortController();
        return simulate(circle({ beta: 0 }), pair(), {
          tEnd: 20,
          integrator: 'rk4',
          dt: 0.01,
          observe,
          signal: ctl.signal,
          stopWhen: {
            custom: (_m, t) => {
              if (t >= 0.5) ctl.abort();
              return false;
            },
          },
        });
      })(),
    };
    for (const [reason, run] of Object.entries(runs)) {
      expect(run.stopReason, reason).toBe(reason);
      endsAtStop(run);
      expect(run.observables.minDistance.at(-1), reason).toBe(gap(run.final));
    }
    expect(runs.custom.finalTime).toBeLessThan(20);
    expect(runs.event.finalTime).toBe(runs.event.events.half.times[0]);
    expect(runs.maxSteps.finalTime).toBeCloseTo(1.23, 12);
    expect(runs.aborted.finalTime).toBeGreaterThanOrEqual(0.5);
    expect(runs.aborted.finalTime).toBeLessThan(0.6);
    // A stationary state under the arc-length clock (one particle left after a merge) holds through tEnd, the last record.
    const still = simulate(circle({ beta: 1 }), new Measure([1, 1.5], { space: 'circle' }), {
      tEnd: 100,
      clock: 'arclength',
      collapse: { tol: 1e-6 },
      observe: { energy: true },
    });
    expect(still.stopReason).toBe('stationary');
    endsAtStop(still);
    expect(still.finalTime).toBeCloseTo(100, 9);
  });

  it('a stop on a step that is already recorded (record.every) is recorded once', () => {
    const run = simulate(circle({ beta: 0 }), pair(), { tEnd: 20, integrator: 'rk4', dt: 0.01, record: { every: 1 }, maxSteps: 50 });
    endsAtStop(run);
    expect(run.times.length).toBe(51);
  });
});

describe('runs without tEnd', () => {
  const mu = Measure.uniformCircle(64, { seed: 2 });
  const opts = { integrator: 'rk45' as const, rtol: 1e-9, atol: 1e-12, collapse: { tol: 1e-6 }, observe: { clusters: { tol: 1e-2 } } };

  it('collapse to one particle ends the run (time and arc-length clocks): the same run as tEnd = 1e12 with a stop at one particle', () => {
    const bounded = simulate(circle({ beta: 9 }), mu, { ...opts, tEnd: 1e12, stopWhen: { custom: (m) => m.size === 1 } });
    for (const tEnd of [undefined, Infinity]) {
      const open = simulate(circle({ beta: 9 }), mu, { ...opts, tEnd });
      expect(open.stopReason).toBe('oneCluster');
      expect(open.finalTime).toBe(bounded.finalTime); // the natural steps never depend on tEnd
      expect(Array.from(open.final.points)).toEqual(Array.from(bounded.final.points));
      expect(Array.from(open.times)).toEqual([0, open.finalTime]); // default records: the start and the stop
    }
    const arc = simulate(circle({ beta: 9 }), mu, {
      ...opts,
      clock: 'arclength',
      record: { logSpaced: { count: 50, from: 0.05, to: 1e12 } },
    });
    expect(arc.stopReason).toBe('oneCluster');
    expect(Math.abs(arc.finalTime / bounded.finalTime - 1)).toBeLessThan(1e-3);
    expect(arc.times.at(-1)).toBe(arc.finalTime);
    expect(arc.clusterCounts!.at(-1)).toBe(1);
  });

  it('stopWhen rules and terminal events end it; maxSteps still guards it', () => {
    const pairRun = (o: Parameters<typeof simulate>[2]) => simulate(circle({ beta: 0 }), pair(), o);
    expect(pairRun({ tEnd: Infinity, stopWhen: { oneCluster: { tol: 0.05 } } }).stopReason).toBe('oneCluster');
    expect(
      pairRun({ integrator: 'rk4', dt: 0.01, events: { e: { fn: (m) => Math.abs(m.points[1] - m.points[0]) - 0.5, terminal: true } } })
        .stopReason,
    ).toBe('event');
    const capped = pairRun({ integrator: 'rk4', dt: 0.01, stopWhen: { custom: () => false }, maxSteps: 50 });
    expect(capped.stopReason).toBe('maxSteps');
    expect(capped.steps).toBe(50);
    expect(capped.finalTime).toBeCloseTo(0.5, 12);
  });

  it('is refused by name when nothing could end the run, and log-spaced records then need their end', () => {
    expect(() => simulate(circle({ beta: 9 }), mu, {})).toThrow(InvalidArgumentError);
    expect(() => simulate(circle({ beta: 9 }), mu, { tEnd: Infinity, events: { e: { fn: () => 1 } } })).toThrow(
      /tEnd is required .* unless stopWhen, a terminal event or collapse/,
    );
    expect(() => simulate(circle({ beta: 9 }), mu, { ...opts, record: { logSpaced: 10 } })).toThrow(
      /record\.logSpaced\.to is required when the run has no finite tEnd/,
    );
    expect(() => simulate(circle({ beta: 9 }), mu, { ...opts, record: { logSpaced: { count: 10, to: -1 } } })).toThrow(
      /record\.logSpaced\.to must be a finite number > 0/,
    );
  });
});
