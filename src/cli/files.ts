// File helpers of the CLI: atomic writes (temp file + rename, so a crash or Ctrl-C never
// leaves a truncated file) and readers that name the file and line of anything malformed.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { InputError, MeanfieldError } from '../errors.js';

/** An output file or its directory cannot be written (missing, not writable, a directory, locked by another run). */
export class OutputError extends MeanfieldError {}

/** The temporary file writeAtomic uses for `path` in process `pid`. */
export const tempOf = (path: string, pid = process.pid) => `${path}.${pid}.tmp`;

/**
 * Writes `text` to a temporary file next to `path`, flushes it to disk and renames it over
 * `path`: a crash, kill -9 or Ctrl-C leaves either the old file or the new one, never a mix.
 */
export function writeAtomic(path: string, text: string): void {
  const tmp = tempOf(path);
  try {
    const fd = openSync(tmp, 'w');
    try {
      const buf = Buffer.from(text);
      for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    try {
      // the rename itself, durable
      const dfd = openSync(dirname(path), 'r');
      try {
        fsyncSync(dfd);
      } finally {
        closeSync(dfd);
      }
    } catch {
      /* not supported here (Windows): the rename is still atomic */
    }
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw new InputError(path, null, `could not be written: ${(e as Error).message}`);
  }
}

export function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError(path, null, `could not be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/**
 * Points from CSV: one point per line, comma- (or whitespace-) separated numbers; blank lines
 * and lines starting with # are skipped, as is a first line that holds no number (a header).
 */
export function readPointsCsv(path: string): { points: Float64Array; dim: number; size: number } {
  const lines = readText(path).split(/\r?\n/);
  const rows: number[][] = [];
  let dim = -1;
  lines.forEach((line, index) => {
    const text = line.trim();
    if (text === '' || text.startsWith('#')) return;
    const cells = text.split(/\s*,\s*|\s+/);
    const values = cells.map(Number);
    if (rows.length === 0 && dim < 0 && values.every((v, i) => Number.isNaN(v) && cells[i] !== '')) {
      dim = 0;
      return;
    } // header
    const bad = values.findIndex((v, i) => !Number.isFinite(v) || cells[i] === '');
    if (bad >= 0) throw new InputError(path, index + 1, `column ${bad + 1} is '${cells[bad]}', not a finite number`);
    if (rows.length > 0 && values.length !== rows[0].length)
      throw new InputError(path, index + 1, `has ${values.length} columns, the first point has ${rows[0].length}`);
    rows.push(values);
  });
  if (rows.length === 0) throw new InputError(path, null, 'holds no points');
  const d = rows[0].length;
  return { points: Float64Array.from(rows.flat()), dim: d, size: rows.length };
}

/** JSON Lines: one object per line; names the line of anything that does not parse. */
export function readJsonLines(path: string, text = readText(path)): Record<string, unknown>[] {
  return parseLines(path, text, '').map((l) => l.value);
}

/** Every non-empty line as a JSON object with its 1-based number; InputError (with `hint`) names a bad line. */
function parseLines(path: string, text: string, hint: string): Array<{ line: number; value: Record<string, unknown> }> {
  const lines: Array<{ line: number; value: Record<string, unknown> }> = [];
  text.split('\n').forEach((raw, index) => {
    if (raw.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (e) {
      throw new InputError(path, index + 1, `is not valid JSON (${(e as Error).message})${hint}`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InputError(path, index + 1, 'is not a JSON object');
    lines.push({ line: index + 1, value: value as Record<string, unknown> });
  });
  return lines;
}

/**
 * The lines of a run file for --resume. A last line cut mid-write (no newline after it, not
 * valid JSON) is returned as `partial` instead of failing; anything malformed before it is an
 * InputError naming the line.
 */
export function readRunLines(
  path: string,
  text = readText(path),
): { lines: Array<{ line: number; value: Record<string, unknown> }>; partial: string | null } {
  let partial: string | null = null;
  const cut = text.lastIndexOf('\n');
  const tail = text.slice(cut + 1);
  if (tail.replace(/\0/g, '').trim() !== '') {
    try {
      JSON.parse(tail);
    } catch {
      partial = tail;
      text = text.slice(0, cut + 1);
    }
  } else if (tail !== '') {
    text = text.slice(0, cut + 1); // trailing NUL bytes or spaces of a cut file
  }
  const lines = parseLines(path, text, '; only a cut last line is dropped by --resume');
  return { lines, partial };
}
