// The application menu follows the language setting: every label in the chosen language, laid
// out again when a preference change gives another language (and only then).
import { describe, expect, it, vi } from 'vitest';

const built: unknown[] = [];
vi.mock('electron', () => ({ Menu: { buildFromTemplate: (t: unknown) => (built.push(t), {}) } }));

const { buildMenu } = await import('../../main/electron/menu.ts');
const { MENU_WORDS, watchLanguage } = await import('../../main/app/menu-words.ts');
const { memoryPrefs } = await import('../../main/app/ports.ts');

/** Every label in a menu template, depth first. */
function labels(items: unknown): string[] {
  const out: string[] = [];
  for (const i of items as Array<{ label?: string; submenu?: unknown }>) {
    if (i.label) out.push(i.label);
    if (Array.isArray(i.submenu)) out.push(...labels(i.submenu));
  }
  return out;
}

describe('the application menu', () => {
  it('is worded in the chosen language, each standard item too', () => {
    for (const language of ['nb', 'en'] as const) {
      buildMenu(() => {}, false, true, language);
      const words = labels(built.at(-1));
      const other = MENU_WORDS[language === 'nb' ? 'en' : 'nb'];
      expect(words).toContain(MENU_WORDS[language].lockNow);
      expect(words).toContain(MENU_WORDS[language].paste);
      // Nothing of the other language (the old menu said "Lock now / Lås nå").
      for (const w of Object.values(other)) expect(words, `${language}: ${w}`).not.toContain(w);
    }
    // Every item with a role or a command has a label of its own (none left to the OS locale).
    const items = (built.at(-1) as Array<{ submenu?: Array<{ type?: string; label?: string }> }>).flatMap((m) => m.submenu ?? []);
    expect(items.filter((i) => i.type !== 'separator' && !i.label)).toEqual([]);
  });

  it('is laid out again when the language changes, not on other preference changes', () => {
    const seen: string[] = [];
    const prefs = watchLanguage(memoryPrefs({ language: 'nb' }), (l) => seen.push(l));
    prefs.set({ density: 'compact' });
    prefs.set({ language: 'nb' });
    expect(seen).toEqual([]);
    prefs.set({ language: 'en' });
    expect(seen).toEqual(['en']);
    expect(prefs.get()).toMatchObject({ language: 'en', density: 'compact' });
  });
});
