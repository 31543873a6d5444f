// The clipboard guard: every copy is one write carrying the text and the platform's concealed
// markers; it clears after 30 s or at lock, and only if the clipboard still holds our value.
import { describe, expect, it } from 'vitest';
import { ClipboardGuard, concealedFormats, type ClipboardEntry, type Timers } from '../../main/app/clipboard-guard.ts';

/** A mock OS clipboard: one entry at a time (a write replaces everything), every write recorded. */
function mockClipboard() {
  const writes: ClipboardEntry[] = [];
  let current: ClipboardEntry | null = null;
  return {
    writes,
    holds: () => current,
    port: {
      write: async (e: ClipboardEntry) => {
        writes.push(e);
        current = e;
      },
      read: () => current?.text ?? '',
      clear: () => {
        current = null;
      },
    },
    /** Someone else copies something. */
    other: (text: string) => {
      current = { text, formats: [] };
    },
  };
}

function manualTimers(): Timers & { fire(): void; pending(): number } {
  const list = new Map<number, () => void>();
  let n = 0;
  return {
    setTimeout: (fn) => (list.set(++n, fn), n),
    clearTimeout: (h) => void list.delete(h as number),
    fire: () => {
      for (const [k, fn] of [...list]) {
        list.delete(k);
        fn();
      }
    },
    pending: () => list.size,
  };
}

const bytes = (e: ClipboardEntry) => Object.fromEntries(e.formats.map((f) => [f.format, [...f.data]]));

describe('clipboard guard', () => {
  it('writes the text and every Windows marker in one write', async () => {
    const cb = mockClipboard();
    const g = new ClipboardGuard(cb.port, { timers: manualTimers(), platform: 'win32' });
    expect(await g.copy('47112093')).toEqual({ clearsInSeconds: 30 });
    expect(cb.writes).toHaveLength(1);
    expect(cb.writes[0]!.text).toBe('47112093');
    expect(bytes(cb.writes[0]!)).toEqual({
      ExcludeClipboardContentFromMonitorProcessing: [0, 0, 0, 0],
      CanIncludeInClipboardHistory: [0, 0, 0, 0],
      CanUploadToCloudClipboard: [0, 0, 0, 0],
    });
    // The last write is what the clipboard holds: the markers were not replaced by a later write.
    expect(cb.holds()).toBe(cb.writes[0]);
  });

  it('marks macOS copies ConcealedType and KDE/Linux copies with the password-manager hint', async () => {
    for (const [platform, expected] of [
      ['darwin', { 'org.nspasteboard.ConcealedType': [] }],
      ['linux', { 'x-kde-passwordManagerHint': [...new TextEncoder().encode('secret')] }],
    ] as const) {
      const cb = mockClipboard();
      await new ClipboardGuard(cb.port, { timers: manualTimers(), platform }).copy('ABCD EFGH');
      expect(cb.writes, platform).toHaveLength(1);
      expect(cb.writes[0]!.text).toBe('ABCD EFGH');
      expect(bytes(cb.writes[0]!), platform).toEqual(expected);
    }
    expect(concealedFormats('aix')).toEqual([]);
  });

  it('clears after 30 s, and at lock, only what it put there', async () => {
    const cb = mockClipboard();
    const timers = manualTimers();
    const g = new ClipboardGuard(cb.port, { timers, platform: 'linux' });
    await g.copy('11112222');
    timers.fire();
    await Promise.resolve();
    expect(cb.holds()).toBe(null);

    await g.copy('33334444');
    cb.other('a note of my own');
    await g.clearIfOurs(); // lock
    expect(cb.holds()?.text).toBe('a note of my own');
    expect(timers.pending()).toBe(0);

    await g.copy('55556666');
    await g.clearIfOurs(); // lock
    expect(cb.holds()).toBe(null);
  });
});
