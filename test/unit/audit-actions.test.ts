// The contract's AUDIT_ACTIONS is a closed list of what main writes: every action name in main's
// sources must be in it (or the audit screen could not filter or label it), and every listed
// action needs a label in both languages.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AUDIT_ACTIONS, isAuditAction } from '../../contract/index.ts';
import en from '../../renderer/src/locales/en.json';
import nb from '../../renderer/src/locales/nb.json';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

// `{ action: 'x' }` literals, and the helpers that take the action as an argument.
const PATTERNS = [/\baction: '([^']+)'/g, /\bauditAction\([^,()]+,[^,()]+,[^,()]+,\s*'([^']+)'/g, /\bauditChanges\([^,()]+,[^,()]+,\s*'([^']+)'/g, /\brecordAfter\([^,()]+,[^,()]+,\s*'([^']+)'/g];
// Electron's window-open answer ({ action: 'deny' }), not an audit action.
const NOT_AUDIT = new Set(['main/shell/navigation.ts:deny']);
// Written with a computed name: `signin.${outcome}` for the sign-in journal's outcomes.
const COMPUTED = ['signin.failed', 'signin.locked', 'signin.rate-limited'];

describe('audit action names', () => {
  it('every action main writes is in AUDIT_ACTIONS', () => {
    const found = new Map<string, string>();
    for (const file of sources(join(ROOT, 'main'))) {
      const rel = relative(ROOT, file).replaceAll('\\', '/');
      const text = readFileSync(file, 'utf8');
      for (const re of PATTERNS) for (const m of text.matchAll(re)) if (!NOT_AUDIT.has(`${rel}:${m[1]}`)) found.set(m[1]!, rel);
    }
    expect(found.size).toBeGreaterThan(30);
    const missing = [...found].filter(([a]) => !isAuditAction(a)).map(([a, f]) => `${a} (${f})`);
    expect(missing).toEqual([]);
    for (const a of COMPUTED) expect(AUDIT_ACTIONS).toContain(a);
  });

  it('has no duplicates, and a label for every action in both languages', () => {
    expect(new Set(AUDIT_ACTIONS).size).toBe(AUDIT_ACTIONS.length);
    const key = (a: string) => a.replace(/\./g, '_');
    for (const [lang, labels] of [
      ['en', en.auditAction],
      ['nb', nb.auditAction],
    ] as const) {
      const missing = AUDIT_ACTIONS.filter((a) => !Object.hasOwn(labels, key(a)));
      expect(missing, lang).toEqual([]);
    }
  });

  it('every outcome main writes into an audit event has a label in both languages', () => {
    const outcomes = new Map<string, string>([['ok', 'main/core/actions.ts (default)']]);
    for (const file of sources(join(ROOT, 'main'))) {
      const rel = relative(ROOT, file).replaceAll('\\', '/');
      const text = readFileSync(file, 'utf8');
      // `outcome: 'x'` and `outcome: cond ? 'x' : 'y'` in event literals, and auditAction's last argument.
      for (const m of text.matchAll(/\boutcome: ([^,}\n]+)/g)) for (const l of m[1]!.matchAll(/'([a-z-]+)'/g)) outcomes.set(l[1]!, rel);
      for (const m of text.matchAll(/\bauditAction\((?:[^()]|\([^()]*\))*,\s*'([a-z-]+)'\)/g)) outcomes.set(m[1]!, rel);
    }
    // Not audit outcomes: an upsert's result kind, and the sign-in journal's kinds (they become action names).
    for (const x of ['inserted', 'updated', 'unchanged', 'rate-limited']) outcomes.delete(x);
    expect(outcomes.size).toBeGreaterThan(6);
    for (const [lang, labels] of [
      ['en', en.auditOutcome],
      ['nb', nb.auditOutcome],
    ] as const) {
      const missing = [...outcomes].filter(([o]) => !Object.hasOwn(labels, o)).map(([o, f]) => `${o} (${f})`);
      expect(missing, lang).toEqual([]);
    }
  });
});
