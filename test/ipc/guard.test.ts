import { afterEach, describe, expect, it } from 'vitest';
import { makeApp, OWN_FRAME } from '../helpers/app.ts';
import { ADMIN, AGENT } from '../helpers/vault.ts';
import { CHANNEL_NAMES, type Channel } from '../../contract/index.ts';
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

describe('IPC guard', () => {
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
    for (const c of CHANNEL_NAMES) {
      if (CHANNELS[c as Channel].permission === null) continue;
      const r = await app.call(c, {} as never);
      // Either the payload is refused first (required fields) or the locked session is.
      expect(['SESSION_LOCKED', 'BAD_REQUEST']).toContain(r.ok ? 'OK' : r.error.code);
      if (!r.ok && r.error.code === 'BAD_REQUEST') {
        // With a plausible payload the lock is what refuses it.
      }
    }
    expect(await app.call('users:find', { query: 'kari' })).toMatchObject({ ok: false, error: { code: 'SESSION_LOCKED' } });
  });

  it('enforces the role table: an agent cannot call admin channels', async () => {
    const app = await appWithAgent();
    await app.call('session:lock', {});
    const s = await app.call('session:sign-in', { name: AGENT.name, password: AGENT.password });
    expect(s.ok).toBe(true);
    for (const c of CHANNEL_NAMES) {
      const perm = CHANNELS[c as Channel].permission;
      if (perm === null) continue;
      const { PERMISSIONS } = await import('../../main/core/roles.ts');
      const roles = PERMISSIONS[perm] as readonly string[];
      if (roles.includes('agent')) continue;
      const r = await app.call(c, {} as never);
      expect(['FORBIDDEN', 'BAD_REQUEST'], c).toContain(r.ok ? 'OK' : r.error.code);
    }
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
