import { expect } from 'vitest';
import { InvalidArgumentError } from '../src/errors.js';

// Small deterministic helpers shared by the tests (independent of src/random.ts).

/** Park–Miller minimal standard generator: a fixed stream for test data. */
export function lcg(seed: number): () => number {
  let s = seed % 2147483647;
  if (s <= 0) s += 2147483646;
  return () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
}

export function uniformArray(rnd: () => number, length: number, low = -1, high = 1): Float64Array {
  return Float64Array.from({ length }, () => low + (high - low) * rnd());
}

/** n points on the unit sphere in R^d (normalised uniform cube samples; fine as test data). */
export function spherePoints(rnd: () => number, n: number, d: number): Float64Array {
  const x = uniformArray(rnd, n * d);
  for (let i = 0; i < n; i++) {
    let r = 0;
    for (let c = 0; c < d; c++) r += x[i * d + c] ** 2;
    r = Math.sqrt(r);
    for (let c = 0; c < d; c++) x[i * d + c] /= r;
  }
  return x;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** The InvalidArgumentError a call throws (fails the test if it throws nothing or something else). */
export function thrown(call: () => unknown): InvalidArgumentError {
  try {
    call();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidArgumentError);
    return e as InvalidArgumentError;
  }
  throw new Error('expected an InvalidArgumentError, nothing was thrown');
}
