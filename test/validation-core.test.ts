// Issue 12, core API: every reproducer in the kernel, Measure, flows, analysis, simulate and
// init either gets a named MeanfieldError or a right answer (checked against a reference).
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  attention,
  circle,
  clusters,
  init,
  interaction,
  interactionEnergy,
  InvalidArgumentError,
  kdeModes,
  logSumExp,
  Measure,
  MeanfieldError,
  OverflowError,
  plateaus,
  ResourceError,
  simulate,
  softmaxMean,
  stationarity,
  UnknownOptionError,
} from '../src/index.js';

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

/** Reference lse in plain f64 with a max shift. */
function lseRef(x: number[][], y: number[][], beta: number, h?: number[]): number[] {
  return x.map((xi) => {
    const s = y.map((yj, j) => beta * xi.reduce((a, v, c) => a + v * yj[c], 0) + (h ? h[j] : 0));
    const max = Math.max(...s);
    return max + Math.log(s.reduce((a, v) => a + Math.exp(v - max), 0));
  });
}

// Top-level: some describe blocks build their fixtures (a run) at collection time.
await init({ threads: 1 });

describe('unknown option keys are refused, naming the nearest valid key', () => {
  const P = [
    [1, 0],
    [0, 1],
  ];
  const mu = Measure.uniformSphere(5, 3, { seed: 1 });
  const cases: Array<[string, () => unknown, string]> = [
    ['logSumExp', () => logSumExp(P, P, { beat: 9 } as never), 'beta'],
    ['softmaxMean', () => softmaxMean(P, P, P, { valuedim: 2 } as never), 'valueDim'],
    ['interactionEnergy', () => interactionEnergy(mu, { beta: 1, precison: 'f32' } as never), 'precision'],
    ['Measure', () => new Measure(P, { spaec: 'sphere' } as never), 'space'],
    ['Measure.uniformSphere', () => Measure.uniformSphere(3, 2, { seed: 1, weight: [1, 1, 1] } as never), 'weights'],
    ['Measure.gaussian', () => Measure.gaussian(10, 2, { seed: 1, sd: 5 } as never), 'std'],
    ['Measure.uniformBox', () => Measure.uniformBox(3, 2, { seed: 1, hi: 2 } as never), 'high'],
    ['Measure.uniformCircle', () => Measure.uniformCircle(3, { sed: 1 } as never), 'seed'],
    ['Measure.equallySpacedCircle', () => Measure.equallySpacedCircle(3, { ofset: 1 } as never), 'offset'],
    ['attention', () => attention({ bta: 2 } as never), 'beta'],
    ['circle', () => circle({ normalisation: 'none' } as never), 'normalization'],
    ['interaction', () => interaction({ spce: 'sphere' } as never), 'space'],
    ['clusters', () => clusters(mu, { tl: 0.1 } as never), 'tol'],
    ['plateaus', () => plateaus({ times: [0, 1], clusterCounts: [2, 1] }, { minratio: 3 } as never), 'minRatio'],
    ['kdeModes', () => kdeModes([0, 1], { beta: 1, weight: [1, 1] } as never), 'weights'],
    ['stationarity', () => stationarity(attention(), mu, { backnd: 'js' } as never), 'backend'],
    ['simulate observe', () => simulate(attention(), mu, { tEnd: 1, observe: { enrgy: true } as never }), 'energy'],
    ['simulate record', () => simulate(attention(), mu, { tEnd: 1, record: { evry: 2 } as never }), 'every'],
    [
      'simulate record.logSpaced',
      () => simulate(attention(), mu, { tEnd: 1, record: { logSpaced: { count: 3, form: 0.1 } } as never }),
      'from',
    ],
    [
      'simulate observe.clusters',
      () => simulate(attention(), mu, { tEnd: 1, observe: { clusters: { tol: 0.1, tool: 1 } } as never }),
      'tol',
    ],
    ['simulate stopWhen', () => simulate(attention(), mu, { tEnd: 1, stopWhen: { onecluster: true } as never }), 'oneCluster'],
  ];
  for (const [name, call, near] of cases) {
    it(name, () => named(call, UnknownOptionError, new RegExp(`did you mean '${near}'`)));
  }
  it('init', async () => {
    await expect(init({ thread: 1 } as never)).rejects.toThrow(UnknownOptionError);
    await expect(init({ thread: 1 } as never)).rejects.toThrow(/did you mean 'threads'/);
  });
});

describe('null and non-object options are refused (no TypeError)', () => {
  const P = [
    [1, 0],
    [0, 1],
  ];
  const mu = Measure.uniformSphere(5, 3, { seed: 1 });
  const calls: Array<[string, () => unknown]> = [
    ['new Measure(pts, "sphere")', () => new Measure([[1, 0]], 'sphere' as never)],
    ['new Measure(pts, null)', () => new Measure([[1, 0]], null as never)],
    ['uniformSphere null', () => Measure.uniformSphere(3, 2, null as never)],
    ['gaussian null', () => Measure.gaussian(3, 2, null as never)],
    ['uniformCircle "x"', () => Measure.uniformCircle(3, 'x' as never)],
    ['logSumExp null', () => logSumExp(P, P, null as never)],
    ['softmaxMean null', () => softmaxMean(P, P, P, null as never)],
    ['interactionEnergy null', () => interactionEnergy(mu, null as never)],
    ['attention null', () => attention(null as never)],
    ['circle null', () => circle(null as never)],
    ['interaction null', () => interaction(null as never)],
    ['clusters null', () => clusters(mu, null as never)],
    ['plateaus null', () => plateaus({ times: [0], clusterCounts: [1] }, null as never)],
    ['plateaus null trajectory', () => plateaus(null as never)],
    ['kdeModes null', () => kdeModes([0, 1], null as never)],
    ['kdeModes missing', () => kdeModes([0, 1], undefined as never)],
    ['simulate(null, mu)', () => simulate(null as never, mu, { tEnd: 1 })],
    ['simulate record "x"', () => simulate(attention(), mu, { tEnd: 1, record: 'x' as never })],
    ['simulate observe "x"', () => simulate(attention(), mu, { tEnd: 1, observe: 'x' as never })],
    ['simulate onProgress "x"', () => simulate(attention(), mu, { tEnd: 1, onProgress: 'x' as never })],
    ['logSumExp backend null', () => logSumExp(P, P, { backend: null as never })],
    ['logSumExp precision f16', () => logSumExp(P, P, { precision: 'f16' as never })],
    ['stationarity null flow', () => stationarity(null as never, mu)],
  ];
  for (const [name, call] of calls) it(name, () => named(call, InvalidArgumentError));
  it('init(null)', async () => {
    await expect(init(null as never)).rejects.toThrow(InvalidArgumentError);
  });
});

describe('number[][] rows hold only finite numbers, never coerced', () => {
  const good = [
    [1, 0],
    [0, 1],
  ];
  for (const [label, v] of [
    ['null', null],
    ["''", ''],
    ["'2'", '2'],
    ['true', true],
    ['[0]', [0]],
    ['BigInt', 2n],
    ['NaN', NaN],
    ['Infinity', Infinity],
  ] as const) {
    it(`refuses ${label} in logSumExp, softmaxMean and Measure`, () => {
      const bad = [
        [1, v as never],
        [0, 1],
      ];
      named(() => logSumExp(bad, good), InvalidArgumentError);
      named(() => logSumExp(good, bad), InvalidArgumentError);
      named(() => softmaxMean(good, good, bad), InvalidArgumentError);
      named(() => new Measure(bad), InvalidArgumentError);
    });
  }
  it('refuses BigInt typed arrays', () => {
    named(() => logSumExp(new BigInt64Array(4) as never, good, { dim: 2 }), InvalidArgumentError, /BigInt/);
    named(() => new Measure(new BigInt64Array(4) as never, { dim: 2 }), InvalidArgumentError, /BigInt/);
  });
});

describe('sizes beyond LIMITS: ResourceError before allocating', () => {
  it('Measure.uniformSphere(1e9, 3)', () => named(() => Measure.uniformSphere(1e9, 3, { seed: 1 }), ResourceError, /GiB/));
  it('Measure.gaussian(2 ** 40, 1)', () => named(() => Measure.gaussian(2 ** 40, 1, { seed: 1 }), ResourceError));
  it('Measure.equallySpacedCircle(1e12)', () => named(() => Measure.equallySpacedCircle(1e12), ResourceError));
  it('kdeModes at beta = 1e308', () => named(() => kdeModes([0, 1], { beta: 1e308 }), ResourceError));
});

describe('overflow-safe numerics (f64)', () => {
  it('logSumExp: beta * s beyond the double range is an OverflowError, not NaN', () => {
    for (const backend of ['wasm', 'js'] as const) {
      named(() => logSumExp([[1e200, 0]], [[1e200, 0]], { backend }), OverflowError);
      named(() => logSumExp([[1, 0]], [[1, 0]], { beta: 1.7e308, logWeights: [1.7e308], backend }), OverflowError);
    }
  });
  it('logSumExp: large but representable values stay exact', () => {
    const x = [
      [1, 0],
      [0.6, 0.8],
    ];
    for (const backend of ['wasm', 'js'] as const) {
      const got = logSumExp(x, x, { beta: 1e300, logWeights: [0, -1e300], backend });
      const ref = lseRef(x, x, 1e300, [0, -1e300]);
      got.forEach((v, i) => expect(Math.abs(v - ref[i])).toBeLessThanOrEqual(1e-15 * Math.abs(ref[i])));
    }
  });
  it('interactionEnergy(mu, 1e308) has a finite logEnergy', () => {
    const mu = Measure.uniformSphere(4, 3, { seed: 1 });
    for (const backend of ['wasm', 'js'] as const) {
      const { logEnergy, energy } = interactionEnergy(mu, { beta: 1e308, backend });
      expect(Number.isFinite(logEnergy)).toBe(true);
      expect(energy).toBe(Infinity);
      // log E = log sum_ij a_i a_j e^{beta <x_i, x_j>} - log(2 beta); the diagonal terms dominate.
      const lse = logSumExp(mu, mu, { beta: 1e308, backend });
      const max = Math.max(...lse);
      const ref =
        max + Math.log(Array.from(lse).reduce((a, v, i) => a + mu.weights[i] * Math.exp(v - max), 0)) - Math.LN2 - Math.log(1e308);
      expect(Math.abs(logEnergy - ref)).toBeLessThanOrEqual(1e-15 * Math.abs(ref));
    }
  });
  it('softmaxMean with values near 1e308 at beta = 0 gives their mean', () => {
    for (const backend of ['wasm', 'js'] as const) {
      const { mean } = softmaxMean(
        [[0]],
        [[0], [1]],
        [
          [1.5e308, 1],
          [1.6e308, 3],
        ],
        { beta: 0, backend },
      );
      expect(mean[0] / 1.55e308).toBeCloseTo(1, 14);
      expect(mean[1]).toBeCloseTo(2, 14);
    }
  });
  it('attention energy at beta = 1e3: Infinity energy, finite logEnergy recorded', () => {
    const mu = Measure.uniformSphere(6, 3, { seed: 2 });
    const run = simulate(attention({ beta: 1e3 }), mu, {
      tEnd: 0.01,
      observe: { energy: true, logEnergy: true },
      record: { times: [0.01] },
    });
    expect(Array.from(run.observables.logEnergy).every(Number.isFinite)).toBe(true);
    const ref = interactionEnergy(mu, { beta: 1e3 }).logEnergy;
    expect(Math.abs(run.observables.logEnergy[0] - ref)).toBeLessThan(1e-12 * Math.abs(ref));
  });
});

describe('f32: inputs float32 cannot carry are refused, naming the argument', () => {
  it('beta = 1e39 (wasm gave NaN)', () => {
    for (const backend of ['wasm', 'js'] as const)
      named(() => logSumExp([[1, 0]], [[1, 0]], { beta: 1e39, precision: 'f32', backend }), OverflowError, /beta/);
  });
  it('|x| = 1e20 (scores beyond the float32 range)', () => {
    named(() => logSumExp([[1e20, 0]], [[1e20, 0]], { precision: 'f32' }), OverflowError, /float32 range/);
    named(() => logSumExp([[1e39, 0]], [[1, 0]], { precision: 'f32' }), OverflowError, /x holds/);
  });
  it('sqdist at |x| ~ 1e3 with beta = 1e4 (lost 3.7% silently)', () => {
    named(
      () =>
        logSumExp(
          [[1000, 0]],
          [
            [1000.01, 0],
            [999, 0],
          ],
          { beta: 1e4, score: 'sqdist', precision: 'f32' },
        ),
      OverflowError,
      /float32 cannot resolve/,
    );
  });
  it('ordinary f32 inputs still run and agree with f64', () => {
    const mu = Measure.uniformSphere(50, 3, { seed: 3 });
    const a = logSumExp(mu, mu, { beta: 5, precision: 'f32' }),
      b = logSumExp(mu, mu, { beta: 5 });
    a.forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThan(1e-5));
  });
});

describe('analysis inputs', () => {
  it('kdeModes refuses negative, NaN and zero-sum weights', () => {
    named(() => kdeModes([0, 1], { beta: 1, weights: [-1, 2] }), InvalidArgumentError, /weights/);
    named(() => kdeModes([0, 1], { beta: 1, weights: [NaN, 2] }), InvalidArgumentError, /weights/);
    named(() => kdeModes([0, 1], { beta: 1, weights: [0, 0] }), InvalidArgumentError, /sum/);
    expect(kdeModes([0, Math.PI], { beta: 20, weights: [1, 1] })).toBe(2);
  });
  it('plateaus refuses NaN and decreasing times', () => {
    named(() => plateaus({ times: [0, NaN], clusterCounts: [1, 1] }), InvalidArgumentError, /finite/);
    named(() => plateaus({ times: [0, 2, 1], clusterCounts: [3, 2, 1] }), InvalidArgumentError, /non-decreasing/);
    named(() => plateaus({ times: [0, 1], clusterCounts: [1.5, 1] }), InvalidArgumentError, /integers/);
    const r = plateaus({ times: [0.1, 1, 10], clusterCounts: [3, 3, 1] });
    expect(r.plateaus.map((p) => p.clusters)).toEqual([3, 1]);
    expect(r.merges).toHaveLength(1);
  });
  it('stationarity refuses a non-Measure', () => named(() => stationarity(attention(), [[1, 0]] as never), InvalidArgumentError));
});

describe('init', () => {
  it('caps threads at 4 x the cores, with a note', async () => {
    const info = await init({ threads: 1e6 });
    expect(info.threads).toBeLessThanOrEqual(64);
    expect(info.note).toMatch(/capped at 4 x/);
    const back = await init({ threads: 1 });
    expect(back.threads).toBe(1);
    expect(back.note).toBeUndefined();
  });
  it('concurrent calls with different thread counts leave one pool of the last count', async () => {
    const infos = await Promise.all([init({ threads: 2 }), init({ threads: 1 }), init({ threads: 2 })]);
    expect(infos.every((i) => i.threads === 1 || i.threads === 2)).toBe(true);
    expect((await init()).threads).toBe(2);
    const one = await init({ threads: 1 });
    expect(one.threads).toBe(1);
  });
  it('works under node --input-type=module and node -e', () => {
    const dist = new URL('../dist/index.js', import.meta.url).pathname;
    const cjs = new URL('../cjs/index.cjs', import.meta.url).pathname;
    const esm = `import { init } from ${JSON.stringify(dist)}; const i = await init({ threads: 2 }); console.log(JSON.stringify(i));`;
    const out1 = execFileSync(process.execPath, ['--input-type=module'], { input: esm, encoding: 'utf8', timeout: 30_000 });
    expect(JSON.parse(out1).threads).toBe(2);
    const out2 = execFileSync(process.execPath, ['--input-type=module', '-e', esm], { encoding: 'utf8', timeout: 30_000 });
    expect(JSON.parse(out2).threads).toBe(2);
    const out3 = execFileSync(
      process.execPath,
      ['-e', `require(${JSON.stringify(cjs)}).init({ threads: 2 }).then((i) => console.log(JSON.stringify(i)))`],
      { encoding: 'utf8', timeout: 30_000 },
    );
    expect(JSON.parse(out3).threads).toBe(2);
  });
});

describe('long kernel calls can be watched and stopped', () => {
  it('logSumExp and softmaxMean report progress by row blocks, stop on an aborted signal, and give the same bits', async () => {
    const { logSumExp: lse, softmaxMean: sm, AbortedError: Aborted, Measure: M } = await import('../src/index.js');
    const mu = M.uniformSphere(5000, 3, { seed: 3 });
    const plain = lse(mu, mu, { beta: 2 });
    const seen: number[] = [];
    const watched = lse(mu, mu, { beta: 2, onProgress: (p) => seen.push(p.rows) });
    expect(Buffer.from(watched.buffer)).toEqual(Buffer.from(plain.buffer));
    expect(seen.length).toBeGreaterThan(1);
    expect(seen[seen.length - 1]).toBe(5000);
    const ctrl = new AbortController();
    expect(() => lse(mu, mu, { beta: 2, signal: ctrl.signal, onProgress: () => ctrl.abort() })).toThrow(Aborted);
    const a = sm(mu, mu, mu, { beta: 2 }),
      b = sm(mu, mu, mu, { beta: 2, onProgress: () => {} });
    expect(Buffer.from(b.mean.buffer)).toEqual(Buffer.from(a.mean.buffer));
    expect(() => lse(mu, mu, { signal: 'x' as never })).toThrow(/signal/);
  });
});
