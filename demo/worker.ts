// The simulation runs here, on the Wasm core, off the page's thread. Time advances in
// chunks that grow with t (a fixed fraction of log-time per frame), so fast early
// clustering and exponentially long plateaus both play at a watchable pace.
import { attention, clusters, init, Measure, simulate, type Flow } from '../src/index.js';
import type { FromWorker, RunParams, ToWorker } from './protocol.js';

const post = (m: FromWorker, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(m, transfer);

let current = 0; // bumps on every start/stop, so a stale loop ends itself
const ready = init({ threads: 1 }).then((info) => post({ type: 'ready', backend: info.backend, simd: info.simd }));

function startMeasure(p: RunParams): Measure {
  if (p.space === 'sphere') return Measure.uniformSphere(p.n, 3, { seed: p.seed });
  // The circle as S¹ ⊂ R²: same angles as Measure.uniformCircle, embedded as unit vectors.
  const theta = Measure.uniformCircle(p.n, { seed: p.seed }).points;
  const x = new Float64Array(2 * p.n);
  for (let i = 0; i < p.n; i++) { x[2 * i] = Math.cos(theta[i]); x[2 * i + 1] = Math.sin(theta[i]); }
  return new Measure(x, { dim: 2, space: 'sphere' }).normalized();
}

async function loop(p: RunParams, run: number, id: number): Promise<void> {
  await ready;
  const flow: Flow = attention({ beta: p.beta, normalization: p.normalization, mask: p.mask });
  let mu = startMeasure(p);
  let t = 0, steps = 0;
  const frame = (done: boolean) => {
    const points = Float64Array.from(mu.points);
    const energy = flow.energy ? flow.energy(mu.points, mu.weights, mu.dim) : NaN;
    post({ type: 'frame', run, t, points, dim: mu.dim, energy, clusters: clusters(mu, { tol: p.clusterTol }).count, steps, done }, [points.buffer]);
  };
  frame(false);
  while (id === current && t < p.tEnd) {
    const dt = Math.min(p.tEnd - t, Math.max(0.02, 0.03 * t));
    // Tokens that meet (within 1e-6) collapse into one weighted particle: the formed clusters'
    // stiff contraction is gone and steps lengthen through the plateaus, so even the last merge
    // (t ≈ 1.6e7 for the metastability preset) arrives in seconds. Merging is refused under a causal mask.
    const chunk = simulate(flow, mu, {
      tEnd: dt, integrator: 'rk45', rtol: 1e-7, atol: 1e-9, ...(p.mask === 'none' ? { collapse: { tol: 1e-6 } } : { maxStep: 0.5 }),
    });
    mu = chunk.final;
    t += dt;
    steps += chunk.steps;
    frame(t >= p.tEnd);
    // Yield to the event loop so a new start or a stop is seen between chunks.
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const id = ++current;
  const m = event.data;
  if (m.type === 'start') {
    loop(m.params, m.run, id).catch((e: unknown) => post({ type: 'error', run: m.run, message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) }));
  }
};
