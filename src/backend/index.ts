// Backend selection, the one-time initialisation of the Wasm core and its worker pool.
import { NotInitializedError, InvalidArgumentError } from '../errors.js';
import { instantiateCore } from '../wasm/core.js';
import { defaultThreads, Pool, threadsUnavailable } from '../wasm/pool.js';
import { jsBackend } from './js.js';
import { createWasmBackend, type WasmBackend } from './wasm.js';
import type { Backend, BackendName } from './types.js';

export type { Backend, BackendName, Precision, Score, ReduceArgs, Activation, TwoLayerArgs } from './types.js';
export { jsBackend } from './js.js';

let wasm: WasmBackend | null = null;
let module: WebAssembly.Module | null = null;
let loading: Promise<void> | null = null;
let preferred: BackendName = 'wasm';
let note: string | undefined;

/** Options of {@link init}. */
export interface InitOptions {
  /** Default backend for calls that do not name one. 'wasm' (default) or 'js'. */
  backend?: BackendName;
  /**
   * Threads for the Wasm kernels, the calling thread included. Default: the cores available
   * in Node; in browsers 1, or the cores when the page is cross-origin isolated and meanfield
   * runs in a Web Worker. Results are bit-identical for every thread count.
   */
  threads?: number;
}

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
 * calls share the first instantiation; a call with a different `threads` restarts the pool.
 */
export async function init(options: InitOptions = {}): Promise<InitInfo> {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', options, 'must be { backend?, threads? }');
  if (options.backend !== undefined && options.backend !== 'wasm' && options.backend !== 'js') {
    throw new InvalidArgumentError('backend', options.backend, "must be 'wasm' or 'js'");
  }
  if (options.threads !== undefined && (typeof options.threads !== 'number' || !Number.isInteger(options.threads) || options.threads < 1)) {
    throw new InvalidArgumentError('threads', options.threads, 'must be an integer >= 1');
  }
  if (options.backend !== undefined) preferred = options.backend;
  if (wasm === null) {
    loading ??= instantiateCore().then(
      (loaded) => { wasm = createWasmBackend(loaded.core); module = loaded.module; },
      (err) => { loading = null; throw err; },
    );
    await loading;
  }
  const w = wasm!;
  const current = w.pool?.threads ?? 1;
  let wanted = options.threads ?? (w.pool === null ? await defaultThreads() : current);
  const why = wanted > 1 ? threadsUnavailable() : null;
  if (why !== null) {
    note = `running on 1 thread instead of ${wanted}: ${why}`;
    wanted = 1;
  } else if (options.threads !== undefined) {
    note = undefined;
  }
  if (wanted !== current) {
    w.pool?.close();
    w.pool = null;
    if (wanted > 1) w.pool = await Pool.start(module!, wanted);
  }
  const threads = w.pool?.threads ?? 1;
  const info: InitInfo = { backend: preferred, threads, simd: true, parallelism: threads > 1 ? 'shared-memory' : 'none' };
  if (note !== undefined) info.note = note;
  return info;
}

/** The backend a call should use: the one it names, else the one init() chose. */
export function backendFor(name: BackendName | undefined, what: string): Backend {
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
