// The worker pool: threads - 1 workers beside the calling thread, each with its own instance
// of the core. A kernel call writes its inputs (as f64) into one growable SharedArrayBuffer
// and wakes the workers through shared control words; every thread, the caller included, then
// takes chunks of rows from a shared counter until none is left, and the caller sleeps on
// Atomics.wait until every worker has written its rows back. Each row's reduction is the same code on the same inputs whichever thread runs
// it,
// so results are bit-identical for any thread count.
//
// This needs SharedArrayBuffer and a thread allowed to block: Node's main thread and workers,
// and browser Web Workers on a cross-origin-isolated page. Elsewhere (a browser's main thread,
// or a page that is not isolated) the pool is not started and calls run on the calling thread.
import { WasmError } from '../errors.js';
import { C, chunking, chunkRows, chunkSource, CONTROL_WORDS, OP, PARAMS, type SharedWriter } from './control.js';
import { WORKER_BUNDLE } from './worker-bundle.js';

/** The most threads a pool runs. */
export const MAX_THREADS = 64;
const MAX_DATA_BYTES = 2 ** 31;
/** How long a starting worker may take to report ready. */
const START_TIMEOUT_MS = 30_000;

/** A growable SharedArrayBuffer (ES2024; Node >= 20, Chrome >= 111, Firefox >= 128, Safari >= 16.4). */
type GrowableShared = SharedArrayBuffer & { grow(bytes: number): void };
type GrowableCtor = new (bytes: number, options: { maxByteLength: number }) => GrowableShared;
// Looked up at use, never at load: pages that are not cross-origin isolated have no
// SharedArrayBuffer at all, and merely importing the library must still work there.
const growableShared = (bytes: number, maxByteLength: number): GrowableShared =>
  new (SharedArrayBuffer as unknown as GrowableCtor)(bytes, { maxByteLength });

interface WorkerLike {
  postMessage(message: unknown): void;
  terminate(): unknown;
}

/** Why threads are or are not available here; null when they are. */
export function threadsUnavailable(): string | null {
  if (typeof SharedArrayBuffer === 'undefined')
    return 'SharedArrayBuffer is not available (in browsers: the page is not cross-origin isolated)';
  if (typeof Atomics === 'undefined' || typeof Atomics.wait !== 'function') return 'Atomics.wait is not available';
  if (typeof (SharedArrayBuffer.prototype as { grow?: unknown }).grow !== 'function') return 'growable SharedArrayBuffer is not available';
  const g = globalThis as { document?: unknown; crossOriginIsolated?: boolean; process?: { versions?: { node?: string } } };
  if (g.process?.versions?.node === undefined) {
    if (g.crossOriginIsolated !== true) return 'the page is not cross-origin isolated';
    if (g.document !== undefined) return "a browser's main thread may not block (run meanfield in a Web Worker to use threads)";
  }
  return null;
}

/** The number of cores: os.availableParallelism() in Node, navigator.hardwareConcurrency in browsers. */
export async function defaultThreads(): Promise<number> {
  if (threadsUnavailable() !== null) return 1;
  const g = globalThis as { process?: { versions?: { node?: string } }; navigator?: { hardwareConcurrency?: number } };
  if (g.process?.versions?.node !== undefined) {
    const os = (await import(/* @vite-ignore */ nodeModule('os'))) as { availableParallelism?: () => number; cpus: () => unknown[] };
    return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  }
  return Math.max(1, g.navigator?.hardwareConcurrency ?? 1);
}

/** 'node:' + name, built at run time so browser bundlers do not try to resolve it. */
function nodeModule(name: string): string {
  return ['node', name].join(':');
}

async function spawn(): Promise<{ worker: WorkerLike; ready: (index: number) => Promise<void> }> {
  const g = globalThis as { process?: { versions?: { node?: string } } };
  if (g.process?.versions?.node !== undefined) {
    const { Worker } = (await import(/* @vite-ignore */ nodeModule('worker_threads'))) as typeof import('node:worker_threads');
    // The worker's bundle is a script: drop the flags that would evaluate it as the parent's
    // -e / -p code or as a module (node -e, node --input-type=module).
    const execArgv: string[] = [];
    const parent = (globalThis as { process?: { execArgv?: string[] } }).process?.execArgv ?? [];
    for (let i = 0; i < parent.length; i++) {
      const a = parent[i];
      if (a === '-e' || a === '--eval' || a === '-p' || a === '--print') {
        i++;
        continue;
      }
      if (a.startsWith('--input-type') || a.startsWith('--eval=') || a.startsWith('--print=')) continue;
      execArgv.push(a);
    }
    const worker = new Worker(WORKER_BUNDLE, { eval: true, execArgv });
    worker.unref(); // an idle pool never keeps the process alive
    return {
      worker,
      ready: (index) =>
        new Promise<void>((resolve, reject) => {
          // A worker that never answers must not hang init: give up after START_TIMEOUT_MS.
          const timer = setTimeout(
            () => reject(new WasmError(`worker ${index} did not start within ${START_TIMEOUT_MS} ms`)),
            START_TIMEOUT_MS,
          );
          (timer as { unref?: () => void }).unref?.();
          worker.once('message', (m: { type: string; index: number }) => {
            clearTimeout(timer);
            if (m.type === 'ready' && m.index === index) resolve();
            else reject(new WasmError(`worker ${index} sent ${JSON.stringify(m)}`));
          });
          worker.once('error', (e) => {
            clearTimeout(timer);
            reject(new WasmError(`worker ${index} failed to start: ${e.message}`));
          });
        }),
    };
  }
  const url = URL.createObjectURL(new Blob([WORKER_BUNDLE], { type: 'text/javascript' }));
  const worker = new Worker(url);
  return {
    worker,
    ready: (index) =>
      new Promise((resolve, reject) => {
        worker.addEventListener(
          'message',
          (e: MessageEvent) => {
            if (e.data?.type === 'ready' && e.data.index === index) resolve();
          },
          { once: true },
        );
        worker.addEventListener('error', (e: ErrorEvent) => reject(new WasmError(`worker ${index} failed to start: ${e.message}`)), {
          once: true,
        });
      }),
  };
}

export class Pool implements SharedWriter {
  readonly control = new SharedArrayBuffer(4 * CONTROL_WORDS);
  readonly ctrl = new Int32Array(this.control);
  readonly params = new SharedArrayBuffer(8 * PARAMS);
  readonly param = new Float64Array(this.params);
  readonly data = growableShared(1 << 16, MAX_DATA_BYTES);
  private readonly workers: WorkerLike[] = [];
  private top = 0;

  private constructor(readonly threads: number) {}

  /** Starts threads - 1 workers running the compiled core. */
  static async start(module: WebAssembly.Module, threads: number): Promise<Pool> {
    const pool = new Pool(Math.min(threads, MAX_THREADS));
    try {
      for (let index = 1; index < pool.threads; index++) {
        const { worker, ready } = await spawn();
        pool.workers.push(worker);
        const started = ready(index);
        worker.postMessage({ type: 'start', module, control: pool.control, params: pool.params, data: pool.data, index });
        await started;
      }
    } catch (e) {
      pool.close();
      throw e;
    }
    return pool;
  }

  /** Starts a layout of the data buffer; offsets are in f64 units. */
  reset(): void {
    this.top = 0;
  }

  /** Copies a into the data buffer, returning its f64 offset (distinct for every put, even of nothing). */
  put(a: ArrayLike<number>): number {
    const at = this.reserve(a.length);
    new Float64Array(this.data, at * 8, a.length).set(a);
    return at;
  }

  /** Reserves len f64 for outputs. */
  reserve(len: number): number {
    const at = this.top;
    this.top += Math.max(2, len + (len & 1)); // keep 16-byte alignment
    this.ensure(this.top * 8);
    return at;
  }

  view(offset: number, len: number): Float64Array {
    return new Float64Array(this.data, offset * 8, len);
  }

  private ensure(bytes: number): void {
    if (bytes <= this.data.byteLength) return;
    if (bytes > MAX_DATA_BYTES) throw new WasmError(`a threaded call needs ${bytes} bytes of shared memory, more than ${MAX_DATA_BYTES}`);
    this.data.grow(Math.min(MAX_DATA_BYTES, Math.max(bytes, 2 * this.data.byteLength)));
  }

  /**
   * Wakes every worker on the job described in the control words, with rows [0, rows) handed
   * out in chunks (see chunking); own(next) runs on this thread, taking chunks from next() until
   * it returns null. Returns once all workers are done, with the ranges the workers computed
   * (their results are in shared memory; this thread's went wherever own() put them).
   */
  run(rows: number, align: number, own: (next: () => [number, number] | null) => void): Array<[number, number]> {
    const ctrl = this.ctrl;
    const { chunk, chunks } = chunking(rows, this.threads, align);
    ctrl[C.ROWS] = rows;
    ctrl[C.CHUNK] = chunk;
    ctrl[C.CHUNKS] = chunks;
    Atomics.store(ctrl, C.NEXT, 0);
    Atomics.store(ctrl, C.ERROR, 0);
    Atomics.store(ctrl, C.PENDING, this.threads - 1);
    Atomics.add(ctrl, C.SEQ, 1);
    Atomics.notify(ctrl, C.SEQ);
    const mine = new Uint8Array(chunks);
    try {
      own(
        chunkSource(ctrl, (c) => {
          mine[c] = 1;
        }),
      );
    } finally {
      for (let p = Atomics.load(ctrl, C.PENDING); p !== 0; p = Atomics.load(ctrl, C.PENDING)) Atomics.wait(ctrl, C.PENDING, p);
    }
    if (Atomics.load(ctrl, C.ERROR) !== 0) throw new WasmError('a pool worker failed during a kernel call');
    const theirs: Array<[number, number]> = [];
    for (let c = 0; c < chunks; c++) if (mine[c] === 0) theirs.push(chunkRows(c, chunk, chunks, rows));
    return theirs;
  }

  close(): void {
    Atomics.store(this.ctrl, C.OP, OP.EXIT);
    Atomics.add(this.ctrl, C.SEQ, 1);
    Atomics.notify(this.ctrl, C.SEQ);
    for (const w of this.workers) w.terminate();
    this.workers.length = 0;
  }
}
