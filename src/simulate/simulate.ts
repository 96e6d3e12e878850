// simulate(flow, mu0, options): integrate a flow and record what was asked for. The run
// itself is runSystem (driver.ts), a generator that yields at every velocity evaluation; here
// each evaluation is answered by one call of the flow.
import { capability, type Flow } from '../flows/flow.js';
import { Measure } from '../measure.js';
import { InvalidArgumentError } from '../errors.js';
import { runSystem, type Request } from './driver.js';
import { runSpec, type SimulateOptions } from './spec.js';
import { Trajectory, type TrajectoryJSON } from './trajectory.js';

export type { ProgressInfo, SimulateOptions, StopWhen, EventSpec } from './options.js';

/**
 * Integrates `flow` from time 0 on a Measure, or resumes a saved run (a Trajectory or its toJSON()
 * object) bit-identically, until tEnd or a stop rule, recording as `options.record` asks.
 * @returns the {@link Trajectory}: records, final measure, stats and a checkpoint.
 * @throws InvalidArgumentError for bad options or a checkpoint of another flow;
 *   SimulationError (holding the partial trajectory) when a step turns non-finite.
 */
export function simulate(flow: Flow, start: Measure | Trajectory | TrajectoryJSON, options: SimulateOptions): Trajectory {
  const spec = runSpec(flow, options);
  const from = startOf(flow, start, spec.clock);
  const req: Request = { x: new Float64Array(0), weights: new Float64Array(0), out: new Float64Array(0), logScale: 0 };
  const run = runSystem(flow, from, spec, req);
  const d = from instanceof Measure ? from.dim : from.checkpoint.dim;
  // The arc-length clock needs only V's direction and log-size: let a flow that can scale V do so.
  const logScale = spec.clock === 'arclength' && capability(flow, 'logScale') ? new Float64Array(1) : null;
  const opts = { ...spec.evalOpts, logScale };
  for (let r = run.next(); ; r = run.next()) {
    if (r.done) return r.value;
    flow.velocity(req.x, req.weights, d, req.out, opts);
    req.logScale = logScale === null ? 0 : logScale[0];
  }
}

/** The measure or checkpoint a run starts from; throws unless a checkpoint fits the flow and clock. */
export function startOf(flow: Flow, start: unknown, clock: string): Measure | Trajectory {
  if (start instanceof Measure) return start;
  if (start === null || typeof start !== 'object')
    throw new InvalidArgumentError('start', start, 'must be a Measure, a Trajectory or its toJSON() object');
  const resumed = start instanceof Trajectory ? start : Trajectory.fromJSON(start as TrajectoryJSON);
  if (resumed.flow.name !== flow.name || JSON.stringify(resumed.flow.params) !== JSON.stringify(flow.params)) {
    throw new InvalidArgumentError(
      'checkpoint',
      `a ${resumed.flow.name} run with ${JSON.stringify(resumed.flow.params)}`,
      `must come from the same flow (${flow.name} with ${JSON.stringify(flow.params)})`,
    );
  }
  const saved = resumed.checkpoint.clock ?? 'time';
  if (saved !== clock) throw new InvalidArgumentError('clock', clock, `must be the checkpoint's clock ('${saved}')`);
  return resumed;
}
