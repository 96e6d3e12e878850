/** What every backend computes: the one softmax-weighted reduction of DESIGN.md. */

/** Which implementation computes a kernel: the Wasm SIMD core or the pure-JS reference. */
export type BackendName = 'wasm' | 'js';
/** Float precision of a kernel's arithmetic ('f64' default); stored state is always Float64Array. */
export type Precision = 'f64' | 'f32';
/** Kernel score: 'dot' is s(x, y) = <x, y>, 'sqdist' is s(x, y) = -|x - y|^2. */
export type Score = 'dot' | 'sqdist';

/**
 * A block-sparse mask: query blocks, each seeing a list of key ranges. Row i of block q
 * (rows[q] <= i < rows[q + 1]) sees exactly the keys j of the ranges ptr[q] .. ptr[q + 1] - 1,
 * which the kernel streams in list order (each range in tiles from its start, as the dense call
 * streams [0, m)): the mask { rows: [0, n], ptr: [0, 1], ranges: [0, m] } is the unmasked call,
 * bit for bit. All three arrays are Int32Array. Work is proportional to the pairs kept.
 */
export interface BlockMask {
  /** Q + 1 nondecreasing row offsets, rows[0] = 0, rows[Q] = n: query block q is rows [rows[q], rows[q+1]). */
  rows: Int32Array;
  /** Q + 1 nondecreasing offsets into the range list, ptr[0] = 0: block q sees ranges r for ptr[q] <= r < ptr[q+1]. */
  ptr: Int32Array;
  /** Key ranges as pairs [start, end) (length 2 * ptr[Q]), 0 <= start <= end <= m; within one block increasing and disjoint. */
  ranges: Int32Array;
}

/**
 * Which keys each query row sees: the one mask of a reduction, J(i) below. The kinds combine
 * where the kernel combines them, and nowhere else:
 * - `none`: every key (J(i) = all j).
 * - `causal`: keys j <= i; with `diagonal`, j < i.
 * - `diagonal`: every key but j = i (needs m = n). Flows whose own term vanishes (a tangent-projected
 *   x_i, sin 0 on the circle) sum the others alone, so an interaction far below the self weight is not
 *   lost to rounding.
 * - `segments`: many independent systems in one call (a block-diagonal mask; needs m = n). `offsets`
 *   holds S + 1 nondecreasing Int32Array offsets, offsets[0] = 0 and offsets[S] = n; query row i of
 *   system s (offsets[s] <= i < offsets[s + 1]) sees only the keys of the same range, with `causal`
 *   only offsets[s] <= j <= i, with `diagonal` never j = i. Each system's rows are bit-identical to a
 *   call on that system alone (x, y, logWeights, values sliced to its range), for any thread count.
 * - `blocks`: a block-sparse mask (see {@link BlockMask}): row i sees only the keys of its query
 *   block's ranges. It combines with nothing: causality, the diagonal and systems are ranges of its own.
 *   A row that sees no key (its block has no range, or only empty ones), or only keys of weight zero,
 *   gets lse = -Infinity and a NaN mean, exactly like a row of an unmasked call whose log-weights are
 *   all -Infinity. Values must be finite (as everywhere): a key just past a range's end may share a
 *   SIMD vector with the range, at weight exactly 0.
 * A combination outside these (say `causal` on `blocks`) does not type-check, and is refused at run
 * time by an InvalidArgumentError naming it.
 */
export type KernelMask =
  | Only<{ readonly kind: 'none' }>
  | Only<{ readonly kind: 'causal'; readonly diagonal?: boolean }>
  | Only<{ readonly kind: 'diagonal' }>
  | Only<{ readonly kind: 'segments'; readonly offsets: Int32Array; readonly causal?: boolean; readonly diagonal?: boolean }>
  | Only<{ readonly kind: 'blocks'; readonly blocks: BlockMask }>;

/** A mask kind that has no other kind's fields, not even on an object that is not a literal. */
type Only<T> = T & { readonly [K in Exclude<'offsets' | 'causal' | 'diagonal' | 'blocks', keyof T>]?: never };

/** The kinds of {@link KernelMask}. */
export type KernelMaskKind = KernelMask['kind'];

/**
 * One call of the reduction. For every query row i < n:
 *   lse[i]  = log sum_{j in J(i)} exp(beta * s(x_i, y_j) + h_j)
 *   mean[i] = sum_{j in J(i)} exp(beta * s(x_i, y_j) + h_j - lse[i]) * v_j
 * with s = <x, y> ('dot') or -|x - y|^2 ('sqdist') and J(i) the keys the mask lets row i see.
 * Arrays are row-major; outputs are written in place (no allocation in hot loops).
 */
export interface ReduceArgs {
  x: Float64Array;
  n: number;
  y: Float64Array;
  m: number;
  d: number;
  /** h (length m), or null for h = 0. Entries may be -Infinity (zero-weight keys). */
  logWeights: Float64Array | null;
  /** v (m x k), or null when only lse is wanted (then k = 0). */
  values: Float64Array | null;
  k: number;
  beta: number;
  score: Score;
  /** Which keys each row sees (see {@link KernelMask}). */
  mask: KernelMask;
  precision: Precision;
  /** Output, length n. */
  lse: Float64Array;
  /** Output, n x k, or null when values is null. */
  mean: Float64Array | null;
}

/** Activation sigma of a two-layer network: relu(z) = max(z, 0), tanh, sigmoid(z) = 1 / (1 + e^-z). */
export type Activation = 'relu' | 'tanh' | 'sigmoid';

/**
 * A two-layer network f(x) = sum_j omega_j a_j sigma(<w_j, x> + b_j) and its data:
 * particles theta (m x (d + 2), rows (a_j, w_j, b_j)), weights omega (m), samples x (n x d).
 */
export interface TwoLayerArgs {
  theta: Float64Array;
  weights: Float64Array;
  m: number;
  x: Float64Array;
  n: number;
  d: number;
  activation: Activation;
  precision: Precision;
}

export interface Backend {
  readonly name: BackendName;
  softmaxReduce(args: ReduceArgs): void;
  /** out[i] = f(x_i) for every sample (out has length n). */
  twoLayerForward(args: TwoLayerArgs, out: Float64Array): void;
  /**
   * grad[j] = sum_i r_i ∇_theta [a sigma(<w, x_i> + b)] at theta_j, rows (a, w, b) like theta:
   * (sigma(z_ij), a_j sigma'(z_ij) x_i, a_j sigma'(z_ij)) summed with sample weights r (length n).
   */
  twoLayerBackward(args: TwoLayerArgs, r: Float64Array, grad: Float64Array): void;
  /** exp through the backend's own exp (the kernel's vector exp for wasm), for accuracy tests. */
  exp(x: Float64Array, precision: Precision): Float64Array;
}
