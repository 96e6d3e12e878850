// The `meanfield` command under hostile use: bad values, existing and unwritable outputs,
// concurrent writers, stale locks, kill -9 mid-sweep, cut files, huge seed lists and sizes,
// big plots, overflowing inputs. Run as a subprocess from dist/ (npm test builds it first).
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const CLI = join(__dirname, '..', 'dist', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'meanfield-robust-'));
const at = (f: string) => join(dir, f);

/** The CLI, not waiting: for many independent cases at once. */
function cliAsync(args: string[]): Promise<{ code: number | null; out: string; err: string; ms: number }> {
  const t0 = Date.now();
  const child = spawn(process.execPath, [CLI, ...args], { cwd: dir });
  let out = '',
    err = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    err += d;
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out, err, ms: Date.now() - t0 })));
}

function cli(args: string[], env: Record<string, string> = {}) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr, ms: Date.now() - t0 };
}

/** Exit code `code`, exactly one line on standard error matching `pattern`, no stack. */
function oneLine(r: { code: number | null; err: string }, code: number, pattern: RegExp) {
  expect(r.err.trim().split('\n')).toHaveLength(1);
  expect(r.err).toMatch(pattern);
  expect(r.err).not.toMatch(/\n\s+at /);
  expect(r.code).toBe(code);
}

/** A run file's lines in file order, without the wall time (the only field that varies between runs). */
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

const SMALL = ['run', 'circle', '--n', '16', '--beta', '4', '--t-end', '50', '--records', '12'];
/** A sweep of a few seconds on one thread. */
const SLOW = ['run', 'circle', '--n', '40', '--beta', '9', '--t-end', '1000', '--records', '20', '--threads', '1', '--batch', '2'];

/** Starts the CLI in the background; resolves `first` once `file` holds a whole line. */
function background(args: string[], file: string) {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: dir });
  let err = '';
  child.stderr.on('data', (d) => {
    err += d;
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  const first = new Promise<void>((resolve, reject) => {
    const poll = setInterval(() => {
      if (existsSync(at(file)) && readFileSync(at(file), 'utf8').includes('\n')) {
        clearInterval(poll);
        resolve();
      }
      if (child.exitCode !== null) {
        clearInterval(poll);
        reject(new Error(`exited early: ${err}`));
      }
    }, 20);
  });
  return { child, exit, first, err: () => err };
}

describe('meanfield run: values are checked before the output is touched', () => {
  it('bad values and limits: exit 2, one line, an existing --out byte-identical', async () => {
    expect(cli([...SMALL, '--seeds', '1..3', '--out', 'keep.jsonl']).code).toBe(0);
    const before = readFileSync(at('keep.jsonl'));
    const cases: Array<[string[], RegExp]> = [
      [['--integrator', 'euler', '--dt', '0'], /--dt must be > 0, got '0'/],
      [['--rtol', '0'], /--rtol must be > 0, got '0'/],
      [['--cluster-tol', '0'], /--cluster-tol must be > 0, got '0'/],
      [['--delta', '0'], /--delta must be > 0, got '0'/],
      [['--t-end', '-1'], /--t-end must be >= 0/],
      [['--n', '1e15'], /--n 1000000000000000 is beyond the size limit \(at most \d+ particles/],
      [['--n', '1e9'], /--n 1000000000 is beyond the size limit/],
      [['--seeds', '99999999999999999999'], /--seeds must be integers <= 9007199254740991/],
      [['--seeds', '1..1000001'], /--seeds holds more than 1000000 seeds, the limit of one run/],
      [['--records', '1000000'], /--records must be <= 100000/],
      [['--beta', '0:1:100000'], /--beta grid count must be <= 10000/],
      [['--integrator', 'euler', '--dt', '1e-300'], /steps, beyond the limit of 1e\+9 per run/],
      [['--t-end', 'Infinity'], /--t-end must be a finite number >= 0/],
    ];
    // With and without --resume, a few at a time.
    const all = cases.flatMap(([flags, pattern], i) => [{ flags: [...flags, ...(i % 2 ? ['--resume'] : [])], pattern }]);
    for (let k = 0; k < all.length; k += 4) {
      const rs = await Promise.all(
        all.slice(k, k + 4).map((c) => cliAsync([...SMALL, '--seeds', '1..3', ...c.flags, '--out', 'keep.jsonl'])),
      );
      rs.forEach((r, j) => oneLine(r, 2, all[k + j].pattern));
    }
    expect(readFileSync(at('keep.jsonl')).equals(before)).toBe(true);
    expect(existsSync(at('keep.jsonl.lock'))).toBe(false);
  });

  it('an existing --out is never replaced without --resume', () => {
    expect(cli([...SMALL, '--seeds', '1..2', '--out', 'exists.jsonl']).code).toBe(0);
    const before = readFileSync(at('exists.jsonl'));
    oneLine(cli([...SMALL, '--seeds', '1', '--out', 'exists.jsonl']), 2, /--out exists\.jsonl already holds 2 lines: add --resume/);
    expect(readFileSync(at('exists.jsonl')).equals(before)).toBe(true);
  });

  it('--t-end 0 gives one record at t = 0 for every seed', () => {
    const r = cli([...SMALL, '--t-end', '0', '--seeds', '1..3', '--out', 'zero.jsonl']);
    expect(r.code).toBe(0);
    const lines = readFileSync(at('zero.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.seed)).toEqual([1, 2, 3]);
    for (const l of lines) {
      expect(l.times).toEqual([0]);
      expect(l.steps).toBe(0);
      expect(l.clusterCounts).toHaveLength(1);
    }
    // plot and heatmap of runs that never leave t = 0: no NaN coordinates.
    expect(cli(['plot', 'zero.jsonl', '--out', 'zero.svg']).code).toBe(0);
    expect(readFileSync(at('zero.svg'), 'utf8')).not.toMatch(/NaN|Infinity/);
    expect(cli(['heatmap', 'zero.jsonl', '--out', 'zeroh.svg']).code).toBe(0);
    expect(readFileSync(at('zeroh.svg'), 'utf8')).not.toMatch(/NaN|Infinity/);
    oneLine(cli(['heatmap', 'zero.jsonl', '--time-scale', 'log', '--out', 'zerol.svg']), 2, /no record time > 0/);
  });

  it('--seeds 1..100000 and 1..1000000 parse in linear time (refused on the unwritable --out, before any work)', () => {
    let r = cli(['run', 'circle', '--seeds', '1..100000', '--out', 'missing-dir/x.jsonl']);
    oneLine(r, 3, /cannot write --out missing-dir\/x\.jsonl: the directory missing-dir does not exist/);
    expect(r.ms).toBeLessThan(5000);
    r = cli(['run', 'circle', '--seeds', '1..1000000', '--out', 'missing-dir/x.jsonl']);
    oneLine(r, 3, /the directory missing-dir does not exist/);
    expect(r.ms).toBeLessThan(15000);
  });
});

describe('meanfield run: the output', () => {
  it('an unwritable --out is one line before anything is computed', () => {
    let r = cli([...SLOW, '--seeds', '1..50', '--out', 'nowhere/runs.jsonl']);
    oneLine(r, 3, /cannot write --out nowhere\/runs\.jsonl: the directory nowhere does not exist/);
    expect(r.ms).toBeLessThan(3000);
    mkdirSync(at('adir'));
    oneLine(cli([...SMALL, '--out', 'adir']), 3, /cannot write --out adir: it is a directory/);
    if (process.getuid?.() !== 0) {
      // root writes anywhere
      mkdirSync(at('ro'));
      chmodSync(at('ro'), 0o555);
      r = cli([...SLOW, '--seeds', '1..50', '--out', 'ro/runs.jsonl']);
      oneLine(r, 3, /the directory ro is not writable/);
      expect(r.ms).toBeLessThan(3000);
      chmodSync(at('ro'), 0o755);
    }
  });

  it('a second writer (two shards on one --out, two --resume runs) is refused; the lock goes at the end', async () => {
    const a = background([...SLOW, '--seeds', '1..60', '--shard', '1/2', '--out', 'shared.jsonl'], 'shared.jsonl');
    await a.first;
    expect(readFileSync(at('shared.jsonl.lock'), 'utf8').split('\n')[0]).toBe(String(a.child.pid));
    const [second, resumed] = await Promise.all([
      cliAsync([...SLOW, '--seeds', '1..60', '--shard', '2/2', '--out', 'shared.jsonl']),
      cliAsync([...SLOW, '--seeds', '1..60', '--resume', '--out', 'shared.jsonl']),
    ]);
    oneLine(
      second,
      3,
      new RegExp(`shared\\.jsonl is being written by another run \\(process ${a.child.pid}, lock shared\\.jsonl\\.lock\\)`),
    );
    oneLine(resumed, 3, /is being written by another run/);
    a.child.kill('SIGINT');
    expect(await a.exit).toBe(130);
    expect(existsSync(at('shared.jsonl.lock'))).toBe(false);
    // Then the rest, resumed into the same file, adds its seeds.
    const r = cli([...SLOW, '--seeds', '1..8', '--resume', '--out', 'shared.jsonl']);
    expect(r.code).toBe(0);
    const seeds = stripped('shared.jsonl').map((l) => JSON.parse(l).seed);
    expect(seeds.slice(0, 8)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(new Set(seeds).size).toBe(seeds.length);
    expect(existsSync(at('shared.jsonl.lock'))).toBe(false);
  }, 60_000);

  it('a stale lock (its process is gone) is taken over with a warning', () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(at('stale.jsonl.lock'), `${dead}\n`);
    const r = cli([...SMALL, '--seeds', '1..2', '--out', 'stale.jsonl']);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(new RegExp(`warning: took over the stale lock stale\\.jsonl\\.lock of process ${dead}`));
    expect(existsSync(at('stale.jsonl.lock'))).toBe(false);
    // A live owner (this test process) is respected.
    writeFileSync(at('live.jsonl.lock'), `${process.pid}\n`);
    oneLine(cli([...SMALL, '--out', 'live.jsonl']), 3, new RegExp(`process ${process.pid}`));
    expect(existsSync(at('live.jsonl'))).toBe(false);
  });

  it('kill -9 mid-sweep, then --resume: no seed lost or duplicated, the file always parses', async () => {
    const args = [...SLOW, '--seeds', '1..10', '--out', 'killed.jsonl'];
    for (let round = 0; round < 2; round++) {
      const before = existsSync(at('killed.jsonl')) ? readFileSync(at('killed.jsonl'), 'utf8') : '';
      const b = background(round === 0 ? args : [...args, '--resume'], 'killed.jsonl');
      await b.first;
      // Wait for a write beyond what was there, then kill -9.
      const deadline = Date.now() + 20_000;
      while (readFileSync(at('killed.jsonl'), 'utf8') === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      b.child.kill('SIGKILL');
      await b.exit;
      const text = readFileSync(at('killed.jsonl'), 'utf8');
      expect(text.endsWith('\n')).toBe(true);
      const seeds = text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).seed);
      expect(seeds.length).toBeLessThan(10);
      expect(new Set(seeds).size).toBe(seeds.length);
      expect(existsSync(at('killed.jsonl.lock'))).toBe(true); // left behind by kill -9: stale
    }
    const r = cli([...args, '--resume']);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/took over the stale lock/);
    expect(cli([...args.filter((a) => a !== 'killed.jsonl'), 'whole.jsonl']).code).toBe(0);
    expect(stripped('killed.jsonl')).toEqual(stripped('whole.jsonl'));
    expect(existsSync(at('killed.jsonl.lock'))).toBe(false);
  }, 90_000);

  it('a write that fails mid-run (disk full, directory gone read-only) stops the run with one line; the file keeps its ' +
    'last version', async () => {
    const b = background([...SLOW, '--seeds', '1..40', '--out', 'wfail.jsonl'], 'wfail.jsonl');
    await b.first;
    // The next rewrite's temporary file cannot be created: a directory stands in its way.
    mkdirSync(at(`wfail.jsonl.${b.child.pid}.tmp`));
    const code = await b.exit;
    expect(code).toBe(3);
    const err = b
      .err()
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('progress:'));
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(
      /^meanfield: wfail\.jsonl could not be written: .*; the file keeps its last complete version \(rerun with --resume\)/,
    );
    const seeds = readFileSync(at('wfail.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).seed);
    expect(seeds.length).toBeGreaterThan(0);
    expect(seeds).toEqual(seeds.map((_, i) => i + 1));
    expect(existsSync(at('wfail.jsonl.lock'))).toBe(false);
  }, 60_000);

  it('--resume refuses a file run with other settings, naming the difference', () => {
    expect(cli([...SMALL, '--seeds', '1..2', '--out', 'settings.jsonl']).code).toBe(0);
    const before = readFileSync(at('settings.jsonl'));
    oneLine(
      cli([...SMALL, '--seeds', '1..3', '--rtol', '1e-8', '--resume', '--out', 'settings.jsonl']),
      2,
      /--resume: settings\.jsonl line 1 was run with --rtol 0\.000001, this run has --rtol 1e-8/,
    );
    oneLine(
      cli([
        'run',
        'attention',
        '--n',
        '16',
        '--beta',
        '4',
        '--t-end',
        '50',
        '--records',
        '12',
        '--seeds',
        '1..3',
        '--resume',
        '--out',
        'settings.jsonl',
      ]),
      2,
      /line 1 was run with the circle flow, this run is attention/,
    );
    oneLine(
      cli([...SMALL, '--seeds', '1..3', '--precision', 'f32', '--resume', '--out', 'settings.jsonl']),
      2,
      /--precision f64, this run has --precision f32/,
    );
    expect(readFileSync(at('settings.jsonl')).equals(before)).toBe(true);
    const line = JSON.parse(stripped('settings.jsonl')[0]);
    expect(line.settings).toEqual({
      normalization: 'softmax',
      mask: 'none',
      tEnd: 50,
      integrator: 'rk45',
      dt: null,
      rtol: 1e-6,
      records: 12,
      spacing: 'log',
      recordEvery: null,
      clusterTol: 1e-2,
      delta: 1e-3,
      precision: 'f64',
      atol: 1e-9,
      clock: 'time',
      collapse: null,
      stopOneCluster: null,
    });
    oneLine(
      cli([...SMALL, '--seeds', '1..3', '--collapse', '1e-6', '--resume', '--out', 'settings.jsonl']),
      2,
      /--collapse unset, this run has --collapse 0\.000001/,
    );
    oneLine(
      cli([...SMALL, '--seeds', '1..3', '--clock', 'arclength', '--resume', '--out', 'settings.jsonl']),
      2,
      /--clock time, this run has --clock arclength/,
    );
  });

  it('a cut last line is dropped with a warning; a corrupt line before it is an InputError', () => {
    expect(cli([...SMALL, '--seeds', '1..4', '--out', 'full4.jsonl']).code).toBe(0);
    const text = readFileSync(at('full4.jsonl'), 'utf8');
    const lines = text.split('\n');
    writeFileSync(at('cut.jsonl'), `${lines.slice(0, 2).join('\n')}\n${lines[2].slice(0, 40)}`);
    const r = cli([...SMALL, '--seeds', '1..4', '--resume', '--out', 'cut.jsonl']);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/warning: cut\.jsonl: dropped a cut last line \(40 bytes/);
    expect(r.err).toMatch(/2 runs already in cut\.jsonl, 2 to run/);
    expect(stripped('cut.jsonl')).toEqual(stripped('full4.jsonl'));
    // Corrupt in the middle: refused, file untouched.
    const bad = `${lines[0]}\n${lines[1].slice(0, 30)}\n${lines[2]}\n`;
    writeFileSync(at('corrupt.jsonl'), bad);
    oneLine(
      cli([...SMALL, '--seeds', '1..4', '--resume', '--out', 'corrupt.jsonl']),
      1,
      /InputError: corrupt\.jsonl line 2: is not valid JSON/,
    );
    expect(readFileSync(at('corrupt.jsonl'), 'utf8')).toBe(bad);
    expect(existsSync(at('corrupt.jsonl.lock'))).toBe(false);
  });
});

describe('meanfield run: progress', () => {
  it('piped: a plain line every few seconds, with progress inside a lone seed', () => {
    const r = cli(
      ['run', 'circle', '--n', '64', '--beta', '9', '--t-end', '1e4', '--seeds', '1', '--threads', '1', '--out', 'lone.jsonl'],
      { MEANFIELD_PROGRESS_MS: '200' },
    );
    expect(r.code).toBe(0);
    const inside = r.err.split('\n').filter((l) => /^progress: 0\/1 runs, .*seed 1 at t = [\d.e+]+ of 1\.00e\+4, \d+ steps/.test(l));
    expect(inside.length).toBeGreaterThan(0);
    expect(r.err).toMatch(/progress: 1\/1 runs/);
  }, 60_000);

  it('on a terminal: redrawn at most ~10 times a second', () => {
    const cmd =
      `${process.execPath} ${CLI} run circle --n 8 --beta 4 --t-end 20 --records 5 --seeds 1..3000 --batch 1 --threads 2 --out ` +
      `${at('tty.jsonl')}`;
    const t0 = Date.now();
    const r = spawnSync('script', ['-qfec', cmd, '/dev/null'], { encoding: 'utf8', timeout: 60_000 });
    const seconds = (Date.now() - t0) / 1000;
    if (r.error !== undefined || r.status === null) return; // no `script` here
    expect(r.status).toBe(0);
    const redraws = r.stdout.split('\r\x1b[K').length - 1;
    expect(redraws).toBeGreaterThan(0);
    expect(redraws).toBeLessThanOrEqual(10 * seconds + 5);
    expect(stripped('tty.jsonl')).toHaveLength(3000);
  }, 60_000);
});

describe('plot, heatmap and sinkhorn on hostile inputs', () => {
  it('plot and heatmap take thousands of seeds (no argument spreads), no NaN coordinates', () => {
    const line = JSON.parse(readFileSync(at('full4.jsonl'), 'utf8').split('\n')[0]);
    const lines: string[] = [];
    for (let s = 0; s < 3000; s++) lines.push(JSON.stringify({ ...line, seed: s }));
    writeFileSync(at('many.jsonl'), `${lines.join('\n')}\n`);
    let r = cli(['plot', 'many.jsonl', '--out', 'many.svg']);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/3000 seeds plotted/);
    expect(readFileSync(at('many.svg'), 'utf8')).not.toMatch(/NaN|Infinity/);
    r = cli(['heatmap', 'many.jsonl', '--out', 'manyh.svg']);
    expect(r.code).toBe(0);
    expect(readFileSync(at('manyh.svg'), 'utf8')).not.toMatch(/NaN|Infinity/);
  });

  it('sinkhorn on coordinates whose squared distances overflow: one named line, no abort', () => {
    writeFileSync(at('huge.csv'), '1e155,0\n0,0\n');
    writeFileSync(at('unit.csv'), '0,0\n1,0\n');
    const r = cli(['sinkhorn', 'huge.csv', 'unit.csv']);
    oneLine(
      r,
      1,
      /InputError: huge\.csv: point 1 has the coordinate 1e\+155: the squared distances \|x - y\|\^2 between the clouds overflow/,
    );
    oneLine(cli(['sinkhorn', 'unit.csv', 'unit.csv', '--eps', '0']), 2, /--eps must be > 0, got '0'/);
    // Whatever the library refuses is one named line, exit 1.
    const tiny = cli(['sinkhorn', 'unit.csv', 'unit.csv', '--eps', '1e-320']);
    expect(tiny.code).toBe(1);
    expect(tiny.err.trim().split('\n')).toHaveLength(1);
    expect(tiny.err).toMatch(/^meanfield: \w+Error: /);
    oneLine(cli(['sinkhorn', 'unit.csv', 'unit.csv', '--out', 'nowhere/r.json']), 3, /the directory nowhere does not exist/);
    expect(statSync(at('unit.csv')).size).toBeGreaterThan(0);
  });
});
