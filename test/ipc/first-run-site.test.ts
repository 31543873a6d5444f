// First run asks for the organisation's name and the support contact: stored with the vault,
// audited as a settings change in the same transaction, validated before anything is created.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { makeApp } from '../helpers/app.ts';
import { ADMIN } from '../helpers/vault.ts';

const apps: Array<ReturnType<typeof makeApp>> = [];
afterEach(() => {
  while (apps.length) apps.pop()!.cleanup();
});

const admin = { name: ADMIN.name, displayName: ADMIN.displayName, email: ADMIN.email, password: ADMIN.password };

describe('session:first-run with the organisation and the support contact', () => {
  it('stores both and audits them by name with the creation', async () => {
    const app = makeApp();
    apps.push(app);
    const r = await app.call('session:first-run', { ...admin, organizationName: ' Eksempel kommune ', supportContact: 'IT-brukerstøtte, 22 00 00 00' });
    expect(r.ok).toBe(true);
    expect(await app.call('settings:get', {})).toMatchObject({ ok: true, value: { organizationName: 'Eksempel kommune', supportContact: 'IT-brukerstøtte, 22 00 00 00' } });
    const events = await app.call('audit:list', { action: 'settings.update' });
    expect(events).toMatchObject({ ok: true, value: [{ operator: ADMIN.name, details: { changed: ['organizationName', 'supportContact'] } }] });
  });

  it('a bad value is refused naming the field, and no vault is created', async () => {
    const app = makeApp();
    apps.push(app);
    const r = await app.call('session:first-run', { ...admin, organizationName: 'Eksempel\u202Ekommune', supportContact: 'IT' });
    expect(r).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', details: { field: 'organizationName' } } });
    expect(existsSync(join(app.tmp, 'vault', 'vault.db'))).toBe(false);
  });

  it('without them the defaults stay and nothing extra is audited', async () => {
    const app = makeApp();
    apps.push(app);
    expect((await app.call('session:first-run', admin)).ok).toBe(true);
    expect(await app.call('settings:get', {})).toMatchObject({ ok: true, value: { organizationName: 'FactorDesk', supportContact: '' } });
    expect(await app.call('audit:list', { action: 'settings.update' })).toMatchObject({ ok: true, value: [] });
  });
});
