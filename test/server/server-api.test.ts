// Server mode over its real doors: `factordesk server init` and `factordesk serve` as child
// processes on a fresh PostgreSQL database, HTTPS requests through the project's client with a
// test CA, and (in-process, with a moved clock) the session rules: idle and absolute expiry,
// revocation on logout, disable, role change and password reset.
import { execFileSync } from 'node:child_process';
import { statSync, chmodSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, AGENT, base32Decode, oneJson, spawnCli } from '../fixtures/cli-harness.ts';
import { serverFixture, startServe as startServeChild, type ServerFixture } from '../helpers/server.ts';
import { ServerClient, spkiPin } from '../../main/server/client.ts';
import { totpAt } from '../../main/core/totp.ts';
import { ManualClock, systemRandom } from '../../main/core/clock.ts';
import { openKeyedStore } from '../../main/server/open.ts';
import { loadServerKeys, valueSealer } from '../../main/server/server-key.ts';
import { startApiServer, MAX_BODY_BYTES, type RunningServer } from '../../main/server/http-api.ts';
import { SERVER_SESSION, sessionForToken, tokenHash } from '../../main/core/server-auth.ts';
import { upsertUser } from '../../main/core/users.ts';
import type { ServerStore } from '../../main/store/port.ts';

let fx: ServerFixture;
let tmp = '';
let storeUrl = '';
let pgEnv: Record<string, string> = {};
let keyFile = '';
let cert = '';
let tlsKey = '';
let adminSecret: Buffer;
let auditPublicKey = '';

function secretOf(uri: string): Buffer {
  return base32Decode(new URL(uri).searchParams.get('secret')!);
}

/** The TOTP code of the step at `at` (each sign-in needs a fresh step: a step is used once). */
function codeAt(secret: Buffer, at: number): string {
  return totpAt(secret, at);
}

beforeAll(async () => {
  fx = await serverFixture('fd-server-');
  ({ tmp, storeUrl, pgEnv, keyFile, cert, tlsKey } = fx);
}, 60_000);

afterAll(async () => {
  await fx?.cleanup();
});

/** Starts `factordesk serve` as a child on a free port. */
const startServe = () => startServeChild(fx);

describe('factordesk server init', () => {
  it('refuses a database password on the command line, before touching anything', () => {
    const u = new URL(storeUrl);
    u.password = 'secret';
    const r = spawnCli(['--json', 'server', 'init', '--store', u.toString(), '--key-file', keyFile, '--name', ADMIN.name], { env: { FACTORDESK_PASSWORD: ADMIN.password } });
    expect(r.status).toBe(2);
    expect(oneJson(r.stdout).error!.message).toMatch(/PGPASSFILE/);
    expect(() => statSync(keyFile)).toThrow();
  });

  it('refuses a bad --organization before touching anything', () => {
    const r = spawnCli(['--json', 'server', 'init', '--store', storeUrl, '--key-file', keyFile, '--name', ADMIN.name, '--organization', 'Eksempel\u202Ekommune'], { env: { ...pgEnv, FACTORDESK_PASSWORD: ADMIN.password } });
    expect(r.status).toBe(2);
    expect(oneJson(r.stdout).error).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/organizationName/) });
    expect(() => statSync(keyFile)).toThrow();
  });

  it('creates the key file (0600), the first admin, and prints the second-factor URI and the recovery key once', () => {
    const site = ['--organization', 'Eksempel kommune', '--support-contact', 'IT-brukerstøtte, 22 00 00 00'];
    const r = spawnCli(['--json', 'server', 'init', '--store', storeUrl, '--key-file', keyFile, '--name', ADMIN.name, '--email', ADMIN.email, ...site], { env: { ...pgEnv, FACTORDESK_PASSWORD: ADMIN.password } });
    expect(r.stderr).toBe('');
    const out = oneJson(r.stdout);
    expect(out.ok).toBe(true);
    expect(out.result.operatorOtpUri).toMatch(/^otpauth:\/\/totp\//);
    expect(out.result.recoveryKey).toMatch(/^[A-Z2-7]{4}(-[A-Z2-7]{1,4})+$/);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    adminSecret = secretOf(out.result.operatorOtpUri);
    auditPublicKey = out.result.auditPublicKey;
    expect(auditPublicKey).toMatch(/^[A-Za-z0-9+/]{40,80}=*$/);
  });

  it('a second init is refused and the key file is never overwritten', () => {
    const before = readFileSync(keyFile, 'utf8');
    const r = spawnCli(['--json', 'server', 'init', '--store', storeUrl, '--key-file', join(tmp, 'other.key'), '--name', 'bob'], { env: { ...pgEnv, FACTORDESK_PASSWORD: ADMIN.password } });
    expect(oneJson(r.stdout).error!.code).toBe('VAULT_EXISTS');
    const again = spawnCli(['--json', 'server', 'init', '--store', storeUrl, '--key-file', keyFile, '--name', 'bob'], { env: { ...pgEnv, FACTORDESK_PASSWORD: ADMIN.password } });
    expect(again.status).not.toBe(0);
    expect(readFileSync(keyFile, 'utf8')).toBe(before);
  });
});

describe('factordesk serve', () => {
  it('refuses a key file others can read', () => {
    const loose = join(tmp, 'loose.key');
    writeFileSync(loose, readFileSync(keyFile));
    chmodSync(loose, 0o644);
    const r = spawnCli(['--json', 'serve', '--store', storeUrl, '--key-file', loose, '--listen', '127.0.0.1:0', '--tls-cert', cert, '--tls-key', tlsKey], { env: pgEnv });
    expect(oneJson(r.stdout).error!.message).toMatch(/chmod 600/);
  });

  it('serves the channel contract over HTTPS with password + second factor, then stops cleanly on SIGTERM', { timeout: 120_000 }, async () => {
    const { child, port, exited, output } = await startServe();
    const url = `https://127.0.0.1:${port}`;
    try {
      // An untrusted certificate is refused by the client; the CA file or the key pin are trusted.
      const untrusted = new ServerClient(url, {});
      expect((await untrusted.call('users:find', { query: 'x' })).ok).toBe(false);
      untrusted.close();
      const c = new ServerClient(url, { ca: readFileSync(cert) });
      const pinned = new ServerClient(url, { pin: spkiPin(readFileSync(cert)) });
      const wrongPin = new ServerClient(url, { pin: 'AAAA' + spkiPin(readFileSync(cert)).slice(4) });
      expect(await wrongPin.call('users:find', { query: 'x' })).toMatchObject({ ok: false, error: { code: 'SERVER_KEY_CHANGED' } });
      wrongPin.close();

      // No session: refused. A password without the second factor: refused, the same answer as a wrong password.
      expect(await c.call('users:find', { query: 'kari' })).toMatchObject({ ok: false, error: { code: 'SESSION_LOCKED' } });
      const noOtp = await c.call('auth/sign-in', { name: ADMIN.name, password: ADMIN.password });
      const wrongPw = await c.call('auth/sign-in', { name: ADMIN.name, password: 'wrong password entirely', otp: codeAt(adminSecret, Date.now()) });
      expect(noOtp).toMatchObject({ ok: false, error: { code: 'SIGNIN_FAILED' } });
      expect(wrongPw).toEqual(noOtp);
      const code = codeAt(adminSecret, Date.now());
      const signedIn = await pinned.call<{ token: string; session: { role: string } }>('auth/sign-in', { name: ADMIN.name, password: ADMIN.password, otp: code });
      expect(signedIn).toMatchObject({ ok: true, value: { status: 'signed-in', session: { role: 'admin' } } });
      // The same code again (replayed, or sent to a second instance) does not sign in a second time.
      expect(await c.call('auth/sign-in', { name: ADMIN.name, password: ADMIN.password, otp: code })).toMatchObject({ ok: false, error: { code: 'SIGNIN_FAILED' } });
      c.token = signedIn.ok ? signedIn.value.token : null;

      expect(await c.call('users:find', { query: 'kari' })).toMatchObject({ ok: true, value: { items: [] } });
      // What server init was told about the organisation is in the settings.
      expect(await c.call('settings:get', {})).toMatchObject({ ok: true, value: { organizationName: 'Eksempel kommune', supportContact: 'IT-brukerstøtte, 22 00 00 00' } });
      expect(await c.call('vault:backup', {})).toMatchObject({ ok: false, error: { code: 'NOT_IN_SERVER_MODE' } });
      expect(await c.call('no:such-channel', {})).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
      expect(await c.call('users:find', { query: 5 })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
      expect(await c.call('users:find', { query: 'x'.repeat(MAX_BODY_BYTES + 10) })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });

      // An agent added over the API enrolls a second factor at the first sign-in, then signs in with it.
      const added = await c.call<{ id: string }>('operators:add', { name: AGENT.name, displayName: AGENT.displayName, role: 'agent', password: AGENT.password });
      if (!added.ok) throw new Error(JSON.stringify(added));
      const agentId = added.ok ? added.value.id : '';
      const agent = new ServerClient(url, { ca: readFileSync(cert) });
      const enroll = await agent.call<{ status: string; otpUri: string }>('auth/sign-in', { name: AGENT.name, password: AGENT.password });
      expect(enroll).toMatchObject({ ok: true, value: { status: 'enroll-second-factor' } });
      const agentSecret = secretOf(enroll.ok ? enroll.value.otpUri : '');
      const a = await agent.call<{ token: string }>('auth/sign-in', { name: AGENT.name, password: AGENT.password, otp: codeAt(agentSecret, Date.now()) });
      expect(a.ok).toBe(true);
      agent.token = a.ok ? a.value.token : null;
      // The agent's full credentials reach only what the agent role may do.
      expect(await agent.call('users:find', { query: 'kari' })).toMatchObject({ ok: true });
      for (const [ch, body] of [
        ['operators:add', { name: 'mallory', displayName: 'M', role: 'admin', password: 'a long enough passphrase 123' }],
        ['operators:update', { operatorId: agentId, role: 'admin' }],
        ['settings:update', { issuer: 'Evil' }],
        ['audit:list', {}],
      ] as const) {
        expect(await agent.call(ch, body), ch).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      }
      // Disabling the agent ends their session at once.
      expect(await c.call('operators:disable', { operatorId: agentId })).toMatchObject({ ok: true });
      expect(await agent.call('users:find', { query: 'kari' })).toMatchObject({ ok: false, error: { code: 'SESSION_LOCKED' } });
      agent.close();

      // The audit names the door and the refusals; sign-out ends the token.
      const audit = await c.call<Array<{ action: string; outcome: string }>>('audit:list', { limit: 200 });
      expect(audit.ok).toBe(true);
      const actions = audit.ok ? audit.value.map((e) => e.action) : [];
      expect(actions).toEqual(expect.arrayContaining(['server.init', 'settings.update', 'signin', 'signin.failed', 'operator.second-factor.enroll', 'operator.add', 'operator.disable', 'ipc.refused']));
      expect(await c.call('auth/sign-out', {})).toMatchObject({ ok: true });
      expect(await c.call('users:find', { query: 'kari' })).toMatchObject({ ok: false, error: { code: 'SESSION_LOCKED' } });
      c.close();
      pinned.close();
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(output()).toMatch(/SIGTERM: finishing requests in flight[\s\S]*stopped/);
  });

  it('a pg_dump of the store after the journey holds no second-factor secret, no token and no data key', () => {
    const dump = execFileSync('pg_dump', ['--data-only', storeUrl], { env: { ...process.env, ...pgEnv }, maxBuffer: 64 * 1024 * 1024 }).toString();
    const keys = JSON.parse(readFileSync(keyFile, 'utf8')) as { dataKey: string; pepper: string };
    expect(dump).toContain('operator_second_factors');
    for (const secret of [adminSecret.toString('hex'), adminSecret.toString('base64'), new URL('otpauth://x?secret=' + '').search]) if (secret) expect(dump).not.toContain(secret);
    const b32 = (s: Buffer) => {
      const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
      let bits = '';
      for (const b of s) bits += b.toString(2).padStart(8, '0');
      return bits.match(/.{1,5}/g)!.map((c) => A[parseInt(c.padEnd(5, '0'), 2)]).join('');
    };
    expect(dump).not.toContain(b32(adminSecret));
    expect(dump).not.toContain(keys.dataKey);
    expect(dump).not.toContain(keys.pepper);
  });
});

async function fetchRaw(url: string, body: string): Promise<number> {
  const https = await import('node:https');
  return new Promise((resolve, reject) => {
    const req = https.request(new URL('/api/v1/users:find', url), { method: 'POST', ca: readFileSync(cert), headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end(body);
  });
}


describe('the command line over a server', () => {
  it('login keeps an owner-only session; commands work over it; host-only commands say where they run; logout ends it', { timeout: 120_000 }, async () => {
    const { child, port, exited } = await startServe();
    const server = `https://127.0.0.1:${port}`;
    const sessionFile = join(tmp, 'cli-session', 'session.json');
    const env = { FACTORDESK_SERVER: server, FACTORDESK_CA_CERT: cert, FACTORDESK_SESSION_FILE: sessionFile };
    try {
      // Not signed in yet: a clear message, exit 3.
      const before = spawnCli(['--json', 'find', 'kari'], { env });
      expect(before.status).toBe(3);
      expect(oneJson(before.stdout).error!.message).toMatch(/login/);
      // A wrong second-factor code: refused, no session file.
      const bad = spawnCli(['--json', '--operator', ADMIN.name, 'login'], { env: { ...env, FACTORDESK_PASSWORD: ADMIN.password, FACTORDESK_OTP: '000000' } });
      expect(oneJson(bad.stdout).error!.code).toBe('SIGNIN_FAILED');
      expect(() => statSync(sessionFile)).toThrow();
      // A step no earlier sign-in used (the tests above signed in with the current one).
      const ok = spawnCli(['--json', '--operator', ADMIN.name, 'login'], { env: { ...env, FACTORDESK_PASSWORD: ADMIN.password, FACTORDESK_OTP: codeAt(adminSecret, Date.now() + 30_000) } });
      expect(oneJson(ok.stdout)).toMatchObject({ ok: true, result: { operator: ADMIN.name, role: 'admin' } });
      expect(statSync(sessionFile).mode & 0o777).toBe(0o600);
      expect(readFileSync(sessionFile, 'utf8')).not.toContain(ADMIN.password);

      const found = spawnCli(['--json', 'find', 'kari'], { env });
      expect(oneJson(found.stdout)).toMatchObject({ ok: true, result: { users: [], hasMore: false } });
      const ops = spawnCli(['operators', 'list'], { env });
      expect(ops.status).toBe(0);
      expect(ops.stdout).toMatch(new RegExp(`^${ADMIN.name}\\tadmin\\tactive`, 'm'));
      const missing = spawnCli(['--json', 'show', 'nobody@example.no'], { env });
      expect(missing.status).toBe(4);
      // Host-only and desktop-only commands answer where they run, without touching anything.
      for (const args of [['backup', join(tmp, 'b.fdbackup')], ['rotate-key'], ['audit', 'export', join(tmp, 'a.json')], ['service-key', 'list']]) {
        const r = spawnCli(['--json', ...args], { env });
        expect(r.status, args.join(' ')).toBe(2);
        expect(oneJson(r.stdout).error!.code).toBe('NOT_IN_SERVER_MODE');
      }
      const out = spawnCli(['--json', 'logout'], { env });
      expect(oneJson(out.stdout)).toMatchObject({ ok: true, result: { signedOut: true } });
      expect(() => statSync(sessionFile)).toThrow();
      expect(spawnCli(['--json', 'find', 'kari'], { env }).status).toBe(3);
      // A plain http:// address is refused before anything is sent.
      const plain = spawnCli(['--json', '--server', `http://127.0.0.1:${port}`, 'find', 'kari'], { env: {} });
      expect(oneJson(plain.stdout).error!.message).toMatch(/https/);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});

describe('two server instances on one database behave as one', () => {
  it('20 racing redemptions of one code over both give one acceptance; a revoked session holds on the other; the chain both wrote verifies', { timeout: 180_000 }, async () => {
    const a = await startServe();
    const b = await startServe();
    const ca = readFileSync(cert);
    const clients: ServerClient[] = [];
    const client = (port: number, token: string | null = null) => {
      const c = new ServerClient(`https://127.0.0.1:${port}`, { ca }, token);
      clients.push(c);
      return c;
    };
    try {
      // A user and a second admin (with their own second factor: the first admin's steps are used up above).
      const { importUsers } = await import('../../main/core/import-users.ts');
      const { addOperator } = await import('../../main/core/operators.ts');
      const { Readable } = await import('node:stream');
      const { openServerStore } = await import('../../main/server/open.ts');
      process.env.PGPASSWORD = pgEnv.PGPASSWORD;
      const direct = await openServerStore(storeUrl, loadServerKeys(keyFile, {}).dataKey, { now: () => Date.now() }, systemRandom);
      const adminRow = (await direct.read((tx) => tx.operators.getByNameKey(ADMIN.name)))!;
      const adminSession = { operatorId: adminRow.id, name: ADMIN.name, displayName: ADMIN.name, role: 'admin' as const, emailKey: null, signedInAt: Date.now(), via: 'cli' as const };
      await importUsers(direct, adminSession, Readable.from(['email,name,phone,organization\nola.hansen@example.no,Ola Hansen,+4790000000,Acme\n']));
      const OLAV = { name: 'olav', password: 'olav has quite a long passphrase 9' };
      await addOperator(direct, adminSession, { name: OLAV.name, displayName: 'Olav', role: 'admin', password: OLAV.password });
      // Olav enrolls through A and signs in through A; the session works on B.
      const onA = client(a.port);
      const e = await onA.call<{ otpUri: string }>('auth/sign-in', OLAV);
      const olavSecret = secretOf(e.ok ? e.value.otpUri : '');
      const olavCode = codeAt(olavSecret, Date.now());
      const s = await onA.call<{ token: string }>('auth/sign-in', { ...OLAV, otp: olavCode });
      if (!s.ok) throw new Error(JSON.stringify(s));
      onA.token = s.value.token;
      const onB = client(b.port, s.value.token);
      expect((await onB.call('users:find', { query: 'k' })).ok).toBe(true);
      // The same second-factor code sent to B signs in nobody.
      expect(await client(b.port).call('auth/sign-in', { ...OLAV, otp: olavCode })).toMatchObject({ ok: false, error: { code: 'SIGNIN_FAILED' } });
      const ola = await onA.call<{ items: Array<{ id: number }> }>('users:find', { query: 'ola.hansen@example.no' });
      const userId = ola.ok ? ola.value.items[0]!.id : 0;
      const issued = await onB.call<{ code: string }>('codes:issue-one-time', { userId, checks: ['callback', 'photo-id'], ticket: 'HD-2', reason: 'lost phone' });
      if (!issued.ok) throw new Error(JSON.stringify(issued));
      const sc = await onA.call<{ clientId: string; secret: string }>('service-clients:create', { label: 'portal' });
      if (!sc.ok) throw new Error(JSON.stringify(sc));
      const auth = { authorization: `Basic ${Buffer.from(`${sc.value.clientId}:${sc.value.secret}`).toString('base64')}` };
      const body = JSON.stringify({ user: 'ola.hansen@example.no', code: issued.value.code });
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => postRaw(`https://127.0.0.1:${i % 2 ? b.port : a.port}`, '/api/v1/validate', body, auth)));
      const results = answers.map((x) => (x.body as { result?: string }).result);
      expect(results.filter((r) => r === 'accepted')).toHaveLength(1);
      expect(results.filter((r) => r === 'rejected')).toHaveLength(19);
      // Revoked through A: B, which knows the client from the racing requests, refuses it at once.
      const sc2 = await onA.call<{ clientId: string; secret: string }>('service-clients:create', { label: 'portal-2' });
      if (!sc2.ok) throw new Error(JSON.stringify(sc2));
      const auth2 = { authorization: `Basic ${Buffer.from(`${sc2.value.clientId}:${sc2.value.secret}`).toString('base64')}` };
      const probe = JSON.stringify({ user: 'nobody@example.no', code: '123456' });
      for (let i = 0; i < 2; i++) expect(await postRaw(`https://127.0.0.1:${b.port}`, '/api/v1/validate', probe, auth2)).toEqual({ status: 200, body: { ok: true, result: 'rejected' } });
      expect(await onA.call('service-clients:revoke', { clientId: sc2.value.clientId })).toMatchObject({ ok: true });
      expect((await postRaw(`https://127.0.0.1:${b.port}`, '/api/v1/validate', probe, auth2)).status).toBe(401);
      // The racers that lost are replays, not wrong guesses: Ola is not locked.
      const view = await onB.call<{ verification: { locked: boolean; failures: number } }>('users:view', { userId });
      expect(view).toMatchObject({ ok: true, value: { verification: { locked: false, failures: 0 } } });
      // Signed out through B: the token is refused by A too.
      expect(await onB.call('auth/sign-out', {})).toMatchObject({ ok: true });
      expect(await onA.call('users:find', { query: 'k' })).toMatchObject({ ok: false, error: { code: 'SESSION_LOCKED' } });
      // One chain, in commit order, from both instances.
      const { checkAuditChain } = await import('../../main/core/audit.ts');
      const report = await direct.read(async (tx) => checkAuditChain(tx.audit.all()));
      expect(report).toMatchObject({ ok: true });
      await direct.close();
    } finally {
      for (const c of clients) c.close();
      a.child.kill('SIGTERM');
      b.child.kill('SIGTERM');
    }
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);
  });
});

describe('the audit log verifies with the public key alone', () => {
  it('intact after the journeys; an edited event, a forged head or a deleted tail fails', () => {
    const heads = `${keyFile}.heads.jsonl`;
    const ok = spawnCli(['--json', 'server', 'audit-verify', '--store', storeUrl, '--public-key', auditPublicKey, '--heads-file', heads], { env: pgEnv });
    expect(oneJson(ok.stdout)).toMatchObject({ ok: true, result: { ok: true } });
    expect(oneJson(ok.stdout).result.headsChecked).toBeGreaterThan(0);
    const exported = join(tmp, 'audit.json');
    expect(spawnCli(['server', 'audit-export', '--store', storeUrl, '--out', exported], { env: pgEnv }).status).toBe(0);
    const verifyFile = (data: unknown, withHeads = true) => {
      const f = join(tmp, `audit-${Math.random().toString(36).slice(2)}.json`);
      writeFileSync(f, JSON.stringify(data));
      return spawnCli(['--json', 'server', 'audit-verify', '--file', f, '--public-key', auditPublicKey, ...(withHeads ? ['--heads-file', heads] : [])], { env: pgEnv });
    };
    const original = JSON.parse(readFileSync(exported, 'utf8')) as { events: Array<{ reason: string | null; seq: number }>; signedHeads: Array<{ count: number }> };
    expect(oneJson(verifyFile(original).stdout).ok).toBe(true);
    // An edited event.
    const edited = structuredClone(original);
    edited.events[1]!.reason = 'nothing to see';
    expect(oneJson(verifyFile(edited).stdout).error!.code).toBe('VAULT_DAMAGED');
    // A forged head (count changed after signing).
    const forged = structuredClone(original);
    forged.signedHeads[0]!.count += 1;
    expect(oneJson(verifyFile(forged, false).stdout).error!.message).toMatch(/does not verify with this public key/);
    // The newest events deleted together with their heads in the database: the heads file still names them.
    const cut = structuredClone(original);
    const keep = Math.max(1, cut.events.length - 5);
    cut.events = cut.events.slice(0, keep);
    cut.signedHeads = cut.signedHeads.filter((h) => h.count <= keep);
    expect(oneJson(verifyFile(cut).stdout).error!.message).toMatch(/were deleted/);
    // Another key does not verify this log.
    const other = spawnCli(['--json', 'server', 'audit-verify', '--file', exported, '--public-key', 'MCowBQYDK2VwAyEA' + 'A'.repeat(43) + '='], { env: pgEnv });
    expect(oneJson(other.stdout).ok).toBe(false);
  });
});

describe('server coverage', () => {
  it('every channel has a server route or a "not in server mode" answer, and every command says how it works with a server', async () => {
    const { CHANNEL_NAMES } = await import('../../contract/index.ts');
    const { NOT_SERVED, serverChannelNames } = await import('../../main/server/http-api.ts');
    const served = new Set(serverChannelNames());
    for (const ch of CHANNEL_NAMES) expect(served.has(ch) || NOT_SERVED[ch] !== undefined, ch).toBe(true);
    for (const ch of served) expect(NOT_SERVED[ch as keyof typeof NOT_SERVED], `${ch} is both served and not served`).toBeUndefined();
    const { COMMANDS } = await import('../../main/cli/main.ts');
    const { SERVER_SUPPORT } = await import('../../main/cli/remote.ts');
    for (const c of COMMANDS) expect(SERVER_SUPPORT[c.name], c.name).toBeDefined();
  });
});

describe('server sessions (in-process, moved clock)', () => {
  let store: ServerStore;
  let server: RunningServer;
  let url = '';
  // Ahead of the steps the real-time sign-ins above used (a step signs in once).
  let clock: ManualClock;

  beforeAll(async () => {
    clock = new ManualClock(Date.now() + 5 * 60_000);
    const keys = loadServerKeys(keyFile, {});
    process.env.PGPASSWORD = pgEnv.PGPASSWORD;
    store = await openKeyedStore(storeUrl, keys, clock, systemRandom);
    server = await startApiServer({ store, sealer: valueSealer(keys, systemRandom), tls: { cert: readFileSync(cert), key: readFileSync(tlsKey) } }, { host: '127.0.0.1', port: 0 });
    url = `https://127.0.0.1:${server.address.port}`;
  });
  afterAll(async () => {
    await server?.close();
    await store?.close();
  });

  async function signIn(): Promise<ServerClient> {
    clock.advance(31_000); // a fresh TOTP step for each sign-in
    const c = new ServerClient(url, { ca: readFileSync(cert) });
    const r = await c.call<{ token: string }>('auth/sign-in', { name: ADMIN.name, password: ADMIN.password, otp: codeAt(adminSecret, clock.now()) });
    if (!r.ok) throw new Error(JSON.stringify(r));
    c.token = r.value.token;
    return c;
  }

  it('ends after 15 minutes idle, but activity keeps it', async () => {
    const c = await signIn();
    clock.advance(SERVER_SESSION.idleMs - 60_000);
    expect((await c.call('users:find', { query: 'a' })).ok).toBe(true);
    clock.advance(SERVER_SESSION.idleMs - 60_000);
    expect((await c.call('users:find', { query: 'a' })).ok).toBe(true);
    clock.advance(SERVER_SESSION.idleMs + 1);
    expect(await c.call('users:find', { query: 'a' })).toMatchObject({ ok: false, error: { code: 'SESSION_LOCKED' } });
    c.close();
  });

  it('a session\'s last window of directory searches is written at sign-out and when the server stops', async () => {
    const searched = async () => (await store.read((tx) => tx.audit.list({ action: 'directory.searched', limit: 100 }))).length;
    const before = await searched();
    const c = await signIn();
    expect((await c.call('users:find', { query: 'kar' })).ok).toBe(true);
    expect((await c.call('users:find', { query: 'kari' })).ok).toBe(true);
    expect((await c.call('auth/sign-out', {})).ok).toBe(true);
    const afterSignOut = await store.read((tx) => tx.audit.list({ action: 'directory.searched', limit: 1 }));
    expect(await searched()).toBe(before + 1);
    expect(afterSignOut[0]!.details).toMatchObject({ queries: 2, prefixes: ['kar'] });
    c.close();

    // A second server on the same store: its session never signs out, the server stops.
    const keys = loadServerKeys(keyFile, {});
    const other = await startApiServer({ store, sealer: valueSealer(keys, systemRandom), tls: { cert: readFileSync(cert), key: readFileSync(tlsKey) } }, { host: '127.0.0.1', port: 0 });
    clock.advance(31_000);
    const d = new ServerClient(`https://127.0.0.1:${other.address.port}`, { ca: readFileSync(cert) });
    const r = await d.call<{ token: string }>('auth/sign-in', { name: ADMIN.name, password: ADMIN.password, otp: codeAt(adminSecret, clock.now()) });
    if (!r.ok) throw new Error(JSON.stringify(r));
    d.token = r.value.token;
    expect((await d.call('users:find', { query: 'per' })).ok).toBe(true);
    d.close();
    expect(await searched()).toBe(before + 1);
    await other.close();
    expect(await searched()).toBe(before + 2);
  });

  it('a type-ahead by a session confirmed before searches beside its session check, and answers only when the check holds', async () => {
    // The store's reads as the server makes them: the session check is the one read of one statement.
    const reads: string[] = [];
    const watched = new Proxy(store, {
      get(target, key) {
        if (key !== 'read') return Reflect.get(target, key, target);
        return async (fn: Parameters<ServerStore['read']>[0], o?: Parameters<ServerStore['read']>[1]) => {
          const kind = o?.single ? 'session' : 'read';
          reads.push(`${kind}+`);
          try {
            return await target.read(fn, o);
          } finally {
            reads.push(`${kind}-`);
          }
        };
      },
    });
    const keys = loadServerKeys(keyFile, {});
    const watching = await startApiServer({ store: watched, sealer: valueSealer(keys, systemRandom), tls: { cert: readFileSync(cert), key: readFileSync(tlsKey) } }, { host: '127.0.0.1', port: 0 });
    try {
      clock.advance(31_000);
      const c = new ServerClient(`https://127.0.0.1:${watching.address.port}`, { ca: readFileSync(cert) });
      const r = await c.call<{ token: string }>('auth/sign-in', { name: ADMIN.name, password: ADMIN.password, otp: codeAt(adminSecret, clock.now()) });
      if (!r.ok) throw new Error(JSON.stringify(r));
      c.token = r.value.token;
      await upsertUser(store, await sessionForToken(store, c.token), { email: 'kari.tidlig@example.no', name: 'Kari Tidlig' });
      // The first request of a session checks it first; the search comes after.
      reads.length = 0;
      const first = await c.call<{ items: unknown[] }>('users:find', { query: 'kari' });
      expect(first.ok && first.value.items.length).toBeGreaterThan(0);
      expect(reads.slice(0, 2)).toEqual(['session+', 'session-']);
      // Confirmed once, its next type-ahead begins its one search before the check ends, with the same answer.
      reads.length = 0;
      expect(await c.call('users:find', { query: 'kari' })).toEqual(first);
      expect(reads.slice(0, 2)).toEqual(['read+', 'session+']);
      expect(reads.filter((x) => x === 'read+')).toHaveLength(1);
      // Revoked in the store (as another instance would): the search already begun is not answered.
      await store.write((tx) => tx.serverAuth.revokeSession(tokenHash(c.token!), clock.now()));
      reads.length = 0;
      expect(await c.call('users:find', { query: 'kari' })).toEqual({ ok: false, error: { code: 'SESSION_LOCKED', message: expect.any(String) } });
      expect(reads[0]).toBe('read+');
      // And it is forgotten: its next request searches nothing before the check.
      reads.length = 0;
      expect(await c.call('users:find', { query: 'kari' })).toMatchObject({ ok: false, error: { code: 'SESSION_LOCKED' } });
      expect(reads.filter((x) => x.endsWith('+'))).toEqual(['session+']);
      c.close();
    } finally {
      await watching.close();
    }
  });

  it('ends after 12 hours in all, however active', async () => {
    const c = await signIn();
    for (let t = 0; t < SERVER_SESSION.maxMs; t += 10 * 60_000) {
      clock.advance(10 * 60_000);
      await c.call('users:find', { query: 'a' });
    }
    expect(await c.call('users:find', { query: 'a' })).toMatchObject({ ok: false, error: { code: 'SESSION_LOCKED' } });
    c.close();
  });

  it('a role change or a password reset ends the sessions from before it', async () => {
    const admin = await signIn();
    const other = await admin.call<{ id: string }>('operators:add', { name: 'olga', displayName: 'Olga', role: 'admin', password: 'olga has a long passphrase 77' });
    expect(other.ok).toBe(true);
    const olga = new ServerClient(url, { ca: readFileSync(cert) });
    const e = await olga.call<{ otpUri: string }>('auth/sign-in', { name: 'olga', password: 'olga has a long passphrase 77' });
    const olgaSecret = secretOf(e.ok ? e.value.otpUri : '');
    clock.advance(31_000);
    const s = await olga.call<{ token: string }>('auth/sign-in', { name: 'olga', password: 'olga has a long passphrase 77', otp: codeAt(olgaSecret, clock.now()) });
    olga.token = s.ok ? s.value.token : null;
    expect((await olga.call('audit:list', {})).ok).toBe(true);
    const id = other.ok ? other.value.id : '';
    expect(await admin.call('operators:update', { operatorId: id, role: 'agent' })).toMatchObject({ ok: true });
    expect(await olga.call('users:find', { query: 'a' })).toMatchObject({ ok: false, error: { code: 'SESSION_LOCKED' } });
    // Signed in again (as an agent now), then the admin resets her password: that session ends too.
    clock.advance(31_000);
    const s2 = await olga.call<{ token: string }>('auth/sign-in', { name: 'olga', password: 'olga has a long passphrase 77', otp: codeAt(olgaSecret, clock.now()) });
    olga.token = s2.ok ? s2.value.token : null;
    expect((await olga.call('users:find', { query: 'a' })).ok).toBe(true);
    clock.advance(1000);
    expect(await admin.call('operators:reset-password', { operatorId: id, password: 'a new long passphrase for olga' })).toMatchObject({ ok: true });
    expect(await olga.call('users:find', { query: 'a' })).toMatchObject({ ok: false, error: { code: 'SESSION_LOCKED' } });
    // Signed in again with the new password, then the admin resets her second factor: that session
    // ends, and her next sign-in enrolls a new one (the old codes no longer count).
    clock.advance(31_000);
    const s3 = await olga.call<{ token: string }>('auth/sign-in', { name: 'olga', password: 'a new long passphrase for olga', otp: codeAt(olgaSecret, clock.now()) });
    olga.token = s3.ok ? s3.value.token : null;
    expect((await olga.call('users:find', { query: 'a' })).ok).toBe(true);
    clock.advance(1000);
    expect(await admin.call('operators:reset-second-factor', { operatorId: id })).toMatchObject({ ok: true });
    expect(await olga.call('users:find', { query: 'a' })).toMatchObject({ ok: false, error: { code: 'SESSION_LOCKED' } });
    clock.advance(31_000);
    expect(await olga.call('auth/sign-in', { name: 'olga', password: 'a new long passphrase for olga', otp: codeAt(olgaSecret, clock.now()) })).toMatchObject({ ok: true, value: { status: 'enroll-second-factor' } });
    olga.close();
    admin.close();
  });

  it('counts failed sign-ins in the store and locks the name after 20', async () => {
    const c = new ServerClient(url, { ca: readFileSync(cert) });
    let last;
    for (let i = 0; i < 25; i++) {
      clock.advance(61_000);
      last = await c.call('auth/sign-in', { name: 'ghost', password: 'not the password at all', otp: '123456' });
    }
    expect(last).toMatchObject({ ok: false, error: { code: 'OPERATOR_LOCKED' } });
    c.close();
  });

  it('streams nothing for a body over the limit: 413 before parsing', async () => {
    const r = await fetchRaw(url, 'x'.repeat(MAX_BODY_BYTES + 1));
    expect(r).toBe(413);
  });

  it('login services verify over POST /api/v1/validate with a service client: one word back, the same for an unknown user', async () => {
    const admin = await signIn();
    const { importUsers } = await import('../../main/core/import-users.ts');
    const { Readable } = await import('node:stream');
    const session = { operatorId: 'x', name: ADMIN.name, displayName: ADMIN.name, role: 'admin' as const, emailKey: null, signedInAt: clock.now() };
    await importUsers(store, { ...session, operatorId: (await store.read((tx) => tx.operators.getByNameKey(ADMIN.name)))!.id }, Readable.from(['email,name,phone,organization\nkari.nordmann@example.no,Kari Nordmann,+4791234567,Acme\n']));
    const kari = await admin.call<{ items: Array<{ id: number }> }>('users:find', { query: 'kari.nordmann@example.no' });
    const userId = kari.ok ? kari.value.items[0]!.id : 0;
    const issued = await admin.call<{ code: string }>('codes:issue-one-time', { userId, checks: ['callback', 'photo-id'], ticket: 'HD-1', reason: 'lost phone' });
    if (!issued.ok) throw new Error(JSON.stringify(issued));
    const created = await admin.call<{ clientId: string; secret: string }>('service-clients:create', { label: 'vpn-gateway' });
    if (!created.ok) throw new Error(JSON.stringify(created));
    const { clientId, secret } = created.value;
    const validate = (auth: string, body: unknown) => postRaw(url, '/api/v1/validate', JSON.stringify(body), { authorization: `Basic ${Buffer.from(auth).toString('base64')}` });
    // Wrong secret or unknown client: 401, nothing verified.
    expect((await validate(`${clientId}:${'0'.repeat(64)}`, { user: 'kari.nordmann@example.no', code: issued.value.code })).status).toBe(401);
    expect((await validate(`ffffffffffffffff:${secret}`, { user: 'kari.nordmann@example.no', code: issued.value.code })).status).toBe(401);
    const wrong = await validate(`${clientId}:${secret}`, { user: 'kari.nordmann@example.no', code: '12345678' });
    const unknown = await validate(`${clientId}:${secret}`, { user: 'nobody@example.no', code: '12345678' });
    expect(wrong).toEqual({ status: 200, body: { ok: true, result: 'rejected' } });
    expect(unknown).toEqual(wrong);
    expect(await validate(`${clientId}:${secret}`, { user: 'kari.nordmann@example.no', code: issued.value.code })).toEqual({ status: 200, body: { ok: true, result: 'accepted' } });
    // Used once: the same code again is refused.
    expect((await validate(`${clientId}:${secret}`, { user: 'kari.nordmann@example.no', code: issued.value.code })).body).toEqual({ ok: true, result: 'rejected' });
    // The client can do nothing else: a channel with its secret as a bearer token is refused.
    const asBearer = new ServerClient(url, { ca: readFileSync(cert) }, secret);
    expect((await asBearer.call('users:find', { query: 'kari' })).ok).toBe(false);
    asBearer.close();
    // Revoked: its secret stops working.
    expect(await admin.call('service-clients:revoke', { clientId })).toMatchObject({ ok: true });
    expect((await validate(`${clientId}:${secret}`, { user: 'kari.nordmann@example.no', code: '12345678' })).status).toBe(401);
    // Also when its request would not reach a verification (a code that cannot be one, a wrong body).
    expect((await validate(`${clientId}:${secret}`, { user: 'kari.nordmann@example.no', code: 'not a code' })).status).toBe(401);
    expect((await validate(`${clientId}:${secret}`, { name: 'kari' })).status).toBe(401);
    admin.close();
  });
});

async function postRaw(url: string, path: string, body: string, headers: Record<string, string>): Promise<{ status: number; body: unknown }> {
  const https = await import('node:https');
  return new Promise((resolve, reject) => {
    const req = https.request(new URL(path, url), { method: 'POST', ca: readFileSync(cert), headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
