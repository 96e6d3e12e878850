// The pure-JS twin of the two-layer kernel (assembly/kernels/twolayer.ts): the same sums,
// sample by neuron, with no n x m buffer.
import { atPrecision } from './precision.js';
import type { Activation, TwoLayerArgs } from './types.js';

/** sigma and sigma' as the kernel computes them (tanh and sigmoid through exp(-|z|)). */
export function activation(name: Activation): { sigma: (z: number) => number; slope: (z: number, s: number) => number } {
  if (name === 'relu') return { sigma: (z) => (z > 0 ? z : 0), slope: (z) => (z > 0 ? 1 : 0) };
  if (name === 'sigmoid') {
    return {
      sigma: (z) => {
        const e = Math.exp(-Math.abs(z));
        const q = 1 / (1 + e);
        return z < 0 ? e * q : q;
      },
      slope: (_z, s) => s * (1 - s),
    };
  }
  return { sigma: Math.tanh, slope: (_z, s) => 1 - s * s };
}

export function twoLayerForwardJs(args: TwoLayerArgs, out: Float64Array): void {
  const { m, n, d } = args;
  const x = atPrecision(args.x, args.precision),
    theta = atPrecision(args.theta, args.precision);
  const omega = atPrecision(args.weights, args.precision);
  const { sigma } = activation(args.activation);
  const p = d + 2;
  for (let i = 0; i < n; i++) {
    let f = 0;
    for (let j = 0; j < m; j++) {
      const o = j * p;
      let z = theta[o + d + 1];
      for (let c = 0; c < d; c++) z += theta[o + 1 + c] * x[i * d + c];
      f += omega[j] * theta[o] * sigma(z);
    }
    out[i] = f;
  }
}

export function twoLayerBackwardJs(args: TwoLayerArgs, r: Float64Array, grad: Float64Array): void {
  const { m, n, d } = args;
  const x = atPrecision(args.x, args.precision),
    theta = atPrecision(args.theta, args.precision);
  const rr = atPrecision(r, args.precision);
  const { sigma, slope } = activation(args.activation);
  const p = d + 2;
  grad.fill(0, 0, m * p);
  for (let j = 0; j < m; j++) {
    const o = j * p;
    let ga = 0,
      gb = 0;
    for (let i = 0; i < n; i++) {
      let z = theta[o + d + 1];
      for (let c = 0; c < d; c++) z += theta[o + 1 + c] * x[i * d + c];
      const s = sigma(z);
      ga += rr[i] * s;
      const t = rr[i] * slope(z, s);
      gb += t;
      for (let c = 0; c < d; c++) grad[o + 1 + c] += t * x[i * d + c];
    }
    const a = theta[o];
    grad[o] = ga;
    for (let c = 0; c < d; c++) grad[o + 1 + c] *= a;
    grad[o + d + 1] = a * gb;
  }
}
