// Messages between the demo page and its simulation worker.
import type { AttentionNormalization } from '../src/index.js';

export interface RunParams {
  /** 'circle': tokens on S¹; 'sphere': tokens on S² ⊂ R³. */
  space: 'circle' | 'sphere';
  beta: number;
  n: number;
  normalization: AttentionNormalization;
  mask: 'none' | 'causal';
  seed: number;
  /** The run stops here (time units of the flow), or earlier once every token is in one particle. */
  tEnd: number;
  /** Points closer than this (geodesic) count as one cluster. */
  clusterTol: number;
}

/** The first frame after t = 0 is at this time; the time axis starts here (t = 0 sits on its edge). */
export const FIRST_FRAME_T = 1e-2;

/** Why a run ended: it reached tEnd, or every token merged into one particle (nothing moves any more). */
export type EndReason = 'tEnd' | 'merged';

/** Every start carries a fresh run id; frames echo it, so late frames of an old run are dropped. */
export type ToWorker = { type: 'start'; run: number; params: RunParams } | { type: 'stop' };

export type FromWorker =
  | {
      type: 'ready';
      backend: string;
      simd: boolean;
      /** Threads the Wasm kernels use (the worker's own included); more than 1 only when the page is cross-origin isolated. */
      threads: number;
      /** Why fewer threads run than the cores, if so. */
      note: string | null;
    }
  | {
      type: 'frame';
      run: number;
      t: number;
      /** Particle positions as unit vectors: dim 2 (circle) or 3 (sphere), one row per particle. */
      points: Float64Array;
      dim: 2 | 3;
      /** Tokens in each particle (1 each until tokens meet and collapse into one particle). */
      tokens: Float64Array;
      energy: number;
      clusters: number;
      steps: number;
      /** Set on the last frame of a run. */
      ended: EndReason | null;
    }
  | { type: 'error'; run: number; message: string };
