// Lane-generic SIMD helpers. T is f64 (f64x2) or f32 (f32x4); the branches on
// sizeof<T>() are resolved at compile time, so one kernel body serves both precisions.
import { expF64x2, expF32x4 } from './exp';

@inline export function lanes<T>(): i32 {
  return 16 / <i32>sizeof<T>();
}

@inline export function vsplat<T>(x: f64): v128 {
  if (sizeof<T>() == 8) return f64x2.splat(x);
  return f32x4.splat(<f32>x);
}

@inline export function vload<T>(p: usize): v128 {
  return v128.load(p);
}

@inline export function vloadSplat<T>(p: usize): v128 {
  if (sizeof<T>() == 8) return v128.load64_splat(p);
  return v128.load32_splat(p);
}

@inline export function vadd<T>(a: v128, b: v128): v128 {
  if (sizeof<T>() == 8) return f64x2.add(a, b);
  return f32x4.add(a, b);
}

@inline export function vsub<T>(a: v128, b: v128): v128 {
  if (sizeof<T>() == 8) return f64x2.sub(a, b);
  return f32x4.sub(a, b);
}

@inline export function vmul<T>(a: v128, b: v128): v128 {
  if (sizeof<T>() == 8) return f64x2.mul(a, b);
  return f32x4.mul(a, b);
}

/** Lane-wise max that maps to one instruction (pmax); -inf is its identity. */
@inline export function vmax<T>(a: v128, b: v128): v128 {
  if (sizeof<T>() == 8) return f64x2.pmax(a, b);
  return f32x4.pmax(a, b);
}

@inline export function vexp<T>(x: v128): v128 {
  if (sizeof<T>() == 8) return expF64x2(x);
  return expF32x4(x);
}

/** Sum of the lanes, in f64. */
@inline export function hsum<T>(a: v128): f64 {
  if (sizeof<T>() == 8) return f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1);
  return <f64>f32x4.extract_lane(a, 0) + <f64>f32x4.extract_lane(a, 1) +
    (<f64>f32x4.extract_lane(a, 2) + <f64>f32x4.extract_lane(a, 3));
}

/** Max of the lanes, in f64. */
@inline export function hmax<T>(a: v128): f64 {
  if (sizeof<T>() == 8) return Math.max(f64x2.extract_lane(a, 0), f64x2.extract_lane(a, 1));
  return <f64>Mathf.max(
    Mathf.max(f32x4.extract_lane(a, 0), f32x4.extract_lane(a, 1)),
    Mathf.max(f32x4.extract_lane(a, 2), f32x4.extract_lane(a, 3)));
}

/** Lanes with index >= count set to -inf (count in 0..lanes). */
@inline export function maskTail<T>(a: v128, count: i32): v128 {
  if (sizeof<T>() == 8) {
    const idx = f64x2(0, 1);
    return v128.bitselect(a, f64x2.splat(-Infinity), f64x2.lt(idx, f64x2.splat(<f64>count)));
  }
  const idx = f32x4(0, 1, 2, 3);
  return v128.bitselect(a, f32x4.splat(-Infinity), f32x4.lt(idx, f32x4.splat(<f32>count)));
}

@inline export function vdiv<T>(a: v128, b: v128): v128 {
  if (sizeof<T>() == 8) return f64x2.div(a, b);
  return f32x4.div(a, b);
}

@inline export function vabs<T>(a: v128): v128 {
  if (sizeof<T>() == 8) return f64x2.abs(a);
  return f32x4.abs(a);
}

/** All-ones lanes where a > b. */
@inline export function vgt<T>(a: v128, b: v128): v128 {
  if (sizeof<T>() == 8) return f64x2.gt(a, b);
  return f32x4.gt(a, b);
}

/** All-ones lanes where a < b. */
@inline export function vlt<T>(a: v128, b: v128): v128 {
  if (sizeof<T>() == 8) return f64x2.lt(a, b);
  return f32x4.lt(a, b);
}
