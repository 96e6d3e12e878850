// Small dense linear algebra on row-major Float64Arrays, written once: Cholesky (with a grounded variant for graph
// Laplacians), Gaussian elimination, Jacobi eigen- and singular value decompositions, the power iteration, products
// and functions of symmetric matrices. The callers (Newton's method and Anderson's least squares in Sinkhorn, the
// truncation bound's linear models, the exact solver's start, gaussianW2, the Gaussian-mixture layer) depend on these
// exact operation orders: their results are recorded bit for bit (test/golden), so a change here is a change there.

/**
 * In-place lower Cholesky factor of the symmetric positive definite k x k matrix A (row-major; only the lower
 * triangle is read, and the factor overwrites it). Returns false, leaving A partly overwritten, when a pivot is
 * not positive (A is not numerically positive definite).
 *
 * With `grounded` (length k) the matrix may be positive semi-definite, a graph Laplacian: a pivot that falls to
 * `groundTol` times its diagonal or below (the last node of each connected component, where elimination leaves
 * rounding) grounds its node instead: grounded[i] = 1 and choleskySolveInPlace sets x_i = 0, the solution of
 * the system with that node pinned. Gaussian elimination of a Laplacian (an M-matrix) is stable without pivoting.
 */
export function choleskyInPlace(A: Float64Array, k: number, grounded: Uint8Array | null = null, groundTol = 1e-15): boolean {
  grounded?.fill(0);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * k + j];
      for (let q = 0; q < j; q++) s -= A[i * k + q] * A[j * k + q];
      if (i === j) {
        if (grounded !== null && !(s > groundTol * A[i * k + i])) {
          grounded[i] = 1;
          A[i * k + i] = 1;
          continue;
        }
        if (!(s > 0)) return false;
        A[i * k + i] = Math.sqrt(s);
      } else A[i * k + j] = grounded?.[j] === 1 ? 0 : s / A[j * k + j];
    }
  }
  return true;
}

/** Solves L L^T x = b in place in x (x holds b on entry) for the lower factor L (and grounding) of choleskyInPlace. */
export function choleskySolveInPlace(L: Float64Array, k: number, x: Float64Array, grounded: Uint8Array | null = null): void {
  for (let i = 0; i < k; i++) {
    if (grounded?.[i] === 1) {
      x[i] = 0;
      continue;
    }
    let s = x[i];
    for (let q = 0; q < i; q++) s -= L[i * k + q] * x[q];
    x[i] = s / L[i * k + i];
  }
  for (let i = k - 1; i >= 0; i--) {
    if (grounded?.[i] === 1) {
      x[i] = 0;
      continue;
    }
    let s = x[i];
    for (let q = i + 1; q < k; q++) s -= L[q * k + i] * x[q];
    x[i] = s / L[i * k + i];
  }
}

/**
 * The lower Cholesky factor of the symmetric positive definite p x p matrix S (row-major; the lower triangle is read)
 * as a new matrix with a zero upper triangle, or null unless S is numerically positive definite. The same operations,
 * in the same order, as choleskyInPlace.
 */
export function cholesky(S: Float64Array, p: number): Float64Array | null {
  const L = S.slice(0, p * p);
  if (!choleskyInPlace(L, p)) return null;
  for (let i = 0; i < p; i++) L.fill(0, i * p + i + 1, (i + 1) * p);
  return L;
}

/**
 * Solves the small system A z = b (D x D, row-major) by Gaussian elimination with partial pivoting, A and b left
 * unchanged; false when a pivot falls to 1e-12 times the first one or below (numerically singular), or z is not finite.
 */
export function gaussianSolve(A: Float64Array, b: Float64Array, z: Float64Array, D: number): boolean {
  const M = Float64Array.from(A),
    v = Float64Array.from(b);
  for (let c = 0; c < D; c++) {
    let piv = c;
    for (let r = c + 1; r < D; r++) if (Math.abs(M[r * D + c]) > Math.abs(M[piv * D + c])) piv = r;
    if (!(Math.abs(M[piv * D + c]) > 1e-12 * Math.abs(M[0]))) return false;
    if (piv !== c) {
      for (let k = 0; k < D; k++) {
        const t = M[c * D + k];
        M[c * D + k] = M[piv * D + k];
        M[piv * D + k] = t;
      }
      const t = v[c];
      v[c] = v[piv];
      v[piv] = t;
    }
    for (let r = c + 1; r < D; r++) {
      const f = M[r * D + c] / M[c * D + c];
      for (let k = c; k < D; k++) M[r * D + k] -= f * M[c * D + k];
      v[r] -= f * v[c];
    }
  }
  for (let c = D - 1; c >= 0; c--) {
    let s = v[c];
    for (let k = c + 1; k < D; k++) s -= M[c * D + k] * z[k];
    z[c] = s / M[c * D + c];
  }
  return z.every(Number.isFinite);
}

/** Cyclic Jacobi eigenvalue iteration for a small symmetric matrix (columns of `vectors` are eigenvectors). */
export function jacobiEigen(S: Float64Array, d: number): { values: Float64Array; vectors: Float64Array } {
  const A = Float64Array.from(S);
  const V = new Float64Array(d * d);
  for (let i = 0; i < d; i++) V[i * d + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += A[p * d + q] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = A[p * d + q];
        if (apq === 0) continue;
        const theta = (A[q * d + q] - A[p * d + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1),
          s = t * c;
        for (let k = 0; k < d; k++) {
          const akp = A[k * d + p],
            akq = A[k * d + q];
          A[k * d + p] = c * akp - s * akq;
          A[k * d + q] = s * akp + c * akq;
        }
        for (let k = 0; k < d; k++) {
          const apk = A[p * d + k],
            aqk = A[q * d + k];
          A[p * d + k] = c * apk - s * aqk;
          A[q * d + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < d; k++) {
          const vkp = V[k * d + p],
            vkq = V[k * d + q];
          V[k * d + p] = c * vkp - s * vkq;
          V[k * d + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { values: Float64Array.from({ length: d }, (_, i) => A[i * d + i]), vectors: V };
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
        let al = 0,
          be = 0,
          ga = 0;
        for (let r = 0; r < p; r++) {
          const x = a[r * p + i],
            y = a[r * p + j];
          al += x * x;
          be += y * y;
          ga += x * y;
        }
        if (ga === 0 || Math.abs(ga) <= 1e-15 * Math.sqrt(al) * Math.sqrt(be)) continue;
        rotated = true;
        const zeta = (be - al) / (2 * ga);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t),
          sn = c * t;
        for (let r = 0; r < p; r++) {
          const x = a[r * p + i],
            y = a[r * p + j];
          a[r * p + i] = c * x - sn * y;
          a[r * p + j] = sn * x + c * y;
          const vx = v[r * p + i],
            vy = v[r * p + j];
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

/** The product A B of two d x d matrices (row-major). */
export function multiply(A: Float64Array, B: Float64Array, d: number): Float64Array {
  const C = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let k = 0; k < d; k++) {
      const aik = A[i * d + k];
      for (let j = 0; j < d; j++) C[i * d + j] += aik * B[k * d + j];
    }
  return C;
}

/** f(S) for a symmetric d x d matrix S through its eigendecomposition (jacobiEigen); f is applied to max(eigenvalue, 0). */
export function symmetricFunction(S: Float64Array, d: number, fn: (v: number) => number): Float64Array {
  const { values, vectors } = jacobiEigen(S, d);
  const out = new Float64Array(d * d);
  for (let k = 0; k < d; k++) {
    const fk = fn(Math.max(values[k], 0));
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) out[i * d + j] += fk * vectors[i * d + k] * vectors[j * d + k];
  }
  return out;
}

/**
 * The power iteration for the leading eigenvector of a symmetric positive semi-definite d x d matrix A: v is the start
 * on entry and the unit eigenvector estimate on return, after `iterations` steps (fewer when A v vanishes or overflows).
 */
export function powerIteration(A: Float64Array, d: number, v: Float64Array, iterations: number): Float64Array {
  const next = new Float64Array(d);
  for (let it = 0; it < iterations; it++) {
    let norm = 0;
    for (let k = 0; k < d; k++) {
      let s = 0;
      for (let l = 0; l < d; l++) s += A[k * d + l] * v[l];
      next[k] = s;
      norm += s * s;
    }
    norm = Math.sqrt(norm);
    if (!(norm > 0) || !Number.isFinite(norm)) break;
    for (let k = 0; k < d; k++) v[k] = next[k] / norm;
  }
  return v;
}
