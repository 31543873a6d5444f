// The renderer's two translations must have the same keys, every key the code asks for with
// t('…') must exist, every error code needs a message, and both languages must use the same
// {{placeholders}} (a missing one would print a raw "{{name}}" to an agent).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import i18next from 'i18next';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../main/core/errors.ts';
import { IMPORT_REJECT_CODES } from '../../contract/imports.ts';

const SRC = fileURLToPath(new URL('../../renderer/src', import.meta.url));
type Tree = { [k: string]: string | Tree };

function load(lang: string): Tree {
  return JSON.parse(readFileSync(join(SRC, 'locales', `${lang}.json`), 'utf8')) as Tree;
}

/** Flattens nested resources into "a.b.c" → text. */
function flatten(tree: Tree, prefix = '', out = new Map<string, string>()): Map<string, string> {
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(key, v);
    else flatten(v, key, out);
  }
  return out;
}

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sourceFiles(p, out);
    else if (/\.tsx?$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const nb = flatten(load('nb'));
const en = flatten(load('en'));
/** A key as the code asks for it: itself, or a plural pair (key_one + key_other, i18next's forms). */
const has = (m: Map<string, string>, k: string) => m.has(k) || (m.has(`${k}_one`) && m.has(`${k}_other`));
const placeholders = (s: string) => [...s.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]).sort();

describe('renderer translations', () => {
  it('nb and en have identical key sets', () => {
    const onlyNb = [...nb.keys()].filter((k) => !en.has(k));
    const onlyEn = [...en.keys()].filter((k) => !nb.has(k));
    expect(onlyNb, 'keys missing in en.json').toEqual([]);
    expect(onlyEn, 'keys missing in nb.json').toEqual([]);
    expect(nb.size).toBeGreaterThan(100);
  });

  it('no translation is empty, and both languages use the same placeholders', () => {
    const empty = [...nb, ...en].filter(([, v]) => v.trim() === '').map(([k]) => k);
    expect(empty).toEqual([]);
    const differ = [...nb.keys()].filter((k) => en.has(k) && placeholders(nb.get(k)!).join() !== placeholders(en.get(k)!).join());
    expect(differ).toEqual([]);
  });

  it("every t('…') key used in renderer/src exists in both languages", () => {
    const files = sourceFiles(SRC);
    expect(files.some((f) => f.endsWith('.tsx'))).toBe(true);
    const used = new Map<string, string>();
    // t('key'), t("key"), t(`key`) without ${…}; also i18n.t(…). Dynamic keys are checked below.
    const re = /\bt\(\s*(['"`])([A-Za-z0-9_.-]+)\1/g;
    for (const f of files) {
      for (const m of readFileSync(f, 'utf8').matchAll(re)) used.set(m[2]!, f);
    }
    expect(used.size).toBeGreaterThan(100);
    const missing = [...used.entries()].filter(([k]) => !has(nb, k) || !has(en, k)).map(([k, f]) => `${k} (${f.slice(SRC.length + 1)})`);
    expect(missing).toEqual([]);
  });

  it('every error code has a message in both languages', () => {
    const missing = ERROR_CODES.filter((c) => !nb.has(`errors.${c}`) || !en.has(`errors.${c}`));
    expect(missing).toEqual([]);
  });

  it("every reason an import rejects a line for is worded in both languages (the import preview shows them)", () => {
    const missing = IMPORT_REJECT_CODES.filter((c) => !nb.has(`import.reject.${c}`) || !en.has(`import.reject.${c}`));
    expect(missing).toEqual([]);
  });

  it('plural forms come in pairs (_one and _other) in both languages, and every counted key is asked for with a count', () => {
    const bases = new Set([...nb.keys(), ...en.keys()].filter((k) => /_(one|other)$/.test(k)).map((k) => k.replace(/_(one|other)$/, '')));
    expect(bases.size).toBeGreaterThan(5);
    const broken = [...bases].filter((b) => !nb.has(`${b}_one`) || !nb.has(`${b}_other`) || !en.has(`${b}_one`) || !en.has(`${b}_other`));
    expect(broken).toEqual([]);
    // A plural key asked for without `count` would always print the _other form.
    const files = sourceFiles(SRC);
    const noCount: string[] = [];
    for (const f of files) {
      const src = readFileSync(f, 'utf8');
      for (const b of bases) {
        for (const m of src.matchAll(new RegExp(`\\bt\\(\\s*'${b.replace(/[.]/g, '\\.')}'\\s*(,[^)]*)?\\)`, 'g'))) {
          if (!/\bcount\s*:/.test(m[1] ?? '')) noCount.push(`${b} (${f.slice(SRC.length + 1)})`);
        }
      }
    }
    expect(noCount).toEqual([]);
  });

  it('i18next picks the singular for one and the plural otherwise, in both languages ("1 feil kode på rad")', async () => {
    const i = i18next.createInstance();
    await i.init({ resources: { nb: { translation: load('nb') }, en: { translation: load('en') } }, lng: 'nb', initAsync: false, interpolation: { escapeValue: false } });
    expect(i.t('factor.failures', { count: 1, n: '1' })).toBe('1 feil kode på rad');
    expect(i.t('factor.failures', { count: 3, n: '3' })).toBe('3 feil koder på rad');
    expect(i.t('factor.failures', { count: 0, n: '0' })).toBe('0 feil koder på rad');
    expect(i.t('otc.minutes', { count: 1, n: '1' })).toBe('1 minutt');
    expect(i.t('factor.failures', { lng: 'en', count: 1, n: '1' })).toBe('1 wrong code in a row');
    expect(i.t('audit.intact', { lng: 'en', count: 2, n: '2' })).toBe('Intact, 2 events');
  });
});
