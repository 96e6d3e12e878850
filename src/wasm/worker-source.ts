// The pool worker's whole program, as source text: a worker made from it (eval in Node, a
// Blob URL in browsers) needs no file, bundler or loader. It receives the compiled module and
// two SharedArrayBuffers (control words and data), instantiates its own copy of the core,
// then sleeps on the control word; each job names an operation, and the worker takes chunks of rows
// from a shared counter until none is left.
// Layout of the control words is shared with pool.ts (C below).
export const WORKER_SOURCE = String.raw`
'use strict';
const C = { SEQ: 0, PENDING: 1, OP: 2, ERROR: 3, N: 4, M: 5, D: 6, K: 7, F32: 8, SCORE: 9, CAUSAL: 10, HAS_H: 11, ACT: 12,
  NEXT: 13, CHUNK: 14, CHUNKS: 15, X: 16, Y: 17, H: 18, V: 19, LSE: 20, MEAN: 21, R: 22, GRAD: 23, THETA: 24, OMEGA: 25, ROWS: 26, SEG: 27, NSEG: 28,
  BLK: 29, NBLK: 30 };
const OP = { REDUCE: 1, FORWARD: 2, BACKWARD: 3, EXIT: 9 };
// The port: require in a CommonJS worker, self in a browser, import() where the worker's code is
// evaluated as a module (node --input-type=module passes that flag on to eval workers).
const portReady = typeof require === 'function' ? Promise.resolve(require('worker_threads').parentPort)
  : typeof self !== 'undefined' ? Promise.resolve(self)
  : import('node:worker_threads').then((m) => m.parentPort);
portReady.then((port) => {
const listen = (fn) => port.on ? port.on('message', fn) : port.addEventListener('message', (e) => fn(e.data));
listen((msg) => {
  if (msg.type !== 'start') return;
  const core = new WebAssembly.Instance(msg.module, {}).exports;
  const ctrl = new Int32Array(msg.control);
  const params = new Float64Array(msg.params);
  const data = msg.data;
  const me = msg.index;
  const base = (core.heapBase() + 15) & ~15;
  let top = base;
  const alloc = (bytes) => {
    const p = top;
    top = (p + bytes + 15) & ~15;
    const need = top - core.memory.buffer.byteLength;
    if (need > 0) core.memory.grow(Math.ceil(need / 65536));
    return p;
  };
  const src = (off, len) => new Float64Array(data, off * 8, len);
  // Chunks taken at run time, last rows first (the same order as pool.ts chunkRows).
  const forEachChunk = (fn) => {
    const rows = ctrl[C.ROWS], chunk = ctrl[C.CHUNK], chunks = ctrl[C.CHUNKS];
    for (let c = Atomics.add(ctrl, C.NEXT, 1); c < chunks; c = Atomics.add(ctrl, C.NEXT, 1)) {
      const lo = (chunks - 1 - c) * chunk;
      fn(lo, Math.min(rows, lo + chunk));
    }
  };
  const put = (ptr, a, f32) => (f32 ? new Float32Array(core.memory.buffer, ptr, a.length) : new Float64Array(core.memory.buffer, ptr, a.length)).set(a);
  const run = () => {
    const op = ctrl[C.OP];
    const n = ctrl[C.N], m = ctrl[C.M], d = ctrl[C.D], k = ctrl[C.K], f32 = ctrl[C.F32] === 1;
    const size = f32 ? 4 : 8;
    top = base;
    if (op === OP.REDUCE) {
      const hasH = ctrl[C.HAS_H] === 1;
      const S = ctrl[C.NSEG];
      const seg = S ? Int32Array.from(src(ctrl[C.SEG], S + 1)) : null;
      const lanes = 16 / size;
      let slots = 0;
      if (seg === null) slots = Math.ceil(m / lanes) * lanes;
      else for (let s = 0; s < S; s++) slots += Math.ceil((seg[s + 1] - seg[s]) / lanes) * lanes;
      // Equal offsets: the same array (y = x, values = y), copied in once.
      const yIsX = ctrl[C.Y] === ctrl[C.X] && m <= n, vIsY = k && ctrl[C.V] === ctrl[C.Y] && k === d;
      const px = alloc(n * d * size), py = yIsX ? px : alloc(m * d * size);
      const ph = hasH ? alloc(m * size) : 0;
      const pv = !k ? 0 : vIsY ? py : alloc(m * k * size);
      // A block mask (Q > 0): rows, ptr (Q + 1 each) and ranges in one array; one zero vector after the SoA.
      const Q = ctrl[C.NBLK];
      const blkLen = Q ? 2 * (Q + 1) + 2 * src(ctrl[C.BLK] + 2 * Q + 1, 1)[0] : 0;
      const soaBytes = (d + 1 + k) * slots * size;
      const psoa = alloc(soaBytes + (Q ? 16 : 0));
      const plse = alloc(n * 8), pmean = k ? alloc(n * k * 8) : 0;
      const pwork = alloc(f32 ? core.workBytesF32(k) : core.workBytesF64(k));
      const pseg = S ? alloc((S + 1) * 4) : 0, ppoff = S ? alloc((S + 1) * 4) : 0;
      const pblk = Q ? alloc(blkLen * 4) : 0, bptr = pblk + (Q + 1) * 4, branges = pblk + 2 * (Q + 1) * 4;
      const beta = params[0], score = ctrl[C.SCORE], causal = ctrl[C.CAUSAL];
      // Rows [r0, r1) of a row-major array of width w from shared offset off into memory at ptr (its row 0).
      const putRows = (ptr, off, r0, r1, w) => (f32 ? new Float32Array(core.memory.buffer, ptr + r0 * w * 4, (r1 - r0) * w) : new Float64Array(core.memory.buffer, ptr + r0 * w * 8, (r1 - r0) * w)).set(src(off + r0 * w, (r1 - r0) * w));
      if (S) {
        // Segments: each chunk copies and packs only the segments its rows touch (as wasm.ts does).
        new Int32Array(core.memory.buffer, pseg, S + 1).set(seg);
        if (f32) core.segmentSlotsF32(pseg, S, ppoff); else core.segmentSlotsF64(pseg, S, ppoff);
      } else {
        put(px, src(ctrl[C.X], n * d), f32);
        if (!yIsX) put(py, src(ctrl[C.Y], m * d), f32);
        if (hasH) put(ph, src(ctrl[C.H], m), f32);
        if (k && !vIsY) put(pv, src(ctrl[C.V], m * k), f32);
        if (f32) core.packKeysF32(py, m, d, ph, pv, k, psoa, pseg, S, ppoff); else core.packKeysF64(py, m, d, ph, pv, k, psoa, pseg, S, ppoff);
        if (Q) {
          new Int32Array(core.memory.buffer, psoa + soaBytes, 4).fill(0);
          new Int32Array(core.memory.buffer, pblk, blkLen).set(src(ctrl[C.BLK], blkLen));
        }
      }
      forEachChunk((lo, hi) => {
        if (S && lo < hi) {
          let a = 0, b = S; // s0: the last segment starting at or before lo
          while (b - a > 1) { const mid = (a + b) >> 1; if (seg[mid] <= lo) a = mid; else b = mid; }
          const s0 = a;
          b = S; // s1: the first offset at or after hi
          while (a < b) { const mid = (a + b) >> 1; if (seg[mid] < hi) a = mid + 1; else b = mid; }
          const s1 = a, j0 = seg[s0], j1 = seg[s1];
          putRows(px, ctrl[C.X], j0, j1, d);
          if (!yIsX) putRows(py, ctrl[C.Y], j0, j1, d);
          if (hasH) putRows(ph, ctrl[C.H], j0, j1, 1);
          if (k && !vIsY) putRows(pv, ctrl[C.V], j0, j1, k);
          if (f32) core.packSegmentsF32(py, d, ph, pv, k, psoa, pseg, S, ppoff, s0, s1); else core.packSegmentsF64(py, d, ph, pv, k, psoa, pseg, S, ppoff, s0, s1);
        }
        if (f32) core.reduceF32(px, lo, hi, psoa, m, d, k, beta, score, causal, plse, pmean, pwork, pseg, S, ppoff, pblk, Q, bptr, branges);
        else core.reduceF64(px, lo, hi, psoa, m, d, k, beta, score, causal, plse, pmean, pwork, pseg, S, ppoff, pblk, Q, bptr, branges);
        src(ctrl[C.LSE] + lo, hi - lo).set(new Float64Array(core.memory.buffer, plse + lo * 8, hi - lo));
        if (k) src(ctrl[C.MEAN] + lo * k, (hi - lo) * k).set(new Float64Array(core.memory.buffer, pmean + lo * k * 8, (hi - lo) * k));
      });
      return;
    }
    // Two-layer sums: n samples, m neurons, theta rows (a, w, b).
    const mPad = f32 ? core.paddedNeuronsF32(m) : core.paddedNeuronsF64(m);
    const px = alloc(n * d * size), ptheta = alloc(m * (d + 2) * size), pomega = alloc(m * size);
    const psoa = alloc((d + 3) * mPad * size);
    put(px, src(ctrl[C.X], n * d), f32);
    put(ptheta, src(ctrl[C.THETA], m * (d + 2)), f32);
    put(pomega, src(ctrl[C.OMEGA], m), f32);
    if (f32) core.packNeuronsF32(ptheta, pomega, m, d, psoa); else core.packNeuronsF64(ptheta, pomega, m, d, psoa);
    const act = ctrl[C.ACT];
    if (op === OP.FORWARD) {
      const pout = alloc(n * 8);
      forEachChunk((lo, hi) => {
        if (f32) core.forwardF32(px, lo, hi, psoa, m, d, act, pout); else core.forwardF64(px, lo, hi, psoa, m, d, act, pout);
        src(ctrl[C.LSE] + lo, hi - lo).set(new Float64Array(core.memory.buffer, pout + lo * 8, hi - lo));
      });
      return;
    }
    const pr = alloc(n * size), pgrad = alloc(m * (d + 2) * 8), pwork = alloc(core.twoLayerWorkBytes(d));
    put(pr, src(ctrl[C.R], n), f32);
    const p = d + 2;
    forEachChunk((lo, hi) => {
      if (f32) core.backwardF32(px, pr, n, psoa, m, lo, hi, d, act, pgrad, pwork); else core.backwardF64(px, pr, n, psoa, m, lo, hi, d, act, pgrad, pwork);
      src(ctrl[C.GRAD] + lo * p, (hi - lo) * p).set(new Float64Array(core.memory.buffer, pgrad + lo * p * 8, (hi - lo) * p));
    });
  };
  let seen = Atomics.load(ctrl, C.SEQ); // read before announcing readiness: no job can slip past
  port.postMessage({ type: 'ready', index: me });
  for (;;) {
    Atomics.wait(ctrl, C.SEQ, seen);
    seen = Atomics.load(ctrl, C.SEQ);
    if (ctrl[C.OP] === OP.EXIT) break;
    try { run(); } catch (e) { Atomics.store(ctrl, C.ERROR, 1); }
    if (Atomics.sub(ctrl, C.PENDING, 1) === 1) Atomics.notify(ctrl, C.PENDING);
  }
});
});
`;
