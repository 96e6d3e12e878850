// Messages between the demo page and its simulation worker.
import type { AttentionNormalization } from '../src/index.js';

export interface RunParams {
  /** 'circle': tokens on S¹ (d = 2); 'sphere': tokens on S² (d = 3). */
  space: 'circle' | 'sphere';
  beta: number;
  n: number;
  normalization: AttentionNormalization;
  mask: 'none' | 'causal';
  seed: number;
  /** The run stops here (time units of the flow). */
  tEnd: number;
  /** Points closer than this (geodesic) count as one cluster. */
  clusterTol: number;
}

/** Every start carries a fresh run id; frames echo it, so late frames of an old run are dropped. */
export type ToWorker = { type: 'start'; run: number; params: RunParams } | { type: 'stop' };

export type FromWorker =
  | { type: 'ready'; backend: string; simd: boolean }
  | { type: 'frame'; run: number; t: number; points: Float64Array; dim: number; energy: number; clusters: number; steps: number; done: boolean }
  | { type: 'error'; run: number; message: string };
