// Layer checks oxlint cannot do (run by `npm run lint` after oxlint):
//  1. import cycles across main/, contract/, preload/ and renderer/, counting `import type` too
//     (oxlint's import/no-cycle skips type imports, but a type cycle still ties two layers together);
//  2. SQL text or database calls outside the store adapters (main/store/sqlite/, main/store/postgres/).
// Each offender is printed as file:line and the exit code is 1.
//
// Usage: node scripts/check-layers.ts [root]   (or FD_LAYERS_ROOT=…; default: the repository;
// the legacy lists below apply to the repository only).
// Plain erasable TypeScript, so Node 22 runs it with type stripping and no build step.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * Files that still hold SQL outside the store adapters while the services move onto the storage
 * port. This list must shrink to empty and stay empty: remove a file as soon as its SQL has moved
 * (an entry for a file that is gone or holds no SQL any more fails the check, so the list cannot
 * go stale). Empty since the doors and maintenance services went through the store (6274feb).
 */
export const LEGACY_SQL_FILES: readonly string[] = [];

/**
 * Import cycles that exist today, each as the sorted list of its files. Must shrink to empty as
 * well: break the cycle, then delete the entry (a listed cycle that is gone fails the check).
 */
export const LEGACY_CYCLES: ReadonlyArray<readonly string[]> = [];

/** Folders whose imports must not form a cycle. */
const CYCLE_DIRS = ['main', 'contract', 'preload', 'renderer'];
/** The store adapters: the only places in the app for SQL and database calls. */
const ADAPTERS = ['main/store/sqlite/', 'main/store/postgres/'];
const ADAPTERS_TEXT = `the store adapters (${ADAPTERS.join(', ')})`;
/** Where SQL is allowed: the adapters, and tests and benchmarks that build fixtures. */
const SQL_ALLOWED = [...ADAPTERS, 'test/', 'bench/'];
/** Never scanned. */
const SKIP_DIRS = new Set(['node_modules', '.git', 'out', 'dist', 'dist-cli', 'test-results', '.vitest-tmp']);
const SOURCE_EXT = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/;

const SQL_TEXT = /\b(SELECT|INSERT INTO|UPDATE\s+\w+\s+SET|DELETE FROM|CREATE (TABLE|INDEX|TRIGGER)|DROP (TABLE|INDEX|TRIGGER)|ALTER TABLE|PRAGMA|VACUUM)\b/;
// `.prepare(` and `.pragma(` exist only on database handles. `.exec(` is also RegExp's, so it
// counts only on a receiver named like a handle (db, database, tx, …); SQL text passed to any
// other `.exec(` is caught as SQL text anyway.
const DB_CALL = /\.(prepare|pragma)\s*\(/g;
const EXEC_CALL = /(?:^|[^\w$])(db|database|conn|connection|handle|sqlite|tx)\s*\.exec\s*\(/gi;

interface Scanned {
  /** The source with comments and regex literals blanked (strings kept), for import specifiers. */
  withStrings: string;
  /** The source with comments, regex literals and string contents blanked, for call sites. */
  code: string;
  /** String and template-literal texts (template text outside `${}`), with their offsets. */
  literals: Array<{ text: string; at: number }>;
}

const REGEX_AFTER_WORD = new Set(['return', 'typeof', 'case', 'do', 'else', 'in', 'of', 'new', 'delete', 'void', 'throw', 'yield', 'await', 'instanceof']);

/** Splits JS/TS source into code, strings and comments (enough for import and SQL checks, not a parser). */
export function scan(src: string): Scanned {
  const ws = src.split('');
  const code = src.split('');
  const literals: Array<{ text: string; at: number }> = [];
  let i = 0;
  let last = ''; // last significant token (a punctuator or a word), for telling regex from division
  const blank = (from: number, to: number, alsoWithStrings: boolean) => {
    for (let k = from; k < to; k++) {
      if (src[k] === '\n') continue;
      code[k] = ' ';
      if (alsoWithStrings) ws[k] = ' ';
    }
  };
  const regexAllowed = () => last === '' || /^[(,=:[!&|?{};+\-*%<>~^]$/.test(last) || REGEX_AFTER_WORD.has(last);

  // Scans code until the end, or (inside a template's `${`) until its closing brace.
  const scanCode = (inTemplate: boolean): void => {
    let depth = 0;
    while (i < src.length) {
      const c = src[i]!;
      const n = src[i + 1];
      if (c === '/' && n === '/') {
        const end = src.indexOf('\n', i);
        const stop = end === -1 ? src.length : end;
        blank(i, stop, true);
        i = stop;
      } else if (c === '/' && n === '*') {
        const end = src.indexOf('*/', i + 2);
        const stop = end === -1 ? src.length : end + 2;
        blank(i, stop, true);
        i = stop;
      } else if (c === "'" || c === '"') {
        const start = i++;
        while (i < src.length && src[i] !== c && src[i] !== '\n') i += src[i] === '\\' ? 2 : 1;
        literals.push({ text: src.slice(start + 1, i), at: start });
        blank(start + 1, i, false);
        i++;
        last = 'str';
      } else if (c === '`') {
        i++;
        scanTemplate();
        last = 'str';
      } else if (c === '/' && regexAllowed()) {
        const start = i++;
        let inClass = false;
        while (i < src.length && src[i] !== '\n') {
          const r = src[i]!;
          if (r === '\\') i++;
          else if (r === '[') inClass = true;
          else if (r === ']') inClass = false;
          else if (r === '/' && !inClass) break;
          i++;
        }
        i++;
        while (i < src.length && /[a-z]/i.test(src[i]!)) i++;
        blank(start, i, true);
        last = 'regex';
      } else if (/[A-Za-z_$]/.test(c)) {
        const start = i;
        while (i < src.length && /[\w$]/.test(src[i]!)) i++;
        last = src.slice(start, i);
      } else {
        if (inTemplate && c === '{') depth++;
        if (inTemplate && c === '}') {
          if (depth === 0) {
            i++;
            return;
          }
          depth--;
        }
        if (!/\s/.test(c)) last = c;
        i++;
      }
    }
  };

  // Scans template text after the opening backtick, up to and including the closing one.
  const scanTemplate = (): void => {
    let start = i;
    while (i < src.length) {
      const c = src[i]!;
      if (c === '\\') {
        i += 2;
      } else if (c === '`') {
        literals.push({ text: src.slice(start, i), at: start });
        blank(start, i, false);
        i++;
        return;
      } else if (c === '$' && src[i + 1] === '{') {
        literals.push({ text: src.slice(start, i), at: start });
        blank(start, i, false);
        i += 2;
        last = '{';
        scanCode(true);
        start = i;
      } else {
        i++;
      }
    }
  };

  scanCode(false);
  return { withStrings: ws.join(''), code: code.join(''), literals };
}

/** 1-based line of an offset. */
function lineOf(src: string, at: number): number {
  let line = 1;
  for (let k = 0; k < at && k < src.length; k++) if (src.charCodeAt(k) === 10) line++;
  return line;
}

const IMPORT_FROM = /^[ \t]*(?:import|export)\s+(type\s+)?([\w$]+\s*,\s*)?(\*(?:\s*as\s+[\w$]+)?|\{[^}]*\}|[\w$]+)\s+from\s+(['"])([^'"\n]+)\4/gm;
const IMPORT_BARE = /^[ \t]*import\s+(['"])([^'"\n]+)\1/gm;

export interface ImportRef {
  spec: string;
  line: number;
  typeOnly: boolean;
}

/** Static import and export-from specifiers of one file (dynamic `import()` is lazy and not counted). */
export function importsOf(src: string): ImportRef[] {
  const { withStrings } = scan(src);
  const out: ImportRef[] = [];
  for (const m of withStrings.matchAll(IMPORT_FROM)) {
    const names = m[3]!.startsWith('{')
      ? m[3]!
          .slice(1, -1)
          .split(',')
          .filter((n) => n.trim())
      : [];
    // `import type …`, or only `{ type A, type B }` with no default import: erased at runtime.
    const typeOnly = !!m[1] || (!m[2] && names.length > 0 && names.every((n) => /^\s*type\s/.test(n)));
    out.push({ spec: m[5]!, line: lineOf(src, m.index + m[0].length - m[5]!.length - 1), typeOnly });
  }
  for (const m of withStrings.matchAll(IMPORT_BARE)) out.push({ spec: m[2]!, line: lineOf(src, m.index), typeOnly: false });
  return out;
}

function walk(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (SKIP_DIRS.has(name)) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (SOURCE_EXT.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const rel = (root: string, p: string) => relative(root, p).split('\\').join('/');

function resolveSpec(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const base = resolve(dirname(from), spec);
  for (const p of [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts'), join(base, 'index.tsx')]) {
    if (/\.(ts|tsx)$/.test(p) && existsSync(p) && statSync(p).isFile()) return p;
  }
  return null;
}

interface Edge {
  to: string;
  line: number;
  typeOnly: boolean;
}

/** Import cycles (strongly connected components of more than one file, or a file importing itself). */
export function findCycles(root: string, legacy: ReadonlyArray<readonly string[]> = []): string[] {
  const files = CYCLE_DIRS.flatMap((d) => walk(join(root, d))).filter((f) => /\.tsx?$/.test(f));
  const known = new Set(files);
  const graph = new Map<string, Edge[]>();
  for (const f of files) {
    const edges: Edge[] = [];
    for (const ref of importsOf(readFileSync(f, 'utf8'))) {
      const to = resolveSpec(f, ref.spec);
      if (to && known.has(to)) edges.push({ to, line: ref.line, typeOnly: ref.typeOnly });
    }
    graph.set(f, edges);
  }
  // Tarjan's algorithm, iterative so a deep import chain cannot overflow the stack.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const sccs: string[][] = [];
  let next = 0;
  for (const start of files) {
    if (index.has(start)) continue;
    const work: Array<{ node: string; edge: number }> = [{ node: start, edge: 0 }];
    index.set(start, next);
    low.set(start, next++);
    stack.push(start);
    onStack.add(start);
    while (work.length) {
      const top = work[work.length - 1]!;
      const edges = graph.get(top.node)!;
      if (top.edge < edges.length) {
        const to = edges[top.edge++]!.to;
        if (!index.has(to)) {
          index.set(to, next);
          low.set(to, next++);
          stack.push(to);
          onStack.add(to);
          work.push({ node: to, edge: 0 });
        } else if (onStack.has(to)) {
          low.set(top.node, Math.min(low.get(top.node)!, index.get(to)!));
        }
      } else {
        work.pop();
        if (work.length) {
          const parent = work[work.length - 1]!.node;
          low.set(parent, Math.min(low.get(parent)!, low.get(top.node)!));
        }
        if (low.get(top.node) === index.get(top.node)) {
          const scc: string[] = [];
          let n: string;
          do {
            n = stack.pop()!;
            onStack.delete(n);
            scc.push(n);
          } while (n !== top.node);
          const selfLoop = graph.get(top.node)!.some((e) => e.to === top.node);
          if (scc.length > 1 || selfLoop) sccs.push(scc);
        }
      }
    }
  }
  // Known cycles are skipped; a known cycle that no longer exists is reported so the list shrinks.
  const key = (files: readonly string[]) => [...files].sort().join(' ');
  const legacyKeys = new Set(legacy.map(key));
  const found = new Set(sccs.map((scc) => key(scc.map((f) => rel(root, f)))));
  const stale = legacy.filter((l) => !found.has(key(l))).map((l) => `${l.join(' + ')}: listed in LEGACY_CYCLES but no longer a cycle: remove it from the list`);
  // Report one concrete cycle per component, edge by edge.
  return stale.concat(
    sccs
      .filter((scc) => !legacyKeys.has(key(scc.map((f) => rel(root, f)))))
      .map((scc) => {
        const members = new Set(scc);
        const first = [...scc].sort()[0]!;
        const prev = new Map<string, { from: string; edge: Edge }>();
        const queue = [first];
        let closing: { from: string; edge: Edge } | null = null;
        while (queue.length && !closing) {
          const n = queue.shift()!;
          for (const e of graph.get(n)!) {
            if (!members.has(e.to)) continue;
            if (e.to === first) {
              closing = { from: n, edge: e };
              break;
            }
            if (!prev.has(e.to)) {
              prev.set(e.to, { from: n, edge: e });
              queue.push(e.to);
            }
          }
        }
        const steps: Array<{ from: string; edge: Edge }> = [];
        for (let s = closing; s; s = s.from === first ? null : (prev.get(s.from) ?? null)) steps.unshift(s);
        const typeOnly = steps.some((s) => s.edge.typeOnly);
        const lines = steps.map((s) => `  ${rel(root, s.from)}:${s.edge.line} imports ${rel(root, s.edge.to)}${s.edge.typeOnly ? ' (type only)' : ''}`);
        const note = typeOnly ? ' (through type-only imports, which oxlint does not count)' : '';
        return `import cycle of ${scc.length} file${scc.length === 1 ? '' : 's'}${note}:\n${lines.join('\n')}`;
      }),
  );
}

/** SQL text and database calls in one file's source, as "line: what" entries. */
export function sqlIn(src: string): Array<{ line: number; what: string }> {
  const found: Array<{ line: number; what: string }> = [];
  const s = scan(src);
  for (const lit of s.literals) {
    const m = SQL_TEXT.exec(lit.text);
    if (!m) continue;
    const at = lit.at + 1 + m.index;
    const snippet = lit.text
      .slice(m.index, m.index + 60)
      .replace(/\s+/g, ' ')
      .trim();
    found.push({ line: lineOf(src, at), what: `SQL text "${snippet}${lit.text.length - m.index > 60 ? '…' : ''}"` });
  }
  for (const m of s.code.matchAll(DB_CALL)) found.push({ line: lineOf(src, m.index), what: `database call .${m[1]}(` });
  for (const m of s.code.matchAll(EXEC_CALL)) found.push({ line: lineOf(src, m.index + m[0].indexOf(m[1]!)), what: `database call ${m[1]}.exec(` });
  return found.sort((a, b) => a.line - b.line);
}

/** SQL outside the adapter, honouring the legacy list; entries that no longer apply are reported too. */
export function findSql(root: string, legacy: readonly string[]): string[] {
  const problems: string[] = [];
  const legacyHit = new Set<string>();
  for (const file of walk(root)) {
    const r = rel(root, file);
    if (SQL_ALLOWED.some((d) => r.startsWith(d))) continue;
    const hits = sqlIn(readFileSync(file, 'utf8'));
    if (!hits.length) continue;
    if (legacy.includes(r)) {
      legacyHit.add(r);
      continue;
    }
    for (const h of hits) problems.push(`${r}:${h.line}: ${h.what} outside ${ADAPTERS_TEXT}`);
  }
  for (const l of legacy) {
    if (!legacyHit.has(l)) problems.push(`${l}: listed in LEGACY_SQL_FILES but ${existsSync(join(root, l)) ? 'holds no SQL any more' : 'does not exist'}: remove it from the list`);
  }
  return problems;
}

function main(): void {
  const repo = resolve(import.meta.dirname, '..');
  const root = resolve(process.argv[2] ?? process.env['FD_LAYERS_ROOT'] ?? repo);
  // The legacy lists name this repository's files; another tree (a test's) is checked without them.
  const legacyCycles = root === repo ? LEGACY_CYCLES : [];
  const legacySql = root === repo ? LEGACY_SQL_FILES : [];
  const cycles = findCycles(root, legacyCycles);
  const sql = findSql(root, legacySql);
  for (const c of cycles) console.error(`check-layers: ${c}`);
  for (const p of sql) console.error(`check-layers: ${p}`);
  if (cycles.length || sql.length) {
    console.error(`check-layers: ${cycles.length} cycle problem(s), ${sql.length} SQL problem(s).`);
    process.exit(1);
  }
  console.log(`check-layers: no import cycles, no SQL outside ${ADAPTERS_TEXT} (legacy left: ${legacyCycles.length} cycle(s), ${legacySql.length} SQL file(s)).`);
}

if (import.meta.filename && import.meta.filename === resolve(process.argv[1] ?? '')) main();
