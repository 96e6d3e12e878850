// The particle system a run advances: the current weights (fewer particles once some have
// collapsed), and the velocity as the stepper sees it: one yielded request per evaluation,
// answered by the driver (simulate: one flow call; simulateMany: one segmented call for all
// systems), then scaled by the clock.
import type { Measure } from '../measure.js';
import { spaceOps, type Space, type SpaceOps } from '../spaces.js';
import type { Clock } from './clock.js';
import { currentMeasure } from './observe.js';
import type { Evaluation } from './steppers/stepper.js';

/**
 * What a run asks its driver for: out <- V(x) for the particles carrying `weights`. Under the
 * arc-length clock the driver may answer V e^{-logScale} and set logScale (else 0).
 */
export interface Request {
  x: Float64Array;
  weights: Float64Array;
  out: Float64Array;
  logScale: number;
}

/** The current particles of a run, and their velocity. */
export class ParticleSystem {
  weights: Float64Array;
  /** Particles now. */
  n: number;
  /** Entries of the particles in a state (n d); the clock's entries follow. */
  len: number;
  readonly d: number;
  readonly space: Space;
  private readonly ops: SpaceOps;

  /**
   * @param mu0 the measure the run started from (its dimension, space and, while no particle has merged, its weights)
   * @param evaluations velocity evaluations so far (a resumed run's)
   */
  constructor(readonly mu0: Measure, weights: Float64Array, private readonly clock: Clock, private readonly req: Request,
    public evaluations: number) {
    this.d = mu0.dim;
    this.space = mu0.space;
    this.ops = spaceOps(mu0.space);
    this.weights = weights;
    this.n = weights.length;
    this.len = this.n * this.d;
  }

  /** Entries of a state: the particles and the clock's. */
  get stateLength(): number {
    return this.len + this.clock.extra;
  }

  /** out <- d/ds at z: one request, then the clock's scaling. */
  *velocity(z: Float64Array, out: Float64Array): Evaluation {
    const req = this.req;
    req.x = z; req.weights = this.weights; req.out = out; req.logScale = 0;
    yield;
    this.evaluations++;
    this.clock.scale(z, out, req.logScale, this.weights, this.d, this.len);
  }

  /** Puts the particles of a state back onto the space. */
  readonly retract = (y: Float64Array): void => this.ops.retract(y, this.n, this.d);

  /** The particles after a merge. */
  resize(weights: Float64Array): void {
    this.weights = weights;
    this.n = weights.length;
    this.len = this.n * this.d;
  }

  /** The measure of the state z. */
  measure(z: Float64Array): Measure {
    return currentMeasure(this.mu0, z, this.weights);
  }
}
