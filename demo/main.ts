// The demo page: controls, the particle canvas and the plots. All numerics happen in
// worker.ts; this thread only draws the latest frame. At load the metastability preset starts.
import { countAxis, decadeAxis, drawPlot, linearAxis, type Axis } from './plot.js';
import { FIRST_FRAME_T, type FromWorker, type RunParams, type ToWorker } from './protocol.js';
import { drawParticles, rotationFromDrag, surface, type Rotation } from './render.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const form = $<HTMLFormElement>('controls');
const particles = surface($<HTMLCanvasElement>('particles'));
const clusterPlot = surface($<HTMLCanvasElement>('cluster-plot'));
const energyPlot = surface($<HTMLCanvasElement>('energy-plot'));

/** The run of `npm start` (scripts/demo.mjs): its last merge comes at t ≈ 1.57e7, before this t end. */
const PRESET: Record<string, string> = {
  space: 'circle',
  beta: '9',
  n: '64',
  normalization: 'softmax',
  mask: 'none',
  seed: '2',
  tEnd: '1e8',
};
const CLUSTER_TOL = 1e-2;

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const send = (m: ToWorker) => worker.postMessage(m);

type Frame = Extract<FromWorker, { type: 'frame' }>;
let rotation: Rotation = rotationFromDrag(Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1), 0.4, 0.35);
let latest: Frame | null = null;
let params: RunParams = readParams();
let series = { t: [] as number[], energy: [] as number[], clusters: [] as number[] };
let dirty = true;
let run = 0;

const setText = (id: string, text: string) => {
  $(id).textContent = text;
};
const formatTime = (t: number) => (t === 0 ? '0' : t >= 1e4 || t < 1e-2 ? t.toExponential(2) : t.toPrecision(4));
const formatEnergy = (e: number) => (!Number.isFinite(e) ? 'n/a' : Math.abs(e) >= 1e6 ? e.toExponential(3) : e.toPrecision(6));

worker.onmessage = (event: MessageEvent<FromWorker>) => {
  const m = event.data;
  if (m.type !== 'ready' && m.run !== run) return; // a late message of a replaced run
  if (m.type === 'ready') {
    const threads = m.threads > 1 ? `on ${m.threads} threads (shared memory)` : `on 1 thread${m.note === null ? '' : `: ${m.note}`}`;
    setText('backend', `core: ${m.backend}${m.simd ? ' (SIMD)' : ''} in a Web Worker, ${threads}`);
    document.body.dataset.ready = 'true';
    document.body.dataset.threads = String(m.threads);
  } else if (m.type === 'frame') {
    latest = m;
    series.t.push(m.t);
    series.energy.push(m.energy);
    series.clusters.push(m.clusters);
    setText('time', formatTime(m.t));
    setText('clusters', String(m.clusters));
    setText('particle-count', String(m.tokens.length));
    setText('energy', formatEnergy(m.energy));
    setText('steps', String(m.steps));
    setText(
      'status',
      m.ended === 'merged'
        ? `done: all ${params.n} tokens in one particle at t = ${m.t < 1e4 ? m.t.toPrecision(5) : m.t.toExponential(4)}`
        : m.ended === 'tEnd'
          ? 'done: reached t end'
          : 'running',
    );
    document.body.dataset.clusters = String(m.clusters);
    // The exact numbers of the latest frame, for scripts (and the e2e test) to read.
    document.body.dataset.frame = JSON.stringify({
      t: m.t,
      clusters: m.clusters,
      particles: m.tokens.length,
      energy: m.energy,
      steps: m.steps,
      ended: m.ended,
    });
    dirty = true;
  } else {
    setText('error', m.message);
    setText('status', 'stopped by an error');
  }
};
worker.onerror = (e) => setText('error', `worker failed: ${e.message}`);

function readParams(): RunParams {
  const f = new FormData(form);
  const num = (k: string) => Number(f.get(k));
  return {
    space: f.get('space') as RunParams['space'],
    beta: num('beta'),
    n: num('n'),
    normalization: f.get('normalization') as RunParams['normalization'],
    mask: f.get('mask') as RunParams['mask'],
    seed: num('seed'),
    tEnd: num('tEnd'),
    clusterTol: CLUSTER_TOL,
  };
}

function start(): void {
  const next = readParams();
  setText('error', '');
  if (!Number.isInteger(next.n) || next.n < 1 || next.n > 2048) {
    setText('error', `n = ${next.n}: must be an integer from 1 to 2048 in this demo`);
    return;
  }
  if (!(next.tEnd >= 0 && next.tEnd < Infinity)) {
    setText('error', `t end = ${next.tEnd}: must be a number >= 0`);
    return;
  }
  params = next;
  series = { t: [], energy: [], clusters: [] };
  latest = null;
  delete document.body.dataset.clusters;
  delete document.body.dataset.frame;
  setText(
    'caption',
    params.space === 'circle'
      ? `${params.n} tokens on the circle S¹. A larger dot is several tokens merged into one particle; the number is their count.`
      : `${params.n} tokens on the sphere S², seen from outside (drag to rotate; the far side is paler). A number counts merged tokens.`,
  );
  setText('status', 'starting');
  send({ type: 'start', run: ++run, params });
  dirty = true;
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  start();
});
$('stop').addEventListener('click', () => {
  send({ type: 'stop' });
  run++;
  setText('status', 'stopped');
});
$('metastability').addEventListener('click', () => {
  for (const [name, value] of Object.entries(PRESET)) (form.elements.namedItem(name) as HTMLInputElement).value = value;
  start();
});

// Drag to rotate the sphere.
const canvas = $<HTMLCanvasElement>('particles');
let drag: { x: number; y: number } | null = null;
canvas.addEventListener('pointerdown', (e) => {
  drag = { x: e.clientX, y: e.clientY };
  canvas.setPointerCapture(e.pointerId);
});
canvas.addEventListener('pointerup', () => {
  drag = null;
});
canvas.addEventListener('pointermove', (e) => {
  if (drag === null) return;
  rotation = rotationFromDrag(rotation, (e.clientX - drag.x) * 0.01, (e.clientY - drag.y) * 0.01);
  drag = { x: e.clientX, y: e.clientY };
  dirty = true;
});

/** The time axis of a run: fixed from its start to its t end, so the plots never rescale in time. */
const timeAxis = (): Axis => decadeAxis(FIRST_FRAME_T, Math.max(params.tEnd, 10 * FIRST_FRAME_T));

function paint(): void {
  if (dirty) {
    if (latest !== null) drawParticles(particles, latest.points, latest.dim, latest.tokens, rotation);
    else drawParticles(particles, new Float64Array(0), params.space === 'circle' ? 2 : 3, new Float64Array(0), rotation);
    const x = timeAxis();
    drawPlot(
      clusterPlot,
      `clusters (tokens within ${CLUSTER_TOL} rad linked), log scale`,
      'time t (log scale)',
      x,
      countAxis(params.n),
      { x: series.t, y: series.clusters },
      true,
    );
    const energies = series.energy.filter(Number.isFinite);
    const energyAxis = energies.length > 0 ? linearAxis(Math.min(...energies), Math.max(...energies)) : linearAxis(0, 1);
    drawPlot(
      energyPlot,
      'interaction energy E_β',
      'time t (log scale)',
      x,
      energyAxis,
      energies.length === series.energy.length ? { x: series.t, y: series.energy } : { x: [], y: [] },
      false,
      series.t.length > 0 ? 'this flow has no energy' : '',
    );
    dirty = false;
    if (latest !== null) document.body.dataset.drawn = 'true';
  }
  requestAnimationFrame(paint);
}
requestAnimationFrame(paint);

// The preset is the page's default: it starts at load (the form already holds its values).
start();
