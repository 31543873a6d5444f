// Imports over a server when the caller or the server goes away in the middle (on the embedded
// store, in this process): a session that ends while its file is still streaming writes no batch
// after that, and a server that is stopped (SIGTERM) stops a running import at a whole line and
// answers its client, instead of waiting for an upload that may never end.
import { readFileSync } from 'node:fs';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN } from '../fixtures/cli-harness.ts';
import { serverFixture, serverInit, startInProcess, type ServerFixture } from '../helpers/server.ts';
import { ServerClient } from '../../main/server/client.ts';
import { totpAt } from '../../main/core/totp.ts';
import { ManualClock } from '../../main/core/clock.ts';
import { addOperator } from '../../main/core/operators.ts';
import { base32Decode } from '../fixtures/cli-harness.ts';

const rows = (from: number, n: number) => Array.from({ length: n }, (_, i) => `hostile${from + i}@example.no,Bruker ${from + i},,Kommune\n`).join('');
const HEADER = 'email,name,phone,organization\n';

/** Resolves once `probe` is true (polled; the import runs in this process). */
async function until(probe: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('imports over a server when the session or the server ends mid-file', () => {
  let fx: ServerFixture;
  let srv: Awaited<ReturnType<typeof startInProcess>>;
  let adminSecret: Buffer;
  let ca: Buffer;
  const clock = new ManualClock(Date.now());
  const clients: ServerClient[] = [];
  let closed = false;

  async function signIn(who: { name: string; password: string } = ADMIN, secret: Buffer = adminSecret): Promise<ServerClient> {
    clock.advance(31_000);
    const c = new ServerClient(srv.url, { ca });
    clients.push(c);
    const r = await c.call<{ token: string }>('auth/sign-in', { name: who.name, password: who.password, otp: totpAt(secret, clock.now()) });
    if (!r.ok) throw new Error(JSON.stringify(r));
    c.token = r.value.token;
    return c;
  }
  const user = (n: number) => srv.store.read((tx) => tx.users.getByEmailKey(`hostile${n}@example.no`));

  beforeAll(async () => {
    fx = await serverFixture('fd-import-hostile-', { store: 'folder' });
    adminSecret = serverInit(fx, ADMIN).adminSecret;
    ca = readFileSync(fx.cert);
    srv = await startInProcess(fx, clock);
  }, 120_000);
  afterAll(async () => {
    for (const c of clients) c.close();
    if (!closed) await srv?.close();
    else await srv?.store.close();
    await fx?.cleanup();
  });

  it('a session that ends while the file streams (signed out, disabled) writes no batch after that: the upload is answered SESSION_LOCKED', async () => {
    const c = await signIn();
    const begun = await c.call<{ jobId: string }>('users:import-begin', {});
    if (!begun.ok) throw new Error(JSON.stringify(begun));
    const body = new PassThrough();
    const up = c.upload<any>(`import/${begun.value.jobId}`, body, null);
    body.write(HEADER + rows(0, 2500));
    await until(async () => (await user(1999)) !== null, 'the first batch');
    // The operator signs out in another window (or an admin disables them).
    const other = new ServerClient(srv.url, { ca });
    clients.push(other);
    other.token = c.token;
    expect(await other.call('auth/sign-out', {})).toMatchObject({ ok: true });
    body.end(rows(2500, 5000));
    expect(await up.result).toMatchObject({ ok: false, error: { code: 'SESSION_LOCKED', message: expect.stringMatching(/ended during the import/) } });
    expect(await user(1999)).not.toBeNull();
    // Nothing after the first batch went in under the ended session.
    expect(await user(2000)).toBeNull();
    expect(await user(7499)).toBeNull();
  });

  it('a dry run whose session ends while the file streams stops there too (it reads nothing more for an ended session)', async () => {
    const c = await signIn();
    const begun = await c.call<{ jobId: string }>('users:import-begin', { dryRun: true });
    if (!begun.ok) throw new Error(JSON.stringify(begun));
    const body = new PassThrough();
    const up = c.upload<any>(`import/${begun.value.jobId}`, body, null);
    body.write(HEADER + rows(20_000, 22_500));
    await until(async () => {
      const st = await c.call<{ accepted: number }>('jobs:status', { jobId: begun.value.jobId });
      return st.ok && st.value.accepted >= 2000;
    }, 'the first batch read');
    const other = new ServerClient(srv.url, { ca });
    clients.push(other);
    other.token = c.token;
    expect(await other.call('auth/sign-out', {})).toMatchObject({ ok: true });
    body.end(rows(22_500, 25_000));
    expect(await up.result).toMatchObject({ ok: false, error: { code: 'SESSION_LOCKED', message: expect.stringMatching(/ended during the dry run/) } });
  });

  it('one caller who begins and ends many imports (each file refused at once) never fills the server for the others: only their latest reports are kept', { timeout: 60_000 }, async () => {
    const c = await signIn();
    const ids: string[] = [];
    for (let i = 0; i < 210; i++) {
      const begun = await c.call<{ jobId: string }>('users:import-begin', {});
      expect(begun, `begin ${i}`).toMatchObject({ ok: true });
      if (!begun.ok) return;
      ids.push(begun.value.jobId);
      const junk = Buffer.from('\u0000binary');
      expect(await c.upload(`import/${begun.value.jobId}`, Readable.from([junk]), junk.length).result).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    }
    expect(await c.call('jobs:status', { jobId: ids.at(-1) })).toMatchObject({ ok: true, value: { state: 'failed' } });
    expect(await c.call('jobs:status', { jobId: ids[0] })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('an upload refused because the server runs its two imports already does not leave the job behind: the caller begins again later', async () => {
    // Two more admins, each with their second factor enrolled at the first sign-in.
    const adminRow = (await srv.store.read((tx) => tx.operators.getByNameKey(ADMIN.name)))!;
    const admins: Array<{ name: string; password: string; secret: Buffer }> = [];
    for (const name of ['berit', 'carl']) {
      const who = { name, password: `a long passphrase for ${name} 42` };
      await addOperator(srv.store, { operatorId: adminRow.id, name: ADMIN.name, displayName: ADMIN.name, role: 'admin', emailKey: null, signedInAt: clock.now(), via: 'cli' }, { name, displayName: name, role: 'admin', password: who.password });
      const e = await new ServerClient(srv.url, { ca }).call<{ otpUri: string }>('auth/sign-in', who);
      admins.push({ ...who, secret: base32Decode(new URL(e.ok ? e.value.otpUri : 'x:').searchParams.get('secret')!) });
    }
    const [a, b, c] = [await signIn(), await signIn(admins[0], admins[0]!.secret), await signIn(admins[1], admins[1]!.secret)];
    // a and b hold the instance's two import slots with files that stall.
    const stalled: PassThrough[] = [];
    const uploads: Array<Promise<unknown>> = [];
    for (const [who, from] of [[a, 30_000], [b, 40_000]] as const) {
      const begun = await who.call<{ jobId: string }>('users:import-begin', {});
      if (!begun.ok) throw new Error(JSON.stringify(begun));
      const body = new PassThrough();
      stalled.push(body);
      uploads.push(who.upload(`import/${begun.value.jobId}`, body, null).result);
      body.write(HEADER + rows(from, 10));
      await until(async () => ((await who.call<any>('jobs:status', { jobId: begun.value.jobId })) as any).value?.state === 'running', 'the upload to run');
    }
    const first = await c.call<{ jobId: string }>('users:import-begin', {});
    if (!first.ok) throw new Error(JSON.stringify(first));
    const file = Buffer.from(HEADER + rows(50_000, 3));
    expect(await c.upload(`import/${first.value.jobId}`, Readable.from([file]), file.length).result).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
    // "Try again in a minute": not "an import of yours is already running" for five minutes.
    const again = await c.call<{ jobId: string }>('users:import-begin', {});
    expect(again).toMatchObject({ ok: true });
    for (const body of stalled) body.end();
    await Promise.all(uploads);
    if (again.ok) expect(await c.upload(`import/${again.value.jobId}`, Readable.from([file]), file.length).result).toMatchObject({ ok: true, value: { inserted: 3 } });
  });

  it('stopping the server during an upload that does not end stops the import at a whole line and answers the client; close() does not wait for the file', async () => {
    const c = await signIn();
    const begun = await c.call<{ jobId: string }>('users:import-begin', {});
    if (!begun.ok) throw new Error(JSON.stringify(begun));
    const body = new PassThrough();
    const up = c.upload<any>(`import/${begun.value.jobId}`, body, null);
    // The whole first batch, and half a line of the next: the client then stalls.
    body.write(HEADER + rows(10_000, 2000) + rows(12_000, 10) + 'hostile12010@exa');
    await until(async () => (await user(11_999)) !== null, 'the first batch');
    const stopped = srv.server.close().then(() => 'closed' as const);
    const late = new Promise<'still waiting'>((r) => setTimeout(() => r('still waiting'), 5_000));
    expect(await Promise.race([stopped, late])).toBe('closed');
    closed = true;
    const answer = await up.result;
    expect(answer).toMatchObject({ ok: true, value: { inserted: 2010, stopped: { kind: 'read', line: 2012, reason: expect.stringMatching(/server is stopping/) } } });
    expect(await user(12_009)).not.toBeNull();
    expect(await srv.store.read((tx) => tx.users.getByEmailKey('hostile12010@exa'))).toBeNull();
    body.destroy();
  });
});
