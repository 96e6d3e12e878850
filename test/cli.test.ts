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

const SWEEP = ['run', 'circle', '--n', '24', '--beta', '4', '--t-end', '200', '--records', '30'];

describe('meanfield CLI', () => {
  it('is built', () => expect(existsSync(CLI)).toBe(true));

  it('runs a small sweep: one JSON line per seed with its summary, in seed order', () => {
    const r = cli(...SWEEP, '--seeds', '1..6', '--threads', '2', '--out', 'full.jsonl');
    expect(r.err).toMatch(/6 runs in full\.jsonl/);
    expect(r.code).toBe(0);
    const lines = readFileSync(join(dir, 'full.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.seed)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const l of lines) {
      expect(l.flow).toBe('circle');
      expect(l.times.length).toBe(l.clusters.length);
      expect(l.energy.length).toBe(l.times.length);
      expect(l.clusters[0]).toBeLessThanOrEqual(24); // random initial angles may sit within the cluster tolerance
      expect(l.clusters[0]).toBeGreaterThan(l.finalClusters);
      expect(l.finalClusters).toBe(l.clusters[l.clusters.length - 1]);
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
    const a = linesBySeed('a.jsonl'), b = linesBySeed('b.jsonl');
    expect([...a.keys()]).toEqual([1, 2, 3]);
    expect([...b.keys()]).toEqual([4, 5, 6]);
    expect(new Map([...a, ...b])).toEqual(linesBySeed('full.jsonl'));
  });

  it('--resume skips the seeds already in the output and keeps their lines', () => {
    expect(cli(...SWEEP, '--seeds', '1..3', '--out', 'resume.jsonl').code).toBe(0);
    const before = linesBySeed('resume.jsonl');
    const r = cli(...SWEEP, '--seeds', '1..6', '--out', 'resume.jsonl', '--resume');
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/3 runs already in resume\.jsonl, 3 to run/);
    const after = linesBySeed('resume.jsonl');
    expect(after).toEqual(linesBySeed('full.jsonl'));
    for (const [seed, line] of before) expect(after.get(seed)).toBe(line);
    expect(cli(...SWEEP, '--seeds', '1..6', '--out', 'resume.jsonl', '--resume').err).toMatch(/nothing to run/);
  });

  it('Ctrl-C keeps every finished seed in a whole file; --resume finishes the sweep', async () => {
    const args = [CLI, 'run', 'circle', '--n', '48', '--beta', '9', '--t-end', '1e4', '--seeds', '1..40', '--threads', '1', '--out', 'int.jsonl'];
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
    const seeds = text.trim().split('\n').map((l) => JSON.parse(l).seed);
    expect(seeds.length).toBeGreaterThan(0);
    expect(seeds.length).toBeLessThan(40);
    expect(seeds).toEqual(seeds.slice().sort((x, y) => x - y));
  }, 60_000);

  it('plots energy and clusters, every seed faint and the median bold', () => {
    const r = cli('plot', 'full.jsonl', '--out', 'fig.svg');
    expect(r.code).toBe(0);
    const svg = readFileSync(join(dir, 'fig.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    const panels = [...svg.matchAll(/<g class="panel" data-series="(\w+)">([\s\S]*?)<\/g>/g)];
    expect(panels.map((p) => p[1])).toEqual(['energy', 'clusters']);
    const lines = readFileSync(join(dir, 'full.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    for (const [, name, body] of panels) {
      const seeds = [...body.matchAll(/<polyline class="seed" data-seed="(\d+)"[^>]*points="([^"]*)"/g)];
      expect(seeds.map((s) => Number(s[1]))).toEqual([1, 2, 3, 4, 5, 6]);
      for (const s of seeds) expect(s[2].trim().split(' ').length).toBe(lines[0].times.length - 1); // t = 0 is off a log axis
      expect(body).toMatch(/<polyline class="median"[^>]*stroke-width="2.5"/);
      expect(body).toMatch(/time t \(log scale\)/);
      expect(body).toMatch(name === 'energy' ? />energy</ : />cluster count</);
    }
  });

  it('sinkhorn reads CSV point clouds and reports objective, divergence and iterations', () => {
    writeFileSync(join(dir, 'a.csv'), 'x,y\n0,0\n1,0\n0,1\n');
    writeFileSync(join(dir, 'b.csv'), '0,0\n1,0\n0,1\n');
    const r = cli('sinkhorn', 'a.csv', 'b.csv', '--eps', '0.01');
    expect(r.code).toBe(0);
    const o = JSON.parse(r.out);
    expect(o.divergence).toBe(0); // S_eps(a, a) = 0
    expect(o.iterations).toBeGreaterThan(0);
    expect(o.converged).toBe(true);
  });

  it('bad flags and values: one line naming them, exit 2; --help on every command', () => {
    for (const [args, pattern] of [
      [['run', 'circle', '--nn', '3', '--out', 'x'], /unknown flag --nn/],
      [['run', 'circle', '--n', 'abc', '--out', 'x'], /--n must be an integer >= 2, a list a,b,c or a grid start:stop:count, got 'abc'/],
      [['run', 'circle', '--integrator', 'rk9', '--out', 'x'], /--integrator must be one of euler, heun, rk4, rk45, got 'rk9'/],
      [['run', 'circle', '--seeds', '5..1', '--out', 'x'], /--seeds range 5..1 must be increasing/],
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
    for (const c of ['run', 'plot', 'sinkhorn', 'bench']) {
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
