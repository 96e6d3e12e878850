// The simulation runs here, on the Wasm core, off the page's thread. One run is one rk45
// integration with cluster collapse (the settings of `npm start`), cut into pieces that end at
// log-spaced frame times (pieces.ts). A fixed number of frames per decade of time, at a fixed
// frame rate, plays the fast early clustering and the exponentially long plateaus at the same
// watchable pace.
import { attention, circle, clusters, init, Measure, type Flow } from '../src/index.js';
import { pieces, runOptions } from './pieces.js';
import type { EndReason, FromWorker, RunParams, ToWorker } from './protocol.js';

/** Wall-clock time per frame (about 30 frames a second). */
const FRAME_MS = 33;

const post = (m: FromWorker, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(m, transfer);

let current = 0; // bumps on every start/stop, so a stale loop ends itself
// Default threads: the cores when the page is cross-origin isolated (SharedArrayBuffer), else 1.
const ready = init().then((info) => {
  const isolated = (self as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  const note = info.note ?? (isolated ? null : 'the page is not cross-origin isolated (no COOP/COEP headers; see Threads below)');
  post({ type: 'ready', backend: info.backend, simd: info.simd, threads: info.threads, note });
});

/** The flow and the start: softmax or unnormalised attention on the circle runs on angles, exactly as `npm start`. */
function setup(p: RunParams): { flow: Flow; mu: Measure } {
  if (p.space === 'circle' && p.mask === 'none' && p.normalization !== 'sinkhorn') {
    return { flow: circle({ beta: p.beta, normalization: p.normalization }), mu: Measure.uniformCircle(p.n, { seed: p.seed }) };
  }
  const flow = attention({ beta: p.beta, normalization: p.normalization, mask: p.mask });
  if (p.space === 'sphere') return { flow, mu: Measure.uniformSphere(p.n, 3, { seed: p.seed }) };
  // Sinkhorn or causal attention on S¹ ⊂ R²: the same angles as Measure.uniformCircle, as unit vectors.
  const theta = Measure.uniformCircle(p.n, { seed: p.seed }).points;
  const x = new Float64Array(2 * p.n);
  for (let i = 0; i < p.n; i++) {
    x[2 * i] = Math.cos(theta[i]);
    x[2 * i + 1] = Math.sin(theta[i]);
  }
  return { flow, mu: new Measure(x, { dim: 2, space: 'sphere' }) };
}

function postFrame(run: number, p: RunParams, flow: Flow, mu: Measure, t: number, steps: number, ended: EndReason | null): void {
  const n = mu.size;
  const dim = mu.space === 'circle' ? 2 : (mu.dim as 2 | 3);
  const points = new Float64Array(n * dim);
  if (mu.space === 'circle') {
    for (let i = 0; i < n; i++) {
      points[2 * i] = Math.cos(mu.points[i]);
      points[2 * i + 1] = Math.sin(mu.points[i]);
    }
  } else points.set(mu.points);
  const mass = mu.mass;
  const tokens = mu.weights.map((w) => Math.round((w / mass) * p.n));
  const energy = flow.energy ? flow.energy(mu.points, mu.weights, mu.dim) : NaN;
  const count = clusters(mu, { tol: p.clusterTol }).count;
  post({ type: 'frame', run, t, points, dim, tokens, energy, clusters: count, steps, ended }, [points.buffer, tokens.buffer]);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function loop(p: RunParams, run: number, id: number): Promise<void> {
  await ready;
  const { flow, mu } = setup(p);
  postFrame(run, p, flow, mu, 0, 0, p.tEnd === 0 ? 'tEnd' : null);
  let started = performance.now();
  for (const piece of pieces(flow, mu, runOptions(p.mask === 'none'), p.tEnd)) {
    if (id !== current) return;
    postFrame(run, p, flow, piece.run.final, piece.run.finalTime, piece.run.steps, piece.ended);
    // Yield to the event loop (a new start or a stop is seen here) and hold the frame rate.
    await sleep(Math.max(0, FRAME_MS - (performance.now() - started)));
    started = performance.now();
  }
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const id = ++current;
  const m = event.data;
  if (m.type === 'start') {
    loop(m.params, m.run, id).catch((e: unknown) =>
      post({ type: 'error', run: m.run, message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) }),
    );
  }
};
