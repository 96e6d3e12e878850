// A `meanfield run` worker: receives chunks (the spec of one grid point and some of its seeds),
// simulates each chunk's seeds together and posts back one summary line per seed. If the
// batch fails (a seed's run turned non-finite, say), its seeds are rerun one by one so that
// only the failing seeds are reported as failed.
import { parentPort } from 'node:worker_threads';
import { init } from '../backend/index.js';
import { runSeeds, type SeedSummary, type SweepSpec } from './sweep.js';

export interface ChunkMessage { type: 'chunk'; id: number; spec: SweepSpec; seeds: number[] }
export interface SeedResult { seed: number; line?: SeedSummary; error?: string }

const describe = (e: unknown) => `${(e as Error).name}: ${(e as Error).message}`;

function runChunk(spec: SweepSpec, seeds: number[]): SeedResult[] {
  try {
    return runSeeds(spec, seeds).map((line, i) => ({ seed: seeds[i], line }));
  } catch (e) {
    if (seeds.length === 1) return [{ seed: seeds[0], error: describe(e) }];
    return seeds.flatMap((seed) => runChunk(spec, [seed]));
  }
}

const ready = init({ threads: 1 });
parentPort!.on('message', async (msg: ChunkMessage) => {
  await ready;
  parentPort!.postMessage({ type: 'done', id: msg.id, results: runChunk(msg.spec, msg.seeds) });
});
