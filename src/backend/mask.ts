// The reduction's one mask (ReduceArgs.mask, a KernelMask): read and checked once per call into
// the plan both backends compute from, and the pairs it keeps (which decide whether a call is
// worth the thread pool).
import { InvalidArgumentError } from '../errors.js';
import { blockPairs, checkBlocks } from './blocks.js';
import type { BlockMask, KernelMask, KernelMaskKind, ReduceArgs } from './types.js';

/** A checked mask: the keys each row sees, as both backends compute them. */
export interface MaskPlan {
  /** Only keys j <= i (of the row's segment). */
  causal: boolean;
  /** Never key j = i. */
  diagonal: boolean;
  /** S + 1 segment offsets, or null for one system. */
  segments: Int32Array | null;
  /** A block-sparse mask (combined with nothing else), or null. */
  blocks: BlockMask | null;
  /** Query-key pairs the call evaluates: n·m, the sum of n_s² over segments, or the pairs the blocks keep. */
  pairs: number;
}

/** The fields each kind takes besides `kind`. */
const FIELDS: Record<KernelMaskKind, readonly string[]> = {
  none: [],
  causal: ['diagonal'],
  diagonal: [],
  segments: ['offsets', 'causal', 'diagonal'],
  blocks: ['blocks'],
};
const KINDS = Object.keys(FIELDS) as KernelMaskKind[];

/** Why a field cannot go with a kind, for the error message. */
function combineHint(kind: KernelMaskKind, field: string): string {
  if (kind === 'blocks') return ' (a block mask combines with nothing: build causality, the diagonal or systems into its ranges)';
  if (kind === 'diagonal' && field === 'causal') return " (use { kind: 'causal', diagonal: true })";
  if (field === 'offsets') return " (use { kind: 'segments', offsets })";
  if (field === 'blocks') return " (use { kind: 'blocks', blocks })";
  return kind === 'none' ? ` (use { kind: '${field}' })` : '';
}

/**
 * Reads and checks a.mask. Throws InvalidArgumentError naming the field: `mask` when it is not a
 * mask object, `mask.kind` for an unknown kind, `mask.<field>` for a field its kind does not take
 * (say `mask.causal` on kind 'blocks') or a flag that is not a boolean, `mask.offsets` for
 * segments that are not S + 1 nondecreasing Int32Array offsets from 0 to n, `mask.blocks.*` for a
 * bad block mask; and, since segments and the diagonal pair row i with key i, when they come with m !== n.
 */
export function readMask(a: ReduceArgs): MaskPlan {
  const mask = a.mask as unknown;
  if (typeof mask !== 'object' || mask === null || Array.isArray(mask)) {
    throw new InvalidArgumentError('mask', mask, `must be an object { kind, ... } with kind ${KINDS.map((k) => `'${k}'`).join(', ')}`);
  }
  const fields = mask as Record<string, unknown>;
  const kind = fields.kind as KernelMaskKind;
  if (typeof kind !== 'string' || !Object.hasOwn(FIELDS, kind)) {
    throw new InvalidArgumentError('mask.kind', kind, `must be one of ${KINDS.map((k) => `'${k}'`).join(', ')}`);
  }
  for (const field of Object.keys(fields)) {
    if (field === 'kind' || fields[field] === undefined || FIELDS[kind].includes(field)) continue;
    const known = KINDS.some((k) => FIELDS[k].includes(field));
    throw new InvalidArgumentError(
      `mask.${field}`,
      fields[field],
      known
        ? `cannot be combined with mask kind '${kind}'${combineHint(kind, field)}`
        : `is not a field of a mask (kind '${kind}' takes ${FIELDS[kind].join(', ') || 'no other field'})`,
    );
  }
  const flag = (field: 'causal' | 'diagonal'): boolean => {
    const v = fields[field];
    if (v !== undefined && typeof v !== 'boolean') throw new InvalidArgumentError(`mask.${field}`, v, 'must be a boolean');
    return v === true;
  };
  const m = a.mask as KernelMask;
  const plan: MaskPlan = { causal: false, diagonal: false, segments: null, blocks: null, pairs: a.n * a.m };
  if (m.kind === 'blocks') {
    checkBlocks(m.blocks, a.n, a.m);
    plan.blocks = m.blocks;
    plan.pairs = blockPairs(m.blocks);
    return plan;
  }
  plan.causal = m.kind === 'causal' || flag('causal');
  plan.diagonal = m.kind === 'diagonal' || flag('diagonal');
  if (plan.diagonal && a.n !== a.m) {
    const [name, value] = m.kind === 'diagonal' ? ['mask.kind', m.kind] : ['mask.diagonal', true];
    throw new InvalidArgumentError(name, value, `needs as many keys as queries (m = ${a.m}, n = ${a.n})`);
  }
  if (m.kind === 'segments') {
    plan.segments = checkSegments(m.offsets, a.n, a.m);
    plan.pairs = segmentPairs(plan.segments);
  }
  return plan;
}

/** Checks segment offsets (as mask.offsets) for a call of n queries and m keys; returns them. */
function checkSegments(seg: unknown, n: number, m: number): Int32Array {
  if (!(seg instanceof Int32Array)) throw new InvalidArgumentError('mask.offsets', seg, 'must be an Int32Array of S + 1 segment offsets');
  if (seg.length < 2) throw new InvalidArgumentError('mask.offsets', seg, 'must hold S + 1 >= 2 offsets');
  if (n !== m) throw new InvalidArgumentError('mask.offsets', seg, `need as many keys as queries (m = ${m}, n = ${n})`);
  if (seg[0] !== 0) throw new InvalidArgumentError('mask.offsets', seg[0], 'must start at 0', 'at index 0');
  for (let s = 1; s < seg.length; s++) {
    if (seg[s] < seg[s - 1])
      throw new InvalidArgumentError('mask.offsets', seg[s], `must be nondecreasing (previous ${seg[s - 1]})`, `at index ${s}`);
  }
  const S = seg.length - 1;
  if (seg[S] !== n) throw new InvalidArgumentError('mask.offsets', seg[S], `must end at n = ${n}`, `at index ${S}`);
  return seg;
}

/** The sum over segments of n_s². */
function segmentPairs(seg: Int32Array): number {
  let p = 0;
  for (let s = 0; s + 1 < seg.length; s++) {
    const len = seg[s + 1] - seg[s];
    p += len * len;
  }
  return p;
}

/**
 * The mask of rows that see their own system's keys (`segments`, or null for one system), only
 * the earlier ones when `causal`, never their own when `diagonal`: the one KernelMask that says so.
 */
export function rowMask(segments: Int32Array | null, causal: boolean, diagonal: boolean): KernelMask {
  if (segments !== null) return { kind: 'segments', offsets: segments, causal, diagonal };
  if (causal) return { kind: 'causal', diagonal };
  return { kind: diagonal ? 'diagonal' : 'none' };
}
