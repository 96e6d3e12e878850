// Records the bits of every case (cases.ts) into values.json. Run once, on the code before a change that must not
// alter any result, and commit the file: node --import tsx test/ot/recorded/record.ts
import { renameSync, writeFileSync } from 'node:fs';
import { init } from '../../../src/index.js';
import { digest } from './digest.js';
import { CASES } from './cases.js';

await init({ threads: 1 });
const out: Record<string, Record<string, string[] | string>> = {};
for (const [name, run] of Object.entries(CASES)) {
  out[name] = Object.fromEntries(Object.entries(run()).map(([k, v]) => [k, digest(v)]));
  console.log(`recorded ${name}`);
}
const file = new URL('./values.json', import.meta.url);
const tmp = new URL('./values.json.tmp', import.meta.url);
writeFileSync(tmp, `${JSON.stringify(out, null, 0).replace(/\],"/g, '],\n"')}\n`);
renameSync(tmp, file);
