import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { existsSync, readdirSync } from 'node:fs';
import { makeApp } from '../helpers/app.ts';
import { ADMIN, AGENT } from '../helpers/vault.ts';

const apps: Array<ReturnType<typeof makeApp>> = [];
afterEach(() => {
  while (apps.length) apps.pop()!.cleanup();
});

describe('admin flows through the guard', () => {
  it('backs up and restores in the app: the session locks, the restore is audited in the restored vault', async () => {
    const app = makeApp();
    apps.push(app);
    await app.firstRun();
    const file = join(app.tmp, 'backup.fdbackup');
    app.saved.backup = file;
    expect(await app.call('vault:backup', {})).toMatchObject({ ok: true, value: { file } });
    expect(existsSync(file)).toBe(true);
    app.opened.backup = file;
    expect(await app.call('vault:restore', { password: 'not the password at all' })).toMatchObject({ ok: false, error: { code: 'SIGNIN_FAILED' } });
    // A refused restore keeps the admin signed in on the untouched vault.
    expect((await app.call('vault:info', {})).ok).toBe(true);
    expect(await app.call('vault:restore', { password: ADMIN.password })).toMatchObject({ ok: true, value: { restored: true } });
    expect(app.events.some((e) => e.event === 'session:locked')).toBe(true);
    expect(await app.call('vault:info', {})).toMatchObject({ ok: false, error: { code: 'SESSION_LOCKED' } });
    expect((await app.call('session:sign-in', { name: ADMIN.name, password: ADMIN.password })).ok).toBe(true);
    const events = await app.call('audit:list', { action: 'vault.restore' });
    expect(events.ok && events.value.length).toBe(1);
    expect(await app.call('audit:verify', {})).toMatchObject({ ok: true, value: { ok: true } });
  });

  it('after a restore the app lists the files kept aside and deletes them on request, audited; nothing to delete is NOT_FOUND', async () => {
    const app = makeApp();
    apps.push(app);
    await app.firstRun();
    const file = join(app.tmp, 'backup.fdbackup');
    app.saved.backup = file;
    expect((await app.call('vault:backup', {})).ok).toBe(true);
    expect(await app.call('vault:info', {})).toMatchObject({ ok: true, value: { keptAside: 0 } });
    expect(await app.call('vault:delete-kept', {})).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    app.opened.backup = file;
    expect(await app.call('vault:restore', { password: ADMIN.password })).toMatchObject({ ok: true, value: { restored: true } });
    expect((await app.call('session:sign-in', { name: ADMIN.name, password: ADMIN.password })).ok).toBe(true);
    const dir = app.controller.env.dir;
    const kept = () => readdirSync(dir).filter((f) => f.includes('before-restore'));
    expect(kept().length).toBeGreaterThan(0);
    const info = await app.call('vault:info', {});
    expect(info.ok && info.value.keptAside).toBe(kept().length);
    const n = kept().length;
    expect(await app.call('vault:delete-kept', {})).toMatchObject({ ok: true, value: { deleted: n } });
    expect(kept()).toEqual([]);
    expect(await app.call('vault:info', {})).toMatchObject({ ok: true, value: { keptAside: 0 } });
    const events = await app.call('audit:list', { action: 'vault.restore.kept-deleted' });
    expect(events.ok && events.value).toMatchObject([{ operator: ADMIN.name, details: { files: n } }]);
  });

  it('a restore that brings back a removed operator says so in its answer and in the lock event for the sign-in screen', async () => {
    const app = makeApp();
    apps.push(app);
    await app.firstRun();
    const added = await app.call('operators:add', { name: AGENT.name, displayName: AGENT.displayName, role: 'agent', email: AGENT.email, password: AGENT.password });
    if (!added.ok) throw new Error(added.error.code);
    const file = join(app.tmp, 'backup.fdbackup');
    app.saved.backup = file;
    expect((await app.call('vault:backup', {})).ok).toBe(true);
    expect((await app.call('operators:remove', { operatorId: added.value.id })).ok).toBe(true);
    await app.controller.whenOpen(); // the key rotation after the removal
    app.opened.backup = file;
    const r = await app.call('vault:restore', { password: ADMIN.password });
    expect(r).toMatchObject({ ok: true, value: { restored: true, revived: [{ kind: 'operator', label: AGENT.name }] } });
    expect(app.events.filter((e) => e.event === 'session:locked').at(-1)!.data).toEqual({ reason: 'restore', revived: [{ kind: 'operator', label: AGENT.name }] });
  });

  it('refuses to restore a backup of another vault, with the reason, and leaves the vault as it was', async () => {
    const other = makeApp();
    apps.push(other);
    await other.firstRun();
    const file = join(other.tmp, 'other.fdbackup');
    other.saved.backup = file;
    expect((await other.call('vault:backup', {})).ok).toBe(true);
    const app = makeApp();
    apps.push(app);
    await app.firstRun();
    app.opened.backup = file;
    expect(await app.call('vault:restore', { password: ADMIN.password })).toMatchObject({ ok: false, error: { code: 'CONFLICT', details: { reason: 'other-vault' } } });
    expect((await app.call('vault:info', {})).ok).toBe(true);
    expect(readdirSync(join(app.tmp, 'vault')).filter((f) => f.includes('before-restore'))).toEqual([]);
  });

  it('server-only requests answer SERVER_ONLY in the solo app, with nothing written', async () => {
    const app = makeApp();
    apps.push(app);
    await app.firstRun();
    const before = await app.call('audit:list', {});
    expect(await app.call('radius-clients:add', { label: 'vpn gateway', address: '192.0.2.10' })).toMatchObject({ ok: false, error: { code: 'SERVER_ONLY' } });
    expect(await app.call('radius-clients:list', {})).toMatchObject({ ok: false, error: { code: 'SERVER_ONLY' } });
    expect(await app.call('automation-clients:create', { label: 'nightly import', scopes: ['users:import'] })).toMatchObject({ ok: false, error: { code: 'SERVER_ONLY', message: expect.stringMatching(/automation-client/) } });
    expect(await app.call('automation-clients:list', {})).toMatchObject({ ok: false, error: { code: 'SERVER_ONLY' } });
    const me = app.controller.session!.operatorId;
    expect(await app.call('operators:reset-second-factor', { operatorId: me })).toMatchObject({ ok: false, error: { code: 'SERVER_ONLY' } });
    const after = await app.call('audit:list', {});
    expect(after.ok && before.ok && after.value.length).toBe(before.ok ? before.value.length : -1);
  });

  it('an admin cannot change their own work email', async () => {
    const app = makeApp();
    apps.push(app);
    await app.firstRun();
    const me = app.controller.session!.operatorId;
    expect(await app.call('operators:update', { operatorId: me, email: 'someone.else@example.no' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await app.call('operators:update', { operatorId: me, email: null })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect((await app.call('operators:update', { operatorId: me, displayName: 'Anne B.' })).ok).toBe(true);
  });

  it('recovery with the recovery key creates an admin when there is none of that name, signed in and audited', async () => {
    const app = makeApp();
    apps.push(app);
    const { recoveryKey } = await app.firstRun();
    await app.call('session:lock', {});
    const password = 'recovered admin passphrase 2026';
    expect(await app.call('session:recover', { recoveryKey, name: 'rescue', password })).toMatchObject({ ok: true, value: { session: { name: 'rescue', role: 'admin' } } });
    const list = await app.call('operators:list', {});
    expect(list.ok && list.value.find((o: { name: string }) => o.name === 'rescue')).toMatchObject({ role: 'admin', status: 'active' });
    const events = await app.call('audit:list', { operator: 'recovery-key' });
    expect(events.ok && events.value.map((e: { action: string }) => e.action).sort()).toEqual(['operator.add', 'operator.reset-password', 'vault.recovery']);
    await app.call('session:lock', {});
    expect((await app.call('session:sign-in', { name: 'rescue', password })).ok).toBe(true);
  });
});
