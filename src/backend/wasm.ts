// The Wasm backend: copies arguments into the core's memory, calls the flat ABI, copies
// results out. Scratch space is laid out anew from the heap base at every call.
import { Arena, type CoreExports } from '../wasm/core.js';
import type { Activation, Backend, Precision, ReduceArgs, TwoLayerArgs } from './types.js';

const ACTIVATION: Record<Activation, number> = { relu: 0, tanh: 1, sigmoid: 2 };

export function createWasmBackend(core: CoreExports): Backend & { readonly memoryBytes: number } {
  const arena = new Arena(core);

  /** Writes a Float64Array into memory at ptr in the chosen precision. */
  function put(ptr: number, a: Float64Array, f32: boolean): void {
    if (f32) arena.f32(ptr, a.length).set(a);
    else arena.f64(ptr, a.length).set(a);
  }

  /** Copies samples and packed neurons in; reserves the outputs of one forward or backward call. */
  function layoutTwoLayer(a: TwoLayerArgs, backward: boolean) {
    const f32 = a.precision === 'f32';
    const size = f32 ? 4 : 8;
    const mPad = f32 ? core.paddedNeuronsF32(a.m) : core.paddedNeuronsF64(a.m);
    arena.reset();
    const px = arena.alloc(a.n * a.d * size);
    const ptheta = arena.alloc(a.m * (a.d + 2) * size);
    const pomega = arena.alloc(a.m * size);
    const psoa = arena.alloc((a.d + 3) * mPad * size);
    const pout = backward ? 0 : arena.alloc(a.n * 8);
    const pr = backward ? arena.alloc(a.n * size) : 0;
    const pgrad = backward ? arena.alloc(a.m * (a.d + 2) * 8) : 0;
    const pwork = backward ? arena.alloc(core.twoLayerWorkBytes(a.d)) : 0;
    put(px, a.x.subarray(0, a.n * a.d), f32);
    put(ptheta, a.theta.subarray(0, a.m * (a.d + 2)), f32);
    put(pomega, a.weights.subarray(0, a.m), f32);
    if (f32) core.packNeuronsF32(ptheta, pomega, a.m, a.d, psoa);
    else core.packNeuronsF64(ptheta, pomega, a.m, a.d, psoa);
    return { f32, pointers: { px, psoa, pout, pr, pgrad, pwork } };
  }

  return {
    name: 'wasm',

    get memoryBytes(): number {
      return arena.byteLength;
    },

    softmaxReduce(a: ReduceArgs): void {
      const f32 = a.precision === 'f32';
      const size = f32 ? 4 : 8;
      const k = a.values === null ? 0 : a.k;
      arena.reset();
      const px = arena.alloc(a.n * a.d * size);
      const py = arena.alloc(a.m * a.d * size);
      const ph = a.logWeights === null ? 0 : arena.alloc(a.m * size);
      const pv = k === 0 ? 0 : arena.alloc(a.m * k * size);
      const mPad = f32 ? core.paddedKeysF32(a.m) : core.paddedKeysF64(a.m);
      const psoa = arena.alloc((a.d + 1 + k) * mPad * size);
      const plse = arena.alloc(a.n * 8);
      const pmean = k === 0 ? 0 : arena.alloc(a.n * k * 8);
      const pwork = arena.alloc(f32 ? core.workBytesF32(k) : core.workBytesF64(k));
      // Views only now: every alloc above may have grown (and detached) the buffer.
      put(px, a.x, f32);
      put(py, a.y, f32);
      if (a.logWeights !== null) put(ph, a.logWeights, f32);
      if (k !== 0) put(pv, a.values!, f32);
      const score = a.score === 'sqdist' ? 1 : 0;
      if (f32) {
        core.packKeysF32(py, a.m, a.d, ph, pv, k, psoa);
        core.reduceF32(px, 0, a.n, psoa, a.m, a.d, k, a.beta, score, a.causal ? 1 : 0, plse, pmean, pwork);
      } else {
        core.packKeysF64(py, a.m, a.d, ph, pv, k, psoa);
        core.reduceF64(px, 0, a.n, psoa, a.m, a.d, k, a.beta, score, a.causal ? 1 : 0, plse, pmean, pwork);
      }
      a.lse.set(arena.f64(plse, a.n));
      if (k !== 0 && a.mean !== null) a.mean.set(arena.f64(pmean, a.n * k));
    },

    twoLayerForward(a: TwoLayerArgs, out: Float64Array): void {
      const { f32, pointers } = layoutTwoLayer(a, false);
      const { px, psoa, pout } = pointers;
      if (f32) core.forwardF32(px, 0, a.n, psoa, a.m, a.d, ACTIVATION[a.activation], pout);
      else core.forwardF64(px, 0, a.n, psoa, a.m, a.d, ACTIVATION[a.activation], pout);
      out.set(arena.f64(pout, a.n));
    },

    twoLayerBackward(a: TwoLayerArgs, r: Float64Array, grad: Float64Array): void {
      const { f32, pointers } = layoutTwoLayer(a, true);
      const { px, psoa, pr, pgrad, pwork } = pointers;
      put(pr, r.subarray(0, a.n), f32);
      const act = ACTIVATION[a.activation];
      if (f32) core.backwardF32(px, pr, a.n, psoa, a.m, 0, a.m, a.d, act, pgrad, pwork);
      else core.backwardF64(px, pr, a.n, psoa, a.m, 0, a.m, a.d, act, pgrad, pwork);
      grad.set(arena.f64(pgrad, a.m * (a.d + 2)));
    },

    exp(x: Float64Array, precision: Precision): Float64Array {
      const f32 = precision === 'f32';
      const lanes = f32 ? 4 : 2;
      const n = Math.ceil(x.length / lanes) * lanes;
      const size = f32 ? 4 : 8;
      arena.reset();
      const pin = arena.alloc(n * size);
      const pout = arena.alloc(n * size);
      put(pin, x, f32);
      if (f32) core.expArrayF32(pin, n, pout);
      else core.expArrayF64(pin, n, pout);
      return Float64Array.from(f32 ? arena.f32(pout, x.length) : arena.f64(pout, x.length));
    },
  };
}
