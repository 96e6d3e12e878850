// The import graph of src/ as TypeScript resolves it: every import, `import type`, `export ... from`,
// `import('...')` call and `typeof import('...')` type is an edge, each with the names it brings in.
import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import ts from 'typescript';

/** One file's imports of another: the names it takes ('*' for a namespace or star re-export). */
export interface Edge {
  from: string;
  to: string;
  names: string[];
  /** Every import of the pair is `import type` / `export type` / a type query. */
  typeOnly: boolean;
}

export interface ModuleGraph {
  /** Repository-relative paths with '/' separators, sorted. */
  files: string[];
  /** from -> to -> edge. */
  edges: Map<string, Map<string, Edge>>;
  /** Files that mention the global `WebAssembly` in code (not in comments or strings). */
  webAssemblyUsers: string[];
}

export function listTs(root: string, dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) out.push(...listTs(root, rel));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(rel);
  }
  return out.sort();
}

const toPosix = (p: string) => p.split(sep).join('/');

/**
 * The graph of the files under `dir` (repository-relative, e.g. 'src'), built from `roots` and every other
 * file under dir (so an unreachable file is still checked). Edges leaving dir (node: builtins, packages) are dropped.
 */
export function moduleGraph(root: string, dir: string, roots: string[]): ModuleGraph {
  const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  });
  if (!config) throw new Error('tsconfig.json could not be read');
  const options = config.options;
  const all = [...new Set([...roots, ...listTs(root, dir)])];
  // Only resolution is needed: no lib or @types files are read.
  const program = ts.createProgram(all.map((f) => join(root, f)), { ...options, noEmit: true, noLib: true, types: [] });
  const inDir = (rel: string) => rel.startsWith(`${dir}/`);
  const edges = new Map<string, Map<string, Edge>>();
  const webAssemblyUsers: string[] = [];
  const files: string[] = [];

  for (const sf of program.getSourceFiles()) {
    const from = toPosix(relative(root, sf.fileName));
    if (!inDir(from)) continue;
    files.push(from);
    const out = new Map<string, Edge>();
    edges.set(from, out);
    const add = (specifier: string, names: string[], typeOnly: boolean) => {
      const resolved = ts.resolveModuleName(specifier, sf.fileName, options, ts.sys).resolvedModule;
      if (!resolved || resolved.isExternalLibraryImport) return;
      const to = toPosix(relative(root, resolved.resolvedFileName));
      if (!inDir(to)) return;
      const e = out.get(to) ?? { from, to, names: [], typeOnly: true };
      for (const n of names) if (!e.names.includes(n)) e.names.push(n);
      e.typeOnly &&= typeOnly;
      out.set(to, e);
    };
    let usesWasm = false;
    const visit = (node: ts.Node): void => {
      if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
        const c = node.importClause;
        const names: string[] = [];
        let allTypes = c?.isTypeOnly ?? false;
        if (c?.name) names.push('default');
        const bindings = c?.namedBindings;
        if (bindings && ts.isNamespaceImport(bindings)) names.push('*');
        else if (bindings) {
          const elements = bindings.elements;
          for (const s of elements) names.push((s.propertyName ?? s.name).text);
          if (!allTypes && !c.name && elements.length > 0) allTypes = elements.every((s) => s.isTypeOnly);
        }
        add(node.moduleSpecifier.text, names.length ? names : ['(side effects)'], allTypes);
      } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
        const names: string[] = [];
        let allTypes = node.isTypeOnly;
        if (node.exportClause && ts.isNamedExports(node.exportClause)) {
          for (const s of node.exportClause.elements) names.push((s.propertyName ?? s.name).text);
          if (!allTypes) allTypes = node.exportClause.elements.every((s) => s.isTypeOnly);
        } else names.push('*');
        add(node.moduleSpecifier.text, names, allTypes);
      } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
        add(node.argument.literal.text, [node.qualifier ? node.qualifier.getText(sf) : '*'], true);
      } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
        const a = node.arguments[0];
        if (a && ts.isStringLiteralLike(a)) add(a.text, ['import()'], false);
      } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
        const e = node.moduleReference.expression;
        if (ts.isStringLiteral(e)) add(e.text, [node.name.text], node.isTypeOnly);
      } else if (ts.isIdentifier(node) && node.text === 'WebAssembly') usesWasm = true;
      ts.forEachChild(node, visit);
    };
    visit(sf);
    if (usesWasm) webAssemblyUsers.push(from);
  }
  return { files: files.sort(), edges, webAssemblyUsers: webAssemblyUsers.sort() };
}

/** Strongly connected components of more than one file, or one file importing itself (Tarjan), each sorted. */
export function cycles(g: ModuleGraph): string[][] {
  const index = new Map<string, number>(), low = new Map<string, number>();
  const stack: string[] = [], onStack = new Set<string>();
  const out: string[][] = [];
  let next = 0;
  const strongConnect = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of g.edges.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        strongConnect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || g.edges.get(v)?.has(v)) out.push(scc.sort());
    }
  };
  for (const f of g.files) if (!index.has(f)) strongConnect(f);
  return out.sort((a, b) => a[0].localeCompare(b[0]));
}

/** The edges inside a set of files, as lines 'a -> b: names' (type-only edges marked). */
export function describeEdges(g: ModuleGraph, files: string[]): string[] {
  const set = new Set(files);
  const lines: string[] = [];
  for (const f of files) {
    for (const e of g.edges.get(f)?.values() ?? []) {
      if (set.has(e.to)) lines.push(`  ${e.from} -> ${e.to}${e.typeOnly ? ' (type only)' : ''}: ${e.names.join(', ')}`);
    }
  }
  return lines;
}
