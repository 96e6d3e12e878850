// Seeded randomness. The generator is xoshiro128** (Blackman & Vigna, 2018): 128 bits of
// state, 32-bit outputs, fast in JS through Math.imul. Its state is filled by SplitMix32
// (a 32-bit SplitMix: Weyl sequence + murmur3 finaliser) from the caller's seed, so nearby
// seeds give unrelated streams.
import { InvalidArgumentError } from './errors.js';
import { finiteNumber } from './validate.js';

const GOLDEN = 0x9e3779b9; // SplitMix32's usual Weyl increment, 2^32 / golden ratio
const GOLDEN_HIGH = 0x6a09e667; // a second odd increment for the seed's high half (see the constructor)
const TWO_32 = 0x100000000;

/** Throws unless seed is a non-negative safe integer: randomness only from seeds the caller passes. */
export function requireSeed(name: string, seed: unknown): number {
  if (seed === undefined || seed === null) {
    throw new InvalidArgumentError(name, seed, 'is required (a non-negative integer): randomness comes only from seeds you pass');
  }
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0)
    throw new InvalidArgumentError(name, seed, 'must be a non-negative safe integer');
  return seed;
}

/** SplitMix32 with state `state` and Weyl increment `gamma` (odd). */
function splitmix32(state: number, gamma = GOLDEN): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + gamma) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/**
 * Seeded pseudo-random generator (xoshiro128**, state seeded by SplitMix32). The same seed
 * gives the same stream on every platform. Not cryptographically secure.
 */
export class Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  /** Box–Muller makes normals in pairs; the second waits here. */
  private spare: number | null = null;

  /** 'Random': how error messages and Object.prototype.toString name it (a bundler may rename the class itself). */
  get [Symbol.toStringTag](): string {
    return 'Random';
  }

  /** @throws InvalidArgumentError unless seed is a non-negative safe integer. */
  constructor(seed: number) {
    requireSeed('seed', seed);
    // Seeds below 2^32: the state is four SplitMix32 outputs from the seed (the standard
    // construction). Above, a second SplitMix32 stream over the high half, with a different
    // increment (so the two streams can never cancel), is xored into every word: the
    // seed's high half then changes the very first outputs, not only later ones.
    const low = seed >>> 0;
    const high = Math.floor(seed / TWO_32);
    const a = splitmix32(low);
    const b = high === 0 ? () => 0 : splitmix32(high, GOLDEN_HIGH);
    this.s0 = a() ^ b();
    this.s1 = a() ^ b();
    this.s2 = a() ^ b();
    this.s3 = a() ^ b();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  /** Starts from an explicit 128-bit state (four uint32, not all zero), for known-answer tests. */
  static fromState(state: readonly [number, number, number, number]): Random {
    const words: unknown = state;
    if (!Array.isArray(words) || words.length !== 4 || !words.every((v) => Number.isInteger(v) && v >= 0 && v < TWO_32)) {
      throw new InvalidArgumentError('state', state, 'must be four integers in [0, 2^32)');
    }
    if (state.every((v) => v === 0)) throw new InvalidArgumentError('state', state, 'must not be all zero (a fixed point of xoshiro128**)');
    const r = new Random(0);
    [r.s0, r.s1, r.s2, r.s3] = state.map((v) => v | 0);
    return r;
  }

  /** The next 32 random bits, as an integer in [0, 2^32). */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1): 53 random bits (27 from one draw, 26 from the next), every double k/2^53. */
  next(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in [low, high) for finite low <= high. */
  uniform(low: number, high: number): number {
    finiteNumber('low', low);
    finiteNumber('high', high);
    if (low > high || !Number.isFinite(high - low))
      throw new InvalidArgumentError('high', high, `must be >= low (${low}) with high - low finite`);
    const x = low + (high - low) * this.next();
    return x < high ? x : low; // rounding can reach high; keep the interval half-open
  }

  /** Standard normal by Box–Muller; the second variate is kept for the next call. */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.next(); // log(0) would be -Infinity
    const r = Math.sqrt(-2 * Math.log(u));
    const a = 2 * Math.PI * this.next();
    this.spare = r * Math.sin(a);
    return r * Math.cos(a);
  }

  /** Uniform integer in [0, n) for 1 <= n <= 2^32, unbiased: draws in the top partial range are rejected. */
  integer(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_32) throw new InvalidArgumentError('n', n, 'must be an integer in [1, 2^32]');
    const limit = TWO_32 - (TWO_32 % n);
    for (;;) {
      const v = this.nextUint32();
      if (v < limit) return v % n;
    }
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
