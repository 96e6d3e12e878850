// Reading the README and docs/ as test/docs.test.ts checks them: fenced code blocks, links, and the anchors
// GitHub makes of headings.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

export interface CodeBlock {
  /** The markdown file, relative to the repository root. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The fence's info string: 'ts', 'ts no-run', 'sh', ... */
  info: string;
  code: string;
}

/** Fenced code blocks (``` or ~~~, three or more) of a markdown text, in order. */
export function codeBlocks(text: string, file: string): CodeBlock[] {
  const lines = text.split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^ {0,3}(`{3,}|~{3,})\s*(.*)$/.exec(lines[i]);
    if (!open) continue;
    const fence = open[1];
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !(lines[j].trimStart().startsWith(fence) && lines[j].trim().replace(/[`~]/g, '') === ''))
      body.push(lines[j++]);
    if (j === lines.length) throw new Error(`${file}:${i + 1}: code fence never closed`);
    blocks.push({ file, line: i + 1, info: open[2].trim(), code: body.join('\n') });
    i = j;
  }
  return blocks;
}

/** The text outside fenced code blocks and inline code spans (each replaced by blanks, so line numbers hold). */
export function prose(text: string): string {
  const lines = text.split('\n');
  let fence: string | null = null;
  return lines
    .map((l) => {
      const m = /^ {0,3}(`{3,}|~{3,})/.exec(l);
      if (fence === null && m) {
        fence = m[1];
        return '';
      }
      if (fence !== null) {
        if (l.trimStart().startsWith(fence) && l.trim().replace(/[`~]/g, '') === '') fence = null;
        return '';
      }
      return l.replace(/(`+)[^`]*?\1/g, (s) => ' '.repeat(s.length));
    })
    .join('\n');
}

/**
 * The anchor GitHub gives a heading (github-slugger): the rendered text lower-cased, every character that is
 * not a letter, mark, number, connector (_), hyphen or space dropped, spaces made hyphens.
 */
export function slug(heading: string): string {
  const rendered = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images: their text
    .replace(/<[^>]+>/g, '') // inline HTML
    .replace(/[*`]/g, ''); // emphasis, code spans
  return rendered
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor of a markdown text: its ATX headings, numbered -1, -2, ... when repeated, as GitHub does. */
export function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of prose(text).split('\n')) {
    const h = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!h) continue;
    const base = slug(h[1]);
    const k = seen.get(base) ?? 0;
    seen.set(base, k + 1);
    out.add(k === 0 ? base : `${base}-${k}`);
  }
  return out;
}

export interface Link {
  file: string;
  line: number;
  target: string;
}

/** Markdown links and images, and HTML href/src, outside code. */
export function links(text: string, file: string): Link[] {
  const out: Link[] = [];
  prose(text)
    .split('\n')
    .forEach((l, i) => {
      for (const m of l.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push({ file, line: i + 1, target: m[1] });
      for (const m of l.matchAll(/\b(?:href|src)="([^"]+)"/g)) out.push({ file, line: i + 1, target: m[1] });
    });
  return out;
}

/** What is wrong with a link (a missing file, a missing #anchor, a path out of the repository), or null. */
export function brokenLink(root: string, link: Link): string | null {
  const { target } = link;
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return null; // https:, mailto:: not checked offline
  const hash = target.indexOf('#');
  const path = decodeURIComponent(hash < 0 ? target : target.slice(0, hash));
  const anchor = hash < 0 ? null : decodeURIComponent(target.slice(hash + 1));
  const from = join(root, link.file);
  const to = path === '' ? from : resolve(dirname(from), path);
  const rel = relative(root, to);
  if (rel.startsWith('..') || rel.split(sep)[0] === '..') return `${target}: outside the repository`;
  if (!existsSync(to)) return `${target}: no file ${rel}`;
  if (anchor === null) return null;
  if (statSync(to).isDirectory() || !to.endsWith('.md')) return `${target}: an anchor into ${rel}, which is not a markdown file`;
  return anchors(readFileSync(to, 'utf8')).has(anchor) ? null : `${target}: no heading with anchor #${anchor} in ${rel}`;
}

/** `// docs-test: n = 16, steps = 4`: the declarations a block's test run shrinks (name -> value). */
export function shrinkMarker(code: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of code.matchAll(/^\s*\/\/\s*docs-test:(.*)$/gm)) {
    for (const part of m[1].split(',')) {
      const kv = /^\s*([A-Za-z_$][\w$]*)\s*=\s*(.+?)\s*$/.exec(part);
      if (!kv) throw new Error(`docs-test marker '${m[0].trim()}': expected name = value[, name = value]`);
      out.set(kv[1], kv[2]);
    }
  }
  return out;
}

/**
 * The block as the test runs it: each shrunk name's `const name = ...;` (or let) gets its small value (a name the
 * block does not declare that way is an error, so a marker cannot go stale), and `from 'meanfield'` imports
 * `importPath` instead.
 */
export function runnable(block: CodeBlock, importPath: string): string {
  let code = block.code;
  for (const [name, value] of shrinkMarker(code)) {
    const decl = new RegExp(`(\\b(?:const|let)\\s+${name.replace(/\$/g, '\\$')}\\s*(?::[^=]+)?=\\s*)[^;\\n]+`);
    if (!decl.test(code))
      throw new Error(`${block.file}:${block.line}: docs-test shrinks '${name}', which the block does not declare as const ${name} = ...`);
    code = code.replace(decl, `$1${value}`);
  }
  return code.replace(/from\s+(['"])meanfield\1/g, `from '${importPath}'`);
}
