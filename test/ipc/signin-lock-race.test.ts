// A sign-in overtaken by a lock (the computer locks or sleeps while the password is checked)
// does not leave the app signed in after the lock.
import { describe, expect, it } from 'vitest';
import { makeApp } from '../helpers/app.ts';
import { ADMIN } from '../helpers/vault.ts';

describe('sign-in and a lock at the same time', () => {
  it('a lock while the password is being checked: SESSION_LOCKED, no session, the vault closed', async () => {
    const app = makeApp();
    try {
      await app.firstRun();
      app.controller.lock('manual');
      const started = Date.now();
      const pending = app.call('session:sign-in', { name: ADMIN.name, password: ADMIN.password });
      // The password's KDF runs for a while: lock in the middle of it.
      await new Promise((r) => setTimeout(r, 5));
      app.controller.lock('suspend');
      const r = await pending;
      expect(Date.now() - started).toBeGreaterThan(5);
      expect(r.ok ? null : r.error.code).toBe('SESSION_LOCKED');
      expect(app.controller.session).toBeNull();
      expect(app.controller.vaultOrNull).toBeNull();
      // Signing in afterwards works.
      expect((await app.call('session:sign-in', { name: ADMIN.name, password: ADMIN.password })).ok).toBe(true);
    } finally {
      app.cleanup();
    }
  });
});
