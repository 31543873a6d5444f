// The Vault screen's data names the retired service keys still in a vault (label and id, never a
// key), so the app warns about them until they are revoked; a vault without any lists none.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeApp } from '../helpers/app.ts';
import { ADMIN, legacyServiceKey } from '../helpers/vault.ts';

describe('vault:info and retired service keys', () => {
  it('lists each remaining service key by label and id, and nothing of its key', async () => {
    const app = makeApp();
    try {
      await app.firstRun();
      const none = await app.call('vault:info', {});
      expect(none.ok ? none.value.serviceKeys : null).toEqual([]);
      app.controller.lock('manual');
      const keyFile = await legacyServiceKey(join(app.tmp, 'vault'), ADMIN, 'login portal');
      expect((await app.call('session:sign-in', { name: ADMIN.name, password: ADMIN.password })).ok).toBe(true);
      const r = await app.call('vault:info', {});
      expect(r.ok).toBe(true);
      const keys = r.ok ? r.value.serviceKeys : [];
      expect(keys.map((k: { label: string }) => k.label)).toEqual(['login portal']);
      expect(keys[0].keyId).toMatch(/^[0-9a-f]+$/);
      const secret = JSON.parse(keyFile) as Record<string, unknown>;
      for (const v of Object.values(secret)) if (typeof v === 'string' && v.length > 20) expect(JSON.stringify(r)).not.toContain(v);
    } finally {
      app.cleanup();
    }
  });
});
