import { afterEach, describe, expect, it } from 'vitest';
import { makeApp, OWN_FRAME } from '../helpers/app.ts';
import { ADMIN, AGENT } from '../helpers/vault.ts';
import { CHANNEL_NAMES, type Channel, type Req } from '../../contract/index.ts';
import { CHANNELS } from '../../main/ipc/schemas.ts';
import { ERROR_CODES } from '../../main/core/errors.ts';

const apps: Array<ReturnType<typeof makeApp>> = [];
afterEach(() => {
  while (apps.length) apps.pop()!.cleanup();
});

async function appWithAgent() {
  const app = makeApp();
  apps.push(app);
  await app.firstRun();
  const add = await app.call('operators:add', { name: AGENT.name, displayName: AGENT.displayName, role: 'agent', email: AGENT.email, password: AGENT.password });
  expect(add.ok).toBe(true);
  return app;
}


const ACTION = { userId: 1, checks: ['callback'], ticket: 'T-1', reason: 'lost phone' };
const PW = 'a long enough passphrase for tests 7';
/**
 * A payload every channel's schema accepts (typed per channel, so a new channel needs one here):
 * with it, what refuses a call is the session or the role, never the payload.
 */
const VALID: { [C in Channel]: Req<C> } = {
  'app:status': {},
  'app:open-external': { url: 'https://example.no/' },
  'prefs:set': { language: 'en' },
  'session:first-run': { name: 'ola', displayName: 'Ola', password: PW },
  'session:recovery-stored': {},
  'session:sign-in': { name: 'ola', password: PW },
  'session:recover': { recoveryKey: 'ABCD-EFGH', name: 'ola', password: PW },
  'session:activity': {},
  'session:lock': {},
  'session:change-password': { oldPassword: PW, newPassword: `${PW} new` },
  'session:second-factor': {},
  'server:probe': { url: 'https://127.0.0.1:1' },
  'server:connect': { url: 'https://127.0.0.1:1', pin: `${'A'.repeat(43)}=` },
  'server:forget': {},
  'users:find': { query: 'kari' },
  'users:view': { userId: 1 },
  'codes:issue-one-time': { ...ACTION, minutes: 30 },
  'codes:backup': ACTION,
  'enrollment:issue-code': ACTION,
  'enrollment:reenroll': { ...ACTION, voidCodes: true, withBackupCodes: false },
  'enrollment:regenerate': ACTION,
  'users:lost-phone': ACTION,
  'enrollment:reveal-key': { userId: 1, enrollmentId: 1 },
  'enrollment:confirm': { userId: 1, code: '123456' },
  'enrollment:print-sheet': { userId: 1, enrollmentId: 1, mode: 'pdf', language: 'nb' },
  'enrollment:sheet-render': { userId: 1, enrollmentId: 1, language: 'nb', output: 'printer' },
  'enrollment:sheet-not-printed': { userId: 1, enrollmentId: 1, sheetId: 'K7Q2-M4XD', language: 'nb', reason: 'cancelled' },
  'sms:remove': ACTION,
  'lock:clear': ACTION,
  'requests:refuse': { userId: 1, callerName: 'Kari', requested: 'new code', failedChecks: ['callback'], ticket: 'T-1' },
  'clipboard:copy': { text: 'kari@example.no' },
  'settings:get': {},
  'settings:update': { supportContact: 'helpdesk@example.no' },
  'settings:choose-logo': { clear: true },
  'operators:list': {},
  'operators:add': { name: 'ola', displayName: 'Ola', role: 'agent', password: PW },
  'operators:update': { operatorId: 'op-1', displayName: 'Ola' },
  'operators:disable': { operatorId: 'op-1' },
  'operators:remove': { operatorId: 'op-1' },
  'operators:reset-password': { operatorId: 'op-1', password: PW },
  'operators:reset-second-factor': { operatorId: 'op-1' },
  'users:import': {},
  'users:import-preview': {},
  'users:import-cancel': { jobId: 'job-1' },
  'users:import-save-report': { jobId: 'job-1' },
  'jobs:reports': {},
  'users:import-begin': { dryRun: true },
  'jobs:status': { jobId: 'job-1' },
  'audit:list': { limit: 10 },
  'audit:verify': {},
  'audit:export': { format: 'csv' },
  'outbox:list': { pendingOnly: true },
  'alerts:list': {},
  'alerts:ack': { id: 1 },
  'approvals:list': {},
  'approvals:approve': { id: 1 },
  'approvals:reject': { id: 1, reason: 'not on the ticket' },
  'approvals:run': { id: 1 },
  'users:set-privileged': { userId: 1, privileged: true },
  'outbox:export': { format: 'json' },
  'vault:info': {},
  'vault:integrity': {},
  'vault:backup': {},
  'vault:restore-preview': {},
  'vault:delete-kept': {},
  'vault:restore': { password: PW },
  'vault:rekey': {},
  'service-keys:create': { label: 'login service' },
  'service-clients:create': { label: 'vpn-gateway' },
  'service-clients:list': {},
  'service-clients:revoke': { clientId: '0123456789abcdef' },
  'radius-clients:add': { label: 'vpn gateway', address: '192.0.2.10' },
  'radius-clients:list': {},
  'radius-clients:remove': { clientId: '0123456789abcdef0123456789abcdef' },
  'automation-clients:create': { label: 'nightly import', scopes: ['users:import'] },
  'automation-clients:list': {},
  'automation-clients:revoke': { clientId: '0123456789abcdef0123456789abcdef' },
};

describe('IPC guard', () => {
  it('has a payload for every channel that its schema accepts', () => {
    for (const c of CHANNEL_NAMES) {
      const r = CHANNELS[c as Channel].req.safeParse(VALID[c as Channel]);
      expect(r.success, `${c}: ${r.success ? '' : JSON.stringify(r.error.issues)}`).toBe(true);
    }
  });

  it('refuses a null frame, a subframe and a foreign origin on every channel', async () => {
    const app = await appWithAgent();
    for (const c of CHANNEL_NAMES) {
      for (const frame of [null, { url: 'app://factordesk/index.html', parent: {} }, { url: 'https://evil.example/', parent: null }, { url: 'file:///etc/passwd', parent: null }]) {
        const r = await app.call(c, {} as never, frame);
        expect(r, `${c} ${JSON.stringify(frame)}`).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      }
    }
  });

  it('refuses unknown channels and payloads that fail the schema, without a stack', async () => {
    const app = await appWithAgent();
    expect(await app.dispatch('fs:read', { frame: OWN_FRAME, topFrame: OWN_FRAME }, {})).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    const bad = [
      { query: 42 },
      { query: 'x', extra: true },
      { query: 'x'.repeat(10 * 1024 * 1024) },
      JSON.parse('{"query":"x","__proto__":{"admin":true}}'),
      { query: 'x', constructor: { prototype: {} } },
    ];
    for (const p of bad) {
      const r = await app.call('users:find', p as never);
      expect(r).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
      expect(JSON.stringify(r)).not.toMatch(/at .*\.ts:\d+/);
    }
    expect(await app.call('codes:issue-one-time', { userId: -1, checks: ['callback'], ticket: 't', reason: 'r' })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', details: { field: 'userId' } } });
  });

  it('needs an unlocked session for every channel that has a permission', async () => {
    const app = await appWithAgent();
    await app.call('session:lock', {});
    let checked = 0;
    for (const c of CHANNEL_NAMES) {
      if (CHANNELS[c as Channel].permission === null) continue;
      const r = await app.call(c, VALID[c as Channel] as never);
      expect(r.ok ? 'OK' : r.error.code, c).toBe('SESSION_LOCKED');
      checked++;
    }
    expect(checked).toBeGreaterThan(35);
    expect(await app.call('users:find', { query: 'kari' })).toMatchObject({ ok: false, error: { code: 'SESSION_LOCKED' } });
  });

  it('enforces the role table: an agent cannot call admin channels', async () => {
    const app = await appWithAgent();
    await app.call('session:lock', {});
    const s = await app.call('session:sign-in', { name: AGENT.name, password: AGENT.password });
    expect(s.ok).toBe(true);
    let adminOnly = 0;
    for (const c of CHANNEL_NAMES) {
      const perm = CHANNELS[c as Channel].permission;
      if (perm === null) continue;
      const { PERMISSIONS } = await import('../../main/core/roles.ts');
      const roles = PERMISSIONS[perm] as readonly string[];
      if (roles.includes('agent')) continue;
      const r = await app.call(c, VALID[c as Channel] as never);
      expect(r.ok ? 'OK' : r.error.code, c).toBe('FORBIDDEN');
      adminOnly++;
    }
    expect(adminOnly).toBeGreaterThan(15);
    expect(await app.call('operators:list', {})).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await app.call('vault:rekey', {})).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('answers every error with a code from the closed set', async () => {
    const app = await appWithAgent();
    const r = await app.call('session:sign-in', { name: ADMIN.name, password: 'wrong but long enough password' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(ERROR_CODES).toContain(r.error.code);
  });

  it('locks after the idle time with a warning first, and clears the clipboard', async () => {
    const app = await appWithAgent();
    expect((await app.call('clipboard:copy', { text: '4711 2093' })).ok).toBe(true);
    expect(app.clipboard.value).toBe('4711 2093');
    app.clock.advance(4 * 60_000 + 31_000);
    app.controller.idle.tick();
    expect(app.events.some((e) => e.event === 'idle:warning')).toBe(true);
    app.clock.advance(30_000);
    app.controller.idle.tick();
    expect(app.events.some((e) => e.event === 'session:locked')).toBe(true);
    await new Promise((r) => setTimeout(r, 10));
    expect(app.clipboard.value).toBe('');
    expect(await app.call('users:find', { query: 'kari' })).toMatchObject({ ok: false, error: { code: 'SESSION_LOCKED' } });
  });
});

describe('idle lock setting', () => {
  it('applies a new idle time at once', async () => {
    const app = makeApp();
    apps.push(app);
    await app.firstRun();
    expect((await app.call('settings:update', { idleLockMinutes: 2 })).ok).toBe(true);
    app.clock.advance(2 * 60_000 + 1000);
    app.controller.idle.tick();
    expect(app.events.some((e) => e.event === 'session:locked')).toBe(true);
  });
});
