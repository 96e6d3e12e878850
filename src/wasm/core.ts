// The Wasm core's flat ABI and the bump layout of its memory: what the calling thread
// (src/backend/wasm.ts) and each pool worker (worker.ts) share. Loading the module is load.ts.
import { WasmError } from '../errors.js';

/** The flat ABI exported by assembly/index.ts. Pointers are byte offsets into memory. */
/** The streaming reduction over rows [i0, i1), one export per precision (pointers into Wasm memory; see reduceF64). */
type ReduceExport = (
  x: number,
  i0: number,
  i1: number,
  soa: number,
  m: number,
  d: number,
  k: number,
  beta: number,
  score: number,
  mask: number,
  lse: number,
  mean: number,
  work: number,
  seg: number,
  S: number,
  poff: number,
  brows: number,
  Q: number,
  bptr: number,
  branges: number,
) => void;

/** packSegmentsF64 / packSegmentsF32: one signature for both precisions. */
type PackSegmentsExport = (
  y: number,
  d: number,
  h: number,
  v: number,
  k: number,
  soa: number,
  seg: number,
  S: number,
  poff: number,
  s0: number,
  s1: number,
) => void;

export interface CoreExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  workBytesF64(k: number): number;
  workBytesF32(k: number): number;
  /** seg: S + 1 i32 segment offsets (S = 0: none); poff: S + 1 i32, written: each segment's first key slot. */
  packKeysF64(y: number, m: number, d: number, h: number, v: number, k: number, soa: number, seg: number, S: number, poff: number): void;
  packKeysF32(y: number, m: number, d: number, h: number, v: number, k: number, soa: number, seg: number, S: number, poff: number): void;
  /** Each segment's first key slot into poff (S + 1 i32), nothing packed; returns the total slots. */
  segmentSlotsF64(seg: number, S: number, poff: number): number;
  segmentSlotsF32(seg: number, S: number, poff: number): number;
  /** Packs segments [s0, s1) into the layout segmentSlots wrote (byte for byte what packKeys writes for them). */
  packSegmentsF64: PackSegmentsExport;
  packSegmentsF32: PackSegmentsExport;
  /**
   * Rows [i0, i1). Segments: S > 0 offsets at seg, slots at poff. Block mask: Q > 0 blocks with
   * Q + 1 i32 row offsets at brows, Q + 1 i32 range offsets at bptr, i32 pairs [start, end) at
   * branges; keys packed with S = 0 and one zero vector after the SoA. Q = S = 0: dense.
   */
  reduceF64: ReduceExport;
  reduceF32: ReduceExport;
  expArrayF64(x: number, n: number, out: number): void;
  expArrayF32(x: number, n: number, out: number): void;
  paddedNeuronsF64(m: number): number;
  paddedNeuronsF32(m: number): number;
  twoLayerWorkBytes(d: number): number;
  packNeuronsF64(theta: number, omega: number, m: number, d: number, soa: number): void;
  packNeuronsF32(theta: number, omega: number, m: number, d: number, soa: number): void;
  forwardF64(x: number, i0: number, i1: number, soa: number, m: number, d: number, act: number, out: number): void;
  forwardF32(x: number, i0: number, i1: number, soa: number, m: number, d: number, act: number, out: number): void;
  backwardF64(
    x: number,
    r: number,
    n: number,
    soa: number,
    m: number,
    j0: number,
    j1: number,
    d: number,
    act: number,
    grad: number,
    work: number,
  ): void;
  backwardF32(
    x: number,
    r: number,
    n: number,
    soa: number,
    m: number,
    j0: number,
    j1: number,
    d: number,
    act: number,
    grad: number,
    work: number,
  ): void;
}

const PAGE = 65536;

/**
 * A bump layout over the module's memory, reset at every call: each call asks for the
 * bytes it needs from heapBase upward, memory grows only when a call needs more than
 * any call before it, and repeated calls reuse the same space. Whole-memory views are
 * cached and remade only after the memory grew, so they are never stale.
 */
export class Arena {
  private readonly base: number;
  private top: number;
  private buffer: ArrayBuffer;
  private size: number;
  /** Views of the whole memory (valid until the next alloc that grows it). */
  F64: Float64Array;
  F32: Float32Array;
  I32: Int32Array;

  constructor(private readonly core: CoreExports) {
    this.base = align(core.heapBase());
    this.top = this.base;
    this.buffer = core.memory.buffer;
    this.size = this.buffer.byteLength;
    this.F64 = new Float64Array(this.buffer);
    this.F32 = new Float32Array(this.buffer);
    this.I32 = new Int32Array(this.buffer);
  }

  /** Starts a new layout; previous pointers become invalid. */
  reset(): void {
    this.top = this.base;
  }

  /** Reserves bytes (16-byte aligned) and returns their offset; grows memory as needed. */
  alloc(bytes: number): number {
    const ptr = this.top;
    this.top = align(ptr + bytes);
    if (this.top > this.size) this.grow();
    return ptr;
  }

  private grow(): void {
    const need = this.top - this.core.memory.buffer.byteLength;
    if (need > 0) {
      try {
        this.core.memory.grow(Math.ceil(need / PAGE));
      } catch (e) {
        throw new WasmError(`could not grow Wasm memory to ${this.top} bytes: ${(e as Error).message}`);
      }
    }
    this.buffer = this.core.memory.buffer;
    this.size = this.buffer.byteLength;
    this.F64 = new Float64Array(this.buffer);
    this.F32 = new Float32Array(this.buffer);
    this.I32 = new Int32Array(this.buffer);
  }

  f64(ptr: number, length: number): Float64Array {
    return new Float64Array(this.core.memory.buffer, ptr, length);
  }

  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.core.memory.buffer, ptr, length);
  }

  get byteLength(): number {
    return this.core.memory.buffer.byteLength;
  }
}

function align(n: number): number {
  return (n + 15) & ~15;
}
