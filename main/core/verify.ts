import { fail } from './errors.ts';
import type { Session } from './session.ts';
import type { Store, WriteTx } from '../store/port.ts';
import type { VerificationState } from '../store/records.ts';
import { requireRole } from './roles.ts';
import { hashCode, safeEqual } from './crypto.ts';
import { loadSettings, type Settings } from './settings.ts';
import { matchTotp } from './totp.ts';
import { auditAction, loadUser, queueNotification } from './actions.ts';
import { BACKUP_ALPHABET, BACKUP_CODE_LENGTH } from './backup-codes.ts';

/** A code after normalisation, with the factor its shape belongs to. */
export type NormalizedCode = { kind: 'totp' | 'one-time' | 'backup'; value: string };

/** Why a code was accepted or rejected; recorded in the audit, never told to the caller. */
export type VerifyReason =
  | 'accepted-totp'
  | 'accepted-backup'
  | 'accepted-one-time'
  | 'activated-enrollment'
  | 'wrong'
  | 'replay'
  | 'expired'
  | 'burned'
  | 'voided';

const BACKUP_SHAPE = new RegExp(`^[${BACKUP_ALPHABET}]{${BACKUP_CODE_LENGTH}}$`);

/**
 * Strips spaces and hyphens and tells the factor by the shape: 6 digits (authenticator),
 * 8 digits (one-time code), 16 characters of the backup alphabet (upper-cased). Anything else
 * is BAD_REQUEST and moves no counter: a typo in the form is not a guess.
 */
export function normalizeCode(input: unknown): NormalizedCode {
  if (typeof input !== 'string' || input.length > 64) fail('BAD_REQUEST', 'Type the code: 6 digits from the app, 8 digits of a one-time code, or a 16-character backup code.', { field: 'code' });
  const v = input.replace(/[\s-]/g, '');
  if (/^[0-9]{6}$/.test(v)) return { kind: 'totp', value: v };
  if (/^[0-9]{8}$/.test(v)) return { kind: 'one-time', value: v };
  const up = v.toUpperCase();
  if (BACKUP_SHAPE.test(up)) return { kind: 'backup', value: up };
  fail('BAD_REQUEST', 'That is not a code: use 6 digits from the app, 8 digits of a one-time code, or a 16-character backup code.', { field: 'code' });
}

/** True while the user is locked for verification. */
export function isLocked(s: VerificationState, now: number): boolean {
  return s.lockedUntil !== null && s.lockedUntil > now;
}

/**
 * Counts one rejected attempt. At `burnAfter` failures the active one-time code is burned (a
 * guesser gets no more tries at it); at `lockAfter` the user is locked for the cool-down. The
 * counter keeps counting after a cool-down, so each later failure locks again at once.
 */
export async function registerFailure(tx: WriteTx, userId: number, settings: Settings, now: number): Promise<{ failures: number; burned: number; locked: boolean }> {
  const s = await tx.verification.get(userId);
  const failures = s.failures + 1;
  let burned = 0;
  if (failures >= settings.verification.burnAfter) burned = await tx.codes.burnOneTime(userId, now);
  const locked = failures >= settings.verification.lockAfter;
  await tx.verification.set(userId, {
    failures,
    lockedAt: locked ? now : s.lockedAt,
    lockedUntil: locked ? now + settings.verification.cooldownMinutes * 60_000 : s.lockedUntil,
  });
  return { failures, burned, locked };
}

/** An accepted code resets the counter and any lock. */
export async function registerSuccess(tx: WriteTx, userId: number): Promise<void> {
  await tx.verification.set(userId, { failures: 0, lockedAt: null, lockedUntil: null });
}

/** Activates a pending enrollment at its first accepted code (any other active one is revoked). */
export async function activateEnrollment(tx: WriteTx, userId: number, authId: number, step: number, now: number): Promise<boolean> {
  await tx.authenticators.end(userId, 'active', 'revoked', now);
  return tx.authenticators.activate(authId, step, now);
}

/**
 * Checks a 6-digit code against the user's active authenticator and pending enrollment (`which`).
 * A code of a step already accepted (earlier, or by a racing request) is a 'replay': the right
 * code sent twice, not a guess, so callers do not count it as a failure.
 */
export async function tryTotp(tx: WriteTx, userId: number, code: string, now: number, which: Array<'active' | 'pending'>): Promise<{ ok: true; reason: 'accepted-totp' | 'activated-enrollment' } | { ok: false; reason: 'wrong' | 'replay' }> {
  const rows = await tx.authenticators.secretsForUser(userId);
  let reused = false;
  for (const r of rows) {
    if (!which.includes(r.status)) continue;
    const m = matchTotp(r.secret, code, now, r.lastStep);
    if (!m.ok) {
      if (m.reason === 'reused') reused = true;
      continue;
    }
    if (r.status === 'active') {
      // Compare-and-set on the step: a racing writer that accepted this or a later step wins.
      if (await tx.authenticators.advanceStep(r.id, m.step, now)) return { ok: true, reason: 'accepted-totp' };
      reused = true;
      continue;
    }
    if (await activateEnrollment(tx, userId, r.id, m.step, now)) return { ok: true, reason: 'activated-enrollment' };
  }
  return { ok: false, reason: reused ? 'replay' : 'wrong' };
}

// A code that matches one already redeemed (earlier, or by a racing writer whose compare-and-set
// won) is a 'replay': only someone who holds the right code can send it, so it is refused but
// not counted as a guess (20 racing submissions of one good code must not lock the user).

async function tryBackup(tx: WriteTx, userId: number, code: string, now: number): Promise<{ ok: boolean; reason: VerifyReason }> {
  const rows = await tx.codes.activeBackupCodes(userId);
  let match: (typeof rows)[number] | null = null;
  // Hash and compare against every code of the set (constant time), not stopping at a match.
  for (const r of rows) if (safeEqual(hashCode(r.salt, code), r.hash) && match === null) match = r;
  if (!match) return { ok: false, reason: 'wrong' };
  if (match.usedAt !== null) return { ok: false, reason: 'replay' };
  return (await tx.codes.redeemBackupCode(match.id, now)) ? { ok: true, reason: 'accepted-backup' } : { ok: false, reason: 'replay' };
}

async function tryOneTime(tx: WriteTx, userId: number, code: string, now: number): Promise<{ ok: boolean; reason: VerifyReason }> {
  // The newest few codes, so a late or repeated try can be told apart (expired, used, burned).
  const rows = await tx.codes.recentOneTime(userId, 5);
  let match: (typeof rows)[number] | null = null;
  for (const r of rows) if (safeEqual(hashCode(r.salt, code), r.hash) && match === null) match = r;
  if (!match) return { ok: false, reason: 'wrong' };
  if (match.status === 'used') return { ok: false, reason: 'replay' };
  if (match.status === 'burned') return { ok: false, reason: 'burned' };
  if (match.status === 'voided') return { ok: false, reason: 'voided' };
  // Expiry is the absolute time stored at issue, compared with the injected clock.
  if (match.expiresAt <= now) return { ok: false, reason: 'expired' };
  return (await tx.codes.redeemOneTime(match.id, now)) ? { ok: true, reason: 'accepted-one-time' } : { ok: false, reason: 'replay' };
}

/**
 * Verifies a code for a user (login services, agents): an authenticator code (also completing
 * a pending enrollment), an unused backup code or the active one-time code. The whole
 * read-check-mark runs in one write transaction with compare-and-set marks, so two writers can
 * never both redeem the same code. The caller learns only accepted, rejected or locked; a
 * replayed correct code is rejected without counting as a failure (audited as 'replay').
 */
export async function verifyCode(store: Store, session: Session, userId: number, code: string): Promise<{ result: 'accepted' | 'rejected' | 'locked' }> {
  requireRole(session, 'codes:verify');
  const c = normalizeCode(code);
  const result = await store.write(async (tx) => {
    const user = await loadUser(tx, userId);
    const now = store.clock.now();
    const settings = await loadSettings(tx);
    const factor = c.kind;
    if (user.status === 'disabled') {
      await auditAction(tx, session, user, 'code.verify', null, { factor, reason: 'user-disabled' }, now, 'rejected');
      return 'rejected' as const;
    }
    const state = await tx.verification.get(user.id);
    if (isLocked(state, now)) {
      await auditAction(tx, session, user, 'code.verify', null, { factor, reason: 'locked', lockedUntil: state.lockedUntil }, now, 'locked');
      return 'locked' as const;
    }
    await tx.authenticators.lapseExpired(user.id, now);
    const m = c.kind === 'totp' ? await tryTotp(tx, user.id, c.value, now, ['active', 'pending']) : c.kind === 'backup' ? await tryBackup(tx, user.id, c.value, now) : await tryOneTime(tx, user.id, c.value, now);
    if (m.ok) {
      await registerSuccess(tx, user.id);
      if (m.reason === 'activated-enrollment') await queueNotification(tx, user, 'enrollment-confirmed', now);
      await auditAction(tx, session, user, 'code.verify', null, { factor, reason: m.reason }, now, 'accepted');
      return 'accepted' as const;
    }
    if (m.reason === 'replay') {
      // Refused like a wrong code (the caller cannot tell), but the counter does not move.
      await auditAction(tx, session, user, 'code.verify', null, { factor, reason: 'replay' }, now, 'rejected');
      return 'rejected' as const;
    }
    const f = await registerFailure(tx, user.id, settings, now);
    await auditAction(tx, session, user, 'code.verify', null, { factor, reason: m.reason, failures: f.failures, ...(f.burned ? { burnedOneTimeCode: true } : {}), ...(f.locked ? { locked: true } : {}) }, now, 'rejected');
    return 'rejected' as const;
  });
  return { result };
}
