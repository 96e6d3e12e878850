// Backend selection, the one-time initialisation of the Wasm core and its worker pool.
import { NotInitializedError, InvalidArgumentError } from '../errors.js';
import { optionsSchema, rule, type OptionRule } from '../options.js';
import { instantiateCore } from '../wasm/load.js';
import { defaultThreads, MAX_THREADS, Pool, threadsUnavailable } from '../wasm/pool.js';
import { jsBackend } from './js.js';
import { createWasmBackend, type WasmBackend } from './wasm.js';
import type { Backend, BackendName } from './types.js';

export type { Backend, BackendName, Precision, Score, ReduceArgs, KernelMask, BlockMask, Activation, TwoLayerArgs } from './types.js';
export { rowMask } from './mask.js';
export { jsBackend } from './js.js';

let wasm: WasmBackend | null = null;
let module: WebAssembly.Module | null = null;
let loading: Promise<void> | null = null;
let preferred: BackendName = 'wasm';
let note: string | undefined;
/** Pool (re)sizing runs one call at a time: concurrent init calls queue here, so none leaks a pool. */
let resizing: Promise<unknown> = Promise.resolve();

/** `threads` above this multiple of the cores is capped (InitInfo.note says so). */
export const THREADS_PER_CORE = 4;

/** Options of {@link init}. */
export interface InitOptions {
  /** Default backend for calls that do not name one. 'wasm' (default) or 'js'. */
  backend?: BackendName;
  /**
   * Threads for the Wasm kernels, the calling thread included. Default: the cores available
   * in Node; in browsers 1, or the cores when the page is cross-origin isolated and meanfield
   * runs in a Web Worker. Results are bit-identical for every thread count. At most
   * THREADS_PER_CORE (4) x the cores (and 64) run; a larger count is capped, and InitInfo.note says so.
   */
  threads?: number;
}

export const INIT_SCHEMA = optionsSchema<InitOptions>()({
  backend: backendRule('default backend for calls that do not name one, from now on; omitted: unchanged (first call: wasm)'),
  threads: rule.integer(
    1,
    'threads for the Wasm kernels, the calling thread included; omitted: the cores on first use, else unchanged; at most ' +
      'THREADS_PER_CORE ' +
      'x the cores',
  ),
});

/** What {@link init} set up. */
export interface InitInfo {
  /** Default backend for calls that do not name one. */
  backend: BackendName;
  /** Threads the Wasm kernels use (1: the calling thread only). */
  threads: number;
  /** Whether the Wasm kernels use 128-bit SIMD (always true: the core is built with SIMD). */
  simd: boolean;
  /** 'shared-memory' when a worker pool is running (SharedArrayBuffer + Atomics), else 'none'. */
  parallelism: 'shared-memory' | 'none';
  /** Why fewer threads than asked for run, if so. */
  note?: string;
}

/**
 * Loads the Wasm core once and (re)sizes the worker pool. Idempotent: later and concurrent
 * calls share the first instantiation; a call with a different `threads` restarts the pool
 * (concurrent calls run one after another, the last one's count wins, and no pool leaks).
 * `threads` beyond THREADS_PER_CORE x the cores is capped, and a worker that cannot start
 * never makes init fail: it runs on one thread and `note` says why.
 * @throws InvalidArgumentError for bad options (UnknownOptionError for an unknown key); WasmError
 *   when the Wasm core itself cannot be loaded.
 */
export async function init(options?: InitOptions): Promise<InitInfo> {
  const o = INIT_SCHEMA.read('init', options);
  if (o.backend !== undefined) preferred = o.backend;
  if (wasm === null) {
    loading ??= instantiateCore().then(
      (loaded) => {
        wasm = createWasmBackend(loaded.core);
        module = loaded.module;
      },
      (err) => {
        loading = null;
        throw err;
      },
    );
    await loading;
  }
  const w = wasm!;
  const asked = o.threads;
  const job = resizing.then(() => resize(w, asked));
  resizing = job.catch(() => undefined);
  await job;
  const threads = w.pool?.threads ?? 1;
  const info: InitInfo = { backend: preferred, threads, simd: true, parallelism: threads > 1 ? 'shared-memory' : 'none' };
  if (note !== undefined) info.note = note;
  return info;
}

/** Sizes the pool for `asked` threads (undefined: the cores on first use, else unchanged); one call at a time. */
async function resize(w: WasmBackend, asked: number | undefined): Promise<void> {
  const current = w.pool?.threads ?? 1;
  const cores = await defaultThreads();
  let wanted = asked ?? (w.pool === null ? cores : current);
  note = asked !== undefined ? undefined : note;
  const cap = Math.min(MAX_THREADS, Math.max(1, cores) * THREADS_PER_CORE);
  const why = wanted > 1 ? threadsUnavailable() : null;
  if (why !== null) {
    note = `running on 1 thread instead of ${wanted}: ${why}`;
    wanted = 1;
  } else if (wanted > cap) {
    note =
      `running on ${cap} threads instead of ${wanted}: capped at ${THREADS_PER_CORE} x the ${cores} cores (and at most ` +
      `${MAX_THREADS})`;
    wanted = cap;
  }
  if (wanted === current) return;
  w.pool?.close();
  w.pool = null;
  if (wanted <= 1) return;
  try {
    w.pool = await Pool.start(module!, wanted);
  } catch (e) {
    // A worker that cannot start costs the threads, never the library: run on this thread.
    w.pool = null;
    note = `running on 1 thread instead of ${wanted}: a worker could not start (${e instanceof Error ? e.message : String(e)})`;
  }
}

/** The rule of a `backend` option: 'wasm' or 'js' (null and other names refused, as backendFor refuses them). */
export function backendRule(doc: string): OptionRule<BackendName> {
  return rule.custom(`${doc} ('wasm' or 'js')`, (name, value) => {
    if (value !== 'wasm' && value !== 'js') throw new InvalidArgumentError(name, value, "must be 'wasm' or 'js'");
    return value;
  });
}

/** The backend a call should use: the one it names, else the one init() chose. */
export function backendFor(name: BackendName | undefined, what: string): Backend {
  // null is refused like any other non-name (it never means "the default").
  if (name !== undefined && name !== 'wasm' && name !== 'js') throw new InvalidArgumentError('backend', name, "must be 'wasm' or 'js'");
  const chosen = name ?? preferred;
  if (chosen === 'js') return jsBackend;
  if (chosen !== 'wasm') throw new InvalidArgumentError('backend', chosen, "must be 'wasm' or 'js'");
  if (wasm === null) throw new NotInitializedError(what);
  return wasm;
}

/** Bytes of Wasm memory currently reserved on the calling thread (0 before init). */
export function wasmMemoryBytes(): number {
  return wasm === null ? 0 : wasm.memoryBytes;
}
