// A flow is a velocity field on a measure (plus its energy where one exists). Integrators
// in src/simulate only ever call velocity() and the space's retraction.
import type { BackendName, Precision } from '../backend/index.js';
import { InvalidArgumentError } from '../errors.js';
import type { Measure } from '../measure.js';
import type { Space } from '../spaces.js';

/** Per-call kernel options of a flow evaluation. */
export interface EvalOptions {
  /** 'wasm' or 'js'; default: the backend chosen by init() ('wasm' unless set). */
  backend?: BackendName;
  /** Kernel arithmetic precision, 'f64' (default) or 'f32'; inputs and outputs stay Float64Array. */
  precision?: Precision;
}

/**
 * What a flow's velocity receives: the user's EvalOptions plus, from an ensemble driver,
 * `segments` (S+1 row offsets): the points hold S independent systems, and each particle
 * interacts only with its own system's particles (a block-diagonal mask in the kernel).
 */
export interface VelocityOptions extends EvalOptions {
  /** Row offsets of independent systems (segments[0] = 0, segments[S] = n), or null for one system. */
  segments?: Int32Array | null;
  /**
   * One entry per system: when given, the flow may return each system's velocity divided by
   * e^{logScale[s]} and writes logScale[s] (0 where it does not scale). The arc-length clock
   * needs only V's direction and log-size, which survive where V underflows.
   */
  logScale?: Float64Array | null;
}

/**
 * A velocity field V[mu] on a measure, with its energy where one exists; built by attention(),
 * interaction(), circle(), ... and integrated by simulate(). Weights are the measure's, as stored.
 */
export interface Flow {
  /** 'attention', 'interaction', 'circle', ... */
  readonly name: string;
  /** The space the flow moves particles on. */
  readonly space: Space;
  /** The parameters that define the flow (JSON-safe); a checkpoint resumes only the same flow. */
  readonly params: Record<string, unknown>;
  /** Throws a named error unless mu is a measure this flow can move. */
  check(mu: Measure): void;
  /** out <- `V[mu](x_i)` for the n points x (row-major n x d) carrying weights. */
  velocity(x: Float64Array, weights: Float64Array, d: number, out: Float64Array, options?: VelocityOptions): void;
  /** The flow's energy, where it has one. */
  energy?(x: Float64Array, weights: Float64Array, d: number, options?: EvalOptions): number;
  /** log |energy|, finite where the energy overflows; where the flow has one. */
  logEnergy?(x: Float64Array, weights: Float64Array, d: number, options?: EvalOptions): number;
  /** +1: the energy never decreases along the flow; -1: it never increases. */
  readonly energyDirection?: 1 | -1;
  /** What the flow supports beyond velocity(); simulate and simulateMany read it (never the flow's name). Absent: nothing. */
  readonly capabilities?: FlowCapabilities;
}

/**
 * What a flow supports beyond velocity(). Langevin noise is not a flow's: it is simulate's integrator
 * 'euler-maruyama'.
 */
export interface FlowCapabilities {
  /**
   * Particles interact only through the weighted measure, so merging close ones into one particle carrying
   * their weight is the same dynamics (simulate's `collapse`).
   */
  readonly collapse: boolean;
  /** velocity() honours options.segments: independent systems in one call (simulateMany). */
  readonly segments: boolean;
  /**
   * velocity() honours options.logScale: it may return V e^{-logScale} and write logScale, so the arc-length
   * clock keeps V's direction and log-size where V underflows. Without it simulate reads logScale as 0.
   */
  readonly logScale: boolean;
  /** Why a capability is off for this flow (e.g. collapse under a causal mask), quoted by the error that refuses it. */
  readonly reasons?: Readonly<Partial<Record<'collapse' | 'segments' | 'logScale', string>>>;
}

/** Whether the flow declares the capability (a flow without `capabilities` declares none). */
export function capability(flow: Flow, name: 'collapse' | 'segments' | 'logScale'): boolean {
  return flow.capabilities?.[name] === true;
}

/** A d x d matrix from number[][] or a row-major array, checked square. */
export function squareMatrix(name: string, value: unknown): Float64Array | null {
  if (value === undefined || value === null) return null;
  let flat: number[];
  if (Array.isArray(value) && value.every(Array.isArray)) {
    const rows = value as number[][];
    if (rows.some((r) => r.length !== rows.length)) {
      throw new InvalidArgumentError(name, `a ${rows.length}-row matrix with rows of length ${rows.map((r) => r.length).join(', ')}`, 'must be a square d x d matrix');
    }
    flat = rows.flat();
  } else if (ArrayBuffer.isView(value) || Array.isArray(value)) {
    flat = Array.from(value as ArrayLike<number>);
    const d = Math.round(Math.sqrt(flat.length));
    if (d * d !== flat.length) throw new InvalidArgumentError(name, `an array of length ${flat.length}`, 'must be a square d x d matrix (length d*d)');
  } else {
    throw new InvalidArgumentError(name, value, 'must be a d x d matrix (number[][] or a row-major array of length d*d)');
  }
  flat.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidArgumentError(name, v, 'must have finite entries', `at index ${i}`);
  });
  return Float64Array.from(flat);
}

/** Throws InvalidArgumentError unless the matrix m (if any) is d x d. */
export function requireMatrixDim(name: string, m: Float64Array | null, d: number): void {
  if (m !== null && m.length !== d * d) {
    throw new InvalidArgumentError(name, `a ${Math.round(Math.sqrt(m.length))} x ${Math.round(Math.sqrt(m.length))} matrix`, `must be ${d} x ${d} to act on points of dimension ${d}`);
  }
}

/** Throws InvalidArgumentError unless mu lives on `space`. */
export function requireSpace(flow: string, mu: Measure, space: Space): void {
  if (mu.space !== space) {
    throw new InvalidArgumentError('mu.space', mu.space, `must be '${space}' for this ${flow} flow (build the measure with { space: '${space}' })`);
  }
}

/** out <- A x row by row (x is n x d, A is d x d row-major). */
export function applyMatrix(a: Float64Array, x: Float64Array, n: number, d: number, out: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let r = 0; r < d; r++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += a[r * d + c] * x[o + c];
      out[o + r] = s;
    }
  }
}

/** Grows-only scratch buffers keyed by name, so repeated velocity calls do not allocate. */
export class Scratch {
  private readonly buffers = new Map<string, Float64Array>();
  /** A buffer of exactly `length` entries under `name` (contents left from earlier use). */
  get(name: string, length: number): Float64Array {
    let b = this.buffers.get(name);
    if (b === undefined || b.length < length) {
      b = new Float64Array(length);
      this.buffers.set(name, b);
    }
    return b.length === length ? b : b.subarray(0, length);
  }
}

/** log of each weight (-Infinity for zero weights): the kernel's key log-weights. */
export function logWeightsInto(weights: Float64Array, out: Float64Array): Float64Array {
  for (let j = 0; j < weights.length; j++) out[j] = Math.log(weights[j]);
  return out;
}

/**
 * After a kernel pass without each particle's own key (the diagonal mask), rows of out (width w) hold the
 * others' softmax mean. Scales row i by what the full sum makes of it, given lse_i = log Z_others and
 * the own score self_i = beta s(x_i, x_i) + h_i:
 *   'softmax': Z_others / Z = 1 / (1 + e^{self_i - lse_i});  'sum': pre e^{lse_i} (self unused).
 * Used where the own term adds nothing (it projects to 0), so forces e^{-β(1 - cos D)} far below the
 * self weight keep full relative precision. With options.logScale (the arc-length clock) each
 * system's rows are scaled by e^{logFactor_i - L_s} instead, L_s = max over its rows, written to
 * logScale[s]: the velocity's direction and log-size survive where the velocity underflows.
 */
export function scaleOthers(out: Float64Array, lse: Float64Array, self: Float64Array | null, n: number, w: number,
  mode: 'softmax' | 'sum', pre: number, options: VelocityOptions, scratch: Scratch): void {
  const scales = options.logScale ?? null;
  if (scales === null) {
    for (let i = 0; i < n; i++) {
      const f = lse[i] === -Infinity ? 0 : mode === 'softmax' ? 1 / (1 + Math.exp(self![i] - lse[i])) : pre * Math.exp(lse[i]);
      for (let c = 0; c < w; c++) out[i * w + c] = f === 0 ? 0 : out[i * w + c] * f;
    }
    return;
  }
  const logFactor = scratch.get('logFactor', n);
  const logPre = Math.log(pre);
  for (let i = 0; i < n; i++) {
    if (lse[i] === -Infinity) { logFactor[i] = -Infinity; continue; }
    // log(Z_others / Z) = -softplus(self - lse), computed without overflow.
    const z = mode === 'softmax' ? self![i] - lse[i] : 0;
    logFactor[i] = mode === 'softmax' ? -(z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) : logPre + lse[i];
  }
  const seg = options.segments ?? null;
  const systems = seg === null ? 1 : seg.length - 1;
  for (let s = 0; s < systems; s++) {
    const r0 = seg === null ? 0 : seg[s], r1 = seg === null ? n : seg[s + 1];
    let L = -Infinity;
    for (let i = r0; i < r1; i++) L = Math.max(L, logFactor[i]);
    if (L === -Infinity) L = 0;
    scales[s] = L;
    for (let i = r0; i < r1; i++) {
      const f = logFactor[i] === -Infinity ? 0 : Math.exp(logFactor[i] - L);
      for (let c = 0; c < w; c++) out[i * w + c] = f === 0 ? 0 : out[i * w + c] * f;
    }
  }
}
