// The flat ABI: pointers into this module's memory, sizes and scalars. Nothing here knows
// about measures or flows. The host lays its arrays out from heapBase() upward and grows
// memory itself; the stub runtime never allocates.
import { packKeys, packSegments, segmentSlots, reduce, workBytes } from './kernels/softmax';
import { expF64x2, expF32x4 } from './simd/exp';
import { paddedNeurons, packNeurons, forward, backward, backwardWorkBytes } from './kernels/twolayer';

export function heapBase(): usize {
  return __heap_base;
}

export function workBytesF64(k: i32): i32 { return workBytes<f64>(k); }
export function workBytesF32(k: i32): i32 { return workBytes<f32>(k); }

export function packKeysF64(y: usize, m: i32, d: i32, h: usize, v: usize, k: i32, soa: usize, seg: usize, S: i32, poff: usize): void {
  packKeys<f64>(y, m, d, h, v, k, soa, seg, S, poff);
}
export function packKeysF32(y: usize, m: i32, d: i32, h: usize, v: usize, k: i32, soa: usize, seg: usize, S: i32, poff: usize): void {
  packKeys<f32>(y, m, d, h, v, k, soa, seg, S, poff);
}

/** Writes each segment's first key slot to poff (S + 1 i32) without packing; returns the total slots. */
export function segmentSlotsF64(seg: usize, S: i32, poff: usize): i32 { return segmentSlots<f64>(seg, S, poff); }
export function segmentSlotsF32(seg: usize, S: i32, poff: usize): i32 { return segmentSlots<f32>(seg, S, poff); }
/** Packs segments [s0, s1) into the layout segmentSlots wrote (what packKeys writes for them). */
export function packSegmentsF64(
  y: usize, d: i32, h: usize, v: usize, k: i32, soa: usize, seg: usize, S: i32, poff: usize, s0: i32, s1: i32,
): void {
  packSegments<f64>(y, d, h, v, k, soa, seg, S, poff, s0, s1);
}
export function packSegmentsF32(
  y: usize, d: i32, h: usize, v: usize, k: i32, soa: usize, seg: usize, S: i32, poff: usize, s0: i32, s1: i32,
): void {
  packSegments<f32>(y, d, h, v, k, soa, seg, S, poff, s0, s1);
}

/**
 * Rows [i0, i1) of the reduction (kernels/softmax.ts reduce). Segments: S > 0 offsets at seg,
 * slots at poff. Block mask: Q > 0 blocks, row offsets at brows (Q + 1 i32), range offsets at
 * bptr (Q + 1 i32), ranges at branges (i32 pairs); keys packed with S = 0. Q = S = 0: dense.
 */
export function reduceF64(
  x: usize, i0: i32, i1: i32, soa: usize, m: i32, d: i32, k: i32, beta: f64, score: i32, mask: i32,
  lse: usize, mean: usize, work: usize, seg: usize, S: i32, poff: usize,
  brows: usize, Q: i32, bptr: usize, branges: usize,
): void {
  reduce<f64>(x, i0, i1, soa, m, d, k, beta, score, mask, lse, mean, work, seg, S, poff, brows, Q, bptr, branges);
}
export function reduceF32(
  x: usize, i0: i32, i1: i32, soa: usize, m: i32, d: i32, k: i32, beta: f64, score: i32, mask: i32,
  lse: usize, mean: usize, work: usize, seg: usize, S: i32, poff: usize,
  brows: usize, Q: i32, bptr: usize, branges: usize,
): void {
  reduce<f32>(x, i0, i1, soa, m, d, k, beta, score, mask, lse, mean, work, seg, S, poff, brows, Q, bptr, branges);
}

/** out[i] = exp(x[i]) through the kernel's vector exp; n must be a multiple of 2 (the host pads). */
export function expArrayF64(x: usize, n: i32, out: usize): void {
  for (let i = 0; i < n; i += 2) v128.store(out + <usize>i * 8, expF64x2(v128.load(x + <usize>i * 8)));
}
/** out[i] = exp(x[i]) in f32; n must be a multiple of 4 (the host pads). */
export function expArrayF32(x: usize, n: i32, out: usize): void {
  for (let i = 0; i < n; i += 4) v128.store(out + <usize>i * 4, expF32x4(v128.load(x + <usize>i * 4)));
}

// Two-layer network sums (kernels/twolayer.ts).
export function paddedNeuronsF64(m: i32): i32 { return paddedNeurons<f64>(m); }
export function paddedNeuronsF32(m: i32): i32 { return paddedNeurons<f32>(m); }
export function twoLayerWorkBytes(d: i32): i32 { return backwardWorkBytes(d); }
export function packNeuronsF64(theta: usize, omega: usize, m: i32, d: i32, soa: usize): void { packNeurons<f64>(theta, omega, m, d, soa); }
export function packNeuronsF32(theta: usize, omega: usize, m: i32, d: i32, soa: usize): void { packNeurons<f32>(theta, omega, m, d, soa); }
export function forwardF64(x: usize, i0: i32, i1: i32, soa: usize, m: i32, d: i32, act: i32, out: usize): void {
  forward<f64>(x, i0, i1, soa, m, d, act, out);
}
export function forwardF32(x: usize, i0: i32, i1: i32, soa: usize, m: i32, d: i32, act: i32, out: usize): void {
  forward<f32>(x, i0, i1, soa, m, d, act, out);
}
export function backwardF64(
  x: usize, r: usize, n: i32, soa: usize, m: i32, j0: i32, j1: i32, d: i32, act: i32, grad: usize, work: usize,
): void {
  backward<f64>(x, r, n, soa, m, j0, j1, d, act, grad, work);
}
export function backwardF32(
  x: usize, r: usize, n: i32, soa: usize, m: i32, j0: i32, j1: i32, d: i32, act: i32, grad: usize, work: usize,
): void {
  backward<f32>(x, r, n, soa, m, j0, j1, d, act, grad, work);
}
