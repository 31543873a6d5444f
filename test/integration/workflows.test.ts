import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeVault } from '../helpers/vault.ts';
import { FactorDeskError } from '../../main/core/errors.ts';
import { foldKey } from '../../main/core/text.ts';
import { auditHead, listAudit, type AuditEvent } from '../../main/core/audit.ts';
import type { Vault } from '../../main/store/sqlite/vault.ts';
import type { Session } from '../../main/core/session.ts';
import type { ManualClock } from '../../main/core/clock.ts';
import { totpAt } from '../../main/core/totp.ts';
import { getSettings, updateSettings } from '../../main/core/settings.ts';
import { verificationState } from '../../main/core/actions.ts';
import { verifyCode } from '../../main/core/verify.ts';
import { issueOneTimeCode } from '../../main/core/one-time-codes.ts';
import { issueBackupCodes } from '../../main/core/backup-codes.ts';
import { confirmEnrollment, forceReenrollment, pendingEnrollmentForSheet, regenerateEnrollment, revealEnrollmentKey } from '../../main/core/enrollment.ts';
import { getUserFactors } from '../../main/core/factors.ts';
import { clearVerificationLock, recordRefusedRequest, removeSms } from '../../main/core/user-actions.ts';
import { exportOutbox, listOutbox } from '../../main/core/outbox.ts';
import { csvCell } from '../../main/core/csv-safe.ts';

let v: Awaited<ReturnType<typeof makeVault>>;
let vault: Vault;
let agent: Session;
let admin: Session;
let clock: ManualClock;
let kari: number;
const ctx = { checks: ['callback'], ticket: 'HD-20391', reason: 'changed phone' };
const service: Session = { operatorId: 'service:k1', name: 'service:login', displayName: 'login', role: 'service', emailKey: null, signedInAt: 0 };

/** Inserts a user with plain SQL (the user service is another module's). */
function addUser(email: string, name: string, opts: { phone?: string; status?: 'active' | 'disabled'; sms?: string } = {}): number {
  const now = clock.now();
  const id = Number(
    vault.db
      .prepare('INSERT INTO users (email, email_key, name, name_key, phone, organization, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(email, foldKey(email), name, foldKey(name), opts.phone ?? null, 'Eksempel AS', opts.status ?? 'active', now, now).lastInsertRowid,
  );
  if (opts.sms) vault.db.prepare('INSERT INTO sms_factors (user_id, phone, verified, created_at) VALUES (?, ?, 1, ?)').run(id, opts.sms, now);
  return id;
}

function b32decode(s: string): Buffer {
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of s) {
    value = (value << 5) | A.indexOf(ch);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** What the user's phone learns from scanning the QR. */
const secretOf = (uri: string) => b32decode(new URL(uri.replace('otpauth://', 'https://')).searchParams.get('secret')!);
const codeAt = (secret: Buffer, step: number) => totpAt(secret, step * 30_000);
const stepNow = () => Math.floor(clock.now() / 30_000);

function errCode(fn: () => unknown): string {
  try {
    fn();
    return 'OK';
  } catch (err) {
    if (err instanceof FactorDeskError) return err.code;
    throw err;
  }
}

const last = (): AuditEvent => listAudit(vault.db, { limit: 1 })[0]!;
const auditCount = () => auditHead(vault.db).count;
const verify = (userId: number, code: string, s: Session = agent) => verifyCode(vault, s, userId, code).result;

/** Enrolls an authenticator (re-enroll then confirm) and returns its secret. */
function enroll(userId: number): Buffer {
  const r = forceReenrollment(vault, agent, userId, ctx);
  const secret = secretOf(r.uri);
  confirmEnrollment(vault, agent, userId, codeAt(secret, stepNow()));
  return secret;
}

beforeEach(async () => {
  v = await makeVault({ withAgent: true });
  vault = v.vault;
  agent = v.agent!;
  admin = v.admin;
  clock = v.clock;
  clock.advance(15_000); // into the middle of a 30-second step
  kari = addUser('kari.nordmann@example.no', 'Kari Nordmann', { phone: '+4791234567', sms: '+4791234567' });
});
afterEach(() => v.cleanup());

describe('TOTP window and replay', () => {
  it('accepts the current step and one either side, never ±2, never the same or an older step twice', () => {
    const secret = enroll(kari);
    clock.advance(60_000);
    const c = stepNow();
    expect(verify(kari, codeAt(secret, c + 2))).toBe('rejected');
    expect(last().details.reason).toBe('wrong');
    expect(verify(kari, codeAt(secret, c - 2))).toBe('rejected');
    expect(verify(kari, codeAt(secret, c - 1))).toBe('accepted');
    expect(last().details.reason).toBe('accepted-totp');
    expect(verify(kari, codeAt(secret, c - 1))).toBe('rejected');
    expect(last().details.reason).toBe('reused');
    expect(verify(kari, codeAt(secret, c))).toBe('accepted');
    expect(verify(kari, codeAt(secret, c + 1))).toBe('accepted');
    // The current step is now older than the last accepted one: refused even though in the window.
    expect(verify(kari, codeAt(secret, c))).toBe('rejected');
    expect(last().details.reason).toBe('reused');
    clock.advance(30_000);
    expect(verify(kari, codeAt(secret, c + 1))).toBe('rejected');
    expect(verify(kari, codeAt(secret, c + 2))).toBe('accepted');
  });
});

describe('failure counter, burn and lock', () => {
  it('burns the one-time code at 5 failures, locks at 10, unlocks after the cool-down, and an accepted code resets', () => {
    const { code } = issueOneTimeCode(vault, agent, kari, ctx);
    const { codes } = issueBackupCodes(vault, agent, kari, ctx);
    const wrong = code.replace(' ', '').replace(/.$/, (d) => String((Number(d) + 1) % 10));
    for (let i = 1; i <= 4; i++) expect(verify(kari, wrong)).toBe('rejected');
    expect(getUserFactors(vault, agent, kari).oneTimeCode.active).toBe(true);
    expect(verify(kari, wrong)).toBe('rejected');
    expect(last().details).toMatchObject({ failures: 5, burnedOneTimeCode: true });
    expect(getUserFactors(vault, agent, kari).oneTimeCode.active).toBe(false);
    expect(verify(kari, code)).toBe('rejected');
    expect(last().details.reason).toBe('burned');
    for (let i = 7; i <= 9; i++) expect(verify(kari, wrong)).toBe('rejected');
    expect(verify(kari, wrong)).toBe('rejected');
    expect(last().details).toMatchObject({ failures: 10, locked: true });
    // Locked: even a good backup code is refused, and the counter does not move.
    expect(verify(kari, codes[0]!)).toBe('locked');
    expect(last().outcome).toBe('locked');
    expect(verificationState(vault.db, kari).failures).toBe(10);
    expect(getUserFactors(vault, agent, kari).verification).toMatchObject({ failures: 10, locked: true });
    clock.advance(30 * 60_000 - 1_000);
    expect(verify(kari, codes[0]!)).toBe('locked');
    clock.advance(1_000);
    expect(verify(kari, codes[0]!)).toBe('accepted');
    expect(verificationState(vault.db, kari)).toEqual({ failures: 0, lockedAt: null, lockedUntil: null });
  });

  it('an admin clears a lock; an agent may not', () => {
    const { codes } = issueBackupCodes(vault, agent, kari, ctx);
    for (let i = 0; i < 10; i++) verify(kari, '000000');
    expect(verify(kari, codes[1]!)).toBe('locked');
    expect(errCode(() => clearVerificationLock(vault, agent, kari, ctx))).toBe('FORBIDDEN');
    expect(errCode(() => clearVerificationLock(vault, admin, kari, { ...ctx, checks: ['known-email'] }))).toBe('CHECKS_REQUIRED');
    const before = auditCount();
    clearVerificationLock(vault, admin, kari, ctx);
    expect(auditCount()).toBe(before + 1);
    expect(last()).toMatchObject({ action: 'lock.clear', checks: ['callback'], ticket: 'HD-20391', details: { previousFailures: 10, wasLocked: true } });
    expect(verify(kari, codes[1]!)).toBe('accepted');
  });

  it('malformed input is BAD_REQUEST and moves no counter and writes no event', () => {
    verify(kari, '000000');
    const before = auditCount();
    for (const bad of ['', '12345', '1234567', '123456789', 'abc', 'ABCD-EFGH', '12 34 5x', '0'.repeat(100), 'K7QM-9XWE-R4TP-H2Z0']) {
      expect(errCode(() => verifyCode(vault, agent, kari, bad))).toBe('BAD_REQUEST');
    }
    expect(errCode(() => verifyCode(vault, agent, kari, 123456 as unknown as string))).toBe('BAD_REQUEST');
    expect(verificationState(vault.db, kari).failures).toBe(1);
    expect(auditCount()).toBe(before);
  });
});

describe('one-time codes', () => {
  it('is 8 grouped digits, single use, expires by the stored absolute time, and a new one voids the old', () => {
    const a = issueOneTimeCode(vault, agent, kari, { ...ctx, minutes: 10 });
    expect(a.code).toMatch(/^\d{4} \d{4}$/);
    expect(a.expiresAt).toBe(clock.now() + 10 * 60_000);
    const b = issueOneTimeCode(vault, agent, kari, { ...ctx, minutes: 10 });
    expect(verify(kari, a.code)).toBe('rejected');
    expect(last().details.reason).toBe('voided');
    clock.advance(10 * 60_000 - 1);
    expect(verify(kari, b.code.replace(' ', '-'))).toBe('accepted');
    expect(last().details.reason).toBe('accepted-one-time');
    expect(verify(kari, b.code)).toBe('rejected');
    expect(last().details.reason).toBe('reused');
    const c = issueOneTimeCode(vault, agent, kari, ctx);
    expect(c.expiresAt - clock.now()).toBe(60 * 60_000); // the policy default
    clock.advance(60 * 60_000);
    expect(getUserFactors(vault, agent, kari).oneTimeCode).toEqual({ active: false, expiresAt: null });
    expect(verify(kari, c.code)).toBe('rejected');
    expect(last().details.reason).toBe('expired');
  });

  it('refuses a lifetime outside 10 minutes to 24 hours', () => {
    for (const minutes of [9, 1441, 10.5, 0, -5]) expect(errCode(() => issueOneTimeCode(vault, agent, kari, { ...ctx, minutes }))).toBe('BAD_REQUEST');
    expect(errCode(() => issueOneTimeCode(vault, agent, kari, { ...ctx, minutes: 1440 }))).toBe('OK');
    expect(errCode(() => issueOneTimeCode(vault, agent, kari, { ...ctx, minutes: 10 }))).toBe('OK');
  });
});

describe('backup codes', () => {
  it('issues 10 distinct grouped codes, each usable once; a new set voids the old', () => {
    const first = issueBackupCodes(vault, agent, kari, ctx);
    expect(first.codes).toHaveLength(10);
    expect(new Set(first.codes).size).toBe(10);
    for (const code of first.codes) expect(code).toMatch(/^[2-9A-HJKMNP-Z]{4}(-[2-9A-HJKMNP-Z]{4}){3}$/);
    expect(verify(kari, first.codes[0]!.toLowerCase().replace(/-/g, ' '))).toBe('accepted');
    expect(last().details.reason).toBe('accepted-backup');
    expect(verify(kari, first.codes[0]!)).toBe('rejected');
    expect(last().details.reason).toBe('reused');
    expect(verify(kari, first.codes[1]!)).toBe('accepted');
    expect(getUserFactors(vault, agent, kari).backupCodes).toMatchObject({ remaining: 8, total: 10 });
    const second = issueBackupCodes(vault, agent, kari, ctx);
    expect(verify(kari, first.codes[2]!)).toBe('rejected');
    for (const code of second.codes) expect(verify(kari, code)).toBe('accepted');
    expect(getUserFactors(vault, agent, kari).backupCodes).toMatchObject({ remaining: 0, total: 10 });
  });
});

describe('re-enrollment', () => {
  it('revokes the old secret at once and activates the pending one at its first accepted code (verify)', () => {
    const old = enroll(kari);
    const r = forceReenrollment(vault, agent, kari, ctx);
    expect(r.key.replace(/ /g, '')).toBe(new URL(r.uri.replace('otpauth://', 'https://')).searchParams.get('secret'));
    expect(r.key).toMatch(/^([A-Z2-7]{4} ){7}[A-Z2-7]{4}$/);
    expect(r.sheetId).toMatch(/^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{2}$/);
    expect(r.deadline).toBe(clock.now() + 7 * 86_400_000);
    expect(verify(kari, codeAt(old, stepNow() + 1))).toBe('rejected');
    const revoked = vault.db.prepare("SELECT secret, ended_at FROM authenticators WHERE user_id = ? AND status = 'revoked'").get(kari) as { secret: Buffer; ended_at: number };
    expect(revoked.secret.equals(Buffer.alloc(20))).toBe(true);
    expect(revoked.ended_at).toBe(clock.now());
    const fresh = secretOf(r.uri);
    expect(getUserFactors(vault, agent, kari).authenticator.status).toBe('pending');
    expect(verify(kari, codeAt(fresh, stepNow()))).toBe('accepted');
    expect(last().details.reason).toBe('activated-enrollment');
    const f = getUserFactors(vault, agent, kari);
    expect(f.authenticator).toMatchObject({ status: 'active', enrolledAt: clock.now() });
    expect(f.pending).toBeNull();
    expect(verify(kari, codeAt(fresh, stepNow()))).toBe('rejected'); // replay after activation
    expect(errCode(() => confirmEnrollment(vault, agent, kari, codeAt(fresh, stepNow() + 1)))).toBe('NO_PENDING_ENROLLMENT');
  });

  it('confirm counts a wrong code, then activates; old codes can be voided and backup codes issued for the sheet', () => {
    const otc = issueOneTimeCode(vault, agent, kari, ctx);
    const oldCodes = issueBackupCodes(vault, agent, kari, ctx).codes;
    const r = forceReenrollment(vault, agent, kari, { ...ctx, voidCodes: true, withBackupCodes: true });
    expect(r.backupCodes).toHaveLength(10);
    const sheet = pendingEnrollmentForSheet(vault, agent, kari, r.enrollmentId);
    expect(sheet.uri).toBe(r.uri);
    expect(sheet.key).toBe(r.key);
    expect(sheet.secret.equals(secretOf(r.uri))).toBe(true);
    expect(sheet.backupCodes).toEqual(r.backupCodes);
    const fresh = secretOf(r.uri);
    expect(errCode(() => confirmEnrollment(vault, agent, kari, codeAt(fresh, stepNow() + 3)))).toBe('CODE_REJECTED');
    expect(verificationState(vault.db, kari).failures).toBe(1);
    expect(last()).toMatchObject({ action: 'enrollment.confirm', outcome: 'rejected' });
    expect(errCode(() => confirmEnrollment(vault, agent, kari, otc.code))).toBe('BAD_REQUEST');
    expect(confirmEnrollment(vault, agent, kari, codeAt(fresh, stepNow()))).toEqual({ status: 'active' });
    expect(verificationState(vault.db, kari).failures).toBe(0);
    expect(verify(kari, otc.code)).toBe('rejected');
    expect(verify(kari, oldCodes[0]!)).toBe('rejected');
    expect(verify(kari, r.backupCodes![0]!)).toBe('accepted');
    expect(errCode(() => pendingEnrollmentForSheet(vault, agent, kari, r.enrollmentId))).toBe('NO_PENDING_ENROLLMENT');
  });

  it('regenerate voids the pending secret and makes a new one', () => {
    expect(errCode(() => regenerateEnrollment(vault, agent, kari, ctx))).toBe('NO_PENDING_ENROLLMENT');
    const r1 = forceReenrollment(vault, agent, kari, ctx);
    const r2 = regenerateEnrollment(vault, agent, kari, ctx);
    expect(r2.enrollmentId).not.toBe(r1.enrollmentId);
    expect(r2.key).not.toBe(r1.key);
    expect(errCode(() => revealEnrollmentKey(vault, agent, kari, r1.enrollmentId))).toBe('NO_PENDING_ENROLLMENT');
    const voided = vault.db.prepare('SELECT status, secret FROM authenticators WHERE id = ?').get(r1.enrollmentId) as { status: string; secret: Buffer };
    expect(voided.status).toBe('voided');
    expect(voided.secret.equals(Buffer.alloc(20))).toBe(true);
    expect(verify(kari, codeAt(secretOf(r1.uri), stepNow()))).toBe('rejected');
    expect(verify(kari, codeAt(secretOf(r2.uri), stepNow()))).toBe('accepted');
  });

  it('a pending enrollment lapses at its deadline', () => {
    const r = forceReenrollment(vault, agent, kari, ctx);
    clock.advance(7 * 86_400_000 - 60_000);
    expect(getUserFactors(vault, agent, kari).pending).toMatchObject({ enrollmentId: r.enrollmentId, deadline: r.deadline });
    clock.advance(60_000);
    expect(errCode(() => confirmEnrollment(vault, agent, kari, codeAt(secretOf(r.uri), stepNow())))).toBe('NO_PENDING_ENROLLMENT');
    expect(verify(kari, codeAt(secretOf(r.uri), stepNow()))).toBe('rejected');
    const f = getUserFactors(vault, agent, kari);
    expect(f.pending).toBeNull();
    expect(f.authenticator.status).toBe('none');
    expect((vault.db.prepare('SELECT status FROM authenticators WHERE id = ?').get(r.enrollmentId) as { status: string }).status).toBe('lapsed');
  });
});

describe('identity-check policy and targets', () => {
  const actions: Array<[string, (s: Session, id: number, c: typeof ctx) => unknown]> = [
    ['one-time code', (s, id, c) => issueOneTimeCode(vault, s, id, c)],
    ['backup codes', (s, id, c) => issueBackupCodes(vault, s, id, c)],
    ['re-enrollment', (s, id, c) => forceReenrollment(vault, s, id, c)],
    ['remove SMS', (s, id, c) => removeSms(vault, s, id, c)],
  ];
  for (const [name, act] of actions) {
    it(`${name}: refuses weak checks, missing fields, own account, disabled and unknown users, and changes nothing`, () => {
      const per = addUser('Per.Lie@Example.no', 'Per Lie', { sms: '+4790000001' });
      const ola = addUser('ola@example.no', 'Ola Hansen', { status: 'disabled', sms: '+4790000002' });
      const before = auditCount();
      expect(errCode(() => act(agent, kari, { ...ctx, checks: ['known-email'] }))).toBe('CHECKS_REQUIRED');
      expect(errCode(() => act(agent, kari, { ...ctx, checks: [] }))).toBe('CHECKS_REQUIRED');
      expect(errCode(() => act(agent, kari, { ...ctx, checks: ['callback', 'psychic'] }))).toBe('BAD_REQUEST');
      expect(errCode(() => act(agent, kari, { ...ctx, ticket: '   ' }))).toBe('TICKET_REQUIRED');
      expect(errCode(() => act(agent, kari, { ...ctx, reason: '' }))).toBe('REASON_REQUIRED');
      expect(errCode(() => act(agent, kari, { ...ctx, ticket: 'x'.repeat(201) }))).toBe('BAD_REQUEST');
      expect(errCode(() => act(agent, per, ctx))).toBe('OWN_ACCOUNT');
      expect(errCode(() => act(agent, ola, ctx))).toBe('USER_DISABLED');
      expect(errCode(() => act(agent, 99999, ctx))).toBe('NOT_FOUND');
      expect(errCode(() => act(service, kari, ctx))).toBe('FORBIDDEN');
      expect(auditCount()).toBe(before);
      expect(listOutbox(vault, admin)).toHaveLength(0);
      expect(errCode(() => act(admin, per, { ...ctx, checks: ['known-email', 'photo-id'] }))).toBe('OK');
      expect(auditCount()).toBe(before + 1);
    });
  }

  it('settings: known-email can never be made strong; limits are enforced; only admins change them', () => {
    const checks = getSettings(vault.db).identityChecks.map((c) => (c.id === 'known-email' ? { ...c, strong: true } : c));
    expect(errCode(() => updateSettings(vault, admin, { identityChecks: checks }))).toBe('BAD_REQUEST');
    expect(errCode(() => updateSettings(vault, admin, { identityChecks: checks.map((c) => ({ ...c, strong: false })) }))).toBe('BAD_REQUEST');
    expect(errCode(() => updateSettings(vault, admin, { oneTimeCodeMinutes: 5 }))).toBe('BAD_REQUEST');
    expect(errCode(() => updateSettings(vault, admin, { issuer: 'Evil:Corp' }))).toBe('BAD_REQUEST');
    expect(errCode(() => updateSettings(vault, agent, { issuer: 'Eksempel AS' }))).toBe('FORBIDDEN');
    expect(errCode(() => updateSettings(vault, admin, { idleLockMinutes: 61 }))).toBe('BAD_REQUEST');
    expect(errCode(() => updateSettings(vault, admin, { enrollmentDeadlineDays: 0 }))).toBe('BAD_REQUEST');
    expect(errCode(() => updateSettings(vault, admin, { verification: { lockAfter: 100 } }))).toBe('BAD_REQUEST');
    expect(errCode(() => updateSettings(vault, admin, { nonsense: 1 } as never))).toBe('BAD_REQUEST');
    const svg = (body: string) => `data:image/svg+xml;base64,${Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg">${body}</svg>`).toString('base64')}`;
    expect(errCode(() => updateSettings(vault, admin, { organizationLogo: svg('<script>alert(1)</script>') }))).toBe('BAD_REQUEST');
    expect(errCode(() => updateSettings(vault, admin, { organizationLogo: svg('<image href="https://evil.example/x.png"/>') }))).toBe('BAD_REQUEST');
    expect(errCode(() => updateSettings(vault, admin, { organizationLogo: `data:image/png;base64,${Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(201 * 1024)]).toString('base64')}` }))).toBe('BAD_REQUEST');
    expect(errCode(() => updateSettings(vault, admin, { organizationLogo: `data:image/png;base64,${Buffer.from('not a png').toString('base64')}` }))).toBe('BAD_REQUEST');
    const e = (() => {
      try {
        updateSettings(vault, admin, { oneTimeCodeMinutes: 5 });
      } catch (err) {
        return err as FactorDeskError;
      }
      return null;
    })();
    expect(e?.details).toMatchObject({ field: 'oneTimeCodeMinutes' });
    expect(e?.message).toContain('at least 10');
    expect(errCode(() => updateSettings(vault, admin, { organizationLogo: svg('<circle r="4" fill="url(#g)"/>') }))).toBe('OK');
    const logo = `data:image/png;base64,${Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(64)]).toString('base64')}`;
    const s = updateSettings(vault, admin, { issuer: 'Eksempel AS', organizationLogo: logo, verification: { cooldownMinutes: 45 } });
    expect(s).toMatchObject({ issuer: 'Eksempel AS', organizationLogo: logo, verification: { burnAfter: 5, lockAfter: 10, cooldownMinutes: 45 } });
    expect(last()).toMatchObject({ action: 'settings.update', details: { changed: ['organizationLogo', 'issuer', 'verification'] } });
    expect(getSettings(vault.db).verification.cooldownMinutes).toBe(45);
    expect(JSON.stringify(last())).not.toContain('base64');
    expect(forceReenrollment(vault, agent, kari, ctx).uri).toMatch(/^otpauth:\/\/totp\/Eksempel%20AS:kari\.nordmann%40example\.no\?secret=[A-Z2-7]{32}&issuer=Eksempel%20AS$/);
  });
});

describe('role table', () => {
  it('a service key can only verify; an agent cannot clear locks, export or change settings', () => {
    issueBackupCodes(vault, agent, kari, ctx);
    expect(verify(kari, '123456', service)).toBe('rejected');
    expect(last().operator).toBe('service:login');
    const forbidden: Array<() => unknown> = [
      () => getUserFactors(vault, service, kari),
      () => confirmEnrollment(vault, service, kari, '123456'),
      () => regenerateEnrollment(vault, service, kari, ctx),
      () => clearVerificationLock(vault, service, kari, ctx),
      () => recordRefusedRequest(vault, service, kari, { callerName: 'x', requested: 'y', failedChecks: [], ticket: 't' }),
      () => exportOutbox(vault, service, 'csv'),
      () => clearVerificationLock(vault, agent, kari, ctx),
      () => exportOutbox(vault, agent, 'csv'),
      () => listOutbox(vault, agent),
      () => updateSettings(vault, agent, {}),
    ];
    for (const f of forbidden) expect(errCode(f)).toBe('FORBIDDEN');
  });
});

describe('factor summary', () => {
  it('shows states, masked SMS and the directory phone, writes the audited view, and holds no secret', () => {
    const secret = enroll(kari);
    const otc = issueOneTimeCode(vault, agent, kari, ctx);
    const backup = issueBackupCodes(vault, agent, kari, ctx).codes;
    verify(kari, '999999');
    const r = forceReenrollment(vault, agent, kari, ctx);
    const before = auditCount();
    const f = getUserFactors(vault, agent, kari);
    expect(auditCount()).toBe(before + 1);
    expect(last()).toMatchObject({ action: 'user.view', operator: 'per', userId: kari });
    expect(f.user).toMatchObject({ email: 'kari.nordmann@example.no', phone: '+4791234567', status: 'active' });
    expect(f.sms).toEqual({ masked: '••• •• •67', verified: true, usage: 'login-only' });
    expect(f.authenticator.status).toBe('pending');
    expect(f.pending).toMatchObject({ enrollmentId: r.enrollmentId, deadline: r.deadline, sheetId: r.sheetId });
    expect(f.backupCodes).toMatchObject({ remaining: 10, total: 10 });
    expect(f.oneTimeCode).toEqual({ active: true, expiresAt: otc.expiresAt });
    expect(f.verification).toEqual({ failures: 1, locked: false, lockedUntil: null });
    expect(f.recentEvents.length).toBeGreaterThan(3);
    expect(f.recentEvents.every((e) => e.userId === kari)).toBe(true);
    const json = JSON.stringify(f);
    const needles = [otc.code, otc.code.replace(' ', ''), ...backup, ...backup.map((c) => c.replace(/-/g, '')), r.key, r.key.replace(/ /g, '')];
    const blobs = [secret, secretOf(r.uri)];
    for (const t of ['one_time_codes', 'backup_codes']) {
      for (const row of vault.db.prepare(`SELECT salt, hash FROM ${t}`).all() as Array<{ salt: Buffer; hash: Buffer }>) blobs.push(row.salt, row.hash);
    }
    for (const b of blobs) needles.push(b.toString('hex'), b.toString('base64'), b.toString('base64url'));
    needles.push(b32(secret), b32(secretOf(r.uri)));
    for (const n of needles) expect(json.toLowerCase()).not.toContain(n.toLowerCase());
    // Apart from the audit chain's own hashes (public integrity values), no such field at all.
    const withoutChain = JSON.stringify({ ...f, recentEvents: f.recentEvents.map(({ prevHash: _p, hash: _h, ...e }) => e) });
    expect(withoutChain).not.toMatch(/secret|hash|salt/i);
  });
});

function b32(buf: Buffer): string {
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const byte of buf) bits += byte.toString(2).padStart(8, '0');
  return (bits.match(/.{1,5}/g) ?? []).map((c) => A[parseInt(c.padEnd(5, '0'), 2)]).join('');
}

describe('audit, outbox and refused requests', () => {
  it('every action writes exactly one event with checks, ticket and reason and no secret', () => {
    const actx = { checks: ['photo-id', 'known-email'], ticket: 'HD-1', reason: 'lost phone' };
    const steps: Array<[string, () => unknown, boolean]> = [
      ['code.issue-one-time', () => issueOneTimeCode(vault, agent, kari, actx), true],
      ['code.backup-codes', () => issueBackupCodes(vault, agent, kari, actx), true],
      ['enrollment.reenroll', () => forceReenrollment(vault, agent, kari, { ...actx, withBackupCodes: true }), true],
      ['enrollment.regenerate', () => regenerateEnrollment(vault, agent, kari, actx), true],
      ['sms.remove', () => removeSms(vault, agent, kari, actx), true],
      ['lock.clear', () => clearVerificationLock(vault, admin, kari, actx), true],
    ];
    for (const [action, run, withCtx] of steps) {
      const before = auditCount();
      const result = run();
      expect(auditCount(), action).toBe(before + 1);
      const e = last();
      expect(e.action).toBe(action);
      if (withCtx) expect(e).toMatchObject({ checks: actx.checks, ticket: actx.ticket, reason: actx.reason, userId: kari });
      const text = JSON.stringify(e);
      for (const s of Object.values(result as Record<string, unknown>).flat()) {
        if (typeof s === 'string' && /^[A-Z0-9 -]{8,}$|^otpauth:/.test(s) && !/^[2-9A-Z]{4}-[2-9A-Z]{2}$/.test(s)) expect(text).not.toContain(s);
      }
    }
    const pending = getUserFactors(vault, agent, kari).pending!;
    const before = auditCount();
    revealEnrollmentKey(vault, agent, kari, pending.enrollmentId);
    expect(auditCount()).toBe(before + 1);
    expect(last()).toMatchObject({ action: 'enrollment.reveal-key', userId: kari, details: { enrollmentId: pending.enrollmentId } });
    expect(errCode(() => removeSms(vault, agent, kari, actx))).toBe('CONFLICT');
  });

  it('queues a notification per change, exports each once, with neutralised CSV cells', () => {
    const hostile = addUser('=HYPERLINK(1)@example.no', 'Mallory', { sms: '+4790000003' });
    const plus = addUser('+kari@example.no', 'Plus Kari');
    updateSettings(vault, admin, { supportContact: '+47 22 00 00 00' });
    const otc = issueOneTimeCode(vault, agent, hostile, ctx);
    removeSms(vault, agent, hostile, ctx);
    issueBackupCodes(vault, agent, plus, ctx);
    const items = listOutbox(vault, admin, { pendingOnly: true });
    expect(items.map((i) => i.kind)).toEqual(['backup-codes', 'sms-removed', 'one-time-code']);
    for (const i of items) {
      expect(i.body).toContain('If this was not you, call +47 22 00 00 00.');
      expect(i.body).toContain('Hvis dette ikke var deg, ring +47 22 00 00 00.');
      expect(i.body).toMatch(/changed by the helpdesk on \d{4}-\d{2}-\d{2} at \d{2}:\d{2}/);
    }
    expect(items.some((i) => i.body.includes(otc.code) || i.body.includes(otc.code.replace(' ', '')))).toBe(false);
    const before = auditCount();
    const csv = exportOutbox(vault, admin, 'csv');
    expect(csv.count).toBe(3);
    expect(auditCount()).toBe(before + 1);
    expect(last()).toMatchObject({ action: 'outbox.export', details: { format: 'csv', count: 3 } });
    const lines = csv.content.split('\r\n');
    expect(lines[0]).toBe('id,user_id,email,kind,subject,body,created_at');
    expect(lines.filter((l) => l.includes('example.no,')).every((l) => /^\d+,\d+,'[=+]/.test(l))).toBe(true);
    expect(csv.content).toContain(`,'=HYPERLINK(1)@example.no,`);
    expect(csv.content).toContain(`,'+kari@example.no,`);
    expect(exportOutbox(vault, admin, 'csv').count).toBe(0);
    expect(listOutbox(vault, admin, { pendingOnly: true })).toHaveLength(0);
    expect(listOutbox(vault, admin).every((i) => i.exportedAt === clock.now())).toBe(true);
    issueBackupCodes(vault, agent, kari, ctx);
    const json = exportOutbox(vault, admin, 'json');
    expect(json.count).toBe(1);
    expect(JSON.parse(json.content).items[0]).toMatchObject({ userId: kari, kind: 'backup-codes', email: 'kari.nordmann@example.no' });
    expect(errCode(() => exportOutbox(vault, admin, 'xml' as 'csv'))).toBe('BAD_REQUEST');
  });

  it('csvCell strips control characters and neutralises formula starts', () => {
    expect(csvCell('=1+1')).toBe("'=1+1");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('-2+3')).toBe("'-2+3");
    expect(csvCell('\t=cmd')).toBe("'=cmd");
    expect(csvCell('\r=cmd')).toBe("'=cmd");
    expect(csvCell('a\u0000b\u0007c\u202Ed')).toBe('abcd');
    expect(csvCell('say "hi", ok')).toBe('"say ""hi"", ok"');
    expect(csvCell('a;b')).toBe('"a;b"');
    expect(csvCell(-5)).toBe('-5');
    expect(csvCell(null)).toBe('');
  });

  it('records a refused request that an admin can filter for', () => {
    const before = auditCount();
    const r = recordRefusedRequest(vault, agent, kari, { callerName: 'Per Olsen?', callerNumber: '+4799999999', requested: 'one-time code by e-mail', failedChecks: ['callback'], ticket: 'HD-666', notes: 'in a hurry' });
    recordRefusedRequest(vault, agent, null, { callerName: 'Unknown', requested: 'reset', failedChecks: [], ticket: 'HD-667' });
    expect(auditCount()).toBe(before + 2);
    expect(errCode(() => recordRefusedRequest(vault, agent, kari, { callerName: 'x', requested: 'y', failedChecks: [], ticket: ' ' }))).toBe('TICKET_REQUIRED');
    expect(errCode(() => recordRefusedRequest(vault, agent, kari, { callerName: '', requested: 'y', failedChecks: [], ticket: 't' }))).toBe('BAD_REQUEST');
    expect(errCode(() => recordRefusedRequest(vault, agent, kari, { callerName: 'x', requested: 'y', failedChecks: ['nope'], ticket: 't' }))).toBe('BAD_REQUEST');
    const refused = listAudit(vault.db, { action: 'request.refused' });
    expect(refused).toHaveLength(2);
    expect(refused[1]).toMatchObject({ seq: r.seq, outcome: 'refused', userId: kari, ticket: 'HD-666', details: { callerName: 'Per Olsen?', failedChecks: ['callback'], requested: 'one-time code by e-mail' } });
    expect(refused[0]).toMatchObject({ userId: null, ticket: 'HD-667' });
  });
});
