// Point-cloud memory against a Euclidean modern Hopfield network on flattened clouds.
// Three planar shapes are stored; the query is one of them with jittered points, listed in
// a shuffled order and with perturbed masses. The flattened baseline compares coordinates
// position by position, so the order (which a measure does not have) defeats it.
import { Measure } from '../measure.js';
import { wasserstein2 } from '../ot/wasserstein.js';
import { Random, requireSeed } from '../random.js';
import { InvalidArgumentError } from '../errors.js';
import { optionsSchema, rule } from '../options.js';
import { checkElements, integerAtLeast } from '../validate.js';
import { hopfield } from './hopfield.js';
import { pointCloudMemory, type Recovery, type RecoveryOptions } from './pointcloud.js';

/** The options of pointCloudRecovery, declared once; the seed is required. */
const RECOVERY_OPTIONS = optionsSchema<RecoveryOptions>()({
  points: rule.custom('points per cloud, an integer in [3, 2000]', (name, v) => {
    const n = integerAtLeast(name, v, 3);
    if (n > 2000) throw new InvalidArgumentError(name, n, 'must be at most 2000 (the experiment runs exact W2 and Sinkhorn on n points)');
    return n;
  }).or(24),
  jitter: rule.positive('standard deviation of the Gaussian jitter of the query\'s points').or(0.15),
  beta: rule.positive('inverse temperature of both memories').or(20),
  eps: rule.positive('Sinkhorn entropic regularisation, in units of |x - y|^2').or(0.01),
  steps: rule.integer(1, 'maximum point-cloud retrieval steps').or(40),
  seed: rule.custom('seed of the point order, jitter and masses of the query (required)', requireSeed),
});

/** A circle, a segment and a pair of small rings, each n uniform-weight points in the plane (n an integer >= 2). */
export function planarShapes(n: number): Measure[] {
  integerAtLeast('n', n, 2);
  checkElements('planarShapes', 2 * n);
  const circle = new Float64Array(2 * n), segment = new Float64Array(2 * n), rings = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const t = (2 * Math.PI * i) / n;
    circle[2 * i] = Math.cos(t); circle[2 * i + 1] = Math.sin(t);
    segment[2 * i] = -1.2 + (2.4 * i) / (n - 1); segment[2 * i + 1] = 0.3;
    const side = i % 2 === 0 ? -0.7 : 0.7;
    rings[2 * i] = side + 0.3 * Math.cos(2 * t); rings[2 * i + 1] = -0.4 + 0.3 * Math.sin(2 * t);
  }
  return [circle, segment, rings].map((p) => new Measure(p, { dim: 2 }));
}

/**
 * The recovery experiment's query: the planar target's points jittered by N(0, jitter²) per coordinate, listed in
 * a shuffled order, with masses uniform in [0.5, 1.5) (normalised), all drawn from rng.
 */
export function recoveryQuery(target: Measure, jitter: number, rng: Random): Measure {
  const n = target.size;
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) { const j = rng.integer(i + 1); [order[i], order[j]] = [order[j], order[i]]; }
  const x = new Float64Array(2 * n), w = new Float64Array(n);
  order.forEach((src, i) => {
    x[2 * i] = target.points[2 * src] + jitter * rng.normal();
    x[2 * i + 1] = target.points[2 * src + 1] + jitter * rng.normal();
    w[i] = 0.5 + rng.next();
  });
  return new Measure(x, { dim: 2, weights: w }).normalized();
}

/**
 * Recovery experiment: stores {@link planarShapes}, queries with a jittered, shuffled and
 * reweighted circle, and compares point-cloud retrieval with a one-step modern Hopfield
 * network on the flattened coordinates. Throws InvalidArgumentError for a missing seed or bad option.
 */
export function pointCloudRecovery(options: RecoveryOptions): Recovery {
  if (options === undefined) throw new InvalidArgumentError('pointCloudRecovery options', options, 'must give seed');
  const { seed: givenSeed, points: n, jitter, beta, eps, steps } = RECOVERY_OPTIONS.read('pointCloudRecovery', options);
  const seed = requireSeed('seed', givenSeed);
  const shapes = planarShapes(n);
  const target = shapes[0];
  const query = recoveryQuery(target, jitter, new Random(seed));

  const memory = pointCloudMemory({ patterns: shapes, beta, sinkhorn: { eps, tol: 1e-6 } });
  const result = memory.retrieve(query, { steps });
  const flat = hopfield({ patterns: shapes.map((s) => Array.from(s.points)), beta });
  const baseline = new Measure(flat.retrieve([Array.from(query.points)]).states, { dim: 2 });
  const w2 = (m: Measure) => Math.sqrt(Math.max(0, wasserstein2(m, target)));
  return { initialW2: w2(query), pointCloudW2: w2(result.measure), hopfieldW2: w2(baseline), nearest: result.nearest };
}
