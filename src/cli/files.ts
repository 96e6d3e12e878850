// File helpers of the CLI: atomic writes (temp file + rename, so a crash or Ctrl-C never
// leaves a truncated file) and readers that name the file and line of anything malformed.
import { readFileSync, renameSync, writeFileSync, unlinkSync } from 'node:fs';
import { InputError } from '../errors.js';

export function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (e) {
    try { unlinkSync(tmp); } catch { /* already gone */ }
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
    if (rows.length === 0 && dim < 0 && values.every((v, i) => Number.isNaN(v) && cells[i] !== '')) { dim = 0; return; } // header
    const bad = values.findIndex((v, i) => !Number.isFinite(v) || cells[i] === '');
    if (bad >= 0) throw new InputError(path, index + 1, `column ${bad + 1} is '${cells[bad]}', not a finite number`);
    if (rows.length > 0 && values.length !== rows[0].length) throw new InputError(path, index + 1, `has ${values.length} columns, the first point has ${rows[0].length}`);
    rows.push(values);
  });
  if (rows.length === 0) throw new InputError(path, null, 'holds no points');
  const d = rows[0].length;
  return { points: Float64Array.from(rows.flat()), dim: d, size: rows.length };
}

/** JSON Lines: one object per line; names the line of anything that does not parse. */
export function readJsonLines(path: string, text = readText(path)): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw new InputError(path, index + 1, `is not valid JSON (${(e as Error).message})`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InputError(path, index + 1, 'is not a JSON object');
    out.push(value as Record<string, unknown>);
  });
  return out;
}
