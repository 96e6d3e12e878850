// Brownian increments for Euler–Maruyama, reproducible from (seed, step).
import { Random } from '../../random.js';

/**
 * y += sqrt(2 tau h) xi with xi standard normal from a generator seeded by (seed, step, side):
 * step k's noise never depends on where the run was resumed, and a side step (to a record
 * time) draws its own stream, leaving the natural steps' noise untouched.
 */
export function addNoise(y: Float64Array, noise: { temperature: number; seed: number }, h: number, step: number, side: 0 | 1): void {
  const rng = new Random(mixSeed(noise.seed, step * 2 + side));
  const scale = Math.sqrt(2 * noise.temperature * h);
  for (let i = 0; i < y.length; i++) y[i] += scale * rng.normal();
}

/** A 53-bit seed from (seed, k) through two rounds of a murmur3-style finaliser. */
function mixSeed(seed: number, k: number): number {
  const fmix = (h: number) => {
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) >>> 0;
  };
  const lo = fmix((seed >>> 0) ^ fmix(k >>> 0) ^ 0x9e3779b9);
  const hi = fmix(Math.floor(seed / 0x100000000) ^ fmix(Math.floor(k / 0x100000000) + lo));
  return (hi & 0x1fffff) * 0x100000000 + lo;
}
