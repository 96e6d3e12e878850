// The options of simulate and simulateMany declared once (src/simulate/options.ts): the schema's keys, defaults and
// nested checks, the docs table written from the same keys, and EvalOptions' one declaration.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { attention, InvalidArgumentError, Measure, simulate, simulateMany, UnknownOptionError } from '../../src/index.js';
import { EVAL_OPTIONS, readEval } from '../../src/flows/eval-options.js';
import { DEFAULT_MAX_STEPS, SIMULATE_MANY_OPTIONS, SIMULATE_OPTIONS } from '../../src/simulate/options.js';
import { rk45Tolerances } from '../../src/simulate/spec.js';

const mu = Measure.uniformSphere(6, 3, { seed: 1 });

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('did not throw');
}

describe('SIMULATE_OPTIONS', () => {
  it('fills the static defaults and leaves the ones that depend on other options unset', () => {
    expect(SIMULATE_OPTIONS.read('simulate', { tEnd: 1 })).toEqual({
      tEnd: 1,
      integrator: 'rk45',
      maxStep: Infinity,
      maxSteps: DEFAULT_MAX_STEPS,
      clock: 'time',
      progressInterval: 250,
    });
    const events = SIMULATE_OPTIONS.read('simulate', { events: { up: { fn: () => 1 } } }).events!;
    expect(events.up.direction).toBe(0);
    expect(events.up.terminal).toBe(false);
  });

  it('simulateMany takes the same keys but onProgress and progressInterval', () => {
    expect([...SIMULATE_MANY_OPTIONS.keys, 'onProgress', 'progressInterval'].sort()).toEqual([...SIMULATE_OPTIONS.keys].sort());
    expect(SIMULATE_OPTIONS.keys).toEqual(expect.arrayContaining([...EVAL_OPTIONS.keys]));
    expect(thrown(() => simulateMany(attention(), [mu], { tEnd: 1, progressInterval: 10 } as never))).toBeInstanceOf(UnknownOptionError);
    expect(() => simulateMany(attention(), [mu], { tEnd: 1, onProgress: () => {} } as never)).toThrow(
      /onProgress is not supported by simulateMany/,
    );
  });

  it('names nested unknown keys for the function that was called, and nested values by their path', () => {
    expect(() => simulateMany(attention(), [mu], { tEnd: 1, record: { evry: 2 } } as never)).toThrow(
      /unknown option 'evry' for simulateMany record; did you mean 'every'\?/,
    );
    expect(() => simulate(attention(), mu, { tEnd: 1, observe: { clusters: { tool: 1 } } } as never)).toThrow(
      /for simulate observe\.clusters; did you mean 'tol'\?/,
    );
    const cases: Array<[object, RegExp]> = [
      [{ collapse: {} }, /^collapse\.tol must be a finite number > 0, got undefined/],
      [{ integrator: 'euler-maruyama', dt: 0.1, noise: { temperature: 1 } }, /^noise\.seed is required/],
      [{ integrator: 'euler-maruyama', dt: 0.1, noise: { temperature: -1, seed: 1 } }, /^noise\.temperature must be a finite number >= 0/],
      [{ record: { logSpaced: { count: 1 } } }, /^record\.logSpaced\.count must be an integer >= 2/],
      [{ record: { logSpaced: 1.5 } }, /^record\.logSpaced must be an integer >= 2/],
      [{ record: { times: [1, -1] } }, /^record\.times must be finite times >= 0.*at index 1/],
      [{ observe: { clusteredFraction: { delta: 3 } } }, /^observe\.clusteredFraction\.delta must be in \(0, 2\]/],
      [{ observe: { specificHeat: { beta: NaN } } }, /^observe\.specificHeat\.beta must be a finite number/],
      [{ observe: { custom: { x: 1 } } }, /^observe\.custom\.x must be a function/],
      [{ stopWhen: { oneCluster: { tol: 0 } } }, /^stopWhen\.oneCluster\.tol must be a finite number > 0/],
      [{ events: { up: { fn: () => 1, direction: 2 } } }, /^events\.up\.direction must be 1, -1 or 0/],
      [{ events: { up: { direction: 1 } } }, /^events\.up must be \{ fn/],
      [{ maxSteps: 1.5 }, /^maxSteps must be an integer >= 0 or Infinity/],
      [{ backend: 'gpu' }, /^backend must be one of 'wasm', 'js'/],
    ];
    for (const [options, pattern] of cases) {
      const e = thrown(() => simulate(attention(), mu, { tEnd: 1, ...options } as never));
      expect(e, String(pattern)).toBeInstanceOf(InvalidArgumentError);
      expect(e.message).toMatch(pattern);
    }
  });

  it('every option is in the table of docs/simulate.md, and the table has no other', () => {
    const text = readFileSync(new URL('../../docs/simulate.md', import.meta.url), 'utf8');
    const table = text.slice(text.indexOf('| option | meaning | default |'));
    const rows = table.slice(0, table.indexOf('\n\n')).split('\n').slice(2);
    const documented = rows.flatMap((row) => [...row.split('|')[1].matchAll(/`(\w+)/g)].map((m) => m[1]));
    expect(documented.filter((k) => k !== 'logTEnd').sort()).toEqual(SIMULATE_OPTIONS.keys.filter((k) => k !== 'logTEnd').sort());
    expect(text).toMatch(/`logTEnd`/);
  });
});

describe('EvalOptions, declared once', () => {
  it('reads backend and precision and refuses anything else', () => {
    expect(readEval('predict', { precision: 'f32' })).toEqual({ precision: 'f32' });
    expect(readEval('predict', undefined)).toEqual({});
    expect(() => readEval('predict', { precison: 'f32' })).toThrow(/did you mean 'precision'/);
    expect(() => readEval('predict', { backend: null })).toThrow(InvalidArgumentError);
    expect(() => readEval('predict', { precision: 'f16' })).toThrow(/precision must be one of 'f64', 'f32'/);
  });
});

describe("rk45's default tolerances", () => {
  it("are floored at rtol 1e-6, atol 1e-7 with precision 'f32' (its velocities' rounding noise), tightened by collapse in f64", () => {
    expect(rk45Tolerances(null)).toEqual({ rtol: 1e-6, atol: 1e-9 });
    expect(rk45Tolerances(1e-6)).toEqual({ rtol: 1e-9, atol: 1e-12 });
    expect(rk45Tolerances(1e-6, 'f32')).toEqual({ rtol: 1e-6, atol: 1e-7 });
    expect(rk45Tolerances(null, 'f32')).toEqual({ rtol: 1e-6, atol: 1e-7 });
  });

  it('simulate uses them: an f32 run with collapse gives the bits of the same run with those tolerances given', async () => {
    const { init } = await import('../../src/index.js');
    await init();
    const mu = Measure.uniformSphere(60, 3, { seed: 5 });
    const run = (extra: object) =>
      simulate(attention({ beta: 30 }), mu, { tEnd: 0.5, precision: 'f32', collapse: { tol: 1e-6 }, ...extra });
    const implicit = run({}),
      explicit = run({ rtol: 1e-6, atol: 1e-7 }),
      tight = run({ rtol: 1e-9, atol: 1e-12 });
    expect(Array.from(implicit.final.points)).toEqual(Array.from(explicit.final.points));
    expect(Array.from(implicit.final.points)).not.toEqual(Array.from(tight.final.points));
  });
});
