// meanfield: mean-field particle dynamics on a WebAssembly SIMD core.
export { init, wasmMemoryBytes } from './backend/index.js';
export type { InitOptions, InitInfo, BackendName, Precision, Score } from './backend/index.js';
export { MeanfieldError, InvalidArgumentError, NotInitializedError, WasmError, NonFiniteError } from './errors.js';
export { Measure } from './measure.js';
export type { Space } from './measure.js';
export { Random } from './random.js';
export { logSumExp, softmaxMean, interactionEnergy } from './logsumexp.js';
export type { KernelOptions, MeanOptions, EnergyOptions } from './logsumexp.js';
export type { PointsInput } from './points.js';
