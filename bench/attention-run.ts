// A whole run at large beta (issue 20 §2, target: n = 1e5 to t = 10 in under 60 s on two threads):
//   node --import tsx bench/attention-run.ts [n] [tEnd] [seconds]     (defaults 1e5, 10, 600; BENCH_THREADS, default 2)
// n tokens uniform on S², beta = 1000, rk45 with collapse (tol 1e-6), f32, default options (truncate: 'auto').
// Prints the token count over time (collapse merges tokens, so later evaluations get cheaper), then the wall time,
// steps, evaluations, where the time went (velocity evaluations, of which the truncation mask and tree, against
// the rest: collapse, rk45's own f64 work, records), and the peak RSS. The run stops at tEnd or after `seconds`.
import { pathToFileURL } from 'node:url';
import { attention, init, Measure, simulate } from '../src/index.js';
import type { Flow } from '../src/index.js';

const BETA = 1000;

export interface AttentionRunResult {
  n: number;
  tEnd: number;
  reached: number;
  seconds: number;
  steps: number;
  rejected: number;
  evaluations: number;
  velocitySeconds: number;
  finalTokens: number;
  peakRssMiB: number;
  timeline: { t: number; seconds: number; tokens: number; steps: number }[];
}

export async function attentionRun(n: number, tEnd: number, limitSeconds: number, threads: number): Promise<AttentionRunResult> {
  await init({ threads });
  const mu = Measure.uniformSphere(n, 3, { seed: 1 });
  const flow = attention({ beta: BETA });
  let velocitySeconds = 0;
  // The same flow, its velocity timed.
  const timed: Flow = Object.create(flow);
  timed.velocity = (...args: Parameters<Flow['velocity']>) => {
    const t0 = performance.now();
    flow.velocity(...args);
    velocitySeconds += (performance.now() - t0) / 1000;
  };
  const timeline: AttentionRunResult['timeline'] = [];
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const run = simulate(timed, mu, {
    tEnd,
    integrator: 'rk45',
    precision: (process.env.BENCH_PRECISION ?? 'f32') as 'f32' | 'f64',
    collapse: { tol: 1e-6 },
    record: { logSpaced: 20 },
    stopWhen: { custom: () => elapsed() > limitSeconds },
    progressInterval: 2000,
    onProgress: (p) => {
      timeline.push({ t: p.t, seconds: elapsed(), tokens: p.particles, steps: p.steps });
      const at = `  t = ${p.t.toPrecision(4)}  ${elapsed().toFixed(1)} s`;
      console.log(`${at}  ${p.steps} steps  ${p.particles} tokens  step ${p.stepSize.toExponential(2)}`);
    },
  });
  return {
    n,
    tEnd,
    reached: run.finalTime,
    seconds: elapsed(),
    steps: run.stats.accepted,
    rejected: run.stats.rejected,
    evaluations: run.stats.evaluations,
    velocitySeconds,
    finalTokens: run.final.points.length / 3,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    timeline,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [n = 1e5, tEnd = 10, limit = 600] = process.argv.slice(2).map(Number);
  const threads = Number(process.env.BENCH_THREADS ?? 2);
  console.log(`n = ${n}, beta = ${BETA}, rk45 + collapse (tol 1e-6), f32, ${threads} threads, to t = ${tEnd} (at most ${limit} s)`);
  const r = await attentionRun(n, tEnd, limit, threads);
  console.log(
    `reached t = ${r.reached.toPrecision(4)} of ${r.tEnd} in ${r.seconds.toFixed(1)} s: ${r.steps} steps (${r.rejected} rejected), ` +
      `${r.evaluations} evaluations, ${r.finalTokens} tokens left`,
  );
  const perEvaluation = (1000 * r.velocitySeconds) / Math.max(1, r.evaluations);
  console.log(
    `velocity ${r.velocitySeconds.toFixed(1)} s (${perEvaluation.toFixed(0)} ms per evaluation), ` +
      `the rest (collapse, rk45, records) ${(r.seconds - r.velocitySeconds).toFixed(1)} s; peak RSS ${r.peakRssMiB.toFixed(0)} MiB`,
  );
}
