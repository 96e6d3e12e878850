// The kernel's one mask (ReduceArgs.mask, a KernelMask): what each kind and combination computes,
// that combinations the kernel does not compute are refused by name at run time, and that the type
// tests of test/types/mask.ts refuse them at compile time.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { init, InvalidArgumentError } from '../../src/index.js';
import { backendFor, rowMask } from '../../src/backend/index.js';
import { readMask } from '../../src/backend/mask.js';
import { tuning } from '../../src/backend/wasm.js';
import type { KernelMask, ReduceArgs } from '../../src/backend/types.js';
import { lcg, thrown, uniformArray } from '../helpers.js';

beforeAll(async () => {
  await init({ threads: 1 });
});

const ROOT = resolve(import.meta.dirname, '..', '..');

const N = 23,
  D = 3,
  K = 2;
const OFFSETS = Int32Array.from([0, 5, 5, 17, 23]);
const BLOCKS = { rows: Int32Array.from([0, 10, 23]), ptr: Int32Array.from([0, 2, 3]), ranges: Int32Array.from([0, 3, 7, 12, 4, 23]) };

/** Points, log-weights and values of N rows. */
function maskProblem() {
  const rnd = lcg(4);
  return { x: uniformArray(rnd, N * D), h: uniformArray(rnd, N, -2, 0), v: uniformArray(rnd, N * K) };
}

/** Every kind and allowed combination, with the keys it lets row i see (written out independently of the kernel). */
function maskCases(): Array<[KernelMask, (i: number, j: number) => boolean]> {
  const offsets = OFFSETS;
  const systemOf = (i: number) => {
    let s = 0;
    while (offsets[s + 1] <= i) s++;
    return s;
  };
  return [
    [{ kind: 'none' }, () => true],
    [{ kind: 'causal' }, (i, j) => j <= i],
    [{ kind: 'causal', diagonal: true }, (i, j) => j < i],
    [{ kind: 'diagonal' }, (i, j) => j !== i],
    [{ kind: 'segments', offsets }, (i, j) => systemOf(i) === systemOf(j)],
    [{ kind: 'segments', offsets, causal: true }, (i, j) => systemOf(i) === systemOf(j) && j <= i],
    [{ kind: 'segments', offsets, diagonal: true }, (i, j) => systemOf(i) === systemOf(j) && j !== i],
    [{ kind: 'segments', offsets, causal: true, diagonal: true }, (i, j) => systemOf(i) === systemOf(j) && j < i],
    [{ kind: 'blocks', blocks: BLOCKS }, (i, j) => (i < 10 ? j < 3 || (j >= 7 && j < 12) : j >= 4)],
  ];
}

function describeMask(mask: KernelMask): string {
  return JSON.stringify({ ...mask, offsets: undefined, blocks: undefined });
}

/** One self-attention reduction of the problem under mask. */
function reduce(backend: 'wasm' | 'js', mask: KernelMask, precision: 'f32' | 'f64', x: Float64Array, h: Float64Array, v: Float64Array) {
  const lse = new Float64Array(N),
    mean = new Float64Array(N * K);
  backendFor(backend, 't').softmaxReduce({
    x,
    n: N,
    y: x,
    m: N,
    d: D,
    logWeights: h,
    values: v,
    k: K,
    beta: 1.5,
    score: 'dot',
    mask,
    precision,
    lse,
    mean,
  });
  return { lse, mean };
}

/** A self-attention call (n = m) of 4 rows in R^2 with the given mask. */
function args(mask: unknown, n = 4, m = 4): ReduceArgs {
  const x = new Float64Array(2 * Math.max(n, m));
  return {
    x,
    n,
    y: x,
    m,
    d: 2,
    logWeights: null,
    values: null,
    k: 0,
    beta: 1,
    score: 'dot',
    precision: 'f64',
    lse: new Float64Array(n),
    mean: null,
    mask: mask as KernelMask,
  };
}

describe('KernelMask', () => {
  it('each kind and combination sees exactly its keys: equal to the unmasked JS twin on those keys (wasm and js, f64)', () => {
    const { x, h, v } = maskProblem();
    for (const [mask, sees] of maskCases()) {
      for (const backend of ['wasm', 'js'] as const) {
        const { lse, mean } = reduce(backend, mask, 'f64', x, h, v);
        for (let i = 0; i < N; i++) {
          // Reference: the keys row i may see keep their weight, the others get weight zero.
          const hi = h.map((w, j) => (sees(i, j) ? w : -Infinity));
          const l = new Float64Array(1),
            mu = new Float64Array(K);
          backendFor('js', 't').softmaxReduce({
            x: x.subarray(i * D, (i + 1) * D),
            n: 1,
            y: x,
            m: N,
            d: D,
            logWeights: hi,
            values: v,
            k: K,
            beta: 1.5,
            score: 'dot',
            mask: { kind: 'none' },
            precision: 'f64',
            lse: l,
            mean: mu,
          });
          const what = `${describeMask(mask)} ${backend} row ${i}`;
          if (l[0] === -Infinity) {
            expect(lse[i], what).toBe(-Infinity);
            continue;
          }
          expect(Math.abs(lse[i] - l[0]), what).toBeLessThan(1e-12 * Math.max(1, Math.abs(l[0])));
          for (let c = 0; c < K; c++) expect(Math.abs(mean[i * K + c] - mu[c]), what).toBeLessThan(1e-12);
        }
      }
    }
  });

  it('wasm agrees with the JS twin in f32 for each kind and combination (1e-5), and is bit-identical on 1 and 2 threads', async () => {
    const { x, h, v } = maskProblem();
    const saved = tuning.threadCutoff;
    try {
      for (const [mask] of maskCases()) {
        for (const precision of ['f32', 'f64'] as const) {
          const w = reduce('wasm', mask, precision, x, h, v),
            j = reduce('js', mask, precision, x, h, v);
          const what = `${describeMask(mask)} ${precision}`;
          for (let i = 0; i < N; i++) {
            if (j.lse[i] === -Infinity) {
              expect(w.lse[i], what).toBe(-Infinity);
              continue;
            }
            expect(Math.abs(w.lse[i] - j.lse[i]), what).toBeLessThan(1e-5 * Math.max(1, Math.abs(j.lse[i])));
            for (let c = 0; c < K; c++) expect(Math.abs(w.mean[i * K + c] - j.mean[i * K + c]), what).toBeLessThan(1e-5);
          }
          await init({ threads: 2 });
          tuning.threadCutoff = 0; // every call uses the pool
          const two = reduce('wasm', mask, precision, x, h, v);
          tuning.threadCutoff = saved;
          await init({ threads: 1 });
          expect(Array.from(two.lse), what).toEqual(Array.from(w.lse));
          expect(Array.from(two.mean), what).toEqual(Array.from(w.mean));
        }
      }
    } finally {
      tuning.threadCutoff = saved;
      await init({ threads: 1 });
    }
  });

  it('rowMask gives the one mask for segments, causal and the diagonal', () => {
    const s = Int32Array.from([0, 4]);
    expect(rowMask(null, false, false)).toEqual({ kind: 'none' });
    expect(rowMask(null, true, false)).toEqual({ kind: 'causal', diagonal: false });
    expect(rowMask(null, true, true)).toEqual({ kind: 'causal', diagonal: true });
    expect(rowMask(null, false, true)).toEqual({ kind: 'diagonal' });
    expect(rowMask(s, true, false)).toEqual({ kind: 'segments', offsets: s, causal: true, diagonal: false });
    for (const segments of [null, s])
      for (const causal of [false, true])
        for (const diagonal of [false, true]) {
          const plan = readMask(args(rowMask(segments, causal, diagonal)));
          expect(plan).toMatchObject({ causal, diagonal, segments, blocks: null });
        }
  });

  it('refuses a combination the kernel does not compute, and a malformed mask, by name (wasm and js)', () => {
    const offsets = Int32Array.from([0, 4]);
    const blocks = { rows: Int32Array.from([0, 4]), ptr: Int32Array.from([0, 1]), ranges: Int32Array.from([0, 4]) };
    const bad: Array<[unknown, string, RegExp]> = [
      [
        undefined,
        'mask',
        /^mask must be an object \{ kind, \.\.\. \} with kind 'none', 'causal', 'diagonal', 'segments', 'blocks', got undefined$/,
      ],
      [null, 'mask', /^mask must be an object/],
      ['causal', 'mask', /^mask must be an object .* got "causal"$/],
      [{}, 'mask.kind', /^mask.kind must be one of 'none', 'causal', 'diagonal', 'segments', 'blocks', got undefined$/],
      [{ kind: 'graph' }, 'mask.kind', /^mask.kind must be one of .* got "graph"$/],
      [{ kind: 'toString' }, 'mask.kind', /^mask.kind must be one of/],
      [
        { kind: 'blocks', blocks, causal: true },
        'mask.causal',
        new RegExp(
          "^mask.causal cannot be combined with mask kind 'blocks' \\(a block mask combines with nothing: " +
            'build causality, the diagonal or systems into its ranges\\), got true$',
        ),
      ],
      [{ kind: 'blocks', blocks, diagonal: true }, 'mask.diagonal', /^mask.diagonal cannot be combined with mask kind 'blocks'/],
      [{ kind: 'blocks', blocks, offsets }, 'mask.offsets', /^mask.offsets cannot be combined with mask kind 'blocks'/],
      [{ kind: 'blocks', blocks, causal: false }, 'mask.causal', /^mask.causal cannot be combined with mask kind 'blocks'/],
      [
        { kind: 'diagonal', causal: true },
        'mask.causal',
        /^mask.causal cannot be combined with mask kind 'diagonal' \(use \{ kind: 'causal', diagonal: true \}\)/,
      ],
      [{ kind: 'none', causal: true }, 'mask.causal', /^mask.causal cannot be combined with mask kind 'none' \(use \{ kind: 'causal' \}\)/],
      [
        { kind: 'causal', offsets },
        'mask.offsets',
        /^mask.offsets cannot be combined with mask kind 'causal' \(use \{ kind: 'segments', offsets \}\)/,
      ],
      [
        { kind: 'segments', offsets, blocks },
        'mask.blocks',
        /^mask.blocks cannot be combined with mask kind 'segments' \(use \{ kind: 'blocks', blocks \}\)/,
      ],
      [
        { kind: 'causal', excludeSelf: true },
        'mask.excludeSelf',
        /^mask.excludeSelf is not a field of a mask \(kind 'causal' takes diagonal\), got true$/,
      ],
      [
        { kind: 'none', segments: offsets },
        'mask.segments',
        /^mask.segments is not a field of a mask \(kind 'none' takes no other field\)/,
      ],
      [{ kind: 'causal', diagonal: 1 }, 'mask.diagonal', /^mask.diagonal must be a boolean, got 1$/],
      [{ kind: 'segments', offsets, causal: 'yes' }, 'mask.causal', /^mask.causal must be a boolean/],
      [{ kind: 'segments' }, 'mask.offsets', /^mask.offsets must be an Int32Array/],
      [{ kind: 'blocks' }, 'mask.blocks', /^mask.blocks must be an object/],
    ];
    for (const backend of ['wasm', 'js'] as const) {
      for (const [mask, name, message] of bad) {
        const e = thrown(() => backendFor(backend, 't').softmaxReduce(args(mask)));
        expect(e, JSON.stringify(mask)).toBeInstanceOf(InvalidArgumentError);
        expect(e.argument).toBe(name);
        expect(e.message).toMatch(message);
      }
      // A field set to undefined is absent (what an optional field of the type allows).
      expect(() => backendFor(backend, 't').softmaxReduce(args({ kind: 'blocks', blocks, causal: undefined }))).not.toThrow();
    }
  });

  it('the type tests (test/types/mask.ts) compile, and each @ts-expect-error hides a real error on the line under it', () => {
    const file = join(ROOT, 'test', 'types', 'mask.ts');
    const source = readFileSync(file, 'utf8');
    const options: ts.CompilerOptions = {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      types: [],
      lib: ['lib.es2022.d.ts'],
    };
    const errorLines = (text: string): number[] => {
      const host = ts.createCompilerHost(options);
      const read = host.getSourceFile.bind(host);
      host.getSourceFile = (name, lang, ...rest) =>
        resolve(name) === file ? ts.createSourceFile(name, text, lang) : read(name, lang, ...rest);
      const program = ts.createProgram([file], options, host);
      return [
        ...new Set(
          ts.getPreEmitDiagnostics(program).map((d) => {
            expect(d.file?.fileName && resolve(d.file.fileName), ts.flattenDiagnosticMessageText(d.messageText, '\n')).toBe(file);
            return d.file!.getLineAndCharacterOfPosition(d.start!).line;
          }),
        ),
      ].sort((a, b) => a - b);
    };
    expect(errorLines(source)).toEqual([]);
    const lines = source.split('\n');
    const expected = lines.flatMap((l, i) => (l.trim().startsWith('// @ts-expect-error') ? [i + 1] : []));
    expect(expected.length).toBeGreaterThanOrEqual(15);
    const bare = lines.map((l) => (l.trim().startsWith('// @ts-expect-error') ? '' : l)).join('\n');
    expect(errorLines(bare)).toEqual(expected);
  });
});
