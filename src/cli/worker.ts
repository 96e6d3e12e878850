// A `meanfield run` worker: receives the sweep spec once, then seeds one at a time, and
// posts back each seed's summary line (message passing: seeds are independent jobs).
import { parentPort } from 'node:worker_threads';
import { init } from '../backend/index.js';
import { runSeed, type SweepSpec } from './sweep.js';

let spec: SweepSpec | null = null;
const ready = init({ threads: 1 });
parentPort!.on('message', async (msg: { type: 'spec'; spec: SweepSpec } | { type: 'seed'; seed: number }) => {
  await ready;
  if (msg.type === 'spec') { spec = msg.spec; return; }
  try {
    parentPort!.postMessage({ type: 'done', seed: msg.seed, line: runSeed(spec!, msg.seed) });
  } catch (e) {
    parentPort!.postMessage({ type: 'failed', seed: msg.seed, error: `${(e as Error).name}: ${(e as Error).message}` });
  }
});
