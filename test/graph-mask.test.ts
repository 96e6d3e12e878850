// attention({ mask: { graph } }): the CSR graph mask, its block mask, and the dynamics it restricts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attention,
  clusters,
  init,
  InvalidArgumentError,
  Measure,
  simulate,
  simulateMany,
  Trajectory,
  UnknownOptionError,
  type CsrGraph,
} from '../src/index.js';
import { graphBlockMask, readGraph } from '../src/flows/graph.js';
import { tuning } from '../src/backend/wasm.js';
import { lcg, thrown } from './helpers.js';

beforeAll(async () => {
  await init({ threads: 1 });
});
afterAll(async () => {
  await init({ threads: 1 });
});

/** CSR from neighbour lists. */
function csr(rows: number[][]): CsrGraph {
  const indptr = [0];
  for (const r of rows) indptr.push(indptr[indptr.length - 1] + r.length);
  return { indptr: Int32Array.from(indptr), indices: Int32Array.from(rows.flat()) };
}
const range = (a: number, b: number) => Array.from({ length: Math.max(0, b - a) }, (_, t) => a + t);
const lowerTriangle = (n: number, diagonal: boolean) => csr(range(0, n).map((i) => range(0, diagonal ? i + 1 : i)));
const complete = (n: number) => csr(range(0, n).map(() => range(0, n)));
const ring = (n: number) => csr(range(0, n).map((i) => [(i + n - 1) % n, (i + 1) % n]));
/** Two disjoint complete graphs: nodes [0, a) and [a, a + b). */
const twoCliques = (a: number, b: number) => csr(range(0, a + b).map((i) => (i < a ? range(0, a) : range(a, a + b))));

function velocity(
  flow: ReturnType<typeof attention>,
  mu: Measure,
  opts: { backend?: 'wasm' | 'js'; precision?: 'f64' | 'f32' } = {},
): Float64Array {
  const v = new Float64Array(mu.points.length);
  flow.velocity(mu.points, mu.weights, mu.dim, v, opts);
  return v;
}
const maxDiff = (a: Float64Array, b: Float64Array) => a.reduce((m, v, t) => Math.max(m, Math.abs(v - b[t])), 0);
const bits = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

/**
 * The formula, directly: V_i = P_{x_i}( sum_{j in N(i)} a_j e^{beta <Qx_i, Kx_j>} V x_j / Z_i ) with
 * N(i) the graph's row (plus i when self), Z_i its sum ('softmax') or 1 ('none'); 0 where N(i) is empty.
 */
function reference(
  mu: Measure,
  rows: number[][],
  self: boolean,
  beta: number,
  normalization: 'softmax' | 'none',
  project: boolean,
): Float64Array {
  const { points: x, weights: a, dim: d, size: n } = mu;
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const nb = new Set(rows[i]);
    if (self) nb.add(i);
    if (nb.size === 0) continue;
    let z = 0;
    const acc = new Float64Array(d);
    for (const j of nb) {
      let s = 0;
      for (let c = 0; c < d; c++) s += x[i * d + c] * x[j * d + c];
      const w = a[j] * Math.exp(beta * s);
      z += w;
      for (let c = 0; c < d; c++) acc[c] += w * x[j * d + c];
    }
    const f = normalization === 'softmax' ? 1 / z : 1;
    let dot = 0;
    for (let c = 0; c < d; c++) {
      acc[c] *= f;
      dot += acc[c] * x[i * d + c];
    }
    for (let c = 0; c < d; c++) out[i * d + c] = project ? acc[c] - dot * x[i * d + c] : acc[c];
  }
  return out;
}

describe('graph → block mask (src/flows/graph.ts)', () => {
  it('ranges are maximal runs of sorted neighbours; rows with equal lists share a block; self added or dropped', () => {
    const g = readGraph('g', csr([[3, 1, 2, 2, 7], [], [0, 1, 2, 3, 4, 5, 6, 7], [0, 1, 2, 3, 4, 5, 6, 7], [5], [5], [6], [0]]));
    expect(Array.from(g.indices.subarray(g.indptr[0], g.indptr[1]))).toEqual([1, 2, 3, 7]); // sorted, deduplicated
    const b = graphBlockMask(g, { self: false, dropSelf: false });
    // Blocks: row 0 | row 1 (empty) | rows 2-3 (all) | rows 4-5 ([5]) | row 6 | row 7.
    expect(Array.from(b.rows)).toEqual([0, 1, 2, 4, 6, 7, 8]);
    expect(Array.from(b.ptr)).toEqual([0, 2, 2, 3, 4, 5, 6]);
    expect(Array.from(b.ranges)).toEqual([1, 4, 7, 8, 0, 8, 5, 6, 6, 7, 0, 1]);
    const s = graphBlockMask(g, { self: true, dropSelf: false });
    // Row 0 gains 0 (one range [0, 4)), row 1 gains 1, rows 4 and 5 now differ ([4, 6) and [5, 6)).
    expect(Array.from(s.rows)).toEqual([0, 1, 2, 4, 5, 6, 7, 8]);
    expect(Array.from(s.ranges)).toEqual([0, 4, 7, 8, 1, 2, 0, 8, 4, 6, 5, 6, 6, 7, 0, 1, 7, 8]);
    const o = graphBlockMask(g, { self: true, dropSelf: true });
    // Own keys removed: row 2 sees [0, 2) and [3, 8), row 3 [0, 3) and [4, 8), rows 5 and 6 nothing.
    // Rows 5 and 6 (both now empty) share a block.
    expect(Array.from(o.rows)).toEqual([0, 1, 2, 3, 4, 5, 7, 8]);
    expect(Array.from(o.ranges)).toEqual([1, 4, 7, 8, 0, 2, 3, 8, 0, 3, 4, 8, 5, 6, 0, 1]);
    expect(Array.from(o.ptr)).toEqual([0, 2, 2, 4, 6, 7, 7, 8]);
    // The complete graph is one block and one range; the lower triangle one range per row.
    const k = graphBlockMask(readGraph('g', complete(50)), { self: true, dropSelf: false });
    expect([Array.from(k.rows), Array.from(k.ptr), Array.from(k.ranges)]).toEqual([
      [0, 50],
      [0, 1],
      [0, 50],
    ]);
    const t = graphBlockMask(readGraph('g', lowerTriangle(5, false)), { self: true, dropSelf: false });
    expect(Array.from(t.ranges)).toEqual([0, 1, 0, 2, 0, 3, 0, 4, 0, 5]);
  });

  it('accepts number[] and other integer typed arrays; refuses malformed graphs with a named error', () => {
    const ok = readGraph('graph', { indptr: [0, 1, 2], indices: Float64Array.from([1, 0]) });
    expect(ok.n).toBe(2);
    const bad: Array<[unknown, string, RegExp]> = [
      [undefined, 'graph', /graph is required/],
      [[0, 1], 'graph options', /must be an options object/],
      [{ indptr: [0, 0] }, 'graph.indices', /graph.indices is required/],
      [{ indices: [] }, 'graph.indptr', /graph.indptr is required/],
      [{ indptr: [0, 0], indices: [], data: [] }, 'data', /unknown option 'data' for graph/],
      [{ indptr: [0], indices: [] }, 'graph.indptr', /at least one node/],
      [{ indptr: [1, 1], indices: [0] }, 'graph.indptr', /must start at 0, got 1 at index 0/],
      [{ indptr: [0, 2, 1], indices: [0] }, 'graph.indptr', /must be nondecreasing \(previous 2\), got 1 at index 2/],
      [{ indptr: [0, 1, 1], indices: [0, 1] }, 'graph.indptr', /must end at nnz = indices.length = 2, got 1 at index 2/],
      [{ indptr: [0, 1, 2], indices: [0, 2] }, 'graph.indices', /must be a node in \[0, 2\).*got 2 at index 1/],
      [{ indptr: [0, 1, 2], indices: [0, -1] }, 'graph.indices', /got -1 at index 1/],
      [{ indptr: [0, 1, 2], indices: [0, 0.5] }, 'graph.indices', /must contain only integers, got 0.5 at index 1/],
      [{ indptr: [0, 1, 2], indices: [0, '1'] }, 'graph.indices', /must contain only integers/],
      [{ indptr: 'x', indices: [] }, 'graph.indptr', /must be an Int32Array or an array of integers/],
      [{ indptr: BigInt64Array.from([0n, 0n]), indices: [] }, 'graph.indptr', /not BigInt/],
    ];
    for (const [value, name, message] of bad) {
      const e = thrown(() => readGraph('graph', value));
      expect(e.argument).toBe(name);
      expect(e.message).toMatch(message);
    }
  });
});

describe('attention({ mask: { graph } })', () => {
  it("the lower triangle is the causal mask: equal to mask 'causal' to 1e-12 (f64), every variant, both backends", () => {
    const rnd = lcg(5);
    const n = 37,
      d = 4;
    const mu = Measure.uniformSphere(n, d, { seed: 3, weights: Array.from({ length: n }, () => 0.2 + rnd()) });
    const Q = Array.from({ length: d * d }, () => rnd() - 0.5),
      V = Array.from({ length: d * d }, (_, t) => (t % (d + 1) === 0 ? 1 : 0.3 * (rnd() - 0.5)));
    const variants = [
      { beta: 3 },
      { beta: 9, normalization: 'none' as const },
      { beta: 2, Q, K: Q },
      { beta: 2, V },
      { beta: 1.5, space: 'euclidean' as const },
      { beta: 4, tangentProjection: false },
      { beta: -2 },
    ];
    let worst = 0;
    for (const v of variants)
      for (const graph of [lowerTriangle(n, true), lowerTriangle(n, false)]) {
        const m = v.space === 'euclidean' ? new Measure(mu.points, { dim: d, weights: mu.weights }) : mu;
        for (const backend of ['wasm', 'js'] as const) {
          const causal = velocity(attention({ ...v, mask: 'causal' }), m, { backend });
          const masked = velocity(attention({ ...v, mask: { graph } }), m, { backend });
          const scale = Math.max(1, ...causal.map(Math.abs));
          worst = Math.max(worst, maxDiff(causal, masked) / scale);
        }
      }
    expect(worst).toBeLessThan(1e-12);
    // And along a whole run: rk45 to t = 5.
    const a = simulate(attention({ beta: 3, mask: 'causal' }), mu, { tEnd: 5, rtol: 1e-9, atol: 1e-12 });
    const b = simulate(attention({ beta: 3, mask: { graph: lowerTriangle(n, true) } }), mu, { tEnd: 5, rtol: 1e-9, atol: 1e-12 });
    expect(maxDiff(a.final.points, b.final.points)).toBeLessThan(1e-10);
  });

  it(
    'the complete graph is no mask (1e-12); any graph matches the formula (f64 1e-12, f32 1e-5), a row with no neighbour has ' +
      'velocity 0',
    () => {
      const rnd = lcg(11);
      const n = 40,
        d = 3;
      const mu = Measure.uniformSphere(n, d, { seed: 9, weights: Array.from({ length: n }, () => 0.1 + rnd()) });
      for (const backend of ['wasm', 'js'] as const) {
        expect(
          maxDiff(
            velocity(attention({ beta: 5 }), mu, { backend }),
            velocity(attention({ beta: 5, mask: { graph: complete(n) } }), mu, { backend }),
          ),
        ).toBeLessThan(1e-12);
      }
      // Random directed graph: rows of 0..12 random neighbours (repeats, unsorted, some self loops), every 7th row empty.
      const rows = range(0, n).map((i) => (i % 7 === 3 ? [] : Array.from({ length: Math.floor(rnd() * 13) }, () => Math.floor(rnd() * n))));
      const graph = csr(rows);
      let empty = 0;
      for (const self of [true, false])
        for (const normalization of ['softmax', 'none'] as const)
          for (const project of [true, false]) {
            const flow = attention({ beta: 4, normalization, mask: { graph, self }, ...(project ? {} : { space: 'euclidean' as const }) });
            const m = project ? mu : new Measure(mu.points, { dim: d, weights: mu.weights });
            const ref = reference(m, rows, self, 4, normalization, project);
            for (const backend of ['wasm', 'js'] as const)
              for (const precision of ['f64', 'f32'] as const) {
                const v = velocity(flow, m, { backend, precision });
                expect(v.every(Number.isFinite)).toBe(true);
                const scale = Math.max(1, ...ref.map(Math.abs));
                expect(maxDiff(v, ref) / scale).toBeLessThan(precision === 'f64' ? 1e-12 : 1e-5);
                if (!self)
                  for (let i = 0; i < n; i++)
                    if (rows[i].length === 0) {
                      empty++;
                      for (let c = 0; c < d; c++) expect(v[i * d + c]).toBe(0);
                    }
              }
          }
      expect(empty).toBeGreaterThan(0);
    },
  );

  it('threads 1, 2 and 3 give identical bits (f64 and f32)', async () => {
    const saved = tuning.threadCutoff;
    const n = 600,
      d = 5;
    const mu = Measure.uniformSphere(n, d, { seed: 21 });
    const rnd = lcg(4);
    const graph = csr(
      range(0, n).map((i) => [...range(Math.max(0, i - 30), i), ...Array.from({ length: 20 }, () => Math.floor(rnd() * n))]),
    );
    try {
      for (const precision of ['f64', 'f32'] as const)
        for (const V of [undefined, Array.from({ length: d * d }, (_, t) => (t % (d + 1) === 0 ? 1 : 0.1))]) {
          const flow = attention({ beta: 6, V, mask: { graph } });
          await init({ threads: 1 });
          const ref = velocity(flow, mu, { precision });
          tuning.threadCutoff = 0;
          for (const threads of [2, 3]) {
            expect((await init({ threads })).threads).toBe(threads);
            expect(bits(velocity(flow, mu, { precision }))).toBe(bits(ref));
          }
          tuning.threadCutoff = saved;
        }
    } finally {
      tuning.threadCutoff = saved;
      await init({ threads: 1 });
    }
  });

  it('simulateMany under a graph mask is bit-identical to simulate on each system (rk45 per system and lockstep Euler)', () => {
    const n = 24;
    const flow = attention({ beta: 3, mask: { graph: ring(n) } });
    const mus = [1, 2, 3].map((s) => Measure.uniformSphere(n, 3, { seed: s }));
    const fp = (r: Trajectory) => {
      const j = r.toJSON() as Record<string, any>;
      delete j.stats.wallTimeMs;
      return JSON.stringify(j);
    };
    for (const options of [
      { tEnd: 4, record: { logSpaced: 6 } },
      { tEnd: 2, integrator: 'euler' as const, dt: 0.05, record: { every: 10 } },
    ]) {
      const many = simulateMany(flow, mus, options);
      mus.forEach((mu, b) => expect(fp(many[b])).toBe(fp(simulate(flow, mu, options))));
    }
  });

  it('a checkpoint resumes only under the same graph (params carry a fingerprint, not the arrays)', () => {
    const n = 16;
    const mu = Measure.uniformSphere(n, 3, { seed: 2 });
    const flow = attention({ beta: 2, mask: { graph: ring(n) } });
    expect(flow.params.mask).toEqual({ graph: { nodes: 16, edges: 32, hash: expect.any(String) }, self: true });
    const whole = simulate(flow, mu, { tEnd: 2, integrator: 'rk4', dt: 0.1 });
    const half = simulate(flow, mu, { tEnd: 1, integrator: 'rk4', dt: 0.1 });
    const resumed = simulate(
      attention({ beta: 2, mask: { graph: ring(n) } }),
      Trajectory.fromJSON(JSON.parse(JSON.stringify(half.toJSON()))),
      { tEnd: 2, integrator: 'rk4', dt: 0.1 },
    );
    expect(bits(resumed.final.points)).toBe(bits(whole.final.points));
    const other = csr(range(0, n).map((i) => [(i + 2) % n, (i + n - 2) % n]));
    expect(
      thrown(() => simulate(attention({ beta: 2, mask: { graph: other } }), half, { tEnd: 2, integrator: 'rk4', dt: 0.1 })).argument,
    ).toBe('checkpoint');
    expect(
      thrown(() => simulate(attention({ beta: 2, mask: { graph: ring(n), self: false } }), half, { tEnd: 2, integrator: 'rk4', dt: 0.1 }))
        .argument,
    ).toBe('checkpoint');
  });

  it("refuses bad masks with named errors, and a measure whose size is not the graph's at velocity time", () => {
    const g = ring(8);
    const cases: Array<[() => unknown, string, RegExp]> = [
      [() => attention({ mask: 'graph' as never }), 'mask', /mask must be one of 'none', 'causal'/],
      [() => attention({ mask: [g] as never }), 'mask options', /must be an options object/],
      [() => attention({ mask: { graph: g, slef: true } as never }), 'slef', /unknown option 'slef' for mask; did you mean 'self'\?/],
      [() => attention({ mask: { graph: g, self: 1 } as never }), 'mask.self', /must be true or false/],
      [() => attention({ mask: {} as never }), 'mask.graph', /mask.graph is required/],
      [
        () => attention({ mask: { graph: { ...g, indicies: [] } } as never }),
        'indicies',
        /unknown option 'indicies' for mask.graph; did you mean 'indices'\?/,
      ],
      [() => attention({ mask: { graph: { indptr: [0, 1], indices: [1] } } }), 'mask.graph.indices', /must be a node in \[0, 1\)/],
      [() => attention({ normalization: 'sinkhorn', mask: { graph: g } }), 'mask', /must be 'none' with normalization 'sinkhorn'/],
    ];
    for (const [call, name, message] of cases) {
      const e = thrown(call);
      expect(e.argument).toBe(name);
      expect(e.message).toMatch(message);
    }
    expect(thrown(() => attention({ mask: { graph: g, slef: true } as never }))).toBeInstanceOf(UnknownOptionError);
    const flow = attention({ mask: { graph: g } });
    const e = thrown(() => velocity(flow, Measure.uniformSphere(9, 3, { seed: 1 })));
    expect(e.argument).toBe('mask.graph');
    expect(e.message).toMatch(/^mask.graph has 8 nodes: it needs a measure of exactly 8 particles .*, got 9 particles$/);
    expect(() => simulate(flow, Measure.uniformSphere(7, 3, { seed: 1 }), { tEnd: 1 })).toThrow(InvalidArgumentError);
    expect(() =>
      simulateMany(flow, [Measure.uniformSphere(8, 3, { seed: 1 }), Measure.uniformSphere(9, 3, { seed: 2 })], { tEnd: 1 }),
    ).toThrow(/system 1/);
  });
});

describe('graph-restricted attention dynamics on the sphere: cluster counts', () => {
  it('two disconnected components cluster separately (2 clusters, never merged across), the complete graph reaches 1', () => {
    const a = 20,
      b = 12,
      n = a + b;
    const mu = Measure.uniformSphere(n, 3, { seed: 17 });
    const options = {
      tEnd: 60,
      rtol: 1e-10,
      atol: 1e-12,
      record: { logSpaced: 30, snapshots: true },
      observe: { clusters: { tol: 1e-3 } },
    } as const;
    const split = simulate(attention({ beta: 1, mask: { graph: twoCliques(a, b) } }), mu, options);
    const whole = simulate(attention({ beta: 1, mask: { graph: complete(n) } }), mu, options);
    const counts = Array.from(split.clusterCounts!);
    expect(counts[counts.length - 1]).toBe(2);
    expect(Array.from(whole.clusterCounts!).at(-1)).toBe(1);
    // No cluster ever holds particles of both components; at the end each component is one cluster.
    for (const snap of split.snapshots!) {
      const { labels } = clusters(snap, { tol: 1e-3 });
      for (let i = 0; i < a; i++) for (let j = a; j < n; j++) expect(labels[i]).not.toBe(labels[j]);
    }
    const { labels, centers } = clusters(split.final, { tol: 1e-3 });
    expect(new Set(Array.from(labels.subarray(0, a))).size).toBe(1);
    expect(new Set(Array.from(labels.subarray(a))).size).toBe(1);
    // Each component's cluster sits where that component alone would go: the same run restricted to it.
    const alone = simulate(
      attention({ beta: 1 }),
      new Measure(mu.points.subarray(0, a * 3), { dim: 3, space: 'sphere', weights: mu.weights.subarray(0, a) }),
      { tEnd: 60, rtol: 1e-10, atol: 1e-12 },
    );
    const c0 = centers.subarray(labels[0] * 3, labels[0] * 3 + 3);
    expect(maxDiff(c0, alone.final.points.subarray(0, 3))).toBeLessThan(1e-6);
  });
});

describe('collapse with a graph mask', () => {
  it('is refused up front with a named error (merging particles would change the graph)', () => {
    const n = 6;
    const mu = Measure.uniformSphere(n, 3, { seed: 4 });
    expect(() => simulate(attention({ beta: 2, mask: { graph: complete(n) } }), mu, { tEnd: 1, collapse: { tol: 1e-3 } })).toThrow(
      InvalidArgumentError,
    );
    expect(() => simulate(attention({ beta: 2, mask: { graph: complete(n) } }), mu, { tEnd: 1, collapse: { tol: 1e-3 } })).toThrow(
      /graph mask/,
    );
  });
});
