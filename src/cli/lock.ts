// An exclusive lock on an output file: `<out>.lock`, created with O_EXCL and holding the pid
// and host of its owner (and, in a Slurm job, its job id and restart count). A second writer is
// refused (OutputError, exit 3); a lock whose process is gone (kill -9, a crash) is stale and
// taken over with a warning, and so is one left by an earlier run of the same Slurm job (a
// requeued task may start on another node, where the old pid cannot be checked). The lock is
// removed when the run ends, on Ctrl-C and on errors (and, as a last resort, on process exit).
import { closeSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { OutputError, tempOf } from './files.js';

export const lockOf = (out: string) => `${out}.lock`;

export interface Lock {
  path: string;
  release(): void;
}

/** Whether process `pid` runs on this machine (EPERM: it runs, as another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface Owner {
  pid: number;
  host: string;
  slurm: string;
}

function owner(path: string): Owner | null {
  try {
    const [pid, host, slurm] = readFileSync(path, 'utf8').split('\n');
    return { pid: Number(pid), host: host ?? '', slurm: slurm ?? '' };
  } catch {
    return null;
  }
}

/** 'slurm JOBID RESTARTS' inside a Slurm job (a requeued job keeps its id and counts its restarts), else ''. */
function slurmTag(env: NodeJS.ProcessEnv = process.env): string {
  const id = env.SLURM_JOB_ID,
    restarts = env.SLURM_RESTART_COUNT ?? '0';
  return id !== undefined && /^\d+$/.test(id) && /^\d+$/.test(restarts) ? `slurm ${id} ${restarts}` : '';
}

/** Whether `o` was left by an earlier run of this very Slurm job (same job id, fewer restarts): Slurm never runs a job twice at once. */
function earlierRunOfThisJob(o: Owner): boolean {
  const [, id, restarts] = o.slurm.split(' ');
  const [, myId, myRestarts] = slurmTag().split(' ');
  return myId !== undefined && id === myId && Number(restarts) < Number(myRestarts);
}

/**
 * The process writing `file` (its lock is held by a live process, or by one on another host,
 * which cannot be checked), or null when no run writes it.
 */
export function writerOf(file: string): { pid: number; host: string } | null {
  const o = owner(lockOf(file));
  if (o === null || !Number.isSafeInteger(o.pid) || o.pid <= 0) return null;
  if (o.host !== '' && o.host !== hostname()) return o;
  return alive(o.pid) ? o : null;
}

/** Why `out` cannot be written, from the error of creating its lock. */
function unwritable(out: string, e: NodeJS.ErrnoException): string {
  const dir = dirname(out);
  if (e.code === 'ENOENT') return `cannot write --out ${out}: the directory ${dir} does not exist`;
  if (e.code === 'EACCES' || e.code === 'EPERM') return `cannot write --out ${out}: the directory ${dir} is not writable`;
  if (e.code === 'EROFS') return `cannot write --out ${out}: ${dir} is on a read-only file system`;
  if (e.code === 'ENOTDIR') return `cannot write --out ${out}: ${dir} is not a directory`;
  if (e.code === 'ENOSPC') return `cannot write --out ${out}: no space left on the device`;
  return `cannot write --out ${out}: ${e.code ?? e.message}`;
}

/**
 * Takes the lock of `out` (checking on the way that its directory is writable); throws
 * OutputError naming the owner if another live process holds it.
 */
export function acquireLock(out: string, warn: (line: string) => void): Lock {
  try {
    if (statSync(out).isDirectory()) throw new OutputError(`cannot write --out ${out}: it is a directory`);
  } catch (e) {
    if (e instanceof OutputError) throw e;
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new OutputError(unwritable(out, e as NodeJS.ErrnoException));
  }
  const path = lockOf(out);
  const me = hostname();
  for (let attempt = 0; attempt < 5; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code !== 'EEXIST') throw new OutputError(unwritable(out, err));
      const o = owner(path);
      if (o === null) continue; // released meanwhile
      if (!Number.isSafeInteger(o.pid) || o.pid <= 0) {
        if (Date.now() - safeMtime(path) < 2000) continue; // being written right now
      } else if (earlierRunOfThisJob(o)) {
        // Stale whatever its host: taken over below.
      } else if (o.host !== '' && o.host !== me) {
        throw new OutputError(
          `--out ${out} is locked by process ${o.pid} on ${o.host} (${path}); if no run writes it any more, delete the lock`,
        );
      } else if (alive(o.pid)) {
        throw new OutputError(
          `--out ${out} is being written by another run (process ${o.pid}, lock ${path}); wait for it to finish, or write to another --out`,
        );
      }
      // Stale: move it aside (only one process wins the rename), check it is the one we read, retry.
      const aside = `${path}.${process.pid}.stale`;
      try {
        renameSync(path, aside);
      } catch {
        continue;
      }
      const moved = owner(aside);
      if (moved !== null && moved.pid !== o.pid && alive(moved.pid)) {
        try {
          renameSync(aside, path);
        } catch {
          /* it took the lock again meanwhile */
        }
        continue;
      }
      try {
        unlinkSync(aside);
      } catch {
        /* gone */
      }
      try {
        unlinkSync(tempOf(out, o.pid));
      } catch {
        /* no temp file left */
      }
      warn(
        `warning: took over the stale lock ${path} of process ${Number.isSafeInteger(o.pid) ? o.pid : '?'} ` +
          `(${earlierRunOfThisJob(o) ? `an earlier run of this Slurm job, now requeued` : 'no longer running'})`,
      );
      continue;
    }
    try {
      writeSync(fd, `${process.pid}\n${me}\n${slurmTag()}\n`);
    } finally {
      closeSync(fd);
    }
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      process.off('exit', release);
      try {
        if (owner(path)?.pid === process.pid) unlinkSync(path);
      } catch {
        /* gone */
      }
    };
    process.on('exit', release);
    return { path, release };
  }
  throw new OutputError(`could not take the lock ${path} of --out ${out} (other runs keep taking it)`);
}

function safeMtime(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}
