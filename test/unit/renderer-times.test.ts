// The app shows a full time with its offset from UTC, as the command line and the sheet do, so a
// time read off the screen, a printed note, the CLI and a sheet never disagree by an hour
// unnoticed (issue 12, item 18). Relative forms ("5 min ago") keep the exact time in their tip.
import { beforeAll, describe, expect, it } from 'vitest';

type Format = typeof import('../../renderer/src/format.ts');
let f: Format;
let setLanguage: (lang: 'nb' | 'en') => void;

beforeAll(async () => {
  // The renderer's i18n module sets document.lang on import; a stub is enough here.
  (globalThis as { document?: unknown }).document ??= { documentElement: {} };
  f = await import('../../renderer/src/format.ts');
  ({ setLanguage } = await import('../../renderer/src/i18n.ts'));
});

/** The offset of this process's zone at `ms`, as "+01:00". */
function offsetAt(ms: number): string {
  const off = -new Date(ms).getTimezoneOffset();
  const abs = Math.abs(off);
  return `${off < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

describe('times in the app', () => {
  it('dateTime, exactTime and stamp end in the zone, (UTC+HH:MM), in both languages, winter and summer', () => {
    for (const lang of ['nb', 'en'] as const) {
      setLanguage(lang);
      for (const ms of [Date.UTC(2026, 11, 3, 13, 0), Date.UTC(2026, 6, 1, 22, 30)]) {
        const zone = `(UTC${offsetAt(ms)})`;
        for (const [name, text] of [
          ['dateTime', f.dateTime(ms)],
          ['exactTime', f.exactTime(ms)],
          ['stamp', f.stamp(ms)],
        ] as const) {
          expect(text.endsWith(` ${zone}`), `${lang} ${name}: ${text}`).toBe(true);
          // Said once, not also as a zone name from Intl.
          expect(text, `${lang} ${name}`).not.toMatch(/\b(CET|CEST|GMT|UTC[+-]\d+(?!:))\b/);
        }
      }
    }
  });

  it('a date alone and a time alone stay short (the exact time with its zone is in their tip)', () => {
    setLanguage('en');
    const ms = Date.UTC(2026, 11, 3, 13, 0);
    expect(f.date(ms)).not.toMatch(/UTC/);
    expect(f.time(ms)).not.toMatch(/UTC/);
  });
});
