// Compile-time checks of the options schemas (src/options.ts): `npm run typecheck` compiles this file, and every
// line marked as an expected error must be one (tsc fails on an unused directive).
import { optionsSchema, rule } from '../../src/options.js';

interface Example {
  beta?: number;
  mode?: 'a' | 'b';
  onDone?: (n: number) => void;
}

export const good = optionsSchema<Example>()({
  beta: rule.positive('scale').or(1),
  mode: rule.oneOf(['a', 'b'] as const, 'the mode'),
  onDone: rule.fn<(n: number) => void>('called at the end'),
});
const read = good.read('example', {});
export const beta: number = read.beta; // defaulted: a number, never undefined
// @ts-expect-error mode has no default: it may be undefined
export const mode: 'a' | 'b' = read.mode;

// @ts-expect-error a key of the interface is missing from the schema
export const missing = optionsSchema<Example>()({ beta: rule.positive('scale'), mode: rule.oneOf(['a', 'b'] as const, 'm') });

export const extra = optionsSchema<Example>()({
  beta: rule.positive('scale'),
  mode: rule.oneOf(['a', 'b'] as const, 'm'),
  onDone: rule.fn<(n: number) => void>('f'),
  // @ts-expect-error a key the interface does not have
  gamma: rule.positive('not an option'),
});

export const wrongType = optionsSchema<Example>()({
  // @ts-expect-error the rule checks a boolean, the option is a number
  beta: rule.boolean('not a number'),
  mode: rule.oneOf(['a', 'b'] as const, 'm'),
  onDone: rule.fn<(n: number) => void>('f'),
});

export const wrongValues = optionsSchema<Example>()({
  beta: rule.positive('scale'),
  // @ts-expect-error 'c' is not a mode
  mode: rule.oneOf(['a', 'c'] as const, 'm'),
  onDone: rule.fn<(n: number) => void>('f'),
});
