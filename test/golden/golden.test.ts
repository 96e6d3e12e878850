// Restructuring changes no arithmetic: every golden case (cases.ts) gives the bits recorded in values.json before
// the change, on one thread and on two.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { init } from '../../src/index.js';
import { CASES } from './cases.js';
import { toHex } from './bits.js';

const file = new URL('./values.json', import.meta.url);
const recorded: Record<string, Record<string, string[]>> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};

describe.each([1, 2])('golden values, bit for bit (%i threads)', (threads) => {
  it('every case was recorded', () => {
    expect(Object.keys(recorded).sort()).toEqual(Object.keys(CASES).sort());
  });
  it.each(Object.keys(CASES))('%s', async (name) => {
    await init({ threads });
    const got = CASES[name]();
    const want = recorded[name];
    expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
    for (const [k, v] of Object.entries(got)) expect(v.map(toHex), `${name}: ${k}`).toEqual(want[k]);
  });
});
