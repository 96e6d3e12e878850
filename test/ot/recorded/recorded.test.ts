// The OT restructuring changes no result: every case of cases.ts gives the bits (and texts) recorded in values.json
// on the code before it, on one thread and on two.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { init } from '../../../src/index.js';
import { digest } from './digest.js';
import { CASES } from './cases.js';

const recorded: Record<string, Record<string, string[] | string>> = JSON.parse(
  readFileSync(new URL('./values.json', import.meta.url), 'utf8'),
);

describe.each([1, 2])('recorded OT results, bit for bit (%i threads)', (threads) => {
  it('every case was recorded', () => {
    expect(Object.keys(recorded).sort()).toEqual(Object.keys(CASES).sort());
  });
  it.each(Object.keys(CASES))('%s', async (name) => {
    await init({ threads });
    const got = CASES[name]();
    const want = recorded[name];
    expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
    for (const [k, v] of Object.entries(got)) expect(digest(v), `${name}: ${k}`).toEqual(want[k]);
  });
});
