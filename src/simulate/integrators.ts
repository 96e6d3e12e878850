// The one registry of integrators: simulate's `integrator` option takes its names, and each entry
// says what the integrator needs and offers. A new integrator is a Stepper (steppers/) and one entry
// here; a new explicit Runge–Kutta method is a tableau and one entry.
import { DormandPrince } from './steppers/dormand-prince.js';
import { EULER, FixedStepper, HEUN, RK4 } from './steppers/runge-kutta.js';
import type { Stepper, StepperSetup, StepperState } from './steppers/stepper.js';

/** What an integrator needs and offers. */
export interface IntegratorInfo {
  /** One line for docs and error messages. */
  description: string;
  /** Step-size control by rtol, atol and maxStep; without it dt is required. */
  adaptive: boolean;
  /** An interpolant between steps: events and the arc-length clock need one. */
  denseOutput: boolean;
  /** Brownian noise: needs options.noise, and refuses collapse, events and the arc-length clock. */
  stochastic: boolean;
  /** The stepper, from the run's setup and the state it starts from. */
  create(setup: StepperSetup, state: StepperState): Stepper;
}

export const INTEGRATORS = {
  euler: {
    description: 'explicit Euler, fixed step dt (Hermite dense output)',
    adaptive: false,
    denseOutput: true,
    stochastic: false,
    create: (setup, state) => new FixedStepper('euler', EULER, setup, state),
  },
  heun: {
    description: "Heun's method (2nd order), fixed step dt (Hermite dense output)",
    adaptive: false,
    denseOutput: true,
    stochastic: false,
    create: (setup, state) => new FixedStepper('heun', HEUN, setup, state),
  },
  rk4: {
    description: 'classical Runge–Kutta (4th order), fixed step dt (Hermite dense output)',
    adaptive: false,
    denseOutput: true,
    stochastic: false,
    create: (setup, state) => new FixedStepper('rk4', RK4, setup, state),
  },
  rk45: {
    description: 'Dormand–Prince 5(4), adaptive (rtol, atol, maxStep; 4th-order dense output)',
    adaptive: true,
    denseOutput: true,
    stochastic: false,
    create: (setup, state) => new DormandPrince('rk45', setup, state),
  },
  'euler-maruyama': {
    description: 'Euler–Maruyama for d x = V dt + sqrt(2 temperature) dB, fixed step dt (options.noise)',
    adaptive: false,
    denseOutput: false,
    stochastic: true,
    create: (setup, state) => new FixedStepper('euler-maruyama', EULER, setup, state),
  },
} as const satisfies Record<string, IntegratorInfo>;

/** A name in the registry: 'euler', 'heun', 'rk4', 'rk45' or 'euler-maruyama'. */
export type IntegratorName = keyof typeof INTEGRATORS;

/** Every integrator name, in registry order. */
export const INTEGRATOR_NAMES = Object.keys(INTEGRATORS) as IntegratorName[];

/** The deterministic integrators (no options.noise). */
export const DETERMINISTIC_INTEGRATORS = INTEGRATOR_NAMES.filter((name) => !INTEGRATORS[name].stochastic);

/** The registry entry of an integrator. */
export function integratorInfo(name: IntegratorName): IntegratorInfo {
  return INTEGRATORS[name];
}
