// The Bures–Wasserstein direction of one component of a GM layer (gm.ts): the projection of D_k on {H L : H symmetric}.
import { jacobiSvd } from '../linalg.js';

/**
 * The Bures–Wasserstein step direction of one component: given its factor L (p x p) and
 * D = sum_s q_s ∇psi(theta_s) z_sᵀ, writes GL <- H L, the orthogonal (Frobenius) projection of D on
 * {H L : H symmetric}, and, when hess is given, H itself: the symmetric solution of
 * H L Lᵀ + L Lᵀ H = D Lᵀ + L Dᵀ (its restriction to the range of Sigma when Sigma is singular).
 * Computed through the SVD L = U S Vᵀ: with Dt = Uᵀ D V, Ht_ij = (s_j Dt_ij + s_i Dt_ji) / (s_i² + s_j²).
 */
export function projectBW(L: Float64Array, D: Float64Array, p: number, work: Float64Array, GL: Float64Array, hess: Float64Array | null): void {
  const U = work.subarray(0, p * p), V = work.subarray(p * p, 2 * p * p), s = work.subarray(2 * p * p, 2 * p * p + p);
  const Dt = work.subarray(2 * p * p + p, 3 * p * p + p), T = work.subarray(3 * p * p + p, 4 * p * p + p);
  U.set(L.subarray(0, p * p));
  jacobiSvd(U, V, s, p);
  let smax = 0;
  for (let i = 0; i < p; i++) smax = Math.max(smax, s[i]);
  if (smax === 0) { // a point mass: nothing to spread
    GL.fill(0, 0, p * p);
    if (hess) hess.fill(0, 0, p * p);
    return;
  }
  for (let i = 0; i < p; i++) {
    if (s[i] > 0) for (let r = 0; r < p; r++) U[r * p + i] /= s[i];
  }
  // Directions where Sigma is exactly singular: complete U to an orthonormal basis (Gram–Schmidt on
  // the unit vectors e_r, keeping the largest residual).
  for (let i = 0; i < p; i++) {
    if (s[i] > 0) continue;
    const res = new Float64Array(p);
    let best = -1;
    for (let e = 0; e < p; e++) {
      res.fill(0);
      res[e] = 1;
      for (let pass = 0; pass < 2; pass++) {
        for (let j = 0; j < p; j++) {
          if (j === i || (s[j] === 0 && j > i)) continue;
          let dot = 0;
          for (let r = 0; r < p; r++) dot += U[r * p + j] * res[r];
          for (let r = 0; r < p; r++) res[r] -= dot * U[r * p + j];
        }
      }
      let nrm = 0;
      for (let r = 0; r < p; r++) nrm += res[r] ** 2;
      nrm = Math.sqrt(nrm);
      if (nrm > best) {
        best = nrm;
        for (let r = 0; r < p; r++) U[r * p + i] = res[r] / nrm;
      }
    }
  }
  // Dt = Uᵀ D V.
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < p; j++) {
      let t = 0;
      for (let r = 0; r < p; r++) {
        let dv = 0;
        for (let c = 0; c < p; c++) dv += D[r * p + c] * V[c * p + j];
        t += U[r * p + i] * dv;
      }
      Dt[i * p + j] = t;
    }
  }
  // T = Ht S (T_ij = Ht_ij s_j), scale-free in s.
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < p; j++) {
      const rho = Math.max(s[i], s[j]);
      if (rho === 0) { T[i * p + j] = 0; continue; }
      const a = s[i] / rho, b = s[j] / rho;
      T[i * p + j] = (b * (b * Dt[i * p + j] + a * Dt[j * p + i])) / (a * a + b * b);
    }
  }
  // GL = U T Vᵀ.
  for (let r = 0; r < p; r++) {
    for (let c = 0; c < p; c++) {
      let t = 0;
      for (let i = 0; i < p; i++) {
        let tv = 0;
        for (let j = 0; j < p; j++) tv += T[i * p + j] * V[c * p + j];
        t += U[r * p + i] * tv;
      }
      GL[r * p + c] = t;
    }
  }
  if (hess) {
    // Ht_ij = (s_j Dt_ij + s_i Dt_ji) / (s_i² + s_j²); H = U Ht Uᵀ (Ht kept in T).
    for (let i = 0; i < p; i++) {
      for (let j = 0; j < p; j++) {
        const rho = Math.max(s[i], s[j]);
        if (rho === 0) { T[i * p + j] = 0; continue; }
        const a = s[i] / rho, b = s[j] / rho;
        T[i * p + j] = (b * Dt[i * p + j] + a * Dt[j * p + i]) / ((a * a + b * b) * rho);
      }
    }
    for (let r = 0; r < p; r++) {
      for (let c = 0; c < p; c++) {
        let t = 0;
        for (let i = 0; i < p; i++) {
          let tu = 0;
          for (let j = 0; j < p; j++) tu += T[i * p + j] * U[c * p + j];
          t += U[r * p + i] * tu;
        }
        hess[r * p + c] = t;
      }
    }
    for (let r = 0; r < p; r++) for (let c = r + 1; c < p; c++) hess[c * p + r] = hess[r * p + c] = (hess[r * p + c] + hess[c * p + r]) / 2;
  }
}
