// Fault suite: a wrong or jumping clock. The computer's clock moved back or forward by 90 s and
// by a day, and the Europe/Oslo daylight-saving changes (last Sunday of March and October):
// TOTP outside its ±1-step window is rejected, one-time code expiry is the absolute time stored
// at issue, and a backward jump is reported (clock:warning at sign-in) while forward gaps are not.
process.env.TZ = 'Europe/Oslo';

import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CTX, codeOf, insertUser, makeSuiteApp, secretFromUri, type SuiteApp } from '../helpers/suites.ts';
import { ADMIN, AGENT } from '../helpers/vault.ts';
import { ManualClock } from '../../main/core/clock.ts';
import { totpAt } from '../../main/core/totp.ts';
import { verifyCode } from '../../main/core/verify.ts';
import { clockCheck, CLOCK_TOLERANCE_MS } from '../../main/core/clock-check.ts';
import { listAuditRows as listAudit } from '../../main/store/sqlite/audit-rows.ts';

const MIN = 60_000;
const DAY = 86_400_000;
// Europe/Oslo: CET → CEST at 01:00 UTC on 29 March 2026, CEST → CET at 01:00 UTC on 25 October 2026.
const SPRING = Date.UTC(2026, 2, 29, 1, 0, 0);
const AUTUMN = Date.UTC(2026, 9, 25, 1, 0, 0);

const apps: SuiteApp[] = [];
afterEach(() => {
  while (apps.length) apps.pop()!.cleanup();
});

beforeAll(() => {
  // The DST cases only mean something if this process really runs on Oslo time.
  expect(new Date(SPRING - MIN).getTimezoneOffset()).toBe(-60);
  expect(new Date(SPRING + MIN).getTimezoneOffset()).toBe(-120);
  expect(new Date(AUTUMN - MIN).getTimezoneOffset()).toBe(-120);
  expect(new Date(AUTUMN + MIN).getTimezoneOffset()).toBe(-60);
});

/** An app at `start` with the admin and the agent, the agent signed in, and one user. */
async function setup(start: number) {
  const clock = new ManualClock(start);
  const app = makeSuiteApp({ clock });
  apps.push(app);
  await app.firstRun();
  await app.addAgent();
  const user = insertUser(app.db(), 'kari.nordmann@example.no', 'Kari Nordmann');
  app.close();
  expect(codeOf(await app.signIn(AGENT))).toBe('OK');
  return { app, clock, user };
}

/** A pending enrollment made at the current (server) time; returns the secret the phone scanned. */
async function reenroll(app: SuiteApp, user: number): Promise<Buffer> {
  const r = await app.call('enrollment:reenroll', { userId: user, ...CTX, voidCodes: false, withBackupCodes: false });
  expect(r.ok).toBe(true);
  return secretFromUri(r.value.uri);
}

describe('TOTP when the computer clock is wrong', () => {
  // The phone shows the code for the true time; the computer's clock is off by `skew`.
  for (const [label, skew, accepted] of [
    ['30 s fast (one step: inside the window)', 30_000, true],
    ['30 s slow (one step: inside the window)', -30_000, true],
    ['90 s fast', 90_000, false],
    ['90 s slow', -90_000, false],
    ['one day fast', DAY, false],
    ['one day slow', -DAY, false],
    ['one hour fast (DST applied twice)', 3_600_000, false],
  ] as const) {
    it(`computer clock ${label}: ${accepted ? 'accepted' : 'rejected, then the code for the computer time is accepted'}`, async () => {
      const trueTime = Date.UTC(2026, 10, 26, 9, 0, 15);
      const { app, clock, user } = await setup(trueTime);
      const secret = await reenroll(app, user);
      clock.set(trueTime + skew);
      const phone = totpAt(secret, trueTime);
      const r = await app.call('enrollment:confirm', { userId: user, code: phone });
      expect(codeOf(r)).toBe(accepted ? 'OK' : 'CODE_REJECTED');
      if (!accepted) {
        expect(listAudit(app.db(), { action: 'enrollment.confirm', limit: 1 })[0]!.details.reason).toBe('wrong');
        // Positive control: the same enrollment accepts the code for the computer's own time.
        expect(codeOf(await app.call('enrollment:confirm', { userId: user, code: totpAt(secret, trueTime + skew) }))).toBe('OK');
      }
      // And an active authenticator (verify) follows the same window: a day-old code never works.
      clock.advance(60_000);
      expect((await verifyCode(app.controller.store(), app.controller.session!, user, totpAt(secret, clock.now() - DAY))).result).toBe('rejected');
      expect((await verifyCode(app.controller.store(), app.controller.session!, user, totpAt(secret, clock.now()))).result).toBe('accepted');
    });
  }

  for (const [label, at] of [
    ['spring forward (29 March, 01:59:45 → 03:00:15 local)', SPRING - 15_000],
    ['fall back (25 October, 02:59:45 CEST → 02:00:15 CET)', AUTUMN - 15_000],
  ] as const) {
    it(`across the daylight-saving change, ${label}: the code of the same instant is accepted (TOTP counts UTC seconds)`, async () => {
      const { app, clock, user } = await setup(at);
      const secret = await reenroll(app, user);
      clock.advance(30_000); // the local wall clock jumps an hour; the epoch moves 30 s
      expect(new Date(clock.now()).getTimezoneOffset()).not.toBe(new Date(at).getTimezoneOffset());
      expect(codeOf(await app.call('enrollment:confirm', { userId: user, code: totpAt(secret, clock.now()) }))).toBe('OK');
      // A phone that got the change wrong (an hour off) is refused.
      clock.advance(30_000);
      expect((await verifyCode(app.controller.store(), app.controller.session!, user, totpAt(secret, clock.now() - 3_600_000))).result).toBe('rejected');
    });
  }
});

describe('one-time code expiry is the absolute time stored at issue', () => {
  async function issue(app: SuiteApp, user: number, minutes = 60) {
    const r = await app.call('codes:issue-one-time', { userId: user, ...CTX, minutes });
    expect(r.ok).toBe(true);
    const stored = app.db().prepare("SELECT expires_at FROM one_time_codes WHERE user_id = ? AND status = 'active'").pluck().get(user) as number;
    return { code: r.value.code as string, expiresAt: r.value.expiresAt as number, stored };
  }
  const verify = async (app: SuiteApp, user: number, code: string) => (await verifyCode(app.controller.store(), app.controller.session!, user, code)).result;
  const lastReason = (app: SuiteApp) => listAudit(app.db(), { action: 'code.verify', limit: 1 })[0]!.details.reason;

  it('the clock moved back 90 s and back a day after issue: still valid until the stored time, which is never recomputed', async () => {
    const t = Date.UTC(2026, 10, 26, 9, 0, 0);
    const { app, clock, user } = await setup(t);
    const c = await issue(app, user);
    expect(c.expiresAt).toBe(t + 60 * MIN);
    expect(c.stored).toBe(c.expiresAt);
    clock.set(t - 90_000);
    expect((await app.call('users:view', { userId: user })).value.oneTimeCode).toEqual({ active: true, expiresAt: t + 60 * MIN });
    clock.set(t - DAY);
    expect((await app.call('users:view', { userId: user })).value.oneTimeCode).toEqual({ active: true, expiresAt: t + 60 * MIN });
    expect(await verify(app, user, c.code)).toBe('accepted');
    expect(app.db().prepare('SELECT expires_at FROM one_time_codes WHERE user_id = ?').pluck().get(user)).toBe(t + 60 * MIN);
  });

  it('the clock moved forward 90 s past the expiry, or a day: expired', async () => {
    const t = Date.UTC(2026, 10, 26, 9, 0, 0);
    const { app, clock, user } = await setup(t);
    const a = await issue(app, user, 10);
    clock.set(a.expiresAt - 90_000);
    expect((await app.call('users:view', { userId: user })).value.oneTimeCode.active).toBe(true);
    clock.set(a.expiresAt + 90_000);
    expect((await app.call('users:view', { userId: user })).value.oneTimeCode).toEqual({ active: false, expiresAt: null });
    expect(await verify(app, user, a.code)).toBe('rejected');
    expect(lastReason(app)).toBe('expired');
    clock.set(t);
    const b = await issue(app, user);
    clock.advance(DAY);
    expect(await verify(app, user, b.code)).toBe('rejected');
    expect(lastReason(app)).toBe('expired');
  });

  for (const [label, issuedAt, localIssued, localExpiry] of [
    ['fall back: issued 02:30 CEST, expires 02:30 CET (same wall-clock time, 60 minutes later)', AUTUMN - 30 * MIN, '02:30 (UTC+02:00)', '02:30 (UTC+01:00)'],
    ['spring forward: issued 01:30 CET, expires 03:30 CEST (two wall-clock hours, 60 minutes later)', SPRING - 30 * MIN, '01:30 (UTC+01:00)', '03:30 (UTC+02:00)'],
  ] as const) {
    it(`across the daylight-saving change, ${label}`, async () => {
      const { app, clock, user } = await setup(issuedAt);
      const other = insertUser(app.db(), 'ola.hansen@example.no', 'Ola Hansen');
      const a = await issue(app, user, 60);
      const b = await issue(app, other, 60);
      expect(a.stored).toBe(issuedAt + 60 * MIN);
      expect(b.stored).toBe(issuedAt + 60 * MIN);
      // The notification states local times with their offset, so both 02:30s can be told apart.
      const body = app.db().prepare("SELECT body FROM outbox WHERE kind = 'one-time-code' ORDER BY id DESC LIMIT 1").pluck().get() as string;
      expect(body).toContain(localIssued);
      expect(new Date(issuedAt + 60 * MIN).toTimeString().slice(0, 5)).toBe(localExpiry.slice(0, 5));
      clock.set(issuedAt + 60 * MIN - 1_000);
      expect(await verify(app, user, a.code)).toBe('accepted');
      clock.set(issuedAt + 60 * MIN);
      expect(await verify(app, other, b.code)).toBe('rejected');
      expect(lastReason(app)).toBe('expired');
      // The notification for a code issued now says the same wall-clock time with the other offset.
      await issue(app, user, 10);
      const later = app.db().prepare("SELECT body FROM outbox WHERE kind = 'one-time-code' ORDER BY id DESC LIMIT 1").pluck().get() as string;
      expect(later).toContain(localExpiry);
    });
  }
});

describe('a backward clock jump is reported, forward gaps are not', () => {
  it('clockCheck: behind by more than the tolerance is reported; 30 s back, a day forward and the October fall-back are not', async () => {
    const t = AUTUMN - 30_000; // 02:59:30 CEST
    const { app } = await setup(t);
    const db = app.db();
    const latest = db.prepare('SELECT max(at) FROM audit_events').pluck().get() as number;
    expect(latest).toBe(t);
    expect(await clockCheck(app.controller.store(), t - 90_000)).toEqual({ latestRecorded: t, behind: true });
    expect(await clockCheck(app.controller.store(), t - DAY)).toEqual({ latestRecorded: t, behind: true });
    expect(await clockCheck(app.controller.store(), t - 30_000)).toEqual({ latestRecorded: t, behind: false });
    expect(await clockCheck(app.controller.store(), t - CLOCK_TOLERANCE_MS)).toEqual({ latestRecorded: t, behind: false });
    expect(await clockCheck(app.controller.store(), t + DAY)).toEqual({ latestRecorded: t, behind: false });
    // One minute later the local wall clock reads 02:00:30 CET, an hour "earlier": not a jump.
    expect(new Date(t + MIN).toTimeString().slice(0, 8) < new Date(t).toTimeString().slice(0, 8)).toBe(true);
    expect(await clockCheck(app.controller.store(), t + MIN)).toEqual({ latestRecorded: t, behind: false });
  });

  it('the controller warns at sign-in when the clock went back (90 s, a day), not after a night or a DST change', async () => {
    const t = AUTUMN - 30_000;
    const { app, clock } = await setup(t);
    const warnings = () => app.events.filter((e) => e.event === 'clock:warning').map((e) => e.data as { latestRecorded: number; now: number });
    expect(warnings()).toEqual([]);
    const signInAt = async (at: number) => {
      app.close();
      clock.set(at);
      expect(codeOf(await app.signIn(ADMIN))).toBe('OK');
    };
    await signInAt(t + MIN); // after the fall-back: local time reads an hour earlier
    expect(warnings()).toEqual([]);
    await signInAt(t + MIN - 90_000); // 90 s before the latest recorded event (t + MIN)
    expect(warnings()).toEqual([{ latestRecorded: t + MIN, now: t + MIN - 90_000 }]);
    await signInAt(t + MIN + 10 * 3_600_000); // the next morning
    expect(warnings()).toHaveLength(1);
    await signInAt(t + MIN + 10 * 3_600_000 - DAY); // a day back
    expect(warnings()).toHaveLength(2);
    expect(warnings()[1]).toEqual({ latestRecorded: t + MIN + 10 * 3_600_000, now: t + MIN + 10 * 3_600_000 - DAY });
    // The periodic check (every minute in the app) warns too while the clock stays behind.
    await app.controller.checkClock();
    expect(warnings()).toHaveLength(3);
  });
});
