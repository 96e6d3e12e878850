import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, InvalidArgumentError } from '../../src/index.js';
import { backendFor } from '../../src/backend/index.js';
import { tuning } from '../../src/backend/wasm.js';
import type { Precision, ReduceArgs, Score } from '../../src/backend/types.js';
import { lcg, uniformArray } from '../helpers.js';

beforeAll(async () => {
  await init({ threads: 1 });
});
afterAll(async () => {
  await init({ threads: 1 });
});

interface Batch {
  x: Float64Array;
  y: Float64Array;
  h: Float64Array | null;
  v: Float64Array;
  n: number;
  d: number;
  k: number;
  segments: Int32Array;
}

/** Systems of random sizes (1, lane remainders, longer than a tile sometimes), concatenated. */
function batch(rnd: () => number, systems: number, d: number, k: number, maxLen: number, withH: boolean): Batch {
  const lens = Array.from({ length: systems }, (_, s) => (s % 7 === 3 ? 1 : s % 11 === 5 ? 0 : 1 + Math.floor(rnd() * maxLen)));
  const segments = new Int32Array(systems + 1);
  for (let s = 0; s < systems; s++) segments[s + 1] = segments[s] + lens[s];
  const n = segments[systems];
  return {
    x: uniformArray(rnd, n * d),
    y: uniformArray(rnd, n * d),
    h: withH ? uniformArray(rnd, n, -3, 1) : null,
    v: uniformArray(rnd, n * k, -2, 2),
    n,
    d,
    k,
    segments,
  };
}

type Backend = 'wasm' | 'js';

function call(b: Batch, backend: Backend, precision: Precision, score: Score, causal: boolean, beta: number, segments: Int32Array | null) {
  const lse = new Float64Array(b.n),
    mean = new Float64Array(b.n * b.k);
  backendFor(backend, 'test').softmaxReduce({
    x: b.x,
    n: b.n,
    y: b.y,
    m: b.n,
    d: b.d,
    logWeights: b.h,
    values: b.v,
    k: b.k,
    beta,
    score,
    precision,
    lse,
    mean,
    mask: segments === null ? { kind: causal ? 'causal' : 'none' } : { kind: 'segments', offsets: segments, causal },
  });
  return { lse, mean };
}

/** Each system alone, results concatenated. */
function separately(b: Batch, backend: Backend, precision: Precision, score: Score, causal: boolean, beta: number) {
  const lse = new Float64Array(b.n),
    mean = new Float64Array(b.n * b.k);
  const S = b.segments.length - 1;
  for (let s = 0; s < S; s++) {
    const a = b.segments[s],
      e = b.segments[s + 1],
      len = e - a;
    if (len === 0) continue;
    const one: ReduceArgs = {
      x: b.x.slice(a * b.d, e * b.d),
      n: len,
      y: b.y.slice(a * b.d, e * b.d),
      m: len,
      d: b.d,
      logWeights: b.h === null ? null : b.h.slice(a, e),
      values: b.v.slice(a * b.k, e * b.k),
      k: b.k,
      beta,
      score,
      mask: { kind: causal ? 'causal' : 'none' },
      precision,
      lse: lse.subarray(a, e),
      mean: mean.subarray(a * b.k, e * b.k),
    };
    backendFor(backend, 'test').softmaxReduce(one);
  }
  return { lse, mean };
}

const bits = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
/** -1 when a and b are bit-identical, else the first differing index (cheap on large arrays, unlike a deep toEqual). */
function firstDifference(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  if (Buffer.compare(bits(a), bits(b)) === 0) return -1;
  const ua = new BigUint64Array(a.buffer, a.byteOffset, a.length),
    ub = new BigUint64Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < a.length; i++) if (ua[i] !== ub[i]) return i;
  return -1;
}

describe('segments: many independent systems in one call', () => {
  it('every system is bit-identical to a call on it alone (d = 1..12, dot/sqdist, causal, f32/f64, wasm/js)', () => {
    const rnd = lcg(31);
    let checked = 0;
    for (let d = 1; d <= 12; d++) {
      const k = 1 + Math.floor(rnd() * 10);
      const b = batch(rnd, 9 + (d % 4), d, k, d % 3 === 0 ? 40 : 13, d % 2 === 0);
      for (const backend of ['wasm', 'js'] as const)
        for (const precision of ['f64', 'f32'] as const) {
          for (const score of ['dot', 'sqdist'] as const)
            for (const causal of [false, true]) {
              const beta = 0.5 + 3 * rnd();
              const one = call(b, backend, precision, score, causal, beta, b.segments);
              const ref = separately(b, backend, precision, score, causal, beta);
              expect(firstDifference(one.lse, ref.lse)).toBe(-1);
              expect(firstDifference(one.mean, ref.mean)).toBe(-1);
              checked++;
            }
        }
    }
    expect(checked).toBe(12 * 16);
  });

  it('long segments (several tiles) and lse only (k = 0) are bit-identical too', () => {
    const rnd = lcg(5);
    const lens = [1300, 3, 700, 1, 513];
    const segments = Int32Array.from([0, ...lens.map((_, i) => lens.slice(0, i + 1).reduce((p, q) => p + q, 0))]);
    const n = segments[lens.length],
      d = 3;
    const x = uniformArray(rnd, n * d, -2, 2),
      h = uniformArray(rnd, n, -2, 0);
    for (const precision of ['f64', 'f32'] as const)
      for (const causal of [false, true]) {
        const lse = new Float64Array(n);
        backendFor('wasm', 't').softmaxReduce({
          x,
          n,
          y: x,
          m: n,
          d,
          logWeights: h,
          values: null,
          k: 0,
          beta: 9,
          score: 'dot',
          mask: { kind: 'segments', offsets: segments, causal },
          precision,
          lse,
          mean: null,
        });
        for (let s = 0; s < lens.length; s++) {
          const a = segments[s],
            e = segments[s + 1];
          const part = new Float64Array(e - a);
          const xs = x.slice(a * d, e * d);
          backendFor('wasm', 't').softmaxReduce({
            x: xs,
            n: e - a,
            y: xs,
            m: e - a,
            d,
            logWeights: h.slice(a, e),
            values: null,
            k: 0,
            beta: 9,
            score: 'dot',
            mask: { kind: causal ? 'causal' : 'none' },
            precision,
            lse: part,
            mean: null,
          });
          expect(bits(lse.subarray(a, e))).toEqual(bits(part));
        }
      }
  });

  it('wasm agrees with the JS twin (f64 to 1e-12, f32 to 1e-5)', () => {
    const rnd = lcg(77);
    for (const d of [2, 3, 5, 8, 11]) {
      const b = batch(rnd, 20, d, 4, 30, true);
      for (const causal of [false, true])
        for (const score of ['dot', 'sqdist'] as const) {
          const js = call(b, 'js', 'f64', score, causal, 2, b.segments);
          for (const [precision, tol] of [
            ['f64', 1e-12],
            ['f32', 1e-5],
          ] as const) {
            const w = call(b, 'wasm', precision, score, causal, 2, b.segments);
            for (let i = 0; i < b.n; i++) expect(Math.abs(w.lse[i] - js.lse[i]) / Math.max(1, Math.abs(js.lse[i]))).toBeLessThan(tol);
            for (let i = 0; i < b.n * b.k; i++) expect(Math.abs(w.mean[i] - js.mean[i]) / 2).toBeLessThan(tol);
          }
        }
    }
  });

  it('one segment over everything is the unmasked call', () => {
    const rnd = lcg(9);
    const b = batch(rnd, 1, 4, 3, 200, true);
    for (const backend of ['wasm', 'js'] as const) {
      const a = call(b, backend, 'f64', 'dot', false, 1.5, Int32Array.from([0, b.n]));
      const c = call(b, backend, 'f64', 'dot', false, 1.5, null);
      expect(firstDifference(a.lse, c.lse)).toBe(-1);
      expect(firstDifference(a.mean, c.mean)).toBe(-1);
    }
  });

  it('threads 1, 2 and 3 give identical bits, with row chunks cutting segments anywhere', async () => {
    const rnd = lcg(12);
    const saved = tuning.threadCutoff;
    try {
      for (const [systems, maxLen, d] of [
        [400, 40, 8],
        [2048, 3, 3],
        [37, 300, 5],
      ] as const) {
        const b = batch(rnd, systems, d, d, maxLen, true);
        for (const precision of ['f64', 'f32'] as const)
          for (const causal of [false, true]) {
            await init({ threads: 1 });
            const ref = call(b, 'wasm', precision, 'dot', causal, 4, b.segments);
            tuning.threadCutoff = 0; // every call uses the pool
            for (const threads of [2, 3]) {
              const info = await init({ threads });
              expect(info.threads).toBe(threads);
              const got = call(b, 'wasm', precision, 'dot', causal, 4, b.segments);
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

  it('B = 2048 systems of n = 32 use the pool (the cut-off counts the pairs inside segments)', async () => {
    const rnd = lcg(3);
    const B = 2048,
      len = 32,
      d = 8;
    const segments = Int32Array.from({ length: B + 1 }, (_, s) => s * len);
    const x = uniformArray(rnd, B * len * d);
    expect(B * len * len * (d + d + 1)).toBeGreaterThanOrEqual(tuning.threadCutoff);
    const out = async (threads: number) => {
      await init({ threads });
      const lse = new Float64Array(B * len),
        mean = new Float64Array(B * len * d);
      backendFor('wasm', 't').softmaxReduce({
        x,
        n: B * len,
        y: x,
        m: B * len,
        d,
        logWeights: null,
        values: x,
        k: d,
        beta: 4,
        score: 'dot',
        mask: { kind: 'segments', offsets: segments },
        precision: 'f32',
        lse,
        mean,
      });
      return { lse, mean };
    };
    const one = await out(1),
      two = await out(2);
    expect(firstDifference(two.lse, one.lse)).toBe(-1);
    expect(firstDifference(two.mean, one.mean)).toBe(-1);
    await init({ threads: 1 });
  });

  it('refuses bad segments with an InvalidArgumentError naming them', () => {
    const x = new Float64Array(8);
    const base = {
      x,
      n: 4,
      y: x,
      m: 4,
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
    const bad: Array<[unknown, RegExp, number?]> = [
      [[0, 2, 4], /mask.offsets must be an Int32Array/],
      [Float64Array.from([0, 4]), /mask.offsets must be an Int32Array/],
      [undefined, /mask.offsets must be an Int32Array/],
      [Int32Array.from([0]), /mask.offsets must hold S \+ 1 >= 2 offsets/],
      [Int32Array.from([1, 4]), /mask.offsets must start at 0, got 1 at index 0/],
      [Int32Array.from([0, 3, 2, 4]), /mask.offsets must be nondecreasing \(previous 3\), got 2 at index 2/],
      [Int32Array.from([0, 2, 3]), /mask.offsets must end at n = 4, got 3 at index 2/],
      [Int32Array.from([0, 2, 4]), /mask.offsets need as many keys as queries \(m = 3, n = 4\)/, 3],
    ];
    for (const backend of ['wasm', 'js'] as const) {
      for (const [offsets, message, m] of bad) {
        const run = () =>
          backendFor(backend, 't').softmaxReduce({ ...base, m: m ?? 4, mask: { kind: 'segments', offsets: offsets as Int32Array } });
        expect(run).toThrow(InvalidArgumentError);
        expect(run).toThrow(message);
      }
    }
  });
});

describe('the diagonal mask', () => {
  it(
    'drops exactly key i from row i: equal to a per-row call whose own key has weight zero (wasm f64/f32, js; segments, ' +
      'causal, any d)',
    () => {
      const rnd = lcg(31);
      for (const d of [2, 3, 8, 11]) {
        const b = batch(rnd, 9, d, 3, 40, true);
        for (const backend of ['wasm', 'js'] as const)
          for (const precision of ['f64', 'f32'] as const)
            for (const causal of [false, true]) {
              const lse = new Float64Array(b.n),
                mean = new Float64Array(b.n * b.k);
              backendFor(backend, 'test').softmaxReduce({
                x: b.x,
                n: b.n,
                y: b.y,
                m: b.n,
                d: b.d,
                logWeights: b.h,
                values: b.v,
                k: b.k,
                beta: 1.5,
                score: 'dot',
                mask: { kind: 'segments', offsets: b.segments, causal, diagonal: true },
                precision,
                lse,
                mean,
              });
              // Reference: the JS twin in f64 on row i alone, with h_i = -Infinity.
              for (let s = 0; s + 1 < b.segments.length; s++) {
                const a0 = b.segments[s],
                  a1 = b.segments[s + 1];
                for (let i = a0; i < a1; i++) {
                  const m = a1 - a0,
                    h = Float64Array.from(b.h!.subarray(a0, a1));
                  h[i - a0] = -Infinity;
                  const l = new Float64Array(m),
                    mu = new Float64Array(m * b.k);
                  backendFor('js', 'test').softmaxReduce({
                    x: b.x.subarray(a0 * d, a1 * d),
                    n: m,
                    y: b.y.subarray(a0 * d, a1 * d),
                    m,
                    d,
                    logWeights: h,
                    values: b.v.subarray(a0 * b.k, a1 * b.k),
                    k: b.k,
                    beta: 1.5,
                    score: 'dot',
                    mask: { kind: causal ? 'causal' : 'none' },
                    precision: 'f64',
                    lse: l,
                    mean: mu,
                  });
                  const r = i - a0,
                    tol = precision === 'f32' ? 1e-5 : 1e-12;
                  if (l[r] === -Infinity) {
                    expect(lse[i]).toBe(-Infinity);
                    continue;
                  }
                  expect(Math.abs(lse[i] - l[r])).toBeLessThan(tol * Math.max(1, Math.abs(l[r])));
                  for (let c = 0; c < b.k; c++) expect(Math.abs(mean[i * b.k + c] - mu[r * b.k + c])).toBeLessThan(tol * 10);
                }
              }
            }
      }
    },
  );

  it('needs as many keys as queries', () => {
    const x = new Float64Array(6),
      y = new Float64Array(4);
    const base = {
      x,
      n: 3,
      y,
      m: 2,
      d: 2,
      logWeights: null,
      values: null,
      k: 0,
      beta: 1,
      score: 'dot',
      precision: 'f64',
      lse: new Float64Array(3),
      mean: null,
    } as const;
    for (const backend of ['wasm', 'js'] as const) {
      expect(() => backendFor(backend, 'test').softmaxReduce({ ...base, mask: { kind: 'diagonal' } })).toThrow(
        /^mask.kind needs as many keys as queries \(m = 2, n = 3\), got "diagonal"$/,
      );
      expect(() => backendFor(backend, 'test').softmaxReduce({ ...base, mask: { kind: 'causal', diagonal: true } })).toThrow(
        /^mask.diagonal needs as many keys as queries \(m = 2, n = 3\), got true$/,
      );
      expect(() => backendFor(backend, 'test').softmaxReduce({ ...base, mask: { kind: 'diagonal' } })).toThrow(InvalidArgumentError);
    }
  });

  it('causal with the diagonal (no segments) sees exactly the keys j < i: row 0 sees none', () => {
    const rnd = lcg(8);
    const n = 37,
      d = 3,
      k = 2;
    const x = uniformArray(rnd, n * d),
      h = uniformArray(rnd, n, -2, 0),
      v = uniformArray(rnd, n * k);
    for (const backend of ['wasm', 'js'] as const) {
      const lse = new Float64Array(n),
        mean = new Float64Array(n * k);
      backendFor(backend, 't').softmaxReduce({
        x,
        n,
        y: x,
        m: n,
        d,
        logWeights: h,
        values: v,
        k,
        beta: 2,
        score: 'dot',
        mask: { kind: 'causal', diagonal: true },
        precision: 'f64',
        lse,
        mean,
      });
      expect(lse[0]).toBe(-Infinity);
      for (let i = 1; i < n; i++) {
        // Reference: the JS twin, keys 0 .. i - 1 only.
        const l = new Float64Array(1),
          mu = new Float64Array(k);
        backendFor('js', 't').softmaxReduce({
          x: x.subarray(i * d, (i + 1) * d),
          n: 1,
          y: x,
          m: i,
          d,
          logWeights: h,
          values: v,
          k,
          beta: 2,
          score: 'dot',
          mask: { kind: 'none' },
          precision: 'f64',
          lse: l,
          mean: mu,
        });
        expect(Math.abs(lse[i] - l[0])).toBeLessThan(1e-12 * Math.max(1, Math.abs(l[0])));
        for (let c = 0; c < k; c++) expect(Math.abs(mean[i * k + c] - mu[c])).toBeLessThan(1e-12);
      }
    }
  });
});
