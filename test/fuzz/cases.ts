// The one list of fuzz cases, shared by the vitest suite (fuzz.test.ts) and the census
// (census.ts). Every case is built deterministically at import time (fixed fast-check seeds).
import * as mf from '../../src/index.js';
import { fnCases, K, type Kind } from './gen.js';
import { bruteW2, flat, near, refLse, type Case } from './harness.js';
import { cliCases } from './cases-cli.js';

const { Measure } = mf;
type M = InstanceType<typeof Measure>;

// ---------------------------------------------------------------- fixtures (small, fixed)
const S3 = [
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
  [0.6, 0.8, 0],
];
const T3 = [
  [0, 0, 1],
  [0.8, 0, 0.6],
];
const V2 = [
  [1, 2],
  [3, -4],
];
const muS = new Measure(S3, { space: 'sphere' });
const muS2 = new Measure(
  [
    [0, 1, 0],
    [0.6, 0, 0.8],
    [-1, 0, 0],
  ],
  { space: 'sphere', weights: [1, 2, 3] },
);
const muE = new Measure([
  [0, 0],
  [1, 0],
  [0, 2],
  [3, 1],
]);
const muE2 = new Measure(
  [
    [1, 1],
    [2, -1],
    [0, 0.5],
    [-1, 0],
  ],
  { weights: [0.1, 0.2, 0.3, 0.4] },
);
const muC = new Measure([0.1, 1, 2.5, 4], { space: 'circle' });
const muLine = new Measure([0, 1, 5], { dim: 1 });

/** Point-set inputs: bad (refused) and edge (valid) values for a number[][] argument of dimension 3. */
const pointsKind = (d = 3, flatOk = false): Kind => {
  const row = (...v: unknown[]) => [...v, ...Array(Math.max(0, d - v.length)).fill(0)].slice(0, Math.max(d, v.length));
  return K.custom(
    [
      null,
      'x',
      5,
      true,
      1n,
      {},
      [],
      [[]],
      [row(1, null)],
      [row(1, '')],
      [row(1, '2')],
      [row(1, true)],
      [row(1, [0])],
      [row(1), Array(d + 1).fill(1)],
      [row(NaN)],
      [row(Infinity)],
      [Array(d).fill(1n)],
      new Float64Array(0),
      BigInt64Array.from(Array(d).fill(1n)),
      { length: d, 0: 1 },
      ...(flatOk ? [] : [Array(d).fill(1)]),
    ],
    [[Array(d).fill(1e155)], [Array(d).fill(5e-324)], [Array(d).fill(-0)], [Array(d).fill(1e300)]],
  );
};
const backend = K.oneOf('wasm', 'js');
const precision = K.oneOf('f64', 'f32');
const measureKind = (valid: M): Kind =>
  K.custom([
    null,
    'x',
    {},
    [[1, 0, 0]],
    valid.toJSON(),
    { points: valid.points, dim: valid.dim, weights: valid.weights, size: valid.size, space: valid.space },
  ]);

function rowsOf(p: unknown, d: number | undefined): { data: Float64Array; d: number } {
  if (p instanceof Measure) return { data: p.points, d: p.dim };
  if (Array.isArray(p) && Array.isArray(p[0])) return { data: flat(p as number[][]), d: (p[0] as number[]).length };
  return { data: Float64Array.from(p as ArrayLike<number>), d: d! };
}

/** The reference lse / mean of a kernel call, and the tolerance of its precision. */
function kernelCheck(r: { lse: Float64Array; mean?: Float64Array }, x: unknown, y: unknown, o: any, values?: unknown): string | null {
  const X = rowsOf(x, o?.dim),
    Y = rowsOf(y, o?.dim ?? X.d);
  const h = o?.logWeights ?? (y instanceof Measure ? Array.from(y.weights, Math.log) : null);
  const V = values === undefined ? null : rowsOf(values, o?.valueDim);
  const ref = refLse(X.data, Y.data, X.d, o?.beta ?? 1, o?.score ?? 'dot', h, o?.causal ?? false, V?.data ?? null, V?.d ?? 0);
  if (ref.overflow) return 'the reference overflows the double range: expected a named error (OverflowError), got a value';
  const f32 = o?.precision === 'f32';
  let scale = 1;
  for (const v of ref.lse) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  const tol = f32 ? 1e-5 : 1e-12;
  for (let i = 0; i < ref.lse.length; i++) {
    const a = r.lse[i],
      b = ref.lse[i];
    if (a === b) continue;
    if (!(Math.abs(a - b) <= tol * scale)) return `lse[${i}] = ${a}, reference ${b}${f32 ? ' (f32)' : ''}`;
  }
  if (V !== null) {
    let vs = 1;
    for (const v of V.data) vs = Math.max(vs, Math.abs(v));
    const e = near(r.mean!, ref.mean, 0, (f32 ? 1e-4 : 1e-10) * vs, 'mean');
    if (e) return e;
  }
  return null;
}

const kernelOpts = (base: Record<string, unknown>) => ({
  base,
  optional: true,
  keys: {
    dim: K.int(1, [3]),
    beta: K.finite,
    score: K.oneOf('dot', 'sqdist'),
    logWeights: K.custom(
      [null, 'x', [0], [0, 0, 0], [NaN, 0], [Infinity, 0], ['0', 0], [null, 0], [true, 0], [1n, 0n]],
      [
        [-Infinity, 0],
        [-Infinity, -Infinity],
        [700, 700],
        [1e308, 0],
        [-1e308, 0],
      ],
    ),
    causal: K.bool,
    backend,
    precision,
  } as Record<string, Kind>,
});

const kernel: Case[] = [
  ...fnCases({
    fn: 'logSumExp',
    group: 'kernel',
    args: [
      { name: 'x', value: S3, kind: pointsKind() },
      { name: 'y', value: T3, kind: pointsKind(3, true) },
    ],
    opts: kernelOpts({ beta: 2 }),
    call: ([x, y], o) => mf.logSumExp(x, y, o),
    check: (r, [x, y], o) => kernelCheck({ lse: r }, x, y, o),
    allowNonFinite: (_p, v) => v === -Infinity,
  }),
  ...fnCases({
    fn: 'softmaxMean',
    group: 'kernel',
    args: [
      { name: 'x', value: S3, kind: pointsKind() },
      { name: 'y', value: T3, kind: pointsKind(3, true) },
      { name: 'values', value: V2, kind: pointsKind(2, true) },
    ],
    opts: { ...kernelOpts({ beta: 2 }), keys: { ...kernelOpts({}).keys, valueDim: K.int(1, [2]) } },
    call: ([x, y, v], o) => mf.softmaxMean(x, y, v, o),
    check: (r, [x, y, v], o) => kernelCheck(r, x, y, o, v),
  }),
  ...fnCases({
    fn: 'interactionEnergy',
    group: 'kernel',
    args: [{ name: 'mu', value: muS2, kind: measureKind(muS2) }],
    opts: { base: { beta: 3 }, optional: false, keys: { beta: K.positive, backend, precision } },
    call: ([mu], o) => mf.interactionEnergy(mu, o),
    check: (r, [mu], o) => {
      const beta = o.beta;
      const w = mu.weights as Float64Array;
      const ref = refLse(mu.points, mu.points, mu.dim, beta, 'dot', Array.from(w, Math.log));
      let max = -Infinity;
      for (let i = 0; i < w.length; i++) max = Math.max(max, Math.log(w[i]) + ref.lse[i]);
      let s = 0;
      for (let i = 0; i < w.length; i++) s += Math.exp(Math.log(w[i]) + ref.lse[i] - max);
      const logE = max + Math.log(s) - Math.log(2) - Math.log(beta);
      if (ref.overflow || !Number.isFinite(logE)) return 'the reference overflows: expected a named error';
      return (
        near(r.logEnergy, logE, o?.precision === 'f32' ? 1e-5 : 1e-12, 1e-12, 'logEnergy') ??
        (logE < 709 ? near(r.energy, Math.exp(logE), o?.precision === 'f32' ? 1e-5 : 1e-9, 0, 'energy') : null)
      );
    },
    allowNonFinite: (p, v) => p === '.energy' && v === Infinity,
  }),
];

// Handmade kernel cases from the issue (overflow, f32 representability).
const P1e154 = [
  [1e154, 0],
  [0, 1e154],
];
kernel.push(
  {
    id: 'logSumExp: beta*s beyond the double range (beta 1e300, s 1e10)',
    group: 'kernel',
    expect: 'either',
    run: () => mf.logSumExp([[1e5, 0]], [[1e5, 0]], { beta: 1e300 }),
    check: (r) => kernelCheck({ lse: r }, [[1e5, 0]], [[1e5, 0]], { beta: 1e300 }),
  },
  {
    id: 'logSumExp: h + beta*s beyond the double range',
    group: 'kernel',
    expect: 'either',
    run: () => mf.logSumExp([[1, 0]], [[1, 0]], { beta: 1e308, logWeights: [1e308] }),
    check: (r) => kernelCheck({ lse: r }, [[1, 0]], [[1, 0]], { beta: 1e308, logWeights: [1e308] }),
  },
  {
    id: 'logSumExp: |x| 1e154 dot overflows',
    group: 'kernel',
    expect: 'either',
    run: () => mf.logSumExp(P1e154, P1e154, { beta: 1e10 }),
    check: (r) => kernelCheck({ lse: r }, P1e154, P1e154, { beta: 1e10 }),
  },
  {
    id: 'logSumExp: f32 beta 1e39 (not an f32)',
    group: 'kernel',
    expect: 'either',
    run: () => mf.logSumExp([[1e-40, 0]], [[1, 0]], { beta: 1e39, precision: 'f32' }),
    check: (r) => kernelCheck({ lse: r }, [[1e-40, 0]], [[1, 0]], { beta: 1e39, precision: 'f32' }),
  },
  {
    id: 'logSumExp: f32 |x| 1e20',
    group: 'kernel',
    expect: 'either',
    run: () =>
      mf.logSumExp(
        [[1e20, 0]],
        [
          [1e-20, 0],
          [0, 1e-20],
        ],
        { precision: 'f32' },
      ),
    check: (r) =>
      kernelCheck(
        { lse: r },
        [[1e20, 0]],
        [
          [1e-20, 0],
          [0, 1e-20],
        ],
        { precision: 'f32' },
      ),
  },
  {
    id: 'logSumExp: f32 sqdist |x| 1e3 beta 1e4 (cancellation)',
    group: 'kernel',
    expect: 'either',
    run: () =>
      mf.logSumExp(
        [[1000, 1000.001]],
        [
          [1000, 1000],
          [1000.002, 1000],
        ],
        { beta: 1e4, score: 'sqdist', precision: 'f32' },
      ),
    check: (r) =>
      kernelCheck(
        { lse: r },
        [[1000, 1000.001]],
        [
          [1000, 1000],
          [1000.002, 1000],
        ],
        { beta: 1e4, score: 'sqdist', precision: 'f32' },
      ),
  },
  {
    id: 'logSumExp: js backend f32 |x| 1e20',
    group: 'kernel',
    expect: 'either',
    run: () => mf.logSumExp([[1e20, 0]], [[1e-20, 0]], { precision: 'f32', backend: 'js' }),
    check: (r) => kernelCheck({ lse: r }, [[1e20, 0]], [[1e-20, 0]], { precision: 'f32' }),
  },
  {
    id: 'softmaxMean: values near 1e308 at beta 0 (mean overflow)',
    group: 'kernel',
    expect: 'either',
    run: () => mf.softmaxMean([[0]], [[0], [1]], [[1.7e308], [1.7e308]], { beta: 0 }),
    check: (r) => near(r.mean, [1.7e308], 1e-12, 0, 'mean'),
  },
  {
    id: 'softmaxMean: a query sees only zero-weight keys',
    group: 'kernel',
    expect: 'error',
    run: () => mf.softmaxMean([[0]], [[0], [1]], [[1], [2]], { logWeights: [-Infinity, -Infinity] }),
  },
  {
    id: 'interactionEnergy: beta 1e308 (logEnergy must stay finite)',
    group: 'kernel',
    expect: 'either',
    run: () => mf.interactionEnergy(muS, { beta: 1e308 }),
    check: (r) => near(r.logEnergy, 1e308 + Math.log(1 / 4) - Math.log(2) - Math.log(1e308), 1e-12, 0, 'logEnergy'),
    allowNonFinite: (p) => p === '.energy',
  },
  {
    id: 'interactionEnergy: mu not a Measure (number[][])',
    group: 'kernel',
    expect: 'error',
    run: () => mf.interactionEnergy(S3 as never, { beta: 1 }),
  },
  {
    id: 'logSumExp: n*m beyond LIMITS.maxPairWork refused before work',
    group: 'kernel',
    expect: 'error',
    timeoutMs: 20000,
    run: () => {
      const x = new Float64Array(2 ** 24);
      return mf.logSumExp(x, x, { dim: 1 });
    },
  },
);

// ---------------------------------------------------------------- measure
function measureCheck(r: M, points: unknown, o: any): string | null {
  if (!(r instanceof Measure)) return 'not a Measure';
  const X = rowsOf(points, o?.dim ?? (o?.space === 'circle' ? 1 : undefined));
  const want = o?.space === 'circle' ? X.data.map((t) => mf.wrapAngle(t)) : X.data;
  return near(r.points, want, 0, 0, 'points') ?? (r.space === (o?.space ?? 'euclidean') ? null : `space ${r.space}`);
}
const weightsKind = (n: number) =>
  K.custom(
    [
      null,
      'x',
      [],
      Array(n).fill(-1),
      Array(n).fill(0),
      [NaN, ...Array(n - 1).fill(1)],
      [Infinity, ...Array(n - 1).fill(1)],
      Array(n).fill('1'),
      Array(n)
        .fill(1e308)
        .concat([])
        .map((v, i) => (i === 0 ? 1.7e308 : v)),
      Array(n + 1).fill(1),
      [true, ...Array(n - 1).fill(1)],
    ],
    [[5e-324, ...Array(n - 1).fill(0)], Array(n).fill(1e-300)],
  );
const sizeEdge = [1, 2 ** 31, 1e9, 2 ** 53];
const measure: Case[] = [
  ...fnCases({
    fn: 'new Measure',
    group: 'measure',
    args: [{ name: 'points', value: S3, kind: pointsKind() }],
    opts: {
      base: {},
      optional: true,
      keys: { dim: K.int(1, [3]), weights: weightsKind(4), space: K.oneOf('euclidean', 'sphere', 'circle') },
    },
    call: ([p], o) => new Measure(p, o),
    check: (r, [p], o) => measureCheck(r, p, o),
  }),
  ...fnCases({
    fn: 'Measure.gaussian',
    group: 'measure',
    args: [
      { name: 'n', value: 5, kind: K.int(1, sizeEdge) },
      { name: 'd', value: 2, kind: K.int(1, [1, 2 ** 31]) },
    ],
    opts: {
      base: { seed: 1 },
      optional: false,
      keys: {
        seed: K.seed,
        mean: K.custom([NaN, Infinity, 'x', [0], [0, NaN], null], [1e308, [0, -1e308]]),
        std: K.custom([0, -1, NaN, Infinity, 'x', [1], [1, 0], null], [1e-300, 1e300]),
        weights: weightsKind(5),
      },
    },
    call: ([n, d], o) => Measure.gaussian(n, d, o),
    check: (r, [n, d]) => (r.size === n && r.dim === d ? null : `size ${r.size} x ${r.dim}`),
  }),
  ...fnCases({
    fn: 'Measure.uniformSphere',
    group: 'measure',
    args: [
      { name: 'n', value: 5, kind: K.int(1, sizeEdge) },
      { name: 'd', value: 3, kind: K.int(1, [1, 2 ** 31]) },
    ],
    opts: { base: { seed: 1 }, optional: false, keys: { seed: K.seed, weights: weightsKind(5) } },
    call: ([n, d], o) => Measure.uniformSphere(n, d, o),
    check: (r, [n, d]) => (r.size === n && r.dim === d ? null : `size ${r.size} x ${r.dim}`),
  }),
  ...fnCases({
    fn: 'Measure.uniformBox',
    group: 'measure',
    args: [
      { name: 'n', value: 5, kind: K.int(1, [1, 1e9]) },
      { name: 'd', value: 2, kind: K.int(1, [1]) },
    ],
    opts: {
      base: { seed: 1 },
      optional: false,
      keys: {
        seed: K.seed,
        low: K.custom([NaN, 'x', [0], 2, null], [-1e308, [-1, -2]]),
        high: K.custom([NaN, Infinity, -1, 'x', null], [1e308]),
        weights: weightsKind(5),
      },
    },
    call: ([n, d], o) => Measure.uniformBox(n, d, o),
    check: (r, [n, d], o) => {
      if (r.size !== n || r.dim !== d) return `size ${r.size} x ${r.dim}`;
      const lo = o.low ?? 0,
        hi = o.high ?? 1;
      for (let i = 0; i < r.points.length; i++) {
        const l = Array.isArray(lo) ? lo[i % d] : lo,
          h = Array.isArray(hi) ? hi[i % d] : hi;
        if (!(r.points[i] >= l && r.points[i] < h)) return `point coordinate ${r.points[i]} outside [${l}, ${h})`;
      }
      return null;
    },
  }),
  ...fnCases({
    fn: 'Measure.uniformCircle',
    group: 'measure',
    args: [{ name: 'n', value: 5, kind: K.int(1, [1, 1e9]) }],
    opts: { base: { seed: 1 }, optional: false, keys: { seed: K.seed, weights: weightsKind(5) } },
    call: ([n], o) => Measure.uniformCircle(n, o),
    check: (r, [n]) => (r.size === n && r.points.every((t: number) => t >= 0 && t < 2 * Math.PI) ? null : 'bad angles or size'),
  }),
  ...fnCases({
    fn: 'Measure.equallySpacedCircle',
    group: 'measure',
    args: [{ name: 'n', value: 5, kind: K.int(1, [1, 1e9]) }],
    opts: { base: {}, optional: true, keys: { offset: K.finite } },
    call: ([n], o) => Measure.equallySpacedCircle(n, o),
    check: (r, [n], o) =>
      near(
        r.points,
        Array.from({ length: n }, (_, i) => mf.wrapAngle((o?.offset ?? 0) + (2 * Math.PI * i) / n)),
        1e-12,
        1e-12,
        'angles',
      ),
  }),
  ...fnCases({
    fn: 'Measure.fromJSON',
    group: 'measure',
    args: [
      {
        name: 'json',
        value: JSON.stringify(muE2.toJSON()),
        kind: K.custom(
          [
            'garbage',
            '{',
            'null',
            '5',
            '[]',
            '{}',
            null,
            5,
            { points: 'x' },
            { ...muE2.toJSON(), dim: 3 },
            { ...muE2.toJSON(), space: 'sphere' },
            { ...muE2.toJSON(), weights: [1, 2] },
            { ...muE2.toJSON(), points: [1, 'x', 3, 4, 5, 6, 7, 8] },
          ],
          [muE2.toJSON()],
        ),
      },
    ],
    call: ([j]) => Measure.fromJSON(j),
    check: (r) => near(r.points, muE2.points, 0, 0, 'points') ?? near(r.weights, muE2.weights, 0, 0, 'weights'),
  }),
  ...fnCases({
    fn: 'Measure#point',
    group: 'measure',
    args: [{ name: 'i', value: 1, kind: K.custom([-1, 4, 1.5, NaN, '1', null, 1n, Infinity], [0, 3]) }],
    call: ([i]) => muS.point(i),
    check: (r, [i]) => near(r, S3[i], 0, 0, 'point'),
  }),
  ...fnCases({
    fn: 'Measure#withPoints',
    group: 'measure',
    args: [
      {
        name: 'points',
        value: flat(S3),
        kind: K.custom(
          [null, 'x', new Float64Array(3), [1, 2], Array(12).fill(NaN), Array(12).fill('1'), Array(12).fill(null)],
          [
            Array(12)
              .fill(0)
              .map((_, i) => (i % 3 === 0 ? 1 : 0)),
          ],
        ),
      },
    ],
    call: ([p]) => muS.withPoints(p),
    check: (r) => (r.size === 4 ? null : 'size'),
  }),
  {
    id: 'Measure#normalized: weights 1e-300 each (mass underflow)',
    group: 'measure',
    expect: 'either',
    run: () => new Measure([[0], [1]], { weights: [5e-324, 5e-324] }).normalized(),
    check: (r) => near(r.weights, [0.5, 0.5], 1e-12, 0, 'weights'),
  },
  {
    id: 'Measure#normalized: weights near max (mass overflow)',
    group: 'measure',
    expect: 'either',
    run: () => new Measure([[0], [1]], { weights: [1e308, 1e308] }).normalized(),
    check: (r) => near(r.weights, [0.5, 0.5], 1e-12, 0, 'weights'),
  },
  {
    id: 'Measure: 2^27+1 points refused before allocation (flat)',
    group: 'measure',
    expect: 'error',
    run: () => new Measure({ length: 2 ** 28 } as never, { dim: 1 }),
  },
  {
    id: 'Measure.uniformSphere(1e9, 3) refused before allocation',
    group: 'measure',
    expect: 'error',
    run: () => Measure.uniformSphere(1e9, 3, { seed: 1 }),
  },
  {
    id: 'Measure.gaussian(2^32, 1) refused before allocation',
    group: 'measure',
    expect: 'error',
    run: () => Measure.gaussian(2 ** 32, 1, { seed: 1 }),
  },
  { id: "new Measure(pts, 'sphere') (string options)", group: 'measure', expect: 'error', run: () => new Measure(S3, 'sphere' as never) },
];

// ---------------------------------------------------------------- random and spaces
const random: Case[] = [
  ...fnCases({
    fn: 'new Random',
    group: 'random',
    args: [{ name: 'seed', value: 3, kind: K.seed }],
    call: ([s]) => {
      const r = new mf.Random(s);
      return [r.next(), r.normal(), r.integer(10)];
    },
    check: (r) => (r[0] >= 0 && r[0] < 1 && Number.isInteger(r[2]) && r[2] >= 0 && r[2] < 10 ? null : `draws ${r}`),
  }),
  ...fnCases({
    fn: 'Random#integer',
    group: 'random',
    args: [{ name: 'n', value: 10, kind: K.int(1, [1, 2 ** 32, 2 ** 53]) }],
    call: ([n]) => new mf.Random(1).integer(n),
    check: (r, [n]) => (Number.isInteger(r) && r >= 0 && r < n ? null : `integer(${n}) = ${r}`),
  }),
  ...fnCases({
    fn: 'Random#uniform',
    group: 'random',
    args: [
      { name: 'low', value: -1, kind: K.finite },
      { name: 'high', value: 2, kind: K.custom([NaN, 'x', null, -2], [1e308, 2]) },
    ],
    call: ([l, h]) => new mf.Random(1).uniform(l, h),
    check: (r, [l, h]) => (r >= l && (r < h || l === h) ? null : `uniform(${l}, ${h}) = ${r}`),
  }),
  ...fnCases({
    fn: 'Random.fromState',
    group: 'random',
    args: [
      {
        name: 'state',
        value: [1, 2, 3, 4],
        kind: K.custom(
          [[0, 0, 0, 0], [1, 2, 3], [1, 2, 3, 2 ** 32], [1, 2, 3, -1], [1, 2, 3, 1.5], null, 'x', [1, 2, 3, NaN]],
          [[2 ** 32 - 1, 0, 0, 0]],
        ),
      },
    ],
    call: ([s]) => mf.Random.fromState(s).next(),
    check: (r) => (r >= 0 && r < 1 ? null : `next() = ${r}`),
  }),
];
const spaces: Case[] = [
  ...fnCases({
    fn: 'wrapAngle',
    group: 'spaces',
    args: [{ name: 't', value: 7, kind: K.finite }],
    call: ([t]) => mf.wrapAngle(t),
    check: (r, [t]) =>
      r >= 0 && r < 2 * Math.PI && Math.abs(Math.sin(r) - Math.sin(t)) < 1e-9 * Math.max(1, Math.abs(t)) ? null : `wrapAngle(${t}) = ${r}`,
  }),
  ...fnCases({
    fn: 'spaceOps',
    group: 'spaces',
    args: [{ name: 'name', value: 'sphere', kind: K.oneOf('euclidean', 'sphere', 'circle') }],
    call: ([n]) => mf.spaceOps(n).name,
    check: (r, [n]) => (r === n ? null : `spaceOps('${n}').name = ${r}`),
  }),
];

// ---------------------------------------------------------------- flows (built, then evaluated once through stationarity)
const I3 = [
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
];
const matrixKind = K.custom(
  [
    ['x'],
    'x',
    5,
    [[1, 2]],
    [
      [1, 0],
      [0, 1],
    ],
    [
      [NaN, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ],
    [
      [null, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ],
    [
      ['1', 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ],
    [1, 2, 3],
    [
      [Infinity, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ],
  ],
  [
    flat(I3),
    [
      [1e300, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ],
  ],
);
const velocityOk = (r: number) => (r >= 0 ? null : `stationarity ${r}`);
const data = {
  X: [
    [0.5, -1],
    [1, 0.2],
    [-0.3, 0.7],
    [2, 1],
  ],
  Y: [1, -1, 1, -1],
};
const neurons = Measure.gaussian(5, 4, { seed: 7 });
const flows: Case[] = [
  ...fnCases({
    fn: 'attention',
    group: 'flows',
    opts: {
      base: { beta: 2 },
      optional: true,
      keys: {
        beta: K.finite,
        Q: matrixKind,
        K: matrixKind,
        V: matrixKind,
        normalization: K.oneOf('softmax', 'none', 'sinkhorn'),
        sinkhornIterations: K.int(1, [1, 1000]),
        mask: K.oneOf('none', 'causal'),
        space: K.oneOf('sphere', 'euclidean'),
        tangentProjection: K.bool,
      },
    },
    call: (_a, o) => {
      const f = mf.attention(o);
      return mf.stationarity(f, f.space === 'sphere' ? muS : new Measure(S3));
    },
    check: velocityOk,
  }),
  ...fnCases({
    fn: 'circle',
    group: 'flows',
    opts: { base: { beta: 2 }, optional: true, keys: { beta: K.finite, normalization: K.oneOf('softmax', 'none') } },
    call: (_a, o) => mf.stationarity(mf.circle(o), muC),
    check: velocityOk,
  }),
  ...fnCases({
    fn: 'interaction',
    group: 'flows',
    opts: { base: { beta: 0.5 }, optional: true, keys: { beta: K.positive, space: K.oneOf('euclidean', 'sphere') } },
    call: (_a, o) => {
      const f = mf.interaction(o);
      return mf.stationarity(f, f.space === 'sphere' ? muS : new Measure(S3));
    },
    check: velocityOk,
  }),
  ...fnCases({
    fn: 'twoLayer',
    group: 'flows',
    opts: {
      base: { data },
      optional: false,
      keys: {
        data: K.custom(
          [
            null,
            'x',
            {},
            { X: data.X },
            { X: data.X, Y: [1, 2] },
            { X: [[0, null]], Y: [1] },
            { X: [[0, '']], Y: [1] },
            { X: [[0, '2']], Y: [1] },
            { X: [[0, true]], Y: [1] },
            { X: [[0, [0]]], Y: [1] },
            { X: [[0, 1]], Y: [NaN] },
            { X: [[0, 1]], Y: [Infinity] },
            { X: [[0, 1]], Y: ['1'] },
            { X: [[NaN, 1]], Y: [1] },
            { X: [0, 1], Y: [1] },
            { X: [[0, 1]], Y: [1], dim: 3 },
            { X: data.X, Y: data.Y, dimm: 2 },
          ],
          [{ X: [[1e300, 0]], Y: [1] }],
        ),
        activation: K.oneOf('relu', 'tanh', 'sigmoid'),
        loss: K.oneOf('squared', 'logistic'),
        l2: K.nonneg,
      },
    },
    call: (_a, o) => {
      const f = mf.twoLayer(o);
      const mu = f.data.dim === 2 ? neurons : Measure.gaussian(5, f.data.dim + 2, { seed: 7 });
      return [mf.stationarity(f, mu), f.risk(mu)];
    },
    check: (r) => (r[0] >= 0 && r[1] >= 0 ? null : `velocity ${r[0]}, risk ${r[1]}`),
  }),
  ...fnCases({
    fn: 'twoLayer#predict',
    group: 'flows',
    args: [
      {
        name: 'X',
        value: [[1, 2]],
        kind: K.custom([null, 'x', [[1, null]], [[1, '2']], [[1, true]], [[1]], [[NaN, 0]], [1, 2, 3], [[1, 2, 3]]], [[[1e300, 0]]]),
      },
    ],
    call: ([X]) => mf.twoLayer({ data }).predict(neurons, X),
    check: (r) => (r.length === 1 ? null : `length ${r.length}`),
  }),
  ...fnCases({
    fn: 'twoLayer#risk',
    group: 'flows',
    args: [
      {
        name: 'data',
        value: { X: [[1, 2]], Y: [1] },
        kind: K.custom([
          null,
          'x',
          { X: [[1, 2]] },
          { X: [[1, 2]], Y: [NaN] },
          { X: [[1, 2]], Y: [null] },
          { X: [[1, 2, 3]], Y: [1] },
          { X: [[1, 2]], Y: [1], typo: 1 },
        ]),
      },
    ],
    call: ([d]) => mf.twoLayer({ data }).risk(neurons, d),
    check: (r) => (r >= 0 ? null : `risk ${r}`),
  }),
  ...fnCases({
    fn: 'stationarity',
    group: 'flows',
    args: [
      { name: 'flow', value: mf.attention(), kind: K.custom([null, 'x', {}, { velocity: 1 }, mf.circle()]) },
      { name: 'mu', value: muS, kind: K.custom([null, 'x', {}, S3, muE, muC]) },
    ],
    opts: { base: {}, optional: true, keys: { backend, precision } },
    call: ([f, mu], o) => mf.stationarity(f, mu, o),
    check: velocityOk,
  }),
  {
    id: 'attention: Q/K/V of dimension 2 on a dimension-3 measure',
    group: 'flows',
    expect: 'error',
    run: () =>
      mf.stationarity(
        mf.attention({
          Q: [
            [1, 0],
            [0, 1],
          ],
        }),
        muS,
      ),
  },
  {
    id: 'interaction: beta 1e308 velocity overflows',
    group: 'flows',
    expect: 'either',
    run: () => mf.stationarity(mf.interaction({ beta: 1e308 }), muE),
    check: () => 'a finite velocity for beta 1e308 on |x| ~ 3 cannot be right',
  },
];

// ---------------------------------------------------------------- simulate and trajectories
const flowA = mf.attention({ beta: 1 });
// maxSteps bounds the edge-valid horizons (tEnd = 1e308): such a run ends with stopReason 'maxSteps'.
const simBase = { tEnd: 2, record: { logSpaced: 4 }, maxSteps: 3000 };
const simKeys: Record<string, Kind> = {
  tEnd: K.nonneg,
  logTEnd: K.finite,
  integrator: K.oneOf('rk45', 'euler', 'heun', 'rk4'),
  dt: K.positive,
  rtol: K.positive,
  atol: K.positive,
  maxStep: K.positive,
  maxSteps: K.custom([-1, 1.5, NaN, '1', null, true, 1n], [0, 1, Infinity]),
  clock: K.oneOf('time', 'arclength'),
  collapse: K.object({ tol: 1e-3 }, { tol: K.positive }),
  record: K.object(
    { logSpaced: 4 },
    {
      every: K.int(1, [1]),
      times: K.custom([null, 'x', [NaN], [-1], ['1'], [Infinity]], [[0, 1, 1e308]]),
      logSpaced: K.custom(
        [1, 1.5, NaN, 'x', null, { count: 1 }, { count: 3, from: -1 }, { count: 3, form: 0.1 }],
        [2, { count: 3, from: 1e-300 }],
      ),
      snapshots: K.bool,
    },
  ),
  observe: K.object(
    { energy: true },
    {
      energy: K.bool,
      logEnergy: K.bool,
      clusters: K.object({ tol: 0.1 }, { tol: K.positive }, false),
      minDistance: K.bool,
      velocityNorm: K.bool,
      meanInnerProduct: K.bool,
      clusteredFraction: K.object({ delta: 0.1 }, { delta: K.custom([0, -1, 3, NaN, 'x'], [2, 1e-300]) }, false),
      custom: K.custom([null, 'x', { a: 'x' }, { a: 1 }]),
    },
  ),
  events: K.custom([
    null,
    'x',
    { e: null },
    { e: {} },
    { e: { fn: 'x' } },
    { e: { fn: () => 0, direction: 2 } },
    { e: { fn: () => 0, terminal: 'yes' } },
    { e: { fn: () => 0, terminl: true } },
    { e: { fn: () => NaN } },
  ]),
  stopWhen: K.object(
    { oneCluster: true },
    {
      oneCluster: K.custom(['x', 1, null, { tol: -1 }, { tol: NaN }, { tl: 0.1 }], [{ tol: 1e-300 }, false]),
      velocityBelow: K.positive,
      custom: K.fn,
    },
  ),
  onProgress: K.fn,
  progressInterval: K.nonneg,
  signal: K.custom(['x', true, {}, 1]),
  backend,
  precision,
};
function trajCheck(r: any, o: any): string | null {
  if (!(r instanceof mf.Trajectory)) return 'not a Trajectory';
  if (!(r.final instanceof Measure)) return 'no final measure';
  if (o?.tEnd !== undefined && r.stopReason === 'tEnd' && r.finalTime !== o.tEnd) return `finalTime ${r.finalTime} != tEnd ${o.tEnd}`;
  return null;
}
const sim: Case[] = [
  ...fnCases({
    fn: 'simulate',
    group: 'simulate',
    args: [
      { name: 'flow', value: flowA, kind: K.custom([null, 'x', {}, { name: 'attention', velocity: 'x' }, () => 0]) },
      { name: 'start', value: muS, kind: K.custom([null, 'x', 5, {}, S3, muS.toJSON(), { format: 'meanfield-trajectory@1' }, muE]) },
    ],
    opts: { base: simBase, optional: false, keys: simKeys },
    call: ([f, mu], o) => mf.simulate(f, mu, o),
    check: (r, _a, o) => trajCheck(r, o),
    allowNonFinite: (p, v) => /logt/i.test(p) && v === -Infinity,
  }),
  ...fnCases({
    fn: 'simulateMany',
    group: 'simulate',
    args: [
      { name: 'flow', value: flowA, kind: K.custom([null, 'x', {}, mf.twoLayer({ data })]) },
      {
        name: 'measures',
        value: [muS, muS2],
        kind: K.custom([null, 'x', [], [null], [muS, muE], [S3], [muS, 'x'], { 0: muS, length: 1 }]),
      },
    ],
    opts: {
      base: simBase,
      optional: false,
      keys: {
        tEnd: K.nonneg,
        integrator: K.oneOf('rk45', 'euler', 'heun', 'rk4'),
        dt: K.positive,
        rtol: K.positive,
        record: simKeys.record,
        stopWhen: simKeys.stopWhen,
        onProgress: K.custom([() => 0, 'x']),
        backend,
        precision,
      },
    },
    call: ([f, ms], o) => mf.simulateMany(f, ms, o),
    check: (r, _a, o) =>
      Array.isArray(r) && r.length === 2
        ? (r.map((t) => trajCheck(t, o)).find((x) => x !== null) ?? null)
        : 'not one trajectory per measure',
    allowNonFinite: (p, v) => /logt/i.test(p) && v === -Infinity,
  }),
  {
    id: 'simulate: tEnd 0 (documented tEnd >= 0)',
    group: 'simulate',
    expect: 'value',
    run: () => mf.simulate(flowA, muS, { tEnd: 0 }),
    check: (r) =>
      r.finalTime === 0 && r.final.points.every((v: number, i: number) => v === muS.points[i]) ? null : `finalTime ${r.finalTime}`,
    allowNonFinite: (p, v) => /logt/i.test(p) && v === -Infinity,
  },
  {
    id: 'simulate: euler dt 1e-300 (cannot finish: refuse)',
    group: 'simulate',
    expect: 'error',
    timeoutMs: 8000,
    run: () => mf.simulate(flowA, muS, { tEnd: 1, integrator: 'euler', dt: 1e-300 }),
  },
  {
    id: 'simulate: rk4 dt 5e-324 (subnormal step)',
    group: 'simulate',
    expect: 'error',
    timeoutMs: 8000,
    run: () => mf.simulate(flowA, muS, { tEnd: 1, integrator: 'rk4', dt: 5e-324 }),
  },
  {
    id: 'simulate: euler without dt',
    group: 'simulate',
    expect: 'error',
    run: () => mf.simulate(flowA, muS, { tEnd: 1, integrator: 'euler' }),
  },
  {
    id: 'simulate: rk45 rtol 1e-300',
    group: 'simulate',
    expect: 'either',
    timeoutMs: 8000,
    run: () => mf.simulate(flowA, muS, { tEnd: 1, rtol: 1e-300, atol: 1e-300 }),
    check: (r) => trajCheck(r, { tEnd: 1 }),
  },
  {
    id: 'simulate: stopWhen { onecluster: true } (misspelled)',
    group: 'simulate',
    expect: 'error',
    run: () => mf.simulate(flowA, muS, { tEnd: 50, stopWhen: { onecluster: true } } as never),
  },
  {
    id: "simulate: onProgress 'x' refused before the run",
    group: 'simulate',
    expect: 'error',
    run: () => mf.simulate(flowA, muS, { tEnd: 1, onProgress: 'x' } as never),
  },
  {
    id: 'simulate: attention beta 1e3 observe energy (Infinity energy, finite logEnergy beside it)',
    group: 'simulate',
    expect: 'either',
    run: () => mf.simulate(mf.attention({ beta: 1e3 }), muS, { tEnd: 1, observe: { energy: true } }),
    check: (r) =>
      trajCheck(r, { tEnd: 1 }) ??
      (r.observables.logEnergy?.every((v: number) => Number.isFinite(v)) ? null : 'no finite logEnergy beside an overflowing energy'),
    allowNonFinite: (p, v) => (/logt/i.test(p) && v === -Infinity) || (/energy/.test(p) && !/logEnergy/.test(p) && v === Infinity),
  },
  {
    id: 'simulate: attention beta 1e3 observe logEnergy',
    group: 'simulate',
    expect: 'value',
    run: () => mf.simulate(mf.attention({ beta: 1e3 }), muS, { tEnd: 1, observe: { logEnergy: true } }),
    check: (r) => trajCheck(r, { tEnd: 1 }),
    allowNonFinite: (p, v) => /logt/i.test(p) && v === -Infinity,
  },
  {
    id: 'simulate: already aborted signal',
    group: 'simulate',
    expect: 'value',
    run: () => {
      const c = new AbortController();
      c.abort();
      return mf.simulate(flowA, muS, { tEnd: 1, signal: c.signal });
    },
    check: (r) => (r.stopReason === 'aborted' ? null : `stopReason ${r.stopReason}`),
    allowNonFinite: (p, v) => /logt/i.test(p) && v === -Infinity,
  },
  {
    id: 'simulate: resume from toJSON of another flow',
    group: 'simulate',
    expect: 'error',
    run: () => mf.simulate(mf.attention({ beta: 3 }), mf.simulate(flowA, muS, { tEnd: 1 }).toJSON(), { tEnd: 2 }),
  },
  {
    id: 'simulate: resume bit-identical to one run',
    group: 'simulate',
    expect: 'value',
    run: () => {
      const a = mf.simulate(flowA, muS, { tEnd: 2, integrator: 'rk4', dt: 0.1 });
      const h = mf.simulate(flowA, muS, { tEnd: 1, integrator: 'rk4', dt: 0.1 });
      const b = mf.simulate(flowA, mf.Trajectory.fromJSON(JSON.parse(JSON.stringify(h.toJSON()))), { tEnd: 2, integrator: 'rk4', dt: 0.1 });
      return [a.final.points, b.final.points];
    },
    check: ([a, b]) => near(b, a, 0, 0, 'resumed final points'),
  },
  {
    id: 'simulate: euclidean attention blow-up (beta 50, USA)',
    group: 'simulate',
    expect: 'either',
    timeoutMs: 8000,
    run: () =>
      mf.simulate(
        mf.attention({ beta: 50, space: 'euclidean', normalization: 'none' }),
        new Measure([
          [3, 0],
          [0, 3],
          [2, 2],
        ]),
        { tEnd: 10 },
      ),
    check: (r) => trajCheck(r, { tEnd: 10 }),
    allowNonFinite: (p, v) => /logt/i.test(p) && v === -Infinity,
  },
];

const traj = mf.simulate(flowA, muS, {
  tEnd: 1,
  record: { logSpaced: 3, snapshots: true },
  observe: { energy: true, clusters: { tol: 0.1 } },
  backend: 'js',
});
const tj = traj.toJSON() as Record<string, any>;
const trajectory: Case[] = [
  ...fnCases({
    fn: 'Trajectory.fromJSON',
    group: 'trajectory',
    args: [
      {
        name: 'json',
        value: JSON.stringify(tj),
        kind: K.custom(
          [
            'garbage',
            '',
            '{',
            'null',
            '[]',
            '5',
            null,
            5,
            true,
            {},
            { format: 'x' },
            { format: 'meanfield-trajectory@1' },
            JSON.stringify(tj).slice(0, 200),
            { ...tj, times: 'x' },
            { ...tj, final: null },
            { ...tj, snapshots: null },
            { ...tj, checkpoint: null },
            { ...tj, checkpoint: { ...tj.checkpoint, x: '!!notbase64' } },
            { ...tj, checkpoint: { ...tj.checkpoint, points: '!!notbase64' } },
            { ...tj, observables: { energy: 'x' } },
            { ...tj, events: { e: null } },
            { ...tj, times: [NaN] },
            { ...tj, flow: null },
          ],
          [tj],
        ),
      },
    ],
    call: ([j]) => {
      const t = mf.Trajectory.fromJSON(j);
      return mf.simulate(flowA, t, { tEnd: 1.5 });
    },
    check: (r) => trajCheck(r, { tEnd: 1.5 }),
    allowNonFinite: (p, v) => /logt/i.test(p) && v === -Infinity,
  }),
  ...fnCases({
    fn: 'Trajectory#expand',
    group: 'trajectory',
    args: [{ name: 'k', value: 1, kind: K.custom([-1, 99, 1.5, NaN, '1', null]) }],
    call: ([k]) => traj.expand(k),
    check: (r) => (r.size === 4 ? null : 'size'),
  }),
  ...fnCases({
    fn: 'Trajectory#particleMap',
    group: 'trajectory',
    args: [{ name: 'k', value: 0, kind: K.custom([-1, 99, 1.5, NaN, '1', null]) }],
    call: ([k]) => traj.particleMap(k),
    check: (r) => (r.length === 4 ? null : 'length'),
  }),
];

// ---------------------------------------------------------------- analysis
function refClusters(mu: M, tol: number): number {
  const n = mu.size,
    parent = Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => {
    if (parent[i] !== i) parent[i] = find(parent[i]); // path compression
    return parent[i];
  };
  const ops = mf.spaceOps(mu.space);
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) if (ops.distance(mu.points, i, mu.points, j, mu.dim) <= tol) parent[find(i)] = find(j);
  return new Set(Array.from({ length: n }, (_, i) => find(i))).size;
}
const twoBumps = [0.1, 0.15, 0.2, 3.2, 3.25];
const analysis: Case[] = [
  ...fnCases({
    fn: 'clusters',
    group: 'analysis',
    args: [{ name: 'mu', value: muE, kind: measureKind(muE) }],
    opts: { base: { tol: 1.5 }, optional: true, keys: { tol: K.positive } },
    call: ([mu], o) => mf.clusters(mu, o),
    check: (r, [mu], o) =>
      r.count === refClusters(mu, o?.tol ?? 1e-3) ? null : `count ${r.count}, reference ${refClusters(mu, o?.tol ?? 1e-3)}`,
  }),
  ...fnCases({
    fn: 'plateaus',
    group: 'analysis',
    args: [
      {
        name: 'trajectory',
        value: { times: [0, 1, 2, 4, 8], clusterCounts: [3, 3, 2, 2, 2] },
        kind: K.custom(
          [
            null,
            'x',
            {},
            { times: [0, 1] },
            { times: [0, 1], clusterCounts: [1] },
            { times: [0, NaN], clusterCounts: [1, 1] },
            { times: [2, 1], clusterCounts: [1, 1] },
            { times: [0, 1], clusterCounts: [1, NaN] },
            { times: 'xy', clusterCounts: 'ab' },
            { times: [0, 1], clusterCounts: [1, 1], energy: [NaN, 1] },
            { times: [0, 1], clusterCounts: [1, 1], energy: [1] },
          ],
          [traj],
        ),
      },
    ],
    opts: { base: {}, optional: true, keys: { minRatio: K.custom([0.5, NaN, 'x', null, -1, Infinity], [1, 1e308]) } },
    call: ([t], o) => mf.plateaus(t, o),
    check: (r, [t]) =>
      t === traj || (r.plateaus.length === 2 && r.merges.length === 1 && r.merges[0].from === 3 && r.merges[0].to === 2)
        ? null
        : `${r.plateaus.length} plateaus`,
    allowNonFinite: (p) => p.endsWith('.energy') || p.endsWith('energyJump'),
  }),
  ...fnCases({
    fn: 'kdeModes',
    group: 'analysis',
    args: [
      {
        name: 'angles',
        value: twoBumps,
        kind: K.custom([null, 'x', [], [NaN], [Infinity], ['1'], [null], [[0.1]], new BigInt64Array(2)], [[1e300], [5e-324]]),
      },
    ],
    opts: {
      base: { beta: 20 },
      optional: false,
      keys: { beta: K.positive, weights: weightsKind(5), grid: K.int(8, [8, 2 ** 31]), backend },
    },
    call: ([a], o) => mf.kdeModes(a, o),
    check: (r, [a], o) =>
      a === twoBumps && o?.beta === 20 && o?.grid === undefined && o?.weights === undefined && r !== 2
        ? `modes ${r}, reference 2`
        : Number.isInteger(r) && r >= 1
          ? null
          : `modes ${r}`,
    noEdge: ['beta'],
  }),
  { id: 'kdeModes: beta 1e308 (huge grid refused)', group: 'analysis', expect: 'error', run: () => mf.kdeModes(twoBumps, { beta: 1e308 }) },
  {
    id: 'kdeModes: beta 1e-300',
    group: 'analysis',
    expect: 'either',
    run: () => mf.kdeModes(twoBumps, { beta: 1e-300 }),
    check: (r) => (r === 1 ? null : `modes ${r}, reference 1`),
  },
];

// ---------------------------------------------------------------- optimal transport
/** Sinkhorn result checks: the plan's marginals against a and b, cost = <P, C>, S(a, a) = 0. */
function sinkhornCheck(r: any, aIn: M | number[][], bIn: M | number[][], o: any): string | null {
  // number[][] is a uniform point set, the same problem as its Measure.
  const a = aIn instanceof Measure ? aIn : new Measure(aIn);
  const b = bIn instanceof Measure ? bIn : Array.isArray(bIn[0]) ? new Measure(bIn) : new Measure(bIn, { dim: a.dim });
  const A = a.normalized().weights,
    B = b.normalized().weights,
    n = a.size,
    m = b.size,
    d = a.dim;
  const P = r.plan();
  let err = 0,
    cost = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < m; j++) s += P[i * m + j];
    err += Math.abs(s - A[i]);
  }
  for (let j = 0; j < m; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += P[i * m + j];
    err += Math.abs(s - B[j]);
  }
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) {
      let c = 0;
      for (let k = 0; k < d; k++) c += (a.points[i * d + k] - b.points[j * d + k]) ** 2;
      cost += P[i * m + j] * c;
    }
  // The tol in force: the caller's, else the precision's default (f64 1e-9; f32 max(1e-5, 2^-26 diam²/eps), at most about 1e-4 where f32 is
  // accepted).
  const tol = o?.tol ?? (o?.precision === 'f32' ? 1e-4 : 1e-9);
  if (r.converged && err > Math.max(1e-6, 10 * tol))
    return `reports converged (marginalError ${r.marginalError}) but the plan's marginals are off by ${err.toExponential(2)} (L1)`;
  if (!r.converged && typeof r.warning !== 'string') return 'not converged and no warning';
  if (r.converged && Math.abs(cost - r.cost) > 1e-6 * Math.max(1, Math.abs(cost))) return `cost ${r.cost}, <P, C> = ${cost}`;
  if (r.eps !== o?.eps) return `eps ${r.eps}, asked ${o?.eps}`;
  return null;
}
const muA = new Measure([
  [0, 0],
  [1, 0],
  [0, 1],
]);
const muB = new Measure(
  [
    [2, 2],
    [1, 3],
  ],
  { weights: [1, 3] },
);
const sinkKeys: Record<string, Kind> = {
  eps: K.positive,
  tol: K.positive,
  maxIter: K.int(1, [1, 2 ** 31]),
  scaling: K.custom([0, 1, -0.5, 2, true, 'x', null, NaN], [false, 0.5, 1e-300]),
  warmStart: K.custom(
    [null, 'x', { f: 'x' }, { f: [NaN, 0, 0] }, { f: [0, 0] }, { g: [Infinity, 0] }, { f: [0, 0, 0], h: [0] }, { f: ['0', 0, 0] }],
    [{ f: [0, 0, 0] }, { f: [0, 0, 0], g: [0, 0] }, { g: [1e300, 0] }],
  ),
  backend,
  precision,
};
const ot: Case[] = [
  ...fnCases({
    fn: 'sinkhorn',
    group: 'ot',
    args: [
      { name: 'a', value: muA, kind: K.custom([null, 'x', {}, [0, 0], muA.toJSON(), muS], [[[0, 0]]]) },
      { name: 'b', value: muB, kind: K.custom([null, muLine], [[[0, 0]], [0, 0]]) },
    ],
    opts: { base: { eps: 0.1 }, optional: false, keys: sinkKeys },
    call: ([a, b], o) => mf.sinkhorn(a, b, o),
    check: (r, [a, b], o) => sinkhornCheck(r, a, b, o),
    noEdge: ['eps'],
  }),
  ...fnCases({
    fn: 'sinkhornDivergence',
    group: 'ot',
    args: [
      { name: 'a', value: muA, kind: K.custom([null, 'x', {}, [0, 0], muS], [[[0, 0]]]) },
      { name: 'b', value: muA, kind: K.custom([null, muLine], [[[0, 0]], [0, 0]]) },
    ],
    opts: { base: { eps: 0.1 }, optional: false, keys: { eps: K.positive, tol: K.positive, maxIter: K.int(1, [1]), backend, precision } },
    call: ([a, b], o) => mf.sinkhornDivergence(a, b, o),
    check: (r, [a, b]) => (a === b ? near(r.value, 0, 0, 1e-9, 'S(a, a)') : r.value >= -1e-9 ? null : `S = ${r.value} < 0`),
    noEdge: ['eps'],
  }),
  ...fnCases({
    fn: 'wasserstein2',
    group: 'ot',
    args: [
      {
        name: 'a',
        value: muE,
        kind: K.custom(
          [null, 'x', {}, [0, 0], muS],
          [
            [
              [0, 0],
              [1, 0],
              [0, 2],
              [3, 1],
            ],
          ],
        ),
      },
      {
        name: 'b',
        value: new Measure([
          [1, 1],
          [0, 0],
          [2, 3],
          [-1, 0],
        ]),
        kind: K.custom(
          [null, muLine],
          [
            [
              [1, 1],
              [0, 0],
              [2, 3],
              [-1, 0],
            ],
            [1, 1, 0, 0, 2, 3, -1, 0],
          ],
        ),
      },
    ],
    call: ([a, b]) => mf.wasserstein2(a, b),
    check: (r, [a, b]) => {
      const [pa, pb] = [a, b].map((v) => (v instanceof Measure ? v : Array.isArray(v[0]) ? new Measure(v) : new Measure(v, { dim: 2 })));
      return near(r, bruteW2(pa.points, pb.points, pa.dim), 1e-9, 1e-12, 'W2^2');
    },
  }),
  ...fnCases({
    fn: 'wasserstein2Detailed',
    group: 'ot',
    args: [
      { name: 'a', value: muLine, kind: K.custom([null, 'x', {}, [0, 1, 5], muS]) },
      { name: 'b', value: new Measure([3, 1, 0], { dim: 1 }), kind: K.custom([null, 'x']) },
    ],
    call: ([a, b]) => mf.wasserstein2Detailed(a, b),
    check: (r, [a, b]) => near(r.value, bruteW2(a.points, b.points, 1), 1e-9, 1e-12, 'W2^2'),
  }),
  ...fnCases({
    fn: 'slicedWasserstein',
    group: 'ot',
    args: [
      { name: 'a', value: muE, kind: K.custom([null, 'x', {}, [0, 0], muS], [[[0, 0]]]) },
      { name: 'b', value: muE, kind: K.custom([null, 'x'], [[[0, 0]], [0, 0]]) },
    ],
    opts: { base: { seed: 1, projections: 10 }, optional: false, keys: { projections: K.int(1, [1, 1e9]), seed: K.seed } },
    call: ([a, b], o) => mf.slicedWasserstein(a, b, o),
    check: (r, [a, b]) => (a === b ? near(r, 0, 0, 1e-12, 'SW(a, a)') : r >= 0 ? null : `SW ${r}`),
    noEdge: ['projections'],
  }),
  ...fnCases({
    fn: 'gaussianW2',
    group: 'ot',
    args: [
      { name: 'm1', value: [0, 1], kind: K.custom([null, 'x', [], [NaN, 0], [Infinity, 0], ['0', 1], [0], [null, 1]], [[1e300, 0]]) },
      {
        name: 'S1',
        value: [
          [4, 0],
          [0, 1],
        ],
        kind: K.custom(
          [
            null,
            'x',
            [
              [NaN, 0],
              [0, 1],
            ],
            [
              [Infinity, 0],
              [0, 1],
            ],
            [
              [-1, 0],
              [0, 1],
            ],
            [
              [1, 2],
              [0, 1],
            ],
            [[1, 0]],
            [1, 0, 0],
            [
              ['1', 0],
              [0, 1],
            ],
          ],
          [
            [
              [0, 0],
              [0, 0],
            ],
            [1, 0, 0, 1e300],
          ],
        ),
      },
      { name: 'm2', value: [2, 1], kind: K.custom([null, [NaN, 0], [1]]) },
      {
        name: 'S2',
        value: [
          [1, 0],
          [0, 9],
        ],
        kind: K.custom([
          null,
          [
            [NaN, 0],
            [0, 1],
          ],
          [
            [-4, 0],
            [0, 1],
          ],
        ]),
      },
    ],
    call: ([m1, S1, m2, S2]) => mf.gaussianW2(m1, S1, m2, S2),
    check: (r, [m1, S1, m2, S2]) => {
      const diag = (S: any, i: number) => (Array.isArray(S[0]) ? S[i][i] : S[i * 3]);
      let ref = 0;
      for (let i = 0; i < 2; i++) ref += (m1[i] - m2[i]) ** 2 + (Math.sqrt(diag(S1, i)) - Math.sqrt(diag(S2, i))) ** 2;
      return Number.isFinite(ref) ? near(r, ref, 1e-8, 1e-12, 'W2^2') : 'reference overflows: expected a named error';
    },
  }),
  {
    id: 'sinkhorn: eps 1e-300 (must not claim convergence with wrong marginals)',
    group: 'ot',
    expect: 'either',
    timeoutMs: 15000,
    run: () => mf.sinkhorn(muA, muB, { eps: 1e-300 }),
    check: (r) => sinkhornCheck(r, muA, muB, { eps: 1e-300 }),
  },
  {
    id: 'sinkhorn: eps 5e-324 (subnormal: annealing must end)',
    group: 'ot',
    expect: 'either',
    timeoutMs: 15000,
    run: () => mf.sinkhorn(muA, muB, { eps: 5e-324 }),
    check: (r) => sinkhornCheck(r, muA, muB, { eps: 5e-324 }),
  },
  {
    id: 'sinkhorn: eps 1e308',
    group: 'ot',
    expect: 'either',
    run: () => mf.sinkhorn(muA, muB, { eps: 1e308 }),
    check: (r) => sinkhornCheck(r, muA, muB, { eps: 1e308 }),
  },
  {
    id: 'sinkhorn: coordinates 1e155 (infinite squared diameter)',
    group: 'ot',
    expect: 'either',
    run: () =>
      mf.sinkhorn(
        new Measure([
          [1e155, 0],
          [0, 0],
        ]),
        muB,
        { eps: 0.1 },
      ),
    check: () => 'a finite answer for a cost beyond the double range',
  },
  {
    id: 'sinkhorn: coordinates 1e150 (huge but finite diameter)',
    group: 'ot',
    expect: 'either',
    timeoutMs: 15000,
    run: () =>
      mf.sinkhorn(
        new Measure([
          [1e150, 0],
          [0, 0],
        ]),
        muB,
        { eps: 0.1 },
      ),
    check: (r) =>
      sinkhornCheck(
        r,
        new Measure([
          [1e150, 0],
          [0, 0],
        ]),
        muB,
        { eps: 0.1 },
      ),
  },
  {
    id: 'sinkhorn: maxIter 1 with tiny eps is reported, not converged',
    group: 'ot',
    expect: 'value',
    run: () => mf.sinkhorn(muA, muB, { eps: 1e-3, maxIter: 1, scaling: false }),
    check: (r) =>
      r.converged ? 'converged in one iteration at eps 1e-3?' : r.iterations <= 1 ? null : `iterations ${r.iterations} > maxIter 1`,
  },
  {
    id: 'sinkhorn: { eps, maxiter: 1 } (misspelled)',
    group: 'ot',
    expect: 'error',
    run: () => mf.sinkhorn(muA, muB, { eps: 1e-3, maxiter: 1 } as never),
  },
  {
    id: 'sinkhorn: warmStart NaN must not run 100000 iterations',
    group: 'ot',
    expect: 'error',
    timeoutMs: 8000,
    run: () => mf.sinkhorn(muA, muB, { eps: 0.1, warmStart: { f: [NaN, NaN, NaN] } }),
  },
  { id: 'sinkhorn#planRow bad index', group: 'ot', expect: 'error', run: () => mf.sinkhorn(muA, muB, { eps: 0.1 }).planRow(7) },
  { id: 'sinkhorn#planRow(1.5)', group: 'ot', expect: 'error', run: () => mf.sinkhorn(muA, muB, { eps: 0.1 }).planRow(1.5) },
  {
    id: 'sinkhorn#barycentricMap',
    group: 'ot',
    expect: 'value',
    run: () => mf.sinkhorn(muA, muB, { eps: 0.1 }).barycentricMap(),
    check: (r) => (r.length === 6 ? null : `length ${r.length}`),
  },
  {
    id: 'sinkhornDivergence: S(a, a) = 0 at small eps',
    group: 'ot',
    expect: 'value',
    run: () => mf.sinkhornDivergence(muE, muE, { eps: 1e-3 }),
    check: (r) => near(r.value, 0, 0, 1e-9, 'S(a, a)'),
  },
  {
    id: 'wasserstein2: 1e155 coordinates (cost overflows)',
    group: 'ot',
    expect: 'either',
    run: () => mf.wasserstein2(new Measure([[1e155, 0]]), new Measure([[-1e155, 0]])),
    check: () => 'W2^2 beyond the double range returned as a finite number',
  },
  { id: 'gaussianW2: NaN covariance', group: 'ot', expect: 'error', run: () => mf.gaussianW2([0], [[NaN]], [0], [[1]]) },
];

// ---------------------------------------------------------------- nn experiments
const nnTiny = { seed: 1, dim: 2, counts: [2, 4], samples: 12, testSamples: 12, teacherNeurons: 6, tEnd: 0.5, repeats: 1 };
const igTiny = { seed: 1, dim: 2, samples: 12, testSamples: 12, neurons: 4, tEnd: 0.5, points: 3 };
const settleRun = mf.simulate(mf.twoLayer({ data }), neurons, { tEnd: 1, record: { logSpaced: 3, snapshots: true }, backend: 'js' });
const nn: Case[] = [
  ...fnCases({
    fn: 'logLogSlope',
    group: 'nn',
    args: [
      {
        name: 'x',
        value: [1, 2, 4],
        kind: K.custom(
          [null, 'x', [1], [1, 2], [0, 1, 2], [-1, 2, 4], [NaN, 2, 4], [1, 1, 1], ['1', 2, 4], [1, null, 4]],
          [[1e-300, 1, 1e300]],
        ),
      },
      { name: 'y', value: [8, 4, 2], kind: K.custom([null, [8, 4], [0, 4, 2], [-8, 4, 2], [NaN, 4, 2], [Infinity, 4, 2]]) },
    ],
    call: ([x, y]) => mf.logLogSlope(x, y),
    check: (r, [x, y]) => {
      const lx = x.map(Math.log),
        ly = y.map(Math.log),
        mx = lx.reduce((s: number, v: number) => s + v, 0) / lx.length,
        my = ly.reduce((s: number, v: number) => s + v, 0) / ly.length;
      let a = 0,
        b = 0;
      for (let i = 0; i < lx.length; i++) {
        a += (lx[i] - mx) * (ly[i] - my);
        b += (lx[i] - mx) ** 2;
      }
      return near(r, a / b, 1e-9, 1e-12, 'slope');
    },
  }),
  ...fnCases({
    fn: 'particleScaling',
    group: 'nn',
    timeoutMs: 20000,
    opts: {
      base: nnTiny,
      optional: false,
      keys: {
        dim: K.int(1, [1]),
        counts: K.custom([null, 'x', [], [4], [0, 4], [2.5, 4], ['2', 4], [NaN, 4]], [[1, 2]]),
        samples: K.int(1, [1]),
        testSamples: K.int(1, [1]),
        teacherNeurons: K.int(1, [1]),
        activation: K.oneOf('relu', 'tanh', 'sigmoid'),
        tEnd: K.positive,
        repeats: K.int(1, [1]),
        seed: K.seed,
      },
    },
    call: (_a, o) => mf.particleScaling(o),
    check: (r, _a, o) => (r.testRisk.length === (o.counts ?? [4, 8, 16, 32]).length ? null : 'one risk per count'),
    noEdge: ['tEnd'],
  }),
  ...fnCases({
    fn: 'isotropicGaussians',
    group: 'nn',
    timeoutMs: 20000,
    opts: {
      base: igTiny,
      optional: false,
      keys: {
        dim: K.int(1, [1]),
        delta: K.custom([0, 1, -0.5, NaN, 'x', null, 2], [1e-300, 0.999]),
        samples: K.int(1, [1]),
        testSamples: K.int(1, [1]),
        neurons: K.int(1, [1]),
        activation: K.oneOf('relu', 'tanh', 'sigmoid'),
        tEnd: K.positive,
        points: K.int(2, [2]),
        seed: K.seed,
      },
    },
    call: (_a, o) => mf.isotropicGaussians(o),
    check: (r) => (r.testError.every((e: number) => e >= 0 && e <= 1) ? null : 'testError outside [0, 1]'),
    noEdge: ['tEnd'],
  }),
  ...fnCases({
    fn: 'settling',
    group: 'nn',
    args: [
      { name: 'flow', value: mf.twoLayer({ data }), kind: K.custom([null, 'x', {}]) },
      { name: 'run', value: settleRun, kind: K.custom([null, 'x', {}, traj, { snapshots: [] }]) },
    ],
    opts: { base: { tol: 1e-3 }, optional: false, keys: { tol: K.positive, backend, precision } },
    call: ([f, r], o) => mf.settling(f, r, o),
    check: (r) => (r.velocityNorm.length === r.times.length ? null : 'one velocity per snapshot'),
  }),
  {
    id: 'particleScaling: tEnd 1e308 (cannot finish: refuse)',
    group: 'nn',
    expect: 'error',
    timeoutMs: 10000,
    run: () => mf.particleScaling({ ...nnTiny, tEnd: 1e308 }),
  },
  {
    id: 'particleScaling: samples 1e9 refused before allocation',
    group: 'nn',
    expect: 'error',
    run: () => mf.particleScaling({ ...nnTiny, samples: 1e9 }),
  },
];

// ---------------------------------------------------------------- memory
const pats = [
  [1, 0, 0, 1],
  [0, 1, 1, 0],
  [1, 1, 0, 0],
];
const hop = mf.hopfield({ patterns: pats, beta: 4 });
function hopEnergyRef(q: number[][], beta: number): number[] {
  const X = flat(pats),
    Q = flat(q);
  const { lse, overflow } = refLse(Q, X, 4, beta, 'dot', null);
  if (overflow) return [NaN];
  const M2 = Math.max(...pats.map((p) => p.reduce((s, v) => s + v * v, 0)));
  return q.map((row, i) => {
    // -(1/beta) log mean_k e^{beta s_k}: through lse where beta s is O(1) or more; through expm1 / log1p
    // at tiny beta, where lse - log K would be lost to rounding.
    const s = pats.map((p) => p.reduce((acc, v, c) => acc + v * row[c], 0));
    const small = beta * Math.max(...s.map(Math.abs)) < 1;
    const logMean = small
      ? Math.log1p(s.reduce((acc, v) => acc + Math.expm1(beta * v), 0) / s.length) / beta
      : (lse[i] - Math.log(pats.length)) / beta;
    return -logMean + row.reduce((acc, v) => acc + v * v, 0) / 2 + M2 / 2;
  });
}
const queryKind = K.custom(
  [null, 'x', [[1, 0, 0]], [[1, 0, 0, null]], [[1, 0, 0, '1']], [[1, 0, 0, true]], [[NaN, 0, 0, 0]], [1, 0, 0], [[1, 0, 0, [0]]]],
  [[[1e300, 0, 0, 0]], [[1e155, 1e155, 0, 0]]],
);
const dpat = [
  [1, -1, 1, -1, 1, 1],
  [1, 1, -1, -1, 1, -1],
];
const dense = mf.denseMemory({ patterns: dpat });
const lin = mf.linearMemory({
  keys: [
    [1, 0],
    [0, 1],
  ],
  values: [
    [1, 2, 3],
    [4, 5, 6],
  ],
});
const shapes = mf.planarShapes(5);
const pcm = mf.pointCloudMemory({ patterns: shapes.slice(0, 2), beta: 5, sinkhorn: { eps: 0.05 } });
const memory: Case[] = [
  ...fnCases({
    fn: 'hopfield',
    group: 'memory',
    opts: {
      base: { patterns: pats, beta: 4 },
      optional: false,
      keys: {
        patterns: K.custom(
          [null, 'x', [], [[]], [[1, null]], [[1, '']], [[1, '2']], [[1, true]], [[1, [0]]], [[NaN, 1]], [[1, 2], [3]], [1, 2, 3]],
          [[[1e155, 0]], [[5e-324, 0]]],
        ),
        dim: K.int(1, [4]),
        beta: K.positive,
      },
    },
    call: (_a, o) => {
      const h = mf.hopfield(o);
      return [
        h.energy(Array.from({ length: h.size }, (_, k) => Array.from(h.patterns.subarray(k * h.dim, (k + 1) * h.dim)))),
        h.retrieve([Array.from(h.patterns.subarray(0, h.dim))]).states,
      ];
    },
    check: (r, _a, o) => (o.patterns === pats ? near(r[0], hopEnergyRef(pats, o.beta), 1e-9, 1e-12, 'energy') : null),
  }),
  ...fnCases({
    fn: 'hopfield#energy',
    group: 'memory',
    args: [{ name: 'queries', value: [[1, 0, 0, 0]], kind: queryKind }],
    opts: { base: {}, optional: true, keys: { backend, precision } },
    call: ([q], o) => hop.energy(q, o),
    check: (r, [q], o) => {
      const ref = hopEnergyRef(q, 4);
      return ref.some(Number.isNaN)
        ? 'the reference overflows: expected a named error'
        : near(r, ref, o?.precision === 'f32' ? 1e-5 : 1e-9, 1e-9, 'energy');
    },
  }),
  ...fnCases({
    fn: 'hopfield#retrieve',
    group: 'memory',
    args: [{ name: 'queries', value: [[1, 0.1, 0, 0.9]], kind: queryKind }],
    opts: { base: { maxSteps: 3 }, optional: true, keys: { maxSteps: K.int(1, [1, 2 ** 31]), tol: K.positive, backend, precision } },
    call: ([q], o) => hop.retrieve(q, o),
    check: (r, _a, o) => (r.steps <= (o?.maxSteps ?? 1) && r.nearest.length === 1 ? null : `steps ${r.steps}`),
  }),
  ...fnCases({
    fn: 'hopfield#update',
    group: 'memory',
    args: [{ name: 'queries', value: [[1, 0.1, 0, 0.9]], kind: queryKind }],
    opts: { base: {}, optional: true, keys: { backend, precision } },
    call: ([q], o) => hop.update(q, o),
    check: (r, [q], o) => {
      const ref = refLse(flat(q), flat(pats), 4, 4, 'dot', null, false, flat(pats), 4);
      return ref.overflow
        ? 'reference overflows: expected a named error'
        : near(r, ref.mean, 0, o?.precision === 'f32' ? 1e-5 : 1e-12, 'update');
    },
  }),
  ...fnCases({
    fn: 'hopfieldCapacity',
    group: 'memory',
    opts: {
      base: { dim: 4, counts: [2, 4], beta: 4, seed: 1, queries: 3 },
      optional: false,
      keys: {
        dim: K.int(1, [1]),
        counts: K.custom([null, 'x', [], [0], [1.5], ['2'], [NaN]], [[1]]),
        beta: K.positive,
        noise: K.positive,
        queries: K.int(1, [1]),
        steps: K.int(1, [1]),
        tolerance: K.positive,
        seed: K.seed,
        backend,
        precision,
      },
    },
    call: (_a, o) => mf.hopfieldCapacity(o),
    check: (r) => (r.fraction.every((f: number) => f >= 0 && f <= 1) ? null : 'fraction outside [0, 1]'),
  }),
  ...fnCases({
    fn: 'denseMemory',
    group: 'memory',
    opts: {
      base: { patterns: dpat },
      optional: false,
      keys: {
        patterns: K.custom(
          [null, 'x', [], [[1, 0, 1]], [[1, 2]], [[1, NaN]], [[1, '1']], [[1, null]], [[1, true]], [[1, -1], [1]], [1, -1]],
          [new Int8Array([1, -1, 1, 1])],
        ),
        dim: K.int(1, [6]),
        separation: K.custom(
          [
            null,
            'x',
            {},
            { kind: 'x' },
            { kind: 'power' },
            { kind: 'power', p: 0 },
            { kind: 'power', p: 1.5 },
            { kind: 'power', p: NaN },
            { kind: 'power', p: '2' },
            { kind: 'power', p: 2, q: 1 },
            { kind: 'exp', p: 2 },
            { knd: 'exp' },
          ],
          [{ kind: 'exp' }, { kind: 'power', p: 1 }, { kind: 'power', p: 2 ** 31 + 1 }],
        ),
      },
    },
    call: (_a, o) => {
      const m = mf.denseMemory(o);
      const s = Array.from(m.patterns.subarray(0, m.dim));
      return [m.energy(s), m.retrieve(s, { seed: 1 }).match];
    },
    check: (r, _a, o) => {
      const sep = o.separation ?? { kind: 'power', p: 2 };
      const P = o.patterns instanceof Int8Array ? [Array.from(o.patterns)] : o.patterns;
      const d = P[0].length,
        s = P[0];
      const F = (x: number) => (sep.kind === 'exp' ? Math.exp(x) : x ** sep.p);
      let e = 0;
      for (const p of P) e -= F(p.reduce((acc: number, v: number, i: number) => acc + v * s[i], 0));
      if (!Number.isFinite(e)) return `reference energy ${e} (beyond the double range): expected a named error`;
      return near(r[0], e, 1e-12, 0, `energy (d = ${d})`);
    },
  }),
  ...fnCases({
    fn: 'denseMemory#retrieve',
    group: 'memory',
    args: [
      {
        name: 'query',
        value: [1, -1, 1, -1, 1, -1],
        kind: K.custom([null, 'x', [1, -1], [1, 0, 1, -1, 1, -1], [1, 2, 1, -1, 1, -1], [1, NaN, 1, -1, 1, -1], ['1', -1, 1, -1, 1, -1]]),
      },
    ],
    opts: {
      base: { seed: 1 },
      optional: false,
      keys: { mode: K.oneOf('async', 'sync'), seed: K.seed, sweeps: K.int(1, [1, 2 ** 31]), steps: K.int(1, [1, 2 ** 31]) },
    },
    call: ([q], o) => dense.retrieve(q, o),
    check: (r) => (r.state.length === 6 && r.state.every((v: number) => v === 1 || v === -1) ? null : 'state not ±1'),
  }),
  ...fnCases({
    fn: 'denseMemory#updateAsync',
    group: 'memory',
    args: [{ name: 'state', value: [1, -1, 1, -1, 1, -1], kind: K.custom([null, [1, 0, 1, -1, 1, -1], [1, -1]]) }],
    opts: { base: { seed: 1 }, optional: false, keys: { seed: K.seed, sweeps: K.int(1, [1]), onFlip: K.fn } },
    call: ([q], o) => dense.updateAsync(q, o),
    check: (r) => (r.state.length === 6 ? null : 'state length'),
  }),
  ...fnCases({
    fn: 'denseMemory#updateSync',
    group: 'memory',
    args: [{ name: 'state', value: [1, -1, 1, -1, 1, -1], kind: K.custom([null, [1, 0, 1, -1, 1, -1], [1, -1]]) }],
    opts: { base: {}, optional: true, keys: { steps: K.int(1, [1]) } },
    call: ([q], o) => dense.updateSync(q, o),
    check: (r) => (r.state.length === 6 ? null : 'state length'),
  }),
  ...fnCases({
    fn: 'denseCapacity',
    group: 'memory',
    opts: {
      base: { dim: 8, counts: [1, 2], seed: 1 },
      optional: false,
      keys: {
        dim: K.int(1, [1]),
        counts: K.custom([null, 'x', [], [0], [1.5], ['2']], [[1]]),
        separation: K.custom([null, { kind: 'x' }, { kind: 'power', p: 0 }]),
        flipFraction: K.custom([-0.1, 1.5, NaN, 'x', null], [0, 1]),
        trials: K.int(1, [1]),
        seed: K.seed,
        mode: K.oneOf('async', 'sync'),
        queries: K.int(1, [1]),
        sweeps: K.int(1, [1]),
        steps: K.int(1, [1]),
      },
    },
    call: (_a, o) => mf.denseCapacity(o),
    check: (r) => (r.fraction.every((f: number) => f >= 0 && f <= 1) ? null : 'fraction outside [0, 1]'),
  }),
  ...fnCases({
    fn: 'linearMemory',
    group: 'memory',
    opts: {
      base: {
        keys: [
          [1, 0],
          [0, 1],
        ],
        values: [
          [1, 2, 3],
          [4, 5, 6],
        ],
      },
      optional: false,
      keys: {
        keys: K.custom(
          [
            null,
            'x',
            [],
            [
              [1, null],
              [0, 1],
            ],
            [
              [1, '2'],
              [0, 1],
            ],
            [
              [1, true],
              [0, 1],
            ],
            [
              [NaN, 0],
              [0, 1],
            ],
            [[1, 0]],
          ],
          [
            [
              [1e200, 0],
              [0, 1],
            ],
          ],
        ),
        values: K.custom([
          null,
          [[1, 2, 3]],
          [
            [1, 2, NaN],
            [4, 5, 6],
          ],
          [
            [1, 2, '3'],
            [4, 5, 6],
          ],
        ]),
        dim: K.int(1, [2]),
        valueDim: K.int(1, [3]),
      },
    },
    call: (_a, o) => {
      const m = mf.linearMemory(o);
      return [m.weights, m.recall([1, 0])];
    },
    check: (r, _a, o) => {
      const X = o.keys,
        Y = o.values;
      const W = new Float64Array(3 * 2);
      for (let k = 0; k < X.length; k++) for (let i = 0; i < 3; i++) for (let j = 0; j < 2; j++) W[i * 2 + j] += Y[k][i] * X[k][j];
      return W.every(Number.isFinite) ? near(r[0], W, 1e-12, 0, 'W') : 'W beyond the double range: expected a named error';
    },
  }),
  ...fnCases({
    fn: 'linearMemory#recall',
    group: 'memory',
    args: [{ name: 'x', value: [1, 0], kind: K.custom([null, 'x', [1], [NaN, 0], ['1', 0], [null, 0], [1, 0, 0]], [[1e308, 1e308]]) }],
    call: ([x]) => lin.recall(x),
    check: (r, [x]) => near(r, [x[0] + 4 * x[1], 2 * x[0] + 5 * x[1], 3 * x[0] + 6 * x[1]], 1e-12, 0, 'recall'),
  }),
  ...fnCases({
    fn: 'linearCapacity',
    group: 'memory',
    opts: {
      base: { dim: 4, counts: [2, 8], seed: 1 },
      optional: false,
      keys: {
        dim: K.int(1, [1]),
        counts: K.custom([null, 'x', [], [0], [1.5], ['2']], [[1]]),
        loads: K.custom([null, [], [-1], [NaN]]),
        trials: K.int(1, [1]),
        seed: K.seed,
      },
    },
    call: (_a, o) => mf.linearCapacity(o),
    check: (r) => (r.accuracy.every((f: number) => f >= 0 && f <= 1) ? null : 'accuracy outside [0, 1]'),
  }),
  ...fnCases({
    fn: 'pointCloudMemory',
    group: 'memory',
    opts: {
      base: { patterns: shapes.slice(0, 2), beta: 5, sinkhorn: { eps: 0.05 } },
      optional: false,
      keys: {
        patterns: K.custom([null, 'x', [], [null], [muS, muE], [S3], ['x']]),
        beta: K.positive,
        sinkhorn: K.object({ eps: 0.05 }, { eps: K.positive, tol: K.positive, maxIter: K.int(1, [1]) }, false),
      },
    },
    call: (_a, o) => mf.pointCloudMemory(o).energy(shapes[0]),
    check: (r) =>
      near(
        r.posterior.reduce((s: number, p: number) => s + p, 0),
        1,
        1e-9,
        0,
        'posterior sum',
      ),
    noEdge: ['beta'],
  }),
  ...fnCases({
    fn: 'pointCloudMemory#step',
    group: 'memory',
    args: [{ name: 'q', value: shapes[2], kind: K.custom([null, 'x', muS, S3]) }],
    opts: { base: {}, optional: true, keys: { stepSize: K.positive, massStep: K.nonneg } },
    call: ([q], o) => pcm.step(q, o),
    check: (r) => near(r.mass, 1, 1e-9, 0, 'mass'),
    noEdge: ['stepSize', 'massStep'],
  }),
  ...fnCases({
    fn: 'pointCloudMemory#retrieve',
    group: 'memory',
    args: [{ name: 'q', value: shapes[2], kind: K.custom([null, 'x', muS]) }],
    opts: {
      base: { steps: 2 },
      optional: true,
      keys: { steps: K.int(0, [0, 1]), tol: K.positive, stepSize: K.positive, massStep: K.nonneg },
    },
    call: ([q], o) => pcm.retrieve(q, o),
    check: (r) => (r.energy.every((e: number, i: number) => i === 0 || e <= r.energy[i - 1] + 1e-12) ? null : 'energy increased'),
    noEdge: ['stepSize', 'massStep'],
  }),
  ...fnCases({
    fn: 'pointCloudRecovery',
    group: 'memory',
    timeoutMs: 20000,
    opts: {
      base: { seed: 1, points: 6, steps: 2 },
      optional: false,
      keys: {
        points: K.int(3, [3]),
        jitter: K.positive,
        beta: K.positive,
        eps: K.positive,
        steps: K.custom([0, 1.5, NaN, 'x', null, -1], [1]),
        seed: K.seed,
      },
    },
    call: (_a, o) => mf.pointCloudRecovery(o),
    check: (r) => ([0, 1, 2].includes(r.nearest) ? null : `nearest ${r.nearest}`),
    noEdge: ['jitter', 'beta', 'eps'],
  }),
  ...fnCases({
    fn: 'planarShapes',
    group: 'memory',
    args: [{ name: 'n', value: 5, kind: K.int(2, [2]) }],
    call: ([n]) => mf.planarShapes(n),
    check: (r, [n]) => (r.length === 3 && r.every((m: M) => m.size === n) ? null : 'three shapes of n points'),
  }),
  { id: 'planarShapes(1) (segment divides by n - 1)', group: 'memory', expect: 'error', run: () => mf.planarShapes(1) },
  { id: 'planarShapes(1e9) refused before allocation', group: 'memory', expect: 'error', run: () => mf.planarShapes(1e9) },
  {
    id: 'denseMemory: p = 2^32 + 3 (not a 32-bit shift)',
    group: 'memory',
    expect: 'either',
    run: () => mf.denseMemory({ patterns: [[1, 1]], separation: { kind: 'power', p: 2 ** 32 + 3 } }).energy([1, 1]),
    check: (r) => `energy ${r}: 2^(2^32+3) is beyond the double range (a named error was due)`,
  },
  {
    id: 'denseMemory: exp separation overlap 800 (energy overflows)',
    group: 'memory',
    expect: 'either',
    run: () => mf.denseMemory({ patterns: [Array(800).fill(1)], separation: { kind: 'exp' } }).energy(Array(800).fill(1)),
    check: (r) => `energy ${r} for -exp(800)`,
  },
  {
    id: 'hopfield: beta 1e308 retrieve',
    group: 'memory',
    expect: 'either',
    run: () => mf.hopfield({ patterns: pats, beta: 1e308 }).retrieve([[1, 0, 0, 0.9]]),
    check: (r) => near(r.states, pats[0], 0, 1e-12, 'state'),
  },
];

// ---------------------------------------------------------------- init (each in a process of its own)
const init: Case[] = [
  ...[
    null,
    'x',
    5,
    [],
    { thread: 1 },
    { threads: 0 },
    { threads: 1.5 },
    { threads: NaN },
    { threads: '2' },
    { backend: 'x' },
    { backend: null },
    { backend: 'js', zzz: 1 },
  ].map(
    (o): Case => ({
      id: `init(${JSON.stringify(o)})`,
      group: 'init',
      expect: 'error',
      isolate: true,
      run: () => mf.init(o as never),
    }),
  ),
  ...[{ threads: 1e6 }, { threads: 64 }].map(
    (o): Case => ({
      id: `init(${JSON.stringify(o)}) capped with a note`,
      group: 'init',
      expect: 'either',
      isolate: true,
      timeoutMs: 20000,
      run: () => mf.init(o),
      check: (r) => (r.threads <= 16 && typeof r.note === 'string' ? null : `threads ${r.threads}, note ${r.note}`),
    }),
  ),
  {
    id: 'init(): defaults',
    group: 'init',
    expect: 'value',
    isolate: true,
    run: () => mf.init(),
    check: (r) => (r.threads >= 1 ? null : 'threads'),
  },
  {
    id: 'init: concurrent calls with different thread counts agree',
    group: 'init',
    expect: 'value',
    isolate: true,
    run: async () => {
      const [a, b] = await Promise.all([mf.init({ threads: 1 }), mf.init({ threads: 2 })]);
      const c = await mf.init();
      return [a.threads, b.threads, c.threads];
    },
    check: (r) => (r[2] === 2 || r[2] === 1 ? null : `threads ${r}`),
  },
  {
    id: 'wasmMemoryBytes after init',
    group: 'init',
    expect: 'value',
    isolate: true,
    run: async () => {
      await mf.init({ threads: 1 });
      return mf.wasmMemoryBytes();
    },
    check: (r) => (r > 0 ? null : `bytes ${r}`),
  },
  {
    id: "logSumExp before init with backend 'wasm'",
    group: 'init',
    expect: 'error',
    isolate: true,
    run: () => mf.logSumExp(S3, T3, { backend: 'wasm' }),
  },
];

function dedupe(list: Case[]): Case[] {
  const seen = new Set<string>();
  return list.filter((c) => {
    if (seen.has(c.id)) return false;
    seen.add(c.id);
    return true;
  });
}

/** Every case, in a fixed order. */
export const CASES: Case[] = dedupe([
  ...kernel,
  ...measure,
  ...random,
  ...spaces,
  ...flows,
  ...sim,
  ...trajectory,
  ...analysis,
  ...ot,
  ...nn,
  ...memory,
  ...init,
  ...cliCases(),
]);
