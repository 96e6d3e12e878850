// Reading the per-call EvalOptions of a flow's or a memory's methods (predict, risk, energy, ...): one reader,
// shared by the flows of src/flows, src/nn and src/memory.
import { evalValues, optionKeys, readOptions } from '../validate.js';
import type { EvalOptions } from './flow.js';

const EVAL_KEYS = optionKeys<EvalOptions>()('backend', 'precision');

/** EvalOptions of a method call: unknown keys and bad values refused. */
export function readEval(where: string, value: unknown): EvalOptions {
  const o = readOptions<EvalOptions>(where, value, EVAL_KEYS);
  evalValues(o);
  return o;
}
