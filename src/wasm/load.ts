// Loading the embedded Wasm core (base64 in binary.ts, its own module dist/wasm.js in the
// package: see tsup.config.ts). The pool's workers get the compiled module from here by message.
import { WASM_BASE64 } from './binary.js';
import { WasmError } from '../errors.js';
import type { CoreExports } from './core.js';

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const bin = atob(text);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/** Compiles and instantiates the embedded module (the module too, for pool workers). The ABI imports nothing. */
export async function instantiateCore(): Promise<{ core: CoreExports; module: WebAssembly.Module }> {
  if (typeof WebAssembly === 'undefined') throw new WasmError('this JavaScript engine has no WebAssembly');
  const bytes = decodeBase64(WASM_BASE64);
  if (!WebAssembly.validate(bytes)) {
    throw new WasmError(
      'this engine cannot run the meanfield core: it needs WebAssembly SIMD (Node >= 16.4, Chrome >= 91, Firefox >= 89, Safari >= 16.4)',
    );
  }
  const module = await WebAssembly.compile(bytes);
  const instance = await WebAssembly.instantiate(module, {});
  return { core: instance.exports as unknown as CoreExports, module };
}
