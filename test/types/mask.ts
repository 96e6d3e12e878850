// Type tests of the kernel's one mask (KernelMask, src/backend/types.ts). Every line under a
// `// @ts-expect-error` must fail to compile (tsc reports an unused directive otherwise) and every
// other line must compile, with `strict`. `npm run typecheck` checks this file; test/kernel/mask.test.ts
// checks that each directive hides a real error (on exactly the line under it).
import type { BlockMask, KernelMask, ReduceArgs } from '../../src/backend/types.js';

declare const offsets: Int32Array;
declare const blocks: BlockMask;
declare const flag: boolean;
declare const args: Omit<ReduceArgs, 'mask'>;

/** Masks that must compile: every kind, and every combination the kernel computes. */
export function accepted(): KernelMask[] {
  return [
    { kind: 'none' },
    { kind: 'causal' },
    { kind: 'causal', diagonal: true },
    { kind: 'diagonal' },
    { kind: 'segments', offsets },
    { kind: 'segments', offsets, causal: true },
    { kind: 'segments', offsets, diagonal: true },
    { kind: 'segments', offsets, causal: flag, diagonal: flag },
    { kind: 'blocks', blocks },
    { kind: flag ? 'causal' : 'none' },
  ];
}

/** Masks that must not compile: combinations the kernel does not compute, and malformed masks. */
export function refused(): unknown[] {
  // Not literals, so no excess-property check: the type itself must refuse them.
  const blocksAndCausal = { kind: 'blocks' as const, blocks, causal: true };
  const blocksAndOffsets = { kind: 'blocks' as const, blocks, offsets };
  const diagonalAndCausal = { kind: 'diagonal' as const, causal: true };
  const masks: KernelMask[] = [];
  // @ts-expect-error blocks combine with nothing: not with causal
  masks.push({ kind: 'blocks', blocks, causal: true });
  // @ts-expect-error blocks combine with nothing: not with the diagonal
  masks.push({ kind: 'blocks', blocks, diagonal: true });
  // @ts-expect-error blocks combine with nothing: not with segments
  masks.push({ kind: 'blocks', blocks, offsets });
  // @ts-expect-error a non-literal object with a field of another kind
  masks.push(blocksAndCausal);
  // @ts-expect-error a non-literal object with a field of another kind
  masks.push(blocksAndOffsets);
  // @ts-expect-error causal with the diagonal is { kind: 'causal', diagonal: true }
  masks.push(diagonalAndCausal);
  // @ts-expect-error no mask flag on kind 'none'
  masks.push({ kind: 'none', causal: true });
  // @ts-expect-error segments on a causal mask are kind 'segments'
  masks.push({ kind: 'causal', offsets });
  // @ts-expect-error segments need their offsets
  masks.push({ kind: 'segments', causal: true });
  // @ts-expect-error offsets are an Int32Array
  masks.push({ kind: 'segments', offsets: [0, 4] });
  // @ts-expect-error a block mask needs its blocks
  masks.push({ kind: 'blocks' });
  // @ts-expect-error no such kind
  masks.push({ kind: 'graph' });
  // @ts-expect-error flags are booleans
  masks.push({ kind: 'causal', diagonal: 1 });
  // @ts-expect-error ReduceArgs has one mask, not the four fields it replaces
  const old: ReduceArgs = { ...args, causal: false, mask: { kind: 'none' } };
  // @ts-expect-error the mask is not optional
  const missing: ReduceArgs = { ...args };
  return [masks, old, missing];
}
