// "Verify chain" on a server (audit:verify served): the chain and the server's signed heads, in the
// store and in the file kept outside it, checked with the audit public key; the check is audited;
// agents are refused; no signed head yet, and a forged head in the outside file, are not "intact".
import { appendFileSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, AGENT, base32Decode } from '../fixtures/cli-harness.ts';
import { cliAsync, serverFixture, serverInit, startInProcess, type ServerFixture } from '../helpers/server.ts';
import { join } from 'node:path';
import { ServerClient } from '../../main/server/client.ts';
import { totpAt } from '../../main/core/totp.ts';
import { ManualClock } from '../../main/core/clock.ts';
import { addOperator } from '../../main/core/operators.ts';
import type { ChainReportView } from '../../contract/index.ts';

describe('audit:verify on a server', () => {
  let fx: ServerFixture;
  let srv: Awaited<ReturnType<typeof startInProcess>>;
  let adminSecret: Buffer;
  const clock = new ManualClock(Date.now());
  const clients: ServerClient[] = [];
  async function signIn(who: { name: string; password: string }, secret: Buffer | null): Promise<ServerClient> {
    clock.advance(31_000);
    const c = new ServerClient(srv.url, { ca: readFileSync(fx.cert) });
    clients.push(c);
    const cred = { name: who.name, password: who.password };
    if (!secret) {
      const e = await c.call<{ otpUri: string }>('auth/sign-in', cred);
      secret = base32Decode(new URL(e.ok ? e.value.otpUri : 'x:').searchParams.get('secret')!);
    }
    const r = await c.call<{ token: string }>('auth/sign-in', { ...cred, otp: totpAt(secret, clock.now()) });
    if (!r.ok) throw new Error(JSON.stringify(r));
    c.token = r.value.token;
    return c;
  }

  beforeAll(async () => {
    fx = await serverFixture('fd-auditv-', { store: 'folder' });
    adminSecret = serverInit(fx, ADMIN).adminSecret;
    srv = await startInProcess(fx, clock);
    const adminRow = (await srv.store.read((tx) => tx.operators.getByNameKey(ADMIN.name)))!;
    await addOperator(srv.store, { operatorId: adminRow.id, name: ADMIN.name, displayName: ADMIN.name, role: 'admin', emailKey: null, signedInAt: clock.now(), via: 'cli' }, { name: AGENT.name, displayName: AGENT.displayName, role: 'agent', password: AGENT.password });
  }, 60_000);
  afterAll(async () => {
    for (const c of clients) c.close();
    await srv?.close();
    await fx?.cleanup();
  });

  it('no signed head yet is not intact; after signing it is, and the check is in the audit; an agent is refused', async () => {
    const admin = await signIn(ADMIN, adminSecret);
    const before = await admin.call<ChainReportView>('audit:verify', {});
    expect(before).toMatchObject({ ok: true, value: { ok: false, anchor: 'missing', firstBroken: null } });
    await srv.signHeads();
    const after = await admin.call<ChainReportView>('audit:verify', {});
    expect(after).toMatchObject({ ok: true, value: { ok: true, anchor: 'ok', problem: null } });
    const count = after.ok ? after.value.count : 0;
    expect(count).toBe((await srv.store.read((tx) => tx.audit.head())).count - 1);
    const checks = await srv.store.read((tx) => tx.audit.list({ action: 'audit.verify', limit: 10 }));
    expect(checks.map((e) => e.outcome)).toEqual(['ok', 'broken']);
    const agent = await signIn(AGENT, null);
    expect(await agent.call('audit:verify', {})).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('audit verify over --server says intact, with the count', { timeout: 60_000 }, async () => {
    await srv.signHeads();
    const env = { FACTORDESK_SERVER: srv.url, FACTORDESK_CA_CERT: fx.cert, FACTORDESK_SESSION_FILE: join(fx.tmp, 'cli.json') };
    clock.advance(31_000);
    expect((await cliAsync(['--operator', ADMIN.name, 'login'], { ...env, FACTORDESK_PASSWORD: ADMIN.password, FACTORDESK_OTP: totpAt(adminSecret, clock.now()) })).status).toBe(0);
    const r = await cliAsync(['audit', 'verify'], env);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ok: \d+ events, signed heads ok/);
  });

  it('a head in the outside file that the key did not sign makes the check fail', async () => {
    const admin = await signIn(ADMIN, adminSecret);
    await srv.signHeads();
    const good = JSON.parse(readFileSync(srv.audit.headsFile, 'utf8').trim().split('\n').at(-1)!) as Record<string, unknown>;
    appendFileSync(srv.audit.headsFile, `${JSON.stringify({ ...good, count: (good.count as number) + 500 })}\n`);
    const r = await admin.call<ChainReportView>('audit:verify', {});
    expect(r).toMatchObject({ ok: true, value: { ok: false, anchor: 'mismatch', problem: expect.stringMatching(/does not verify/) } });
    const env = { FACTORDESK_SERVER: srv.url, FACTORDESK_CA_CERT: fx.cert, FACTORDESK_SESSION_FILE: join(fx.tmp, 'cli.json') };
    const cli = await cliAsync(['audit', 'verify'], env);
    expect(cli.status).toBe(6);
    expect(cli.stderr).toMatch(/does not verify/);
  });
});
