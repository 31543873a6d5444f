// Server mode on the embedded store: `factordesk server init --store FOLDER` on a fresh folder and
// on a solo vault made with `factordesk init`, then `factordesk serve --store FOLDER` as a child:
// sign-in with password and second factor over HTTPS, a login service's POST /api/v1/validate,
// key files that do not belong (refused before anything is served), the key file re-created from
// the recovery key, and the solo app on the same folder while the server runs.
import { chmodSync, existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, AGENT, base32Decode, oneJson, spawnCli } from '../fixtures/cli-harness.ts';
import { serverFixture, serverInit, startServe, type ServerFixture } from '../helpers/server.ts';
import { ServerClient } from '../../main/server/client.ts';
import { totpAt } from '../../main/core/totp.ts';
import { formatRawKey } from '../../main/core/raw-keys.ts';
import { unlockWithRecoveryKey } from '../../main/store/sqlite/unlock.ts';

const secretOf = (uri: string) => base32Decode(new URL(uri).searchParams.get('secret')!);
/** The solo command line on the vault folder, as `who`. */
const solo = (dir: string, who: { name: string; password: string }, args: string[], env: Record<string, string> = {}) =>
  spawnCli(['--vault', dir, '--operator', who.name, '--json', ...args], { env: { FACTORDESK_PASSWORD: who.password, ...env } });

/** `serve` on the fixture's folder with another key file: what it answered (it must not start). */
function serveWith(fx: ServerFixture, keyFile: string) {
  const r = spawnCli(['--json', 'serve', '--store', fx.storeUrl, '--key-file', keyFile, '--listen', '127.0.0.1:0', '--tls-cert', fx.cert, '--tls-key', fx.tlsKey]);
  return { status: r.status, out: oneJson(r.stdout), stderr: r.stderr };
}

async function postRaw(url: string, ca: Buffer, path: string, body: unknown, headers: Record<string, string>): Promise<{ status: number; body: unknown }> {
  const https = await import('node:https');
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(new URL(path, url), { method: 'POST', ca, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
    });
    req.on('error', reject);
    req.end(text);
  });
}

describe('a server on a fresh vault folder', () => {
  let fx: ServerFixture;
  let init: ReturnType<typeof serverInit>;
  beforeAll(async () => {
    fx = await serverFixture('fd-folder-', { store: 'folder' });
  });
  afterAll(async () => {
    await fx?.cleanup();
  });

  it('server init creates the vault, the key file (0600) and prints the second-factor URI and one recovery key; a second init changes nothing', () => {
    init = serverInit(fx, ADMIN);
    expect(init.result).toMatchObject({ vaultDir: fx.storeUrl, keyFile: fx.keyFile, operator: ADMIN.name, operatorOtpUri: expect.stringMatching(/^otpauth:\/\/totp\//) });
    expect(init.result.recoveryKey).toMatch(/^[A-Z2-7]{4}(-[A-Z2-7]{1,4})+$/);
    expect(statSync(fx.keyFile).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(fx.keyFile, 'utf8')).storeId).toBe(init.result.storeId);
    const before = readFileSync(fx.keyFile, 'utf8');
    const again = spawnCli(['--json', 'server', 'init', '--store', fx.storeUrl, '--key-file', join(fx.tmp, 'other.key'), '--name', ADMIN.name], { env: { FACTORDESK_PASSWORD: ADMIN.password } });
    expect(oneJson(again.stdout).error!.code).toBe('VAULT_EXISTS');
    expect(existsSync(join(fx.tmp, 'other.key'))).toBe(false);
    const over = spawnCli(['--json', 'server', 'init', '--store', fx.storeUrl, '--key-file', fx.keyFile, '--name', ADMIN.name], { env: { FACTORDESK_PASSWORD: ADMIN.password } });
    expect(oneJson(over.stdout).error!.code).toBe('CONFLICT');
    expect(readFileSync(fx.keyFile, 'utf8')).toBe(before);
  });

  it('serve refuses a key file others can read, and key files of another store, before anything is served', () => {
    const keys = JSON.parse(readFileSync(fx.keyFile, 'utf8')) as Record<string, string>;
    const loose = join(fx.tmp, 'loose.key');
    writeFileSync(loose, readFileSync(fx.keyFile));
    chmodSync(loose, 0o644);
    expect(serveWith(fx, loose).out.error!.message).toMatch(/chmod 600/);
    for (const [name, wrong] of [
      ['other-data.key', { ...keys, dataKey: randomBytes(32).toString('base64') }],
      ['other-store.key', { ...keys, storeId: randomBytes(16).toString('hex') }],
    ] as const) {
      const file = join(fx.tmp, name);
      writeFileSync(file, JSON.stringify(wrong), { mode: 0o600 });
      const r = serveWith(fx, file);
      expect(r.out.error?.code, name).toBe('WRONG_KEY');
      expect(r.stderr).not.toMatch(/listening/);
    }
  });

  it('serves: password + second factor over HTTPS, a service client validates codes, the solo app works on the same folder meanwhile, SIGTERM stops it cleanly', { timeout: 180_000 }, async () => {
    const csv = join(fx.tmp, 'users.csv');
    writeFileSync(csv, 'email,name,phone,organization\nkari.nordmann@example.no,Kari Nordmann,+4791234567,Acme\n');
    // The admin who set the server up also holds a key slot: the solo command line opens the vault too.
    expect(solo(fx.storeUrl, ADMIN, ['import-users', csv]).status).toBe(0);
    const { child, port, exited, output } = await startServe(fx);
    const url = `https://127.0.0.1:${port}`;
    const ca = readFileSync(fx.cert);
    try {
      const c = new ServerClient(url, { ca });
      expect(await c.call('auth/sign-in', { name: ADMIN.name, password: ADMIN.password })).toMatchObject({ ok: false, error: { code: 'SIGNIN_FAILED' } });
      expect(await c.call('auth/sign-in', { name: ADMIN.name, password: 'not the password at all', otp: totpAt(init.adminSecret, Date.now()) })).toMatchObject({ ok: false, error: { code: 'SIGNIN_FAILED' } });
      const signedIn = await c.call<{ token: string }>('auth/sign-in', { name: ADMIN.name, password: ADMIN.password, otp: totpAt(init.adminSecret, Date.now()) });
      expect(signedIn).toMatchObject({ ok: true, value: { status: 'signed-in', session: { role: 'admin' } } });
      c.token = signedIn.ok ? signedIn.value.token : null;
      const kari = await c.call<{ items: Array<{ id: number }> }>('users:find', { query: 'kari.nordmann@example.no' });
      const userId = kari.ok ? kari.value.items[0]!.id : 0;
      expect(userId).toBeGreaterThan(0);
      const issued = await c.call<{ code: string }>('codes:issue-one-time', { userId, checks: ['callback', 'photo-id'], ticket: 'HD-1', reason: 'lost phone' });
      if (!issued.ok) throw new Error(JSON.stringify(issued));
      const created = await c.call<{ clientId: string; secret: string }>('service-clients:create', { label: 'vpn-gateway' });
      if (!created.ok) throw new Error(JSON.stringify(created));
      const { clientId, secret } = created.value;
      expect(secret).toMatch(/^[0-9a-f]{64}$/);
      const validate = (auth: string, code: string) => postRaw(url, ca, '/api/v1/validate', { user: 'kari.nordmann@example.no', code }, { authorization: `Basic ${Buffer.from(auth).toString('base64')}` });
      expect((await validate(`${clientId}:${'0'.repeat(64)}`, issued.value.code)).status).toBe(401);
      expect(await validate(`${clientId}:${secret}`, '12345678')).toEqual({ status: 200, body: { ok: true, result: 'rejected' } });
      expect(await validate(`${clientId}:${secret}`, issued.value.code)).toEqual({ status: 200, body: { ok: true, result: 'accepted' } });
      expect((await validate(`${clientId}:${secret}`, issued.value.code)).body).toEqual({ ok: true, result: 'rejected' });

      // The solo app on the same folder while the server runs: SQLite's locks serialise the two
      // processes' transactions, so it reads what the server wrote and writes beside it.
      const found = solo(fx.storeUrl, ADMIN, ['find', 'kari']);
      expect(oneJson(found.stdout)).toMatchObject({ ok: true, result: { users: [expect.objectContaining({ email: 'kari.nordmann@example.no' })] } });
      expect(oneJson(solo(fx.storeUrl, ADMIN, ['audit', 'verify']).stdout)).toMatchObject({ ok: true });
      // ...and the server sees what the solo app wrote.
      writeFileSync(csv, 'email,name,phone,organization\nola.nordmann@example.no,Ola Nordmann,+4791234568,Acme\n');
      expect(solo(fx.storeUrl, ADMIN, ['import-users', csv]).status).toBe(0);
      // A new connection: the solo commands took longer than the server keeps an idle one open.
      const later = new ServerClient(url, { ca }, c.token!);
      const ola = await later.call('users:find', { query: 'ola.nordmann@example.no' });
      later.close();
      expect(ola, JSON.stringify(ola)).toMatchObject({ ok: true, value: { items: [expect.objectContaining({ email: 'ola.nordmann@example.no' })] } });
      c.close();
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(output()).toMatch(/SIGTERM: finishing requests in flight[\s\S]*stopped/);
    // Nothing was damaged: the chain both processes wrote verifies, with the solo app and with the server's public key.
    expect(oneJson(solo(fx.storeUrl, ADMIN, ['audit', 'verify']).stdout)).toMatchObject({ ok: true });
    const verified = spawnCli(['--json', 'server', 'audit-verify', '--store', fx.storeUrl, '--key-file', fx.keyFile, '--public-key', init.result.auditPublicKey]);
    expect(oneJson(verified.stdout), verified.stdout + verified.stderr).toMatchObject({ ok: true, result: { ok: true } });
  });

  it('server recover-key re-creates a lost key file from the recovery key, which also opens the vault', async () => {
    const kept = readFileSync(fx.keyFile, 'utf8');
    renameSync(fx.keyFile, join(fx.tmp, 'lost.key'));
    const wrong = spawnCli(['--json', 'server', 'recover-key', '--store', fx.storeUrl, '--key-file', fx.keyFile], { env: { FACTORDESK_RECOVERY_KEY: formatRawKey(randomBytes(32)) } });
    expect(oneJson(wrong.stdout).error!.code).toBe('WRONG_KEY');
    expect(existsSync(fx.keyFile)).toBe(false);
    const r = spawnCli(['--json', 'server', 'recover-key', '--store', fx.storeUrl, '--key-file', fx.keyFile], { env: { FACTORDESK_RECOVERY_KEY: init.result.recoveryKey } });
    expect(oneJson(r.stdout), r.stdout + r.stderr).toMatchObject({ ok: true });
    expect(JSON.parse(readFileSync(fx.keyFile, 'utf8'))).toEqual(JSON.parse(kept));
    expect(statSync(fx.keyFile).mode & 0o777).toBe(0o600);
    // The same printed key is the vault's own recovery key.
    const vault = await unlockWithRecoveryKey({ dir: fx.storeUrl }, init.result.recoveryKey);
    expect(vault.vaultId).toBe(init.result.storeId);
    vault.close();
  });
  it('rotate-key is refused while the server has the vault open; rotated after, the same key file still starts the server', { timeout: 120_000 }, async () => {
    const running = await startServe(fx);
    try {
      const refused = oneJson(solo(fx.storeUrl, ADMIN, ['rotate-key']).stdout);
      expect(refused.ok).toBe(false);
      expect(refused.error!.message).toMatch(/open|process/i);
    } finally {
      running.child.kill('SIGTERM');
    }
    expect(await running.exited).toBe(0);
    const rotated = solo(fx.storeUrl, ADMIN, ['rotate-key']);
    expect(oneJson(rotated.stdout), rotated.stdout + rotated.stderr).toMatchObject({ ok: true });
    const again = await startServe(fx);
    try {
      const c = new ServerClient(`https://127.0.0.1:${again.port}`, { ca: readFileSync(fx.cert) });
      // A step no earlier sign-in used.
      expect(await c.call('auth/sign-in', { name: ADMIN.name, password: ADMIN.password, otp: totpAt(init.adminSecret, Date.now() + 30_000) })).toMatchObject({ ok: true, value: { status: 'signed-in' } });
      c.close();
    } finally {
      again.child.kill('SIGTERM');
    }
    expect(await again.exited).toBe(0);
  });
});

describe('a server on a solo vault made with factordesk init', () => {
  let fx: ServerFixture;
  beforeAll(async () => {
    fx = await serverFixture('fd-folder-solo-', { store: 'folder' });
    const made = spawnCli(['--vault', fx.storeUrl, '--json', 'init', '--name', ADMIN.name, '--email', ADMIN.email], { env: { FACTORDESK_PASSWORD: ADMIN.password } });
    expect(oneJson(made.stdout).ok).toBe(true);
    expect(solo(fx.storeUrl, ADMIN, ['operators', 'add', AGENT.name, '--role', 'agent'], { FACTORDESK_NEW_PASSWORD: AGENT.password }).status).toBe(0);
  });
  afterAll(async () => {
    await fx?.cleanup();
  });

  it('server init unlocks it with an admin’s password (a wrong one or an agent’s is refused, no key file written), then it serves; others enroll at their first sign-in once an admin reset their password', { timeout: 180_000 }, async () => {
    const initAs = (name: string, password: string) => spawnCli(['--json', 'server', 'init', '--store', fx.storeUrl, '--key-file', fx.keyFile, '--name', name], { env: { FACTORDESK_PASSWORD: password } });
    expect(oneJson(initAs(ADMIN.name, 'not the password at all').stdout).error!.code).toBe('SIGNIN_FAILED');
    expect(oneJson(initAs(AGENT.name, AGENT.password).stdout).error!.code).toBe('FORBIDDEN');
    expect(existsSync(fx.keyFile)).toBe(false);
    const r = initAs(ADMIN.name, ADMIN.password);
    const out = oneJson(r.stdout);
    expect(out, r.stdout + r.stderr).toMatchObject({ ok: true, result: { operator: ADMIN.name, operatorOtpUri: expect.stringMatching(/^otpauth:/), recoveryKey: expect.any(String) } });
    expect(statSync(fx.keyFile).mode & 0o777).toBe(0o600);
    const adminSecret = secretOf(out.result.operatorOtpUri);

    const { child, port, exited } = await startServe(fx);
    const url = `https://127.0.0.1:${port}`;
    const ca = readFileSync(fx.cert);
    try {
      const admin = new ServerClient(url, { ca });
      const a = await admin.call<{ token: string }>('auth/sign-in', { name: ADMIN.name, password: ADMIN.password, otp: totpAt(adminSecret, Date.now()) });
      expect(a).toMatchObject({ ok: true, value: { status: 'signed-in' } });
      admin.token = a.ok ? a.value.token : null;
      // The agent's password is in a key slot only: refused like a wrong password (the answer
      // does not tell who exists); the audit tells the admin why.
      const agent = new ServerClient(url, { ca });
      const refused = await agent.call('auth/sign-in', { name: AGENT.name, password: AGENT.password });
      const unknown = await agent.call('auth/sign-in', { name: 'nobody-at-all', password: AGENT.password });
      expect(refused).toMatchObject({ ok: false, error: { code: 'SIGNIN_FAILED' } });
      expect(refused).toEqual(unknown);
      const why = await admin.call<Array<{ action: string; details: Record<string, unknown> }>>('audit:list', { action: 'signin.failed' });
      expect(why.ok ? why.value.map((e) => e.details['reason']) : []).toContain('no-server-password');
      const ops = await admin.call<Array<{ id: string; name: string }>>('operators:list', {});
      const agentId = ops.ok ? ops.value.find((o) => o.name === AGENT.name)!.id : '';
      const newPassword = 'a fresh passphrase for per 2026';
      expect(await admin.call('operators:reset-password', { operatorId: agentId, password: newPassword })).toMatchObject({ ok: true });
      const enroll = await agent.call<{ otpUri: string }>('auth/sign-in', { name: AGENT.name, password: newPassword });
      expect(enroll).toMatchObject({ ok: true, value: { status: 'enroll-second-factor' } });
      const agentSecret = secretOf(enroll.ok ? enroll.value.otpUri : '');
      const signedIn = await agent.call<{ token: string }>('auth/sign-in', { name: AGENT.name, password: newPassword, otp: totpAt(agentSecret, Date.now()) });
      expect(signedIn).toMatchObject({ ok: true, value: { status: 'signed-in', session: { role: 'agent' } } });
      agent.token = signedIn.ok ? signedIn.value.token : null;
      // Their own password change over the server: the server's verifier and the vault's key slot
      // both take it (one credential, two doors); the session it was changed in ends.
      const ownPassword = 'my very own passphrase, per 2026';
      expect(await agent.call('session:change-password', { oldPassword: newPassword, newPassword: ownPassword })).toMatchObject({ ok: true });
      expect(await agent.call('users:find', { query: 'kari' })).toMatchObject({ ok: false, error: { code: 'SESSION_LOCKED' } });
      expect(await agent.call('auth/sign-in', { name: AGENT.name, password: newPassword, otp: totpAt(agentSecret, Date.now() + 30_000) })).toMatchObject({ ok: false, error: { code: 'SIGNIN_FAILED' } });
      expect(await agent.call('auth/sign-in', { name: AGENT.name, password: ownPassword, otp: totpAt(agentSecret, Date.now() + 30_000) })).toMatchObject({ ok: true, value: { status: 'signed-in' } });
      expect(solo(fx.storeUrl, { name: AGENT.name, password: ownPassword }, ['find', 'kari']).status).toBe(0);
      expect(oneJson(solo(fx.storeUrl, { name: AGENT.name, password: newPassword }, ['find', 'kari']).stdout).error!.code).toBe('SIGNIN_FAILED');
      admin.close();
      agent.close();
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
