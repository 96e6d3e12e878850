import { describe, expect, it } from 'vitest';
import { thrown } from './helpers.js';
import { Random, requireSeed } from '../src/random.js';

// Independent BigInt transcriptions of the published algorithms (Blackman & Vigna's
// xoshiro128**.c; SplitMix32 = Weyl step 0x9e3779b9 + murmur3 fmix32), used as known answers.
const M32 = 0xffffffffn;
const rotl = (x: bigint, k: bigint) => ((x << k) | (x >> (32n - k))) & M32;

function referenceXoshiro(state: readonly bigint[], count: number): number[] {
  const s = state.slice();
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    out.push(Number((rotl((s[1] * 5n) & M32, 7n) * 9n) & M32)); // rotl(s[1] * 5, 7) * 9
    const t = (s[1] << 9n) & M32;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11n);
  }
  return out;
}

function referenceSplitMix32(seed: bigint, count: number): bigint[] {
  let s = seed & M32;
  const out: bigint[] = [];
  for (let i = 0; i < count; i++) {
    s = (s + 0x9e3779b9n) & M32;
    let z = s;
    z = ((z ^ (z >> 16n)) * 0x85ebca6bn) & M32;
    z = ((z ^ (z >> 13n)) * 0xc2b2ae35n) & M32;
    out.push(z ^ (z >> 16n));
  }
  return out;
}

describe('Random: known answers', () => {
  it('nextUint32() is xoshiro128** from an explicit 128-bit state', () => {
    const state: [number, number, number, number] = [0x12345678, 0x9abcdef0, 0x0fedcba9, 0x87654321];
    const r = Random.fromState(state);
    const got = Array.from({ length: 200 }, () => r.nextUint32());
    expect(got).toEqual(referenceXoshiro(state.map(BigInt), 200));
    // A state with a single bit set, the smallest non-trivial case.
    const one = Random.fromState([0, 1, 0, 0]);
    expect(Array.from({ length: 50 }, () => one.nextUint32())).toEqual(referenceXoshiro([0n, 1n, 0n, 0n], 50));
  });

  it('new Random(seed) for seeds below 2^32 starts from four SplitMix32 outputs of the seed', () => {
    for (const seed of [0, 1, 42, 123456789, 2 ** 32 - 1]) {
      const r = new Random(seed);
      const expected = referenceXoshiro(referenceSplitMix32(BigInt(seed), 4), 20);
      expect(Array.from({ length: 20 }, () => r.nextUint32())).toEqual(expected);
    }
  });

  it('next() is (first >>> 5) * 2^26 + (second >>> 6), over 2^53', () => {
    const state: [number, number, number, number] = [1, 2, 3, 4];
    const raw = referenceXoshiro(state.map(BigInt), 40);
    const r = Random.fromState(state);
    for (let i = 0; i < 20; i++) {
      const expected = Number((BigInt(raw[2 * i] >>> 5) << 26n) | BigInt(raw[2 * i + 1] >>> 6)) / 2 ** 53;
      expect(r.next()).toBe(expected);
    }
  });
});

describe('Random: seeding', () => {
  const stream = (r: Random, k = 8) => Array.from({ length: k }, () => r.nextUint32());

  it('the same seed gives the same stream; different seeds differ', () => {
    expect(stream(new Random(7), 100)).toEqual(stream(new Random(7), 100));
    expect(stream(new Random(8))).not.toEqual(stream(new Random(7)));
    // First outputs of 2000 seeds (small and above 2^32) are pairwise distinct.
    const seeds = [...Array.from({ length: 1000 }, (_, i) => i), ...Array.from({ length: 1000 }, (_, i) => 2 ** 32 * (i + 1) + 7)];
    const firsts = new Set(seeds.map((s) => new Random(s).nextUint32()));
    expect(firsts.size).toBe(seeds.length);
  });

  it('the high 32 bits of a seed change the first outputs', () => {
    const low = 5;
    expect(stream(new Random(2 ** 32 + low))).not.toEqual(stream(new Random(low)));
    expect(stream(new Random(2 ** 52 + low))).not.toEqual(stream(new Random(2 ** 51 + low)));
    expect(stream(new Random(Number.MAX_SAFE_INTEGER))).not.toEqual(stream(new Random(Number.MAX_SAFE_INTEGER - 2 ** 32)));
    // Folding the high half into the low one (low ^ f(high)) would make this pair share its
    // first two outputs: every one of the first eight must differ.
    const a = stream(new Random(2 ** 32 + low)),
      b = stream(new Random((low ^ Math.imul(1, 0x9e3779b1)) >>> 0));
    a.forEach((v, i) => expect(v).not.toBe(b[i]));
  });

  it('requireSeed accepts only non-negative safe integers; a missing seed says a seed is required', () => {
    expect(requireSeed('seed', 0)).toBe(0);
    expect(requireSeed('seed', Number.MAX_SAFE_INTEGER)).toBe(Number.MAX_SAFE_INTEGER);
    expect(thrown(() => requireSeed('seed', undefined)).message).toMatch(/^seed is required .*got undefined$/);
    expect(thrown(() => requireSeed('options.seed', null)).message).toMatch(/^options.seed is required/);
    const bad: Array<[unknown, RegExp]> = [
      [-1, /seed must be a non-negative safe integer, got -1/],
      [1.5, /seed must be a non-negative safe integer, got 1.5/],
      [2 ** 53, /seed must be a non-negative safe integer, got 9007199254740992/],
      [NaN, /seed must be a non-negative safe integer, got NaN/],
      ['3', /seed must be a non-negative safe integer, got "3"/],
    ];
    for (const [seed, message] of bad) {
      const e = thrown(() => requireSeed('seed', seed));
      expect(e.message).toMatch(message);
      expect(e.argument).toBe('seed');
    }
    expect(thrown(() => new Random(-3)).message).toMatch(/seed must be a non-negative safe integer, got -3/);
    expect(thrown(() => new (Random as unknown as new () => Random)()).message).toMatch(/seed is required/);
  });

  it('fromState rejects malformed and all-zero states', () => {
    expect(thrown(() => Random.fromState([0, 0, 0, 0])).message).toMatch(/state must not be all zero/);
    expect(thrown(() => Random.fromState([1, 2, 3] as never)).message).toMatch(
      /state must be four integers in \[0, 2\^32\), got an array of length 3/,
    );
    expect(thrown(() => Random.fromState([1, 2, 3, 2 ** 32])).message).toMatch(/state must be four integers/);
    expect(thrown(() => Random.fromState([1, 2, 3, -1])).message).toMatch(/state must be four integers/);
  });
});

describe('Random: distributions', () => {
  it('next() is in [0, 1) and uses all 53 bits', () => {
    const r = new Random(3);
    let oddNumerators = 0,
      outside = 0,
      offGrid = 0;
    for (let i = 0; i < 100_000; i++) {
      const u = r.next();
      if (!(u >= 0 && u < 1)) outside++;
      const k = u * 2 ** 53; // exact: u is k / 2^53
      if (!Number.isInteger(k)) offGrid++;
      if (k % 2 === 1) oddNumerators++;
    }
    expect(outside).toBe(0);
    expect(offGrid).toBe(0);
    // The lowest bit is a fair coin: 50000 +- 4 * sqrt(100000 / 4).
    expect(Math.abs(oddNumerators - 50_000)).toBeLessThan(4 * Math.sqrt(25_000));
  });

  it('integer(10) passes a chi-square test', () => {
    const r = new Random(3);
    const bins = new Array(10).fill(0);
    const N = 100_000;
    for (let i = 0; i < N; i++) bins[r.integer(10)]++;
    const chi2 = bins.reduce((s, o) => s + (o - N / 10) ** 2 / (N / 10), 0);
    expect(chi2).toBeLessThan(27.88); // chi-square 0.999 quantile, 9 degrees of freedom
  });

  it('integer(n) rejects the partial range: n = 3 * 2^30 is not biased towards its first third', () => {
    // Without rejection, v % n for a uniform 32-bit v would put twice the mass on [0, 2^30).
    const r = new Random(17);
    const n = 3 * 2 ** 30;
    const bins = [0, 0, 0];
    const N = 30_000;
    for (let i = 0; i < N; i++) bins[Math.floor(r.integer(n) / 2 ** 30)]++;
    expect(bins[0] + bins[1] + bins[2]).toBe(N); // every draw landed in [0, n)
    const chi2 = bins.reduce((s, o) => s + (o - N / 3) ** 2 / (N / 3), 0);
    expect(chi2).toBeLessThan(13.82); // chi-square 0.999 quantile, 2 degrees of freedom
  });

  it('integer(n) edge cases and guards', () => {
    const r = new Random(1);
    for (let i = 0; i < 100; i++) expect(r.integer(1)).toBe(0);
    const k = r.integer(2 ** 32);
    expect(Number.isInteger(k) && k >= 0 && k < 2 ** 32).toBe(true);
    for (const n of [0, -1, 2.5, 2 ** 32 + 1, NaN])
      expect(thrown(() => r.integer(n)).message).toMatch(new RegExp(`^n must be an integer in \\[1, 2\\^32\\], got ${n}`));
  });

  it('uniform(low, high) is in [low, high) with mean (low + high) / 2', () => {
    const r = new Random(9);
    const N = 50_000;
    let s = 0,
      outside = 0;
    for (let i = 0; i < N; i++) {
      const x = r.uniform(-3, 5);
      if (!(x >= -3 && x < 5)) outside++;
      s += x;
    }
    expect(outside).toBe(0);
    // The mean of U(-3, 5) is 1 with standard deviation 8 / sqrt(12); allow 4 standard errors.
    expect(Math.abs(s / N - 1)).toBeLessThan((4 * 8) / Math.sqrt(12 * N));
    expect(thrown(() => r.uniform(NaN, 1)).message).toMatch(/low must be a finite number, got NaN/);
    expect(thrown(() => r.uniform(0, Infinity)).message).toMatch(/high must be a finite number, got Infinity/);
    expect(thrown(() => r.uniform(2, 1)).message).toMatch(/high must be >= low \(2\) with high - low finite, got 1/);
    expect(thrown(() => r.uniform(-1e308, 1e308)).message).toMatch(/high must be >= low/);
  });

  it('normal() is Box–Muller with the second variate cached, and has mean 0 and variance 1', () => {
    const a = new Random(11),
      b = new Random(11);
    for (let i = 0; i < 10; i++) {
      let u = b.next();
      while (u === 0) u = b.next();
      const v = b.next();
      const radius = Math.sqrt(-2 * Math.log(u));
      expect(a.normal()).toBe(radius * Math.cos(2 * Math.PI * v));
      expect(a.normal()).toBe(radius * Math.sin(2 * Math.PI * v));
    }
    const r = new Random(12);
    const N = 200_000;
    let s = 0,
      s2 = 0;
    for (let i = 0; i < N; i++) {
      const z = r.normal();
      s += z;
      s2 += z * z;
    }
    // Standard errors: 1 / sqrt(N) for the mean, sqrt(2 / N) for the second moment; allow 5.
    expect(Math.abs(s / N)).toBeLessThan(5 / Math.sqrt(N));
    expect(Math.abs(s2 / N - 1)).toBeLessThan(5 * Math.sqrt(2 / N));
  });
});
