// The small dense linear algebra of the GM layer: a Cholesky factor (mixture input) and a one-sided Jacobi SVD
// (the Bures–Wasserstein projection). Kept in this one file so that src/linalg.ts can absorb it (issue 19).

/** Lower Cholesky factor of a symmetric positive definite p x p matrix (row-major); null unless SPD. */
export function cholesky(S: Float64Array, p: number): Float64Array | null {
  const L = new Float64Array(p * p);
  for (let j = 0; j < p; j++) {
    let d = S[j * p + j];
    for (let k = 0; k < j; k++) d -= L[j * p + k] ** 2;
    if (!(d > 0)) return null;
    L[j * p + j] = Math.sqrt(d);
    for (let i = j + 1; i < p; i++) {
      let t = S[i * p + j];
      for (let k = 0; k < j; k++) t -= L[i * p + k] * L[j * p + k];
      L[i * p + j] = t / L[j * p + j];
    }
  }
  return L;
}

/**
 * One-sided Jacobi SVD of the p x p row-major matrix a, in place: afterwards column i of a is
 * u_i s_i (so the input was a Vᵀ with a = U S), v (row-major, columns v_i) and s (singular values).
 * Small singular values keep their relative accuracy.
 */
export function jacobiSvd(a: Float64Array, v: Float64Array, s: Float64Array, p: number): void {
  v.fill(0);
  for (let i = 0; i < p; i++) v[i * p + i] = 1;
  for (let sweep = 0; sweep < 80; sweep++) {
    let rotated = false;
    for (let i = 0; i < p - 1; i++) {
      for (let j = i + 1; j < p; j++) {
        let al = 0, be = 0, ga = 0;
        for (let r = 0; r < p; r++) { const x = a[r * p + i], y = a[r * p + j]; al += x * x; be += y * y; ga += x * y; }
        if (ga === 0 || Math.abs(ga) <= 1e-15 * Math.sqrt(al) * Math.sqrt(be)) continue;
        rotated = true;
        const zeta = (be - al) / (2 * ga);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t), sn = c * t;
        for (let r = 0; r < p; r++) {
          const x = a[r * p + i], y = a[r * p + j];
          a[r * p + i] = c * x - sn * y;
          a[r * p + j] = sn * x + c * y;
          const vx = v[r * p + i], vy = v[r * p + j];
          v[r * p + i] = c * vx - sn * vy;
          v[r * p + j] = sn * vx + c * vy;
        }
      }
    }
    if (!rotated) break;
  }
  for (let i = 0; i < p; i++) {
    let t = 0;
    for (let r = 0; r < p; r++) t += a[r * p + i] ** 2;
    s[i] = Math.sqrt(t);
  }
}
