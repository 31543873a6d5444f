// Velocity limits per operator, admins included: more than 10 factor changes in an hour or 30 in
// a day (the defaults) wait for a second person's approval (APPROVAL_PENDING: stored as a request,
// nothing changed) and are audited, counted in the store so they hold across command-line
// processes. (test/integration/approvals.test.ts follows a request to its end.) The clock is moved, never slept on.
import { afterEach, describe, expect, it } from 'vitest';
import { makeVault, ADMIN } from '../helpers/vault.ts';
import { makeApp } from '../helpers/app.ts';
import { oneJson, spawnCli, spawnCliAsync } from '../fixtures/cli-harness.ts';
import { upsertUser } from '../../main/core/users.ts';
import { updateSettings } from '../../main/core/settings.ts';
import type { AuditEvent } from '../../main/core/audit.ts';

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

const KARI = 'kari@example.no';
const OLA = 'ola@example.no';
const ACTION = { checks: ['callback'], ticket: 'HD-9', reason: 'lost phone' };
const HOUR = 3_600_000;

async function seeded(settings: { velocityPerHour?: number; velocityPerDay?: number } = {}): Promise<{ dir: string; now: number }> {
  const v = await makeVault();
  cleanups.push(v.cleanup);
  for (const email of [KARI, OLA]) await upsertUser(v.store, v.admin, { email, name: email.split('@')[0]! });
  if (Object.keys(settings).length > 0) await updateSettings(v.store, v.admin, settings);
  const now = v.clock.now();
  v.vault.close();
  return { dir: v.vaultDir, now };
}

describe('velocity limits through the app', () => {
  it('the 11th change in an hour waits for approval and is audited, an hour later changes go on, and the day limit holds', async () => {
    const s = await seeded();
    const app = makeApp({ dir: s.dir });
    cleanups.push(() => app.cleanup());
    app.clock.set(s.now);
    expect((await app.call('session:sign-in', { name: ADMIN.name, password: ADMIN.password })).ok).toBe(true);
    const find = async (email: string) => ((await app.call('users:find', { query: email })) as { value: { items: Array<{ id: number; email: string }> } }).value.items.find((u) => u.email === email)!.id;
    const kari = await find(KARI);
    const ola = await find(OLA);
    const events = async () => (await app.controller.store().read((tx) => tx.audit.list({ limit: 1000 }))) as AuditEvent[];

    // Ten changes of different kinds, on two users; a rejected confirmation is not a change.
    const kinds = ['codes:issue-one-time', 'codes:backup', 'lock:clear', 'codes:issue-one-time', 'codes:backup'] as const;
    for (let i = 0; i < 10; i++) {
      const r = await app.call(kinds[i % kinds.length]!, { userId: i % 2 ? ola : kari, ...ACTION });
      expect(r.ok, `change ${i + 1}: ${JSON.stringify(r)}`).toBe(true);
      app.clock.advance(60_000);
    }
    const reenroll = await app.call('enrollment:reenroll', { userId: kari, ...ACTION, voidCodes: false, withBackupCodes: false });
    expect(!reenroll.ok && reenroll.error).toMatchObject({ code: 'APPROVAL_PENDING', details: { status: 'cooling' } });
    const [refused] = await events();
    expect(refused).toMatchObject({ action: 'approval.cooldown-started', operator: ADMIN.name, outcome: 'pending', userEmail: KARI, ticket: 'HD-9', checks: ['callback'], details: { attempted: 'enrollment.reenroll', triggers: ['over-limit'], window: 'hour', limit: 10, count: 10, via: 'app' } });
    // Nothing of the refused change happened: no pending enrollment, no notification for it.
    const page = await app.call('users:view', { userId: kari });
    expect(page.ok && page.value.pending).toBeNull();
    const codes = await app.call('codes:issue-one-time', { userId: ola, ...ACTION });
    expect(!codes.ok && codes.error.code).toBe('APPROVAL_PENDING');

    // A change leaves the window 60 minutes after it was made: one more fits, then the limit again.
    app.clock.set(s.now + HOUR + 1);
    expect((await app.call('codes:issue-one-time', { userId: kari, ...ACTION })).ok).toBe(true);
    const again = await app.call('codes:issue-one-time', { userId: kari, ...ACTION });
    expect(!again.ok && again.error.code).toBe('APPROVAL_PENDING');
    // Two hours on, the hour is clear; 11 were made today.
    app.clock.set(s.now + 2 * HOUR + 11 * 60_000);
    expect((await app.call('lock:clear', { userId: ola, ...ACTION })).ok).toBe(true);
    // A lower day limit (12 made today) stops the next one, whatever the hour says.
    expect((await app.call('settings:update', { velocityPerDay: 12 })).ok).toBe(true);
    const day = await app.call('codes:backup', { userId: ola, ...ACTION });
    expect(!day.ok && day.error.code).toBe('APPROVAL_PENDING');
    expect((await events())[0]).toMatchObject({ action: 'approval.cooldown-started', details: { window: 'day', limit: 12, count: 12 } });
    expect((await events()).filter((e) => e.action === 'approval.cooldown-started').map((e) => e.details.window)).toEqual(['day', 'hour', 'hour', 'hour']);
    // Settings are checked: no limit below 1.
    const bad = await app.call('settings:update', { velocityPerHour: 0 });
    expect(!bad.ok && bad.error.code).toBe('BAD_REQUEST');
  });
});

describe('velocity limits through the command line', () => {
  it('hold across separate processes: the change over the limit answers pending-approval (exit 0, nothing made), also for two racing processes', async () => {
    const s = await seeded({ velocityPerHour: 2 });
    const env = { FACTORDESK_PASSWORD: ADMIN.password, FACTORDESK_TEST_NOW: String(s.now + 1000) };
    const checks = ['--checks', 'callback', '--ticket', 'HD-9', '--reason', 'lost phone'];
    const fd = (...args: string[]) => spawnCli(['--vault', s.dir, '--operator', ADMIN.name, '--json', ...args], { env });
    expect(oneJson(fd('issue-code', KARI, ...checks).stdout).ok).toBe(true);
    expect(oneJson(fd('backup-codes', OLA, ...checks).stdout).ok).toBe(true);
    const third = fd('issue-code', OLA, ...checks);
    expect(third.status).toBe(0);
    expect(oneJson(third.stdout)).toMatchObject({ ok: true, result: { status: 'pending-approval', approvalId: 1 } });
    expect(third.stdout).not.toMatch(/"code":"\d{4} \d{4}"/);

    // Two processes at once with one change left: the check inside the write lets one through.
    const s2 = await seeded({ velocityPerHour: 1 });
    const env2 = { FACTORDESK_PASSWORD: ADMIN.password, FACTORDESK_TEST_NOW: String(s2.now + 1000) };
    const run = (email: string) =>
      new Promise<{ status: number | null; answer: { result: Record<string, unknown> } }>((resolve) => {
        const child = spawnCliAsync(['--vault', s2.dir, '--operator', ADMIN.name, '--json', 'issue-code', email, ...checks], { env: env2 });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stdin.end();
        child.on('close', (status) => resolve({ status, answer: oneJson(out) as { result: Record<string, unknown> } }));
      });
    const both = await Promise.all([run(KARI), run(OLA)]);
    expect(both.map((b) => b.status)).toEqual([0, 0]);
    // The check inside the write lets exactly one through; the other waits for approval.
    expect(both.map((b) => (typeof b.answer.result.code === 'string' ? 'code' : b.answer.result.status)).sort()).toEqual(['code', 'pending-approval']);
  });
});
