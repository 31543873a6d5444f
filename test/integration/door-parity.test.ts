// One use case per action: the same factor-changing actions, done through the app's IPC guard on
// one vault and through the command line on an identical one, leave the same audit events (same
// action, user, checks, ticket, reason, outcome and details), apart from `via`, which names the door.
import { afterEach, describe, expect, it } from 'vitest';
import { makeVault, ADMIN } from '../helpers/vault.ts';
import { makeApp } from '../helpers/app.ts';
import { oneJson, runCli } from '../fixtures/cli-harness.ts';
import { upsertUser } from '../../main/core/users.ts';
import { totpAt } from '../../main/core/totp.ts';
import { base32Decode } from '../fixtures/cli-harness.ts';
import type { AuditEvent } from '../../main/core/audit.ts';
import type { Store } from '../../main/store/port.ts';
import { dirname, join } from 'node:path';

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

const KARI = 'kari.nordmann@example.no';
const ACTION = { checks: ['callback', 'photo-id'], ticket: 'HD-4711', reason: 'new phone' };
const REFUSAL = { callerName: 'Someone', callerNumber: '+4799999999', requested: 'a new code', failedChecks: ['callback'], ticket: 'HD-4712', notes: 'could not call back' };

/** A vault with the admin and one user, closed again; the user's id is the same in every such vault. */
async function seededVault(): Promise<{ dir: string; now: number }> {
  const v = await makeVault();
  cleanups.push(v.cleanup);
  await upsertUser(v.store, v.admin, { email: KARI, name: 'Kari Nordmann', phone: '+4791234567' });
  const now = v.clock.now();
  v.vault.close();
  return { dir: v.vaultDir, now };
}

async function userEvents(store: Store): Promise<AuditEvent[]> {
  const all = await store.read((tx) => tx.audit.list({ limit: 1000 }));
  return all.filter((e) => e.userEmail === KARI && e.action !== 'user.add' && e.action !== 'user.view').reverse();
}

/** What must match across doors: everything but the time, the chain, the door and per-run random ids. */
function comparable(e: AuditEvent): Record<string, unknown> {
  // `output` says where a sheet went (the app's printer, the command line's HTML file): checked apart.
  const { via: _via, sheetId: _sheet, output: _output, ...rest } = e.details as Record<string, unknown>;
  // The command line's clock runs on from the app's start time: times count from the event's own.
  const details = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v) ? `at+${Math.round((Date.parse(v) - e.at) / 1000)}s` : v]));
  return { action: e.action, operator: e.operator, userId: e.userId, userEmail: e.userEmail, checks: e.checks, ticket: e.ticket, reason: e.reason, outcome: e.outcome, details };
}

describe('door parity', () => {
  it('each factor-changing action leaves the same audit event from the app and from the command line, with via naming the door', async () => {
    // ---- through the app (IPC guard → handler → service) ----
    const a = await seededVault();
    const app = makeApp({ dir: a.dir });
    cleanups.push(() => app.cleanup());
    app.clock.set(a.now);
    expect((await app.call('session:sign-in', { name: ADMIN.name, password: ADMIN.password })).ok).toBe(true);
    const kari = ((await app.call('users:find', { query: 'kari' })) as { value: { items: Array<{ id: number }> } }).value.items[0]!;
    const userId = kari.id as number;
    expect((await app.call('codes:issue-one-time', { userId, ...ACTION, minutes: 30 })).ok).toBe(true);
    expect((await app.call('codes:backup', { userId, ...ACTION })).ok).toBe(true);
    const re = (await app.call('enrollment:reenroll', { userId, ...ACTION, voidCodes: true, withBackupCodes: true })) as { ok: boolean; value: { key: string } };
    expect(re.ok).toBe(true);
    expect((await app.call('enrollment:print-sheet', { userId, enrollmentId: (re.value as unknown as { enrollmentId: number }).enrollmentId, mode: 'print', language: 'en' })).ok).toBe(true);
    expect((await app.call('enrollment:confirm', { userId, code: totpAt(base32Decode(re.value.key.replace(/\s/g, '')), app.clock.now()) })).ok).toBe(true);
    expect((await app.call('lock:clear', { userId, ...ACTION })).ok).toBe(true);
    expect((await app.call('requests:refuse', { userId, ...REFUSAL })).ok).toBe(true);
    const viaApp = await userEvents(app.controller.store());

    // ---- through the command line (argument parsing → the same services) ----
    const c = await seededVault();
    const env = { FACTORDESK_PASSWORD: ADMIN.password, FACTORDESK_TEST_NOW: String(c.now) };
    const fd = async (...args: string[]) => {
      const r = await runCli(['--vault', c.dir, '--operator', ADMIN.name, '--json', ...args], env);
      const j = oneJson(r.stdout);
      expect(j.ok, `${args[0]}: ${r.stdout} ${r.stderr}`).toBe(true);
      return j.result;
    };
    const checks = ['--checks', ACTION.checks.join(','), '--ticket', ACTION.ticket, '--reason', ACTION.reason];
    await fd('issue-code', KARI, '--minutes', '30', ...checks);
    await fd('backup-codes', KARI, ...checks);
    const cre = await fd('reenroll', KARI, ...checks, '--void-codes', '--backup-codes', '--sheet', join(dirname(c.dir), 'sheet.html'), '--language', 'en');
    await fd('confirm', KARI, totpAt(base32Decode(String(cre.key).replace(/\s/g, '')), c.now));
    await fd('clear-lock', KARI, ...checks);
    await fd('refuse', KARI, '--caller', REFUSAL.callerName, '--caller-number', REFUSAL.callerNumber, '--requested', REFUSAL.requested, '--failed-checks', REFUSAL.failedChecks.join(','), '--ticket', REFUSAL.ticket, '--notes', REFUSAL.notes);
    const cv = await makeAppStore(c.dir, c.now);
    const viaCli = await userEvents(cv);

    // Same events in the same order, the same in everything but the door.
    expect(viaApp.map((e) => e.action)).toEqual(['code.issue-one-time', 'code.backup-codes', 'enrollment.reenroll', 'enrollment.sheet', 'enrollment.confirm', 'lock.clear', 'request.refused']);
    expect(viaCli.map(comparable)).toEqual(viaApp.map(comparable));
    expect(viaApp.find((e) => e.action === 'enrollment.sheet')!.details.output).toBe('printer');
    expect(viaCli.find((e) => e.action === 'enrollment.sheet')!.details.output).toBe('html');
    for (const e of viaApp) expect(e.details.via, e.action).toBe('app');
    for (const e of viaCli) expect(e.details.via, e.action).toBe('cli');
  });
});

/** The store of a vault opened by the app (signed in as the admin), to read what the CLI wrote. */
async function makeAppStore(dir: string, now: number): Promise<Store> {
  const app = makeApp({ dir });
  cleanups.push(() => app.cleanup());
  app.clock.set(now);
  const r = await app.call('session:sign-in', { name: ADMIN.name, password: ADMIN.password });
  if (!r.ok) throw new Error(`sign-in failed: ${r.error.code}`);
  return app.controller.store();
}
