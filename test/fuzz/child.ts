// A fuzz child: loads the case list, then runs the cases the parent names, one at a time,
// answering each with its verdict. The parent kills it on a timeout or a memory runaway.
import { init } from '../../src/index.js';
import { CASES } from './cases.js';
import { classify, type Verdict } from './harness.js';

const byId = new Map(CASES.map((c) => [c.id, c]));
let initialized = false;

process.on('message', async (m: { id: string }) => {
  const c = byId.get(m.id);
  let v: Verdict;
  if (c === undefined) v = { klass: 'nonlib', detail: `no case with id ${m.id} (the case list is not deterministic)` };
  else {
    if (!c.isolate && !initialized) {
      await init({ threads: 1 });
      initialized = true;
    }
    v = await classify(c);
  }
  process.send!({ verdict: v });
});
// Errors escaping a case (a rejected promise nobody awaited, a throw in a callback) would kill
// the process with no verdict: report them as the death they are by letting the process exit.
process.send!({ ready: true });
