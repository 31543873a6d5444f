// The settings a transaction reads: the stored rows over the defaults, made once for the same
// rows and shared frozen (every routine verification reads them), made again when a row changes.
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, loadSettings } from '../../main/core/settings.ts';
import type { ReadTx } from '../../main/store/port.ts';

/** A transaction whose settings table holds these rows (each read gets fresh copies, as a store gives). */
const txWith = (rows: Array<{ key: string; value: string }>) => ({ settings: { all: async () => rows.map((r) => ({ ...r })) } }) as unknown as ReadTx;

describe('loadSettings', () => {
  it('gives the same frozen settings for the same rows, and new ones when a row changes', async () => {
    const rows = [
      { key: 'organizationName', value: JSON.stringify('Acme Helpdesk') },
      { key: 'verification', value: JSON.stringify({ burnAfter: 5, lockAfter: 10, cooldownMinutes: 45 }) },
    ];
    const a = await loadSettings(txWith(rows));
    const b = await loadSettings(txWith(rows));
    expect(b).toBe(a);
    expect(a.organizationName).toBe('Acme Helpdesk');
    expect(a.verification.cooldownMinutes).toBe(45);
    // Shared, so nobody can change it for the others (nor the defaults under it).
    expect(Object.isFrozen(a) && Object.isFrozen(a.verification)).toBe(true);
    expect(() => {
      (a.verification as { cooldownMinutes: number }).cooldownMinutes = 1;
    }).toThrow(TypeError);
    expect(DEFAULT_SETTINGS.verification.cooldownMinutes).not.toBe(45);
    const changed = await loadSettings(txWith([rows[0]!, { key: 'verification', value: JSON.stringify({ burnAfter: 5, lockAfter: 10, cooldownMinutes: 30 }) }]));
    expect(changed).not.toBe(a);
    expect(changed.verification.cooldownMinutes).toBe(30);
    // Back to the first rows: their values again, whatever was made in between.
    expect((await loadSettings(txWith(rows))).verification.cooldownMinutes).toBe(45);
  });

  it('a stored value that no longer passes the rules falls back to the default, also when read again', async () => {
    const rows = [{ key: 'verification', value: JSON.stringify({ burnAfter: 5, lockAfter: 10, cooldownMinutes: -3 }) }, { key: 'organizationName', value: '{not json' }];
    for (let i = 0; i < 2; i++) {
      const s = await loadSettings(txWith(rows));
      expect(s.verification).toEqual(DEFAULT_SETTINGS.verification);
      expect(s.organizationName).toBe(DEFAULT_SETTINGS.organizationName);
    }
    expect(await loadSettings(txWith([]))).toEqual(DEFAULT_SETTINGS);
  });
});
