// Options declared once (src/options.ts): the schema's keys, checks, defaults and doc lines.
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, UnknownOptionError } from '../src/errors.js';
import { optionsSchema, rule } from '../src/options.js';

interface Opts {
  beta?: number;
  steps?: number;
  mode?: 'fast' | 'exact';
  signal?: AbortSignal;
  verbose?: boolean;
}
const SCHEMA = optionsSchema<Opts>()({
  beta: rule.positive('the scale').or(1),
  steps: rule.integer(0, 'the step budget', true).or(30),
  mode: rule.oneOf(['fast', 'exact'] as const, 'how to compute'),
  signal: rule.signal('stops the call'),
  verbose: rule.boolean('print as it goes').or(false),
});

describe('optionsSchema', () => {
  it('fills defaults, keeps given values, leaves the undefaulted ones out', () => {
    expect(SCHEMA.read('f', undefined)).toEqual({ beta: 1, steps: 30, verbose: false });
    expect(SCHEMA.read('f', { beta: 2.5, mode: 'exact', steps: Infinity })).toEqual({
      beta: 2.5,
      steps: Infinity,
      mode: 'exact',
      verbose: false,
    });
    expect(SCHEMA.keys).toEqual(['beta', 'steps', 'mode', 'signal', 'verbose']);
  });

  it('refuses unknown keys with the nearest name, null values and non-objects', () => {
    const e = (() => {
      try {
        SCHEMA.read('f', { beat: 2 });
      } catch (x) {
        return x;
      }
    })();
    expect(e).toBeInstanceOf(UnknownOptionError);
    expect((e as Error).message).toMatch(/unknown option 'beat' for f; did you mean 'beta'\?/);
    expect(() => SCHEMA.read('f', { beta: null })).toThrow(InvalidArgumentError);
    for (const bad of [null, 3, 'x', [1]]) expect(() => SCHEMA.read('f', bad)).toThrow(InvalidArgumentError);
  });

  it('checks every given value by its rule, naming prefix + key', () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ beta: 0 }, /^inner\.beta must be a finite number > 0, got 0/],
      [{ beta: NaN }, /inner\.beta/],
      [{ beta: '1' }, /inner\.beta/],
      [{ steps: 1.5 }, /inner\.steps must be an integer >= 0 or Infinity/],
      [{ steps: -1 }, /inner\.steps/],
      [{ mode: 'slow' }, /inner\.mode must be one of 'fast', 'exact'/],
      [{ signal: {} }, /inner\.signal must be an AbortSignal/],
      [{ verbose: 1 }, /inner\.verbose must be true or false/],
    ];
    for (const [value, pattern] of cases) expect(() => SCHEMA.read('f', value, 'inner.')).toThrow(pattern);
  });

  it('writes its doc lines from the same declaration', () => {
    expect(SCHEMA.doc().split('\n')).toEqual([
      '- `beta`: the scale (default 1)',
      '- `steps`: the step budget (default 30)',
      '- `mode`: how to compute',
      '- `signal`: stops the call',
      '- `verbose`: print as it goes (default false)',
    ]);
  });
});
