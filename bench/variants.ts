// The variants every suite compares on the same data in one run.
import type { BackendName, Precision } from '../src/index.js';

export const VARIANTS: Array<[string, BackendName, Precision]> = [
  ['wasm f64', 'wasm', 'f64'],
  ['wasm f32', 'wasm', 'f32'],
  ['js f64', 'js', 'f64'],
];
