// The desktop app's main process as a client of a real server (HTTPS, PostgreSQL): the first-run
// choice (probe, confirm the key, pin it), sign-in with password and second factor (the operator's
// own factor set up at the first sign-in), channels forwarded with the token, the server's own
// refusals passed on, lock and idle ending the server session, a different key refused, and
// nothing of a session or a secret kept at rest. No Electron: the guarded dispatcher of
// main/ipc/setup.ts with fake adapters (test/helpers/app.ts).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, AGENT } from '../fixtures/cli-harness.ts';
import { serverFixture, serverInit, startInProcess, type ServerFixture } from '../helpers/server.ts';
import { makeApp } from '../helpers/app.ts';
import { memoryConnection } from '../../main/app/server-link.ts';
import { totpAt } from '../../main/core/totp.ts';
import { ManualClock, systemRandom } from '../../main/core/clock.ts';
import { loadServerKeys, valueSealer } from '../../main/server/server-key.ts';
import { startApiServer, type RunningServer } from '../../main/server/http-api.ts';
import type { ServerStore } from '../../main/store/port.ts';
import type { AppStatus, ServerProbe } from '../../contract/index.ts';
import { base32Decode } from '../fixtures/cli-harness.ts';

let fx: ServerFixture;
let store: ServerStore;
let server: RunningServer;
let clock: ManualClock;
let url = '';
let pin = '';
let adminSecret: Buffer;

beforeAll(async () => {
  fx = await serverFixture('fd-appsrv-');
  ({ adminSecret } = serverInit(fx, ADMIN));
  clock = new ManualClock(Date.now() + 5 * 60_000);
  const running = await startInProcess(fx, clock);
  ({ store, server, url, pin } = running);
  await store.write((tx) => tx.users.insert({ externalId: null, email: 'kari@example.no', emailKey: 'kari@example.no', name: 'Kari Nordmann', nameKey: 'kari nordmann', phone: null, organization: null, status: 'active' }, clock.now()));
}, 60_000);

afterAll(async () => {
  await server?.close();
  await store?.close();
  await fx?.cleanup();
});

/** The value of a Result that must be ok (the test fails with its error otherwise). */
function val(r: { ok: boolean; value?: any; error?: unknown }): any {
  if (!r.ok) throw new Error(`expected ok, got ${JSON.stringify(r.error)}`);
  return r.value;
}

/** A fresh step for each sign-in (a step is used once). */
function nextCode(secret: Buffer): string {
  clock.advance(30_000);
  return totpAt(secret, clock.now());
}

describe('the app as a client of a server', () => {
  it('first run: probes the server (key shown, nothing trusted yet), pins the confirmed key, and keeps only address and pin', async () => {
    const connection = memoryConnection();
    const app = makeApp({ clock, connection });
    try {
      const before = val(await app.call('app:status', {})) as AppStatus;
      expect(before).toMatchObject({ mode: 'vault', vaultState: 'none', server: null });

      const bad = await app.call('server:probe', { url: 'ftp://example.no' });
      expect(bad.ok ? null : bad.error).toMatchObject({ code: 'BAD_REQUEST', details: { field: 'url' } });
      const down = await app.call('server:probe', { url: 'https://127.0.0.1:1' });
      expect(down.ok ? null : down.error.code).toBe('SERVER_UNREACHABLE');

      const probe = await app.call('server:probe', { url: `127.0.0.1:${server.address.port}/some/path` });
      expect(probe.ok).toBe(true);
      const p = val(probe) as ServerProbe;
      expect(p).toMatchObject({ url, pin, factorDesk: true });
      expect(p.subject).toMatch(/CN=localhost/);
      expect(connection.get()).toBeNull();

      // A key other than the one the server shows is not pinned.
      const wrong = await app.call('server:connect', { url, pin: `${'A'.repeat(43)}=` });
      expect(wrong.ok ? null : wrong.error.code).toBe('SERVER_KEY_CHANGED');
      expect(connection.get()).toBeNull();

      const connected = await app.call('server:connect', { url, pin });
      expect(connected.ok).toBe(true);
      expect(val(connected)).toMatchObject({ mode: 'server', server: { url, pin }, vaultState: 'ready', session: null, vaultDir: null });
      expect(connection.get()).toEqual({ url, pin });
      // No vault was made on this computer.
      expect(existsSync(join(app.tmp, 'vault'))).toBe(false);
    } finally {
      app.cleanup();
    }
  });

  it('sign-in asks for the second factor; forwarded channels work with the role the server gives; lock ends the server session', async () => {
    const app = makeApp({ clock, connection: memoryConnection({ url, pin }) });
    try {
      expect((val(await app.call('app:status', {})) as AppStatus).mode).toBe('server');
      // Before sign-in nothing is forwarded.
      const early = await app.call('users:find', { query: 'kari' });
      expect(early.ok ? null : early.error.code).toBe('SESSION_LOCKED');
      // Password alone is not enough on a server.
      const noCode = await app.call('session:sign-in', { name: ADMIN.name, password: ADMIN.password });
      expect(noCode.ok ? null : noCode.error.code).toBe('SIGNIN_FAILED');
      const wrongCode = await app.call('session:sign-in', { name: ADMIN.name, password: ADMIN.password, otp: '000000' });
      expect(wrongCode.ok ? null : wrongCode.error.code).toBe('SIGNIN_FAILED');
      const ok = await app.call('session:sign-in', { name: ADMIN.name, password: ADMIN.password, otp: nextCode(adminSecret) });
      expect(ok.ok).toBe(true);
      expect(val(ok).session).toMatchObject({ name: ADMIN.name, role: 'admin' });
      const status = val(await app.call('app:status', {})) as AppStatus;
      expect(status.session).toMatchObject({ name: ADMIN.name });

      const found = await app.call('users:find', { query: 'kari' });
      expect(found.ok).toBe(true);
      expect(val(found).items.map((u: { email: string }) => u.email)).toEqual(['kari@example.no']);
      // Desktop-only work is refused here, with a code the renderer has words for.
      const logo = await app.call('settings:choose-logo', { clear: false });
      expect(logo.ok ? null : logo.error.code).toBe('NOT_IN_SERVER_MODE');
      const vaultInfo = await app.call('vault:info', {});
      expect(vaultInfo.ok ? null : vaultInfo.error.code).toBe('NOT_IN_SERVER_MODE');
      // Choosing another server is refused while signed in.
      const switchNow = await app.call('server:forget', {});
      expect(switchNow.ok ? null : switchNow.error.code).toBe('CONFLICT');

      // An agent made through the app gets a second factor at their first sign-in, shown once.
      const added = await app.call('operators:add', { name: AGENT.name, displayName: AGENT.displayName, role: 'agent', password: AGENT.password });
      expect(added.ok).toBe(true);

      const token = (app.controller.link as unknown as { token: string }).token;
      await app.call('session:lock', {});
      expect(app.controller.link!.session).toBeNull();
      expect(app.events.some((e) => e.event === 'session:locked')).toBe(true);
      // The token is ended on the server too, not only forgotten here.
      await new Promise((r) => setTimeout(r, 200));
      const { ServerClient } = await import('../../main/server/client.ts');
      const stale = new ServerClient(url, { pin }, token);
      const r = await stale.call('users:find', { query: 'kari' });
      stale.close();
      expect(r.ok ? null : r.error.code).toBe('SESSION_LOCKED');
    } finally {
      app.cleanup();
    }
  });

  it('an operator with no second factor yet sets theirs up at the first sign-in, then signs in with a code from it', async () => {
    const app = makeApp({ clock, connection: memoryConnection({ url, pin }) });
    try {
      const first = await app.call('session:sign-in', { name: AGENT.name, password: AGENT.password });
      expect(first.ok ? null : first.error.code).toBe('SECOND_FACTOR_ENROLL');
      const setup = await app.call('session:second-factor', {});
      expect(setup.ok).toBe(true);
      expect(val(setup).uri).toMatch(/^otpauth:\/\/totp\//);
      expect(val(setup).qrSvg).toMatch(/^<svg/);
      const secret = base32Decode(new URL(val(setup).uri).searchParams.get('secret')!);
      expect(val(setup).key.replace(/ /g, '')).toBe(new URL(val(setup).uri).searchParams.get('secret'));
      // Handed over once.
      const again = await app.call('session:second-factor', {});
      expect(again.ok ? null : again.error.code).toBe('NOT_FOUND');
      const ok = await app.call('session:sign-in', { name: AGENT.name, password: AGENT.password, otp: nextCode(secret) });
      expect(ok.ok).toBe(true);
      expect(val(ok).session.role).toBe('agent');
      // The server's role check holds: an agent cannot add operators through the app.
      const refused = await app.call('operators:add', { name: 'mallory', displayName: 'Mallory', role: 'admin', password: 'a long enough new password 1' });
      expect(refused.ok ? null : refused.error.code).toBe('FORBIDDEN');
    } finally {
      app.cleanup();
    }
  });

  it('a session the server ended (idle 15 minutes) locks the window at the next request', async () => {
    const app = makeApp({ clock, connection: memoryConnection({ url, pin }) });
    try {
      const ok = await app.call('session:sign-in', { name: ADMIN.name, password: ADMIN.password, otp: nextCode(adminSecret) });
      expect(ok.ok).toBe(true);
      clock.advance(16 * 60_000);
      const r = await app.call('users:find', { query: 'kari' });
      expect(r.ok ? null : r.error.code).toBe('SESSION_LOCKED');
      expect(app.controller.link!.session).toBeNull();
      expect(app.events.filter((e) => e.event === 'session:locked').length).toBeGreaterThan(0);
    } finally {
      app.cleanup();
    }
  });

  it('a server that shows another key (a new key, or an impostor) is refused with a clear message; a renewed certificate with the same key works', async () => {
    // Same key, new certificate: still the pinned server.
    const renewed = join(fx.tmp, 'renewed.pem');
    execFileSync('openssl', ['req', '-x509', '-new', '-key', fx.tlsKey, '-out', renewed, '-days', '3', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const same = await startApiServer({ store, sealer: valueSealer(loadServerKeys(fx.keyFile, {}), systemRandom), tls: { cert: readFileSync(renewed), key: readFileSync(fx.tlsKey) } }, { host: '127.0.0.1', port: 0 });
    const otherKey = join(fx.tmp, 'other-key.pem');
    const otherCert = join(fx.tmp, 'other-cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', otherKey, '-out', otherCert, '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const impostor = await startApiServer({ store, sealer: valueSealer(loadServerKeys(fx.keyFile, {}), systemRandom), tls: { cert: readFileSync(otherCert), key: readFileSync(otherKey) } }, { host: '127.0.0.1', port: 0 });
    try {
      const good = makeApp({ clock, connection: memoryConnection({ url: `https://127.0.0.1:${same.address.port}`, pin }) });
      const okIn = await good.call('session:sign-in', { name: ADMIN.name, password: ADMIN.password, otp: nextCode(adminSecret) });
      expect(okIn.ok).toBe(true);
      good.cleanup();

      const bad = makeApp({ clock, connection: memoryConnection({ url: `https://127.0.0.1:${impostor.address.port}`, pin }) });
      const r = await bad.call('session:sign-in', { name: ADMIN.name, password: ADMIN.password, otp: nextCode(adminSecret) });
      expect(r.ok ? null : r.error.code).toBe('SERVER_KEY_CHANGED');
      expect(bad.controller.link!.session).toBeNull();
      // Signed out, the operator may forget that server and choose again (first run's choice).
      const forgot = await bad.call('server:forget', {});
      expect(forgot.ok).toBe(true);
      expect(val(forgot)).toMatchObject({ mode: 'vault', vaultState: 'none' });
      bad.cleanup();
    } finally {
      await same.close();
      await impostor.close();
    }
  });

  it('a solo app with a vault cannot be pointed at a server', async () => {
    const app = makeApp({ clock });
    try {
      await app.firstRun();
      app.controller.lock('manual');
      const r = await app.call('server:probe', { url });
      expect(r.ok ? null : r.error.code).toBe('CONFLICT');
      const c = await app.call('server:connect', { url, pin });
      expect(c.ok ? null : c.error.code).toBe('CONFLICT');
      const sf = await app.call('session:second-factor', {});
      expect(sf.ok ? null : sf.error.code).toBe('SERVER_ONLY');
    } finally {
      app.cleanup();
    }
  });
});
