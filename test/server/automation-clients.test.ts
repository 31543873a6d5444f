// Automation clients over a real in-process server on PostgreSQL (HTTPS, moved clock): an admin
// creates one with named scopes; its HTTP Basic id and secret reach exactly those channels and
// nothing else (no operator or client management, no re-enrollment, no audit export, no
// verification); a wrong secret and an unknown id get one answer, a revoked client its own,
// failures are spaced out; a scope list widened in the database alone stops the client working.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { ADMIN, oneJson } from '../fixtures/cli-harness.ts';
import { serverFixture, serverInit, startInProcess, type ServerFixture } from '../helpers/server.ts';
import { ServerClient } from '../../main/server/client.ts';
import { totpAt } from '../../main/core/totp.ts';
import { ManualClock } from '../../main/core/clock.ts';
import { AUTOMATION_REVOKED, AUTOMATION_SIGNIN_FAILED } from '../../main/core/automation-clients.ts';
import { SIGNIN_POLICY } from '../../main/core/signin-throttle.ts';
import type { ServerStore } from '../../main/store/port.ts';
import type { NewAutomationClient } from '../../contract/index.ts';

let fx: ServerFixture;
let running: Awaited<ReturnType<typeof startInProcess>>;
let store: ServerStore;
let clock: ManualClock;
let adminSecret: Buffer;
let admin: ServerClient;

beforeAll(async () => {
  fx = await serverFixture('fd-auto-');
  ({ adminSecret } = serverInit(fx, ADMIN));
  clock = new ManualClock(Date.now() + 5 * 60_000);
  running = await startInProcess(fx, clock);
  store = running.store;
  await store.write((tx) => tx.users.insert({ externalId: null, email: 'kari@example.no', emailKey: 'kari@example.no', name: 'Kari Nordmann', nameKey: 'kari nordmann', phone: null, organization: null, status: 'active' }, clock.now()));
  admin = new ServerClient(running.url, { pin: running.pin });
  clock.advance(30_000);
  const r = await admin.call<{ token: string }>('auth/sign-in', { name: ADMIN.name, password: ADMIN.password, otp: totpAt(adminSecret, clock.now()) });
  if (!r.ok) throw new Error(JSON.stringify(r));
  admin.token = r.value.token;
}, 60_000);

afterAll(async () => {
  admin?.close();
  await running?.close();
  await fx?.cleanup();
});

/** A client that calls with an automation client's id and secret. */
function asClient(clientId: string, secret: string): ServerClient {
  const c = new ServerClient(running.url, { pin: running.pin });
  c.automation = { clientId, secret };
  return c;
}

async function create(label: string, scopes: string[]): Promise<NewAutomationClient> {
  const r = await admin.call<NewAutomationClient>('automation-clients:create', { label, scopes });
  if (!r.ok) throw new Error(JSON.stringify(r));
  return r.value;
}

const auditOf = async (action: string) => store.read((tx) => tx.audit.list({ action, limit: 100 }));

describe('automation clients over HTTPS', () => {
  it('an admin creates one with named scopes (secret shown once, audited without it); an unknown scope is refused with the valid names', async () => {
    const bad = await admin.call('automation-clients:create', { label: 'nightly', scopes: ['users:import', 'operators:add'] });
    expect(bad).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', message: expect.stringMatching(/"operators:add".*users:import, users:find, users:view, audit:list, alerts:list/) } });
    const made = await create('nightly import', ['users:import', 'users:find', 'users:import']);
    expect(made.client).toMatchObject({ label: 'nightly import', scopes: ['users:find', 'users:import'], createdBy: ADMIN.name, lastUsedAt: null });
    expect(made.client.clientId).toMatch(/^[0-9a-f]{32}$/);
    expect(made.secret).toMatch(/^[0-9a-f]{64}$/);
    const list = await admin.call<Array<Record<string, unknown>>>('automation-clients:list', {});
    expect(list.ok && list.value.find((c) => c.clientId === made.client.clientId)).toMatchObject({ scopes: ['users:find', 'users:import'] });
    expect(JSON.stringify(list)).not.toContain(made.secret);
    const events = await auditOf('automation-client.create');
    expect(events.at(-1)).toMatchObject({ operator: ADMIN.name, details: { clientId: made.client.clientId, label: 'nightly import', scopes: ['users:find', 'users:import'], via: 'https' } });
    expect(JSON.stringify(events)).not.toContain(made.secret);
    // The secret is kept only as a keyed verifier.
    const row = await store.read((tx) => tx.automationClients.get(made.client.clientId));
    expect(row!.verifier.toString('hex')).not.toContain(made.secret);
  });

  it('reaches exactly its scopes: users:find works; operators, re-enrollment, audit export, clients and verification are refused', async () => {
    const { client, secret } = await create('report script', ['users:find']);
    const c = asClient(client.clientId, secret);
    try {
      const found = await c.call<{ items: Array<{ email: string; id: number }> }>('users:find', { query: 'kari' });
      expect(found.ok && found.value.items.map((u) => u.email)).toEqual(['kari@example.no']);
      const kari = found.ok ? found.value.items[0]!.id : 0;
      await expectRefusedOutsideScopes(c, 'users:find', kari, ['audit:list', 'users:import']);
      // The refusals are audited in the client's name.
      const refusedEvents = (await auditOf('ipc.refused')).filter((e) => e.operator === 'automation:report script');
      expect(refusedEvents.map((e) => e.details?.channel)).toEqual(expect.arrayContaining(['operators:add', 'enrollment:reenroll', 'audit:export']));
      expect((await store.read((tx) => tx.operators.list())).map((o) => o.name)).toEqual([ADMIN.name]);
      // Nor sign in or out as an operator: sign-out with Basic ends nothing, the client still works.
      expect(await c.call('auth/sign-out', {})).toMatchObject({ ok: true });
      expect((await c.call('users:find', { query: 'kari' })).ok).toBe(true);
    } finally {
      c.close();
    }
  });

  it('users:import runs an import over the server (begin, stream, status) in the client’s name, and nothing else', async () => {
    const { client, secret } = await create('nightly', ['users:import']);
    const c = asClient(client.clientId, secret);
    try {
      const begun = await c.call<{ jobId: string }>('users:import-begin', {});
      if (!begun.ok) throw new Error(JSON.stringify(begun));
      const { Readable } = await import('node:stream');
      const up = c.upload<{ inserted: number }>(`import/${begun.value.jobId}`, Readable.from(['email,name,phone,organization\nola@example.no,Ola Nordmann,+4791234568,IT\n']), null);
      expect(await up.result).toMatchObject({ ok: true, value: { inserted: 1, rejected: [] } });
      expect(await c.call('jobs:status', { jobId: begun.value.jobId })).toMatchObject({ ok: true, value: { state: 'done' } });
      const events = await store.read((tx) => tx.audit.list({ operator: 'automation:nightly', limit: 100 }));
      expect(events.some((e) => e.action.startsWith('user.import'))).toBe(true);
      // A job is followed only by who began it: an operator cannot read the client's, nor the client another's.
      expect(await admin.call('jobs:status', { jobId: begun.value.jobId })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
      await expectRefusedOutsideScopes(c, 'users:import', 1, ['users:find', 'audit:list']);
      expect(await c.call('operators:reset-password', { operatorId: 'x', password: 'another long passphrase 1' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      expect(await c.call('users:set-privileged', { userId: 1, privileged: false })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      expect((await store.read((tx) => tx.operators.list())).map((o) => o.name)).toEqual([ADMIN.name]);
      // Without a credential, or with another client's scopes, the upload route refuses too.
      const reader = await create('reader', ['users:find']);
      const r = asClient(reader.client.clientId, reader.secret);
      const other = r.upload(`import/${begun.value.jobId}`, Readable.from(['email\n']), null);
      expect(await other.result).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', message: expect.stringMatching(/users:import/) } });
      r.close();
    } finally {
      c.close();
    }
  });

  it('a wrong secret and an unknown id get the same answer; failures are audited and spaced out; the right secret still gets through', async () => {
    const { client, secret } = await create('throttled', ['users:find']);
    const wrong = asClient(client.clientId, 'f'.repeat(64));
    const unknown = asClient('0'.repeat(32), secret);
    const junk = asClient('not-an-id', 'not a secret');
    try {
      const a = await wrong.call('users:find', { query: 'kari' });
      const b = await unknown.call('users:find', { query: 'kari' });
      const j = await junk.call('users:find', { query: 'kari' });
      expect(a).toEqual({ ok: false, error: { code: 'SIGNIN_FAILED', message: AUTOMATION_SIGNIN_FAILED } });
      expect(b).toEqual(a);
      expect(j).toEqual(a);
      const refused = (await auditOf('automation-client.refused')).filter((e) => e.details?.clientId === client.clientId);
      expect(refused.map((e) => e.details?.reason)).toEqual(['secret']);
      for (let i = 1; i < SIGNIN_POLICY.slowAfter; i++) expect((await wrong.call('users:find', { query: 'k' })).ok).toBe(false);
      const limited = await wrong.call('users:find', { query: 'k' });
      expect(limited).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED', details: { seconds: expect.any(Number) } } });
      // While spaced out, wrong attempts are not counted or audited again.
      const count = (await auditOf('automation-client.refused')).length;
      expect((await wrong.call('users:find', { query: 'k' })).ok).toBe(false);
      expect((await auditOf('automation-client.refused')).length).toBe(count);
      // The right secret is never held up, and it clears the count.
      const right = asClient(client.clientId, secret);
      expect((await right.call('users:find', { query: 'kari' })).ok).toBe(true);
      right.close();
      expect(await wrong.call('users:find', { query: 'k' })).toMatchObject({ ok: false, error: { code: 'SIGNIN_FAILED' } });
    } finally {
      wrong.close();
      unknown.close();
      junk.close();
    }
  });

  it('revoking ends its access at once, with its own answer to the right secret; last use is listed', async () => {
    const { client, secret } = await create('to revoke', ['users:find', 'audit:list']);
    const c = asClient(client.clientId, secret);
    try {
      expect((await c.call('users:find', { query: 'kari' })).ok).toBe(true);
      expect((await c.call('audit:list', {})).ok).toBe(true);
      const listed = await admin.call<Array<{ clientId: string; lastUsedAt: number | null }>>('automation-clients:list', {});
      expect(listed.ok && listed.value.find((x) => x.clientId === client.clientId)?.lastUsedAt).toBe(clock.now());
      expect(await admin.call('automation-clients:revoke', { clientId: client.clientId })).toMatchObject({ ok: true, value: { clientId: client.clientId, label: 'to revoke' } });
      expect(await c.call('users:find', { query: 'kari' })).toEqual({ ok: false, error: { code: 'SIGNIN_FAILED', message: AUTOMATION_REVOKED } });
      // A wrong secret for a revoked client says no more than for any other.
      const w = asClient(client.clientId, '1'.repeat(64));
      expect(await w.call('users:find', { query: 'kari' })).toEqual({ ok: false, error: { code: 'SIGNIN_FAILED', message: AUTOMATION_SIGNIN_FAILED } });
      w.close();
      expect(await admin.call('automation-clients:revoke', { clientId: client.clientId })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
      const listedAfter = await admin.call<Array<{ clientId: string }>>('automation-clients:list', {});
      expect(listedAfter.ok && listedAfter.value.some((x) => x.clientId === client.clientId)).toBe(false);
      expect((await auditOf('automation-client.revoke')).at(-1)).toMatchObject({ operator: ADMIN.name, details: { clientId: client.clientId, label: 'to revoke' } });
    } finally {
      c.close();
    }
  });

  it('a scope list widened in the database alone stops the client working instead of widening it', async () => {
    const { client, secret } = await create('tampered', ['users:find']);
    const c = asClient(client.clientId, secret);
    const db = new pg.Client({ connectionString: fx.storeUrl, password: fx.pgEnv.PGPASSWORD });
    await db.connect();
    try {
      expect((await c.call('users:find', { query: 'kari' })).ok).toBe(true);
      await db.query('UPDATE automation_clients SET scopes = $1 WHERE id = $2', ['audit:list,users:find', client.clientId]);
      expect(await c.call('audit:list', {})).toMatchObject({ ok: false, error: { code: 'SIGNIN_FAILED' } });
      expect(await c.call('users:find', { query: 'kari' })).toMatchObject({ ok: false, error: { code: 'SIGNIN_FAILED' } });
    } finally {
      await db.end();
      c.close();
    }
  });

  it('only an admin manages them (an agent is refused)', async () => {
    const added = await admin.call<{ id: string }>('operators:add', { name: 'per', displayName: 'Per', role: 'agent', password: 'another long passphrase for per' });
    expect(added.ok).toBe(true);
    const per = new ServerClient(running.url, { pin: running.pin });
    try {
      const e = await per.call<{ otpUri: string }>('auth/sign-in', { name: 'per', password: 'another long passphrase for per' });
      const perSecret = Buffer.from(new URL(e.ok ? e.value.otpUri : 'x:').searchParams.get('secret') ?? '', 'utf8');
      const { base32Decode } = await import('../fixtures/cli-harness.ts');
      clock.advance(30_000);
      const s = await per.call<{ token: string }>('auth/sign-in', { name: 'per', password: 'another long passphrase for per', otp: totpAt(base32Decode(perSecret.toString()), clock.now()) });
      per.token = s.ok ? s.value.token : null;
      expect(await per.call('automation-clients:create', { label: 'mine', scopes: ['users:find'] })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      expect(await per.call('automation-clients:list', {})).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    } finally {
      per.close();
    }
  });
});

describe('the command line with an automation client', () => {
  it('an admin creates one; a script runs over the server with its id and secret (environment or an owner-only file), no login; revoked, it is refused', { timeout: 60_000 }, async () => {
    const { runCli } = await import('../fixtures/cli-harness.ts');
    const { chmodSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const base = { FACTORDESK_SERVER: running.url, FACTORDESK_SERVER_PIN: running.pin, FACTORDESK_SESSION_FILE: join(fx.tmp, 'cli', 'admin.json') };
    clock.advance(30_000);
    const login = await runCli(['--json', '--operator', ADMIN.name, 'login'], { ...base, FACTORDESK_PASSWORD: ADMIN.password, FACTORDESK_OTP: totpAt(adminSecret, clock.now()) });
    expect(oneJson(login.stdout)).toMatchObject({ ok: true });

    const unknownScope = await runCli(['--json', 'automation-client', 'create', '--label', 'nightly', '--scope', 'users:import,vault:backup'], base);
    expect(unknownScope.status).toBe(2);
    expect(oneJson(unknownScope.stdout).error).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/"vault:backup".*users:import, users:find/) });

    const made = await runCli(['--json', 'automation-client', 'create', '--label', 'nightly import', '--scope', 'users:import,users:find'], base);
    const out = oneJson(made.stdout);
    expect(out).toMatchObject({ ok: true, result: { clientId: expect.stringMatching(/^[0-9a-f]{32}$/), secret: expect.stringMatching(/^[0-9a-f]{64}$/), client: { scopes: ['users:find', 'users:import'] } } });
    const { clientId, secret } = out.result as { clientId: string; secret: string };
    // Without --json, stdout is the two lines a client file holds.
    const plain = await runCli(['automation-client', 'create', '--label', 'other', '--scope', 'users:find'], base);
    expect(plain.stdout).toMatch(/^[0-9a-f]{32}\n[0-9a-f]{64}\n$/);

    // The script: no session file, no login, no password.
    const script = { FACTORDESK_SERVER: running.url, FACTORDESK_SERVER_PIN: running.pin, FACTORDESK_SESSION_FILE: join(fx.tmp, 'cli', 'none.json') };
    const env = { ...script, FACTORDESK_CLIENT_ID: clientId, FACTORDESK_CLIENT_SECRET: secret };
    const found = await runCli(['--json', 'find', 'kari'], env);
    expect(oneJson(found.stdout)).toMatchObject({ ok: true, result: { users: [{ email: 'kari@example.no' }] } });
    // Outside its scopes: refused, naming the scopes it has.
    for (const args of [['operators', 'list'], ['service-client', 'create', '--label', 'evil'], ['automation-client', 'create', '--label', 'wider', '--scope', 'audit:list']]) {
      const r = await runCli(['--json', ...args], env);
      expect(oneJson(r.stdout).error, args.join(' ')).toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/scopes \(users:find, users:import\)/) });
    }
    // Half of a credential, or a malformed one: a usage error, nothing sent.
    expect((await runCli(['--json', 'find', 'kari'], { ...script, FACTORDESK_CLIENT_ID: clientId })).status).toBe(2);
    expect((await runCli(['--json', 'find', 'kari'], { ...script, FACTORDESK_CLIENT_ID: clientId, FACTORDESK_CLIENT_SECRET: 'short' })).status).toBe(2);
    // A wrong secret: sign-in failed (exit 3), the same as for an unknown id.
    const wrong = await runCli(['--json', 'find', 'kari'], { ...script, FACTORDESK_CLIENT_ID: clientId, FACTORDESK_CLIENT_SECRET: '0'.repeat(64) });
    expect(wrong.status).toBe(3);
    expect(oneJson(wrong.stdout).error).toEqual({ code: 'SIGNIN_FAILED', message: AUTOMATION_SIGNIN_FAILED });

    // The client file: refused while others may read it, used once it is 0600.
    const file = join(fx.tmp, 'nightly.client');
    writeFileSync(file, `${clientId}\n${secret}\n`, { mode: 0o644 });
    chmodSync(file, 0o644);
    const loose = await runCli(['--json', 'find', 'kari'], { ...script, FACTORDESK_CLIENT_FILE: file });
    expect(oneJson(loose.stdout).error).toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/chmod 600/) });
    chmodSync(file, 0o600);
    expect(oneJson((await runCli(['--json', 'find', 'kari'], { ...script, FACTORDESK_CLIENT_FILE: file })).stdout)).toMatchObject({ ok: true });
    // The nightly import, as the README's crontab line runs it.
    const hr = join(fx.tmp, 'users.csv');
    writeFileSync(hr, 'email,name,phone,organization\nnora@example.no,Nora Berg,+4791234569,HR\n');
    const nightly = await runCli(['--json', 'import-users', hr], { ...script, FACTORDESK_CLIENT_FILE: file });
    expect(oneJson(nightly.stdout)).toMatchObject({ ok: true, result: { inserted: 1 } });
    expect((await store.read((tx) => tx.audit.list({ operator: 'automation:nightly import', limit: 100 }))).some((e) => e.action.startsWith('user.import'))).toBe(true);

    // The admin lists it (with its last use) and revokes it: the script is refused at once.
    const listed = oneJson((await runCli(['--json', 'automation-client', 'list'], base)).stdout);
    expect(listed.result.clients.find((c: { clientId: string }) => c.clientId === clientId)).toMatchObject({ label: 'nightly import', scopes: ['users:find', 'users:import'], lastUsedAt: expect.any(Number) });
    const listText = await runCli(['automation-client', 'list'], base);
    expect(listText.stdout).toMatch(new RegExp(`^${clientId}\\tnightly import\\tusers:find,users:import\\t`, 'm'));
    expect(listText.stdout).not.toContain(secret);
    expect(oneJson((await runCli(['--json', 'automation-client', 'revoke', clientId], base)).stdout)).toMatchObject({ ok: true, result: { revoked: { clientId } } });
    const after = await runCli(['--json', 'find', 'kari'], env);
    expect(after.status).toBe(3);
    expect(oneJson(after.stdout).error).toEqual({ code: 'SIGNIN_FAILED', message: AUTOMATION_REVOKED });
  });
});

/** Every channel an escalating script would try, each refused FORBIDDEN naming the client's scopes (`also`: channels outside these scopes too). */
async function expectRefusedOutsideScopes(c: ServerClient, scopes: string, userId: number, also: string[]): Promise<void> {
  const refused: Array<[string, unknown]> = [
    ['operators:add', { name: 'mallory', displayName: 'Mallory', role: 'admin', password: 'a long passphrase for mallory 1' }],
    ['operators:update', { operatorId: 'x', role: 'admin' }],
    ['enrollment:reenroll', { userId, checks: ['callback'], ticket: 'T-1', reason: 'x', voidCodes: false, withBackupCodes: false }],
    ['codes:issue-one-time', { userId, checks: ['callback'], ticket: 'T-1', reason: 'x' }],
    ['audit:export', { format: 'json' }],
    ['settings:update', { issuer: 'evil' }],
    ['service-clients:create', { label: 'evil' }],
    ['radius-clients:add', { label: 'evil', address: '192.0.2.66' }],
    ['automation-clients:create', { label: 'wider', scopes: ['users:import', 'audit:list'] }],
    ['automation-clients:list', {}],
    ['automation-clients:revoke', { clientId: '0'.repeat(32) }],
    ...(also.includes('audit:list') ? ([['audit:list', {}]] as Array<[string, unknown]>) : []),
    ...(also.includes('users:import') ? ([['users:import-begin', {}]] as Array<[string, unknown]>) : []),
    ...(also.includes('users:find') ? ([['users:find', { query: 'kari' }]] as Array<[string, unknown]>) : []),
  ];
  for (const [channel, body] of refused) {
    const r = await c.call(channel, body);
    expect(r, channel).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', message: expect.stringContaining(`scopes (${scopes}) do not include`) } });
  }
  // Verifying codes is only for service clients, at /api/v1/validate: refused like an unknown client.
  expect(await c.call('validate', { user: 'kari@example.no', code: '123456' }), 'validate').toMatchObject({ ok: false, error: { code: 'SIGNIN_FAILED' } });
}

describe('automation clients on the embedded store (a served vault folder)', () => {
  it('the same rules: its scope works, others are refused, revoked it is refused', { timeout: 60_000 }, async () => {
    const { createAutomationClient, revokeAutomationClient } = await import('../../main/core/automation-clients.ts');
    const folder = await serverFixture('fd-auto-folder-', { store: 'folder' });
    serverInit(folder, ADMIN);
    const fclock = new ManualClock(Date.now());
    const srv = await startInProcess(folder, fclock);
    try {
      const row = (await srv.store.read((tx) => tx.operators.getByNameKey(ADMIN.name)))!;
      const adminSession = { operatorId: row.id, name: ADMIN.name, displayName: ADMIN.name, role: 'admin' as const, emailKey: null, signedInAt: fclock.now(), via: 'cli' as const };
      const { client, secret } = await createAutomationClient(srv.store, adminSession, { label: 'report', scopes: ['users:find'] });
      const c = new ServerClient(srv.url, { pin: srv.pin });
      c.automation = { clientId: client.clientId, secret };
      try {
        expect(await c.call('users:find', { query: 'a' })).toMatchObject({ ok: true });
        expect(await c.call('audit:list', {})).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
        c.automation = { clientId: client.clientId, secret: 'e'.repeat(64) };
        expect(await c.call('users:find', { query: 'a' })).toEqual({ ok: false, error: { code: 'SIGNIN_FAILED', message: AUTOMATION_SIGNIN_FAILED } });
        c.automation = { clientId: client.clientId, secret };
        await revokeAutomationClient(srv.store, adminSession, client.clientId);
        expect(await c.call('users:find', { query: 'a' })).toEqual({ ok: false, error: { code: 'SIGNIN_FAILED', message: AUTOMATION_REVOKED } });
      } finally {
        c.close();
      }
    } finally {
      await srv.close();
      await folder.cleanup();
    }
  });
});
