// Job arrays and the flags that follow the library: --shard auto (Slurm arrays, Kubernetes
// Indexed Jobs) parsed from a given environment, --out {shard}, meanfield merge (success,
// missing, duplicated and mixed runs), --collapse / --stop-one-cluster / --clock, the line
// format (clusterCounts, finalTime) and --resume of files written before it, did-you-mean.
// The CLI runs from dist/ (npm test builds it first); no scheduler is needed (the real Slurm
// test is scripts/ci/slurm-array.sh, run by .ci/run).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseShard, shardOut, shardSlice } from '../src/cli/shard.js';
import { init, Measure, simulate, circle } from '../src/index.js';

const CLI = join(__dirname, '..', 'dist', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'meanfield-shard-'));
const at = (f: string) => join(dir, f);

function cli(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SLURM_') && k !== 'JOB_COMPLETION_INDEX'));
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000, env: { ...clean, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A file's lines without the wall time. */
function stripped(file: string): string[] {
  return readFileSync(at(file), 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const o = JSON.parse(l);
      delete o.wallTimeMs;
      return JSON.stringify(o);
    });
}

const slurm = (id: number, min: number, max: number, count: number, step?: number) => ({
  SLURM_ARRAY_TASK_ID: String(id),
  SLURM_ARRAY_TASK_MIN: String(min),
  SLURM_ARRAY_TASK_MAX: String(max),
  SLURM_ARRAY_TASK_COUNT: String(count),
  ...(step === undefined ? {} : { SLURM_ARRAY_TASK_STEP: String(step) }),
});

describe('--shard auto', () => {
  it('maps 0-based, 1-based and stepped Slurm arrays onto shards 1..k in task order', () => {
    for (const [min, step] of [
      [0, 1],
      [1, 1],
      [1, 2],
      [5, 3],
    ]) {
      const ids = [0, 1, 2, 3].map((k) => min + k * step);
      const shards = ids.map((id) => parseShard('auto', slurm(id, min, ids[3], 4, step)));
      expect(shards.map((s) => [s.index, s.count])).toEqual([
        [1, 4],
        [2, 4],
        [3, 4],
        [4, 4],
      ]);
    }
    // Without SLURM_ARRAY_TASK_STEP (older Slurm): the step comes from MIN, MAX and COUNT.
    expect(parseShard('auto', slurm(5, 1, 7, 4)).index).toBe(3);
    // One task: shard 1 of 1.
    expect(parseShard('auto', slurm(7, 7, 7, 1))).toMatchObject({ index: 1, count: 1 });
    // auto/K checks K against the array.
    expect(parseShard('auto/4', slurm(2, 0, 3, 4)).index).toBe(3);
    expect(() => parseShard('auto/5', slurm(2, 0, 3, 4))).toThrow(/auto\/5: the Slurm array has 4 tasks/);
  });

  it('refuses arrays that cannot be mapped, naming the variables', () => {
    // --array=1,4,9: no constant step; --array=0,2,3: MIN 0, MAX 3, COUNT 3.
    expect(() => parseShard('auto', slurm(4, 1, 9, 3))).toThrow(
      /not a range with a constant step \(SLURM_ARRAY_TASK_ID=4, MIN=1, MAX=9, COUNT=3\)/,
    );
    expect(() => parseShard('auto', slurm(2, 0, 3, 3))).toThrow(/not a range with a constant step/);
    expect(() => parseShard('auto', slurm(3, 1, 7, 4, 3))).toThrow(/STEP=3/);
    expect(() => parseShard('auto', slurm(9, 0, 3, 4))).toThrow(/inconsistent/);
    expect(() => parseShard('auto', { SLURM_ARRAY_TASK_ID: '2' })).toThrow(/without SLURM_ARRAY_TASK_MIN/);
    expect(() => parseShard('auto', { ...slurm(1, 0, 3, 4), SLURM_ARRAY_TASK_MIN: 'x' })).toThrow(
      /SLURM_ARRAY_TASK_MIN must be a non-negative integer, got 'x'/,
    );
    expect(() => parseShard('auto', {})).toThrow(/no job array found/);
    expect(() => parseShard('auto', { ...slurm(1, 0, 3, 4), JOB_COMPLETION_INDEX: '1' })).toThrow(
      /both SLURM_ARRAY_TASK_ID and JOB_COMPLETION_INDEX/,
    );
    for (const bad of ['0/2', '3/2', 'auto/0', 'automatic', '1/0', '']) expect(() => parseShard(bad, {})).toThrow(/--shard/);
  });

  it('reads a Kubernetes Indexed Job (0-based JOB_COMPLETION_INDEX, K from auto/K)', () => {
    expect(parseShard('auto/3', { JOB_COMPLETION_INDEX: '0' })).toMatchObject({ index: 1, count: 3 });
    expect(parseShard('auto/3', { JOB_COMPLETION_INDEX: '2' })).toMatchObject({ index: 3, count: 3 });
    expect(() => parseShard('auto/3', { JOB_COMPLETION_INDEX: '3' })).toThrow(/JOB_COMPLETION_INDEX=3 is not below the 3 completions/);
    expect(() => parseShard('auto', { JOB_COMPLETION_INDEX: '1' })).toThrow(/give the number of completions as --shard auto\/K/);
  });

  it('slices cover the list once, in order, whatever k', () => {
    const list = Array.from({ length: 23 }, (_, i) => i);
    for (const k of [1, 2, 5, 23, 40]) {
      const parts = Array.from({ length: k }, (_, i) => shardSlice(list, { index: i + 1, count: k, source: '' }));
      expect(parts.flat()).toEqual(list);
    }
  });

  it('{shard} is the shard number, zero-padded to the digits of k', () => {
    expect(shardOut('runs/part-{shard}.jsonl', { index: 3, count: 4, source: '' })).toBe('runs/part-3.jsonl');
    expect(shardOut('p{shard}-{shard}.jsonl', { index: 3, count: 16, source: '' })).toBe('p03-03.jsonl');
    expect(shardOut('plain.jsonl', { index: 3, count: 16, source: '' })).toBe('plain.jsonl');
    expect(() => shardOut('part-{shard}.jsonl', null)).toThrow(/holds \{shard\} but no --shard is given/);
  });
});

// 2 beta values x 5 seeds = 10 runs; 3 shards of 3, 3 and 4 runs.
const SWEEP = ['run', 'circle', '--n', '12', '--beta', '1,4', '--seeds', '1..5', '--t-end', '30', '--records', '8', '--threads', '1'];

describe('meanfield merge', () => {
  beforeAll(() => {
    mkdirSync(at('runs'));
    for (const id of [0, 1, 2]) {
      const r = cli([...SWEEP, '--shard', 'auto', '--out', 'runs/part-{shard}.jsonl'], slurm(id, 0, 2, 3));
      expect(r.code, r.err).toBe(0);
      expect(r.err).toMatch(new RegExp(`shard ${id + 1} of 3 \\(Slurm array task ${id} `));
    }
    expect(cli([...SWEEP, '--out', 'one.jsonl']).code).toBe(0);
  }, 120_000);

  it('--out {shard} wrote one file per shard; merged, they equal the one-process run apart from wall times', () => {
    expect(readdirSync(at('runs')).sort()).toEqual(['part-1.jsonl', 'part-2.jsonl', 'part-3.jsonl']);
    expect([1, 2, 3].map((i) => stripped(`runs/part-${i}.jsonl`).length)).toEqual([3, 3, 4]);
    // Given in any order: the merge writes the sweep's order.
    const r = cli(['merge', '--out', 'all.jsonl', 'runs/part-3.jsonl', 'runs/part-1.jsonl', 'runs/part-2.jsonl']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/10 runs merged into all\.jsonl/);
    expect(stripped('all.jsonl')).toEqual(stripped('one.jsonl'));
    expect(existsSync(at('all.jsonl.lock'))).toBe(false);
  });

  it('a missing run is an error naming it; nothing is written', () => {
    const r = cli(['merge', '--out', 'gap.jsonl', 'runs/part-1.jsonl', 'runs/part-3.jsonl']);
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    // Shard 2 held beta 1 seeds 4, 5 and beta 4 seed 1.
    expect(r.err).toMatch(
      /miss 3 of the sweep's 10 runs: beta 1, n 12, dim 1, seed 4; beta 1, n 12, dim 1, seed 5; beta 4, n 12, dim 1, seed 1 \(/,
    );
    expect(existsSync(at('gap.jsonl'))).toBe(false);
  });

  it('a run found twice: kept once when identical apart from wall time, an error naming both places otherwise', () => {
    const ok = cli(['merge', '--out', 'twice.jsonl', 'runs/part-1.jsonl', 'runs/part-2.jsonl', 'runs/part-2.jsonl', 'runs/part-3.jsonl']);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.err).toMatch(/3 runs found twice with identical results \(apart from wall time\), kept once/);
    expect(stripped('twice.jsonl')).toEqual(stripped('one.jsonl'));
    const lines = readFileSync(at('runs/part-2.jsonl'), 'utf8').trim().split('\n');
    const changed = JSON.parse(lines[1]);
    changed.steps += 1;
    writeFileSync(at('other.jsonl'), `${JSON.stringify(changed)}\n`);
    const r = cli(['merge', '--out', 'dup.jsonl', ...[1, 2, 3].map((i) => `runs/part-${i}.jsonl`), 'other.jsonl']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /other\.jsonl line 1: holds beta 1, n 12, dim 1, seed 5 again, with other results than runs\/part-2\.jsonl line 2/,
    );
    expect(existsSync(at('dup.jsonl'))).toBe(false);
  });

  it('mixed settings or sweeps are refused, naming the file, line and setting', () => {
    expect(cli([...SWEEP, '--rtol', '1e-8', '--shard', '2/3', '--out', 'rtol.jsonl']).code).toBe(0);
    let r = cli(['merge', '--out', 'mixed.jsonl', 'runs/part-1.jsonl', 'rtol.jsonl', 'runs/part-3.jsonl']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/rtol\.jsonl line 1: was run with --rtol 1e-8, runs\/part-1\.jsonl line 1 has --rtol 0\.000001/);
    // The same settings, another seed list: another sweep.
    expect(cli([...SWEEP.map((a) => (a === '1..5' ? '1..6' : a)), '--shard', '2/3', '--out', 'seeds.jsonl']).code).toBe(0);
    r = cli(['merge', '--out', 'mixed.jsonl', 'runs/part-1.jsonl', 'seeds.jsonl']);
    expect(r.err).toMatch(/seeds\.jsonl line 1: belongs to a sweep with --seeds 1\.\.6, runs\/part-1\.jsonl line 1 has --seeds 1\.\.5/);
    expect(existsSync(at('mixed.jsonl'))).toBe(false);
  });

  it('refuses an existing --out, a shard still being written, and lines that are not runs', () => {
    let r = cli(['merge', '--out', 'all.jsonl', 'runs/part-1.jsonl']);
    expect([r.code, r.err]).toEqual([2, expect.stringMatching(/--out all\.jsonl already exists/)]);
    writeFileSync(at('runs/part-1.jsonl.lock'), `${process.pid}\n${hostname()}\n\n`);
    r = cli(['merge', '--out', 'busy.jsonl', 'runs/part-1.jsonl', 'runs/part-2.jsonl', 'runs/part-3.jsonl']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`runs/part-1\\.jsonl: is still being written by process ${process.pid}`));
    unlinkSync(at('runs/part-1.jsonl.lock'));
    writeFileSync(at('notrun.jsonl'), '{"a":1}\n');
    expect(cli(['merge', '--out', 'x.jsonl', 'notrun.jsonl']).err).toMatch(/notrun\.jsonl line 1: is not a line of meanfield run/);
    expect(cli(['merge', 'runs/part-1.jsonl']).err).toMatch(/--out is required/);
  });
});

describe('run follows the library', () => {
  it('--collapse and --stop-one-cluster reach the last merge of npm start (t = 1.5656e7) with finalTime and stopReason', async () => {
    const r = cli([
      'run',
      'circle',
      '--n',
      '64',
      '--beta',
      '9',
      '--seeds',
      '2',
      '--t-end',
      '1e10',
      '--collapse',
      '1e-6',
      '--stop-one-cluster',
      '1e-3',
      '--out',
      'last.jsonl',
    ]);
    expect(r.code, r.err).toBe(0);
    const line = JSON.parse(readFileSync(at('last.jsonl'), 'utf8'));
    expect(line.stopReason).toBe('oneCluster');
    // The reference: the library at tighter tolerances, collapsing until one particle is left (as scripts/demo.mjs).
    await init();
    const ref = simulate(circle({ beta: 9 }), Measure.uniformCircle(64, { seed: 2 }), {
      tEnd: 1e10,
      rtol: 1e-9,
      atol: 1e-12,
      collapse: { tol: 1e-6 },
      stopWhen: { custom: (m) => m.size === 1 },
    });
    const lastMerge = ref.collapses[ref.collapses.length - 1].t;
    expect(lastMerge).toBeGreaterThan(1.5e7);
    expect(Math.abs(line.finalTime / lastMerge - 1)).toBeLessThan(1e-5);
    expect(line.settings).toMatchObject({ collapse: 1e-6, stopOneCluster: 1e-3, clock: 'time' });
    expect(line.finalParticles).toBeLessThan(64);
    expect(line.lastMerge).toBeGreaterThan(0);
    expect(line.times.length).toBe(line.clusterCounts.length);
    expect(line.clusters).toBeUndefined();
  });

  it('--clock arclength runs the same flow to the same end state', () => {
    const base = [
      'run',
      'circle',
      '--n',
      '16',
      '--beta',
      '4',
      '--seeds',
      '1',
      '--t-end',
      '100',
      '--records',
      '6',
      '--rtol',
      '1e-9',
      '--atol',
      '1e-12',
    ];
    expect(cli([...base, '--out', 'time.jsonl']).code).toBe(0);
    expect(cli([...base, '--clock', 'arclength', '--out', 'arc.jsonl']).code).toBe(0);
    const [a, b] = ['time.jsonl', 'arc.jsonl'].map((f) => JSON.parse(readFileSync(at(f), 'utf8')));
    expect(b.settings.clock).toBe('arclength');
    expect(b.finalTime).toBe(100);
    for (let k = 0; k < a.times.length; k++) expect(b.times[k]).toBeCloseTo(a.times[k], 9);
    for (let k = 0; k < a.energy.length; k++) expect(Math.abs(b.energy[k] - a.energy[k])).toBeLessThan(1e-6);
  });

  it('refuses what the flow cannot do, and unknown flags or values with a did-you-mean (exit 2, one line)', () => {
    for (const [args, pattern] of [
      [['run', 'attention', '--mask', 'causal', '--collapse', '1e-6'], /--collapse cannot be used with --mask causal/],
      [['run', 'circle', '--collapse', '0'], /--collapse must be > 0, got '0'/],
      [['run', 'circle', '--stop-one-cluster', '-1'], /--stop-one-cluster must be > 0/],
      [['run', 'circle', '--clock', 'arclen'], /--clock must be one of time, arclength, got 'arclen'; did you mean arclength\?/],
      [['run', 'circle', '--integrator', 'euler', '--dt', '0.1', '--atol', '1e-9'], /--atol applies to --integrator rk45 only/],
      [['run', 'circle', '--colapse', '1e-6'], /unknown flag --colapse; did you mean --collapse\?/],
      [['run', 'circle', '--stop-one-clusters', '1e-3'], /unknown flag --stop-one-clusters; did you mean --stop-one-cluster\?/],
      [['rn', 'circle'], /unknown command 'rn'; did you mean run\?/],
      [['merge', '--ot', 'x.jsonl', 'a.jsonl'], /unknown flag --ot; did you mean --out\?/],
      [['run', 'circle', '--shard', 'auto', '--out', 'x-{shard}.jsonl'], /no job array found/],
      [['run', 'circle', '--out', 'x-{shard}.jsonl'], /holds \{shard\} but no --shard is given/],
    ] as const) {
      const given: readonly string[] = args;
      const r = cli([...given, ...(given.includes('--out') || given[0] !== 'run' ? [] : ['--out', 'refused.jsonl'])]);
      expect(r.code, `${args.join(' ')}: ${r.err}`).toBe(2);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(pattern);
    }
    expect(existsSync(at('refused.jsonl'))).toBe(false);
  });

  it('--resume refuses a file written before clusterCounts, naming it; plot still reads it', () => {
    const line = JSON.parse(readFileSync(at('time.jsonl'), 'utf8'));
    const { clusterCounts, finalTime, sweep, finalParticles, lastMerge, ...rest } = line;
    const old = { ...rest, clusters: clusterCounts };
    writeFileSync(at('old.jsonl'), `${JSON.stringify(old)}\n`);
    const r = cli([
      'run',
      'circle',
      '--n',
      '16',
      '--beta',
      '4',
      '--seeds',
      '1..2',
      '--t-end',
      '100',
      '--records',
      '6',
      '--resume',
      '--out',
      'old.jsonl',
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /old\.jsonl line 1: was written by an earlier version of meanfield run \(it has 'clusters', renamed 'clusterCounts'/,
    );
    expect(readFileSync(at('old.jsonl'), 'utf8')).toBe(`${JSON.stringify(old)}\n`);
    expect(cli(['plot', 'old.jsonl', '--out', 'old.svg']).code).toBe(0);
    expect(cli(['merge', '--out', 'oldm.jsonl', 'old.jsonl']).err).toMatch(/old\.jsonl line 1: was written by an earlier version/);
  });
});

describe('plot and heatmap read the grid', () => {
  const synthetic = (beta: number, seed: number, counts: number[]) =>
    JSON.stringify({ flow: 'circle', seed, beta, n: 8, dim: 1, times: [0, 1, 10, 100], clusterCounts: counts, energy: null });

  it('plot: one colour per grid value, its median bold, a title naming the grid, --where', () => {
    // beta 4: the median is seed 1 at every time (6 of 5, 6, 7; 4 of 3, 4, 5; 2 of 1, 2, 3).
    writeFileSync(
      at('syn.jsonl'),
      [
        synthetic(4, 1, [8, 6, 4, 2]),
        synthetic(4, 2, [8, 5, 3, 1]),
        synthetic(4, 3, [8, 7, 5, 3]),
        synthetic(1, 1, [8, 8, 8, 8]),
        synthetic(1, 2, [8, 8, 1, 1]),
      ]
        .map((line) => `${line}\n`)
        .join(''),
    );
    const r = cli(['plot', 'syn.jsonl', '--out', 'syn.svg']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/5 seeds plotted to syn\.svg \(2 grid values\)/);
    const svg = readFileSync(at('syn.svg'), 'utf8');
    expect(svg).toMatch(/<text class="title"[^>]*>circle, n = 8 by β = 1, 4: 5 runs, median bold</);
    const medians = [
      ...svg.matchAll(/<polyline class="median" data-group="([^"]*)" fill="none" stroke="(#[0-9a-f]{6})"[^>]*points="([^"]*)"/g),
    ];
    expect(medians.map((m) => m[1])).toEqual(['β = 1', 'β = 4']);
    expect(medians[0][2]).not.toBe(medians[1][2]);
    const seeds = [...svg.matchAll(/<polyline class="seed" data-seed="(\d+)" fill="none" stroke="(#[0-9a-f]{6})"[^>]*points="([^"]*)"/g)];
    // Seeds in their group's colour: beta 1 first (seeds 1, 2), then beta 4 (seeds 1, 2, 3).
    expect(seeds.map((s) => [s[1], s[2]])).toEqual([
      ['1', medians[0][2]],
      ['2', medians[0][2]],
      ['1', medians[1][2]],
      ['2', medians[1][2]],
      ['3', medians[1][2]],
    ]);
    expect(medians[1][3]).toBe(seeds[2][3]);
    expect(svg).toMatch(/<g class="legend">[\s\S]*>β = 1<[\s\S]*>β = 4</);
    expect(svg).not.toMatch(/NaN|Infinity|1e0</);
    // Round decade ticks: 1, 10, 100.
    expect([...svg.matchAll(/<text class="tick" [^>]*text-anchor="middle">([^<]*)</g)].map((m) => m[1]).slice(0, 3)).toEqual([
      '1',
      '10',
      '100',
    ]);
    const four = cli(['plot', 'syn.jsonl', '--where', 'beta=4', '--out', 'syn4.svg']);
    expect(four.err).toMatch(/3 seeds plotted to syn4\.svg$/m);
    expect(readFileSync(at('syn4.svg'), 'utf8')).toMatch(/>circle, β = 4, n = 8: 3 seeds, median bold</);
    const none = cli(['plot', 'syn.jsonl', '--where', 'beta=7', '--out', 'syn7.svg']);
    expect([none.code, none.err]).toEqual([1, expect.stringMatching(/syn\.jsonl: hold no runs with beta=7/)]);
    expect(cli(['plot', 'syn.jsonl', '--where', 'beat=4', '--out', 'syn7.svg']).err).toMatch(/--where must be like beta=4/);
  });

  it("heatmap: a log time axis for log-spaced records (run's default), linear when asked", () => {
    let r = cli(['heatmap', 'one.jsonl', '--out', 'auto.svg']);
    expect(r.code, r.err).toBe(0);
    // t = 0 and 8 log-spaced records; t = 0 dropped on the log axis.
    expect(r.err).toMatch(/10 runs in 2 x 8 cells/);
    expect(readFileSync(at('auto.svg'), 'utf8')).toMatch(/time t \(log scale\)/);
    r = cli(['heatmap', 'one.jsonl', '--time-scale', 'linear', '--out', 'lin.svg']);
    expect(r.err).toMatch(/10 runs in 2 x 9 cells/);
    expect(readFileSync(at('lin.svg'), 'utf8')).not.toMatch(/log scale/);
  });
});

describe('locks of requeued Slurm jobs', () => {
  it('a lock left on another node by an earlier run of the same Slurm job is taken over; any other is refused', () => {
    const args = ['run', 'circle', '--n', '8', '--seeds', '1', '--t-end', '1', '--records', '3', '--threads', '1'];
    // A live pid on another host: without the Slurm job's own tag it cannot be judged stale.
    writeFileSync(at('req.jsonl.lock'), `${process.pid}\nothernode\nslurm 77 0\n`);
    let r = cli([...args, '--out', 'req.jsonl']);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/locked by process \d+ on othernode/);
    r = cli([...args, '--out', 'req.jsonl'], { SLURM_JOB_ID: '78', SLURM_RESTART_COUNT: '1' });
    expect(r.code).toBe(3);
    r = cli([...args, '--out', 'req.jsonl'], { SLURM_JOB_ID: '77', SLURM_RESTART_COUNT: '0' });
    expect(r.code).toBe(3);
    r = cli([...args, '--out', 'req.jsonl'], { SLURM_JOB_ID: '77', SLURM_RESTART_COUNT: '1' });
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/took over the stale lock .*an earlier run of this Slurm job, now requeued/);
    expect(existsSync(at('req.jsonl.lock'))).toBe(false);
  });
});
