// The lost-phone action through the app's guard and as a service: one transaction that revokes
// the authenticator, issues a short-lived one-time code, starts the re-enrollment and queues one
// notification, with audit events sharing one action id; one change for the velocity limits;
// refused (and nothing changed) on the operator's own account, for a missing check, a locked
// session or over the limits.
import { afterEach, describe, expect, it } from 'vitest';
import { makeSuiteApp, insertUser, codeOf, vaultFingerprint, AGENT, CTX, type SuiteApp } from '../helpers/suites.ts';
import { ManualClock } from '../../main/core/clock.ts';
import { totpAt } from '../../main/core/totp.ts';
import { base32Decode } from '../fixtures/cli-harness.ts';
import { makeVault } from '../helpers/vault.ts';
import { upsertUser } from '../../main/core/users.ts';
import { reportLostPhone } from '../../main/core/lost-phone.ts';
import { forceReenrollment } from '../../main/core/enrollment.ts';
import { verifyCodeForEmail } from '../../main/core/verify.ts';
import type { AuditEvent } from '../../main/core/audit.ts';
import type { Store } from '../../main/store/port.ts';

const apps: SuiteApp[] = [];
const cleanups: Array<() => void> = [];
afterEach(() => {
  while (apps.length) apps.pop()!.cleanup();
  while (cleanups.length) cleanups.pop()!();
});

const KARI = 'kari.nordmann@example.no';

async function setup() {
  const app = makeSuiteApp({ clock: new ManualClock(Date.UTC(2026, 11, 4, 9, 0, 0)) });
  apps.push(app);
  await app.firstRun();
  await app.addAgent();
  const kari = insertUser(app.db(), KARI, 'Kari Nordmann');
  const own = insertUser(app.db(), 'Anne.Berg+desk@Example.NO', 'Anne Berg');
  const events = async () => [...((await app.controller.store().read((tx) => tx.audit.list({ limit: 1000 }))) as AuditEvent[])].sort((a, b) => a.seq - b.seq);
  const outbox = () => app.db().prepare('SELECT user_id AS userId, kind FROM outbox ORDER BY id').all() as Array<{ userId: number; kind: string }>;
  return { app, kari, own, events, outbox };
}

describe('lost phone through the app', () => {
  it('revokes the old app, issues a short-lived code and a new QR, queues one notification and links its audit events by one action id', async () => {
    const { app, kari, events, outbox } = await setup();
    // Kari has an active authenticator to lose.
    const first = await app.call('enrollment:reenroll', { userId: kari, ...CTX, voidCodes: false, withBackupCodes: false });
    const oldSecret = base32Decode(new URL(first.value.uri).searchParams.get('secret')!);
    expect(codeOf(await app.call('enrollment:confirm', { userId: kari, code: totpAt(oldSecret, app.clock.now()) }))).toBe('OK');
    const before = (await events()).length;
    const mails = outbox().length;
    app.clock.advance(90_000);

    const r = await app.call('users:lost-phone', { userId: kari, ...CTX });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    const v = r.value;
    expect(v.actionId).toMatch(/^lp-[0-9a-f]{16}$/);
    expect(v.revokedAuthenticator).toBe(true);
    expect(v.oneTimeCode.code).toMatch(/^\d{4} \d{4}$/);
    // Short-lived: 15 minutes, not the 60 of an ordinary one-time code.
    expect(v.oneTimeCode.expiresAt).toBe(app.clock.now() + 15 * 60_000);
    expect(v.enrollment).toMatchObject({ mode: 'agent', uri: expect.stringMatching(/^otpauth:\/\/totp\//), sheetId: expect.any(String) });
    expect(v.enrollment.qrSvg).toMatch(/^<svg/);

    // The events of the action, in order, all with the same action id, checks, ticket and reason.
    const added = (await events()).slice(before);
    expect(added.map((e) => e.action)).toEqual(['lost-phone.revoke', 'lost-phone.one-time-code', 'lost-phone.reenroll', 'lost-phone']);
    for (const e of added) expect(e).toMatchObject({ userId: kari, operator: 'anne', outcome: 'ok', ticket: CTX.ticket, reason: CTX.reason, checks: CTX.checks, details: { actionId: v.actionId } });
    expect(added[0]!.details).toMatchObject({ revokedAuthenticator: true });
    expect(added[2]!.details).toMatchObject({ enrollmentId: v.enrollment.enrollmentId });
    // Never a secret in the audit.
    const text = JSON.stringify(added);
    expect(text).not.toContain(v.oneTimeCode.code.replace(' ', ''));
    expect(text).not.toContain(new URL(v.enrollment.uri).searchParams.get('secret')!);

    // One notification, without the code.
    const queued = outbox().slice(mails);
    expect(queued).toEqual([{ userId: kari, kind: 'lost-phone' }]);
    const body = app.db().prepare('SELECT body FROM outbox ORDER BY id DESC LIMIT 1').pluck().get() as string;
    expect(body).not.toContain(v.oneTimeCode.code.replace(' ', ''));

    // The old app no longer signs in; the one-time code does; the new app confirms.
    const store = app.controller.store();
    const session = app.controller.session!;
    expect((await verifyCodeForEmail(store, session, KARI, totpAt(oldSecret, app.clock.now()))).result).toBe('rejected');
    expect((await verifyCodeForEmail(store, session, KARI, v.oneTimeCode.code)).result).toBe('accepted');
    // The sheet of that enrollment prints, as after a re-enrollment, with the same key.
    expect(codeOf(await app.call('enrollment:print-sheet', { userId: kari, enrollmentId: v.enrollment.enrollmentId, mode: 'print', language: 'nb' }))).toBe('OK');
    expect(app.printed.at(-1)).toContain(v.enrollment.key);
    const secret = base32Decode(new URL(v.enrollment.uri).searchParams.get('secret')!);
    expect(codeOf(await app.call('enrollment:confirm', { userId: kari, code: totpAt(secret, app.clock.now()) }))).toBe('OK');
  });

  it('is refused on the own account (a +tag look-alike), without checks, and for a locked session, and nothing changes', async () => {
    const { app, kari, own } = await setup();
    const fp = vaultFingerprint(app.db());
    expect(codeOf(await app.call('users:lost-phone', { userId: own, ...CTX }))).toBe('OWN_ACCOUNT');
    expect(codeOf(await app.call('users:lost-phone', { userId: kari, ...CTX, checks: ['known-email'] }))).toBe('CHECKS_REQUIRED');
    expect(codeOf(await app.call('users:lost-phone', { userId: kari, ...CTX, ticket: ' ' }))).toBe('TICKET_REQUIRED');
    expect(vaultFingerprint(app.db())).toEqual(fp);
    // An agent may not act on an operator's own user account.
    app.close();
    expect(codeOf(await app.signIn(AGENT))).toBe('OK');
    expect(codeOf(await app.call('users:lost-phone', { userId: own, ...CTX }))).toBe('OPERATOR_ACCOUNT');
    app.close();
    expect(codeOf(await app.call('users:lost-phone', { userId: kari, ...CTX }))).toBe('SESSION_LOCKED');
  });

  it('counts as one change for the velocity limits, and over them it waits for approval with nothing of it done', async () => {
    const { app, kari, events, outbox } = await setup();
    expect(codeOf(await app.call('settings:update', { velocityPerHour: 2 }))).toBe('OK');
    expect(codeOf(await app.call('users:lost-phone', { userId: kari, ...CTX }))).toBe('OK');
    // Four events, one change: one more change fits in the hour.
    expect(codeOf(await app.call('codes:backup', { userId: kari, ...CTX }))).toBe('OK');
    const mails = outbox().length;
    const pending = app.db().prepare("SELECT id FROM authenticators WHERE status = 'pending'").pluck().get();
    const r = await app.call('users:lost-phone', { userId: kari, ...CTX });
    expect(!r.ok && r.error).toMatchObject({ code: 'APPROVAL_PENDING' });
    const last = (await events()).at(-1)!;
    expect(last).toMatchObject({ outcome: 'pending', details: { attempted: 'lost-phone', triggers: ['over-limit'], window: 'hour', limit: 2, count: 2 } });
    expect(outbox().length).toBe(mails);
    expect(app.db().prepare("SELECT id FROM authenticators WHERE status = 'pending'").pluck().get()).toBe(pending);
  });
});

describe('lost phone as a service', () => {
  it('runs in one write transaction: a failure at its last step leaves the authenticator, codes, audit and outbox as they were', async () => {
    const v = await makeVault();
    cleanups.push(v.cleanup);
    const kari = await upsertUser(v.store, v.admin, { email: KARI, name: 'Kari Nordmann' });
    const pending = await forceReenrollment(v.store, v.admin, kari.user.id, CTX);
    const state = () => v.store.read(async (tx) => ({ auth: await tx.authenticators.listForUser(kari.user.id), audit: (await tx.audit.list({ limit: 1000 })).length, outbox: (await tx.outbox.pending()).length }));
    const before = await state();
    let writes = 0;
    // The outbox refuses: the notification is the last step of the action.
    const failing: Store = Object.create(v.store, {
      write: {
        value: (fn: Parameters<Store['write']>[0]) => {
          writes++;
          return v.store.write((tx) => fn(Object.create(tx, { outbox: { value: { queue: () => Promise.reject(new Error('outbox is full')) } } })));
        },
      },
    });
    await expect(reportLostPhone(failing, v.admin, kari.user.id, CTX)).rejects.toThrow('outbox is full');
    expect(writes).toBe(1);
    const after = await state();
    expect(after.audit).toBe(before.audit);
    expect(after.outbox).toBe(before.outbox);
    expect(after.auth.map((a) => [a.id, a.status])).toEqual(before.auth.map((a) => [a.id, a.status]));
    expect(after.auth.some((a) => a.id === pending.enrollmentId && a.status === 'pending')).toBe(true);
    // The same call on the real store goes through in one write.
    const ok = await reportLostPhone(v.store, v.admin, kari.user.id, CTX);
    expect(ok.enrollment.mode).toBe('agent');
  });
});
