// The app delivers the outbox while a vault is open: the relay set on the settings page, a code
// issued through the IPC guard, and the local SMTP sink the test starts gets the one message
// (with no code in it) at once: the change kicks a pass, the interval is far off. After a lock and
// the next sign-in the worker runs again. The settings say whether the relay password is set,
// never what it is.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { foldKey } from '../../main/core/text.ts';
import { makeSuiteApp, ADMIN, CTX, type SuiteApp } from '../helpers/suites.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';

let app: SuiteApp;
let sink: SmtpSink;
beforeEach(async () => {
  sink = await startSmtpSink();
  // Passes come only from kicks: the interval and the first run are an hour away.
  app = makeSuiteApp({ outboxDelivery: { intervalMs: 3_600_000, firstRunMs: 3_600_000, kickDelayMs: 0, env: {} } });
  await app.firstRun();
});
afterEach(async () => {
  app.cleanup();
  await app.controller.settled();
  await sink.close();
});

it('sends one message per change soon after it, and again after a lock and sign-in', async () => {
  const kari = await app.controller.store().write((tx) => tx.users.insert({ externalId: null, email: 'kari@example.no', emailKey: foldKey('kari@example.no'), name: 'Kari', nameKey: 'kari', phone: null, organization: null, status: 'active' }, app.clock.now()));
  const set = await app.call('settings:update', { smtpHost: '127.0.0.1', smtpPort: sink.port, smtpStartTls: 'none', smtpFrom: 'helpdesk@example.no', supportContact: 'the service desk, 815 00 000', notificationLanguage: 'en' });
  expect(set.ok).toBe(true);
  expect((set as { ok: true; value: { smtpPasswordSet: boolean } }).value.smtpPasswordSet).toBe(false);
  const issued = await app.call('codes:issue-one-time', { userId: kari!, ...CTX });
  expect(issued.ok).toBe(true);
  const code = (issued as { ok: true; value: { code: string } }).value.code;
  await expect.poll(() => sink.accepted().length).toBe(1);
  const [m] = sink.accepted();
  expect(m!.text).toContain('If this was not you, call the service desk, 815 00 000.');
  expect(m!.raw).not.toContain(code.replace(/\D/g, ''));
  // The Outbox screen's list says it was sent, and it is no longer waiting.
  await expect.poll(async () => ((await app.call('outbox:list', { pendingOnly: false })).value as Array<{ deliveredAt: number | null }>)[0]?.deliveredAt).not.toBeNull();
  expect((await app.call('outbox:list', { pendingOnly: false })).value).toMatchObject([{ email: 'kari@example.no', attempts: 1, lastError: null }]);
  expect((await app.call('outbox:list', { pendingOnly: true })).value).toEqual([]);
  // A bad relay value is refused by the settings' own rules.
  expect((await app.call('settings:update', { smtpFrom: 'not an address' })).ok).toBe(false);

  // Locked: the vault is closed and the worker stopped; signing in again starts it anew.
  app.close();
  expect(await app.controller.deliverNow()).toBeNull();
  await app.controller.settled();
  expect((await app.signIn(ADMIN)).ok).toBe(true);
  expect((await app.call('codes:issue-one-time', { userId: kari!, ...CTX })).ok).toBe(true);
  await expect.poll(() => sink.accepted().length).toBe(2);
  // Another pass finds nothing left: each change gave exactly one message.
  expect(await app.controller.deliverNow()).toMatchObject({ configured: true, delivered: 0, failed: 0 });
  expect(sink.accepted()).toHaveLength(2);
  expect(sink.accepted().map((m) => m.headers['message-id'])).toEqual([...new Set(sink.accepted().map((m) => m.headers['message-id']))]);
});

it('shows whether the relay password is set, never the password', async () => {
  const secret = 'relay-secret-7f2c9a';
  const other = makeSuiteApp({ outboxDelivery: { intervalMs: 3_600_000, firstRunMs: 3_600_000, env: { FACTORDESK_SMTP_PASSWORD: secret } } });
  try {
    await other.firstRun();
    const got = await other.call('settings:update', { smtpHost: 'relay.example.no', smtpFrom: 'helpdesk@example.no', smtpUser: 'factordesk' });
    expect(got.ok).toBe(true);
    const view = await other.call('settings:get', {});
    expect(view.value).toMatchObject({ smtpHost: 'relay.example.no', smtpUser: 'factordesk', smtpPasswordSet: true });
    expect(JSON.stringify([got, view])).not.toContain(secret);
    // The app without it in its environment says so.
    expect((await app.call('settings:get', {})).value).toMatchObject({ smtpPasswordSet: false });
  } finally {
    other.cleanup();
    await other.controller.settled();
  }
});
