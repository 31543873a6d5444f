// Every audit action main writes (and every outcome) has a label in both languages, so the
// audit screen and a user's recent activity never show a raw "service-key.revoke". The action
// names are collected from main's source, not from a list that could fall behind it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import nb from '../../renderer/src/locales/nb.json';
import en from '../../renderer/src/locales/en.json';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join(ROOT, 'main');

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** The text of the call starting at `open` (the index of its '('), up to the matching ')'. */
function callText(src: string, open: number): string {
  let depth = 0;
  let quote: string | null = null;
  for (let i = open; i < src.length; i++) {
    const c = src[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') quote = c;
    else if (c === '(' || c === '{' || c === '[') depth++;
    else if (c === ')' || c === '}' || c === ']') {
      depth--;
      if (depth === 0) return src.slice(open, i + 1);
    }
  }
  return src.slice(open);
}

/** The value expression of `key:` at the top level of an object literal inside `text`. */
function valueOf(text: string, key: string): string | null {
  const m = new RegExp(`[{,]\\s*${key}\\s*(:|[,}])`).exec(text);
  if (!m) return null;
  if (m[1] !== ':') return key; // shorthand: `{ action, … }`
  let depth = 0;
  let quote: string | null = null;
  const start = m.index + m[0].length;
  for (let i = start; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') quote = c;
    else if (c === '(' || c === '{' || c === '[') depth++;
    else if (c === ')' || c === '}' || c === ']') {
      if (depth === 0) return text.slice(start, i);
      depth--;
    } else if (c === ',' && depth === 0) return text.slice(start, i);
  }
  return text.slice(start);
}

// String literals of an expression, leaving out the ones it compares against (`x === 'failed' ? … : …`).
const literals = (expr: string) => [...expr.replace(/[!=]==?\s*'[^']*'/g, '').matchAll(/'([^'\\]*)'/g)].map((m) => m[1]!);
const templates = (expr: string) => [...expr.matchAll(/`([^`]*)`/g)].map((m) => m[1]!);

interface Found {
  actions: Map<string, string>;
  outcomes: Map<string, string>;
  dynamic: string[];
}

/** Collects audit action and outcome names from main's source. */
function collect(): Found {
  const files = sources(MAIN);
  const text = new Map(files.map((f) => [f, readFileSync(f, 'utf8')]));
  const actions = new Map<string, string>();
  const outcomes = new Map<string, string>();
  const dynamic: string[] = [];
  // Values of the sign-in journal's outcomes: `signin.${e.outcome}` is one of these.
  const journal = /outcome:\s*z\.enum\(\[([^\]]+)\]\)/.exec(text.get(join(MAIN, 'core', 'signin-journal.ts')) ?? '');
  const journalOutcomes = journal ? literals(journal[1]!) : [];
  const expand = (tpl: string, where: string): string[] => {
    if (!tpl.includes('${')) return [tpl];
    if (/^signin\.\$\{[\w.]*outcome\}$/.test(tpl) && journalOutcomes.length > 0) return journalOutcomes.map((o) => `signin.${o}`);
    dynamic.push(`${where}: \`${tpl}\``);
    return [];
  };
  // Helpers that take the action as a parameter (auditAction, recordAfter, auditChanges, …).
  const helpers = new Set<string>();
  for (const src of text.values()) for (const m of src.matchAll(/function\s+(\w+)\s*\(([^)]*)\)/g)) if (/\baction:\s*string/.test(m[2]!)) helpers.add(m[1]!);

  for (const [file, src] of text) {
    const where = relative(ROOT, file);
    // vault.audit({ action, outcome, … }) and vault.auditNow({ … }).
    for (const m of src.matchAll(/\.audit(?:Now)?\(/g)) {
      const call = callText(src, m.index + m[0].length - 1);
      const a = valueOf(call, 'action');
      if (a && a.trim() !== 'action') {
        for (const l of literals(a)) actions.set(l, where);
        for (const tpl of templates(a)) for (const x of expand(tpl, where)) actions.set(x, where);
      }
      const o = valueOf(call, 'outcome');
      if (o) for (const l of literals(o)) outcomes.set(l, where);
    }
    // auditAction(vault, session, user, 'code.verify', ctx, details, 'rejected') and the other helpers.
    for (const h of helpers) {
      for (const m of src.matchAll(new RegExp(`\\b${h}\\(`, 'g'))) {
        if (/function\s+$/.test(src.slice(Math.max(0, m.index - 9), m.index))) continue;
        const call = callText(src, m.index + m[0].length - 1);
        const lits = literals(call);
        const name = lits.find((l) => /^[a-z][a-z0-9-]*(\.[a-z0-9-]+)*$/.test(l));
        if (name) actions.set(name, where);
        // auditAction's last argument is the outcome, when given.
        const tail = /,\s*'([a-z-]+)'\s*\)$/.exec(call);
        if (h === 'auditAction' && tail) outcomes.set(tail[1]!, where);
      }
    }
  }
  outcomes.set('ok', 'main/core/actions.ts (default)');
  return { actions, outcomes, dynamic };
}

const keyOf = (name: string) => name.replace(/\./g, '_');
const found = collect();

describe('audit labels', () => {
  it('finds the audit actions main writes (the collector works)', () => {
    const names = [...found.actions.keys()];
    // A few that are known to exist: if these are not found, the collector is broken.
    for (const known of ['code.issue-one-time', 'enrollment.reenroll', 'request.refused', 'signin', 'user.import', 'service-key.revoke', 'signin.locked', 'vault.restore.undo']) {
      expect(names, known).toContain(known);
    }
    expect(names.length).toBeGreaterThan(30);
    expect(found.dynamic, 'audit actions built at run time: teach this test their values').toEqual([]);
  });

  it('every audit action main writes has a label in nb and en', () => {
    const missing = [...found.actions].flatMap(([a, where]) =>
      [
        !(keyOf(a) in nb.auditAction) ? `nb: ${a} (${where})` : null,
        !(keyOf(a) in en.auditAction) ? `en: ${a} (${where})` : null,
      ].filter((x): x is string => x !== null),
    );
    expect(missing).toEqual([]);
  });

  it('every audit outcome main writes has a label in nb and en', () => {
    const missing = [...found.outcomes].filter(([o]) => !(o in nb.auditOutcome) || !(o in en.auditOutcome)).map(([o, where]) => `${o} (${where})`);
    expect(missing).toEqual([]);
  });
});
