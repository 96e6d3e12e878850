// The cycle finder of architecture.test.ts on fixtures whose cycles are known: type-only imports, type
// re-exports, `typeof import()` and import() calls all count.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cycles, describeEdges, moduleGraph } from './module-graph.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const F = 'test/architecture/fixtures';

describe('moduleGraph and cycles', () => {
  const g = moduleGraph(ROOT, F, []);

  it('finds every edge with its names', () => {
    expect(g.files).toEqual(['a', 'b', 'c', 'd', 'e'].map((f) => `${F}/${f}.ts`));
    expect(g.edges.get(`${F}/a.ts`)!.get(`${F}/b.ts`)).toMatchObject({ names: ['B'], typeOnly: true });
    expect(g.edges.get(`${F}/b.ts`)!.get(`${F}/a.ts`)).toMatchObject({ names: ['A'], typeOnly: true });
    expect(g.edges.get(`${F}/c.ts`)!.get(`${F}/a.ts`)).toMatchObject({ names: ['A'], typeOnly: true });
    expect(g.edges.get(`${F}/e.ts`)!.get(`${F}/d.ts`)).toMatchObject({ names: ['import()'], typeOnly: false });
  });

  it('finds the two cycles and nothing through c', () => {
    expect(cycles(g)).toEqual([
      [`${F}/a.ts`, `${F}/b.ts`],
      [`${F}/d.ts`, `${F}/e.ts`],
    ]);
    expect(describeEdges(g, [`${F}/a.ts`, `${F}/b.ts`])).toEqual([
      `  ${F}/a.ts -> ${F}/b.ts (type only): B`,
      `  ${F}/b.ts -> ${F}/a.ts (type only): A`,
    ]);
  });
});
