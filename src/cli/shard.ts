// Shards of a `meanfield run` sweep: --shard i/k runs the i-th of k contiguous slices of the
// (grid point, seed) list. --shard auto takes i and k from the job array running the command:
// a Slurm array (SLURM_ARRAY_TASK_ID among SLURM_ARRAY_TASK_MIN..MAX in SLURM_ARRAY_TASK_COUNT
// tasks, 0- or 1-based, with or without a step) or a Kubernetes Indexed Job
// (JOB_COMPLETION_INDEX, with the count given as --shard auto/K). --out 'part-{shard}.jsonl'
// gives every shard its own file (and so its own lock and its own --resume).
import { UsageError } from '../errors.js';

export interface Shard {
  /** 1-based: the i of i/k. */
  index: number;
  /** k: the number of shards. */
  count: number;
  /** Where i and k came from, for messages. */
  source: string;
}

/** The placeholder of --out that names one file per shard. */
export const SHARD_PLACEHOLDER = '{shard}';

const usage = (rule: string, raw: string) => new UsageError(`meanfield run: --shard ${rule}, got '${raw}'`);

/** An environment variable as a non-negative integer, undefined when unset; a UsageError when malformed. */
function envInt(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const text = env[name];
  if (text === undefined || text.trim() === '') return undefined;
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`meanfield run: --shard auto: ${name} must be a non-negative integer, got '${text}'`);
  }
  return Number(text);
}

/**
 * 'i/k', 'auto' or 'auto/K' -> the shard this process runs. `env` is the process environment
 * (a parameter so that tests need no job array).
 */
export function parseShard(raw: string, env: NodeJS.ProcessEnv = process.env): Shard {
  const text = raw.trim();
  const fixed = /^(\d+)\/(\d+)$/.exec(text);
  if (fixed !== null) {
    const i = Number(fixed[1]),
      k = Number(fixed[2]);
    if (!Number.isSafeInteger(k) || k < 1 || i < 1 || i > k) throw usage('must be i/k with 1 <= i <= k (e.g. 2/8), auto or auto/K', raw);
    return { index: i, count: k, source: `--shard ${i}/${k}` };
  }
  const auto = /^auto(?:\/(\d+))?$/.exec(text);
  if (auto === null)
    throw usage(
      'must be i/k with 1 <= i <= k (e.g. 2/8), auto (a Slurm job array) or auto/K (a Kubernetes Indexed Job of K completions)',
      raw,
    );
  const given = auto[1] === undefined ? undefined : Number(auto[1]);
  if (given !== undefined && !(Number.isSafeInteger(given) && given >= 1)) throw usage('auto/K needs K >= 1 shards', raw);
  const slurm = env.SLURM_ARRAY_TASK_ID !== undefined && env.SLURM_ARRAY_TASK_ID.trim() !== '';
  const k8s = env.JOB_COMPLETION_INDEX !== undefined && env.JOB_COMPLETION_INDEX.trim() !== '';
  if (slurm && k8s)
    throw new UsageError(
      'meanfield run: --shard auto: both SLURM_ARRAY_TASK_ID and JOB_COMPLETION_INDEX are set; give the shard as --shard i/k',
    );
  if (slurm) return slurmShard(env, given);
  if (k8s) {
    const index = envInt(env, 'JOB_COMPLETION_INDEX')!;
    if (given === undefined)
      throw new UsageError(
        `meanfield run: --shard auto: in a Kubernetes Indexed Job (JOB_COMPLETION_INDEX=${index}) give the number of completions as ` +
          `--shard auto/K`,
      );
    if (index >= given)
      throw new UsageError(
        `meanfield run: --shard auto/${given}: JOB_COMPLETION_INDEX=${index} is not below the ${given} completions (indices run ` +
          `from 0 to ` +
          `${given - 1})`,
      );
    return { index: index + 1, count: given, source: `Kubernetes completion index ${index} of ${given}` };
  }
  throw new UsageError(
    `meanfield run: --shard ${text}: no job array found (neither SLURM_ARRAY_TASK_ID, set by sbatch --array, nor JOB_COMPLETION_INDEX, ` +
      `set in a Kubernetes Indexed Job); give the shard as --shard i/k`,
  );
}

/**
 * A Slurm array task: its index among the array's tasks MIN, MIN + step, ..., MAX (COUNT of
 * them). Arrays given as a range with a step (1-7:2) map; an irregular list (--array=1,4,9) does
 * not, and is refused: its tasks cannot tell which slice is theirs.
 */
function slurmShard(env: NodeJS.ProcessEnv, given: number | undefined): Shard {
  const id = envInt(env, 'SLURM_ARRAY_TASK_ID')!;
  const min = envInt(env, 'SLURM_ARRAY_TASK_MIN'),
    max = envInt(env, 'SLURM_ARRAY_TASK_MAX'),
    count = envInt(env, 'SLURM_ARRAY_TASK_COUNT');
  const stepEnv = envInt(env, 'SLURM_ARRAY_TASK_STEP');
  const array = `SLURM_ARRAY_TASK_ID=${id}, MIN=${min}, MAX=${max}, COUNT=${count}`;
  if (min === undefined || max === undefined || count === undefined) {
    throw new UsageError(
      `meanfield run: --shard auto: SLURM_ARRAY_TASK_ID=${id} without SLURM_ARRAY_TASK_MIN, _MAX and _COUNT (set by sbatch ` +
        `--array); give ` +
        `the shard as --shard i/k`,
    );
  }
  if (count < 1 || max < min || id < min || id > max)
    throw new UsageError(`meanfield run: --shard auto: the Slurm array is inconsistent (${array})`);
  const step = count === 1 ? 1 : (max - min) / (count - 1);
  const regular = count === 1 ? min === max : Number.isSafeInteger(step) && step >= 1;
  if (!regular || (count > 1 && stepEnv !== undefined && stepEnv !== step) || (id - min) % step !== 0) {
    throw new UsageError(
      `meanfield run: --shard auto: the Slurm array is not a range with a constant step ` +
        `(${array}${stepEnv === undefined ? '' : `, STEP=${stepEnv}`}), so its tasks cannot be mapped to shards; submit --array=a-b or ` +
        `a-b:step, or give --shard i/k`,
    );
  }
  if (given !== undefined && given !== count)
    throw new UsageError(`meanfield run: --shard auto/${given}: the Slurm array has ${count} tasks (${array})`);
  const index = (id - min) / step;
  return { index: index + 1, count, source: `Slurm array task ${id} (${index + 1} of ${count})` };
}

/** The i-th of k contiguous slices of the list. */
export function shardSlice<T>(list: T[], s: Shard): T[] {
  const lo = Math.floor(((s.index - 1) * list.length) / s.count),
    hi = Math.floor((s.index * list.length) / s.count);
  return list.slice(lo, hi);
}

/**
 * --out with {shard} replaced by the shard number i (zero-padded to the digits of k, so that
 * the files sort in shard order): 'part-{shard}.jsonl' is part-03.jsonl for shard 3 of 16.
 */
export function shardOut(out: string, s: Shard | null): string {
  if (!out.includes(SHARD_PLACEHOLDER)) return out;
  if (s === null)
    throw new UsageError(
      `meanfield run: --out ${out} holds ${SHARD_PLACEHOLDER} but no --shard is given (use --shard auto in a job array, or --shard i/k)`,
    );
  return out.split(SHARD_PLACEHOLDER).join(String(s.index).padStart(String(s.count).length, '0'));
}
