// Options declared once. Each options type gets one schema: per key, the rule that checks its value, its default
// and one line of documentation. From the schema come the key list (unknown keys refused with the nearest name),
// the checks, the defaults and the doc text; the TypeScript interface is checked against it at compile time, so
// an option added to the interface but not to the schema (or with a rule of another type) does not compile.
import { InvalidArgumentError } from './errors.js';
import { readOptions } from './validate.js';

/** One option: how a given value is checked, its default, and what it is. */
export interface OptionRule<V> {
  /** Checks a given value (never undefined) and returns it typed; throws a MeanfieldError naming `name`. */
  check(name: string, value: unknown): V;
  /** The value when the key is omitted; without one the option stays undefined (or its caller resolves it). */
  readonly default?: V;
  /** One line of documentation. */
  readonly doc: string;
  /** The same rule with a default. */
  or(fallback: V): DefaultedRule<V>;
}

/** A rule whose option takes a default when omitted. */
export interface DefaultedRule<V> extends OptionRule<V> {
  readonly default: V;
}

function ruleOf<V>(doc: string, check: (name: string, value: unknown) => V): OptionRule<V> {
  return {
    doc,
    check,
    or(fallback: V): DefaultedRule<V> {
      return { ...this, default: fallback };
    },
  };
}

/** A schema for the options type T: exactly one rule per key of T, each producing that key's type. */
export type Schema<T> = { readonly [K in keyof T]-?: OptionRule<Exclude<T[K], undefined>> };

/** Keys of a schema whose rules carry a default. */
type Defaulted<S> = { [K in keyof S]: S[K] extends DefaultedRule<unknown> ? K : never }[keyof S];

/** An options bag after reading: the given values checked, the defaulted ones filled in. */
export type Resolved<T, S> = Omit<T, Defaulted<S> & keyof T> & { [K in Defaulted<S> & keyof T]-?: Exclude<T[K], undefined> };

/** The compiled schema of an options type. */
export interface OptionsSchema<T, S extends Schema<T>> {
  /** The option names, in declaration order. */
  readonly keys: readonly string[];
  /** The rules, by name. */
  readonly rules: S;
  /**
   * Reads an options bag for `where`: undefined is {}; null, arrays and non-objects are refused; an unknown key
   * is an UnknownOptionError naming the nearest; a null value is refused; every given value is checked by its rule
   * (names in errors are `prefix + key`); omitted keys take their defaults. Returns a new object.
   */
  read(where: string, value: unknown, prefix?: string): Resolved<T, S>;
  /** The options as a Markdown list: `- \`key\`: doc (default value)`, one line each, in declaration order. */
  doc(): string;
}

/**
 * The schema of options type T: `const SCHEMA = optionsSchema<MyOptions>()({ beta: positive('scale', 1), ... })`.
 * Fails to compile when a key of T is missing, unknown, or ruled by a check of another type.
 */
export function optionsSchema<T>() {
  return <S extends Schema<T>>(rules: S & { [K in Exclude<keyof S, keyof T>]: never }): OptionsSchema<T, S> => {
    const keys = Object.keys(rules);
    const entries = Object.entries(rules) as Array<[string, OptionRule<unknown>]>;
    return {
      keys,
      rules,
      read(where: string, value: unknown, prefix = ''): Resolved<T, S> {
        const given = readOptions<Record<string, unknown>>(where, value, keys);
        const out: Record<string, unknown> = {};
        for (const [key, rule] of entries) {
          const v = given[key];
          if (v !== undefined) out[key] = rule.check(prefix + key, v);
          else if (rule.default !== undefined) out[key] = rule.default;
        }
        return out as Resolved<T, S>;
      },
      doc(): string {
        return entries
          .map(([key, rule]) => `- \`${key}\`: ${rule.doc}${rule.default !== undefined ? ` (default ${formatDefault(rule.default)})` : ''}`)
          .join('\n');
      },
    };
  };
}

function formatDefault(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : String(v);
}

/** The rule builders, each with its doc line; `.or(value)` gives the default. */
export const rule = {
  /** A finite number. */
  finite: (doc: string) => ruleOf(doc, (name, v) => number(name, v, (x) => Number.isFinite(x), 'must be a finite number')),
  /** A finite number > 0. */
  positive: (doc: string) => ruleOf(doc, (name, v) => number(name, v, (x) => Number.isFinite(x) && x > 0, 'must be a finite number > 0')),
  /** A finite number >= 0. */
  nonNegative: (doc: string) =>
    ruleOf(doc, (name, v) => number(name, v, (x) => Number.isFinite(x) && x >= 0, 'must be a finite number >= 0')),
  /** A number in [min, max] (an end may be infinite). */
  range: (min: number, max: number, doc: string) =>
    ruleOf(doc, (name, v) => number(name, v, (x) => x >= min && x <= max, `must be a number in [${min}, ${max}]`)),
  /** An integer >= min, or Infinity when `infinite`. */
  integer: (min: number, doc: string, infinite = false) =>
    ruleOf(doc, (name, v) =>
      number(
        name,
        v,
        (x) => (Number.isInteger(x) || (infinite && x === Infinity)) && x >= min,
        infinite ? `must be an integer >= ${min} or Infinity` : `must be an integer >= ${min}`,
      ),
    ),
  /** One of the given strings. */
  oneOf: <const V extends string>(values: readonly V[], doc: string) =>
    ruleOf<V>(doc, (name, v) => {
      if (typeof v !== 'string' || !(values as readonly string[]).includes(v))
        throw new InvalidArgumentError(name, v, `must be one of ${values.map((x) => `'${x}'`).join(', ')}`);
      return v as V;
    }),
  /** true or false. */
  boolean: (doc: string) =>
    ruleOf<boolean>(doc, (name, v) => {
      if (typeof v !== 'boolean') throw new InvalidArgumentError(name, v, 'must be true or false');
      return v;
    }),
  /** A function (called by the library; what it returns is checked where it is used). */
  fn: <F extends (...args: never[]) => unknown>(doc: string) =>
    ruleOf<F>(doc, (name, v) => {
      if (typeof v !== 'function') throw new InvalidArgumentError(name, v, 'must be a function');
      return v as F;
    }),
  /** An AbortSignal. */
  signal: (doc: string) =>
    ruleOf<AbortSignal>(doc, (name, v) => {
      if (v === null || typeof v !== 'object' || typeof (v as AbortSignal).aborted !== 'boolean')
        throw new InvalidArgumentError(name, v, 'must be an AbortSignal');
      return v as AbortSignal;
    }),
  /** Any other check, written by the caller. */
  custom: <V>(doc: string, check: (name: string, value: unknown) => V) => ruleOf(doc, check),
};

function number(name: string, v: unknown, ok: (x: number) => boolean, rule: string): number {
  if (typeof v !== 'number' || !ok(v)) throw new InvalidArgumentError(name, v, rule);
  return v;
}
