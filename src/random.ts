// Seeded randomness. The generator is xoshiro128** (Blackman & Vigna, 2018): 128 bits of
// state, 32-bit outputs, fast in JS through Math.imul. Its state is filled by SplitMix32
// from the caller's seed, so nearby seeds give unrelated streams.
import { InvalidArgumentError } from './errors.js';

/** Throws unless seed is a non-negative safe integer: randomness only from seeds the caller passes. */
export function requireSeed(name: string, seed: unknown): number {
  if (seed === undefined) throw new InvalidArgumentError(name, seed, 'is required (a non-negative integer): randomness comes only from seeds you pass');
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) throw new InvalidArgumentError(name, seed, 'must be a non-negative safe integer');
  return seed;
}

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | null = null;

  constructor(seed: number) {
    requireSeed('seed', seed);
    // Mix both 32-bit halves of the seed so seeds above 2^32 differ.
    const high = Math.floor(seed / 0x100000000);
    const mix = splitmix32((seed >>> 0) ^ Math.imul(high, 0x9e3779b1));
    this.s0 = mix(); this.s1 = mix(); this.s2 = mix(); this.s3 = mix() ^ high;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  /** Starts from an explicit 128-bit state (four uint32), for known-answer tests. */
  static fromState(state: [number, number, number, number]): Random {
    const r = new Random(0);
    [r.s0, r.s1, r.s2, r.s3] = state.map((v) => v >>> 0);
    return r;
  }

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

  /** Uniform in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** Standard normal by Box–Muller; the second variate is kept for the next call. */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    const a = 2 * Math.PI * this.next();
    this.spare = r * Math.sin(a);
    return r * Math.cos(a);
  }

  /** Uniform integer in [0, n), unbiased (rejection of the top partial range). */
  integer(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 0x100000000) throw new InvalidArgumentError('n', n, 'must be an integer in [1, 2^32]');
    const limit = 0x100000000 - (0x100000000 % n);
    for (;;) {
      const v = this.nextUint32();
      if (v < limit) return v % n;
    }
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
