// The demo page: controls, the particle canvas and the plots. All numerics happen in
// worker.ts; this thread only draws the latest frame.
import type { FromWorker, RunParams, ToWorker } from './protocol.js';
import { drawParticles, drawSeries, rotationFromDrag, type Rotation } from './render.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const form = $<HTMLFormElement>('controls');
const particles = $<HTMLCanvasElement>('particles').getContext('2d')!;
const energyPlot = $<HTMLCanvasElement>('energy-plot').getContext('2d')!;
const clusterPlot = $<HTMLCanvasElement>('cluster-plot').getContext('2d')!;

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const send = (m: ToWorker) => worker.postMessage(m);

let rotation: Rotation = rotationFromDrag(Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1), 0.4, 0.35);
let latest: Extract<FromWorker, { type: 'frame' }> | null = null;
let series = { t: [] as number[], energy: [] as number[], clusters: [] as number[] };
let dirty = false;
let run = 0;

function setText(id: string, text: string): void {
  $(id).textContent = text;
}

worker.onmessage = (event: MessageEvent<FromWorker>) => {
  const m = event.data;
  if (m.type !== 'ready' && m.run !== run) return; // a late message of a replaced run
  if (m.type === 'ready') {
    setText('backend', `${m.backend}${m.simd ? ' (SIMD)' : ''} in a Web Worker`);
    setText('status', 'ready');
    document.body.dataset.ready = 'true';
  } else if (m.type === 'frame') {
    latest = m;
    series.t.push(m.t);
    series.energy.push(m.energy);
    series.clusters.push(m.clusters);
    setText('time', m.t < 1e3 ? m.t.toFixed(2) : m.t.toExponential(2));
    setText('clusters', String(m.clusters));
    setText('energy', Number.isFinite(m.energy) ? m.energy.toPrecision(6) : 'n/a');
    setText('status', m.done ? 'done' : 'running');
    document.body.dataset.clusters = String(m.clusters);
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
    clusterTol: 1e-2,
  };
}

function start(): void {
  const params = readParams();
  setText('error', '');
  if (!Number.isInteger(params.n) || params.n < 1 || params.n > 2048) {
    setText('error', `n = ${params.n}: must be an integer from 1 to 2048 in this demo`);
    return;
  }
  series = { t: [], energy: [], clusters: [] };
  latest = null;
  delete document.body.dataset.clusters;
  send({ type: 'start', run: ++run, params });
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
  const set = (name: string, value: string) => ((form.elements.namedItem(name) as HTMLInputElement).value = value);
  set('space', 'circle'); set('beta', '9'); set('n', '64'); set('normalization', 'softmax');
  set('mask', 'none'); set('seed', '2'); set('tEnd', '100000000');
  start();
});

// Drag to rotate the sphere.
const canvas = particles.canvas;
let drag: { x: number; y: number } | null = null;
canvas.addEventListener('pointerdown', (e) => { drag = { x: e.clientX, y: e.clientY }; canvas.setPointerCapture(e.pointerId); });
canvas.addEventListener('pointerup', () => { drag = null; });
canvas.addEventListener('pointermove', (e) => {
  if (drag === null) return;
  rotation = rotationFromDrag(rotation, (e.clientX - drag.x) * 0.01, (e.clientY - drag.y) * 0.01);
  drag = { x: e.clientX, y: e.clientY };
  dirty = true;
});

function paint(): void {
  if (dirty && latest !== null) {
    drawParticles(particles, latest.points, latest.dim, rotation);
    drawSeries(energyPlot, series.t, series.energy, 'energy E_β', false);
    drawSeries(clusterPlot, series.t, series.clusters, 'clusters (tol 1e-2)', true);
    dirty = false;
  }
  requestAnimationFrame(paint);
}
requestAnimationFrame(paint);

// ?preset=metastability or ?autostart=1 start a run on load (handy for sharing a link).
const query = new URLSearchParams(location.search);
if (query.get('preset') === 'metastability') $('metastability').click();
else if (query.get('autostart') !== null) start();
