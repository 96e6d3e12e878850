import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, InvalidArgumentError } from '../../src/index.js';
import { backendFor } from '../../src/backend/index.js';
import { readMask } from '../../src/backend/mask.js';
import { tuning } from '../../src/backend/wasm.js';
import type { BlockMask, Precision, ReduceArgs, Score } from '../../src/backend/types.js';
import { lcg, thrown, uniformArray } from '../helpers.js';

beforeAll(async () => {
  await init({ threads: 1 });
});
afterAll(async () => {
  await init({ threads: 1 });
});

type Backend = 'wasm' | 'js';

interface Problem {
  x: Float64Array;
  y: Float64Array;
  h: Float64Array | null;
  v: Float64Array | null;
  n: number;
  m: number;
  d: number;
  k: number;
}

function problem(rnd: () => number, n: number, m: number, d: number, k: number, withH: boolean): Problem {
  const h = withH ? uniformArray(rnd, m, -3, 1) : null;
  // A few zero-weight keys, so that some ranges (and rows) see only weight zero.
  if (h !== null) for (let j = 0; j < m; j += 7) h[j] = -Infinity;
  return { x: uniformArray(rnd, n * d), y: uniformArray(rnd, m * d), h, v: k === 0 ? null : uniformArray(rnd, m * k, -2, 2), n, m, d, k };
}

function call(p: Problem, backend: Backend, precision: Precision, score: Score, beta: number, blocks: BlockMask | null) {
  const lse = new Float64Array(p.n),
    mean = p.k === 0 ? null : new Float64Array(p.n * p.k);
  backendFor(backend, 'test').softmaxReduce({
    x: p.x,
    n: p.n,
    y: p.y,
    m: p.m,
    d: p.d,
    logWeights: p.h,
    values: p.v,
    k: p.k,
    beta,
    score,
    precision,
    lse,
    mean,
    mask: blocks === null ? { kind: 'none' } : { kind: 'blocks', blocks },
  });
  return { lse, mean: mean ?? new Float64Array(0) };
}

const bits = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
/** -1 when a and b are bit-identical, else the first differing index. */
function firstDifference(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  if (Buffer.compare(bits(a), bits(b)) === 0) return -1;
  const ua = new BigUint64Array(a.buffer, a.byteOffset, a.length),
    ub = new BigUint64Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < a.length; i++) if (ua[i] !== ub[i]) return i;
  return -1;
}

const LENGTHS = [0, 1, 2, 3, 5, 17, 600];

/**
 * A random block mask over n rows and m keys: random row partition (empty blocks included),
 * per block 1..4 (every fifth block none) sorted disjoint ranges of lengths from LENGTHS, at random (unaligned) starts,
 * sometimes adjacent to the previous range, some blocks without any range.
 */
function randomBlocks(rnd: () => number, n: number, m: number, Q: number): BlockMask {
  const cuts = Array.from({ length: Q - 1 }, () => Math.floor(rnd() * (n + 1))).sort((a, b) => a - b);
  const rows = Int32Array.from([0, ...cuts, n]);
  const ptr = new Int32Array(Q + 1);
  const ranges: number[] = [];
  for (let q = 0; q < Q; q++) {
    const count = q % 5 === 2 ? 0 : 1 + Math.floor(rnd() * 4);
    let at = Math.floor(rnd() * 40);
    for (let r = 0; r < count; r++) {
      const len = LENGTHS[Math.floor(rnd() * LENGTHS.length)];
      if (at + len > m) break;
      ranges.push(at, at + len);
      at += len + (rnd() < 0.3 ? 0 : Math.floor(rnd() * 90));
    }
    ptr[q + 1] = ranges.length / 2;
  }
  return { rows, ptr, ranges: Int32Array.from(ranges) };
}

/**
 * The formula, directly: for each row the keys of its block's ranges, t_j = beta s + h_j in f64
 * loops, lse = M + log sum exp(t_j - M), mean = sum exp(t_j - M) v_j / sum exp(t_j - M). For f32
 * the inputs are rounded to f32 first (what the kernel reads). Also returns, per row, the
 * largest |beta| A_ij + |h_j| over its keys, with A_ij = sum_c |x_c y_c| (dot) or
 * sum_c (|x_c| + |y_c|)^2 (sqdist): the scale of the rounding error of its scores.
 */
function reference(p: Problem, precision: Precision, score: Score, beta: number, b: BlockMask) {
  const r = (a: Float64Array | null) => (a === null ? null : precision === 'f32' ? a.map(Math.fround) : a);
  const x = r(p.x)!,
    y = r(p.y)!,
    h = r(p.h),
    v = r(p.v);
  const { n, d, k } = p;
  const lse = new Float64Array(n),
    mean = new Float64Array(n * k),
    scale = new Float64Array(n);
  let q = 0;
  for (let i = 0; i < n; i++) {
    while (b.rows[q + 1] <= i) q++;
    const keys: number[] = [];
    for (let rr = b.ptr[q]; rr < b.ptr[q + 1]; rr++) for (let j = b.ranges[2 * rr]; j < b.ranges[2 * rr + 1]; j++) keys.push(j);
    const t = keys.map((j) => {
      let s = 0,
        a = 0;
      for (let c = 0; c < d; c++) {
        const xc = x[i * d + c],
          yc = y[j * d + c];
        if (score === 'dot') {
          s += xc * yc;
          a += Math.abs(xc * yc);
        } else {
          s -= (xc - yc) ** 2;
          a += (Math.abs(xc) + Math.abs(yc)) ** 2;
        }
      }
      const hj = h === null ? 0 : h[j];
      if (hj !== -Infinity) scale[i] = Math.max(scale[i], Math.abs(beta) * a + Math.abs(hj));
      return beta * s + hj;
    });
    const M = Math.max(-Infinity, ...t);
    if (M === -Infinity) {
      lse[i] = -Infinity;
      for (let c = 0; c < k; c++) mean[i * k + c] = NaN;
      continue;
    }
    let S = 0;
    const acc = new Float64Array(k);
    keys.forEach((j, u) => {
      const w = Math.exp(t[u] - M);
      S += w;
      for (let c = 0; c < k; c++) acc[c] += w * v![j * k + c];
    });
    lse[i] = M + Math.log(S);
    for (let c = 0; c < k; c++) mean[i * k + c] = acc[c] / S;
  }
  return { lse, mean, scale };
}

const U32 = 2 ** -24;

describe('block-sparse mask (ReduceArgs.blocks)', () => {
  it('one block seeing [0, m) is bit-identical to the unmasked call (f32/f64, d = 1..9, k = 0, 1, 3, 4, dot/sqdist, wasm/js)', () => {
    const rnd = lcg(17);
    let checked = 0;
    for (let d = 1; d <= 9; d++)
      for (const k of [0, 1, 3, 4]) {
        // m = 1100: two full tiles and an unaligned tail.
        const p = problem(rnd, 23 + d, 1100 + (d % 3), d, k, d % 2 === 1);
        const full: BlockMask = { rows: Int32Array.from([0, p.n]), ptr: Int32Array.from([0, 1]), ranges: Int32Array.from([0, p.m]) };
        for (const backend of ['wasm', 'js'] as const)
          for (const precision of ['f64', 'f32'] as const)
            for (const score of ['dot', 'sqdist'] as const) {
              const beta = 0.5 + 2 * rnd();
              const a = call(p, backend, precision, score, beta, full);
              const b = call(p, backend, precision, score, beta, null);
              expect(firstDifference(a.lse, b.lse)).toBe(-1);
              expect(firstDifference(a.mean, b.mean)).toBe(-1);
              checked++;
            }
      }
    expect(checked).toBe(9 * 4 * 8);
  });

  it('random masks match the formula: f64 to 1e-12, f32 to its rounding bound (wasm/js, with and without values, dot/sqdist)', () => {
    const rnd = lcg(2024);
    let rows = 0,
      empty = 0;
    for (const d of [1, 2, 3, 4, 5, 8, 9])
      for (const k of [0, 3]) {
        const p = problem(rnd, 70, 1900, d, k, true);
        const blocks = randomBlocks(rnd, p.n, p.m, 12);
        for (const score of ['dot', 'sqdist'] as const)
          for (const precision of ['f64', 'f32'] as const) {
            const beta = 0.5 + rnd();
            const ref = reference(p, precision, score, beta, blocks);
            for (const backend of ['wasm', 'js'] as const) {
              const got = call(p, backend, precision, score, beta, blocks);
              for (let i = 0; i < p.n; i++) {
                rows++;
                if (ref.lse[i] === -Infinity) {
                  // No key, or only keys of weight zero: what a dense row of all -Infinity weights gives.
                  empty++;
                  expect(got.lse[i]).toBe(-Infinity);
                  for (let c = 0; c < k; c++) expect(got.mean[i * k + c]).toBeNaN();
                  continue;
                }
                // f64: 1e-12 relative. f32 (a bound, not a fit): the scores' rounding is at most
                // (d + 3) u |beta| A + u |h| (inputs exact in f32, d products and sums, the scale by beta
                // and the add of h), the exp's about 5 u (kernel.test), the f32 lane sums of at most
                // TILE / 4 = 128 terms 128 u, the log u |lse|; the mean takes twice the weights' error
                // (numerator and denominator) times max |v| = 2.
                const tolLse =
                  precision === 'f64'
                    ? 1e-12 * Math.max(1, Math.abs(ref.lse[i]))
                    : U32 * ((d + 3) * ref.scale[i] + 140 + Math.abs(ref.lse[i]));
                const tolMean = precision === 'f64' ? 2e-12 : 2 * U32 * (2 * (d + 3) * ref.scale[i] + 2 * 140);
                expect(Math.abs(got.lse[i] - ref.lse[i])).toBeLessThanOrEqual(tolLse);
                for (let c = 0; c < k; c++) expect(Math.abs(got.mean[i * k + c] - ref.mean[i * k + c])).toBeLessThanOrEqual(tolMean);
              }
            }
          }
      }
    expect(empty).toBeGreaterThan(0);
    expect(empty).toBeLessThan(rows / 3);
  });

  it('wasm agrees with the JS twin (f64 to 1e-12, f32 to 1e-5)', () => {
    const rnd = lcg(77);
    for (const d of [2, 3, 5, 8, 11]) {
      const p = problem(rnd, 90, 1400, d, 4, true);
      const blocks = randomBlocks(rnd, p.n, p.m, 9);
      for (const score of ['dot', 'sqdist'] as const) {
        const js = call(p, 'js', 'f64', score, 2, blocks);
        for (const [precision, tol] of [
          ['f64', 1e-12],
          ['f32', 1e-5],
        ] as const) {
          const w = call(p, 'wasm', precision, score, 2, blocks);
          for (let i = 0; i < p.n; i++) {
            if (js.lse[i] === -Infinity) {
              expect(w.lse[i]).toBe(-Infinity);
              continue;
            }
            expect(Math.abs(w.lse[i] - js.lse[i]) / Math.max(1, Math.abs(js.lse[i]))).toBeLessThan(tol);
          }
          for (let i = 0; i < p.n * p.k; i++) {
            if (Number.isNaN(js.mean[i])) {
              expect(w.mean[i]).toBeNaN();
              continue;
            }
            expect(Math.abs(w.mean[i] - js.mean[i]) / 2).toBeLessThan(tol);
          }
        }
      }
    }
  });

  it('a row that sees no key behaves like an unmasked row whose weights are all -Infinity (lse -Infinity, mean NaN)', () => {
    const rnd = lcg(4);
    const p = problem(rnd, 6, 40, 3, 2, false);
    const blocks: BlockMask = {
      rows: Int32Array.from([0, 2, 4, 6]),
      ptr: Int32Array.from([0, 0, 2, 2]),
      ranges: Int32Array.from([3, 3, 5, 9]),
    };
    for (const backend of ['wasm', 'js'] as const)
      for (const precision of ['f64', 'f32'] as const) {
        const dead = call({ ...p, h: new Float64Array(p.m).fill(-Infinity) }, backend, precision, 'dot', 1, null);
        const got = call(p, backend, precision, 'dot', 1, blocks);
        for (const i of [0, 1, 4, 5]) {
          expect(got.lse[i]).toBe(dead.lse[i]);
          expect(got.lse[i]).toBe(-Infinity);
          for (let c = 0; c < p.k; c++) {
            expect(got.mean[i * p.k + c]).toBeNaN();
            expect(dead.mean[i * p.k + c]).toBeNaN();
          }
        }
        for (const i of [2, 3]) expect(Number.isFinite(got.lse[i])).toBe(true);
      }
  });

  it('a range ending at m from an unaligned start (its last vector reads past the packed keys) stays exact', () => {
    // Row 0 sees nothing (its lse, -Infinity, is the first output written); rows 1-3 see keys [1, 8),
    // whose last vector reaches one slot past the 8 packed ones.
    const rnd = lcg(6);
    const p = problem(rnd, 4, 8, 2, 3, false);
    const blocks: BlockMask = { rows: Int32Array.from([0, 1, 4]), ptr: Int32Array.from([0, 0, 1]), ranges: Int32Array.from([1, 8]) };
    for (const backend of ['wasm', 'js'] as const)
      for (const precision of ['f64', 'f32'] as const) {
        const got = call(p, backend, precision, 'dot', 1, blocks);
        const ref = reference(p, precision, 'dot', 1, blocks);
        expect(got.lse[0]).toBe(-Infinity);
        for (let i = 1; i < 4; i++) {
          expect(Math.abs(got.lse[i] - ref.lse[i])).toBeLessThan(1e-6);
          for (let c = 0; c < 3; c++) expect(Math.abs(got.mean[i * 3 + c] - ref.mean[i * 3 + c])).toBeLessThan(1e-6);
        }
      }
  });

  it('threads 1, 2 and 3 give identical bits, with row chunks cutting blocks anywhere', async () => {
    const rnd = lcg(12);
    const saved = tuning.threadCutoff;
    try {
      for (const [n, m, d, k, Q] of [
        [1500, 2600, 3, 3, 40],
        [777, 900, 8, 0, 300],
        [2000, 700, 5, 5, 3],
        [600, 901, 2, 2, 50],
      ] as const) {
        const p = problem(rnd, n, m, d, k, true);
        // The last case: every block has a range ending at m, from a start of either parity.
        const blocks =
          n === 600
            ? {
                rows: Int32Array.from({ length: Q + 1 }, (_, q) => Math.round((q * n) / Q)),
                ptr: Int32Array.from({ length: Q + 1 }, (_, q) => 2 * q),
                ranges: Int32Array.from({ length: 4 * Q }, (_, u) => [1 + (u >> 2), 60 + (u >> 2), m - 100 - (u >> 2), m][u & 3]),
              }
            : randomBlocks(rnd, n, m, Q);
        for (const precision of ['f64', 'f32'] as const)
          for (const score of ['dot', 'sqdist'] as const) {
            await init({ threads: 1 });
            const ref = call(p, 'wasm', precision, score, 2, blocks);
            tuning.threadCutoff = 0; // every call uses the pool
            for (const threads of [2, 3]) {
              const info = await init({ threads });
              expect(info.threads).toBe(threads);
              const got = call(p, 'wasm', precision, score, 2, blocks);
              expect(firstDifference(got.lse, ref.lse)).toBe(-1);
              expect(firstDifference(got.mean, ref.mean)).toBe(-1);
            }
            tuning.threadCutoff = saved;
          }
      }
    } finally {
      tuning.threadCutoff = saved;
      await init({ threads: 1 });
    }
  });

  it('the pair count (the threading cut-off) counts only the pairs the mask keeps', () => {
    const rnd = lcg(8);
    const p = problem(rnd, 300, 2000, 3, 0, false);
    const blocks = randomBlocks(rnd, p.n, p.m, 20);
    const args: ReduceArgs = {
      x: p.x,
      n: p.n,
      y: p.y,
      m: p.m,
      d: 3,
      logWeights: null,
      values: null,
      k: 0,
      beta: 1,
      score: 'dot',
      mask: { kind: 'blocks', blocks },
      precision: 'f64',
      lse: new Float64Array(p.n),
      mean: null,
    };
    let kept = 0;
    for (let q = 0; q + 1 < blocks.rows.length; q++) {
      for (let i = blocks.rows[q]; i < blocks.rows[q + 1]; i++)
        for (let r = blocks.ptr[q]; r < blocks.ptr[q + 1]; r++) kept += blocks.ranges[2 * r + 1] - blocks.ranges[2 * r];
    }
    expect(readMask(args).blocks!.rows.length).toBe(21);
    expect(readMask(args).pairs).toBe(kept);
    expect(kept).toBeLessThan(p.n * p.m);
  });

  it('refuses malformed blocks with an InvalidArgumentError naming the field (combinations: mask.test.ts)', () => {
    const x = new Float64Array(8),
      y = new Float64Array(10);
    const base = {
      x,
      n: 4,
      y,
      m: 5,
      d: 2,
      logWeights: null,
      values: null,
      k: 0,
      beta: 1,
      score: 'dot',
      precision: 'f64',
      lse: new Float64Array(4),
      mean: null,
    } as const;
    const I = (...a: number[]) => Int32Array.from(a);
    const ok = { rows: I(0, 2, 4), ptr: I(0, 1, 3), ranges: I(1, 4, 0, 2, 2, 5) };
    const bad: Array<[unknown, string, RegExp]> = [
      [[0, 4], 'mask.blocks', /mask.blocks must be an object \{ rows, ptr, ranges \}/],
      [5, 'mask.blocks', /mask.blocks must be an object/],
      [null, 'mask.blocks', /mask.blocks must be an object/],
      [{ ...ok, rows: [0, 2, 4] }, 'mask.blocks.rows', /mask.blocks.rows must be an Int32Array, got an array of length 3/],
      [{ ...ok, rows: Float64Array.from([0, 2, 4]) }, 'mask.blocks.rows', /mask.blocks.rows must be an Int32Array/],
      [{ ...ok, ptr: undefined }, 'mask.blocks.ptr', /mask.blocks.ptr must be an Int32Array, got undefined/],
      [{ ...ok, ranges: Uint32Array.from([1, 4, 0, 2, 2, 5]) }, 'mask.blocks.ranges', /mask.blocks.ranges must be an Int32Array/],
      [{ rows: I(0), ptr: I(0), ranges: I() }, 'mask.blocks.rows', /mask.blocks.rows must hold Q \+ 1 >= 2 offsets/],
      [{ ...ok, ptr: I(0, 3) }, 'mask.blocks.ptr', /mask.blocks.ptr must hold Q \+ 1 = 3 offsets/],
      [{ ...ok, rows: I(1, 2, 4) }, 'mask.blocks.rows', /mask.blocks.rows must start at 0, got 1 at index 0/],
      [{ ...ok, rows: I(0, 2, 5) }, 'mask.blocks.rows', /mask.blocks.rows must end at n = 4, got 5 at index 2/],
      [
        { ...ok, rows: I(0, 3, 2, 4), ptr: I(0, 1, 1, 3) },
        'mask.blocks.rows',
        /mask.blocks.rows must be nondecreasing \(previous 3\), got 2 at index 2/,
      ],
      [{ ...ok, rows: I(0, 2, 3) }, 'mask.blocks.rows', /mask.blocks.rows must end at n = 4, got 3 at index 2/],
      [{ ...ok, ptr: I(1, 1, 3) }, 'mask.blocks.ptr', /mask.blocks.ptr must start at 0, got 1 at index 0/],
      [
        { ...ok, ptr: I(0, 2, 1), ranges: I(1, 4, 0, 2) },
        'mask.blocks.ptr',
        /mask.blocks.ptr must be nondecreasing \(previous 2\), got 1 at index 2/,
      ],
      [{ ...ok, ranges: I(1, 4, 0, 2, 2) }, 'mask.blocks.ranges', /mask.blocks.ranges must hold 2 \* ptr\[Q\] = 6 entries/],
      [{ ...ok, ptr: I(0, 1, 4) }, 'mask.blocks.ranges', /mask.blocks.ranges must hold 2 \* ptr\[Q\] = 8 entries/],
      [
        { ...ok, ranges: I(-1, 4, 0, 2, 2, 5) },
        'mask.blocks.ranges',
        /mask.blocks.ranges start must be >= 0, got -1 at index 0 \(range 0, block 0\)/,
      ],
      [
        { ...ok, ranges: I(1, 4, 0, 2, 2, 6) },
        'mask.blocks.ranges',
        /mask.blocks.ranges end must be <= m = 5, got 6 at index 5 \(range 2, block 1\)/,
      ],
      [
        { ...ok, ranges: I(3, 2, 0, 2, 2, 5) },
        'mask.blocks.ranges',
        /mask.blocks.ranges end must be >= its start 3, got 2 at index 1 \(range 0, block 0\)/,
      ],
      [
        { ...ok, ranges: I(1, 4, 0, 3, 2, 5) },
        'mask.blocks.ranges',
        /mask.blocks.ranges start must be >= the previous range's end 3 .*got 2 at index 4 \(range 2, block 1\)/,
      ],
      [
        { ...ok, ranges: I(1, 4, 2, 5, 0, 2) },
        'mask.blocks.ranges',
        /mask.blocks.ranges start must be >= the previous range's end 5 .*got 0 at index 4/,
      ],
    ];
    for (const backend of ['wasm', 'js'] as const) {
      // The well-formed mask passes (ranges of different blocks may overlap).
      expect(() => backendFor(backend, 't').softmaxReduce({ ...base, mask: { kind: 'blocks', blocks: ok } })).not.toThrow();
      for (const [blocks, name, message] of bad) {
        const e = thrown(() => backendFor(backend, 't').softmaxReduce({ ...base, mask: { kind: 'blocks', blocks: blocks as BlockMask } }));
        expect(e).toBeInstanceOf(InvalidArgumentError);
        expect(e.argument).toBe(name);
        expect(e.message).toMatch(message);
      }
    }
  });
});
