// A `meanfield run` worker: receives chunks (the spec of one grid point and some of its seeds),
// simulates each chunk's seeds together and posts back one summary line per seed. If the
// batch fails (a seed's run turned non-finite, say), its seeds are rerun one by one so that
// only the failing seeds are reported as failed. A chunk of one seed reports progress within
// the run ({ type: 'progress' } messages, at most every 200 ms). It also runs `meanfield sinkhorn`'s job
// (sinkhorn-job.ts). The messages are declared in worker-messages.ts.
import { parentPort } from 'node:worker_threads';
import { init } from '../backend/index.js';
import { MeanfieldError } from '../errors.js';
import type { ProgressInfo } from '../simulate/spec.js';
import { sinkhornResult } from './sinkhorn-job.js';
import { runSeeds, type SweepSpec } from './sweep.js';
import type { ChunkMessage, ProgressMessage, SeedResult, SinkhornJob, WorkerFailure } from './worker-messages.js';

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

let ready: Promise<unknown> | null = null;
parentPort!.on('message', async (msg: ChunkMessage | SinkhornJob) => {
  if (msg.type === 'sinkhorn') {
    try {
      await init({ threads: msg.threads });
      parentPort!.postMessage({ type: 'sinkhorn', result: sinkhornResult(msg) });
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      parentPort!.postMessage({ type: 'failed', name: err.name, message: err.message, library: e instanceof MeanfieldError } satisfies WorkerFailure);
    }
    return;
  }
  ready ??= init({ threads: 1 });
  await ready;
  parentPort!.postMessage({ type: 'done', id: msg.id, results: runChunk(msg.id, msg.spec, msg.seeds) });
});
