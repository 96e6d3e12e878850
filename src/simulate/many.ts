// simulateMany(flow, measures, options): B independent systems stepped together.
// PLACEHOLDER: a loop of simulate() until the batched driver lands (same results by contract).
import type { Flow } from '../flows/flow.js';
import type { Measure } from '../measure.js';
import { simulate, type SimulateOptions } from './simulate.js';
import type { Trajectory } from './trajectory.js';

/**
 * Integrates `flow` from each measure independently and returns one Trajectory per system,
 * bit-identical to simulate(flow, measures[b], options).
 */
export function simulateMany(flow: Flow, measures: readonly Measure[], options: SimulateOptions): Trajectory[] {
  return measures.map((mu) => simulate(flow, mu, options));
}
