import { fail } from './errors.ts';
import type { Db } from './database.ts';
import type { Session } from './session.ts';
import type { Vault } from './vault.ts';
import { requireRole } from './roles.ts';
import { hashCode, safeEqual } from './crypto.ts';
import { getSettings, type Settings } from './settings.ts';
import { matchTotp } from './totp.ts';
import { auditAction, endAuthenticators, lapseExpiredEnrollments, loadUser, queueNotification, setVerificationState, verificationState, type VerificationState } from './actions.ts';
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
  | 'reused'
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
export function registerFailure(db: Db, userId: number, settings: Settings, now: number): { failures: number; burned: number; locked: boolean } {
  const s = verificationState(db, userId);
  const failures = s.failures + 1;
  let burned = 0;
  if (failures >= settings.verification.burnAfter) {
    burned = db.prepare("UPDATE one_time_codes SET status = 'burned', ended_at = ? WHERE user_id = ? AND status = 'active'").run(now, userId).changes;
  }
  const locked = failures >= settings.verification.lockAfter;
  setVerificationState(db, userId, {
    failures,
    lockedAt: locked ? now : s.lockedAt,
    lockedUntil: locked ? now + settings.verification.cooldownMinutes * 60_000 : s.lockedUntil,
  });
  return { failures, burned, locked };
}

/** An accepted code resets the counter and any lock. */
export function registerSuccess(db: Db, userId: number): void {
  setVerificationState(db, userId, { failures: 0, lockedAt: null, lockedUntil: null });
}

interface AuthRow {
  id: number;
  status: 'active' | 'pending';
  secret: Buffer;
  last_step: number | null;
}

/** Activates a pending enrollment at its first accepted code (any other active one is revoked). */
export function activateEnrollment(db: Db, userId: number, authId: number, step: number, now: number): void {
  endAuthenticators(db, userId, 'active', 'revoked', now);
  db.prepare("UPDATE authenticators SET status = 'active', activated_at = ?, last_step = ?, last_used_at = ? WHERE id = ? AND status = 'pending'").run(now, step, now, authId);
}

/** Checks a 6-digit code against the user's active authenticator and pending enrollment (`which`). */
export function tryTotp(db: Db, userId: number, code: string, now: number, which: Array<'active' | 'pending'>): { ok: true; reason: 'accepted-totp' | 'activated-enrollment' } | { ok: false; reason: 'wrong' | 'reused' } {
  const rows = db.prepare(`SELECT id, status, secret, last_step FROM authenticators WHERE user_id = ? AND status IN ('active', 'pending') ORDER BY id`).all(userId) as AuthRow[];
  let reused = false;
  for (const r of rows) {
    if (!which.includes(r.status)) continue;
    const m = matchTotp(r.secret, code, now, r.last_step);
    if (!m.ok) {
      if (m.reason === 'reused') reused = true;
      continue;
    }
    if (r.status === 'active') {
      db.prepare('UPDATE authenticators SET last_step = ?, last_used_at = ? WHERE id = ?').run(m.step, now, r.id);
      return { ok: true, reason: 'accepted-totp' };
    }
    activateEnrollment(db, userId, r.id, m.step, now);
    return { ok: true, reason: 'activated-enrollment' };
  }
  return { ok: false, reason: reused ? 'reused' : 'wrong' };
}

function tryBackup(db: Db, userId: number, code: string, now: number): { ok: boolean; reason: VerifyReason } {
  const rows = db
    .prepare(`SELECT c.id, c.salt, c.hash, c.used_at FROM backup_codes c JOIN backup_code_sets s ON s.id = c.set_id WHERE s.user_id = ? AND s.status = 'active' ORDER BY c.id`)
    .all(userId) as Array<{ id: number; salt: Buffer; hash: Buffer; used_at: number | null }>;
  let match: (typeof rows)[number] | null = null;
  // Hash and compare against every code of the set (constant time), not stopping at a match.
  for (const r of rows) if (safeEqual(hashCode(r.salt, code), r.hash) && match === null) match = r;
  if (!match) return { ok: false, reason: 'wrong' };
  if (match.used_at !== null) return { ok: false, reason: 'reused' };
  // The guard on used_at makes the mark itself refuse a second use, even if read twice.
  const changed = db.prepare('UPDATE backup_codes SET used_at = ? WHERE id = ? AND used_at IS NULL').run(now, match.id).changes;
  return changed === 1 ? { ok: true, reason: 'accepted-backup' } : { ok: false, reason: 'reused' };
}

function tryOneTime(db: Db, userId: number, code: string, now: number): { ok: boolean; reason: VerifyReason } {
  // The newest few codes, so a late or repeated try can be told apart (expired, used, burned).
  const rows = db
    .prepare(`SELECT id, salt, hash, status, expires_at FROM one_time_codes WHERE user_id = ? ORDER BY id DESC LIMIT 5`)
    .all(userId) as Array<{ id: number; salt: Buffer; hash: Buffer; status: 'active' | 'used' | 'voided' | 'burned'; expires_at: number }>;
  let match: (typeof rows)[number] | null = null;
  for (const r of rows) if (safeEqual(hashCode(r.salt, code), r.hash) && match === null) match = r;
  if (!match) return { ok: false, reason: 'wrong' };
  if (match.status === 'used') return { ok: false, reason: 'reused' };
  if (match.status === 'burned') return { ok: false, reason: 'burned' };
  if (match.status === 'voided') return { ok: false, reason: 'voided' };
  // Expiry is the absolute time stored at issue, compared with the injected clock.
  if (match.expires_at <= now) return { ok: false, reason: 'expired' };
  const changed = db.prepare("UPDATE one_time_codes SET status = 'used', ended_at = ? WHERE id = ? AND status = 'active'").run(now, match.id).changes;
  return changed === 1 ? { ok: true, reason: 'accepted-one-time' } : { ok: false, reason: 'reused' };
}

/**
 * Verifies a code for a user (login services, agents): an authenticator code (also completing
 * a pending enrollment), an unused backup code or the active one-time code. The whole
 * read-check-mark runs in one BEGIN IMMEDIATE transaction, so two processes can never both
 * redeem the same code. The caller learns only accepted, rejected or locked.
 */
export function verifyCode(vault: Vault, session: Session, userId: number, code: string): { result: 'accepted' | 'rejected' | 'locked' } {
  requireRole(session, 'codes:verify');
  const c = normalizeCode(code);
  const result = vault.write(() => {
    const db = vault.db;
    const user = loadUser(db, userId);
    const now = vault.now();
    const settings = getSettings(db);
    const factor = c.kind;
    if (user.status === 'disabled') {
      auditAction(vault, session, user, 'code.verify', null, { factor, reason: 'user-disabled' }, 'rejected');
      return 'rejected' as const;
    }
    const state = verificationState(db, user.id);
    if (isLocked(state, now)) {
      auditAction(vault, session, user, 'code.verify', null, { factor, reason: 'locked', lockedUntil: state.lockedUntil }, 'locked');
      return 'locked' as const;
    }
    lapseExpiredEnrollments(db, user.id, now);
    const m = c.kind === 'totp' ? tryTotp(db, user.id, c.value, now, ['active', 'pending']) : c.kind === 'backup' ? tryBackup(db, user.id, c.value, now) : tryOneTime(db, user.id, c.value, now);
    if (m.ok) {
      registerSuccess(db, user.id);
      if (m.reason === 'activated-enrollment') queueNotification(vault, user, 'enrollment-confirmed', now);
      auditAction(vault, session, user, 'code.verify', null, { factor, reason: m.reason }, 'accepted');
      return 'accepted' as const;
    }
    const f = registerFailure(db, user.id, settings, now);
    auditAction(vault, session, user, 'code.verify', null, { factor, reason: m.reason, failures: f.failures, ...(f.burned ? { burnedOneTimeCode: true } : {}), ...(f.locked ? { locked: true } : {}) }, 'rejected');
    return 'rejected' as const;
  });
  return { result };
}
