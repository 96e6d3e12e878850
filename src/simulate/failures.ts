// Failures inside a run. The parts throw RunFailure (a user callback broke its contract) and the
// steppers StepFailure; the driver turns both into a SimulationError holding the trajectory so far.
import { SimulationError } from '../errors.js';
import type { Clock } from './clock.js';
import type { Stepper, StepFailure } from './steppers/stepper.js';

/** A part's failure; `noteTrajectory` appends where the partial trajectory is to the message. */
export class RunFailure extends Error {
  constructor(
    message: string,
    readonly noteTrajectory = true,
  ) {
    super(message);
  }
}

/** The message of a step failure, naming the step, the time and the remedy. */
export function stepFailureMessage(failure: StepFailure, stepper: Stepper, clock: Clock, d: number): string {
  const r = failure.reason;
  const step = stepper.accepted + 1;
  const t = clock.time(stepper.x, stepper.s);
  const kept = `; the trajectory up to t = ${t} is in error.trajectory`;
  if (r.kind === 'tooSmall') {
    return (
      `step ${step} at t = ${t} failed: the step size fell to ${r.h} without a finite, accurate step (velocity not finite or the ` +
      `flow too stiff)`
    );
  }
  if (r.kind === 'stalled') {
    return (
      `step ${step} of size ${r.length} does not advance ${clock.variable} from ${stepper.s} (t + dt rounds back to t): raise ` +
      `${r.remedy}${kept}`
    );
  }
  const to = clock.name === 'arclength' ? 'its end' : r.sTo;
  return (
    `step ${step} from t = ${t} to t = ${to} produced a non-finite value (coordinate ${r.index % d} of particle ` +
    `${Math.floor(r.index / d)})${kept}`
  );
}

/** simulateMany's error for system b: names it in the message and the `system` field (particle: its failing particle, where known). */
export function inSystem(e: SimulationError, b: number, particle: number | undefined): SimulationError {
  return new SimulationError(`system ${b} (measures[${b}]): ${e.message}`, e.trajectory, { system: b, particle });
}
