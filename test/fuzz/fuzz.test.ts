// The fuzz suite: every case of cases.ts (generated bad and edge-valid inputs for every export
// of src/index.ts and every CLI command) run in child processes with per-case time limits
// (pool.ts). Each case must end in a MeanfieldError or a correct, finite answer: never another
// error type, never NaN/Infinity without an error, never a hang or a dead process.
// The census (census.ts) runs the same list and counts the classes.
import { describe, expect, it } from 'vitest';
import { CASES } from './cases.js';
import { passes, type Verdict } from './harness.js';
import { runCases } from './pool.js';

let results: Promise<Map<string, Verdict>> | null = null;
const all = () => (results ??= runCases(CASES));

const groups = [...new Set(CASES.map((c) => c.group))];
for (const group of groups) {
  describe(`fuzz ${group}`, () => {
    for (const c of CASES.filter((x) => x.group === group)) {
      it(c.id, async () => {
        const v = (await all()).get(c.id) ?? { klass: 'hang', detail: 'no verdict' };
        if (!passes(v)) expect.fail(`${v.klass}: ${v.detail}`);
      });
    }
  });
}
