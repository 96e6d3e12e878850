// Reading the per-call EvalOptions of a flow's or a memory's methods (predict, risk, energy, ...): one reader,
// shared by the flows of src/flows, src/nn and src/memory.
import { optionsSchema, rule } from '../options.js';
import type { EvalOptions } from './flow.js';

/** The rules of EvalOptions' keys, to spread into the options schema of a type that extends EvalOptions. */
export const EVAL_RULES = {
  backend: rule.oneOf(['wasm', 'js'] as const, "'wasm' or 'js'; default: the backend chosen by init()"),
  precision: rule.oneOf(['f64', 'f32'] as const, "kernel arithmetic precision, 'f64' (default) or 'f32'"),
};

const EVAL_OPTIONS = optionsSchema<EvalOptions>()(EVAL_RULES);

/** EvalOptions of a method call: unknown keys and bad values refused. */
export function readEval(where: string, value: unknown): EvalOptions {
  return EVAL_OPTIONS.read(where, value);
}
