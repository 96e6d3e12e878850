// Kernel truncation for Sinkhorn: points sorted into k-d tree leaves (clusters, clusters.ts), and each half-step
// streams only the (query cluster, key cluster) blocks whose share of the rows' mass is not provably below
// e^{-truncate²} in total (block-mask.ts). This file keeps the masks valid while the potentials move.
import type { BlockMask } from '../backend/index.js';
import { blockMask, type Side } from './block-mask.js';
import type { Clusters } from './clusters.js';
export { kdClusters, LEAF_SIZE, permuteRows, unpermuteRows, type Clusters } from './clusters.js';
export type { Side } from './block-mask.js';

/** Margin (log units) assumed for max (out_i - pot_i)/eps before a half-step has been checked. */
const INITIAL_MARGIN = 20;
/** Smallest margin a mask is built with: room for the potentials to drift while the mask is reused. */
const MIN_MARGIN = 3;
/** Retries of one half-step with a rebuilt mask before it runs unmasked. */
const MAX_RETRIES = 3;

/** A mask with the potentials and eps it was built for. */
interface CachedMask {
  mask: BlockMask;
  kept: number;
  eps: number;
  margin: number;
  qPot: Float64Array;
  kPot: Float64Array;
}

/**
 * The truncation of one solve: block masks per half-step kind, reused while they stay valid. A mask built at
 * potentials (p0 on the queries, k0 on the keys) with margin M skips blocks with
 * log sum_{j in J} w_j e^{(p0_i + k0_j - C_ij)/eps} < -threshold - M; for later key potentials k and the rows'
 * result out, the skipped share of row i is below e^{-threshold} as long as
 * max_i (out_i - p0_i)/eps + max_j (k_j - k0_j)/eps <= M (shifts of the gauge cancel). That is checked after
 * every half-step; when it fails, the mask is rebuilt from the current potentials and the half-step redone.
 */
export class Truncation {
  private readonly cache = new Map<string, CachedMask>();
  private readonly margins = new Map<string, number>();
  /** Pairs streamed and pairs in full, over the solve (for reporting). */
  kept = 0;
  total = 0;

  /** truncate: the bound e^{-truncate²} on each row's lost share. */
  constructor(
    private readonly truncate: number,
    private readonly d: number,
  ) {}

  /**
   * Runs one half-step out = T(k.pot) for queries q through run(mask) (mask null: unmasked), with q.pot the rows'
   * current potential (not aliased with out).
   */
  halfStep(kind: string, q: Side, k: Side, eps: number, out: Float64Array, run: (mask: BlockMask | null) => void): void {
    const n = q.pot.length,
      m = k.pot.length;
    let c = this.cache.get(kind);
    for (let attempt = 0; ; attempt++) {
      if (attempt > MAX_RETRIES) {
        run(null);
        this.kept += n * m;
        this.total += n * m;
        return;
      }
      if (c === undefined || c.eps !== eps || attempt > 0) {
        const margin = Math.max(MIN_MARGIN, this.margins.get(kind) ?? INITIAL_MARGIN);
        const { mask, kept } = blockMask(q, k, this.d, eps, this.truncate ** 2, margin);
        c = { mask, kept, eps, margin, qPot: q.pot.slice(), kPot: k.pot.slice() };
        this.cache.set(kind, c);
      }
      let drift = -Infinity;
      for (let j = 0; j < m; j++) {
        const v = (k.pot[j] - c.kPot[j]) / eps;
        if (v > drift) drift = v;
      }
      run(c.mask);
      let worst = -Infinity;
      for (let i = 0; i < n; i++) {
        const v = (out[i] - c.qPot[i]) / eps;
        if (v > worst) worst = v;
      }
      const need = worst + drift;
      if (need <= c.margin) {
        this.kept += c.kept;
        this.total += n * m;
        // The margin the next mask is built with follows the largest recent need (decaying), so that a mask
        // rebuilt tighter is not at once too tight for an iteration whose steps vary (Anderson's do).
        const next = Math.max(1.5 * (worst + Math.max(drift, 0)) + 0.5, 0.9 * (this.margins.get(kind) ?? 0));
        this.margins.set(kind, next);
        // A mask much wider than the potentials now need is rebuilt tighter at the next half-step.
        if (c.margin > Math.max(MIN_MARGIN, 2 * next)) this.cache.delete(kind);
        return;
      }
      this.margins.set(kind, need + 1);
    }
  }
}

/** A truncated solve's context: the pair is in cluster order; side() gives a half-step's view of one cloud. */
export interface TruncationContext {
  cx: Clusters;
  cy: Clusters;
  trunc: Truncation;
  side(which: 'x' | 'y', pot: Float64Array): Side;
}

/** Truncated self-transport: x in cluster order, its clusters, the solve's Truncation and a start at schedule[0]. */
export interface SelfTruncation {
  clusters: Clusters;
  trunc: Truncation;
  init?: Float64Array;
}
