// CLI cases: the tree's `meanfield` command (bundled by pool.ts into FUZZ_BIN_DIR, as dist/
// would hold it) under bad flags, bad files, unwritable outputs, kill -9 and concurrent writers.
// Each case judges the exit code, stderr and files itself and returns a verdict.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verdict, type Case, type Klass, oneLine } from './harness.js';

interface Ran {
  code: number | null;
  signal: string | null;
  out: string;
  err: string;
  ms: number;
  timedOut: boolean;
}

const bin = () => join(process.env.FUZZ_BIN_DIR ?? '', 'cli.js');
let workDir: string | null = null;
function dir(): string {
  workDir ??= mkdtempSync(join(tmpdir(), 'meanfield-fuzz-cli-'));
  return workDir;
}
function file(name: string, text?: string): string {
  const p = join(dir(), name);
  if (text !== undefined) writeFileSync(p, text);
  return p;
}

function cli(args: string[], timeout = 30_000): Ran {
  const t = Date.now();
  const r = spawnSync(process.execPath, [bin(), ...args], { cwd: dir(), encoding: 'utf8', timeout, killSignal: 'SIGKILL' });
  return {
    code: r.status,
    signal: r.signal,
    out: r.stdout ?? '',
    err: r.stderr ?? '',
    ms: Date.now() - t,
    timedOut: (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT',
  };
}

function cliAsync(args: string[]): { proc: ReturnType<typeof spawn>; done: Promise<Ran> } {
  const t = Date.now();
  const proc = spawn(process.execPath, [bin(), ...args], { cwd: dir(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '',
    err = '';
  proc.stdout!.on('data', (b) => {
    out += b;
  });
  proc.stderr!.on('data', (b) => {
    err += b;
  });
  const done = new Promise<Ran>((res) =>
    proc.on('close', (code, signal) => res({ code, signal, out, err, ms: Date.now() - t, timedOut: false })),
  );
  return { proc, done };
}

const hasStack = (s: string) => /\n\s+at .+:\d+:\d+\)?/.test(s);

/** How a CLI invocation ended, in census classes; null when it exited 0. */
function ending(r: Ran): { klass: Klass; detail: string } | null {
  if (r.timedOut) return { klass: 'hang', detail: `no exit within the time limit (killed after ${r.ms} ms)` };
  if (r.signal !== null || r.code === null || r.code > 128)
    return { klass: 'hang', detail: `process died (${r.signal ?? `exit ${r.code}`}): ${oneLine(r.err).slice(0, 160)}` };
  if (r.code === 0) return null;
  if (hasStack(r.err)) return { klass: 'nonlib', detail: `exit ${r.code} with a raw stack: ${oneLine(r.err).slice(0, 160)}` };
  const lines = r.err.trim().split('\n').filter(Boolean);
  if (lines.length === 0) return { klass: 'nonlib', detail: `exit ${r.code} with no message` };
  return { klass: 'named', detail: `exit ${r.code}: ${oneLine(lines[lines.length - 1]).slice(0, 160)}` };
}

/** A refusal is due: exit 1 or 2 with a one-line message (named); exit 0 is a silent acceptance. */
function mustRefuse(r: Ran, extra?: () => string | null) {
  const e = ending(r);
  if (e === null) return verdict('wrong', `accepted (exit 0): ${oneLine(r.err).slice(0, 120)}`);
  if (e.klass === 'named') {
    const x = extra?.();
    if (x) return verdict('wrong', x);
  }
  return verdict(e.klass, e.detail);
}
/** Success is due: exit 0 and `check` passes. A refusal of valid input is wrong. */
function mustSucceed(r: Ran, check: () => string | null) {
  const e = ending(r);
  if (e !== null)
    return verdict(e.klass === 'named' ? 'wrong' : e.klass, e.klass === 'named' ? `refused valid input: ${e.detail}` : e.detail);
  const why = check();
  return why === null ? verdict('correct', 'ok') : verdict('wrong', why);
}
/** Either a clean refusal or a success that passes `check`. */
function either(r: Ran, check: () => string | null) {
  const e = ending(r);
  if (e !== null) return verdict(e.klass, e.detail);
  const why = check();
  return why === null ? verdict('correct', 'ok') : verdict('wrong', why);
}

/** Lines of a run file: null when some line does not parse (a corrupt file). */
function runLines(p: string): Array<Record<string, any>> | null {
  if (!existsSync(p)) return [];
  try {
    return readFileSync(p, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l));
  } catch {
    return null;
  }
}
function seedsOf(p: string): number[] | null {
  const l = runLines(p);
  return l === null ? null : l.filter((x) => typeof x.seed === 'number').map((x) => x.seed);
}
const exactly = (got: number[] | null, want: number[]): string | null => {
  if (got === null) return 'the output file does not parse';
  const s = [...got].sort((a, b) => a - b);
  return JSON.stringify(s) === JSON.stringify(want)
    ? null
    : `seeds in the file ${JSON.stringify(s)}, expected ${JSON.stringify(want)} once each`;
};

const RUN = ['run', 'circle', '--n', '8', '--t-end', '2', '--records', '3', '--threads', '1'];
const KEEP = '{"keep":"this line must survive a refused run"}\n';

let counter = 0;
const fresh = (name: string) => `${name}-${counter++}`;

export function cliCases(): Case[] {
  const cases: Case[] = [];
  const add = (id: string, run: () => unknown, timeoutMs = 40_000, expect: Case['expect'] = 'either') =>
    cases.push({ id: `cli ${id}`, group: 'cli', expect, run, timeoutMs });

  add('meanfield (no command) prints help', () => mustSucceed(cli([]), () => null));
  add('meanfield nope', () => mustRefuse(cli(['nope'])));
  add('meanfield run --help', () => mustSucceed(cli(['run', '--help']), () => null));

  // Bad values: refused before any output is touched (an existing --out keeps its content).
  const badRun: string[][] = [
    ['--n', '0'],
    ['--n', '1e15'],
    ['--n', 'x'],
    ['--n', '1e9'],
    ['--n', ''],
    ['--integrator', 'euler', '--dt', '0'],
    ['--integrator', 'euler'],
    ['--rtol', '0'],
    ['--cluster-tol', '0'],
    ['--t-end', '-1'],
    ['--t-end', 'Infinity'],
    ['--beta', 'NaN'],
    ['--beta', '1e400'],
    ['--records', '1'],
    ['--records', '2.5'],
    ['--seeds', '99999999999999999999'],
    ['--seeds', '5..1'],
    ['--seeds', 'x'],
    ['--shard', '0/2'],
    ['--shard', '3/2'],
    ['--batch', '0'],
    ['--threads', '0'],
    ['--dim', '1'],
    ['--delta', '0'],
    ['--precision', 'f16'],
    ['--normalization', 'x'],
    ['--bogus'],
    ['--resume=yes'],
    ['--dt', '-1', '--integrator', 'rk4'],
    ['--integrator', 'rk4', '--dt', '1e-300'],
    ['--collapse', '0'],
    ['--collapse', 'x'],
    ['--stop-one-cluster', '-1'],
    ['--clock', 'arclen'],
    ['--atol', '0'],
    ['--mask', 'causal', '--collapse', '1e-6'],
    ['--shard', 'auto/0'],
    ['--shard', 'auto/x'],
    ['--colapse', '1e-6'],
  ];
  for (const flags of badRun) {
    add(`run ${flags.join(' ')} (refused, --out kept)`, () => {
      const out = file(`${fresh('bad')}.jsonl`, KEEP);
      const r = cli([...RUN, '--seeds', '1', ...flags, '--out', out], 30_000);
      return mustRefuse(r, () =>
        readFileSync(out, 'utf8') === KEEP
          ? null
          : `the existing --out was changed by a refused run (now ${readFileSync(out, 'utf8').length} bytes)`,
      );
    });
  }
  add('run --t-end 0 (documented min 0: runs, or refused before touching --out)', () => {
    const out = file(`${fresh('t0')}.jsonl`, KEEP);
    const r = cli([...RUN, '--seeds', '1..2', '--t-end', '0', '--out', out]);
    return either(r, () => exactly(seedsOf(out), [1, 2]));
  });
  add('run without --out', () => mustRefuse(cli([...RUN, '--seeds', '1'])));
  add('run --out {shard} without --shard', () =>
    mustRefuse(cli([...RUN, '--seeds', '1', '--out', join(dir(), `${fresh('ns')}-{shard}.jsonl`)])),
  );

  // merge: the shards of one sweep, every run once.
  add(
    'merge: two shards of a sweep (every run once, in sweep order)',
    () => {
      const [a, b, out] = [fresh('ma'), fresh('mb'), fresh('mall')].map((n) => join(dir(), `${n}.jsonl`));
      for (const [shard, f] of [
        ['1/2', a],
        ['2/2', b],
      ]) {
        const r = cli([...RUN, '--seeds', '1..4', '--shard', shard, '--out', f]);
        if (r.code !== 0) return verdict('wrong', `the setup shard failed: ${oneLine(r.err).slice(0, 120)}`);
      }
      return mustSucceed(cli(['merge', '--out', out, b, a]), () => {
        const l = runLines(out);
        return l !== null && JSON.stringify(l.map((x) => x.seed)) === '[1,2,3,4]'
          ? null
          : `merged seeds ${JSON.stringify(l?.map((x) => x.seed))}, expected [1,2,3,4]`;
      });
    },
    60_000,
  );
  add(
    'merge: a shard missing (refused, no output)',
    () => {
      const a = join(dir(), `${fresh('mm')}.jsonl`),
        out = join(dir(), `${fresh('mmall')}.jsonl`);
      const r0 = cli([...RUN, '--seeds', '1..4', '--shard', '1/2', '--out', a]);
      if (r0.code !== 0) return verdict('wrong', `the setup shard failed: ${oneLine(r0.err).slice(0, 120)}`);
      return mustRefuse(cli(['merge', '--out', out, a]), () => (existsSync(out) ? 'an output was written' : null));
    },
    60_000,
    'error',
  );
  add(
    'merge: garbage and non-run files',
    () =>
      mustRefuse(
        cli([
          'merge',
          '--out',
          join(dir(), `${fresh('mg')}.jsonl`),
          file(`${fresh('g')}.jsonl`, 'garbage\n'),
          file(`${fresh('o')}.jsonl`, '{"a":1}\n'),
        ]),
      ),
    30_000,
    'error',
  );
  add('merge without --out, or without files', () => mustRefuse(cli(['merge', file(`${fresh('g')}.jsonl`, '{"a":1}\n')])), 30_000, 'error');
  add('run --out (no value)', () => mustRefuse(cli([...RUN, '--seeds', '1', '--out'])));
  add(
    'run --seeds 1..1000000 --shard 1/1000000 parses fast',
    () => {
      const out = file(`${fresh('big')}.jsonl`);
      const r = cli([...RUN, '--seeds', '1..1000000', '--shard', '1/1000000', '--out', out], 15_000);
      return either(r, () => exactly(seedsOf(out), [1]));
    },
    20_000,
  );
  add('run --out into a path whose parent is a file (unwritable, refused before computing)', () => {
    const parent = file(`${fresh('plain')}.txt`, 'x');
    const r = cli([
      'run',
      'circle',
      '--n',
      '64',
      '--t-end',
      '1000',
      '--seeds',
      '1..4',
      '--threads',
      '1',
      '--out',
      join(parent, 'runs.jsonl'),
    ]);
    return mustRefuse(r, () => (r.ms > 10_000 ? `refused only after ${r.ms} ms of computing` : null));
  });
  add('run: a valid small sweep', () => {
    const out = file(`${fresh('ok')}.jsonl`);
    return mustSucceed(cli([...RUN, '--seeds', '1..3', '--out', out]), () => exactly(seedsOf(out), [1, 2, 3]));
  });

  add(
    'run: kill -9 mid-sweep, then --resume (no seed lost or duplicated, file always parseable)',
    async () => {
      const out = file(`${fresh('kill')}.jsonl`);
      const args = [
        'run',
        'circle',
        '--n',
        '24',
        '--t-end',
        '300',
        '--records',
        '10',
        '--seeds',
        '1..30',
        '--threads',
        '1',
        '--batch',
        '1',
        '--out',
        out,
      ];
      const a = cliAsync(args);
      const start = Date.now();
      let sawCorrupt = false;
      while (Date.now() - start < 20_000) {
        await new Promise((r) => setTimeout(r, 50));
        const l = runLines(out);
        if (l === null) sawCorrupt = true;
        if (l !== null && l.length >= 2) break;
      }
      a.proc.kill('SIGKILL');
      await a.done;
      const after = runLines(out);
      if (sawCorrupt || after === null) return verdict('wrong', 'the output file did not parse during or after the kill');
      const r = cli([...args, '--resume'], 60_000);
      return mustSucceed(r, () =>
        exactly(
          seedsOf(out),
          Array.from({ length: 30 }, (_, i) => i + 1),
        ),
      );
    },
    90_000,
  );

  add(
    'run --resume on a file whose last line was cut (repair: keep whole lines)',
    () => {
      const out = file(`${fresh('cut')}.jsonl`);
      const args = [...RUN, '--seeds', '1..4', '--out', out];
      const first = cli(args);
      if (first.code !== 0) return verdict('wrong', `the setup sweep failed: ${oneLine(first.err).slice(0, 120)}`);
      const text = readFileSync(out, 'utf8');
      writeFileSync(out, text.slice(0, text.length - Math.floor(text.trim().split('\n').pop()!.length / 2) - 1));
      return mustSucceed(cli([...args, '--resume']), () => exactly(seedsOf(out), [1, 2, 3, 4]));
    },
    60_000,
    'value',
  );

  add(
    'run --resume with different parameters (refused, naming the difference)',
    () => {
      const out = file(`${fresh('mix')}.jsonl`);
      const first = cli([...RUN, '--seeds', '1..2', '--out', out]);
      if (first.code !== 0) return verdict('wrong', `the setup sweep failed: ${oneLine(first.err).slice(0, 120)}`);
      const before = readFileSync(out, 'utf8');
      const r = cli([
        'run',
        'circle',
        '--n',
        '8',
        '--t-end',
        '5',
        '--records',
        '3',
        '--threads',
        '1',
        '--seeds',
        '1..3',
        '--resume',
        '--out',
        out,
      ]);
      return mustRefuse(r, () => (readFileSync(out, 'utf8') === before ? null : 'the file changed'));
    },
    60_000,
    'error',
  );

  add(
    'run: two concurrent writers on one --out (one refused, or both shards kept)',
    async () => {
      const out = file(`${fresh('two')}.jsonl`);
      const base = [
        'run',
        'circle',
        '--n',
        '16',
        '--t-end',
        '100',
        '--records',
        '5',
        '--seeds',
        '1..8',
        '--threads',
        '1',
        '--batch',
        '1',
        '--out',
        out,
      ];
      const a = cliAsync([...base, '--shard', '1/2']),
        b = cliAsync([...base, '--shard', '2/2']);
      const [ra, rb] = await Promise.all([a.done, b.done]);
      const ea = ending(ra),
        eb = ending(rb);
      for (const e of [ea, eb]) if (e !== null && e.klass !== 'named') return verdict(e.klass, e.detail);
      const got = seedsOf(out);
      if (ea === null && eb === null) {
        const why = exactly(got, [1, 2, 3, 4, 5, 6, 7, 8]);
        return why === null ? verdict('correct', 'both kept') : verdict('wrong', `both writers exited 0: ${why}`);
      }
      if (ea !== null && eb !== null) return verdict('wrong', 'both writers refused');
      const want = ea === null ? [1, 2, 3, 4] : [5, 6, 7, 8];
      const why = exactly(got, want);
      return why === null ? verdict('named', `second writer refused: ${(ea ?? eb)!.detail}`) : verdict('wrong', why);
    },
    90_000,
  );

  // sinkhorn on files.
  const csvA = () => file(`${fresh('a')}.csv`, '0,0\n1,0\n0,1\n');
  const csvB = () => file(`${fresh('b')}.csv`, '2,2\n1,3\n');
  add(
    'sinkhorn: valid files',
    () => {
      const r = cli(['sinkhorn', csvA(), csvB(), '--eps', '0.1']);
      return mustSucceed(r, () => {
        const j = JSON.parse(r.out);
        return Number.isFinite(j.divergence) && j.divergence >= -1e-9 ? null : `divergence ${j.divergence}`;
      });
    },
    40_000,
    'value',
  );
  const badCsv: Array<[string, string]> = [
    ['1e155,0 (cost overflows; must not exit 133)', '1e155,0\n0,0\n'],
    ['1e400,0 (Infinity)', '1e400,0\n'],
    ['empty', ''],
    ['header only', 'x,y\n'],
    ['ragged', '1,2\n3\n'],
    ['NaN', 'NaN,1\n'],
    ['binary garbage', '\u0000\u0001\u00ff\ufffd,\n\u0002'],
    ['one column vs two', '1\n2\n'],
    ['trailing comma', '1,2,\n'],
    ['1e308,-1e308', '1e308,-1e308\n0,0\n'],
  ];
  for (const [what, text] of badCsv) {
    add(
      `sinkhorn: a.csv ${what}`,
      () => {
        const r = cli(['sinkhorn', file(`${fresh('bad')}.csv`, text), csvB(), '--eps', '0.1'], 20_000);
        return mustRefuse(r);
      },
      30_000,
      'error',
    );
  }
  add('sinkhorn: a missing file', () => mustRefuse(cli(['sinkhorn', join(dir(), 'nope.csv'), csvB()])), 30_000, 'error');
  add(
    'sinkhorn: a directory as the file',
    () => {
      const d = join(dir(), fresh('d'));
      mkdirSync(d);
      return mustRefuse(cli(['sinkhorn', d, csvB()]));
    },
    30_000,
    'error',
  );
  for (const flags of [
    ['--eps', '0'],
    ['--eps', '-1'],
    ['--eps', 'x'],
    ['--tol', '0'],
    ['--max-iter', '0'],
    ['--precision', 'f16'],
    ['--threads', '1.5'],
  ]) {
    add(`sinkhorn ${flags.join(' ')}`, () => mustRefuse(cli(['sinkhorn', csvA(), csvB(), ...flags])), 30_000, 'error');
  }
  add(
    'sinkhorn --eps 5e-324 (ends)',
    () => {
      const r = cli(['sinkhorn', csvA(), csvB(), '--eps', '5e-324'], 20_000);
      return either(r, () => {
        const j = JSON.parse(r.out);
        return j.converged === false || j.marginalError <= 1e-6 ? null : `claims converged, marginalError ${j.marginalError}`;
      });
    },
    30_000,
  );
  add(
    'sinkhorn --out unwritable',
    () => mustRefuse(cli(['sinkhorn', csvA(), csvB(), '--out', join(file(`${fresh('f')}.txt`, 'x'), 'r.json')])),
    30_000,
    'error',
  );

  // plot and heatmap.
  const line = (seed: number, times: number[]) =>
    JSON.stringify({
      flow: 'circle',
      seed,
      beta: 1,
      n: 8,
      dim: 1,
      times,
      clusters: times.map(() => 2),
      energy: times.map(() => 1),
      clusteredFraction: times.map(() => 0.5),
    });
  add('plot: every time 0 (no NaN coordinates)', () => {
    const svg = join(dir(), `${fresh('p')}.svg`);
    const r = cli(['plot', file(`${fresh('z')}.jsonl`, `${line(1, [0, 0, 0])}\n${line(2, [0, 0, 0])}\n`), '--out', svg]);
    return either(r, () => (readFileSync(svg, 'utf8').includes('NaN') ? 'the SVG holds NaN coordinates' : null));
  });
  add(
    'plot: 3000 seeds (no spread overflow)',
    () => {
      const svg = join(dir(), `${fresh('p')}.svg`);
      const text = Array.from({ length: 3000 }, (_, i) => line(i, [0, 0.5, 1, 2])).join('\n');
      const r = cli(['plot', file(`${fresh('many')}.jsonl`, text), '--out', svg]);
      return mustSucceed(r, () => (readFileSync(svg, 'utf8').includes('NaN') ? 'NaN in the SVG' : null));
    },
    40_000,
    'value',
  );
  add(
    'plot: a garbage file',
    () => mustRefuse(cli(['plot', file(`${fresh('g')}.jsonl`, 'garbage\n'), '--out', join(dir(), 'g.svg')])),
    30_000,
    'error',
  );
  add(
    'plot: a file of objects without times',
    () => mustRefuse(cli(['plot', file(`${fresh('g')}.jsonl`, '{"a":1}\n'), '--out', join(dir(), 'g.svg')])),
    30_000,
    'error',
  );
  add(
    'heatmap: a garbage file',
    () => mustRefuse(cli(['heatmap', file(`${fresh('g')}.jsonl`, '{"a":\n'), '--out', join(dir(), 'h.svg')])),
    30_000,
    'error',
  );
  add(
    'heatmap --value bogus',
    () =>
      mustRefuse(cli(['heatmap', file(`${fresh('h')}.jsonl`, `${line(1, [0, 1])}\n`), '--value', 'bogus', '--out', join(dir(), 'h.svg')])),
    30_000,
    'error',
  );
  add(
    'heatmap --where garbage',
    () =>
      mustRefuse(cli(['heatmap', file(`${fresh('h')}.jsonl`, `${line(1, [0, 1])}\n`), '--where', '===', '--out', join(dir(), 'h.svg')])),
    30_000,
    'error',
  );
  add('bench --n 1e15', () => mustRefuse(cli(['bench', '--n', '1e15'])), 30_000, 'error');

  // The library from a module script given with -e / on stdin (node --input-type=module).
  const script = () =>
    `import { init, logSumExp } from ${JSON.stringify(`file://${join(process.env.FUZZ_BIN_DIR ?? '', 'index.js')}`)};\nconst i = await ` +
    `init();\nconsole.log(JSON.stringify({ threads: i.threads, lse: logSumExp([[1, 0]], [[1, 0]])[0] }));\n`;
  add(
    'node --input-type=module -e: init() works',
    () => {
      const t = Date.now();
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script()], { encoding: 'utf8', timeout: 30_000 });
      const ran: Ran = { code: r.status, signal: r.signal, out: r.stdout ?? '', err: r.stderr ?? '', ms: Date.now() - t, timedOut: false };
      return mustSucceed(ran, () => (JSON.parse(ran.out.trim()).lse === 1 ? null : `output ${ran.out}`));
    },
    40_000,
    'value',
  );
  add(
    'node --input-type=module < script: init() works',
    () => {
      const t = Date.now();
      const r = spawnSync(process.execPath, ['--input-type=module'], { input: script(), encoding: 'utf8', timeout: 30_000 });
      const ran: Ran = { code: r.status, signal: r.signal, out: r.stdout ?? '', err: r.stderr ?? '', ms: Date.now() - t, timedOut: false };
      return mustSucceed(ran, () => (JSON.parse(ran.out.trim()).lse === 1 ? null : `output ${ran.out}`));
    },
    40_000,
    'value',
  );
  return cases;
}
