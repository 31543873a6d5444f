// A sign-in overtaken by a lock (the computer locks or sleeps while the password is checked)
// does not leave the app signed in after the lock.
import { describe, expect, it, vi } from 'vitest';
import { makeApp } from '../helpers/app.ts';
import { ADMIN } from '../helpers/vault.ts';

/** Holds the next password KDF until the test lets it go: the lock lands while it really runs. */
const gate = vi.hoisted(() => ({ held: null as null | { started: () => void; release: Promise<void> } }));

vi.mock('../../main/core/crypto.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../main/core/crypto.ts')>();
  return {
    ...real,
    deriveKek: async (...args: Parameters<typeof real.deriveKek>) => {
      const held = gate.held;
      if (held) {
        gate.held = null;
        held.started();
        await held.release;
      }
      return real.deriveKek(...args);
    },
  };
});

describe('sign-in and a lock at the same time', () => {
  it('a lock while the password is being checked: SESSION_LOCKED, no session, the vault closed', async () => {
    const app = makeApp();
    try {
      await app.firstRun();
      app.controller.lock('manual');
      let release!: () => void;
      const started = new Promise<void>((resolve) => {
        gate.held = { started: resolve, release: new Promise<void>((r) => (release = r)) };
      });
      const pending = app.call('session:sign-in', { name: ADMIN.name, password: ADMIN.password });
      // The password's KDF has started: lock in the middle of it.
      await started;
      app.controller.lock('suspend');
      release();
      const r = await pending;
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
