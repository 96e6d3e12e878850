import { describe, expect, it } from 'vitest';
import { init, logSumExp, NotInitializedError, MeanfieldError } from '../../src/index.js';

// Runs in its own process (vitest forks), so the core is not loaded yet here.
describe('init', () => {
  it('refuses a wasm kernel before init, names what to do, and allows the JS backend', () => {
    const call = () => logSumExp([[0, 1]], [[1, 0]]);
    expect(call).toThrow(NotInitializedError);
    expect(call).toThrow(MeanfieldError);
    expect(call).toThrow(/call `await init\(\)`/);
    expect(logSumExp([[0, 1]], [[1, 0]], { backend: 'js' })[0]).toBeCloseTo(0, 15);
  });

  it('is idempotent and concurrent calls share one instantiation', async () => {
    const [a, b] = await Promise.all([init(), init()]);
    expect(a).toEqual(b);
    expect(a.backend).toBe('wasm');
    const again = await init();
    expect(again.backend).toBe('wasm');
    expect(logSumExp([[0, 1]], [[1, 0]])[0]).toBe(0);
  });

  it('rejects an unknown backend', async () => {
    await expect(init({ backend: 'gpu' as never })).rejects.toThrow(/backend must be 'wasm' or 'js', got "gpu"/);
  });
});
