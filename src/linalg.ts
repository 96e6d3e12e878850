// Small dense linear algebra on row-major Float64Arrays: written once, used by the solvers that need a
// k x k factorisation (Newton's method on the Sinkhorn dual, Anderson's least squares).

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
    if (grounded?.[i] === 1) { x[i] = 0; continue; }
    let s = x[i];
    for (let q = 0; q < i; q++) s -= L[i * k + q] * x[q];
    x[i] = s / L[i * k + i];
  }
  for (let i = k - 1; i >= 0; i--) {
    if (grounded?.[i] === 1) { x[i] = 0; continue; }
    let s = x[i];
    for (let q = i + 1; q < k; q++) s -= L[q * k + i] * x[q];
    x[i] = s / L[i * k + i];
  }
}
