// Backend selection and the one-time initialisation of the Wasm core.
import { NotInitializedError, InvalidArgumentError } from '../errors.js';
import { instantiateCore } from '../wasm/core.js';
import { jsBackend } from './js.js';
import { createWasmBackend } from './wasm.js';
import type { Backend, BackendName } from './types.js';

export type { Backend, BackendName, Precision, Score, ReduceArgs, Activation, TwoLayerArgs } from './types.js';
export { jsBackend } from './js.js';

let wasm: (Backend & { readonly memoryBytes: number }) | null = null;
let loading: Promise<void> | null = null;
let preferred: BackendName = 'wasm';

export interface InitOptions {
  /** Default backend for calls that do not name one. 'wasm' (default) or 'js'. */
  backend?: BackendName;
}

export interface InitInfo {
  backend: BackendName;
  threads: number;
  simd: boolean;
}

/**
 * Loads the Wasm core once. Idempotent: later and concurrent calls share the first
 * instantiation. Resolves to the backend in use.
 */
export async function init(options: InitOptions = {}): Promise<InitInfo> {
  if (options.backend !== undefined && options.backend !== 'wasm' && options.backend !== 'js') {
    throw new InvalidArgumentError('backend', options.backend, "must be 'wasm' or 'js'");
  }
  if (options.backend !== undefined) preferred = options.backend;
  if (wasm === null) {
    loading ??= instantiateCore().then(
      (core) => { wasm = createWasmBackend(core); },
      (err) => { loading = null; throw err; },
    );
    await loading;
  }
  return { backend: preferred, threads: 1, simd: true };
}

/** The backend a call should use: the one it names, else the one init() chose. */
export function backendFor(name: BackendName | undefined, what: string): Backend {
  const chosen = name ?? preferred;
  if (chosen === 'js') return jsBackend;
  if (chosen !== 'wasm') throw new InvalidArgumentError('backend', chosen, "must be 'wasm' or 'js'");
  if (wasm === null) throw new NotInitializedError(what);
  return wasm;
}

/** Bytes of Wasm memory currently reserved (0 before init). */
export function wasmMemoryBytes(): number {
  return wasm === null ? 0 : wasm.memoryBytes;
}
