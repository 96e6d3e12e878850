import { describe, expect, it } from 'vitest';
import { thrown } from './helpers.js';
import { Measure } from '../src/measure.js';

const TWO_PI = 2 * Math.PI;

/** The raw bytes of a Float64Array: equal bytes means bit-identical doubles (signed zeros included). */
const bits = (a: Float64Array) => Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));

/** Per-coordinate sample mean and (n - 1)-normalised standard deviation. */
function moments(mu: Measure): { mean: number[]; std: number[] } {
  const { size: n, dim: d, points } = mu;
  const mean = new Array<number>(d).fill(0),
    std = new Array<number>(d).fill(0);
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) mean[c] += points[i * d + c] / n;
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) std[c] += (points[i * d + c] - mean[c]) ** 2 / (n - 1);
  return { mean, std: std.map(Math.sqrt) };
}

describe('Measure construction', () => {
  it('number[][], number[] and Float64Array give the same measure', () => {
    const rows = [
      [1, 2],
      [3, 4],
      [5, 6],
    ];
    const a = new Measure(rows);
    const b = new Measure(Float64Array.from(rows.flat()), { dim: 2 });
    const c = new Measure(rows.flat(), { dim: 2 });
    for (const m of [a, b, c]) {
      expect(bits(m.points)).toEqual(bits(a.points));
      expect(bits(m.weights)).toEqual(bits(a.weights));
      expect([m.size, m.dim, m.space]).toEqual([3, 2, 'euclidean']);
    }
    expect(Array.from(a.points)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(a.weights)).toEqual([1 / 3, 1 / 3, 1 / 3]);
    expect(a.toArray()).toEqual(rows);
    expect(new Measure(rows, { dim: 2 }).dim).toBe(2);
  });

  it('copies its inputs', () => {
    const flat = Float64Array.from([1, 2, 3, 4]);
    const w = Float64Array.from([1, 3]);
    const rows = [
      [1, 2],
      [3, 4],
    ];
    const a = new Measure(flat, { dim: 2, weights: w });
    const b = new Measure(rows);
    flat[0] = 99;
    w[0] = 99;
    rows[0][0] = 99;
    expect(a.points[0]).toBe(1);
    expect(a.weights[0]).toBe(1);
    expect(b.points[0]).toBe(1);
  });

  it('keeps weights as given; mass is their sum; normalized() is a probability measure', () => {
    const mu = new Measure([[0.1], [0.2], [0.3]], { weights: [1, 3, 0] });
    expect(Array.from(mu.weights)).toEqual([1, 3, 0]);
    expect(mu.mass).toBe(4);
    const p = mu.normalized();
    expect(Array.from(p.weights)).toEqual([0.25, 0.75, 0]);
    expect(p.mass).toBe(1);
    expect(mu.mass).toBe(4); // the original is untouched
    expect(bits(p.points)).toEqual(bits(mu.points));
    // Awkward weights: the sum is 1 up to rounding.
    const q = new Measure(
      Float64Array.from({ length: 7 }, (_, i) => i),
      { dim: 1, weights: [0.1, 0.7, 1e-3, 3, 1 / 3, 2e-9, 5] },
    ).normalized();
    expect(Math.abs(q.mass - 1)).toBeLessThan(1e-15);
    expect(new Measure([[0], [1], [2], [3]]).mass).toBe(1);
  });

  it('copy(), withPoints() and point(i) return independent copies', () => {
    const mu = new Measure(
      [
        [1, 2],
        [3, 4],
      ],
      { weights: [1, 2] },
    );
    const c = mu.copy();
    expect(bits(c.points)).toEqual(bits(mu.points));
    expect(bits(c.weights)).toEqual(bits(mu.weights));
    c.points[0] = 9;
    expect(mu.points[0]).toBe(1);

    const p = mu.point(1);
    expect(Array.from(p)).toEqual([3, 4]);
    p[0] = 9;
    expect(mu.points[2]).toBe(3);

    const next = Float64Array.from([5, 6, 7, 8]);
    const nu = mu.withPoints(next);
    expect(Array.from(nu.points)).toEqual([5, 6, 7, 8]);
    expect(Array.from(nu.weights)).toEqual([1, 2]);
    next[0] = 0;
    expect(nu.points[0]).toBe(5);
  });

  it('circle measures wrap their angles into [0, 2π), and their dim defaults to 1', () => {
    const c = new Measure([-1, 7, TWO_PI, -TWO_PI, -0, 1e-300, -1e-300, 1e20, -1e20, 4 * TWO_PI + 0.5], { space: 'circle' });
    expect(c.dim).toBe(1);
    expect(c.space).toBe('circle');
    for (const t of c.points) expect(t >= 0 && t < TWO_PI).toBe(true);
    expect(c.points[0]).toBeCloseTo(TWO_PI - 1, 14);
    expect(c.points[1]).toBeCloseTo(7 - TWO_PI, 14);
    expect(Object.is(c.points[2], 0)).toBe(true);
    expect(Object.is(c.points[3], 0)).toBe(true);
    expect(Object.is(c.points[4], 0)).toBe(true); // -0 becomes +0
    expect(c.points[5]).toBe(1e-300);
    expect(c.points[6]).toBe(0); // TWO_PI - 1e-300 rounds to TWO_PI, i.e. to 0
    expect(c.points[9]).toBeCloseTo(0.5, 13);
    // Already wrapped angles are kept bit for bit.
    const u = Measure.uniformCircle(100, { seed: 1 });
    expect(bits(new Measure(u.points, { space: 'circle' }).points)).toEqual(bits(u.points));
  });

  it('accepts sphere points within 1e-9 of the unit norm', () => {
    expect(new Measure([[1 + 5e-10, 0]], { space: 'sphere' }).size).toBe(1);
    expect(
      new Measure(
        [
          [0.6, 0.8],
          [0, -1],
        ],
        { space: 'sphere' },
      ).space,
    ).toBe('sphere');
  });
});

describe('Measure validation', () => {
  // Each case: the call, the argument the error must name, and the message it must carry.
  const cases: Array<[string, () => unknown, string, RegExp]> = [
    [
      'NaN coordinate',
      () => new Measure([0, 1, 2, 3, 4, NaN], { dim: 2 }),
      'points',
      /^points must be finite, got NaN at index 5 \(point 2, coordinate 1\)$/,
    ],
    [
      'infinite coordinate (rows)',
      () =>
        new Measure([
          [0, 1],
          [Infinity, 2],
        ]),
      'points',
      /^points must be finite, got Infinity at index 2 \(point 1, coordinate 0\)$/,
    ],
    ['-Infinity coordinate', () => new Measure([0, -Infinity], { dim: 1 }), 'points', /points must be finite, got -Infinity at index 1/],
    [
      'non-number in rows',
      () =>
        new Measure([
          [0, 1],
          [null as unknown as number, 2],
        ]),
      'points',
      /^points must contain only numbers, got null at point 1, coordinate 0$/,
    ],
    [
      'non-number in a flat array',
      () => new Measure([0, '1' as unknown as number], { dim: 1 }),
      'points',
      /^points must contain only numbers, got "1" at index 1$/,
    ],
    [
      'not an array',
      () => new Measure('points' as never, { dim: 1 }),
      'points',
      /^points must be a Float64Array or an array of numbers, got "points"$/,
    ],
    [
      'negative weight',
      () => new Measure([[0], [1], [2], [3]], { weights: [0.3, 0.5, 0.4, -0.2] }),
      'weights',
      /^weights must be >= 0, got -0.2 at index 3$/,
    ],
    ['NaN weight', () => new Measure([[0], [1]], { weights: [1, NaN] }), 'weights', /^weights must be finite, got NaN at index 1$/],
    [
      'infinite weight',
      () => new Measure([[0], [1]], { weights: [Infinity, 1] }),
      'weights',
      /^weights must be finite, got Infinity at index 0$/,
    ],
    [
      'all-zero weights',
      () => new Measure([[0], [1]], { weights: [0, 0] }),
      'weights',
      /^weights must not all be zero, got 0 as their sum$/,
    ],
    [
      'weights summing to infinity',
      () => new Measure([[0], [1]], { weights: [1e308, 1e308] }),
      'weights',
      /^weights must have a finite sum, got Infinity as their sum$/,
    ],
    [
      'wrong weights length',
      () => new Measure([[0], [1]], { weights: [1] }),
      'weights.length',
      /^weights.length must equal the number of points 2, got 1$/,
    ],
    [
      'points length not a multiple of dim',
      () => new Measure([1, 2, 3], { dim: 2 }),
      'points.length',
      /^points.length must be a multiple of dim = 2, got 3$/,
    ],
    ['dim 0', () => new Measure([1, 2], { dim: 0 }), 'dim', /^dim must be an integer >= 1, got 0$/],
    ['fractional dim', () => new Measure([1, 2], { dim: 1.5 }), 'dim', /^dim must be an integer >= 1, got 1.5$/],
    ['empty rows', () => new Measure([[]]), 'dim', /^dim must be an integer >= 1, got 0$/],
    [
      'empty flat array',
      () => new Measure([], { dim: 2 }),
      'points',
      /^points must hold at least one point \(n >= 1\), got an array of length 0$/,
    ],
    [
      'empty Float64Array without dim',
      () => new Measure(new Float64Array(0)),
      'points',
      /^points must hold at least one point \(n >= 1\), got a Float64Array of length 0$/,
    ],
    ['flat array without dim', () => new Measure([1, 2]), 'dim', /^dim is required when points is a flat array, got undefined$/],
    [
      'ragged rows',
      () => new Measure([[0, 1], [2, 3], [4]]),
      'points[2]',
      /^points\[2\] must be an array of length 2 like points\[0\], got an array of length 1$/,
    ],
    [
      'a row that is not an array',
      () => new Measure([[0, 1], 5 as unknown as number[]]),
      'points[1]',
      /^points\[1\] must be an array of length 2 like points\[0\], got 5$/,
    ],
    ['dim disagreeing with rows', () => new Measure([[0, 1]], { dim: 3 }), 'dim', /^dim must equal the row length 2 of points, got 3$/],
    [
      'unknown space',
      () => new Measure([[1, 0]], { space: 'torus' as never }),
      'space',
      /^space must be one of 'euclidean', 'sphere', 'circle', got "torus"$/,
    ],
    [
      'off the sphere',
      () =>
        new Measure(
          [
            [1, 0],
            [0, -1],
            [0.6, 0.8000001],
          ],
          { space: 'sphere' },
        ),
      'points',
      /^points must lie on the unit sphere \(\| \|x\| - 1 \| <= 1e-9\) for space 'sphere', got 1\.00000008\d* as the norm of point 2$/,
    ],
    ['zero vector on the sphere', () => new Measure([[0, 0]], { space: 'sphere' }), 'points', /got 0 as the norm of point 0$/],
    [
      'circle with dim 2',
      () => new Measure([[1, 0]], { space: 'circle' }),
      'dim',
      /^dim must be 1 for space 'circle' \(points are angles\), got 2$/,
    ],
    [
      'withPoints of another length',
      () => new Measure([[1, 2]]).withPoints(new Float64Array(3)),
      'points.length',
      /^points.length must equal 2 \(n x dim of this measure\), got 3$/,
    ],
    [
      'withPoints off the sphere',
      () => Measure.uniformSphere(2, 2, { seed: 1 }).withPoints(Float64Array.from([1, 0, 0, 2])),
      'points',
      /got 2 as the norm of point 1$/,
    ],
    [
      'withPoints with NaN',
      () => new Measure([[1, 2]]).withPoints(Float64Array.from([1, NaN])),
      'points',
      /points must be finite, got NaN at index 1 \(point 0, coordinate 1\)/,
    ],
    ['point index out of range', () => new Measure([[1, 2]]).point(1), 'i', /^i must be an integer in \[0, 1\), got 1$/],
  ];
  for (const [name, call, argument, message] of cases) {
    it(`names the argument and value: ${name}`, () => {
      const e = thrown(call);
      expect(e.argument).toBe(argument);
      expect(e.message).toMatch(message);
    });
  }
});

describe('Measure samplers', () => {
  it('every sampler requires a seed', () => {
    const calls = [
      () => Measure.uniformSphere(3, 3, {} as never),
      () => Measure.uniformSphere(3, 3, undefined as never),
      () => Measure.gaussian(3, 3, {} as never),
      () => Measure.uniformBox(3, 3, {} as never),
      () => Measure.uniformCircle(3, {} as never),
    ];
    for (const call of calls) expect(thrown(call).message).toMatch(/^seed is required/);
    expect(thrown(() => Measure.gaussian(3, 3, { seed: 1.5 })).message).toMatch(/^seed must be a non-negative safe integer, got 1.5$/);
    expect(thrown(() => Measure.uniformBox(3, 3, { seed: -1 })).message).toMatch(/^seed must be a non-negative safe integer, got -1$/);
  });

  it('the same seed gives bit-identical points; different seeds differ', () => {
    const samplers: Array<(seed: number) => Measure> = [
      (seed) => Measure.uniformSphere(500, 3, { seed }),
      (seed) => Measure.gaussian(500, 4, { seed, mean: [1, 2, 3, 4], std: 0.5 }),
      (seed) => Measure.uniformBox(500, 2, { seed, low: -1, high: [1, 3] }),
      (seed) => Measure.uniformCircle(500, { seed }),
    ];
    for (const sample of samplers) {
      const a = sample(12345);
      expect(bits(sample(12345).points)).toEqual(bits(a.points));
      expect(bits(sample(12346).points)).not.toEqual(bits(a.points));
      expect(bits(sample(12345 + 2 ** 32).points)).not.toEqual(bits(a.points));
    }
  });

  it('uniformSphere: unit norms, and the first two moments of a uniform point on S²', () => {
    const n = 20_000;
    const mu = Measure.uniformSphere(n, 3, { seed: 1 });
    expect([mu.size, mu.dim, mu.space]).toEqual([n, 3, 'sphere']);
    let worst = 0;
    for (let i = 0; i < n; i++)
      worst = Math.max(worst, Math.abs(Math.hypot(mu.points[3 * i], mu.points[3 * i + 1], mu.points[3 * i + 2]) - 1));
    expect(worst).toBeLessThan(1e-12);
    for (let c = 0; c < 3; c++) {
      let m = 0,
        m2 = 0;
      for (let i = 0; i < n; i++) {
        m += mu.points[3 * i + c] / n;
        m2 += mu.points[3 * i + c] ** 2 / n;
      }
      // A coordinate of a uniform point on S² is uniform on [-1, 1] (Archimedes): mean 0,
      // variance 1/3; its square has mean 1/3 and variance 1/5 - 1/9 = 4/45. Allow 4 standard
      // errors (tighter than 4 / sqrt(n)). A normalised cube sample would fail the second check.
      expect(Math.abs(m)).toBeLessThan(4 * Math.sqrt(1 / 3 / n));
      expect(Math.abs(m2 - 1 / 3)).toBeLessThan(4 * Math.sqrt(4 / 45 / n));
    }
    // d = 1: the two points ±1, each with probability 1/2.
    const line = Measure.uniformSphere(4000, 1, { seed: 2 });
    let plus = 0;
    for (const x of line.points) {
      expect(Math.abs(x)).toBe(1);
      if (x > 0) plus++;
    }
    expect(Math.abs(plus - 2000)).toBeLessThan(4 * Math.sqrt(1000));
  });

  it('gaussian: sample mean and std match within sampling error', () => {
    const n = 20_000;
    const mean = [1, -2, 0.5],
      std = [3, 0.1, 1];
    const mu = Measure.gaussian(n, 3, { seed: 4, mean, std });
    expect([mu.size, mu.dim, mu.space]).toEqual([n, 3, 'euclidean']);
    const got = moments(mu);
    for (let c = 0; c < 3; c++) {
      // Standard errors: sigma / sqrt(n) for the mean, about sigma / sqrt(2 (n - 1)) for the std; allow 4.
      expect(Math.abs(got.mean[c] - mean[c])).toBeLessThan((4 * std[c]) / Math.sqrt(n));
      expect(Math.abs(got.std[c] - std[c])).toBeLessThan((4 * std[c]) / Math.sqrt(2 * (n - 1)));
    }
    // Scalar defaults: mean 0, std 1.
    const z = moments(Measure.gaussian(n, 2, { seed: 5 }));
    for (let c = 0; c < 2; c++) {
      expect(Math.abs(z.mean[c])).toBeLessThan(4 / Math.sqrt(n));
      expect(Math.abs(z.std[c] - 1)).toBeLessThan(4 / Math.sqrt(2 * (n - 1)));
    }
  });

  it('uniformBox: inside [low, high) with mean (low + high) / 2', () => {
    const n = 20_000;
    const low = [0, -1, 10],
      high = [2, 1, 10.5];
    const mu = Measure.uniformBox(n, 3, { seed: 5, low, high });
    let outside = 0;
    for (let i = 0; i < n; i++)
      for (let c = 0; c < 3; c++) if (!(mu.points[3 * i + c] >= low[c] && mu.points[3 * i + c] < high[c])) outside++;
    expect(outside).toBe(0);
    const got = moments(mu);
    for (let c = 0; c < 3; c++) {
      // U(low, high) has standard deviation (high - low) / sqrt(12); allow 4 standard errors.
      expect(Math.abs(got.mean[c] - (low[c] + high[c]) / 2)).toBeLessThan((4 * (high[c] - low[c])) / Math.sqrt(12 * n));
    }
    // Defaults: the unit cube.
    const unit = Measure.uniformBox(1000, 2, { seed: 6 });
    expect(Math.min(...unit.points)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...unit.points)).toBeLessThan(1);
  });

  it('uniformCircle and equallySpacedCircle', () => {
    const n = 20_000;
    const u = Measure.uniformCircle(n, { seed: 7 });
    expect([u.size, u.dim, u.space]).toEqual([n, 1, 'circle']);
    let cos = 0,
      sin = 0;
    for (const t of u.points) {
      expect(t >= 0 && t < TWO_PI).toBe(true);
      cos += Math.cos(t) / n;
      sin += Math.sin(t) / n;
    }
    // cos and sin of a uniform angle have mean 0 and variance 1/2.
    expect(Math.abs(cos)).toBeLessThan(4 * Math.sqrt(0.5 / n));
    expect(Math.abs(sin)).toBeLessThan(4 * Math.sqrt(0.5 / n));

    const e = Measure.equallySpacedCircle(8);
    expect(e.space).toBe('circle');
    expect(Array.from(e.points)).toEqual(Array.from({ length: 8 }, (_, i) => (TWO_PI * i) / 8));
    const shifted = Measure.equallySpacedCircle(4, { offset: -Math.PI / 4 });
    expect(shifted.points[0]).toBeCloseTo(TWO_PI - Math.PI / 4, 14);
    expect(shifted.points[1]).toBeCloseTo(Math.PI / 4, 14);
    expect(Array.from(shifted.weights)).toEqual([0.25, 0.25, 0.25, 0.25]);
  });

  it('samplers take optional weights and have uniform weights by default', () => {
    expect(Array.from(Measure.uniformSphere(4, 2, { seed: 1 }).weights)).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(Array.from(Measure.gaussian(3, 2, { seed: 1, weights: [1, 2, 3] }).weights)).toEqual([1, 2, 3]);
    expect(Array.from(Measure.uniformCircle(2, { seed: 1, weights: [0, 1] }).weights)).toEqual([0, 1]);
    expect(thrown(() => Measure.uniformBox(3, 1, { seed: 1, weights: [1, -1, 1] })).message).toMatch(
      /^weights must be >= 0, got -1 at index 1$/,
    );
  });

  it('sampler arguments are validated', () => {
    const cases: Array<[() => unknown, RegExp]> = [
      [() => Measure.uniformSphere(0, 3, { seed: 1 }), /^n must be an integer >= 1, got 0$/],
      [() => Measure.uniformSphere(3, 0, { seed: 1 }), /^d must be an integer >= 1, got 0$/],
      [() => Measure.gaussian(3, 1.5, { seed: 1 }), /^d must be an integer >= 1, got 1.5$/],
      [() => Measure.gaussian(2.5, 2, { seed: 1 }), /^n must be an integer >= 1, got 2.5$/],
      [() => Measure.gaussian(3, 2, { seed: 1, std: 0 }), /^std must be a finite number > 0, got 0$/],
      [() => Measure.gaussian(3, 2, { seed: 1, std: [1, -1] }), /^std must be a finite number > 0, got -1$/],
      [
        () => Measure.gaussian(3, 2, { seed: 1, mean: [0, 0, 0] }),
        /^mean must be a number or an array of length d = 2, got an array of length 3$/,
      ],
      [() => Measure.gaussian(3, 2, { seed: 1, mean: [0, NaN] }), /^mean must be finite, got NaN at coordinate 1$/],
      [() => Measure.uniformBox(3, 2, { seed: 1, low: 1, high: 1 }), /^high must be greater than low \(1\), got 1 at coordinate 0$/],
      [() => Measure.uniformBox(3, 2, { seed: 1, low: [0, 2], high: 1 }), /^high must be greater than low \(2\), got 1 at coordinate 1$/],
      [
        () => Measure.uniformBox(3, 2, { seed: 1, high: [1] }),
        /^high must be a number or an array of length d = 2, got an array of length 1$/,
      ],
      [() => Measure.uniformBox(3, 1, { seed: 1, low: -Infinity }), /^low must be finite, got -Infinity at coordinate 0$/],
      [() => Measure.uniformCircle(0, { seed: 1 }), /^n must be an integer >= 1, got 0$/],
      [() => Measure.equallySpacedCircle(-2), /^n must be an integer >= 1, got -2$/],
      [() => Measure.equallySpacedCircle(3, { offset: NaN }), /^offset must be a finite number, got NaN$/],
    ];
    for (const [call, message] of cases) expect(thrown(call).message).toMatch(message);
  });
});

describe('Measure JSON', () => {
  it('toJSON / fromJSON round-trips bit for bit, as an object and as a string', () => {
    const awkward = [0.1, 1 / 3, -7e-17, 5e-324, -Number.MAX_VALUE, Math.PI, 2 ** 53 + 2, -1.0000000000000002, 123456.789e-200, 0];
    const mu = new Measure(awkward, { dim: 2, weights: [0.1, 1 / 3, 5e-324, 2.5, 1e300] });
    const json = mu.toJSON();
    expect(json).toEqual({ dim: 2, space: 'euclidean', points: awkward, weights: [0.1, 1 / 3, 5e-324, 2.5, 1e300] });
    for (const back of [Measure.fromJSON(json), Measure.fromJSON(JSON.stringify(mu)), Measure.fromJSON(JSON.parse(JSON.stringify(json)))]) {
      expect(bits(back.points)).toEqual(bits(mu.points));
      expect(bits(back.weights)).toEqual(bits(mu.weights));
      expect([back.dim, back.size, back.space]).toEqual([2, 5, 'euclidean']);
    }
    for (const m of [
      Measure.uniformSphere(50, 4, { seed: 9 }),
      Measure.uniformCircle(50, { seed: 9 }),
      Measure.gaussian(50, 3, { seed: 9 }),
    ]) {
      const back = Measure.fromJSON(JSON.stringify(m.toJSON()));
      expect(back.space).toBe(m.space);
      expect(bits(back.points)).toEqual(bits(m.points));
      expect(bits(back.weights)).toEqual(bits(m.weights));
    }
    // The object form keeps -0; a JSON string cannot (JSON has no -0).
    const negZero = new Measure([-0, 1], { dim: 1 });
    expect(bits(Measure.fromJSON(negZero.toJSON()).points)).toEqual(bits(negZero.points));
  });

  it('fromJSON validates its input', () => {
    const good = new Measure([
      [0, 1],
      [2, 3],
    ]).toJSON();
    const cases: Array<[unknown, RegExp]> = [
      ['{not json', /^json must be valid JSON from Measure.toJSON\(\), got "\{not json"$/],
      ['null', /^json must be the output of Measure.toJSON\(\), got null$/],
      [{ dim: 2 }, /^json must be the output of Measure.toJSON\(\), got an? Object$/],
      [{ ...good, weights: [1, -2] }, /^weights must be >= 0, got -2 at index 1$/],
      [{ ...good, dim: 3 }, /^points.length must be a multiple of dim = 3, got 4$/],
      [{ ...good, space: 'plane' }, /^space must be one of .*got "plane"$/],
      [{ ...good, points: [0, 1, 2, null] }, /^points must contain only numbers, got null at index 3$/],
      [{ ...good, space: 'sphere' }, /for space 'sphere', got 3\.605551275463989\d* as the norm of point 1$/],
    ];
    for (const [json, message] of cases) expect(thrown(() => Measure.fromJSON(json as never)).message).toMatch(message);
  });
});
