// The main job: a metastability run to the very end. 64 tokens on the circle under softmax
// self-attention at beta = 9 form a few clusters quickly, then sit in multi-cluster states for
// very long times and merge in a staircase. Particles that meet (within 1e-6) collapse into one
// weighted particle, so the run follows the staircase to the last merge in seconds.
import { init, Measure, simulate, circle, plateaus } from '../dist/index.js';

const n = 64,
  beta = 9,
  seed = Number(process.env.SEED ?? 2);
const info = await init();
console.log(
  `meanfield (${info.backend} backend): circle attention, n = ${n}, beta = ${beta}, seed = ${seed}, rk45 with cluster collapse, to the ` +
    `last merge`,
);
console.log('plateaus (cluster count constant at tol 1e-2) as they happen:');

const tty = process.stdout.isTTY;
// The progress line: redrawn at most 10 times a second on a terminal; when piped, a plain line
// every 2 seconds, so the output never stops for long while the run goes on.
const REDRAW_MS = tty ? 100 : Number(process.env.MEANFIELD_PROGRESS_MS ?? 2000);
let lastDraw = tty ? 0 : Date.now();
let current = null; // { clusters, start, energy }
const fmt = (t) => (t < 1e3 ? t.toFixed(2) : t.toExponential(2));
function onProgress(p) {
  const c = p.clusters > 12 ? undefined : p.clusters; // the first merges of single particles are not news
  if (c !== undefined && (current === null || c !== current.clusters)) {
    if (current !== null) {
      if (tty) process.stdout.write('\r\x1b[K');
      console.log(
        `  ${String(current.clusters).padStart(3)} cluster${current.clusters === 1 ? ' ' : 's'}  t in [${fmt(current.start)}, ` +
          `${fmt(current.end)}]  energy ${current.energy.toFixed(6)}`,
      );
    }
    current = { clusters: c, start: p.latestTime, end: p.latestTime, energy: p.latest.energy };
  } else if (current !== null) {
    current.end = p.latestTime;
    current.energy = p.latest.energy;
  }
  const now = Date.now();
  if (now - lastDraw < REDRAW_MS) return;
  lastDraw = now;
  const line = `  t = ${fmt(p.t)}, ${p.particles} particles, ${p.steps} steps, ${(p.elapsedMs / 1000).toFixed(1)} s`;
  if (tty) process.stdout.write(`\r\x1b[K${line}`);
  else console.log(`${line} (running)`);
}

const mu = Measure.uniformCircle(n, { seed });
// No tEnd: the run ends when the collapse leaves one particle (every token in one cluster, nothing moves any
// more). Records are log-spaced up to 1e12, far past the last merge.
const run = simulate(circle({ beta }), mu, {
  integrator: 'rk45',
  rtol: 1e-9,
  atol: 1e-12,
  progressInterval: 0,
  collapse: { tol: 1e-6 },
  record: { logSpaced: { count: 400, from: 0.05, to: 1e12 } },
  observe: { energy: true, clusters: { tol: 1e-2 } },
  onProgress,
});
if (tty) process.stdout.write('\r\x1b[K');
if (current)
  console.log(
    `  ${String(current.clusters).padStart(3)} cluster${current.clusters === 1 ? ' ' : 's'}  t in [${fmt(current.start)}, ` +
      `${fmt(current.end)}]  energy ${current.energy.toFixed(6)}`,
  );

const all = plateaus(run).plateaus;
console.log(`\nmetastable plateaus (after the initial clustering, each spanning at least a doubling of time):`);
for (const [k, p] of all.entries()) {
  if (!p.metastable) continue;
  const next = all[k + 1]; // the first record after the merge that ends the plateau
  console.log(
    `  ${String(p.clusters).padStart(3)} clusters for t in [${fmt(p.start)}, ${fmt(p.end)}]${
      next ? ` (merged by t = ${fmt(next.start)})` : ''
    }, energy ${p.energy.toFixed(6)} (relative change on the plateau ${p.energyChange.toExponential(1)})`,
  );
}
const late = run.collapses.filter((c) => c.remaining <= 4);
console.log(`\nlast merges (particles within 1e-6 collapse into one):`);
for (const c of late)
  console.log(`  t = ${fmt(c.t)}: ${c.particles.length} tokens now move as one; ${c.remaining} particle${c.remaining > 1 ? 's' : ''} left`);
const last = run.collapses[run.collapses.length - 1];
console.log(`\nlast merge at t = ${last.t.toExponential(4)}: all ${n} tokens form one cluster (stop: ${run.stopReason})`);
console.log(
  `${run.steps} rk45 steps (${run.stats.rejected} rejected, ${run.stats.evaluations} velocity evaluations) in ` +
    `${(run.stats.wallTimeMs / 1000).toFixed(2)} s`,
);
