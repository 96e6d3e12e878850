// A pool worker's whole program. scripts/embed-worker.mjs bundles it (with control.ts, marshal.ts
// and core.ts) into one script, the string WORKER_BUNDLE of worker-bundle.ts, from which pool.ts
// makes its workers (eval in Node, a Blob URL in browsers): no file, bundler or loader involved.
// It receives the compiled module and the shared buffers (control words, parameters, data),
// instantiates its own copy of the core, then sleeps on the control word; each job names an
// operation, and the worker takes chunks of rows from a shared counter until none is left,
// laying each call out exactly as the calling thread does (marshal.ts).
import { C, chunkSource, OP, readReduce, readTwoLayer, type SharedReader } from './control.js';
import { Arena, type CoreExports } from './core.js';
import { marshalBackward, marshalForward, marshalReduce } from './marshal.js';

/** What pool.ts posts to a starting worker. */
interface StartMessage {
  type: 'start';
  module: WebAssembly.Module;
  control: SharedArrayBuffer;
  params: SharedArrayBuffer;
  data: SharedArrayBuffer;
  index: number;
}

/** The message port: Node's parentPort or a browser worker's global scope. */
interface Port {
  postMessage(message: unknown): void;
  on?(event: 'message', fn: (message: unknown) => void): void;
  addEventListener?(event: 'message', fn: (e: { data: unknown }) => void): void;
}

/** Node's parentPort (process.getBuiltinModule: Node >= 20.16, in both script and module evaluation), else the browser worker's self. */
function port(): Port {
  const g = globalThis as { process?: { getBuiltinModule?: (name: string) => unknown }; self?: Port };
  const threads = g.process?.getBuiltinModule?.('node:worker_threads') as { parentPort: Port | null } | undefined;
  if (threads?.parentPort) return threads.parentPort;
  if (g.self !== undefined) return g.self;
  throw new Error('meanfield pool worker: no parent port');
}

/** Runs one job's share: the chunks this worker takes, written into shared memory. */
function run(core: CoreExports, arena: Arena, shared: SharedReader): void {
  const op = shared.ctrl[C.OP];
  const next = chunkSource(shared.ctrl);
  if (op === OP.REDUCE) {
    marshalReduce(core, arena, readReduce(shared), next);
    return;
  }
  const { job, r, out } = readTwoLayer(shared);
  if (op === OP.FORWARD) marshalForward(core, arena, job, out, next);
  else if (op === OP.BACKWARD) marshalBackward(core, arena, job, r!, out, next);
  else throw new Error(`meanfield pool worker: unknown operation ${op}`);
}

function start(p: Port, msg: StartMessage): void {
  const core = new WebAssembly.Instance(msg.module, {}).exports as unknown as CoreExports;
  const arena = new Arena(core);
  const ctrl = new Int32Array(msg.control);
  const data = msg.data;
  const shared: SharedReader = {
    ctrl,
    param: new Float64Array(msg.params),
    view: (offset, len) => new Float64Array(data, offset * 8, len),
  };
  let seen = Atomics.load(ctrl, C.SEQ); // read before announcing readiness: no job can slip past
  p.postMessage({ type: 'ready', index: msg.index });
  for (;;) {
    Atomics.wait(ctrl, C.SEQ, seen);
    seen = Atomics.load(ctrl, C.SEQ);
    if (ctrl[C.OP] === OP.EXIT) break;
    try {
      run(core, arena, shared);
    } catch {
      Atomics.store(ctrl, C.ERROR, 1);
    }
    if (Atomics.sub(ctrl, C.PENDING, 1) === 1) Atomics.notify(ctrl, C.PENDING);
  }
}

const p = port();
const onMessage = (msg: unknown): void => {
  if ((msg as { type?: unknown } | null)?.type === 'start') start(p, msg as StartMessage);
};
if (p.on !== undefined) p.on('message', onMessage);
else p.addEventListener!('message', (e) => onMessage(e.data));
