// The random layer weights of oversmoothing(): a d x d matrix drawn from a WeightLaw.
import type { Random } from '../random.js';

/**
 * How the layer weights W_k (d x d, independent across layers) are drawn; every random law has
 * entries of variance 1/d. 'gaussian': i.i.d. N(0, 1/d). 'uniform': i.i.d. uniform on
 * [-sqrt(3/d), sqrt(3/d)]. 'orthogonal': Haar-distributed orthogonal matrices (QR of a Gaussian
 * matrix with R's diagonal made positive). 'identity': W_k = I, the deterministic baseline with a
 * closed-form rate.
 */
export type WeightLaw = 'gaussian' | 'uniform' | 'orthogonal' | 'identity';

/** W (d x d, row-major) from the law; tmp is scratch of length d. */
export function drawWeights(rng: Random, law: WeightLaw, d: number, W: Float64Array, tmp: Float64Array): void {
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
export function orthonormalColumns(W: Float64Array, d: number, tmp: Float64Array): void {
  for (let c = 0; c < d; c++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let p = 0; p < c; p++) {
        let dot = 0;
        for (let r = 0; r < d; r++) dot += W[r * d + p] * W[r * d + c];
        for (let r = 0; r < d; r++) W[r * d + c] -= dot * W[r * d + p];
      }
    }
    let nrm = 0;
    for (let r = 0; r < d; r++) {
      tmp[r] = W[r * d + c];
      nrm += tmp[r] * tmp[r];
    }
    nrm = Math.sqrt(nrm);
    for (let r = 0; r < d; r++) W[r * d + c] = tmp[r] / nrm;
  }
}
