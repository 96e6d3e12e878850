// Gaussian quadrature for the expectations of a GM layer (gm.ts): E[g(z)], z ~ N(0, I_p), by the unscented
// rule (2p + 1 sigma points) or a tensor Gauss–Hermite rule (Golub–Welsch).
import { InvalidArgumentError } from '../errors.js';
import { jacobiEigen } from '../linalg.js';
import { optionsSchema, rule } from '../options.js';
import { integerAtLeast } from '../validate.js';

/** A Gaussian quadrature rule: 'unscented' (2p + 1 sigma points) or 'gauss-hermite' (tensor product). */
export type QuadratureRule = 'unscented' | 'gauss-hermite';

/** A quadrature rule with its parameter. */
export interface QuadratureOptions {
  /** 'unscented' (default) or 'gauss-hermite'. */
  rule: QuadratureRule;
  /**
   * Unscented only: the spread parameter kappa > -p. Sigma points m ± sqrt(p + kappa) L e_i with
   * weights 1 / (2(p + kappa)), and m with weight kappa / (p + kappa). Default 3 - p (the points
   * then sit at ±sqrt(3) standard deviations and match E[z_i⁴] = 3).
   */
  kappa?: number;
  /** Gauss–Hermite only: nodes per coordinate n (1..20), order^p <= 4096 nodes in all. Default 3. */
  order?: number;
}

/** A quadrature rule for E[g(z)], z ~ N(0, I_p): E[g(z)] ≈ sum_s weights[s] g(nodes[s]). */
export interface GaussianQuadrature {
  /** The rule. */
  rule: QuadratureRule;
  /** The dimension p. */
  dim: number;
  /** Number of nodes S. */
  size: number;
  /** Nodes z_s, row-major S x p. */
  nodes: Float64Array;
  /** Weights q_s, summing to 1 (the unscented centre weight is negative when kappa < 0). */
  weights: Float64Array;
  /**
   * Polynomial exactness: every polynomial of total degree <= degree is integrated exactly
   * (unscented: 3; Gauss–Hermite of order n: 2n - 1, per coordinate).
   */
  degree: number;
  /** The parameter: kappa (unscented) or order (Gauss–Hermite). */
  parameter: number;
}

/** Most nodes a tensor Gauss–Hermite rule may have. */
export const GAUSS_HERMITE_LIMIT = 4096;

// kappa and order have no schema default: each belongs to one rule only (given for the other, it is refused),
// and kappa's default 3 - p depends on the dimension.
const QUADRATURE_OPTIONS = optionsSchema<QuadratureOptions>()({
  rule: rule
    .oneOf(['unscented', 'gauss-hermite'] as const, "'unscented' (2p + 1 sigma points) or 'gauss-hermite' (order^p points)")
    .or('unscented'),
  kappa: rule.finite("'unscented' only: the spread parameter kappa > -p; default 3 - p"),
  order: rule.custom("'gauss-hermite' only: nodes per coordinate n, 1..20, order^p <= 4096 in all; default 3", (name, v) => {
    const n = integerAtLeast(name, v, 1);
    if (n > 20) throw new InvalidArgumentError(name, n, 'must be <= 20');
    return n;
  }),
});

/**
 * The quadrature rule for E over N(0, I_dim): the unscented rule (default) or a tensor Gauss–Hermite rule.
 * Throws InvalidArgumentError for an unknown rule, kappa <= -dim, an order outside 1..20 or more than
 * GAUSS_HERMITE_LIMIT nodes.
 */
export function gaussianQuadrature(dim: number, options: QuadratureRule | QuadratureOptions = 'unscented'): GaussianQuadrature {
  const p = integerAtLeast('dim', dim, 1);
  const o = QUADRATURE_OPTIONS.read('quadrature', typeof options === 'string' ? { rule: options } : options, 'quadrature.');
  if (o.rule === 'unscented') {
    if (o.order !== undefined)
      throw new InvalidArgumentError(
        'quadrature.order',
        o.order,
        "is a parameter of the 'gauss-hermite' rule only (the unscented rule takes kappa)",
      );
    const kappa = o.kappa ?? 3 - p;
    if (!(p + kappa > 0))
      throw new InvalidArgumentError('quadrature.kappa', kappa, `must be > -p = ${-p} (the sigma points sit at ±sqrt(p + kappa))`);
    const S = 2 * p + 1,
      c = Math.sqrt(p + kappa);
    const nodes = new Float64Array(S * p),
      weights = new Float64Array(S);
    weights[0] = kappa / (p + kappa);
    for (let i = 0; i < p; i++) {
      nodes[(1 + 2 * i) * p + i] = c;
      nodes[(2 + 2 * i) * p + i] = -c;
      weights[1 + 2 * i] = weights[2 + 2 * i] = 1 / (2 * (p + kappa));
    }
    return { rule: o.rule, dim: p, size: S, nodes, weights, degree: 3, parameter: kappa };
  }
  if (o.kappa !== undefined)
    throw new InvalidArgumentError('quadrature.kappa', o.kappa, "is a parameter of the 'unscented' rule only (Gauss–Hermite takes order)");
  const n = o.order ?? 3;
  if (n ** p > GAUSS_HERMITE_LIMIT) {
    throw new InvalidArgumentError(
      'quadrature',
      `a Gauss–Hermite rule of order ${n} in dimension ${p} (${n}^${p} nodes)`,
      `must have at most ${GAUSS_HERMITE_LIMIT} nodes; use rule 'unscented' (2p + 1 points) in this dimension`,
    );
  }
  const { nodes: x, weights: w } = hermiteRule(n);
  const S = n ** p;
  const nodes = new Float64Array(S * p),
    weights = new Float64Array(S);
  for (let s = 0; s < S; s++) {
    let r = s,
      q = 1;
    for (let c = 0; c < p; c++) {
      const j = r % n;
      r = (r - j) / n;
      nodes[s * p + c] = x[j];
      q *= w[j];
    }
    weights[s] = q;
  }
  return { rule: o.rule, dim: p, size: S, nodes, weights, degree: 2 * n - 1, parameter: n };
}

/** Gauss–Hermite nodes and weights for N(0, 1) (probabilists' Hermite), by Golub–Welsch. */
function hermiteRule(n: number): { nodes: Float64Array; weights: Float64Array } {
  const J = new Float64Array(n * n);
  for (let k = 1; k < n; k++) J[(k - 1) * n + k] = J[k * n + k - 1] = Math.sqrt(k);
  const { values, vectors } = jacobiEigen(J, n);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const nodes = new Float64Array(n),
    weights = new Float64Array(n);
  order.forEach((j, i) => {
    // Symmetrise: the rule is exactly symmetric, so odd moments vanish to rounding.
    nodes[i] = values[j];
    weights[i] = vectors[j] ** 2; // first component of the j-th eigenvector
  });
  for (let i = 0; i < n >> 1; i++) {
    const a = (nodes[n - 1 - i] - nodes[i]) / 2,
      w = (weights[i] + weights[n - 1 - i]) / 2;
    nodes[i] = -a;
    nodes[n - 1 - i] = a;
    weights[i] = weights[n - 1 - i] = w;
  }
  if (n % 2 === 1) nodes[n >> 1] = 0;
  let t = 0;
  for (let i = 0; i < n; i++) t += weights[i];
  for (let i = 0; i < n; i++) weights[i] /= t;
  return { nodes, weights };
}
