// The checks every consumer of the packed tarball runs (Node ESM, Node CJS, a browser bundle),
// given the library as loaded by that consumer. CommonJS, so all three can load it.
'use strict';

/** Runs init, logSumExp against its closed form, an attention step and a bad call; returns the findings. */
module.exports = async function runChecks({ init, logSumExp, attention, Measure, simulate, InvalidArgumentError, MeanfieldError }) {
  const info = await init();

  // log sum_j exp(beta <x, y_j> + h_j), computed here in plain JS for comparison.
  const beta = 2;
  const x = [0.3, -0.2, 0.5];
  const keys = [
    [1, 0, 0],
    [0, 1, 0],
    [0.2, 0.4, -0.1],
    [-0.5, 0.25, 1],
  ];
  const logWeights = [Math.log(0.1), Math.log(0.2), Math.log(0.3), Math.log(0.4)];
  const dot = (a, b) => a.reduce((s, v, c) => s + v * b[c], 0);
  const expected = Math.log(keys.reduce((s, y, j) => s + Math.exp(beta * dot(x, y) + logWeights[j]), 0));
  const lse = logSumExp([x], keys, { beta, logWeights })[0];
  // One key of weight w: exactly beta <x, y> + log w.
  const single = logSumExp([x], [keys[3]], { beta, logWeights: [Math.log(0.4)] })[0];
  const singleExpected = beta * dot(x, keys[3]) + Math.log(0.4);

  // One attention velocity evaluation on the sphere: finite and tangent (<x_i, v_i> = 0).
  const n = 16,
    d = 3;
  const mu = Measure.uniformSphere(n, d, { seed: 1 });
  const flow = attention({ beta: 1 });
  const v = new Float64Array(n * d);
  flow.velocity(mu.points, mu.weights, d, v);
  const vJs = new Float64Array(n * d);
  flow.velocity(mu.points, mu.weights, d, vJs, { backend: 'js' });
  let maxTangent = 0,
    maxWasmJs = 0,
    velocityNorm = 0;
  for (let i = 0; i < n; i++) {
    let t = 0;
    for (let c = 0; c < d; c++) {
      t += mu.points[i * d + c] * v[i * d + c];
      velocityNorm += v[i * d + c] ** 2;
      maxWasmJs = Math.max(maxWasmJs, Math.abs(v[i * d + c] - vJs[i * d + c]));
    }
    maxTangent = Math.max(maxTangent, Math.abs(t));
  }

  // One Euler step through simulate(): the particles stay on the sphere.
  const traj = simulate(flow, mu, { tEnd: 0.1, integrator: 'euler', dt: 0.1 });
  let maxNormError = 0;
  for (let i = 0; i < n; i++) {
    let r = 0;
    for (let c = 0; c < d; c++) r += traj.final.points[i * d + c] ** 2;
    maxNormError = Math.max(maxNormError, Math.abs(Math.sqrt(r) - 1));
  }

  let errorClass = null;
  try {
    logSumExp([[1, 2]], [[1, 2, 3]]);
  } catch (e) {
    errorClass = e instanceof InvalidArgumentError && e instanceof MeanfieldError ? e.name : `unexpected: ${e}`;
  }

  return {
    backend: info.backend,
    simd: info.simd,
    threads: info.threads,
    lse,
    expected,
    single,
    singleExpected,
    velocityFinite: v.every(Number.isFinite),
    velocityNorm: Math.sqrt(velocityNorm),
    maxTangent,
    maxWasmJs,
    steps: traj.steps,
    finalTime: traj.finalTime,
    stopReason: traj.stopReason,
    finalFinite: traj.final.points.every(Number.isFinite),
    maxNormError,
    errorClass,
  };
};
