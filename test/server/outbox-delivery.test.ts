// `factordesk serve` delivers the outbox by itself: a notification queued in the server's store
// before it started reaches the local SMTP sink the test starts at the first pass, a code issued
// through the API is delivered at once (the interval is 30 s away), each exactly once and none
// with the code in it; the settings say the relay password is not set; SIGTERM stops it cleanly.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../main/core/clock.ts';
import { foldKey } from '../../main/core/text.ts';
import { queueNotification } from '../../main/core/actions.ts';
import { openPostgresStore } from '../../main/store/postgres/pg-store.ts';
import { readFileSync } from 'node:fs';
import { totpAt } from '../../main/core/totp.ts';
import { ServerClient } from '../../main/server/client.ts';
import { ensurePostgres, testUrl } from '../helpers/postgres.ts';
import { serverFixture, serverInit, startServe, type ServerFixture } from '../helpers/server.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';

let f: ServerFixture;
let sink: SmtpSink;
let adminSecret: Buffer;
let kari = 0;
const ADMIN = { name: 'anne', password: 'correct horse battery staple 42' };

beforeAll(async () => {
  await ensurePostgres();
  f = await serverFixture('fd-serve-smtp-');
  sink = await startSmtpSink();
  ({ adminSecret } = serverInit(f, ADMIN));
}, 120_000);

afterAll(async () => {
  await sink?.close();
  await f?.cleanup();
});

it('delivers what was queued at start, then each change made through the API soon after it, and stops on SIGTERM', async () => {
  const url = testUrl(new URL(f.storeUrl).pathname.slice(1));
  const store = await openPostgresStore({ connectionString: url, clock: new ManualClock(Date.now()), valueKey: null, valueKeyGeneration: 1 });
  try {
    await store.write(async (tx) => {
      for (const [k, v] of Object.entries({ smtpHost: '127.0.0.1', smtpPort: sink.port, smtpStartTls: 'none', smtpFrom: 'helpdesk@example.no', notificationLanguage: 'en' })) await tx.settings.put(k, JSON.stringify(v), 1);
      const id = (kari = (await tx.users.insert({ externalId: null, email: 'kari@example.no', emailKey: foldKey('kari@example.no'), name: 'Kari', nameKey: 'kari', phone: null, organization: null, status: 'active' }, 1))!);
      await queueNotification(tx, { id, email: 'kari@example.no' }, 'backup-codes', Date.now());
    });
  } finally {
    await store.close();
  }
  const s = await startServe(f);
  try {
    await expect.poll(() => sink.accepted().length, { timeout: 20_000 }).toBe(1);
    expect(sink.accepted()[0]!.to).toEqual(['kari@example.no']);
    expect(sink.accepted()[0]!.text).toContain('New backup codes were made for you');

    const c = new ServerClient(`https://127.0.0.1:${s.port}`, { ca: readFileSync(f.cert) });
    try {
      const signed = await c.call<{ token: string }>('auth/sign-in', { ...ADMIN, otp: totpAt(adminSecret, Date.now()) });
      if (!signed.ok) throw new Error(JSON.stringify(signed));
      c.token = signed.value.token;
      expect(await c.call('settings:get', {})).toMatchObject({ ok: true, value: { smtpHost: '127.0.0.1', smtpPasswordSet: false } });
      const issued = await c.call<{ code: string }>('codes:issue-one-time', { userId: kari, checks: ['callback', 'photo-id'], ticket: 'HD-1', reason: 'lost phone' });
      if (!issued.ok) throw new Error(JSON.stringify(issued));
      await expect.poll(() => sink.accepted().length, { timeout: 10_000 }).toBe(2);
      expect(sink.seen.some((m) => m.raw.includes(issued.value.code.replace(/\D/g, '')))).toBe(false);
    } finally {
      c.close();
    }
  } finally {
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  }
  expect(sink.accepted()).toHaveLength(2);
  expect(s.output()).not.toMatch(/outbox delivery:/);
}, 120_000);
