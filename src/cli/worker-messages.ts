// The messages between the CLI's main thread (run.ts, commands.ts) and its worker threads (worker.ts): declared
// here, apart from both ends, so that neither imports the other.
import type { SeedSummary, SweepSpec } from './sweep.js';

/** Some seeds of one grid point, to simulate together. */
export interface ChunkMessage { type: 'chunk'; id: number; spec: SweepSpec; seeds: number[] }
/** One seed's summary line, or why it failed. */
export interface SeedResult { seed: number; line?: SeedSummary; error?: string }
/** Progress within the run of a chunk's lone seed. */
export interface ProgressMessage { type: 'progress'; id: number; seed: number; t: number; tEnd: number; fraction: number; steps: number }

/** A sinkhorn computation as sent to the worker thread. */
export interface SinkhornJob {
  type: 'sinkhorn';
  files: string[];
  a: { points: Float64Array; dim: number; size: number };
  b: { points: Float64Array; dim: number; size: number };
  eps: number; tol: number | undefined; maxIter: number; precision: 'f64' | 'f32' | 'mixed'; threads: number | undefined;
  acceleration: 'anderson' | 'overrelaxation' | 'none'; truncate: number | undefined;
}

/** A library error crosses the thread boundary as its name and message. */
export interface WorkerFailure { type: 'failed'; name: string; message: string; library: boolean }
