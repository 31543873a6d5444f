import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { errorCode as errCode, makeVault } from '../helpers/vault.ts';
import type { FactorDeskError } from '../../main/core/errors.ts';
import { foldKey, identityKey } from '../../main/core/text.ts';
import type { AuditEvent } from '../../main/core/audit.ts';
import type { Vault } from '../../main/store/sqlite/vault.ts';
import type { OutputSink } from '../../main/core/sink.ts';
import { storeOf } from '../../main/store/sqlite/sqlite-store.ts';
import type { Store } from '../../main/store/port.ts';
import type { VerificationState } from '../../main/store/records.ts';
import { LEGACY_CLIENT } from '../../main/store/repos/verification.ts';
import type { Session } from '../../main/core/session.ts';
import type { ManualClock } from '../../main/core/clock.ts';
import { totpAt } from '../../main/core/totp.ts';
import { currentSettings, updateSettings } from '../../main/core/settings.ts';
import { throttleClient, verifyCode, verifyCodeForEmail } from '../../main/core/verify.ts';
import { issueOneTimeCode } from '../../main/core/one-time-codes.ts';
import { issueBackupCodes } from '../../main/core/backup-codes.ts';
import { confirmEnrollment, forceReenrollment, pendingEnrollmentForSheet, regenerateEnrollment, revealEnrollmentKey } from '../../main/core/enrollment.ts';
import { getUserFactors, VIEW_FOLD_MS } from '../../main/core/factors.ts';
import { clearVerificationLock, recordRefusedRequest, removeSms } from '../../main/core/user-actions.ts';
import { exportOutbox, listOutbox } from '../../main/core/outbox.ts';
import { csvCell } from '../../main/core/csv-safe.ts';
import { BOX_OVERHEAD } from '../../main/core/value-cipher.ts';

let v: Awaited<ReturnType<typeof makeVault>>;
let vault: Vault;
let store: Store;
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
      .prepare('INSERT INTO users (email, email_identity, email_key, name, name_key, phone, organization, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(email, identityKey(email), foldKey(email), name, foldKey(name), opts.phone ?? null, 'Eksempel AS', opts.status ?? 'active', now, now).lastInsertRowid,
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

const last = async (): Promise<AuditEvent> => (await store.read((tx) => tx.audit.list({ limit: 1 })))[0]!;
const auditCount = async (): Promise<number> => (await store.read((tx) => tx.audit.head())).count;
/** The user's state as the agent's own verifications count it (the throttle is per calling client). */
const state = (userId: number, s: Session = agent): Promise<VerificationState> => store.read((tx) => tx.verification.get(userId, throttleClient(s)));
const verify = async (userId: number, code: string, s: Session = agent) => (await verifyCode(store, s, userId, code)).result;

/** An export destination in memory: what was saved (and not taken back). */
function memorySink(): OutputSink & { saved: string[] } {
  const saved: string[] = [];
  return {
    saved,
    save: async (content) => void saved.push(content),
    discard: async () => void saved.pop(),
  };
}

/** Enrolls an authenticator (re-enroll then confirm) and returns its secret. */
async function enroll(userId: number): Promise<Buffer> {
  const r = await forceReenrollment(store, agent, userId, ctx);
  const secret = secretOf(r.uri);
  await confirmEnrollment(store, agent, userId, codeAt(secret, stepNow()));
  return secret;
}

beforeEach(async () => {
  v = await makeVault({ withAgent: true });
  vault = v.vault;
  store = storeOf(vault);
  agent = v.agent!;
  admin = v.admin;
  clock = v.clock;
  clock.advance(15_000); // into the middle of a 30-second step
  kari = addUser('kari.nordmann@example.no', 'Kari Nordmann', { phone: '+4791234567', sms: '+4791234567' });
});
afterEach(() => v.cleanup());

describe('TOTP window and replay', () => {
  it('accepts the current step and one either side, never ±2, never the same or an older step twice', async () => {
    const secret = await enroll(kari);
    clock.advance(60_000);
    const c = stepNow();
    expect(await verify(kari, codeAt(secret, c + 2))).toBe('rejected');
    expect((await last()).details.reason).toBe('wrong');
    expect(await verify(kari, codeAt(secret, c - 2))).toBe('rejected');
    expect(await verify(kari, codeAt(secret, c - 1))).toBe('accepted');
    expect((await last()).details.reason).toBe('accepted-totp');
    expect(await verify(kari, codeAt(secret, c - 1))).toBe('rejected');
    expect((await last()).details.reason).toBe('replay');
    expect(await verify(kari, codeAt(secret, c))).toBe('accepted');
    expect(await verify(kari, codeAt(secret, c + 1))).toBe('accepted');
    // The current step is now older than the last accepted one: refused even though in the window.
    expect(await verify(kari, codeAt(secret, c))).toBe('rejected');
    expect((await last()).details.reason).toBe('replay');
    expect((await state(kari)).failures).toBe(0); // replays of a used step are not guesses
    clock.advance(30_000);
    expect(await verify(kari, codeAt(secret, c + 1))).toBe('rejected');
    expect(await verify(kari, codeAt(secret, c + 2))).toBe('accepted');
  });
});

describe('failure counter, burn and lock', () => {
  it('burns the one-time code at 5 failures, locks at 10, unlocks after the cool-down, and an accepted code resets', async () => {
    const { code } = await issueOneTimeCode(store, agent, kari, ctx);
    const { codes } = await issueBackupCodes(store, agent, kari, ctx);
    const wrong = code.replace(' ', '').replace(/.$/, (d) => String((Number(d) + 1) % 10));
    for (let i = 1; i <= 4; i++) expect(await verify(kari, wrong)).toBe('rejected');
    expect((await getUserFactors(store, agent, kari)).oneTimeCode.active).toBe(true);
    expect(await verify(kari, wrong)).toBe('rejected');
    expect((await last()).details).toMatchObject({ failures: 5, burnedOneTimeCode: true });
    expect((await getUserFactors(store, agent, kari)).oneTimeCode.active).toBe(false);
    expect(await verify(kari, code)).toBe('rejected');
    expect((await last()).details.reason).toBe('burned');
    for (let i = 7; i <= 9; i++) expect(await verify(kari, wrong)).toBe('rejected');
    expect(await verify(kari, wrong)).toBe('rejected');
    expect((await last()).details).toMatchObject({ failures: 10, locked: true });
    // Locked: even a good backup code is refused, and the counter does not move.
    expect(await verify(kari, codes[0]!)).toBe('locked');
    expect((await last()).outcome).toBe('locked');
    expect((await state(kari)).failures).toBe(10);
    expect((await getUserFactors(store, agent, kari)).verification).toMatchObject({ failures: 10, locked: true });
    clock.advance(30 * 60_000 - 1_000);
    expect(await verify(kari, codes[0]!)).toBe('locked');
    clock.advance(1_000);
    expect(await verify(kari, codes[0]!)).toBe('accepted');
    expect(await state(kari)).toEqual({ failures: 0, lockedAt: null, lockedUntil: null });
  });

  it('after the lock, each further wrong code doubles the wait from the cool-down up to 24 hours', async () => {
    const { codes } = await issueBackupCodes(store, agent, kari, ctx);
    for (let i = 0; i < 10; i++) await verify(kari, '000000');
    expect(await state(kari)).toEqual({ failures: 10, lockedAt: clock.now(), lockedUntil: clock.now() + 30 * 60_000 });
    // Each wait, once over, lets exactly one more try in; a wrong one doubles the next wait.
    const waits: number[] = [];
    for (let failures = 11; failures <= 18; failures++) {
      clock.advance((await state(kari)).lockedUntil! - clock.now());
      expect(await verify(kari, '000000')).toBe('rejected');
      const st = await state(kari);
      expect(st.failures).toBe(failures);
      waits.push((st.lockedUntil! - clock.now()) / 60_000);
      expect((await last()).details).toMatchObject({ failures, locked: true, lockedUntil: st.lockedUntil });
      // While it lasts, even the right code is answered locked and moves nothing.
      expect(await verify(kari, codes[0]!)).toBe('locked');
    }
    expect(waits).toEqual([60, 120, 240, 480, 960, 1440, 1440, 1440]);
    clock.advance(24 * 60 * 60_000);
    expect(await verify(kari, codes[0]!)).toBe('accepted');
    expect(await state(kari)).toEqual({ failures: 0, lockedAt: null, lockedUntil: null });
  });

  it('100 consecutive wrong codes lock until an admin clears it (NIST SP 800-63B), for a user and an unknown address', async () => {
    const { codes } = await issueBackupCodes(store, agent, kari, ctx);
    // 99 failures whose last wait is over (walking them by the clock would take months).
    await store.write((tx) => tx.verification.set(kari, throttleClient(agent), { failures: 99, lockedAt: 0, lockedUntil: clock.now() - 1 }));
    expect(await verify(kari, '000000')).toBe('rejected');
    expect(await state(kari)).toMatchObject({ failures: 100, lockedUntil: null });
    expect((await last()).details).toMatchObject({ failures: 100, locked: true, hardLocked: true });
    clock.advance(365 * 86_400_000);
    expect(await verify(kari, codes[0]!)).toBe('locked');
    expect((await last()).details).toMatchObject({ reason: 'locked', hardLocked: true });
    expect((await getUserFactors(store, agent, kari)).verification).toMatchObject({ failures: 100, locked: true, lockedUntil: null });
    await clearVerificationLock(store, admin, kari, ctx);
    expect((await last()).details).toMatchObject({ previousFailures: 100, wasLocked: true });
    expect(await verify(kari, codes[0]!)).toBe('accepted');

    await store.write((tx) => tx.verification.setUnknown('nobody@example.no', throttleClient(service), { failures: 99, lockedAt: 0, lockedUntil: clock.now() - 1 }));
    expect((await verifyCodeForEmail(store, service, 'nobody@example.no', '000000')).result).toBe('rejected');
    clock.advance(365 * 86_400_000);
    expect((await verifyCodeForEmail(store, service, 'nobody@example.no', '000000')).result).toBe('locked');
  });

  it('an admin clears a lock; an agent may not', async () => {
    const { codes } = await issueBackupCodes(store, agent, kari, ctx);
    for (let i = 0; i < 10; i++) await verify(kari, '000000');
    expect(await verify(kari, codes[1]!)).toBe('locked');
    expect(await errCode(() => clearVerificationLock(store, agent, kari, ctx))).toBe('FORBIDDEN');
    expect(await errCode(() => clearVerificationLock(store, admin, kari, { ...ctx, checks: ['known-email'] }))).toBe('CHECKS_REQUIRED');
    const before = await auditCount();
    await clearVerificationLock(store, admin, kari, ctx);
    expect(await auditCount()).toBe(before + 1);
    expect(await last()).toMatchObject({ action: 'lock.clear', checks: ['callback'], ticket: 'HD-20391', details: { previousFailures: 10, wasLocked: true } });
    expect(await verify(kari, codes[1]!)).toBe('accepted');
  });

  it('malformed input is BAD_REQUEST and moves no counter and writes no event', async () => {
    await verify(kari, '000000');
    const before = await auditCount();
    for (const bad of ['', '12345', '1234567', '123456789', 'abc', 'ABCD-EFGH', '12 34 5x', '0'.repeat(100), 'K7QM-9XWE-R4TP-H2Z0']) {
      expect(await errCode(() => verifyCode(store, agent, kari, bad))).toBe('BAD_REQUEST');
    }
    expect(await errCode(() => verifyCode(store, agent, kari, 123456 as unknown as string))).toBe('BAD_REQUEST');
    expect((await state(kari)).failures).toBe(1);
    expect(await auditCount()).toBe(before);
  });
});

describe('an address that is no user', () => {
  const NOBODY = 'Nobody@Example.no';
  const byEmail = async (email: string, code: string, s: Session = service) => (await verifyCodeForEmail(store, s, email, code)).result;

  it('answers a login service and an operator exactly like a wrong code, each with a throttle of its own', async () => {
    // A known user with a wrong code and an unknown address: the same answer, the same lock point.
    const known: string[] = [];
    const unknown: string[] = [];
    for (let i = 0; i < 11; i++) {
      known.push(await byEmail('kari.nordmann@example.no', '000000'));
      unknown.push(await byEmail(NOBODY, '000000'));
    }
    expect(unknown).toEqual(known);
    expect(unknown).toEqual([...Array<string>(10).fill('rejected'), 'locked']);
    const e = await last();
    expect(e).toMatchObject({ action: 'code.verify', userId: null, userEmail: NOBODY, outcome: 'locked', details: { reason: 'locked', unknownUser: true } });
    // Keyed by the folded address: another spelling of the same address is the same throttle.
    expect(await byEmail('nobody@example.NO', '12345678')).toBe('locked');
    expect(await store.read((tx) => tx.verification.getUnknown(foldKey(NOBODY), throttleClient(service)))).toMatchObject({ failures: 10 });
    // Another unknown address is not affected, and its rejection is audited as unknown-user.
    expect(await byEmail('someone.else@example.no', 'K7QM-9XWE-R4TP-H2ZA')).toBe('rejected');
    expect((await last()).details).toMatchObject({ reason: 'unknown-user', failures: 1, factor: 'backup' });
    // An operator (the command line's verify) gets the same answer as for a wrong code, from
    // the unknown address's throttle for that operator, and the audit names the address.
    const before = await auditCount();
    expect(await byEmail('ola@example.no', '000000', agent)).toBe('rejected');
    expect(await auditCount()).toBe(before + 1);
    expect((await last()).details).toMatchObject({ reason: 'unknown-user', failures: 1 });
    expect((await store.read((tx) => tx.verification.listUnknown('ola@example.no'))).map((r) => [r.client, r.failures])).toEqual([[throttleClient(agent), 1]]);
  });

  it('a known address verifies through the same service for both kinds of caller', async () => {
    const { codes } = await issueBackupCodes(store, agent, kari, ctx);
    expect(await byEmail(' KARI.nordmann@example.no ', codes[0]!)).toBe('accepted');
    expect(await byEmail('kari.nordmann@example.no', codes[1]!, agent)).toBe('accepted');
    expect(await errCode(() => verifyCodeForEmail(store, service, 'not an address', '000000'))).toBe('BAD_REQUEST');
  });
});

describe('counted per user and per calling client', () => {
  const radius: Session = { operatorId: 'radius:r1', name: 'radius:vpn', displayName: 'vpn', role: 'service', emailKey: null, signedInAt: 0, via: 'radius' };
  const portal: Session = { operatorId: 'service:k2', name: 'service:portal', displayName: 'portal', role: 'service', emailKey: null, signedInAt: 0, via: 'https' };

  it('the client key names the caller, never a secret', () => {
    expect([service, radius, portal, agent].map(throttleClient)).toEqual(['service:k1', 'radius:r1', 'service:k2', `operator:${agent.operatorId}`]);
  });

  it("one client's wrong codes lock that client only; another verifies the right code; clear-lock lifts every client's lock", async () => {
    const { codes } = await issueBackupCodes(store, agent, kari, ctx);
    const answers: string[] = [];
    for (let i = 0; i < 12; i++) answers.push(await verify(kari, '000000', radius));
    expect(answers).toEqual([...Array<string>(10).fill('rejected'), 'locked', 'locked']);
    expect(await verify(kari, codes[0]!, radius)).toBe('locked');
    // The user's other ways in are not slowed: the login service and the agent verify the right code.
    expect(await verify(kari, codes[1]!, service)).toBe('accepted');
    expect(await verify(kari, codes[2]!, agent)).toBe('accepted');
    // An accepted code resets that client's counter only: the RADIUS client stays locked.
    expect(await state(kari, radius)).toMatchObject({ failures: 10, lockedUntil: clock.now() + 30 * 60_000 });
    expect(await verify(kari, codes[3]!, radius)).toBe('locked');
    // The user's page shows the worst of the clients.
    expect((await getUserFactors(store, agent, kari)).verification).toEqual({ failures: 10, locked: true, lockedUntil: clock.now() + 30 * 60_000 });
    // A second client's guessing counts on its own, from zero.
    for (let i = 0; i < 9; i++) expect(await verify(kari, '000000', portal)).toBe('rejected');
    expect(await state(kari, portal)).toMatchObject({ failures: 9, lockedUntil: null });
    expect(await verify(kari, codes[4]!, portal)).toBe('accepted');
    expect(await state(kari, portal)).toEqual({ failures: 0, lockedAt: null, lockedUntil: null });
    // Clear-lock clears every client's state.
    await clearVerificationLock(store, admin, kari, ctx);
    expect((await last()).details).toMatchObject({ previousFailures: 10, wasLocked: true });
    expect((await store.read((tx) => tx.verification.list(kari))).filter((v) => v.client !== throttleClient(agent))).toEqual([]);
    expect(await verify(kari, codes[5]!, radius)).toBe('accepted');
    expect((await getUserFactors(store, agent, kari)).verification).toEqual({ failures: 0, locked: false, lockedUntil: null });
  });

  it('the one-time code is burned when one client reaches the burn count', async () => {
    const otc = await issueOneTimeCode(store, agent, kari, ctx);
    for (let i = 0; i < 4; i++) await verify(kari, '000000', portal);
    for (let i = 0; i < 4; i++) await verify(kari, '000000', radius);
    // Eight failures in all, but no client has five: the code still works.
    expect((await getUserFactors(store, agent, kari)).oneTimeCode.active).toBe(true);
    await verify(kari, '000000', radius);
    expect((await last()).details).toMatchObject({ failures: 5, burnedOneTimeCode: true });
    expect(await verify(kari, otc.code, portal)).toBe('rejected');
    expect((await last()).details.reason).toBe('burned');
  });

  it('an unknown address and a wrong code answer alike on each client, each with its own throttle', async () => {
    const byEmail = async (email: string, s: Session) => (await verifyCodeForEmail(store, s, email, '000000')).result;
    for (const s of [radius, portal]) {
      const known: string[] = [];
      const unknown: string[] = [];
      for (let i = 0; i < 11; i++) {
        known.push(await byEmail('kari.nordmann@example.no', s));
        unknown.push(await byEmail('nobody@example.no', s));
      }
      expect(unknown).toEqual(known);
      expect(unknown).toEqual([...Array<string>(10).fill('rejected'), 'locked']);
    }
    // The login service has not guessed: the unknown address is not locked for it, as Kari is not.
    expect(await byEmail('nobody@example.no', service)).toBe('rejected');
    expect(await byEmail('kari.nordmann@example.no', service)).toBe('rejected');
    expect((await store.read((tx) => tx.verification.listUnknown('nobody@example.no'))).map((r) => [r.client, r.failures])).toEqual([
      ['radius:r1', 10],
      ['service:k1', 1],
      ['service:k2', 10],
    ]);
  });

  it('a lock kept from before counting was per client holds for every client until it is cleared', async () => {
    const { codes } = await issueBackupCodes(store, agent, kari, ctx);
    await store.write((tx) => tx.verification.set(kari, LEGACY_CLIENT, { failures: 100, lockedAt: 1, lockedUntil: null }));
    for (const s of [radius, portal, service, agent]) expect(await verify(kari, codes[0]!, s)).toBe('locked');
    expect((await getUserFactors(store, agent, kari)).verification).toEqual({ failures: 100, locked: true, lockedUntil: null });
    await clearVerificationLock(store, admin, kari, ctx);
    expect(await verify(kari, codes[0]!, radius)).toBe('accepted');
  });
});

describe('one-time codes', () => {
  it('is 8 grouped digits, single use, expires by the stored absolute time, and a new one voids the old', async () => {
    const a = await issueOneTimeCode(store, agent, kari, { ...ctx, minutes: 10 });
    expect(a.code).toMatch(/^\d{4} \d{4}$/);
    expect(a.expiresAt).toBe(clock.now() + 10 * 60_000);
    const b = await issueOneTimeCode(store, agent, kari, { ...ctx, minutes: 10 });
    expect(await verify(kari, a.code)).toBe('rejected');
    expect((await last()).details.reason).toBe('voided');
    clock.advance(10 * 60_000 - 1);
    expect(await verify(kari, b.code.replace(' ', '-'))).toBe('accepted');
    expect((await last()).details.reason).toBe('accepted-one-time');
    expect(await verify(kari, b.code)).toBe('rejected');
    expect((await last()).details.reason).toBe('replay');
    expect((await state(kari)).failures).toBe(0); // the acceptance reset the counter; the replay did not move it
    const c = await issueOneTimeCode(store, agent, kari, ctx);
    expect(c.expiresAt - clock.now()).toBe(60 * 60_000); // the policy default
    clock.advance(60 * 60_000);
    expect((await getUserFactors(store, agent, kari)).oneTimeCode).toEqual({ active: false, expiresAt: null });
    expect(await verify(kari, c.code)).toBe('rejected');
    expect((await last()).details.reason).toBe('expired');
  });

  it('refuses a lifetime outside 10 minutes to 24 hours', async () => {
    for (const minutes of [9, 1441, 10.5, 0, -5]) expect(await errCode(() => issueOneTimeCode(store, agent, kari, { ...ctx, minutes }))).toBe('BAD_REQUEST');
    expect(await errCode(() => issueOneTimeCode(store, agent, kari, { ...ctx, minutes: 1440 }))).toBe('OK');
    expect(await errCode(() => issueOneTimeCode(store, agent, kari, { ...ctx, minutes: 10 }))).toBe('OK');
  });
});

describe('backup codes', () => {
  it('issues 10 distinct grouped codes, each usable once; a new set voids the old', async () => {
    const first = await issueBackupCodes(store, agent, kari, ctx);
    expect(first.codes).toHaveLength(10);
    expect(new Set(first.codes).size).toBe(10);
    for (const code of first.codes) expect(code).toMatch(/^[2-9A-HJKMNP-Z]{4}(-[2-9A-HJKMNP-Z]{4}){3}$/);
    expect(await verify(kari, first.codes[0]!.toLowerCase().replace(/-/g, ' '))).toBe('accepted');
    expect((await last()).details.reason).toBe('accepted-backup');
    expect(await verify(kari, first.codes[0]!)).toBe('rejected');
    expect((await last()).details.reason).toBe('replay');
    // A replayed good code is refused but is not a guess: the counter does not move.
    expect((await last()).details.failures).toBeUndefined();
    expect((await state(kari)).failures).toBe(0);
    expect(await verify(kari, first.codes[1]!)).toBe('accepted');
    expect((await getUserFactors(store, agent, kari)).backupCodes).toMatchObject({ remaining: 8, total: 10 });
    const second = await issueBackupCodes(store, agent, kari, ctx);
    expect(await verify(kari, first.codes[2]!)).toBe('rejected');
    for (const code of second.codes) expect(await verify(kari, code)).toBe('accepted');
    expect((await getUserFactors(store, agent, kari)).backupCodes).toMatchObject({ remaining: 0, total: 10 });
  });
});

describe('re-enrollment', () => {
  it('revokes the old secret at once and activates the pending one at its first accepted code (verify)', async () => {
    const old = await enroll(kari);
    const r = await forceReenrollment(store, agent, kari, ctx);
    expect(r.key.replace(/ /g, '')).toBe(new URL(r.uri.replace('otpauth://', 'https://')).searchParams.get('secret'));
    expect(r.key).toMatch(/^([A-Z2-7]{4} ){7}[A-Z2-7]{4}$/);
    expect(r.sheetId).toMatch(/^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{2}$/);
    expect(r.deadline).toBe(clock.now() + 7 * 86_400_000);
    expect(await verify(kari, codeAt(old, stepNow() + 1))).toBe('rejected');
    const revoked = vault.db.prepare("SELECT secret, ended_at FROM authenticators WHERE user_id = ? AND status = 'revoked'").get(kari) as { secret: Buffer; ended_at: number };
    // The sealed box (seed + BOX_OVERHEAD bytes) overwritten with zeros: nothing of the seed is left.
    expect(revoked.secret.equals(Buffer.alloc(20 + BOX_OVERHEAD))).toBe(true);
    expect(revoked.ended_at).toBe(clock.now());
    const fresh = secretOf(r.uri);
    expect((await getUserFactors(store, agent, kari)).authenticator.status).toBe('pending');
    expect(await verify(kari, codeAt(fresh, stepNow()))).toBe('accepted');
    expect((await last()).details.reason).toBe('activated-enrollment');
    const f = await getUserFactors(store, agent, kari);
    expect(f.authenticator).toMatchObject({ status: 'active', enrolledAt: clock.now() });
    expect(f.pending).toBeNull();
    expect(await verify(kari, codeAt(fresh, stepNow()))).toBe('rejected'); // replay after activation
    expect(await errCode(() => confirmEnrollment(store, agent, kari, codeAt(fresh, stepNow() + 1)))).toBe('NO_PENDING_ENROLLMENT');
  });

  it('confirm counts a wrong code, then activates; old codes can be voided and backup codes issued for the sheet', async () => {
    const otc = await issueOneTimeCode(store, agent, kari, ctx);
    const oldCodes = (await issueBackupCodes(store, agent, kari, ctx)).codes;
    const r = await forceReenrollment(store, agent, kari, { ...ctx, voidCodes: true, withBackupCodes: true });
    expect(r.backupCodes).toHaveLength(10);
    const sheet = await pendingEnrollmentForSheet(store, agent, kari, r.enrollmentId);
    expect(sheet.uri).toBe(r.uri);
    expect(sheet.key).toBe(r.key);
    expect(sheet.secret.equals(secretOf(r.uri))).toBe(true);
    expect(sheet.backupCodes).toEqual(r.backupCodes);
    const fresh = secretOf(r.uri);
    expect(await errCode(() => confirmEnrollment(store, agent, kari, codeAt(fresh, stepNow() + 3)))).toBe('CODE_REJECTED');
    expect((await state(kari)).failures).toBe(1);
    expect(await last()).toMatchObject({ action: 'enrollment.confirm', outcome: 'rejected' });
    expect(await errCode(() => confirmEnrollment(store, agent, kari, otc.code))).toBe('BAD_REQUEST');
    expect(await confirmEnrollment(store, agent, kari, codeAt(fresh, stepNow()))).toEqual({ status: 'active' });
    expect((await state(kari)).failures).toBe(0);
    expect(await verify(kari, otc.code)).toBe('rejected');
    expect(await verify(kari, oldCodes[0]!)).toBe('rejected');
    expect(await verify(kari, r.backupCodes![0]!)).toBe('accepted');
    expect(await errCode(() => pendingEnrollmentForSheet(store, agent, kari, r.enrollmentId))).toBe('NO_PENDING_ENROLLMENT');
  });

  it('regenerate voids the pending secret and makes a new one', async () => {
    expect(await errCode(() => regenerateEnrollment(store, agent, kari, ctx))).toBe('NO_PENDING_ENROLLMENT');
    const r1 = await forceReenrollment(store, agent, kari, ctx);
    const r2 = await regenerateEnrollment(store, agent, kari, ctx);
    expect(r2.enrollmentId).not.toBe(r1.enrollmentId);
    expect(r2.key).not.toBe(r1.key);
    expect(await errCode(() => revealEnrollmentKey(store, agent, kari, r1.enrollmentId))).toBe('NO_PENDING_ENROLLMENT');
    const voided = vault.db.prepare('SELECT status, secret FROM authenticators WHERE id = ?').get(r1.enrollmentId) as { status: string; secret: Buffer };
    expect(voided.status).toBe('voided');
    expect(voided.secret.equals(Buffer.alloc(20 + BOX_OVERHEAD))).toBe(true);
    expect(await verify(kari, codeAt(secretOf(r1.uri), stepNow()))).toBe('rejected');
    expect(await verify(kari, codeAt(secretOf(r2.uri), stepNow()))).toBe('accepted');
  });

  it('a pending enrollment lapses at its deadline', async () => {
    const r = await forceReenrollment(store, agent, kari, ctx);
    clock.advance(7 * 86_400_000 - 60_000);
    expect((await getUserFactors(store, agent, kari)).pending).toMatchObject({ enrollmentId: r.enrollmentId, deadline: r.deadline });
    clock.advance(60_000);
    expect(await errCode(() => confirmEnrollment(store, agent, kari, codeAt(secretOf(r.uri), stepNow())))).toBe('NO_PENDING_ENROLLMENT');
    expect(await verify(kari, codeAt(secretOf(r.uri), stepNow()))).toBe('rejected');
    const f = await getUserFactors(store, agent, kari);
    expect(f.pending).toBeNull();
    expect(f.authenticator.status).toBe('none');
    expect((vault.db.prepare('SELECT status FROM authenticators WHERE id = ?').get(r.enrollmentId) as { status: string }).status).toBe('lapsed');
  });

  it("a login service's code for a pending enrollment past its deadline is refused and lapses it", async () => {
    const r = await forceReenrollment(store, agent, kari, ctx);
    clock.advance(7 * 86_400_000);
    const status = () => (vault.db.prepare('SELECT status FROM authenticators WHERE id = ?').get(r.enrollmentId) as { status: string }).status;
    expect(status()).toBe('pending');
    expect((await verifyCodeForEmail(store, service, 'kari.nordmann@example.no', codeAt(secretOf(r.uri), stepNow()))).result).toBe('rejected');
    expect(status()).toBe('lapsed');
    const [e] = await store.read((tx) => tx.audit.list({ action: 'code.verify', limit: 1 }));
    expect(e).toMatchObject({ outcome: 'rejected', details: { factor: 'totp', reason: 'wrong' } });
  });

  it("an accepted code clears the failures its client counted, and only that client's", async () => {
    const r = await forceReenrollment(store, agent, kari, ctx);
    await confirmEnrollment(store, agent, kari, codeAt(secretOf(r.uri), stepNow()));
    clock.advance(30_000);
    await store.write(async (tx) => {
      await tx.verification.set(kari, throttleClient(service), { failures: 3, lockedAt: null, lockedUntil: null });
      await tx.verification.set(kari, 'radius:r1', { failures: 4, lockedAt: null, lockedUntil: null });
    });
    expect((await verifyCodeForEmail(store, service, 'kari.nordmann@example.no', codeAt(secretOf(r.uri), stepNow()))).result).toBe('accepted');
    expect((await store.read((tx) => tx.verification.list(kari))).filter((v) => v.client !== throttleClient(agent))).toEqual([
      { client: 'radius:r1', failures: 4, lockedAt: null, lockedUntil: null },
      { client: throttleClient(service), failures: 0, lockedAt: null, lockedUntil: null },
    ]);
  });
});

describe('identity-check policy and targets', () => {
  const actions: Array<[string, (s: Session, id: number, c: typeof ctx) => unknown]> = [
    ['one-time code', (s, id, c) => issueOneTimeCode(store, s, id, c)],
    ['backup codes', (s, id, c) => issueBackupCodes(store, s, id, c)],
    ['re-enrollment', (s, id, c) => forceReenrollment(store, s, id, c)],
    ['remove SMS', (s, id, c) => removeSms(store, s, id, c)],
  ];
  for (const [name, act] of actions) {
    it(`${name}: refuses weak checks, missing fields, own account, disabled and unknown users, and changes nothing`, async () => {
      const per = addUser('Per.Lie@Example.no', 'Per Lie', { sms: '+4790000001' });
      const ola = addUser('ola@example.no', 'Ola Hansen', { status: 'disabled', sms: '+4790000002' });
      const before = await auditCount();
      expect(await errCode(() => act(agent, kari, { ...ctx, checks: ['known-email'] }))).toBe('CHECKS_REQUIRED');
      expect(await errCode(() => act(agent, kari, { ...ctx, checks: [] }))).toBe('CHECKS_REQUIRED');
      expect(await errCode(() => act(agent, kari, { ...ctx, checks: ['callback', 'psychic'] }))).toBe('BAD_REQUEST');
      expect(await errCode(() => act(agent, kari, { ...ctx, ticket: '   ' }))).toBe('TICKET_REQUIRED');
      expect(await errCode(() => act(agent, kari, { ...ctx, reason: '' }))).toBe('REASON_REQUIRED');
      expect(await errCode(() => act(agent, kari, { ...ctx, ticket: 'x'.repeat(201) }))).toBe('BAD_REQUEST');
      expect(await errCode(() => act(agent, per, ctx))).toBe('OWN_ACCOUNT');
      expect(await errCode(() => act(agent, ola, ctx))).toBe('USER_DISABLED');
      expect(await errCode(() => act(agent, 99999, ctx))).toBe('NOT_FOUND');
      expect(await errCode(() => act(service, kari, ctx))).toBe('FORBIDDEN');
      expect(await auditCount()).toBe(before);
      expect(await listOutbox(store, admin)).toHaveLength(0);
      // An admin may act on an operator's account, but it is privileged: the change waits for approval (one audit event, nothing issued).
      expect(await errCode(() => act(admin, per, { ...ctx, checks: ['known-email', 'photo-id'] }))).toBe('APPROVAL_PENDING');
      expect(await auditCount()).toBe(before + 1);
      expect(await listOutbox(store, admin)).toHaveLength(0);
    });
  }

  it('settings: reason presets come in both languages, are validated, and a change is audited by name only', async () => {
    const defaults = (await currentSettings(store)).reasonPresets;
    expect(defaults.length).toBeGreaterThan(2);
    expect(defaults.every((p) => p.nb.trim() !== '' && p.en.trim() !== '' && p.nb !== p.en)).toBe(true);
    const bad = [
      [{ nb: 'Mistet telefonen', en: 'Lost phone' }, { nb: 'mistet telefonen', en: 'Phone lost' }],
      [{ nb: '', en: 'Lost phone' }],
      [{ nb: 'Mistet\u202Etelefonen', en: 'Lost phone' }],
      [{ nb: 'x'.repeat(201), en: 'Lost phone' }],
      [{ nb: 'Mistet telefonen' }],
      Array.from({ length: 21 }, (_, i) => ({ nb: `Årsak ${i}`, en: `Reason ${i}` })),
    ];
    for (const reasonPresets of bad) expect(await errCode(() => updateSettings(store, admin, { reasonPresets } as never)), JSON.stringify(reasonPresets).slice(0, 60)).toBe('BAD_REQUEST');
    expect(await errCode(() => updateSettings(store, agent, { reasonPresets: [] }))).toBe('FORBIDDEN');
    const next = await updateSettings(store, admin, { reasonPresets: [{ nb: '  Byttet telefon ', en: 'Changed phone' }] });
    expect(next.reasonPresets).toEqual([{ nb: 'Byttet telefon', en: 'Changed phone' }]);
    expect(await last()).toMatchObject({ action: 'settings.update', details: { changed: ['reasonPresets'] } });
    expect(JSON.stringify(await last())).not.toContain('Byttet');
    expect((await updateSettings(store, admin, { reasonPresets: [] })).reasonPresets).toEqual([]);
  });

  it('settings: known-email can never be made strong; limits are enforced; only admins change them', async () => {
    const checks = (await currentSettings(store)).identityChecks.map((c) => (c.id === 'known-email' ? { ...c, strong: true } : c));
    expect(await errCode(() => updateSettings(store, admin, { identityChecks: checks }))).toBe('BAD_REQUEST');
    expect(await errCode(() => updateSettings(store, admin, { identityChecks: checks.map((c) => ({ ...c, strong: false })) }))).toBe('BAD_REQUEST');
    expect(await errCode(() => updateSettings(store, admin, { oneTimeCodeMinutes: 5 }))).toBe('BAD_REQUEST');
    expect(await errCode(() => updateSettings(store, admin, { issuer: 'Evil:Corp' }))).toBe('BAD_REQUEST');
    expect(await errCode(() => updateSettings(store, agent, { issuer: 'Eksempel AS' }))).toBe('FORBIDDEN');
    expect(await errCode(() => updateSettings(store, admin, { idleLockMinutes: 61 }))).toBe('BAD_REQUEST');
    expect(await errCode(() => updateSettings(store, admin, { enrollmentDeadlineDays: 0 }))).toBe('BAD_REQUEST');
    expect(await errCode(() => updateSettings(store, admin, { verification: { lockAfter: 100 } }))).toBe('BAD_REQUEST');
    // The first wait can be at most the 24-hour cap the doubling stops at.
    expect(await errCode(() => updateSettings(store, admin, { verification: { cooldownMinutes: 1441 } }))).toBe('BAD_REQUEST');
    expect(await errCode(() => updateSettings(store, admin, { verification: { cooldownMinutes: 0 } }))).toBe('BAD_REQUEST');
    expect(await errCode(() => updateSettings(store, admin, { nonsense: 1 } as never))).toBe('BAD_REQUEST');
    const svg = (body: string) => `data:image/svg+xml;base64,${Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg">${body}</svg>`).toString('base64')}`;
    expect(await errCode(() => updateSettings(store, admin, { organizationLogo: svg('<script>alert(1)</script>') }))).toBe('BAD_REQUEST');
    expect(await errCode(() => updateSettings(store, admin, { organizationLogo: svg('<image href="https://evil.example/x.png"/>') }))).toBe('BAD_REQUEST');
    expect(await errCode(() => updateSettings(store, admin, { organizationLogo: `data:image/png;base64,${Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(201 * 1024)]).toString('base64')}` }))).toBe('BAD_REQUEST');
    expect(await errCode(() => updateSettings(store, admin, { organizationLogo: `data:image/png;base64,${Buffer.from('not a png').toString('base64')}` }))).toBe('BAD_REQUEST');
    const e = await (async () => {
      try {
        await updateSettings(store, admin, { oneTimeCodeMinutes: 5 });
      } catch (err) {
        return err as FactorDeskError;
      }
      return null;
    })();
    expect(e?.details).toMatchObject({ field: 'oneTimeCodeMinutes' });
    expect(e?.message).toContain('at least 10');
    expect(await errCode(() => updateSettings(store, admin, { organizationLogo: svg('<circle r="4" fill="url(#g)"/>') }))).toBe('OK');
    const logo = `data:image/png;base64,${Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(64)]).toString('base64')}`;
    const s = await updateSettings(store, admin, { issuer: 'Eksempel AS', organizationLogo: logo, verification: { cooldownMinutes: 45 } });
    expect(s).toMatchObject({ issuer: 'Eksempel AS', organizationLogo: logo, verification: { burnAfter: 5, lockAfter: 10, cooldownMinutes: 45 } });
    expect(await last()).toMatchObject({ action: 'settings.update', details: { changed: ['organizationLogo', 'issuer', 'verification'] } });
    expect((await currentSettings(store)).verification.cooldownMinutes).toBe(45);
    expect(JSON.stringify(await last())).not.toContain('base64');
    expect((await forceReenrollment(store, agent, kari, ctx)).uri).toMatch(/^otpauth:\/\/totp\/Eksempel%20AS:kari\.nordmann%40example\.no\?secret=[A-Z2-7]{32}&issuer=Eksempel%20AS$/);
  });
});

describe('role table', () => {
  it('a service key can only verify; an agent cannot clear locks, export or change settings', async () => {
    await issueBackupCodes(store, agent, kari, ctx);
    expect(await verify(kari, '123456', service)).toBe('rejected');
    expect((await last()).operator).toBe('service:login');
    const forbidden: Array<() => unknown> = [
      () => getUserFactors(store, service, kari),
      () => confirmEnrollment(store, service, kari, '123456'),
      () => regenerateEnrollment(store, service, kari, ctx),
      () => clearVerificationLock(store, service, kari, ctx),
      () => recordRefusedRequest(store, service, kari, { callerName: 'x', requested: 'y', failedChecks: [], ticket: 't' }),
      () => exportOutbox(store, service, 'csv', memorySink()),
      () => clearVerificationLock(store, agent, kari, ctx),
      () => exportOutbox(store, agent, 'csv', memorySink()),
      () => listOutbox(store, agent),
      () => updateSettings(store, agent, {}),
    ];
    for (const f of forbidden) expect(await errCode(f)).toBe('FORBIDDEN');
  });
});

describe('factor summary', () => {
  it('folds repeated views of one user by one operator within five minutes into one user.view', async () => {
    const views = async () => (await store.read((tx) => tx.audit.list({ userId: kari, action: 'user.view', limit: 100 }))).map((e) => e.operator);
    const before = (await views()).length;
    await getUserFactors(store, agent, kari);
    clock.advance(60_000);
    await getUserFactors(store, agent, kari);
    clock.advance(VIEW_FOLD_MS - 60_000 - 1);
    const f = await getUserFactors(store, agent, kari);
    expect((await views()).length).toBe(before + 1);
    expect(f.recentEvents.filter((e) => e.action === 'user.view').length).toBe(Math.min(before + 1, 20));
    // Another operator's view is recorded on its own; the same operator's again once the window has passed.
    await getUserFactors(store, admin, kari);
    expect((await views()).length).toBe(before + 2);
    clock.advance(1);
    await getUserFactors(store, agent, kari);
    expect((await views()).slice(0, 3)).toEqual([agent.name, admin.name, agent.name]);
  });

  it('shows states, masked SMS and the directory phone, writes the audited view, and holds no secret', async () => {
    const secret = await enroll(kari);
    const otc = await issueOneTimeCode(store, agent, kari, ctx);
    const backup = (await issueBackupCodes(store, agent, kari, ctx)).codes;
    await verify(kari, '999999');
    const r = await forceReenrollment(store, agent, kari, ctx);
    const before = await auditCount();
    const f = await getUserFactors(store, agent, kari);
    expect(await auditCount()).toBe(before + 1);
    expect(await last()).toMatchObject({ action: 'user.view', operator: 'per', userId: kari });
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
  it('every action writes exactly one event with checks, ticket and reason and no secret', async () => {
    const actx = { checks: ['photo-id', 'known-email'], ticket: 'HD-1', reason: 'lost phone' };
    const steps: Array<[string, () => unknown, boolean]> = [
      ['code.issue-one-time', () => issueOneTimeCode(store, agent, kari, actx), true],
      ['code.backup-codes', () => issueBackupCodes(store, agent, kari, actx), true],
      ['enrollment.reenroll', () => forceReenrollment(store, agent, kari, { ...actx, withBackupCodes: true }), true],
      ['enrollment.regenerate', () => regenerateEnrollment(store, agent, kari, actx), true],
      ['sms.remove', () => removeSms(store, agent, kari, actx), true],
      ['lock.clear', () => clearVerificationLock(store, admin, kari, actx), true],
    ];
    for (const [action, run, withCtx] of steps) {
      const before = await auditCount();
      const result = await run();
      expect(await auditCount(), action).toBe(before + 1);
      const e = await last();
      expect(e.action).toBe(action);
      if (withCtx) expect(e).toMatchObject({ checks: actx.checks, ticket: actx.ticket, reason: actx.reason, userId: kari });
      const text = JSON.stringify(e);
      for (const s of Object.values(result as Record<string, unknown>).flat()) {
        if (typeof s === 'string' && /^[A-Z0-9 -]{8,}$|^otpauth:/.test(s) && !/^[2-9A-Z]{4}-[2-9A-Z]{2}$/.test(s)) expect(text).not.toContain(s);
      }
    }
    const pending = (await getUserFactors(store, agent, kari)).pending!;
    const before = await auditCount();
    await revealEnrollmentKey(store, agent, kari, pending.enrollmentId);
    expect(await auditCount()).toBe(before + 1);
    expect(await last()).toMatchObject({ action: 'enrollment.reveal-key', userId: kari, details: { enrollmentId: pending.enrollmentId } });
    expect(await errCode(() => removeSms(store, agent, kari, actx))).toBe('CONFLICT');
  });

  it('a notification names the organisation, and without a support contact each language names the helpdesk in its own words', async () => {
    await updateSettings(store, admin, { organizationName: 'Eksempel kommune' });
    await issueOneTimeCode(store, agent, kari, ctx);
    const [item] = await listOutbox(store, admin, { pendingOnly: true });
    const [nb, en] = item!.body.split('\n\n');
    expect(item!.subject).toMatch(/^Eksempel kommune: /);
    expect(nb).toContain('hos Eksempel kommune');
    expect(nb).toMatch(/Hvis dette ikke var deg, ta kontakt med brukerstøtte\.$/);
    expect(nb).not.toMatch(/helpdesk/);
    expect(en).toMatch(/If this was not you, contact the helpdesk\.$/);
    // A contact set and cleared again: back to the helpdesk in each language.
    await updateSettings(store, admin, { supportContact: 'IT-vakta, 22 00 00 00' });
    expect((await updateSettings(store, admin, { supportContact: '  ' })).supportContact).toBe('');
  });

  it('queues a notification per change, exports each once, with neutralised CSV cells', async () => {
    const hostile = addUser('=HYPERLINK(1)@example.no', 'Mallory', { sms: '+4790000003' });
    const plus = addUser('+kari@example.no', 'Plus Kari');
    await updateSettings(store, admin, { supportContact: '+47 22 00 00 00' });
    const otc = await issueOneTimeCode(store, agent, hostile, ctx);
    await removeSms(store, agent, hostile, ctx);
    await issueBackupCodes(store, agent, plus, ctx);
    const items = await listOutbox(store, admin, { pendingOnly: true });
    expect(items.map((i) => i.kind)).toEqual(['backup-codes', 'sms-removed', 'one-time-code']);
    for (const i of items) {
      expect(i.body).toContain('If this was not you, call +47 22 00 00 00.');
      expect(i.body).toContain('Hvis dette ikke var deg, ring +47 22 00 00 00.');
      expect(i.body).toMatch(/changed by the helpdesk on \d{4}-\d{2}-\d{2} at \d{2}:\d{2}/);
    }
    expect(items.some((i) => i.body.includes(otc.code) || i.body.includes(otc.code.replace(' ', '')))).toBe(false);
    const before = await auditCount();
    const csvSink = memorySink();
    const csv = await exportOutbox(store, admin, 'csv', csvSink);
    expect(csv.count).toBe(3);
    expect(csvSink.saved).toEqual([csv.content]);
    expect(await auditCount()).toBe(before + 1);
    expect(await last()).toMatchObject({ action: 'outbox.export', details: { format: 'csv', count: 3 } });
    const lines = csv.content.split('\r\n');
    expect(lines[0]).toBe('id,user_id,email,kind,subject,body,created_at');
    expect(lines.filter((l) => l.includes('example.no,')).every((l) => /^\d+,\d+,'[=+]/.test(l))).toBe(true);
    expect(csv.content).toContain(`,'=HYPERLINK(1)@example.no,`);
    expect(csv.content).toContain(`,'+kari@example.no,`);
    expect((await exportOutbox(store, admin, 'csv', memorySink())).count).toBe(0);
    expect(await listOutbox(store, admin, { pendingOnly: true })).toHaveLength(0);
    expect((await listOutbox(store, admin)).every((i) => i.exportedAt === clock.now())).toBe(true);
    await issueBackupCodes(store, agent, kari, ctx);
    const jsonSink = memorySink();
    const json = await exportOutbox(store, admin, 'json', jsonSink);
    expect(json.count).toBe(1);
    expect(jsonSink.saved).toEqual([json.content]);
    expect(JSON.parse(json.content).items[0]).toMatchObject({ userId: kari, kind: 'backup-codes', email: 'kari.nordmann@example.no' });
    const xmlSink = memorySink();
    expect(await errCode(() => exportOutbox(store, admin, 'xml' as 'csv', xmlSink))).toBe('BAD_REQUEST');
    expect(xmlSink.saved).toEqual([]);
  });

  it('csvCell strips control characters and neutralises formula starts', async () => {
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

  it('records a refused request that an admin can filter for', async () => {
    const before = await auditCount();
    const r = await recordRefusedRequest(store, agent, kari, { callerName: 'Per Olsen?', callerNumber: '+4799999999', requested: 'one-time code by e-mail', failedChecks: ['callback'], ticket: 'HD-666', notes: 'in a hurry' });
    await recordRefusedRequest(store, agent, null, { callerName: 'Unknown', requested: 'reset', failedChecks: [], ticket: 'HD-667' });
    expect(await auditCount()).toBe(before + 2);
    expect(await errCode(() => recordRefusedRequest(store, agent, kari, { callerName: 'x', requested: 'y', failedChecks: [], ticket: ' ' }))).toBe('TICKET_REQUIRED');
    expect(await errCode(() => recordRefusedRequest(store, agent, kari, { callerName: '', requested: 'y', failedChecks: [], ticket: 't' }))).toBe('BAD_REQUEST');
    expect(await errCode(() => recordRefusedRequest(store, agent, kari, { callerName: 'x', requested: 'y', failedChecks: ['nope'], ticket: 't' }))).toBe('BAD_REQUEST');
    const refused = await store.read((tx) => tx.audit.list({ action: 'request.refused' }));
    expect(refused).toHaveLength(2);
    expect(refused[1]).toMatchObject({ seq: r.seq, outcome: 'refused', userId: kari, ticket: 'HD-666', details: { callerName: 'Per Olsen?', failedChecks: ['callback'], requested: 'one-time code by e-mail' } });
    expect(refused[0]).toMatchObject({ userId: null, ticket: 'HD-667' });
  });
});
