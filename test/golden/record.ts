// Records the bits of every golden case (cases.ts) into values.json. Run once, before a change that must not alter
// any result, and commit the file: node --import tsx test/golden/record.ts
import { renameSync, writeFileSync } from 'node:fs';
import { init } from '../../src/index.js';
import { CASES } from './cases.js';
import { toHex } from './bits.js';

await init({ threads: 1 });
const out: Record<string, Record<string, string[]>> = {};
for (const [name, run] of Object.entries(CASES)) {
  out[name] = Object.fromEntries(Object.entries(run()).map(([k, v]) => [k, v.map(toHex)]));
  console.log(`recorded ${name}`);
}
const file = new URL('./values.json', import.meta.url);
const tmp = new URL('./values.json.tmp', import.meta.url);
writeFileSync(tmp, `${JSON.stringify(out, null, 0).replace(/\],"/g, '],\n"')}\n`);
renameSync(tmp, file);
