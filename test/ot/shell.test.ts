// The Sinkhorn iteration shell on scripted loops: what it decides (stop at the target, maxIter, abort, stagnation,
// the stage count) independently of any kernel, and the import graph of the OT layer.
import { readdirSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { init } from '../../src/index.js';
import { iterateSinkhorn, phasedStep, type SinkhornLoop } from '../../src/ot/shell.js';
import type { CheckedOptions } from '../../src/ot/types.js';

beforeAll(async () => {
  await init({ backend: 'js' });
});

function options(over: Partial<CheckedOptions> = {}): CheckedOptions {
  return {
    backend: 'js',
    mixed: false,
    acceleration: false,
    truncate: false,
    diameter2: 1,
    eps: 0.1,
    tol: 1e-6,
    defaultTol: 1e-6,
    maxIter: 100,
    schedule: [1, 0.5, 0.1],
    ...over,
  };
}

/** A loop whose measured errors are `errors` in turn (then the last one forever); it logs what the shell called. */
function scripted(errors: number[]): SinkhornLoop & { log: string[] } {
  const log: string[] = [];
  let k = 0;
  return {
    log,
    anneal: (e) => {
      log.push(`anneal ${e}`);
    },
    begin: () => {
      log.push('begin');
    },
    measure: () => {
      const e = errors[Math.min(k++, errors.length - 1)];
      log.push(`measure ${e}`);
      return e;
    },
    advance: (_err, it) => {
      log.push(`advance ${it}`);
    },
  };
}

/** A signal that fires at its k-th read, counting the reads. */
function readsUntil(k: number): { signal: AbortSignal; reads: () => number } {
  let reads = 0;
  return {
    signal: {
      get aborted() {
        return ++reads > k;
      },
    } as unknown as AbortSignal,
    reads: () => reads,
  };
}

describe('iterateSinkhorn', () => {
  it('anneals through the schedule, then iterates at eps until the error meets the target', () => {
    const o = options();
    const loop = scripted([1e-2, 1e-4, 1e-7]);
    const run = iterateSinkhorn(loop, o, phasedStep(o), { target: 1e-6, anneal: true, advanceBeforeStop: false });
    expect(loop.log).toEqual([
      'anneal 1',
      'anneal 0.5',
      'begin',
      'measure 0.01',
      'advance 1',
      'measure 0.0001',
      'advance 2',
      'measure 1e-7',
    ]);
    expect(run).toEqual({ stages: 2, iterations: 3, err: 1e-7, stopped: false, stagnated: false });
  });

  it('counts the annealing stages without onProgress too', () => {
    const o = options({ schedule: [4, 2, 1, 0.5, 0.1] });
    expect(iterateSinkhorn(scripted([0]), o, phasedStep(o), { target: 1e-6, anneal: true, advanceBeforeStop: false }).stages).toBe(4);
  });

  it('reports every stage and iteration through progress, with the iteration counted after the stages', () => {
    const seen: string[] = [];
    const o = options({ progress: (stage, iteration, eps, err) => seen.push(`${stage} ${iteration} ${eps} ${err}`) });
    iterateSinkhorn(scripted([1e-3, 1e-8]), o, phasedStep(o), { target: 1e-6, anneal: true, advanceBeforeStop: false });
    expect(seen).toEqual(['annealing 1 1 NaN', 'annealing 2 0.5 NaN', 'iterating 3 0.1 0.001', 'iterating 4 0.1 1e-8']);
  });

  it('skips the annealing stages when told (a warm start)', () => {
    const o = options();
    const loop = scripted([0]);
    const run = iterateSinkhorn(loop, o, phasedStep(o), { target: 1e-6, anneal: false, advanceBeforeStop: false });
    expect(loop.log).toEqual(['begin', 'measure 0']);
    expect(run.stages).toBe(0);
  });

  it('stops at maxIter: the alternating loop on its measured iterate, the symmetric one advanced', () => {
    const o = options({ maxIter: 2, schedule: [0.1] });
    const alternating = scripted([1]);
    iterateSinkhorn(alternating, o, phasedStep(o), { target: 1e-6, anneal: true, advanceBeforeStop: false });
    expect(alternating.log).toEqual(['begin', 'measure 1', 'advance 1', 'measure 1']);
    const symmetric = scripted([1]);
    const run = iterateSinkhorn(symmetric, o, phasedStep(o), { target: 1e-6, anneal: true, advanceBeforeStop: true });
    expect(symmetric.log).toEqual(['begin', 'measure 1', 'advance 1', 'measure 1', 'advance 2']);
    expect(run).toMatchObject({ iterations: 2, err: 1, stopped: false });
  });

  it('reads the signal before each stage, once after annealing and after each iteration that goes on', () => {
    const s = readsUntil(4);
    const o = options({ signal: s.signal });
    const loop = scripted([1]);
    const run = iterateSinkhorn(loop, o, phasedStep(o), { target: 1e-6, anneal: true, advanceBeforeStop: false });
    // reads: stage 1, stage 2, after annealing, after iteration 1 (all false), after iteration 2 (true)
    expect(loop.log).toEqual(['anneal 1', 'anneal 0.5', 'begin', 'measure 1', 'advance 1', 'measure 1']);
    expect(run).toMatchObject({ stages: 2, iterations: 2, stopped: true });
    expect(s.reads()).toBe(5);
  });

  it('an abort during annealing still begins the loop but measures nothing', () => {
    const s = readsUntil(1);
    const o = options({ signal: s.signal });
    const loop = scripted([1]);
    const run = iterateSinkhorn(loop, o, phasedStep(o), { target: 1e-6, anneal: true, advanceBeforeStop: false });
    expect(loop.log).toEqual(['anneal 1', 'begin']);
    expect(run).toEqual({ stages: 1, iterations: 0, err: Infinity, stopped: true, stagnated: false });
  });

  it('stops an f32 loop whose error stagnates above the target, never an f64 one', () => {
    const f32 = options({ precision: 'f32', schedule: [0.1], maxIter: 10_000 });
    const stuck = iterateSinkhorn(scripted([1e-3]), f32, phasedStep(f32), { target: 1e-9, anneal: true, advanceBeforeStop: false });
    expect(stuck.stagnated).toBe(true);
    expect(stuck.iterations).toBeLessThan(200);
    const f64 = options({ schedule: [0.1], maxIter: 500 });
    const run = iterateSinkhorn(scripted([1e-3]), f64, phasedStep(f64), { target: 1e-9, anneal: true, advanceBeforeStop: false });
    expect(run).toMatchObject({ stagnated: false, iterations: 500 });
  });

  it("'mixed' does not stop on an f32 error below the target: the f64 phase measures again", () => {
    const o = options({ mixed: true, schedule: [0.1] });
    const loop = scripted([1e-12]);
    const run = iterateSinkhorn(loop, o, phasedStep(o), { target: 1e-6, anneal: true, advanceBeforeStop: false });
    expect(run.iterations).toBe(2);
  });
});

describe('the OT layer', () => {
  it('has no import cycle (runtime or type-only) among the modules of src/ot', () => {
    const dir = new URL('../../src/ot/', import.meta.url);
    const graph = new Map<string, string[]>();
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const text = readFileSync(new URL(file, dir), 'utf8');
      const deps = [...text.matchAll(/(?:import|export)[^'";]*?from\s+'\.\/([^']+)\.js'/g)].map((m) => `${m[1]}.ts`);
      graph.set(file, deps);
    }
    expect(graph.size).toBeGreaterThan(10);
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (u: string, path: string[]): void => {
      state.set(u, 'open');
      for (const v of graph.get(u) ?? []) {
        if (state.get(v) === 'open') cycles.push([...path.slice(path.indexOf(v)), u, v].join(' -> '));
        else if (!state.has(v)) visit(v, [...path, u]);
      }
      state.set(u, 'done');
    };
    for (const u of graph.keys()) if (!state.has(u)) visit(u, []);
    expect(cycles).toEqual([]);
  });

  it('keeps every file of src/ot under 400 lines', () => {
    const dir = new URL('../../src/ot/', import.meta.url);
    const long = readdirSync(dir).filter((f) => readFileSync(new URL(f, dir), 'utf8').split('\n').length > 401);
    expect(long).toEqual([]);
  });
});
