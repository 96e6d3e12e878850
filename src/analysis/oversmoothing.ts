// Oversmoothing of deep message-passing networks with random weights (Chen, Lin, Chen, Polyanskiy
// & Rigollet, "Residual connections provably mitigate oversmoothing in graph neural networks",
// arXiv 2501.00762): layers x^{k+1} = sigma(A x^k W_k), or x^k + alpha sigma(A x^k W_k) with a
// residual connection, and the normalised vertex similarity mu(X) = ‖X - 1 x̄ᵀ‖_F / ‖X‖_F.
//
// mu decays like e^{rate k} with rates of -0.1 to -3 per layer, so after 200 layers the rows of X
// agree to far more digits than a double holds. X is therefore kept split: X = e^a 1 mᵀ + e^b D,
// a common row m (unit norm) and a centred deviation D (unit norm, rows summing to zero), each
// with its own log-scale. A layer maps the two parts separately (A 1 = 1, and the activation's
// increment sigma(u + E) - sigma(u) is computed without cancellation), so mu = 1 / sqrt(1 + n e^{2(a-b)})
// keeps full relative precision at any size, and log mu is exact where mu itself underflows.
import { InvalidArgumentError } from '../errors.js';
import { readGraph, type CsrGraph, type Graph } from '../flows/graph.js';
import { pointSet } from '../points.js';
import { Random, requireSeed } from '../random.js';
import { optionsSchema, rule } from '../options.js';
import { checkElements } from '../validate.js';

/**
 * How the layer weights W_k (d x d, independent across layers) are drawn; every random law has
 * entries of variance 1/d. 'gaussian': i.i.d. N(0, 1/d). 'uniform': i.i.d. uniform on
 * [-sqrt(3/d), sqrt(3/d)]. 'orthogonal': Haar-distributed orthogonal matrices (QR of a Gaussian
 * matrix with R's diagonal made positive). 'identity': W_k = I, the deterministic baseline with a
 * closed-form rate.
 */
export type WeightLaw = 'gaussian' | 'uniform' | 'orthogonal' | 'identity';

/** The activation sigma of {@link oversmoothing}'s layers: relu(z) = max(z, 0), tanh, or identity (linear layers). */
export type LayerActivation = 'relu' | 'tanh' | 'identity';

/** Options of {@link oversmoothing}. */
export interface OversmoothingOptions {
  /**
   * The graph, in SciPy's CSR form ({ indptr, indices }; unsorted or repeated neighbours are
   * sorted and deduplicated). The layers aggregate with its row-normalised adjacency with self
   * loops: A_ij = 1 / |N(i) ∪ {i}| for j in N(i) ∪ {i}, so A 1 = 1 and no row is empty.
   */
  graph: CsrGraph;
  /**
   * Initial features X^0 (n x d): number[][] (one row per node), or a flat row-major array with
   * `dim`. Default: i.i.d. N(0, 1) entries drawn from the seed.
   */
  features?: number[][] | Float64Array | number[];
  /** Feature dimension d (must match `features` when both are given). Default 16. */
  dim?: number;
  /** Number of layers (integer >= 1); the rate is fitted over the second half, so about 200 estimates the limit. */
  depth: number;
  /**
   * false (or 0): x^{k+1} = sigma(A x^k W_k). true: x^{k+1} = x^k + sigma(A x^k W_k). A number
   * alpha >= 0: x^{k+1} = x^k + alpha sigma(A x^k W_k) (the residual branch scaled by alpha).
   */
  residual: boolean | number;
  /** The law of the weights W_k (see {@link WeightLaw}). */
  weights: WeightLaw;
  /** Default 'relu'. */
  activation?: LayerActivation;
  /** Seed of the features (when not given) and of the weights, drawn in that order: the same seed gives the same bits. */
  seed: number;
}

/** What {@link oversmoothing} measures. */
export interface Oversmoothing {
  /** mu(X^k) = ‖X^k - 1 x̄ᵀ‖_F / ‖X^k‖_F for k = 0 .. depth (depth + 1 values; x̄ the mean row). 0 where it underflows. */
  similarity: Float64Array;
  /** log mu(X^k), finite where similarity underflows to 0 (-Infinity only where the rows of X^k are exactly equal). */
  logSimilarity: Float64Array;
  /**
   * The least-squares slope of log mu(X^k) against k over the second half of the layers,
   * k = floor(depth / 2) .. depth: the exponential rate per layer (negative when mu decays;
   * -Infinity when the rows become exactly equal). Without residual it tends to log |λ₂(A)| (the
   * second largest eigenvalue modulus of A) for every weight law, for identity and relu layers
   * (tested to 1e-3; tanh to 0.015). With a residual alpha and W_k = I it is
   * log(max_{j >= 2} |1 + alpha λ_j| / (1 + alpha)); with random W_k and linear layers on a symmetric
   * A, the Lyapunov gap max_{j >= 2} γ(λ_j) − γ(1), γ(λ) the top Lyapunov exponent of the products
   * of I + alpha λ W_k. A relu layer that maps every feature negative (probability about 2^-d per
   * layer) makes X = 0, counted as mu = 0 (all rows equal) from there on.
   */
  rate: number;
}

/** The options of oversmoothing; graph, depth, residual, weights and seed are required (refused by name when missing). */
const OPTIONS = optionsSchema<OversmoothingOptions>()({
  // graph and features are read (with their shapes) by readGraph and pointSet.
  graph: rule.custom('the graph, in CSR form { indptr, indices } (required)', (_name, v) => v as CsrGraph),
  features: rule.custom('initial features X^0, n x d (default N(0, 1) from the seed)', (_name, v) => v as OversmoothingOptions['features'] & {}),
  dim: rule.integer(1, 'feature dimension d (default 16, or the width of features)'),
  depth: rule.integer(1, 'the number of layers (required)'),
  residual: rule.custom('true, false, or the branch scale alpha >= 0 (required)', (_name, v) => {
    residualScale(v);
    return v as boolean | number;
  }),
  weights: rule.oneOf(['gaussian', 'uniform', 'orthogonal', 'identity'] as const, 'the law of the weights W_k (required)'),
  activation: rule.oneOf(['relu', 'tanh', 'identity'] as const, 'the layer activation').or('relu'),
  seed: rule.custom('seed of the features and the weights (required)', requireSeed),
});

/**
 * Runs `depth` random graph-network layers from X^0 and measures oversmoothing: the normalised
 * vertex similarity mu(X^k) after each layer and its fitted exponential rate (see
 * {@link OversmoothingOptions} for the layer and the weight laws, {@link Oversmoothing} for what is
 * returned). The state is renormalised every layer (mu is scale invariant; for tanh the scale is
 * carried exactly), so nothing under- or overflows. Deterministic: the same options give the same bits.
 * @throws InvalidArgumentError for a bad or missing option (UnknownOptionError for an unknown key), a
 * malformed graph, or features whose row count differs from the graph's node count.
 */
export function oversmoothing(options: OversmoothingOptions): Oversmoothing {
  const o = OPTIONS.read('oversmoothing', options);
  if (options === undefined) throw new InvalidArgumentError('oversmoothing options', options, 'are required: { graph, depth, residual, weights, seed }');
  const graph = readGraph('graph', o.graph);
  const n = graph.n;
  if (o.depth === undefined) throw new InvalidArgumentError('depth', undefined, 'is required (the number of layers, an integer >= 1)');
  const depth = o.depth;
  checkElements('similarity (depth + 1 values)', depth + 1);
  if (o.residual === undefined) throw new InvalidArgumentError('residual', undefined, 'is required (true, false, or the branch scale alpha >= 0)');
  const alpha = residualScale(o.residual);
  if (o.weights === undefined) throw new InvalidArgumentError('weights', undefined, "is required ('gaussian', 'uniform', 'orthogonal' or 'identity')");
  const { weights: law, activation } = o;
  const seed = requireSeed('seed', o.seed); // required: a missing seed is refused here
  let x0: Float64Array | null = null, d = o.dim ?? 16;
  if (o.features !== undefined) {
    const p = pointSet('features', o.features, o.dim);
    if (p.n !== n) throw new InvalidArgumentError('features', `${p.n} rows`, `must have one row per node of the graph (${n})`);
    x0 = p.data;
    d = p.d;
  }
  checkElements('features', n * d);
  return run(graph, d, depth, alpha, law, activation, new Random(seed), x0);
}

function residualScale(r: unknown): number {
  if (r === true) return 1;
  if (r === false) return 0;
  if (typeof r !== 'number' || !Number.isFinite(r) || r < 0) throw new InvalidArgumentError('residual', r, 'must be true, false, or a finite number alpha >= 0 (the branch scale)');
  return r;
}

/** One split state X = e^a 1 mᵀ + e^b D (m, D of unit norm, D's rows summing to zero). */
interface State {
  m: Float64Array;
  a: number;
  D: Float64Array;
  b: number;
}

function run(g: Graph, d: number, depth: number, alpha: number, law: WeightLaw, activation: LayerActivation, rng: Random, x0: Float64Array | null): Oversmoothing {
  const n = g.n;
  if (x0 === null) {
    x0 = new Float64Array(n * d);
    for (let t = 0; t < n * d; t++) x0[t] = rng.normal();
  }
  // Split X^0 into its mean row and the centred rest.
  const st: State = { m: new Float64Array(d), a: 0, D: Float64Array.from(x0), b: 0 };
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) st.m[c] += x0[i * d + c] / n;
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) st.D[i * d + c] -= st.m[c];
  st.a = normalise(st.m, 0);
  st.b = normalise(st.D, 0);

  const logSimilarity = new Float64Array(depth + 1);
  logSimilarity[0] = logMu(st, n);
  const W = new Float64Array(d * d), u = new Float64Array(d), mean = new Float64Array(d), mNew = new Float64Array(d), colMean = new Float64Array(d);
  const AD = new Float64Array(n * d), E = new Float64Array(n * d), F = new Float64Array(n * d);
  const tmp = new Float64Array(d);
  for (let k = 0; k < depth; k++) {
    drawWeights(rng, law, d, W, tmp);
    // The common row: u = m W (scale a). The deviation: E = (A D) W (scale b).
    rowTimes(st.m, 0, W, d, u);
    const liveD = st.b !== -Infinity;
    if (liveD) {
      aggregate(g, st.D, d, AD);
      for (let i = 0; i < n; i++) rowTimes(AD, i * d, W, d, E.subarray(i * d, (i + 1) * d));
    }
    // sigma of the common row (scale aS) and the increments F_i = (sigma(e^a u + e^b E_i) - sigma(e^a u)) / e^b.
    let aS: number;
    if (activation === 'tanh') {
      const ea = Math.exp(st.a);
      for (let c = 0; c < d; c++) mean[c] = Math.tanh(ea * u[c]);
      aS = 0;
      if (liveD) tanhIncrements(ea, u, st.b, E, F, n, d);
    } else {
      for (let c = 0; c < d; c++) mean[c] = activation === 'relu' && !(u[c] > 0) ? 0 : u[c];
      aS = st.a;
      if (liveD) {
        if (activation === 'identity') F.set(E);
        else reluIncrements(u, Math.exp(st.a - st.b), E, F, n, d);
      }
    }
    // Residual: X + alpha sigma(...); then move the increments' mean row into the common row.
    let aNew: number;
    if (alpha === 0) { mNew.set(mean); aNew = aS; } else aNew = combine(st.a, st.m, aS, mean, alpha, mNew);
    if (liveD) {
      const D = st.D;
      if (alpha === 0) D.set(F); else for (let t = 0; t < n * d; t++) D[t] += alpha * F[t];
      colMean.fill(0);
      for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) colMean[c] += D[i * d + c];
      for (let c = 0; c < d; c++) colMean[c] /= n;
      for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) D[i * d + c] -= colMean[c];
      aNew = combine(aNew, mNew, st.b, colMean, 1, st.m);
      st.b = normalise(D, st.b);
    } else {
      st.m.set(mNew);
    }
    st.a = normalise(st.m, aNew);
    logSimilarity[k + 1] = logMu(st, n);
  }
  const similarity = logSimilarity.map(Math.exp);
  return { similarity, logSimilarity, rate: fitRate(logSimilarity) };
}

/** log mu = log(e^b / sqrt(n e^{2a} + e^{2b})) for unit m and centred unit D. */
function logMu(st: State, n: number): number {
  if (st.b === -Infinity) return -Infinity;
  if (st.a === -Infinity) return 0;
  const t = st.a - st.b + 0.5 * Math.log(n); // log of sqrt(n) e^a / e^b
  // -log sqrt(1 + e^{2t}), without overflow.
  return t > 0 ? -t - 0.5 * Math.log1p(Math.exp(-2 * t)) : -0.5 * Math.log1p(Math.exp(2 * t));
}

/** Least-squares slope of y[k] against k over k = floor(depth / 2) .. depth. */
function fitRate(y: Float64Array): number {
  const depth = y.length - 1, k0 = Math.floor(depth / 2);
  let sk = 0, sy = 0, count = 0;
  for (let k = k0; k <= depth; k++) {
    if (y[k] === -Infinity) return -Infinity;
    sk += k; sy += y[k]; count++;
  }
  const kb = sk / count, yb = sy / count;
  let num = 0, den = 0;
  for (let k = k0; k <= depth; k++) { num += (k - kb) * (y[k] - yb); den += (k - kb) ** 2; }
  return num / den;
}

/** Scales v to unit norm and returns its new log-scale (s + log ‖v‖), or -Infinity (v zero). */
function normalise(v: Float64Array, s: number): number {
  let r = 0;
  for (let t = 0; t < v.length; t++) r += v[t] * v[t];
  if (r === 0 || s === -Infinity) { v.fill(0); return -Infinity; }
  r = Math.sqrt(r);
  for (let t = 0; t < v.length; t++) v[t] /= r;
  return s + Math.log(r);
}

/** out = e^{s1 - s} v1 + coef e^{s2 - s} v2 with s = max(s1, s2), returned. */
function combine(s1: number, v1: Float64Array, s2: number, v2: Float64Array, coef: number, out: Float64Array): number {
  const s = Math.max(s1, s2);
  if (s === -Infinity) { out.fill(0); return -Infinity; }
  const f1 = Math.exp(s1 - s), f2 = coef * Math.exp(s2 - s);
  for (let c = 0; c < out.length; c++) out[c] = f1 * v1[c] + f2 * v2[c];
  return s;
}

/** out (length d) = row o of X (length d) times W (d x d row-major). */
function rowTimes(X: Float64Array, o: number, W: Float64Array, d: number, out: Float64Array): void {
  for (let c = 0; c < d; c++) {
    let s = 0;
    for (let r = 0; r < d; r++) s += X[o + r] * W[r * d + c];
    out[c] = s;
  }
}

/** out = A X with A the row-normalised adjacency with self loops (rows N(i) ∪ {i}, weight 1 / their count). */
function aggregate(g: Graph, X: Float64Array, d: number, out: Float64Array): void {
  const { n, indptr, indices } = g;
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let c = 0; c < d; c++) out[o + c] = 0;
    let count = 0, self = false;
    for (let t = indptr[i]; t < indptr[i + 1]; t++) {
      const j = indices[t];
      if (j === i) self = true;
      for (let c = 0; c < d; c++) out[o + c] += X[j * d + c];
      count++;
    }
    if (!self) { for (let c = 0; c < d; c++) out[o + c] += X[o + c]; count++; }
    for (let c = 0; c < d; c++) out[o + c] /= count;
  }
}

/**
 * relu increments at the deviation's scale: F = relu(ū + E) - relu(ū) with ū = u e^{a - b}
 * (relu is positively homogeneous), by cases so that no large ū cancels: E where both are
 * positive, 0 where both are negative, the exact difference where the sign changes.
 */
function reluIncrements(u: Float64Array, ratio: number, E: Float64Array, F: Float64Array, n: number, d: number): void {
  for (let c = 0; c < d; c++) {
    const uc = u[c];
    const ub = uc === 0 ? 0 : uc * ratio; // ±Infinity when the common row dwarfs the deviation: the right limit
    for (let i = 0; i < n; i++) {
      const e = E[i * d + c];
      let f: number;
      if (uc > 0) f = ub + e >= 0 ? e : -ub;
      else if (uc < 0) f = ub + e > 0 ? ub + e : 0;
      else f = e > 0 ? e : 0;
      F[i * d + c] = f;
    }
  }
}

/**
 * tanh increments at scale e^b: F = (tanh(p + q) - tanh(p)) / e^b with p = e^a u_c, q = e^b E,
 * through tanh(p + q) - tanh(p) = sinh(q) / (cosh(p) cosh(p + q)) (no cancellation), and
 * sinh(q) / e^b = E (1 + q²/6) for |q| < 1e-4 (exact to rounding, and where e^b underflows).
 */
function tanhIncrements(ea: number, u: Float64Array, b: number, E: Float64Array, F: Float64Array, n: number, d: number): void {
  const eb = Math.exp(b);
  for (let c = 0; c < d; c++) {
    const p = ea * u[c];
    const cp = Math.cosh(p);
    for (let i = 0; i < n; i++) {
      const e = E[i * d + c];
      const q = eb * e;
      const sh = Math.abs(q) < 1e-4 ? e * (1 + (q * q) / 6) : Math.sinh(q) / eb;
      let f = sh / (cp * Math.cosh(p + q));
      if (!Number.isFinite(f)) f = (Math.tanh(p + q) - Math.tanh(p)) / eb;
      F[i * d + c] = f;
    }
  }
}

/** W (d x d, row-major) from the law; tmp is scratch of length d. */
function drawWeights(rng: Random, law: WeightLaw, d: number, W: Float64Array, tmp: Float64Array): void {
  if (law === 'identity') {
    W.fill(0);
    for (let c = 0; c < d; c++) W[c * d + c] = 1;
    return;
  }
  if (law === 'uniform') {
    const h = Math.sqrt(3 / d);
    for (let t = 0; t < d * d; t++) W[t] = h * (2 * rng.next() - 1);
    return;
  }
  const s = 1 / Math.sqrt(d);
  for (let t = 0; t < d * d; t++) W[t] = law === 'gaussian' ? s * rng.normal() : rng.normal();
  if (law === 'orthogonal') orthonormalColumns(W, d, tmp);
}

/**
 * Modified Gram–Schmidt on the columns of W (applied twice for orthogonality to rounding): the Q
 * of W = QR with R's diagonal positive, which for a Gaussian W is Haar distributed (Mezzadri 2007).
 */
function orthonormalColumns(W: Float64Array, d: number, tmp: Float64Array): void {
  for (let c = 0; c < d; c++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let p = 0; p < c; p++) {
        let dot = 0;
        for (let r = 0; r < d; r++) dot += W[r * d + p] * W[r * d + c];
        for (let r = 0; r < d; r++) W[r * d + c] -= dot * W[r * d + p];
      }
    }
    let nrm = 0;
    for (let r = 0; r < d; r++) { tmp[r] = W[r * d + c]; nrm += tmp[r] * tmp[r]; }
    nrm = Math.sqrt(nrm);
    for (let r = 0; r < d; r++) W[r * d + c] = tmp[r] / nrm;
  }
}
