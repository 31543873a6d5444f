// Before anyone signs in, the page learns neither where the vault is nor who used the app last.
import { afterEach, describe, expect, it } from 'vitest';
import { makeApp } from '../helpers/app.ts';
import { ADMIN } from '../helpers/vault.ts';

/** The value of a Result that must be ok. */
const ok = (r: { ok: boolean; value?: any; error?: unknown }): any => {
  expect(r.ok, JSON.stringify(r.error)).toBe(true);
  return r.value;
};

let app: ReturnType<typeof makeApp> | null = null;
afterEach(() => {
  app?.cleanup();
  app = null;
});

describe('app:status and prefs:set before sign-in', () => {
  it('return no vault path and no operator name until someone signs in', async () => {
    app = makeApp();
    // First run: there is no vault yet, and the screen says where it will be created.
    const first = await app.call('app:status', {});
    expect(ok(first)).toMatchObject({ vaultState: 'none', vaultDir: app.controller.deps.dir });
    await app.firstRun();
    app.controller.lock('manual');

    const locked = await app.call('app:status', {});
        expect(ok(locked).vaultState).toBe('ready');
    expect(ok(locked).vaultDir).toBe(null);
    expect(ok(locked).prefs.lastOperatorName).toBe('');
    expect(JSON.stringify(ok(locked))).not.toContain(ADMIN.name);
    expect(JSON.stringify(ok(locked))).not.toContain(app.tmp);
    const set = await app.call('prefs:set', { language: 'en' });
    expect(ok(set)).toMatchObject({ language: 'en', lastOperatorName: '' });

    const signedIn = await app.call('session:sign-in', { name: ADMIN.name, password: ADMIN.password });
    expect(signedIn.ok).toBe(true);
    const open = await app.call('app:status', {});
    expect(ok(open)).toMatchObject({ vaultDir: app.controller.deps.dir, prefs: { lastOperatorName: ADMIN.name } });
  });
});
