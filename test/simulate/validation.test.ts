// simulate's named errors (issue 12's reproducers, beside the module they check): tEnd 0, the step cap, a step
// that cannot advance, and every bad Trajectory.fromJSON input.
import { describe, expect, it } from 'vitest';
import { attention, init, InvalidArgumentError, Measure, MeanfieldError, SimulationError, simulate, Trajectory } from '../../src/index.js';

/** Runs f and returns the error it throws (failing if it returns). */
function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

/** f throws an instance of cls (a MeanfieldError) whose message matches re. */
function named(f: () => unknown, cls: new (...a: never[]) => MeanfieldError, re?: RegExp): void {
  const e = thrown(f);
  expect(e).toBeInstanceOf(MeanfieldError);
  expect(e).toBeInstanceOf(cls);
  if (re) expect((e as Error).message).toMatch(re);
}

// Top-level: the fromJSON block builds its run at collection time.
await init({ threads: 1 });

describe('simulate', () => {
  const mu = Measure.uniformSphere(6, 3, { seed: 4 });
  it('tEnd: 0 returns the initial state', () => {
    for (const integrator of ['rk45', 'euler'] as const) {
      const run = simulate(attention(), mu, { tEnd: 0, integrator, dt: 0.1 });
      expect(Array.from(run.times)).toEqual([0]);
      expect(run.finalTime).toBe(0);
      expect(run.stopReason).toBe('tEnd');
      expect(Array.from(run.final.points)).toEqual(Array.from(mu.points));
    }
    const r = simulate(attention(), mu, { tEnd: 0, record: { logSpaced: 5 }, observe: { energy: true } });
    expect(r.observables.energy).toHaveLength(1);
  });
  it('tEnd / dt beyond maxSteps (default 1e9) is refused up front', () => {
    named(() => simulate(attention(), mu, { tEnd: 1, integrator: 'euler', dt: 1e-300 }), InvalidArgumentError, /maxSteps/);
    named(() => simulate(attention(), mu, { tEnd: 1, maxStep: 1e-300 }), InvalidArgumentError, /maxSteps/);
  });
  it('a step that does not advance t is a named error, not a hang', () => {
    const first = simulate(attention(), mu, { tEnd: 1, integrator: 'euler', dt: 0.5 });
    const e = thrown(() => simulate(attention(), first, { tEnd: 2, integrator: 'euler', dt: 1e-300, maxSteps: Infinity }));
    expect(e).toBeInstanceOf(SimulationError);
    expect((e as Error).message).toMatch(/does not advance/);
  });
});

describe('Trajectory.fromJSON: every bad input is an InvalidArgumentError', () => {
  const run = simulate(attention(), Measure.uniformSphere(4, 3, { seed: 5 }), { tEnd: 0.1 });
  const good = run.toJSON();
  const bad: Array<[string, unknown]> = [
    ['garbage string', 'garbage'],
    ['empty string', ''],
    ['null', null],
    ['array', []],
    ['wrong format', { ...good, format: 'other@2' }],
    ['format only', { format: 'meanfield-trajectory@1' }],
    ['bad base64', { ...good, checkpoint: { ...(good.checkpoint as object), points: '!!!not base64' } }],
    ['short base64', { ...good, checkpoint: { ...(good.checkpoint as object), points: 'AAAA' } }],
    ['missing checkpoint', { ...good, checkpoint: undefined }],
    ['missing times', { ...good, times: undefined }],
    ['times of strings', { ...good, times: ['a'] }],
    ['bad final', { ...good, final: 3 }],
    ['bad snapshots', { ...good, snapshots: [{}] }],
    ['bad events', { ...good, events: { e: 3 } }],
  ];
  for (const [name, v] of bad) it(name, () => named(() => Trajectory.fromJSON(v as never), InvalidArgumentError));
  it('round-trips a good one', () => {
    const back = Trajectory.fromJSON(JSON.stringify(good));
    expect(Array.from(back.final.points)).toEqual(Array.from(run.final.points));
  });
});
