import { THREADS_PER_CORE } from '../backend/index.js';
import { DETERMINISTIC_INTEGRATORS, INTEGRATORS } from '../simulate/integrators.js';
import { rk45Tolerances } from '../simulate/spec.js';
import { precisionFlag, type CommandSpec } from './args.js';
import { SWEEP_FLOWS } from './sweep.js';

/** Most records of a run. */
export const MAX_RECORDS = 100_000;
/** The integrators `meanfield run` offers (the deterministic ones of the registry), adaptive and fixed-step. */
export const ADAPTIVE = DETERMINISTIC_INTEGRATORS.filter((name) => INTEGRATORS[name].adaptive);
const FIXED_STEP = DETERMINISTIC_INTEGRATORS.filter((name) => !INTEGRATORS[name].adaptive);
/** The library's default tolerances of the adaptive integrators, quoted by --rtol and --atol. */
const TOLERANCES = rk45Tolerances(null);
/** The flows of `meanfield run`: 'attention, circle or interaction'. */
export const FLOW_LIST = Object.keys(SWEEP_FLOWS)
  .join(', ')
  .replace(/, ([^,]*)$/, ' or $1');
/** Numbers (n x dim x seeds) one chunk of seeds simulates together at most: bigger systems get smaller chunks. */
export const CHUNK_ELEMENTS = 2 ** 22;

export const runCommand: CommandSpec = {
  name: 'run',
  usage: `meanfield run ${Object.keys(SWEEP_FLOWS).join('|')} [options] --out runs.jsonl`,
  summary:
    'Simulate one flow over a grid of beta, n, dim and many seeds; write one JSON line per (grid point, seed) (plateaus, cluster counts, ' +
    'clustered-pairs fraction and energy over time, steps, wall time).',
  positionals: { min: 1, max: 1, names: `one flow: ${FLOW_LIST}` },
  flags: [
    { name: 'n', kind: 'int', min: 2, default: 64, grid: true, help: 'particles (a grid: 8,16,32 or 8:32:4)' },
    {
      name: 'dim',
      kind: 'int',
      min: 2,
      default: 3,
      grid: true,
      help: 'dimension of the sphere S^{dim-1} (attention, interaction; a grid: 2,3,8)',
    },
    {
      name: 'beta',
      kind: 'number',
      default: 9,
      grid: true,
      help: 'inverse temperature (a grid: 0.1:9:90 is 90 values from 0.1 to 9, or 1,4,9)',
    },
    {
      name: 'normalization',
      kind: ['softmax', 'none', 'sinkhorn'],
      default: 'softmax',
      help: 'attention normalisation (circle: softmax or none)',
    },
    { name: 'mask', kind: ['none', 'causal'], default: 'none', help: 'attention mask' },
    { name: 't-end', kind: 'number', min: 0, default: 1000, help: 'final time (0: the initial state only)' },
    { name: 'integrator', kind: DETERMINISTIC_INTEGRATORS, default: 'rk45', help: 'time stepper' },
    { name: 'dt', kind: 'number', min: 0, exclusiveMin: true, help: `step for ${FIXED_STEP.join(', ')}` },
    {
      name: 'rtol',
      kind: 'number',
      min: 0,
      exclusiveMin: true,
      help:
        `${ADAPTIVE.join(', ')} relative tolerance (default: simulate's, ${TOLERANCES.rtol}; with --collapse TOL, ` +
        `min(${TOLERANCES.rtol}, 1e-3 TOL))`,
    },
    {
      name: 'atol',
      kind: 'number',
      min: 0,
      exclusiveMin: true,
      help:
        `${ADAPTIVE.join(', ')} absolute tolerance (default: simulate's, ${TOLERANCES.atol}; with --collapse TOL, ` +
        `min(${TOLERANCES.atol}, 1e-6 TOL))`,
    },
    {
      name: 'clock',
      kind: ['time', 'arclength'],
      default: 'time',
      help: 'arclength: step in arc length (slow phases cost few steps; --dt is then an arc length)',
    },
    {
      name: 'collapse',
      kind: 'number',
      min: 0,
      exclusiveMin: true,
      help:
        'merge particles closer than TOL (radians) into one weighted particle: long runs reach the last merge in few steps (not with ' +
        '--mask causal)',
    },
    {
      name: 'stop-one-cluster',
      kind: 'number',
      min: 0,
      exclusiveMin: true,
      help: 'stop a run once its particles form one cluster at single-linkage distance TOL (radians)',
    },
    { name: 'records', kind: 'int', min: 2, max: MAX_RECORDS, default: 100, help: 'record times, t = 0 and t-end included' },
    {
      name: 'spacing',
      kind: ['log', 'linear'],
      default: 'log',
      help: 'record times log-spaced (from min(0.01, t-end/100)) or linear (from 0)',
    },
    {
      name: 'record-every',
      kind: 'int',
      min: 1,
      help: 'record after every K natural steps instead (euler --dt 0.1 --record-every 10: t = 0, 1, 2, ...)',
    },
    { name: 'cluster-tol', kind: 'number', min: 0, exclusiveMin: true, default: 1e-2, help: 'single-linkage distance for cluster counts' },
    {
      name: 'delta',
      kind: 'number',
      min: 0,
      exclusiveMin: true,
      default: 1e-3,
      help: "clustered pairs: <x_i, x_j> > 1 - delta (the papers' 0.999)",
    },
    precisionFlag,
    { name: 'seeds', kind: 'string', default: '1..8', help: 'seeds: 1..64 or 1,2,5' },
    {
      name: 'shard',
      kind: 'string',
      help:
        'run the i-th of k contiguous slices of the (grid point, seed) list: i/k (1 <= i <= k); auto in a Slurm job array (sbatch ' +
        '--array=0-7); auto/K in a Kubernetes Indexed Job of K completions',
    },
    { name: 'threads', kind: 'int', min: 1, help: `worker threads (default: the cores; at most ${THREADS_PER_CORE} per core)` },
    { name: 'batch', kind: 'int', min: 1, default: 16, help: 'most seeds of one grid point simulated together in one chunk' },
    {
      name: 'out',
      kind: 'string',
      help:
        'output JSON Lines file (required; locked while the run writes it, via <out>.lock); {shard} in it is the shard number: --out ' +
        "'runs/part-{shard}.jsonl'",
    },
    {
      name: 'resume',
      kind: 'boolean',
      help: "skip (grid point, seed) pairs already in --out and keep their lines (the settings must match the file's)",
    },
  ],
};
