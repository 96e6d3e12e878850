// Dependencies point one way (docs/design.md, "Layout"): no import cycle in src/, runtime or type-only, every
// import goes down the layers below, only src/backend and src/wasm know WebAssembly, and assembly/ imports
// nothing from src/. A failure prints the files and the imported names that tie them. And no file in src/ is
// over 400 lines.
import { readFileSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { cycles, describeEdges, listTs, moduleGraph, type Edge } from './module-graph.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The layers, top to bottom. A module may import its own files and the modules of any lower layer; modules of
 * one layer (peers) may not import each other. Every file of src/ belongs to exactly one module: a new
 * directory is placed here on purpose. Paths ending in '/' are directories.
 */
const LAYERS: Array<Record<string, string[]>> = [
  { entry: ['src/index.ts'] },
  { cli: ['src/cli/'] },
  { experiments: ['src/experiments/'] },
  { nn: ['src/nn/'], memory: ['src/memory/'] },
  { simulate: ['src/simulate/'], ot: ['src/ot/'] },
  { analysis: ['src/analysis/'] },
  { flows: ['src/flows/'] },
  { measure: ['src/measure.ts', 'src/spaces.ts', 'src/points.ts', 'src/logsumexp.ts'] },
  { backend: ['src/backend/'] },
  { wasm: ['src/wasm/'] },
  { base: ['src/errors.ts', 'src/validate.ts', 'src/options.ts', 'src/random.ts', 'src/linalg.ts'] },
];

/** Only these know that WebAssembly exists (import src/wasm/, name the global WebAssembly). */
const WASM_AWARE = ['src/wasm/', 'src/backend/'];

const MAX_LINES = 400;

const matches = (file: string, pattern: string) => (pattern.endsWith('/') ? file.startsWith(pattern) : file === pattern);

const graph = moduleGraph(ROOT, 'src', ['src/index.ts', 'src/cli/main.ts', 'src/cli/worker.ts']);

function moduleOf(file: string): { name: string; rank: number } | null {
  for (let rank = 0; rank < LAYERS.length; rank++) {
    for (const [name, patterns] of Object.entries(LAYERS[rank])) if (patterns.some((p) => matches(file, p))) return { name, rank };
  }
  return null;
}

const allEdges = (): Edge[] => [...graph.edges.values()].flatMap((m) => [...m.values()]);
const show = (e: Edge) => `  ${e.from} -> ${e.to}${e.typeOnly ? ' (type only)' : ''}: ${e.names.join(', ')}`;

describe('module graph of src/', () => {
  it('sees the library (sanity: the graph is not empty and resolves imports)', () => {
    expect(graph.files).toContain('src/index.ts');
    expect(graph.files).toContain('src/cli/worker.ts');
    expect(graph.edges.get('src/index.ts')!.size).toBeGreaterThan(20);
  });

  it('has no import cycle, runtime or type-only', () => {
    const found = cycles(graph);
    const report = found.map((c) => [`import cycle through ${c.length} files:`, ...describeEdges(graph, c)].join('\n'));
    expect(report.length === 0, `\n${report.join('\n\n')}\n`).toBe(true);
  });

  it('has every file in a layer', () => {
    expect(graph.files.filter((f) => moduleOf(f) === null)).toEqual([]);
  });

  it('imports only down the layers (docs/design.md)', () => {
    const violations = allEdges().filter((e) => {
      const a = moduleOf(e.from), b = moduleOf(e.to);
      return a !== null && b !== null && a.name !== b.name && a.rank >= b.rank;
    });
    const report = [
      ...violations.map((e) => `${moduleOf(e.from)!.name} may not import ${moduleOf(e.to)!.name}:\n${show(e)}`),
    ];
    expect(report.length === 0, `\n${report.join('\n')}\n`).toBe(true);
  });

  it('keeps WebAssembly inside src/backend and src/wasm', () => {
    const aware = (f: string) => WASM_AWARE.some((p) => matches(f, p));
    const importers = allEdges().filter((e) => e.to.startsWith('src/wasm/') && !aware(e.from));
    expect(importers.map(show)).toEqual([]);
    expect(graph.webAssemblyUsers.filter((f) => !aware(f))).toEqual([]);
  });
});

describe('file sizes', () => {
  it(`has no file in src/ over ${MAX_LINES} lines`, () => {
    const lines = (f: string) => readFileSync(resolve(ROOT, f), 'utf8').split('\n').length - 1;
    const long = listTs(ROOT, 'src').filter((f) => lines(f) > MAX_LINES);
    const report = [
      ...long.map((f) => `${f}: ${lines(f)} lines`),
    ];
    expect(report).toEqual([]);
  });
});

describe('assembly/', () => {
  it('imports only from assembly/ (it sees arrays, sizes and scalars, not the library)', () => {
    const bad: string[] = [];
    for (const file of listTs(ROOT, 'assembly')) {
      const sf = ts.createSourceFile(file, readFileSync(resolve(ROOT, file), 'utf8'), ts.ScriptTarget.Latest);
      for (const s of sf.statements) {
        const spec = (ts.isImportDeclaration(s) || ts.isExportDeclaration(s)) && s.moduleSpecifier && ts.isStringLiteral(s.moduleSpecifier) ? s.moduleSpecifier.text : null;
        if (spec === null) continue;
        const target = resolve(ROOT, dirname(file), spec);
        if (!spec.startsWith('.') || !target.startsWith(resolve(ROOT, 'assembly') + sep)) bad.push(`${file}: ${spec}`);
      }
    }
    expect(bad).toEqual([]);
  });
});
