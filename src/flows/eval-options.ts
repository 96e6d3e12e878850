// The per-call EvalOptions (backend, precision) declared once: the rules that every options schema with kernel
// options spreads in (simulate's among them), and the reader of a flow's or a memory's method options (predict,
// risk, energy, ...), shared by src/flows, src/nn, src/memory and src/analysis.
import { optionsSchema, rule } from '../options.js';
import type { EvalOptions } from './flow.js';

/** The rules of `backend` and `precision`, for schemas of options types that extend EvalOptions. */
export const EVAL_RULES = {
  backend: rule.oneOf(['wasm', 'js'] as const, "kernel backend: 'wasm' (SIMD, threads) or 'js' (the pure-JS twin); default: init()'s"),
  precision: rule.oneOf(['f64', 'f32'] as const, "kernel arithmetic: 'f64' (default) or 'f32'"),
};

/** The schema of EvalOptions. */
export const EVAL_OPTIONS = optionsSchema<EvalOptions>()(EVAL_RULES);

/** EvalOptions of a method call: unknown keys and bad values refused. */
export function readEval(where: string, value: unknown): EvalOptions {
  return EVAL_OPTIONS.read(where, value);
}
