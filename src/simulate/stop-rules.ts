// Early stopping (stopWhen), checked on the initial state and after every natural step.
import { clusterCount } from '../analysis/clusters.js';
import { velocityNorm } from '../analysis/stationarity.js';
import type { Measure } from '../measure.js';
import { RunFailure } from './failures.js';
import type { ParticleSystem } from './system.js';
import type { StopReason } from './trajectory.js';

/** The checked rules (RunSpec.stop). */
export interface StopRuleSpec {
  /** End the run once a collapse leaves one particle (runs without a finite tEnd). */
  oneParticle: boolean;
  /** End the run once the particles form one cluster at this single-linkage distance. */
  clusterTol: number | null;
  /** End the run once ‖V‖_{L²(mu)} falls below this (time clock only). */
  velocityBelow: number | null;
  custom: ((mu: Measure, t: number) => boolean) | null;
}

/** The stopWhen rules of a run. */
export class StopRules {
  constructor(
    private readonly rules: StopRuleSpec,
    private readonly system: ParticleSystem,
  ) {}

  /**
   * The rule the state x (velocity k, at time t) meets first, or null. k is the real velocity
   * under the time clock; velocityBelow is refused with the arc-length clock, whose k is normalised.
   */
  check(x: Float64Array, k: Float64Array, t: number): StopReason | null {
    const { rules, system } = this;
    if (rules.oneParticle && system.n === 1) return 'oneCluster';
    if (rules.clusterTol !== null && clusterCount(x, system.n, system.d, system.space, rules.clusterTol) === 1) return 'oneCluster';
    if (rules.velocityBelow !== null && velocityNorm(k, system.weights, system.d) < rules.velocityBelow) return 'velocityBelow';
    if (rules.custom !== null) {
      const r = rules.custom(system.measure(x), t);
      if (typeof r !== 'boolean') throw new RunFailure(`stopWhen.custom must return a boolean, got ${String(r)} at t = ${t}`, false);
      if (r) return 'custom';
    }
    return null;
  }
}
