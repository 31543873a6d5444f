// Two-person approval through the app's IPC guard: a change over the limits, on a privileged
// user or one the settings always send waits as a request; another admin approves or rejects
// it; the requester runs it once before it expires, which is when the code or QR is made. A
// site with a single admin gets a cool-down instead. The clock is moved, never slept on.
import { afterEach, describe, expect, it } from 'vitest';
import { makeVault, ADMIN, AGENT } from '../helpers/vault.ts';
import { makeApp } from '../helpers/app.ts';
import { upsertUser } from '../../main/core/users.ts';
import { updateSettings, type SettingsPatch } from '../../main/core/settings.ts';
import { addOperator } from '../../main/core/operators.ts';
import type { AuditEvent } from '../../main/core/audit.ts';
import type { Result } from '../../contract/index.ts';

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

const KARI = 'kari@example.no';
const OLA = 'ola@example.no';
const KIM = { name: 'kim', displayName: 'Kim Lund', password: 'a third long passphrase for kim', email: 'kim.lund@example.no' };
const ACTION = { checks: ['callback'], ticket: 'HD-9', reason: 'lost phone' };
const MIN = 60_000;

async function seeded(opts: { settings?: SettingsPatch; secondAdmin?: boolean; kimLinked?: boolean } = {}) {
  const v = await makeVault({ withAgent: true });
  cleanups.push(v.cleanup);
  for (const email of [KARI, OLA, KIM.email]) await upsertUser(v.store, v.admin, { email, name: email.split('@')[0]! });
  if (opts.secondAdmin !== false) await addOperator(v.store, v.admin, { ...KIM, role: 'admin', ...(opts.kimLinked ? { userEmail: KIM.email } : {}) });
  if (opts.settings) await updateSettings(v.store, v.admin, opts.settings);
  const now = v.clock.now();
  v.vault.close();
  const app = makeApp({ dir: v.vaultDir });
  cleanups.push(() => app.cleanup());
  app.clock.set(now);
  const as = async (who: { name: string; password: string }) => {
    await app.call('session:lock', {});
    const r = await app.call('session:sign-in', { name: who.name, password: who.password });
    expect(r.ok, JSON.stringify(r)).toBe(true);
  };
  const find = async (email: string) => ((await app.call('users:find', { query: email })) as { value: { items: Array<{ id: number; email: string }> } }).value.items.find((u) => u.email === email)!.id;
  const events = async () => (await app.controller.store().read((tx) => tx.audit.list({ limit: 1000 }))) as AuditEvent[];
  const outbox = async () => app.controller.store().read((tx) => tx.outbox.list({ pendingOnly: false, limit: 10_000 }));
  return { app, as, find, events, outbox };
}

function pendingId(r: Result<unknown>): number {
  expect(!r.ok && r.error.code, JSON.stringify(r)).toBe('APPROVAL_PENDING');
  return (r as { error: { details: { approvalId: number } } }).error.details.approvalId;
}

describe('two-person approval through the app', () => {
  it('the 11th change in an hour waits; nobody approves their own; approving twice is refused; the requester runs it once and only then is the code made', async () => {
    const s = await seeded();
    await s.as(AGENT);
    const kari = await s.find(KARI);
    const ola = await s.find(OLA);
    for (let i = 0; i < 10; i++) {
      expect((await s.app.call('codes:issue-one-time', { userId: kari, ...ACTION })).ok, `change ${i + 1}`).toBe(true);
      s.app.clock.advance(MIN);
    }
    const outboxBefore = (await s.outbox()).length;
    const id = pendingId(await s.app.call('codes:issue-one-time', { userId: ola, ...ACTION, minutes: 20 }));
    // Nothing happened yet: no code for Ola, no notification, and the request holds no secret.
    const page = await s.app.call('users:view', { userId: ola });
    expect(page.ok && page.value.oneTimeCode.active).toBe(false);
    expect((await s.outbox()).length).toBe(outboxBefore);
    const requested = (await s.events()).find((e) => e.action === 'approval.requested')!;
    expect(requested).toMatchObject({ operator: AGENT.name, outcome: 'pending', userId: ola, ticket: 'HD-9', details: { approvalId: id, attempted: 'code.issue-one-time', triggers: ['over-limit'] } });
    const mine = await s.app.call('approvals:list', {});
    expect(mine.ok && mine.value.approvals.map((a: { id: number; status: string; options: unknown }) => [a.id, a.status, a.options])).toEqual([[id, 'pending', { minutes: 20 }]]);
    // An agent cannot decide, and cannot run it before it is approved.
    expect((await s.app.call('approvals:approve', { id })) as { error: { code: string } }).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(pendingId(await s.app.call('approvals:run', { id }))).toBe(id);

    await s.as(KIM);
    const listed = await s.app.call('approvals:list', {});
    expect(listed.ok && listed.value.waiting).toBe(1);
    const approved = await s.app.call('approvals:approve', { id, reason: 'called Ola back' });
    expect(approved.ok && approved.value).toMatchObject({ status: 'approved', decidedBy: KIM.name, decisionReason: 'called Ola back' });
    expect((await s.app.call('approvals:approve', { id })) as { error: { code: string } }).toMatchObject({ ok: false, error: { code: 'APPROVAL_CLOSED' } });
    // Another operator cannot run someone else's approved request.
    expect((await s.app.call('approvals:run', { id })) as { error: { code: string } }).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });

    await s.as(AGENT);
    const run = await s.app.call('approvals:run', { id });
    expect(run.ok, JSON.stringify(run)).toBe(true);
    const code = run.ok ? (run.value.oneTimeCode.code as string) : '';
    expect(code).toMatch(/^\d{4} \d{4}$/);
    expect(run.ok && run.value.oneTimeCode.expiresAt).toBe(s.app.clock.now() + 20 * MIN);
    expect((await s.app.call('approvals:run', { id })) as { error: { code: string; details: unknown } }).toMatchObject({ ok: false, error: { code: 'APPROVAL_CLOSED', details: { status: 'done' } } });
    const after = await s.events();
    expect(after.filter((e) => e.userId === ola && e.action !== 'user.view').map((e) => e.action).slice(0, 4)).toEqual(['code.issue-one-time', 'approval.run', 'approval.approved', 'approval.requested']);
    expect(JSON.stringify(after)).not.toContain(code.replace(' ', ''));
    expect((await s.outbox()).filter((m) => m.userId === ola).map((m) => m.kind)).toEqual(['one-time-code']);
  });

  it('an admin over the limit waits too and cannot approve their own request', async () => {
    const s = await seeded({ settings: { velocityPerHour: 1 } });
    await s.as(ADMIN);
    const kari = await s.find(KARI);
    expect((await s.app.call('codes:backup', { userId: kari, ...ACTION })).ok).toBe(true);
    const id = pendingId(await s.app.call('codes:backup', { userId: kari, ...ACTION }));
    expect((await s.app.call('approvals:approve', { id })) as { error: { code: string } }).toMatchObject({ ok: false, error: { code: 'OWN_APPROVAL' } });
    expect((await s.app.call('approvals:reject', { id, reason: 'mine' })) as { error: { code: string } }).toMatchObject({ ok: false, error: { code: 'OWN_APPROVAL' } });
  });

  it('an approval not run in time expires and does nothing', async () => {
    const s = await seeded({ settings: { approveEveryReenrollment: true } });
    await s.as(AGENT);
    const ola = await s.find(OLA);
    const id = pendingId(await s.app.call('enrollment:reenroll', { userId: ola, ...ACTION, voidCodes: false, withBackupCodes: false }));
    await s.as(KIM);
    expect((await s.app.call('approvals:approve', { id })).ok).toBe(true);
    await s.as(AGENT);
    s.app.clock.advance(30 * MIN);
    expect((await s.app.call('approvals:run', { id })) as { error: { code: string; details: unknown } }).toMatchObject({ ok: false, error: { code: 'APPROVAL_CLOSED', details: { status: 'expired' } } });
    const page = await s.app.call('users:view', { userId: ola });
    expect(page.ok && page.value.pending).toBeNull();
    const all = await s.app.call('approvals:list', { all: true });
    expect(all.ok && all.value.approvals.map((a: { status: string }) => a.status)).toEqual(['expired']);
    const live = await s.app.call('approvals:list', {});
    expect(live.ok && live.value.approvals).toEqual([]);
  });

  it("an agent on an operator's user is refused; an admin's change waits for an admin who is not that operator", async () => {
    const s = await seeded({ kimLinked: true });
    await s.as(AGENT);
    const kimUser = await s.find(KIM.email);
    const kimPage = await s.app.call('users:view', { userId: kimUser });
    expect(kimPage.ok && kimPage.value.privileged).toEqual({ marked: false, operatorAccount: true });
    expect((await s.app.call('codes:issue-one-time', { userId: kimUser, ...ACTION })) as { error: { code: string } }).toMatchObject({ ok: false, error: { code: 'OPERATOR_ACCOUNT' } });
    await s.as(ADMIN);
    const r = await s.app.call('codes:issue-one-time', { userId: kimUser, ...ACTION });
    // Kim may not decide a change on Kim's own account and Anne asked: nobody else, so it cools down.
    expect(!r.ok && r.error).toMatchObject({ code: 'APPROVAL_PENDING', details: { status: 'cooling' } });
    const id = pendingId(r);
    await s.as(KIM);
    expect((await s.app.call('approvals:approve', { id })) as { error: { code: string } }).toMatchObject({ ok: false, error: { code: 'OWN_APPROVAL' } });
    expect((await s.events()).find((e) => e.action === 'approval.cooldown-started')).toMatchObject({ details: { triggers: ['operator-account'] } });
  });

  it('a privileged (VIP) user: every change waits; a rejection with its reason stops it; rejecting needs a reason', async () => {
    const s = await seeded();
    await s.as(ADMIN);
    const ola = await s.find(OLA);
    expect((await s.app.call('users:set-privileged', { userId: ola, privileged: true })).ok).toBe(true);
    expect((await s.events())[0]).toMatchObject({ action: 'user.privileged', userId: ola, details: { privileged: true } });
    const marked = await s.app.call('users:view', { userId: ola });
    expect(marked.ok && marked.value.privileged).toEqual({ marked: true, operatorAccount: false });
    await s.as(AGENT);
    const id = pendingId(await s.app.call('codes:backup', { userId: ola, ...ACTION }));
    expect((await s.app.call('users:set-privileged', { userId: ola, privileged: false })) as { error: { code: string } }).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    await s.as(KIM);
    expect((await s.app.call('approvals:reject', { id, reason: '  ' })) as { error: { code: string } }).toMatchObject({ ok: false, error: { code: 'REASON_REQUIRED' } });
    expect((await s.app.call('approvals:reject', { id, reason: 'caller failed the call-back' })).ok).toBe(true);
    await s.as(AGENT);
    expect((await s.app.call('approvals:run', { id })) as { error: { code: string; details: unknown } }).toMatchObject({ ok: false, error: { code: 'APPROVAL_CLOSED', details: { status: 'rejected' } } });
    const page = await s.app.call('users:view', { userId: ola });
    expect(page.ok && page.value.backupCodes).toBeNull();
  });

  it('a single admin gets a cool-down and an alert: the change runs after the delay, with its QR', async () => {
    const s = await seeded({ secondAdmin: false, settings: { velocityPerHour: 1, approvalCooldownMinutes: 15 } });
    await s.as(ADMIN);
    const kari = await s.find(KARI);
    expect((await s.app.call('lock:clear', { userId: kari, ...ACTION })).ok).toBe(true);
    const r = await s.app.call('enrollment:reenroll', { userId: kari, ...ACTION, voidCodes: true, withBackupCodes: true });
    expect(!r.ok && r.error).toMatchObject({ code: 'APPROVAL_PENDING', details: { status: 'cooling', runnableAt: s.app.clock.now() + 15 * MIN } });
    const id = pendingId(r);
    const alerts = await s.app.call('alerts:list', {});
    expect(alerts.ok && alerts.value.alerts.map((a: { kind: string }) => a.kind)).toContain('single-admin-cooldown');
    expect(pendingId(await s.app.call('approvals:run', { id }))).toBe(id);
    s.app.clock.advance(15 * MIN);
    const run = await s.app.call('approvals:run', { id });
    expect(run.ok, JSON.stringify(run)).toBe(true);
    expect(run.ok && run.value.enrollment.qrSvg).toContain('<svg');
    expect(run.ok && run.value.enrollment.backupCodes).toHaveLength(10);
    const page = await s.app.call('users:view', { userId: kari });
    expect(page.ok && page.value.pending).not.toBeNull();
  });

  it('the lost-phone action on a privileged user waits too, and runs as one action once approved', async () => {
    const s = await seeded();
    await s.as(ADMIN);
    const ola = await s.find(OLA);
    expect((await s.app.call('users:set-privileged', { userId: ola, privileged: true })).ok).toBe(true);
    await s.as(AGENT);
    const id = pendingId(await s.app.call('users:lost-phone', { userId: ola, ...ACTION }));
    expect((await s.outbox()).filter((m) => m.userId === ola)).toEqual([]);
    await s.as(KIM);
    expect((await s.app.call('approvals:approve', { id })).ok).toBe(true);
    await s.as(AGENT);
    const run = await s.app.call('approvals:run', { id });
    expect(run.ok, JSON.stringify(run)).toBe(true);
    expect(run.ok && run.value.lostPhone.oneTimeCode.code).toMatch(/^\d{4} \d{4}$/);
    expect(run.ok && run.value.lostPhone.enrollment).toMatchObject({ mode: 'agent', qrSvg: expect.stringContaining('<svg') });
    expect((await s.outbox()).filter((m) => m.userId === ola)).toHaveLength(1);
  });

  it('the settings can send every one-time code for approval', async () => {
    const s = await seeded({ settings: { approveEveryOneTimeCode: true } });
    await s.as(AGENT);
    const kari = await s.find(KARI);
    pendingId(await s.app.call('codes:issue-one-time', { userId: kari, ...ACTION }));
    // Other changes go on as before.
    expect((await s.app.call('codes:backup', { userId: kari, ...ACTION })).ok).toBe(true);
  });
});
