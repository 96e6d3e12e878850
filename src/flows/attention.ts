// Self-attention dynamics (SA and USA) on the sphere or in R^d:
//   dx_i/dt = P_{x_i}( sum_j a_j e^{beta <Q x_i, K x_j>} V x_j / Z_i ),
// Z_i = sum_j a_j e^{beta <Q x_i, K x_j>} for 'softmax' and Z_i = 1 for 'none'.
// One kernel call: queries K^T Q x_i against keys x_j with log-weights log a_j and values V x_j.
import { backendFor, rowMask, type Backend } from '../backend/index.js';
import { InvalidArgumentError } from '../errors.js';
import type { Measure } from '../measure.js';
import { sphere } from '../spaces.js';
import { GraphMaskPlan, readGraphMask, type Graph, type GraphMask } from './graph.js';
import { LAYER_NORMS, layerNormVelocity, requireLayerNormSpace, requireNonZeroRows, unitRows, type LayerNorm } from './layernorm.js';
import { optionsSchema, rule } from '../options.js';
import { oneOf } from '../validate.js';
import {
  applyMatrix,
  logWeightsInto,
  requireMatrixDim,
  scaleOthers,
  requireSpace,
  Scratch,
  squareMatrix,
  type EvalOptions,
  type Flow,
  type VelocityOptions,
} from './flow.js';
import { logQuadraticEnergy, energyOf } from './energy.js';
import { readTruncate, truncationOf } from './attention-truncate.js';

/** 'softmax': divide by Z_i (SA); 'none': Z_i = 1 (unnormalised attention, USA). */
export type Normalization = 'softmax' | 'none';
/** A {@link Normalization}, or 'sinkhorn' (Sinkformer: doubly stochastic attention). */
export type AttentionNormalization = Normalization | 'sinkhorn';

/** Options of {@link attention}. */
export interface AttentionOptions {
  /** Inverse temperature beta (any finite real). Default 1. */
  beta?: number;
  /** Query matrix Q (d x d, number[][] or row-major); identity when omitted. */
  Q?: number[][] | ArrayLike<number>;
  /** Key matrix K (d x d, number[][] or row-major); identity when omitted. */
  K?: number[][] | ArrayLike<number>;
  /** Value matrix V (d x d, number[][] or row-major); identity when omitted. */
  V?: number[][] | ArrayLike<number>;
  /**
   * 'softmax' (SA, default), 'none' (USA, Z_i = 1), or 'sinkhorn' (Sinkformer: the attention
   * matrix made doubly stochastic with respect to the particle weights by Sinkhorn iterations).
   */
  normalization?: AttentionNormalization;
  /** Sinkhorn iterations for normalization 'sinkhorn' (column then row scalings). Default 5. */
  sinkhornIterations?: number;
  /**
   * 'causal' lets particle i see only j <= i. Default 'none'. `{ graph, self }` lets particle i
   * see only its neighbours in a graph given in SciPy's CSR form (and itself unless self is false;
   * see GraphMask): the causal mask is the lower triangle. A particle that sees nobody does not move.
   */
  mask?: 'none' | 'causal' | GraphMask;
  /** Default 'sphere'. */
  space?: 'sphere' | 'euclidean';
  /**
   * Project the velocity onto the tangent space (default true). false reproduces the
   * public NumPy code of the papers: an unprojected Euler step, then renormalisation.
   */
  tangentProjection?: boolean;
  /**
   * A normalisation layer read as dynamics (Karagodin, Ge, Polyanskiy & Rigollet 2025), space
   * 'euclidean' only: with θ_i = x_i/|x_i| and A_i the attention of the θ's (values V θ_j),
   * 'post' dθ_i/dt = P_θi A_i (norms kept), 'pre' dx_i/dt = A_i, 'peri' dx_i/dt = A_i/|A_i|,
   * 'ngpt' dθ_i/dt = P_θi A_i/|A_i| (norms kept). Default 'none'. See docs/normalization.md.
   */
  layerNorm?: LayerNorm;
  /**
   * Skip key blocks whose total weight is provably at most e^{-truncate²} of each row's (softmax or 'none', no mask,
   * the sphere, beta > 0): tau in (0, 1000], false (exact, every pair) or 'auto' (default: tau = 5 when
   * n >= 4096 and tau²/(2 beta) <= 1/16, else exact). See docs/design.md, "Truncation".
   */
  truncate?: number | false | 'auto';
}

export const ATTENTION_SCHEMA = optionsSchema<AttentionOptions>()({
  beta: rule.finite('inverse temperature beta (any finite real)').or(1),
  Q: rule.custom('query matrix Q (d x d, number[][] or row-major); identity when omitted', matrixRule),
  K: rule.custom('key matrix K (d x d, number[][] or row-major); identity when omitted', matrixRule),
  V: rule.custom('value matrix V (d x d, number[][] or row-major); identity when omitted', matrixRule),
  normalization: rule
    .oneOf(['softmax', 'none', 'sinkhorn'] as const, "'softmax' (SA), 'none' (USA, Z_i = 1) or 'sinkhorn' (Sinkformer)")
    .or('softmax'),
  sinkhornIterations: rule.integer(1, "Sinkhorn iterations for normalization 'sinkhorn'").or(5),
  mask: rule
    .custom<'none' | 'causal' | GraphMask>(
      "'none', 'causal' (particle i sees j <= i) or { graph, self } (its neighbours in a CSR graph)",
      // A graph mask is an object { graph, self }, read (and its graph checked) here; the strings are 'none' and 'causal'.
      (name, v) => (typeof v === 'object' ? readGraphMask(name, v) : oneOf(name, v, ['none', 'causal'] as const)),
    )
    .or('none'),
  space: rule.oneOf(['sphere', 'euclidean'] as const, "'sphere' or 'euclidean'").or('sphere'),
  tangentProjection: rule.boolean("project the velocity onto the tangent space (false: the papers' unprojected Euler step)").or(true),
  layerNorm: rule
    .oneOf(LAYER_NORMS, "a normalisation layer read as dynamics, space 'euclidean' only: 'none', 'post', 'pre', 'peri' or 'ngpt'")
    .or('none'),
  truncate: rule
    .custom("truncation tau in (0, 1000] (skipped keys carry <= e^{-tau²} of a row's weight), false or 'auto'", readTruncate)
    .or('auto'),
});

function matrixRule(name: string, value: unknown): Float64Array {
  return squareMatrix(name, value)!; // never null: the schema passes only given, non-null values
}

/**
 * Self-attention dynamics dx_i/dt = P_{x_i}( sum_j a_j e^{beta <Q x_i, K x_j>} V x_j / Z_i )
 * (see {@link AttentionOptions}), with a_j the measure's weights as stored. When Q = K = I, beta != 0
 * and normalization is not 'sinkhorn' it reports the energy E_beta = (1/(2 beta)) sum_ij a_i a_j e^{beta <x_i, x_j>};
 * it is non-decreasing along the flow (energyDirection = 1) only for V = I and no mask.
 * Throws InvalidArgumentError for bad options (null, or an unknown key: UnknownOptionError).
 */
export function attention(options?: AttentionOptions): Flow {
  const o = ATTENTION_SCHEMA.read('attention', options);
  const { beta, normalization, sinkhornIterations, space, tangentProjection } = o;
  const mask = typeof o.mask === 'object' ? 'graph' : o.mask;
  const layerNorm = requireLayerNormSpace(o.layerNorm, space);
  if (normalization === 'sinkhorn' && mask === 'causal')
    throw new InvalidArgumentError(
      'mask',
      mask,
      "must be 'none' with normalization 'sinkhorn' (a causal matrix cannot be doubly stochastic in general)",
    );
  if (normalization === 'sinkhorn' && mask === 'graph')
    throw new InvalidArgumentError(
      'mask',
      options?.mask,
      "must be 'none' with normalization 'sinkhorn' (a graph-masked matrix cannot be doubly stochastic in general)",
    );
  const truncation = truncationOf(o.truncate, normalization, mask, space, beta);
  const Q = o.Q === undefined ? null : (o.Q as Float64Array),
    K = o.K === undefined ? null : (o.K as Float64Array),
    V = o.V === undefined ? null : (o.V as Float64Array);
  // <Q x, K y> = <(K^T Q) x, y>: transform the queries once per evaluation.
  const A = Q === null && K === null ? null : transposeTimes(K, Q);
  const scratch = new Scratch();
  // Where the own term vanishes (V = I, tangent-projected on the sphere), sum the others alone.
  const ownApart = V === null && space === 'sphere' && tangentProjection && normalization !== 'sinkhorn';
  // The graph's block mask; without each particle's own key when the own term is added apart (ownApart).
  const graph = typeof o.mask === 'object' ? new GraphMaskPlan('mask.graph', o.mask.graph as Graph, o.mask.self ?? true, ownApart) : null;

  const flow: Flow = {
    name: 'attention',
    space,
    params: {
      beta,
      normalization,
      mask: graph !== null ? graph.describe() : mask,
      space,
      tangentProjection,
      Q: Q && Array.from(Q),
      K: K && Array.from(K),
      V: V && Array.from(V),
      ...(normalization === 'sinkhorn' ? { sinkhornIterations } : {}),
      ...(layerNorm !== 'none' ? { layerNorm } : {}),
      ...(o.truncate !== 'auto' ? { truncate: o.truncate } : {}),
    },

    // A mask says who sees whom: merging particles would change it.
    capabilities: {
      collapse: mask === 'none',
      segments: true,
      logScale: true,
      ...(mask === 'none'
        ? {}
        : {
            reasons: {
              collapse:
                mask === 'causal'
                  ? 'merging particles changes who sees whom under a causal mask'
                  : 'merging particles changes the graph mask (who sees whom)',
            },
          }),
    },

    check(mu: Measure) {
      requireSpace('attention', mu, space);
      requireMatrixDim('Q', Q, mu.dim);
      requireMatrixDim('K', K, mu.dim);
      requireMatrixDim('V', V, mu.dim);
      requireNonZeroRows(mu, layerNorm);
    },

    velocity(x, weights, d, out, opts: VelocityOptions = {}) {
      const n = weights.length;
      // layerNorm: the attention of the normalised tokens θ = x/|x|, made the scheme's velocity at the end.
      const tokens = x;
      if (layerNorm !== 'none') x = unitRows(tokens, n, d, scratch.get('ln', n * d));
      const queries = A === null ? x : scratch.get('q', n * d);
      if (A !== null) applyMatrix(A, x, n, d, queries);
      const values = V === null ? x : scratch.get('v', n * d);
      if (V !== null) applyMatrix(V, x, n, d, values);
      const lse = scratch.get('lse', n);
      const backend = backendFor(opts.backend, 'attention');
      const h = logWeightsInto(weights, scratch.get('h', n));
      const segments = opts.segments ?? null;
      const truncating = truncation?.applies(n, segments) === true;
      // Truncated, the own key is one of its block's keys (a block mask has no diagonal): the own term projects away.
      const othersOnly = ownApart && !truncating;
      if (normalization === 'sinkhorn') sinkhornKeyWeights(backend, queries, x, n, d, beta, h, sinkhornIterations, scratch, opts);
      if (graph !== null) {
        // The graph's block mask (one copy per system of an ensemble); it replaces segments and the diagonal.
        backend.softmaxReduce({
          x: queries,
          n,
          y: x,
          m: n,
          d,
          logWeights: h,
          values,
          k: d,
          beta,
          score: 'dot',
          mask: { kind: 'blocks', blocks: graph.blocksFor(n, segments) },
          precision: opts.precision ?? 'f64',
          lse,
          mean: out,
        });
        // A particle that sees nobody (or only zero weights) does not move (the kernel leaves NaN there).
        if (!othersOnly) for (let i = 0; i < n; i++) if (lse[i] === -Infinity) out.fill(0, i * d, (i + 1) * d);
      } else if (truncating) {
        truncation.state.reduce(backend, queries, x, values, h, n, d, beta, opts.precision ?? 'f64', lse, out, segments);
      } else {
        backend.softmaxReduce({
          x: queries,
          n,
          y: x,
          m: n,
          d,
          logWeights: h,
          values,
          k: d,
          beta,
          score: 'dot',
          mask: rowMask(segments, mask === 'causal', othersOnly),
          precision: opts.precision ?? 'f64',
          lse,
          mean: out,
        });
      }
      if (othersOnly) {
        // The own term V x_i = x_i projects to zero: scale the others' mean by their share of Z_i.
        const self = scratch.get('self', n);
        for (let i = 0; i < n; i++) {
          let q = 0;
          for (let c = 0; c < d; c++) q += queries[i * d + c] * x[i * d + c];
          // Under a graph mask without i -> i, the own key is not in Z_i at all.
          self[i] = graph !== null && graph.loop[i % graph.n] === 0 ? -Infinity : beta * q + h[i];
        }
        scaleOthers(out, lse, self, n, d, normalization === 'softmax' ? 'softmax' : 'sum', 1, opts, scratch);
      } else if (truncating && normalization === 'none') {
        // USA: the kept keys' sum Z e^{lse}, through scaleOthers for the arc-length clock's log-scale (e^{beta} overflows).
        scaleOthers(out, lse, null, n, d, 'sum', 1, opts, scratch);
      } else {
        opts.logScale?.fill(0);
      }
      if (!othersOnly && !truncating && normalization === 'none') {
        for (let i = 0; i < n; i++) {
          const z = Math.exp(lse[i]);
          for (let c = 0; c < d; c++) out[i * d + c] *= z;
        }
      }
      if (layerNorm !== 'none') layerNormVelocity(layerNorm, tokens, x, out, n, d);
      if (space === 'sphere' && tangentProjection) sphere.project(x, out, n, d);
    },
  };
  if (A === null && normalization !== 'sinkhorn' && beta !== 0) {
    // E_beta(mu) = (1/(2 beta)) sum_ij a_i a_j e^{beta <x_i, x_j>}, defined for Q = K = I.
    // It is a Lyapunov function (never decreases) only for V = I without a mask. With a layerNorm it is
    // E_beta of the normalised tokens θ = x/|x| (each scheme moves θ_i at a positive speed along P_θi A_i).
    const normed = (x: Float64Array, n: number, d: number) => (layerNorm === 'none' ? x : unitRows(x, n, d, scratch.get('lnE', n * d)));
    Object.assign(flow, {
      energyDirection: V === null && mask === 'none' ? (1 as const) : undefined,
      energy: (x: Float64Array, weights: Float64Array, d: number, opts: EvalOptions = {}) =>
        energyOf(logQuadraticEnergy(normed(x, weights.length, d), weights, d, beta, scratch, opts), beta),
      ...(beta > 0
        ? {
            logEnergy: (x: Float64Array, weights: Float64Array, d: number, opts: EvalOptions = {}) =>
              logQuadraticEnergy(normed(x, weights.length, d), weights, d, beta, scratch, opts) - (Math.LN2 + Math.log(beta)),
          }
        : {}),
    });
  }
  return flow;
}

/** Reads attention's graph mask option into its block-mask plan (dropping each row's own key when `dropSelf`). */
/**
 * Sinkformer scaling, in the log domain through the kernel: with K_ij = e^{beta <q_i, x_j>},
 * find u, v with P_ij = e^{u_i + v_j} K_ij a_j summing to 1 over j (rows) and sum_i a_i P_ij = a_j
 * (columns). Alternates the column pass (queries x_j against keys q_i, log-weights log a_i + u_i)
 * and the row pass; on return h_j = log a_j + v_j, so the caller's softmax pass is the final row
 * normalisation.
 */
function sinkhornKeyWeights(
  backend: Backend,
  q: Float64Array,
  x: Float64Array,
  n: number,
  d: number,
  beta: number,
  h: Float64Array,
  iterations: number,
  scratch: Scratch,
  opts: VelocityOptions,
): void {
  const segments = opts.segments ?? null;
  const la = scratch.get('la', n);
  la.set(h);
  const u = scratch.get('u', n),
    hq = scratch.get('hq', n),
    lse = scratch.get('slse', n);
  u.fill(0);
  for (let it = 0; it < iterations; it++) {
    // Column pass: v_j = -log sum_i a_i e^{beta <q_i, x_j> + u_i}.
    for (let i = 0; i < n; i++) hq[i] = la[i] + u[i];
    backend.softmaxReduce({
      x,
      n,
      y: q,
      m: n,
      d,
      logWeights: hq,
      values: null,
      k: 0,
      beta,
      score: 'dot',
      mask: rowMask(segments, false, false),
      precision: opts.precision ?? 'f64',
      lse,
      mean: null,
    });
    for (let j = 0; j < n; j++) h[j] = la[j] - lse[j];
    if (it === iterations - 1) break; // the caller's softmax pass is the last row normalisation
    // Row pass: u_i = -log sum_j a_j e^{beta <q_i, x_j> + v_j}.
    backend.softmaxReduce({
      x: q,
      n,
      y: x,
      m: n,
      d,
      logWeights: h,
      values: null,
      k: 0,
      beta,
      score: 'dot',
      mask: rowMask(segments, false, false),
      precision: opts.precision ?? 'f64',
      lse,
      mean: null,
    });
    for (let i = 0; i < n; i++) u[i] = -lse[i];
  }
}

/** K^T Q with identity for a missing factor. */
function transposeTimes(K: Float64Array | null, Q: Float64Array | null): Float64Array {
  const d = Math.round(Math.sqrt((K ?? Q)!.length));
  if (K !== null && Q !== null && K.length !== Q.length) {
    throw new InvalidArgumentError(
      'K',
      `a ${d} x ${d} matrix`,
      `must have the shape of Q (${Math.round(Math.sqrt(Q.length))} x ${Math.round(Math.sqrt(Q.length))})`,
    );
  }
  const out = new Float64Array(d * d);
  for (let r = 0; r < d; r++) {
    for (let c = 0; c < d; c++) {
      let s = 0;
      for (let t = 0; t < d; t++) s += (K === null ? (t === r ? 1 : 0) : K[t * d + r]) * (Q === null ? (t === c ? 1 : 0) : Q[t * d + c]);
      out[r * d + c] = s;
    }
  }
  return out;
}
