// The `meanfield` command, run as a subprocess from dist/ (npm test builds it first).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const CLI = join(__dirname, '..', 'dist', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'meanfield-cli-'));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A run file's lines by seed, without the wall time (the only field that varies between runs). */
function linesBySeed(file: string): Map<number, string> {
  const m = new Map<number, string>();
  for (const l of readFileSync(join(dir, file), 'utf8').trim().split('\n')) {
    const o = JSON.parse(l);
    delete o.wallTimeMs;
    m.set(o.seed, JSON.stringify(o));
  }
  return m;
}

/** A run file's lines in file order, without the wall time (and the fields in `omit`). */
function stripped(file: string, omit: string[] = []): string[] {
  return readFileSync(join(dir, file), 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const o = JSON.parse(l);
      for (const key of ['wallTimeMs', ...omit]) delete o[key];
      return JSON.stringify(o);
    });
}

/** Relative luminance of '#rrggbb' (linear in the channels: fine for ordering a ramp). */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

// The papers' phase-diagram setting, tiny: Euler dt = 0.1, linear record times t = 0, 0.2, ..., 2.
const GRID = [
  'run',
  'attention',
  '--n',
  '8',
  '--t-end',
  '2',
  '--integrator',
  'euler',
  '--dt',
  '0.1',
  '--records',
  '11',
  '--spacing',
  'linear',
];

const SWEEP = ['run', 'circle', '--n', '24', '--beta', '4', '--t-end', '200', '--records', '30'];

describe('meanfield CLI', () => {
  it('is built', () => expect(existsSync(CLI)).toBe(true));

  it('runs a small sweep: one JSON line per seed with its summary, in seed order', () => {
    const r = cli(...SWEEP, '--seeds', '1..6', '--threads', '2', '--out', 'full.jsonl');
    expect(r.err).toMatch(/6 runs in full\.jsonl/);
    expect(r.code).toBe(0);
    const lines = readFileSync(join(dir, 'full.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.seed)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const l of lines) {
      expect(l.flow).toBe('circle');
      expect(l.times.length).toBe(l.clusterCounts.length);
      expect(l.energy.length).toBe(l.times.length);
      expect(l.clusterCounts[0]).toBeLessThanOrEqual(24); // random initial angles may sit within the cluster tolerance
      expect(l.clusterCounts[0]).toBeGreaterThan(l.finalClusters);
      expect(l.finalClusters).toBe(l.clusterCounts[l.clusterCounts.length - 1]);
      expect([l.finalTime, l.stopReason, l.finalParticles, l.lastMerge]).toEqual([200, 'tEnd', 24, null]);
      expect(l.sweep).toEqual({ beta: '4', n: '24', dim: null, seeds: '1..6' });
      expect(l.plateaus.length).toBeGreaterThan(0);
      expect(l.steps).toBeGreaterThan(0);
      expect(typeof l.wallTimeMs).toBe('number');
      // The energy of softmax circle attention never decreases.
      for (let k = 1; k < l.energy.length; k++) expect(l.energy[k]).toBeGreaterThanOrEqual(l.energy[k - 1] - 1e-9);
    }
    // The same seed gives the same line whatever the thread count.
    const one = cli(...SWEEP, '--seeds', '1..6', '--threads', '1', '--out', 'one.jsonl');
    expect(one.code).toBe(0);
    expect(linesBySeed('one.jsonl')).toEqual(linesBySeed('full.jsonl'));
  });

  it('two shards concatenate into the unsharded run', () => {
    expect(cli(...SWEEP, '--seeds', '1..6', '--shard', '1/2', '--out', 'a.jsonl').code).toBe(0);
    expect(cli(...SWEEP, '--seeds', '1..6', '--shard', '2/2', '--out', 'b.jsonl').code).toBe(0);
    const a = linesBySeed('a.jsonl'),
      b = linesBySeed('b.jsonl');
    expect([...a.keys()]).toEqual([1, 2, 3]);
    expect([...b.keys()]).toEqual([4, 5, 6]);
    expect(new Map([...a, ...b])).toEqual(linesBySeed('full.jsonl'));
  });

  it('--resume skips the seeds already in the output and keeps their lines', () => {
    expect(cli(...SWEEP, '--seeds', '1..3', '--out', 'resume.jsonl').code).toBe(0);
    const before = stripped('resume.jsonl', ['sweep']);
    const r = cli(...SWEEP, '--seeds', '1..6', '--out', 'resume.jsonl', '--resume');
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/3 runs already in resume\.jsonl, 3 to run/);
    const after = linesBySeed('resume.jsonl');
    expect(after).toEqual(linesBySeed('full.jsonl'));
    // The kept lines are kept as they were, but for the sweep they now belong to (seeds 1..6).
    expect(stripped('resume.jsonl', ['sweep']).slice(0, 3)).toEqual(before);
    expect(cli(...SWEEP, '--seeds', '1..6', '--out', 'resume.jsonl', '--resume').err).toMatch(/nothing to run/);
  });

  it('Ctrl-C keeps every finished seed in a whole file; --resume finishes the sweep', async () => {
    const args = [
      CLI,
      'run',
      'circle',
      '--n',
      '48',
      '--beta',
      '9',
      '--t-end',
      '1e4',
      '--seeds',
      '1..40',
      '--threads',
      '1',
      '--out',
      'int.jsonl',
    ];
    const child = spawn(process.execPath, args, { cwd: dir });
    let err = '';
    const code = await new Promise<number | null>((resolve) => {
      child.stderr.on('data', (d) => {
        err += d;
        if (/progress: [1-9]/.test(err) && !child.killed) child.kill('SIGINT');
      });
      child.on('exit', (c) => resolve(c));
    });
    expect(code).toBe(130);
    expect(err).toMatch(/interrupted: \d+ runs in int\.jsonl/);
    const text = readFileSync(join(dir, 'int.jsonl'), 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const seeds = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).seed);
    expect(seeds.length).toBeGreaterThan(0);
    expect(seeds.length).toBeLessThan(40);
    expect(seeds).toEqual(seeds.slice().sort((x, y) => x - y));
  }, 60_000);

  it('plots energy and cluster counts, every seed faint and the median bold', () => {
    const r = cli('plot', 'full.jsonl', '--out', 'fig.svg');
    expect(r.code).toBe(0);
    const svg = readFileSync(join(dir, 'fig.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    const panels = [...svg.matchAll(/<g class="panel" data-series="(\w+)">([\s\S]*?)<\/g>/g)];
    expect(panels.map((p) => p[1])).toEqual(['energy', 'clusters']);
    const lines = readFileSync(join(dir, 'full.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    for (const [, name, body] of panels) {
      const seeds = [...body.matchAll(/<polyline class="seed" data-seed="(\d+)"[^>]*points="([^"]*)"/g)];
      expect(seeds.map((s) => Number(s[1]))).toEqual([1, 2, 3, 4, 5, 6]);
      for (const s of seeds) expect(s[2].trim().split(' ').length).toBe(lines[0].times.length - 1); // t = 0 is off a log axis
      expect(body).toMatch(/<polyline class="median"[^>]*stroke-width="2.5"/);
      expect(body).toMatch(/time t \(log scale\)/);
      // 24 clusters down to 1 or 2: a log axis
      expect(body).toMatch(name === 'energy' ? />energy( \(log scale\))?</ : />cluster count \(log scale\)</);
    }
  });

  it('runs a beta grid: one line per (grid point, seed), in that order, each naming its beta', () => {
    const r = cli(...GRID, '--beta', '1:4:3', '--seeds', '1..3', '--threads', '2', '--out', 'grid.jsonl');
    expect(r.err).toMatch(/9 runs in grid\.jsonl/);
    expect(r.code).toBe(0);
    const lines = readFileSync(join(dir, 'grid.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.beta)).toEqual([1, 1, 1, 2.5, 2.5, 2.5, 4, 4, 4]);
    expect(lines.map((l) => l.seed)).toEqual([1, 2, 3, 1, 2, 3, 1, 2, 3]);
    for (const l of lines) {
      expect(l.params.beta).toBe(l.beta);
      expect([l.n, l.dim, l.delta]).toEqual([8, 3, 1e-3]);
      expect(l.times.map((t: number) => Number(t.toFixed(9)))).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1, 1.2, 1.4, 1.6, 1.8, 2]);
      expect(l.clusteredFraction.length).toBe(l.times.length);
      expect(l.meanInnerProduct.length).toBe(l.times.length);
      for (const f of l.clusteredFraction) expect(f >= 0 && f <= 1).toBe(true);
      for (const m of l.meanInnerProduct) expect(m >= 0 && m <= 1 + 1e-12).toBe(true);
    }
    // 0.1:9:90 is 90 values from 0.1 to 9 in steps of 0.1, printed as such.
    expect(cli(...GRID, '--beta', '0.1:9:90', '--seeds', '1', '--shard', '42/90', '--out', 'step.jsonl').code).toBe(0);
    expect(JSON.parse(stripped('step.jsonl')[0]).beta).toBe(4.2);
  });

  it('a grid line equals the single-beta run and the one-seed-per-call run of that seed', () => {
    expect(cli(...GRID, '--beta', '2.5', '--seeds', '2', '--threads', '1', '--out', 'single.jsonl').code).toBe(0);
    expect(stripped('single.jsonl', ['sweep'])).toEqual([stripped('grid.jsonl', ['sweep'])[4]]);
    // --batch 1: every seed alone in its simulateMany call, as the per-seed path ran it.
    expect(cli(...GRID, '--beta', '1:4:3', '--seeds', '1..3', '--batch', '1', '--threads', '1', '--out', 'alone.jsonl').code).toBe(0);
    expect(stripped('alone.jsonl')).toEqual(stripped('grid.jsonl'));
  });

  it('--resume skips the (grid point, seed) pairs already done; shards of the grid concatenate into it', () => {
    expect(cli(...GRID, '--beta', '1:4:3', '--seeds', '1..2', '--out', 'gres.jsonl').code).toBe(0);
    const before = stripped('gres.jsonl', ['sweep']);
    const r = cli(...GRID, '--beta', '1:4:3', '--seeds', '1..3', '--out', 'gres.jsonl', '--resume');
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/6 runs already in gres\.jsonl, 3 to run/);
    expect(stripped('gres.jsonl')).toEqual(stripped('grid.jsonl'));
    for (const line of before) expect(stripped('gres.jsonl', ['sweep'])).toContain(line);
    // 9 pairs: shard 1/2 holds 4 of them (beta 1 seeds 1..3, beta 2.5 seed 1), 2/2 the other 5.
    expect(cli(...GRID, '--beta', '1:4:3', '--seeds', '1..3', '--shard', '1/2', '--out', 'g1.jsonl').code).toBe(0);
    expect(cli(...GRID, '--beta', '1:4:3', '--seeds', '1..3', '--shard', '2/2', '--out', 'g2.jsonl').code).toBe(0);
    expect(stripped('g1.jsonl').length).toBe(4);
    expect([...stripped('g1.jsonl'), ...stripped('g2.jsonl')]).toEqual(stripped('grid.jsonl'));
  });

  it('heatmap: one cell per (beta, record time), the seed mean, its colour rising with its value', () => {
    const r = cli('heatmap', 'grid.jsonl', '--out', 'phase.svg');
    expect(r.err).toMatch(/9 runs in 3 x 11 cells to phase\.svg/);
    expect(r.code).toBe(0);
    const svg = readFileSync(join(dir, 'phase.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    const cells = [
      ...svg.matchAll(/<rect class="cell" data-row="(\d+)" data-col="(\d+)" data-value="([^"]*)"[^>]*fill="(#[0-9a-f]{6})"/g),
    ].map((m) => ({ row: Number(m[1]), col: Number(m[2]), value: Number(m[3]), fill: m[4] }));
    expect(cells.length).toBe(3 * 11);
    expect(new Set(cells.map((c) => `${c.row},${c.col}`)).size).toBe(33);
    const lines = readFileSync(join(dir, 'grid.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    for (const c of cells) {
      const beta = [1, 2.5, 4][c.row]; // rows in increasing beta
      const at = lines.filter((l) => l.beta === beta).map((l) => l.clusteredFraction[c.col]);
      expect(c.value).toBeCloseTo(at.reduce((a, b) => a + b, 0) / at.length, 12);
    }
    cells.sort((a, b) => a.value - b.value);
    for (let k = 1; k < cells.length; k++) {
      if (cells[k].value > cells[k - 1].value) expect(luminance(cells[k].fill)).toBeGreaterThan(luminance(cells[k - 1].fill));
      else expect(cells[k].fill).toBe(cells[k - 1].fill);
    }
    expect(svg).toMatch(/<linearGradient id="ramp"/);
    expect([...svg.matchAll(/<text class="tick"[^>]*>([^<]*)</g)].map((m) => m[1])).toEqual(['0', '0.2', '0.4', '0.6', '0.8', '1']);
    expect(svg).toMatch(/>time t</);
    expect(svg).toMatch(/>β \(inverse temperature\)</);
    expect(svg).toMatch(/>clusteredFraction, mean over 3 seeds per cell</);
    // Log time axis: t = 0 is dropped.
    expect(cli('heatmap', 'grid.jsonl', '--time-scale', 'log', '--out', 'phase-log.svg').err).toMatch(/3 x 10 cells/);
  });

  it('heatmap over a dim grid (beta x d), and its errors: usage exit 2, input exit 1, no SVG', () => {
    expect(cli(...GRID, '--beta', '1,4', '--dim', '2,3', '--seeds', '1..2', '--out', 'dims.jsonl').code).toBe(0);
    let r = cli('heatmap', 'dims.jsonl', '--x', 'dim', '--out', 'bd.svg');
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/8 runs in 2 x 2 cells/);
    expect(readFileSync(join(dir, 'bd.svg'), 'utf8')).toMatch(/>d \(dimension\)</);
    expect(cli('heatmap', 'dims.jsonl', '--where', 'dim=3', '--out', 'd3.svg').err).toMatch(/4 runs in 2 x 11 cells/);
    writeFileSync(join(dir, 'novalue.jsonl'), '{"seed":1,"beta":1,"n":8,"dim":3,"times":[0,1],"clusters":[8,8]}\n');
    for (const [args, code, pattern] of [
      [['heatmap', 'grid.jsonl', '--colour', 'red'], 2, /meanfield heatmap: unknown flag --colour/],
      [['heatmap', 'grid.jsonl', '--x', 'beta', '--y', 'beta'], 2, /--x and --y must differ/],
      [['heatmap', 'dims.jsonl', '--out', 'mixed.svg'], 2, /several dim values \(2, 3\); keep one with --where dim=2/],
      [['heatmap', 'missing.jsonl', '--out', 'missing.svg'], 1, /InputError: missing\.jsonl: could not be read: ENOENT/],
      [['heatmap', 'novalue.jsonl', '--out', 'novalue.svg'], 1, /InputError: novalue\.jsonl line 1: has no "clusteredFraction" array/],
      [['heatmap', 'grid.jsonl', '--value', 'bogus', '--out', 'bogus.svg'], 1, /InputError: grid\.jsonl line 1: has no "bogus" array/],
    ] as const) {
      r = cli(...args);
      expect(r.code).toBe(code);
      expect(r.err.trim().split('\n').length).toBe(1);
      expect(r.err).toMatch(pattern);
    }
    for (const f of ['mixed', 'missing', 'novalue', 'bogus']) expect(existsSync(join(dir, `${f}.svg`))).toBe(false);
  });

  it('sinkhorn reads CSV point clouds and reports value, divergence and iterations', () => {
    writeFileSync(join(dir, 'a.csv'), 'x,y\n0,0\n1,0\n0,1\n');
    writeFileSync(join(dir, 'b.csv'), '0,0\n1,0\n0,1\n');
    const r = cli('sinkhorn', 'a.csv', 'b.csv', '--eps', '0.01');
    expect(r.code).toBe(0);
    const o = JSON.parse(r.out);
    expect(o.divergence).toBe(0); // S_eps(a, a) = 0
    expect(o.value).toBeGreaterThan(0); // OT_eps(a, a) > 0: the field is the result's value (no 'objective' any more)
    expect(o).not.toHaveProperty('objective');
    expect(o.iterations).toBeGreaterThan(0);
    expect(o.converged).toBe(true);
  });

  it('sinkhorn --precision mixed, --acceleration and --truncate reach the same answer to tol', () => {
    const pts = (seed: number, n: number) =>
      Array.from({ length: n }, (_, i) => `${((seed * 7919 + i * 104729) % 1000) / 1000},${((seed * 31 + i * 7877) % 997) / 997}\n`).join(
        '',
      );
    writeFileSync(join(dir, 'c.csv'), pts(1, 60));
    writeFileSync(join(dir, 'd.csv'), pts(2, 50));
    // An explicit tol: the default (1e-6) bounds the value's relative error by about 2e-6, not the 1e-8 compared here.
    const base = JSON.parse(cli('sinkhorn', 'c.csv', 'd.csv', '--eps', '0.02', '--tol', '1e-10').out);
    for (const extra of [
      ['--precision', 'mixed'],
      ['--acceleration', 'none'],
      ['--acceleration', 'overrelaxation'],
      ['--truncate', '5'],
    ]) {
      const r = cli('sinkhorn', 'c.csv', 'd.csv', '--eps', '0.02', '--tol', '1e-10', ...extra);
      expect(r.code, extra.join(' ')).toBe(0);
      const o = JSON.parse(r.out);
      expect(o.converged).toBe(true);
      expect(Math.abs(o.value - base.value)).toBeLessThan(1e-8);
    }
    const bad = cli('sinkhorn', 'c.csv', 'd.csv', '--acceleration', 'fast');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--acceleration must be one of anderson, overrelaxation, none/);
  });

  it('bad flags and values: one line naming them, exit 2; --help on every command', () => {
    for (const [args, pattern] of [
      [['run', 'circle', '--nn', '3', '--out', 'x'], /unknown flag --nn/],
      [['run', 'circle', '--n', 'abc', '--out', 'x'], /--n must be an integer >= 2, a list a,b,c or a grid start:stop:count, got 'abc'/],
      [['run', 'circle', '--integrator', 'rk9', '--out', 'x'], /--integrator must be one of euler, heun, rk4, rk45, got 'rk9'/],
      [['run', 'circle', '--seeds', '5..1', '--out', 'x'], /--seeds range 5..1 must be increasing/],
      [
        ['run', 'attention', '--beta', '0.1:9', '--out', 'x'],
        /--beta must be a number, a list a,b,c or a grid start:stop:count, got '0.1:9'/,
      ],
      [
        ['run', 'attention', '--beta', 'a:b:3', '--out', 'x'],
        /--beta grid start and stop must be numbers \(start:stop:count\), got 'a:b:3'/,
      ],
      [
        ['run', 'attention', '--beta', '1:4:0', '--out', 'x'],
        /--beta grid count must be an integer >= 1 \(start:stop:count\), got '1:4:0'/,
      ],
      [['run', 'attention', '--beta', '1:4:2.5', '--out', 'x'], /--beta grid count must be an integer >= 1/],
      [['run', 'attention', '--beta', '1,,4', '--out', 'x'], /--beta must be a number, a list/],
      [['run', 'attention', '--n', '8:9:3', '--out', 'x'], /--n values must be integers >= 2 \(8.5 is not\), got '8:9:3'/],
      [['run', 'attention', '--dim', '1,3', '--out', 'x'], /--dim values must be integers >= 2 \(1 is not\)/],
      [['run', 'circle', '--dim', '2,3', '--out', 'x'], /--dim does not apply to circle/],
      [['run', 'attention', '--delta', '3', '--out', 'x'], /--delta must be in \(0, 2\], got '3'/],
      [['run', 'circle', '--shard', '3/2', '--out', 'x'], /--shard must be i\/k with 1 <= i <= k/],
      [['run', 'spiral', '--out', 'x'], /the flow must be attention, circle or interaction, got 'spiral'/],
      [['run', 'circle'], /--out is required/],
      [['frobnicate'], /unknown command 'frobnicate'/],
    ] as const) {
      const r = cli(...args);
      expect(r.code).toBe(2);
      expect(r.err.trim().split('\n').length).toBe(1);
      expect(r.err).toMatch(pattern);
    }
    for (const c of ['run', 'plot', 'heatmap', 'sinkhorn', 'bench']) {
      const r = cli(c, '--help');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/Usage: meanfield/);
    }
    expect(cli('--help').out).toMatch(/Commands:/);
  });

  it('unreadable or malformed inputs: a named error with the line number, exit 1, no output file', () => {
    writeFileSync(join(dir, 'bad.csv'), '0,0\n1,0\n1,zz\n');
    let r = cli('sinkhorn', 'a.csv', 'bad.csv');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/InputError: bad\.csv line 3: column 2 is 'zz'/);
    r = cli('sinkhorn', 'a.csv', 'missing.csv');
    expect(r.err).toMatch(/InputError: missing\.csv: could not be read: ENOENT/);
    writeFileSync(join(dir, 'broken.jsonl'), `${readFileSync(join(dir, 'full.jsonl'), 'utf8').split('\n')[0]}\n{"seed": 2, "times": [0\n`);
    r = cli('plot', 'broken.jsonl', '--out', 'broken.svg');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/InputError: broken\.jsonl line 2: is not valid JSON/);
    expect(existsSync(join(dir, 'broken.svg'))).toBe(false);
  });
});
