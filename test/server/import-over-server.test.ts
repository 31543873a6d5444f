// Imports over a server (on the embedded store, in this process with a moved clock): a job begun
// with users:import-begin, its CSV streamed to POST /api/v1/import/JOB_ID, followed with
// jobs:status; the command line's import-users over --server; and what a hostile or clumsy
// caller meets: another operator's job, an agent, no session, the wrong type, a second upload, a
// connection cut mid-line, a cancel.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import https from 'node:https';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, AGENT, base32Decode } from '../fixtures/cli-harness.ts';
import { cliAsync as cli, serverFixture, serverInit, startInProcess, type ServerFixture } from '../helpers/server.ts';
import { ServerClient } from '../../main/server/client.ts';
import { totpAt } from '../../main/core/totp.ts';
import { ManualClock } from '../../main/core/clock.ts';
import { addOperator } from '../../main/core/operators.ts';
import type { JobStatusView } from '../../contract/index.ts';

/** A directory CSV of `n` users from `from`, with one bad row at the end when `bad`. */
function csv(n: number, opts: { from?: number; bad?: boolean } = {}): string {
  const from = opts.from ?? 0;
  const rows = Array.from({ length: n }, (_, i) => `user${from + i}@example.no,Bruker ${from + i},+4791${String(from + i).padStart(6, '0')},Kommune`);
  return ['email,name,phone,organization', ...rows, ...(opts.bad ? ['not-an-email,X,,K'] : [])].join('\n') + '\n';
}

/** A raw upload: `body` sent with `contentLength` declared (more than is sent: the client breaks off). */
function rawUpload(url: string, ca: Buffer, path: string, headers: Record<string, string>, body: Buffer, opts: { cutAfter?: boolean } = {}): Promise<{ status: number; body: any } | 'cut'> {
  return new Promise((resolve, reject) => {
    const req = https.request(new URL(path, url), { method: 'POST', ca, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
    });
    req.on('error', (e) => (opts.cutAfter ? resolve('cut') : reject(e)));
    req.write(body);
    if (opts.cutAfter) setTimeout(() => req.destroy(), 300);
    else req.end();
  });
}

describe('imports over a server', () => {
  let fx: ServerFixture;
  let srv: Awaited<ReturnType<typeof startInProcess>>;
  let adminSecret: Buffer;
  let agentSecret: Buffer;
  let ca: Buffer;
  const clock = new ManualClock(Date.now());
  const clients: ServerClient[] = [];

  async function signIn(who: { name: string; password: string }, secret: Buffer): Promise<ServerClient> {
    clock.advance(31_000); // a fresh step for each sign-in
    const c = new ServerClient(srv.url, { ca });
    clients.push(c);
    const r = await c.call<{ token: string }>('auth/sign-in', { name: who.name, password: who.password, otp: totpAt(secret, clock.now()) });
    if (!r.ok) throw new Error(JSON.stringify(r));
    c.token = r.value.token;
    return c;
  }
  async function begin(c: ServerClient, req: Record<string, unknown> = {}): Promise<string> {
    const r = await c.call<{ jobId: string }>('users:import-begin', req);
    if (!r.ok) throw new Error(JSON.stringify(r));
    return r.value.jobId;
  }
  const status = async (c: ServerClient, jobId: string) => c.call<JobStatusView>('jobs:status', { jobId });

  beforeAll(async () => {
    fx = await serverFixture('fd-import-', { store: 'folder' });
    adminSecret = serverInit(fx, ADMIN).adminSecret;
    ca = readFileSync(fx.cert);
    srv = await startInProcess(fx, clock);
    // An agent, who enrolls their second factor at the first sign-in.
    const adminRow = (await srv.store.read((tx) => tx.operators.getByNameKey(ADMIN.name)))!;
    await addOperator(srv.store, { operatorId: adminRow.id, name: ADMIN.name, displayName: ADMIN.name, role: 'admin', emailKey: null, signedInAt: clock.now(), via: 'cli' }, { name: AGENT.name, displayName: AGENT.displayName, role: 'agent', password: AGENT.password });
    const c = new ServerClient(srv.url, { ca });
    const e = await c.call<{ otpUri: string }>('auth/sign-in', { name: AGENT.name, password: AGENT.password });
    agentSecret = base32Decode(new URL(e.ok ? e.value.otpUri : 'x:').searchParams.get('secret')!);
    c.close();
  }, 120_000);
  afterAll(async () => {
    for (const c of clients) c.close();
    await srv?.close();
    await fx?.cleanup();
  });

  it('a dry run writes nothing; the import streams the file, each batch with its event, and jobs:status follows it to its report', async () => {
    const c = await signIn(ADMIN, adminSecret);
    const file = Buffer.from(csv(5000, { bad: true }));
    const dry = await begin(c, { dryRun: true, totalBytes: file.length });
    const preview = await c.upload<any>(`import/${dry}`, Readable.from([file]), file.length).result;
    expect(preview).toMatchObject({ ok: true, value: { rows: 5001, new: 5000, changed: 0, rejectedCount: 1 } });
    expect(await srv.store.read((tx) => tx.users.getByEmailKey('user1@example.no'))).toBeNull();

    const jobId = await begin(c, { totalBytes: file.length });
    expect(await status(c, jobId)).toMatchObject({ ok: true, value: { state: 'waiting', kind: 'import', totalBytes: file.length } });
    // Sent in small pieces, so the status can be read while it runs.
    const pieces = Array.from({ length: 50 }, (_, i) => file.subarray((i * file.length) / 50, ((i + 1) * file.length) / 50));
    const up = c.upload<any>(`import/${jobId}`, Readable.from(pieces), file.length);
    const report = await up.result;
    expect(report).toMatchObject({ ok: true, value: { rows: 5001, inserted: 5000, rejected: [{ line: 5002 }], cancelled: false, stopped: null } });
    const done = await status(c, jobId);
    expect(done).toMatchObject({ ok: true, value: { state: 'done', rows: 5001, accepted: 5000, rejected: 1, finishedAt: expect.any(Number), result: { inserted: 5000 } } });
    expect(await srv.store.read((tx) => tx.users.getByEmailKey('user4999@example.no'))).toMatchObject({ name: 'Bruker 4999' });
    // The batches' audit events name the admin, over https.
    const events = await srv.store.read((tx) => tx.audit.list({ action: 'user.import.batch', limit: 10 }));
    expect(events.length).toBeGreaterThanOrEqual(1);
    expect(events[0]).toMatchObject({ operator: ADMIN.name });
    // A job takes one file.
    expect(await c.upload(`import/${jobId}`, Readable.from([file]), file.length).result).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
  });

  it('another operator, an agent, no session and the wrong type are refused; nothing is imported', async () => {
    const admin = await signIn(ADMIN, adminSecret);
    const agent = await signIn(AGENT, agentSecret);
    expect(await agent.call('users:import-begin', {})).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const jobId = await begin(admin);
    const file = Buffer.from(csv(10, { from: 90_000 }));
    // The agent can neither follow, cancel nor fill the admin's job.
    expect(await agent.call('jobs:status', { jobId })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await agent.upload(`import/${jobId}`, Readable.from([file]), file.length).result).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const headers = { 'content-type': 'text/csv', 'content-length': String(file.length) };
    expect(await rawUpload(srv.url, ca, `/api/v1/import/${jobId}`, headers, file)).toMatchObject({ status: 401, body: { ok: false, error: { code: 'SESSION_LOCKED' } } });
    expect(await rawUpload(srv.url, ca, `/api/v1/import/${jobId}`, { ...headers, authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' }, file)).toMatchObject({ status: 415 });
    expect(await rawUpload(srv.url, ca, `/api/v1/import/${'0'.repeat(32)}`, { ...headers, authorization: `Bearer ${admin.token}` }, file)).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect(await rawUpload(srv.url, ca, '/api/v1/import/NOT-A-JOB', { ...headers, authorization: `Bearer ${admin.token}` }, file)).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    // A file declared over the limit is refused before anything of it is read.
    expect(await rawUpload(srv.url, ca, `/api/v1/import/${jobId}`, { ...headers, 'content-length': String(3 * 1024 ** 3), authorization: `Bearer ${admin.token}` }, Buffer.alloc(0), { cutAfter: true })).toMatchObject({ status: 413 });
    expect(await srv.store.read((tx) => tx.users.getByEmailKey('user90000@example.no'))).toBeNull();
    // One running import per operator: a second begin waits for the first.
    expect(await admin.call('users:import-begin', {})).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    expect(await admin.call('users:import-cancel', { jobId })).toMatchObject({ ok: true });
    expect(await status(admin, jobId)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('a connection cut in the middle of a line stops the import there: the rows before it stay, the half line is not imported', async () => {
    const c = await signIn(ADMIN, adminSecret);
    const text = csv(3000, { from: 10_000 });
    const cut = text.indexOf('user12500@example.no') + 'user12500@exam'.length;
    const jobId = await begin(c);
    const r = await rawUpload(srv.url, ca, `/api/v1/import/${jobId}`, { 'content-type': 'text/csv', 'content-length': String(Buffer.byteLength(text)), authorization: `Bearer ${c.token}` }, Buffer.from(text.slice(0, cut)), { cutAfter: true });
    expect(r).toBe('cut');
    let st = await status(c, jobId);
    for (let i = 0; i < 100 && st.ok && st.value.state === 'running'; i++) {
      await new Promise((res) => setTimeout(res, 50));
      st = await status(c, jobId);
    }
    expect(st).toMatchObject({ ok: true, value: { state: 'done', result: { inserted: 2500, stopped: { kind: 'read', code: 'IO_ERROR', line: 2502 } } } });
    expect(await srv.store.read((tx) => tx.users.getByEmailKey('user12499@example.no'))).not.toBeNull();
    expect(await srv.store.read((tx) => tx.users.getByEmailKey('user12500@exam'))).toBeNull();
    expect(await srv.store.read((tx) => tx.users.getByEmailKey('user12500@example.no'))).toBeNull();
  });

  it('import-users over --server: progress, the report, a dry run, standard input, a refused header; an agent is refused', { timeout: 120_000 }, async () => {
    const sessionFile = join(fx.tmp, 'cli-session.json');
    const env = { FACTORDESK_SERVER: srv.url, FACTORDESK_CA_CERT: fx.cert, FACTORDESK_SESSION_FILE: sessionFile };
    clock.advance(31_000);
    const login = await cli(['--json', '--operator', ADMIN.name, 'login'], { ...env, FACTORDESK_PASSWORD: ADMIN.password, FACTORDESK_OTP: totpAt(adminSecret, clock.now()) });
    expect(login.status, login.stdout + login.stderr).toBe(0);
    const path = join(fx.tmp, 'people.csv');
    writeFileSync(path, csv(20, { from: 50_000, bad: true }));
    const dry = await cli(['--json', 'import-users', path, '--dry-run'], env);
    expect(JSON.parse(dry.stdout)).toMatchObject({ ok: true, result: { new: 20, rejectedCount: 1 } });
    const real = await cli(['import-users', path], env);
    expect(real.status).toBe(0);
    expect(real.stdout).toMatch(/rows 21, inserted 20, updated 0, unchanged 0, rejected 1/);
    expect(real.stdout).toMatch(/line 22: /);
    const again = await cli(['--json', 'import-users', '-'], env, csv(2, { from: 50_000 }));
    expect(JSON.parse(again.stdout)).toMatchObject({ ok: true, result: { rows: 2, unchanged: 2 } });
    const header = await cli(['import-users', '-'], env, 'mail,navn\na@b.no,A\n');
    expect(header.status).toBe(2);
    expect(header.stderr).toMatch(/required columns are missing/);
    expect(await srv.store.read((tx) => tx.users.getByEmailKey('user50019@example.no'))).toMatchObject({ name: 'Bruker 50019' });

    const agentFile = join(fx.tmp, 'agent-session.json');
    clock.advance(31_000);
    const agentEnv = { ...env, FACTORDESK_SESSION_FILE: agentFile };
    expect((await cli(['--operator', AGENT.name, 'login'], { ...agentEnv, FACTORDESK_PASSWORD: AGENT.password, FACTORDESK_OTP: totpAt(agentSecret, clock.now()) })).status).toBe(0);
    const refused = await cli(['--json', 'import-users', path], agentEnv);
    expect(JSON.parse(refused.stdout)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });
});
