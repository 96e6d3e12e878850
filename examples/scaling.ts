// Dense against truncated as n grows (issue 20): the time of one attention velocity evaluation (S², beta = 1000) and of
// one Sinkhorn iteration at eps = 1e-3 (uniform box against a Gaussian cloud, d = 3), f32 and f64, on 2 threads, on
// log-log axes with the n² guide; below, the pairs kept against the predicted fraction (attention: the cap
// tau²/(2 beta) of S²; Sinkhorn: the target's mass within tau√eps of a row's transport image, bench/scale-cases.ts).
// The dashed "ideal" lines are the dense n² fit times the predicted fraction: what truncation costs if it streamed
// only the pairs that matter.
// Timings are machine-dependent, so the figure is drawn from bench/results/scale.json (written by
// `npm run bench:scale`, committed with the figure), not measured here: rerun the bench, then this.
// Run: npm run example scaling [-- --tiny]
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lineChart, PALETTE, report, type Series, stack, writeSvg } from './lib/svg.js';

interface Row {
  kind: 'attention' | 'sinkhorn';
  sweep: 'n' | 'beta' | 'eps';
  method: 'dense' | 'truncated';
  n: number;
  beta?: number;
  eps?: number;
  tau: number;
  seconds: number;
  keptFraction: number;
  predictedFraction: number;
  peakRssMiB: number | null;
  extrapolated: boolean;
}

const path = join(dirname(fileURLToPath(import.meta.url)), '..', 'bench', 'results', 'scale.json');
if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run bench:scale\` first`);
const results = JSON.parse(readFileSync(path, 'utf8')) as { date: string; threads: number; cpu: string; rows: Row[] };
const bySize = (a: Row, b: Row) => a.n - b.n;
const sweep = (kind: Row['kind'], method: Row['method']) =>
  results.rows.filter((r) => r.kind === kind && r.sweep === 'n' && r.method === method).sort(bySize);

const timeSeries: Series[] = [];
const keptSeries: Series[] = [];
const summary: string[] = [];
const kinds = [
  { kind: 'attention' as const, label: 'attention (one evaluation, β = 1000)', color: PALETTE[0] },
  { kind: 'sinkhorn' as const, label: 'Sinkhorn (one iteration, ε = 1e-3)', color: PALETTE[1] },
];
for (const { kind, label, color } of kinds) {
  const dense = sweep(kind, 'dense'),
    truncated = sweep(kind, 'truncated');
  const run = dense.filter((r) => !r.extrapolated),
    extrapolated = dense.filter((r) => r.extrapolated);
  if (run.length === 0 || truncated.length === 0) throw new Error(`${path} has no ${kind} rows against n`);
  // The n² guide through the largest dense run, and the ideal truncated cost: that guide times the predicted fraction.
  const top = run[run.length - 1];
  const ns = truncated.map((r) => r.n);
  const guide = ns.map((n) => top.seconds * (n / top.n) ** 2);
  const predicted = truncated[0].predictedFraction;
  timeSeries.push(
    { label: `${label}: dense`, x: run.map((r) => r.n), y: run.map((r) => r.seconds), color, markers: true },
    { label: `${label}: truncated (τ = ${truncated[0].tau})`, x: ns, y: truncated.map((r) => r.seconds), color, width: 3, markers: true },
    { label: `${kind}: n² through the largest dense run`, x: ns, y: guide, color: PALETTE[8], dashed: true, markers: false, width: 1 },
    {
      label: `${kind}: ideal, n² × predicted ${(100 * predicted).toPrecision(3)}%`,
      x: ns,
      y: guide.map((g) => g * predicted),
      color,
      dashed: true,
      markers: false,
      width: 1,
    },
  );
  keptSeries.push(
    { label: `${kind}: kept`, x: ns, y: truncated.map((r) => r.keptFraction), color, markers: true },
    { label: `${kind}: predicted`, x: ns, y: ns.map(() => predicted), color, dashed: true, markers: false },
  );
  const last = truncated[truncated.length - 1];
  const denseLast = dense.find((r) => r.n === last.n);
  summary.push(
    `${kind}: truncated ${last.seconds.toPrecision(3)} s at n = ${last.n}` +
      (denseLast ? ` against dense ${denseLast.extrapolated ? '~' : ''}${denseLast.seconds.toPrecision(3)} s` : '') +
      `${denseLast?.extrapolated ? ' (n² extrapolated)' : ''}, kept ${(100 * last.keptFraction).toPrecision(3)}% ` +
      `(predicted ${(100 * predicted).toPrecision(3)}%)`,
  );
  if (extrapolated.length > 0)
    timeSeries.push({
      label: `${label}: dense, n² extrapolated`,
      x: extrapolated.map((r) => r.n),
      y: extrapolated.map((r) => r.seconds),
      color,
      dashed: true,
    });
}

const when = results.date.slice(0, 10);
const note = `bench/results/scale.json, ${when}: attention f32, Sinkhorn f64, ${results.threads} threads, ${results.cpu}`;
writeSvg(
  'scaling',
  stack([
    lineChart({
      title: 'Pay only for the pairs that matter: seconds per evaluation, dense and truncated',
      note,
      xLabel: 'n (points; Sinkhorn: n = m)',
      yLabel: 'seconds',
      logX: true,
      logY: true,
      series: timeSeries,
    }),
    lineChart({
      title: 'Pairs kept (fraction of n²) against the predicted fraction',
      note: 'attention: τ²/(2β) of S²; Sinkhorn: P(|Y − Y′| ≤ τ√ε), Y, Y′ ~ target (kept: over the whole solve)',
      xLabel: 'n',
      yLabel: 'kept fraction',
      logX: true,
      logY: true,
      series: keptSeries,
    }),
  ]),
);
report('scaling', 'cost follows the pairs kept, a fraction τ²/2β (S²) or the τ√ε ball of the image (OT), not n²', summary.join('; '));
