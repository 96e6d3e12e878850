// The fitted exponent of an equiangular collapse (a least-squares slope of log gap).
import { InvalidArgumentError } from '../errors.js';
import { oneOf } from '../validate.js';

/**
 * Least-squares slope of log(gap) against t ('exponential': gap ~ K e^{slope t}) or against log t
 * ('power': gap ~ K t^{slope}), over the points with t in [from, to] (and gap > 0). The fitted exponent
 * of an equiangular collapse: -2 for Post-LN and nGPT ('exponential'), -2 for Pre-LN and Peri-LN ('power').
 */
export function collapseExponent(
  times: ArrayLike<number>,
  gap: ArrayLike<number>,
  law: 'exponential' | 'power',
  range: [number, number] = [0, Infinity],
): number {
  oneOf('law', law, ['exponential', 'power'] as const);
  if (times.length !== gap.length) throw new InvalidArgumentError('gap.length', gap.length, `must equal times.length ${times.length}`);
  let sx = 0,
    sy = 0,
    sxx = 0,
    sxy = 0,
    k = 0;
  for (let i = 0; i < times.length; i++) {
    const t = times[i],
      g = gap[i];
    if (!(t >= range[0] && t <= range[1] && g > 0) || (law === 'power' && !(t > 0))) continue;
    const x = law === 'power' ? Math.log(t) : t,
      y = Math.log(g);
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
    k++;
  }
  if (k < 2) throw new InvalidArgumentError('range', range, `must hold at least two points with gap > 0 (holds ${k})`);
  return (k * sxy - sx * sy) / (k * sxx - sx * sx);
}
