// A `meanfield run` worker: receives chunks (the spec of one grid point and some of its seeds),
// simulates each chunk's seeds together and posts back one summary line per seed. If the
// batch fails (a seed's run turned non-finite, say), its seeds are rerun one by one so that
// only the failing seeds are reported as failed. A chunk of one seed reports progress within
// the run ({ type: 'progress' } messages, at most every 200 ms).
import { parentPort } from 'node:worker_threads';
import { init } from '../backend/index.js';
import type { ProgressInfo } from '../simulate/spec.js';
import { runSeeds, type SeedSummary, type SweepSpec } from './sweep.js';

export interface ChunkMessage { type: 'chunk'; id: number; spec: SweepSpec; seeds: number[] }
export interface SeedResult { seed: number; line?: SeedSummary; error?: string }
/** Progress within the run of a chunk's lone seed. */
export interface ProgressMessage { type: 'progress'; id: number; seed: number; t: number; tEnd: number; fraction: number; steps: number }

const describe = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

function runChunk(id: number, spec: SweepSpec, seeds: number[]): SeedResult[] {
  const onProgress = seeds.length === 1
    ? (p: ProgressInfo) => parentPort!.postMessage({ type: 'progress', id, seed: seeds[0], t: p.t, tEnd: p.tEnd, fraction: p.fraction, steps: p.steps } satisfies ProgressMessage)
    : undefined;
  try {
    return runSeeds(spec, seeds, onProgress).map((line, i) => ({ seed: seeds[i], line }));
  } catch (e) {
    if (seeds.length === 1) return [{ seed: seeds[0], error: describe(e) }];
    return seeds.flatMap((seed) => runChunk(id, spec, [seed]));
  }
}

const ready = init({ threads: 1 });
parentPort!.on('message', async (msg: ChunkMessage) => {
  await ready;
  parentPort!.postMessage({ type: 'done', id: msg.id, results: runChunk(msg.id, msg.spec, msg.seeds) });
});
