// scripts/check-layers.ts is what keeps cycles (type-only ones included) and SQL outside the
// store adapters out of the tree, so it is tested on small trees: it must fail on each kind of
// offender with file:line, and pass on a tree that only looks suspicious.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { findCycles, findSql, importsOf, sqlIn } from '../../scripts/check-layers.ts';

const SCRIPT = fileURLToPath(new URL('../../scripts/check-layers.ts', import.meta.url));
const roots: string[] = [];
afterEach(() => {
  while (roots.length) rmSync(roots.pop()!, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'fd-layers-'));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

/** Runs the script as `npm run lint` does (Node 22 type stripping), on `root`. */
function run(root: string) {
  const r = spawnSync(process.execPath, [SCRIPT, root], { encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

// Looks like trouble to a naive grep, but is fine: SQL in the adapter and in tests, a regex
// `.exec(`, SQL words in comments and in lower case, a cycle only through a dynamic import.
const CLEAN = {
  'contract/index.ts': "export * from './names.ts';\nexport type { View } from './views.ts';\n",
  'contract/names.ts': "export const NAMES = ['a:b'] as const;\n",
  'contract/views.ts': "import type { NAMES } from './names.ts';\nexport interface View { n: (typeof NAMES)[number] }\n",
  'main/store/sqlite/db.ts': "export const q = (db: any) => db.prepare('SELECT id FROM users WHERE email = ?').get('x');\ndb.pragma('key = 1');\n",
  'main/store/postgres/users.ts': "export const q = (c: any) => c.query('SELECT id FROM users WHERE email_key = $1', ['x']);\n",
  'main/core/rules.ts': [
    "import type { View } from '../../contract/index.ts';",
    '// SELECT * FROM users would be wrong here; so would db.prepare(…)',
    '/* INSERT INTO nothing */',
    "export const label = 'Select a file, then update the list';",
    "export const m = /^'(SELECT)'$/.exec(String(1 as unknown as View));",
    'export const d = 10 / 2 / 5;',
    "export const t = `value ${label} and ${'x'}`;",
    "export async function later() { return import('./lazy.ts'); }",
  ].join('\n'),
  'main/core/lazy.ts': "import { label } from './rules.ts';\nexport const again = label;\n",
  'renderer/src/App.tsx': 'import type { View } from \'../../contract/index.ts\';\nexport const App = (v: View) => <p title="x">{v.n}</p>;\n',
  'preload/index.ts': "import { NAMES } from '../contract/names.ts';\nexport const n = NAMES;\n",
  'test/fixture.ts': "export const sql = 'DELETE FROM users';\n",
  'bench/data.ts': "export const sql = 'CREATE TABLE t (x)';\n",
};

describe('check-layers', () => {
  it('passes on a clean tree', () => {
    const r = run(tree(CLEAN));
    expect(r.out).toMatch(/no import cycles, no SQL outside the store adapters \(main\/store\/sqlite\/, main\/store\/postgres\/\)/);
    expect(r.status).toBe(0);
  });

  it('fails on a value cycle, a type-only cycle and SQL outside the adapter, each with file:line', () => {
    const r = run(
      tree({
        ...CLEAN,
        'main/app/a.ts': "import { b } from './b.ts';\nexport const a = () => b;\n",
        'main/app/b.ts': "\nimport { a } from './a.ts';\nexport const b = () => a;\n",
        'main/ipc/guard.ts': "import type { Handlers } from './handlers/index.ts';\nexport type Guard = Handlers;\n",
        'main/ipc/handlers/index.ts': "import {\n  type Guard,\n} from '../guard.ts';\nexport type Handlers = { g: Guard };\n",
        'main/core/users.ts': 'export const find = (db: any) =>\n  db.prepare(`SELECT * FROM users WHERE id = ?`);\n',
        'renderer/src/query.ts': "export const q = 'UPDATE users SET name = 1';\n",
      }),
    );
    expect(r.status).toBe(1);
    expect(r.out).toContain('main/app/a.ts:1 imports main/app/b.ts');
    expect(r.out).toContain('main/app/b.ts:2 imports main/app/a.ts');
    expect(r.out).toMatch(/type-only imports[^\n]*\n {2}main\/ipc\/guard\.ts:1 imports main\/ipc\/handlers\/index\.ts \(type only\)/);
    expect(r.out).toContain('main/ipc/handlers/index.ts:3 imports main/ipc/guard.ts (type only)');
    expect(r.out).toContain('main/core/users.ts:2: SQL text "SELECT * FROM users WHERE id = ?"');
    expect(r.out).toContain('main/core/users.ts:2: database call .prepare(');
    expect(r.out).toContain('renderer/src/query.ts:1: SQL text "UPDATE users SET name = 1"');
    expect(r.out).not.toContain('main/store/sqlite/db.ts');
    expect(r.out).not.toContain('main/store/postgres/users.ts');
    expect(r.out).not.toContain('test/fixture.ts');
    expect(r.out).not.toContain('main/core/rules.ts');
  });

  it('skips legacy entries, and fails on a legacy entry that no longer applies', () => {
    const root = tree({ ...CLEAN, 'main/core/old.ts': "export const s = 'PRAGMA user_version';\n", 'main/a.ts': "import './b.ts';\n", 'main/b.ts': "import './a.ts';\n" });
    expect(findSql(root, ['main/core/old.ts'])).toEqual([]);
    expect(findSql(root, [])).toEqual(['main/core/old.ts:1: SQL text "PRAGMA user_version" outside the store adapters (main/store/sqlite/, main/store/postgres/)']);
    expect(findSql(root, ['main/core/old.ts', 'main/core/rules.ts', 'main/core/gone.ts'])).toEqual([
      'main/core/rules.ts: listed in LEGACY_SQL_FILES but holds no SQL any more: remove it from the list',
      'main/core/gone.ts: listed in LEGACY_SQL_FILES but does not exist: remove it from the list',
    ]);
    expect(findCycles(root, [['main/b.ts', 'main/a.ts']])).toEqual([]);
    expect(
      findCycles(root, [
        ['main/a.ts', 'main/b.ts'],
        ['main/x.ts', 'main/y.ts'],
      ]),
    ).toEqual(['main/x.ts + main/y.ts: listed in LEGACY_CYCLES but no longer a cycle: remove it from the list']);
  });

  it('reads import and export-from specifiers, and tells type-only ones apart', () => {
    const src = [
      "import a from './a.ts';",
      "import type { B } from './b.ts';",
      "import { type C, type D } from './c.ts';",
      "import E, { type F } from './e.ts';",
      "export * from './g.ts';",
      "export type { H } from './h.ts';",
      "import './side.ts';",
      "// import x from './commented.ts';",
      'const s = "import y from \'./in-a-string.ts\'";',
    ].join('\n');
    expect(importsOf(src)).toEqual([
      { spec: './a.ts', line: 1, typeOnly: false },
      { spec: './b.ts', line: 2, typeOnly: true },
      { spec: './c.ts', line: 3, typeOnly: true },
      { spec: './e.ts', line: 4, typeOnly: false },
      { spec: './g.ts', line: 5, typeOnly: false },
      { spec: './h.ts', line: 6, typeOnly: true },
      { spec: './side.ts', line: 7, typeOnly: false },
    ]);
    expect(sqlIn("const re = /'/; const q = 'DELETE FROM t';\nvault.db.exec(sql);")).toEqual([
      { line: 1, what: 'SQL text "DELETE FROM t"' },
      { line: 2, what: 'database call db.exec(' },
    ]);
  });
});
