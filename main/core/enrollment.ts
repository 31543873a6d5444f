import { fail } from './errors.ts';
import type { Db } from './database.ts';
import type { Session } from './session.ts';
import type { Vault } from './vault.ts';
import { randomInt } from './clock.ts';
import { requireRole } from './roles.ts';
import { getSettings } from './settings.ts';
import { base32NoPad, enrollmentUri, groupKey } from './totp.ts';
import { BACKUP_ALPHABET, createBackupCodeSet } from './backup-codes.ts';
import { isLocked, normalizeCode, registerFailure, registerSuccess, tryTotp } from './verify.ts';
import { crashPoint } from './test-hooks.ts';
import {
  auditAction,
  checkAction,
  checkTarget,
  endAuthenticators,
  lapseExpiredEnrollments,
  loadUser,
  normalizeContext,
  queueNotification,
  verificationState,
  type ActionContext,
  type UserRow,
} from './actions.ts';

/** 160 bits, the size RFC 4226 recommends for HMAC-SHA-1. */
export const SECRET_BYTES = 20;

/** What the agent's screen gets once after a (re-)enrollment: the QR content and the typed key. */
export interface EnrollmentIssued {
  enrollmentId: number;
  uri: string;
  key: string;
  deadline: number;
  sheetId: string;
  backupCodes?: string[];
}

interface PendingRow {
  id: number;
  secret: Buffer;
  sheet_id: string;
  created_at: number;
  created_by: string | null;
  setup_deadline: number;
}

/**
 * How long after issuing a re-enrollment its sheet may be printed, and only by the operator who
 * issued it: the secret is shown within the issuing flow and never again afterwards. Later, a
 * "regenerate" (with identity checks) makes a new secret and a new sheet.
 */
export const SHEET_WINDOW_MS = 30 * 60_000;

/**
 * Backup codes issued together with a re-enrollment, for page 2 of that flow's sheet. Kept only
 * in this process's memory for a short while (the vault holds nothing but their hashes), never
 * written anywhere, and only handed to the main-process sheet printer.
 */
const SHEET_CODES_TTL_MS = 15 * 60_000;
const sheetCodes = new Map<string, { codes: string[]; until: number }>();

/** Drops every remembered sheet code (at lock and sign-out: nothing of a shown secret survives). */
export function forgetSheetCodes(): void {
  sheetCodes.clear();
}

function rememberSheetCodes(vault: Vault, enrollmentId: number, codes: string[], now: number): void {
  for (const [k, v] of sheetCodes) if (v.until <= now) sheetCodes.delete(k);
  sheetCodes.set(`${vault.vaultId}:${enrollmentId}`, { codes: [...codes], until: now + SHEET_CODES_TTL_MS });
}

function sheetCodesFor(vault: Vault, enrollmentId: number, now: number): string[] | undefined {
  const k = `${vault.vaultId}:${enrollmentId}`;
  const e = sheetCodes.get(k);
  if (e && e.until > now) return [...e.codes];
  sheetCodes.delete(k);
  return undefined;
}

function newSheetId(vault: Vault): string {
  let s = '';
  for (let i = 0; i < 6; i++) s += BACKUP_ALPHABET[randomInt(vault.random, BACKUP_ALPHABET.length)];
  return `${s.slice(0, 4)}-${s.slice(4)}`;
}

function pendingRow(db: Db, userId: number, enrollmentId?: number): PendingRow | undefined {
  const sql = `SELECT id, secret, sheet_id, created_at, created_by, setup_deadline FROM authenticators WHERE user_id = ? AND status = 'pending'${enrollmentId === undefined ? '' : ' AND id = ?'} ORDER BY id DESC LIMIT 1`;
  const args = enrollmentId === undefined ? [userId] : [userId, enrollmentId];
  return db.prepare(sql).get(...args) as PendingRow | undefined;
}

function noPending(): never {
  fail('NO_PENDING_ENROLLMENT', 'This user has no pending enrollment (it was confirmed, replaced or has lapsed). Start a new re-enrollment.');
}

/** Creates a pending enrollment with a fresh secret; the secret leaves only as URI and typed key. */
function createPending(vault: Vault, session: Session, user: UserRow, now: number): EnrollmentIssued {
  const settings = getSettings(vault.db);
  const secret = vault.random.bytes(SECRET_BYTES);
  const deadline = now + settings.enrollmentDeadlineDays * 86_400_000;
  const sheetId = newSheetId(vault);
  const id = Number(
    vault.db
      .prepare("INSERT INTO authenticators (user_id, status, secret, sheet_id, created_at, created_by, setup_deadline) VALUES (?, 'pending', ?, ?, ?, ?, ?)")
      .run(user.id, secret, sheetId, now, session.name, deadline).lastInsertRowid,
  );
  const out = { enrollmentId: id, uri: enrollmentUri(settings.issuer, user.email, secret), key: groupKey(base32NoPad(secret)), deadline, sheetId };
  secret.fill(0);
  return out;
}

/**
 * Forces re-enrollment: the active authenticator is revoked at once (its secret overwritten),
 * an older pending one voided, and a pending one with a fresh secret created, optionally voiding
 * the one-time and backup codes and issuing new backup codes for page 2 of the sheet.
 */
export function forceReenrollment(vault: Vault, session: Session, userId: number, ctx: ActionContext & { voidCodes?: boolean; withBackupCodes?: boolean }): EnrollmentIssued {
  requireRole(session, 'enrollment:reenroll');
  return vault.write(() => {
    const db = vault.db;
    const user = checkAction(vault, session, userId, ctx);
    const c = normalizeContext(ctx);
    const now = vault.now();
    lapseExpiredEnrollments(db, user.id, now);
    const revoked = endAuthenticators(db, user.id, 'active', 'revoked', now);
    const voidedPending = endAuthenticators(db, user.id, 'pending', 'voided', now);
    let voidedOneTime = 0;
    let voidedBackupSets = 0;
    if (ctx.voidCodes === true) {
      voidedOneTime = db.prepare("UPDATE one_time_codes SET status = 'voided', ended_at = ? WHERE user_id = ? AND status = 'active'").run(now, user.id).changes;
      voidedBackupSets = db.prepare("UPDATE backup_code_sets SET status = 'voided', ended_at = ? WHERE user_id = ? AND status = 'active'").run(now, user.id).changes;
    }
    const issued = createPending(vault, session, user, now);
    // Mid-transaction: the old authenticator is revoked and the new one inserted, not committed.
    crashPoint('reenroll:mid-transaction');
    if (ctx.withBackupCodes === true) {
      const set = createBackupCodeSet(vault, user.id, now);
      voidedBackupSets += set.voided;
      issued.backupCodes = set.codes;
      rememberSheetCodes(vault, issued.enrollmentId, set.codes, now);
    }
    auditAction(vault, session, user, 'enrollment.reenroll', c, {
      enrollmentId: issued.enrollmentId,
      sheetId: issued.sheetId,
      deadline: new Date(issued.deadline).toISOString(),
      revokedAuthenticator: revoked > 0,
      voidedPending,
      voidedOneTime,
      voidedBackupSets,
      backupCodesIssued: ctx.withBackupCodes === true,
    });
    queueNotification(vault, user, 'reenrollment', now);
    return issued;
  });
}

/** Voids the pending enrollment and makes a new one with a new secret (an explicit, audited step). */
export function regenerateEnrollment(vault: Vault, session: Session, userId: number, ctx: ActionContext): EnrollmentIssued {
  requireRole(session, 'enrollment:regenerate');
  return vault.write(() => {
    const db = vault.db;
    const user = checkAction(vault, session, userId, ctx);
    const c = normalizeContext(ctx);
    const now = vault.now();
    lapseExpiredEnrollments(db, user.id, now);
    const old = pendingRow(db, user.id);
    if (!old) noPending();
    endAuthenticators(db, user.id, 'pending', 'voided', now);
    const issued = createPending(vault, session, user, now);
    auditAction(vault, session, user, 'enrollment.regenerate', c, {
      enrollmentId: issued.enrollmentId,
      previousEnrollmentId: old.id,
      sheetId: issued.sheetId,
      deadline: new Date(issued.deadline).toISOString(),
    });
    queueNotification(vault, user, 'enrollment-regenerated', now);
    return issued;
  });
}

/** Records that the typed key is being read aloud (calls may be recorded); returns no secret. */
export function revealEnrollmentKey(vault: Vault, session: Session, userId: number, enrollmentId: number): { enrollmentId: number; revealedAt: number } {
  requireRole(session, 'enrollment:reveal-key');
  return vault.write(() => {
    const user = loadUser(vault.db, userId);
    checkTarget(session, user);
    const now = vault.now();
    lapseExpiredEnrollments(vault.db, user.id, now);
    const row = pendingRow(vault.db, user.id, enrollmentId);
    if (!row) noPending();
    auditAction(vault, session, user, 'enrollment.reveal-key', null, { enrollmentId: row.id, sheetId: row.sheet_id });
    return { enrollmentId: row.id, revealedAt: now };
  });
}

/** What the main-process sheet printer needs. Holds the secret: never send this over IPC. */
export interface SheetEnrollment {
  secret: Buffer;
  uri: string;
  key: string;
  deadline: number;
  sheetId: string;
  createdAt: number;
  user: UserRow;
  /** Present when backup codes were issued in the same re-enrollment, in this process, minutes ago. */
  backupCodes?: string[];
}

/** The pending enrollment's secret and texts for the printed sheet (main process only). */
export function pendingEnrollmentForSheet(vault: Vault, session: Session, userId: number, enrollmentId: number): SheetEnrollment {
  requireRole(session, 'enrollment:sheet');
  return vault.write(() => {
    const user = loadUser(vault.db, userId);
    checkTarget(session, user);
    lapseExpiredEnrollments(vault.db, user.id, vault.now());
    const row = pendingRow(vault.db, user.id, enrollmentId);
    if (!row) noPending();
    if (row.created_by !== session.name || vault.now() - row.created_at > SHEET_WINDOW_MS) {
      fail('FORBIDDEN', 'The sheet can be printed only by the operator who started this re-enrollment, within 30 minutes. To print a new sheet, regenerate the enrollment.');
    }
    const { issuer } = getSettings(vault.db);
    const backupCodes = sheetCodesFor(vault, row.id, vault.now());
    // The same stored secret as the screen showed: QR, typed key and sheet always agree.
    return {
      secret: Buffer.from(row.secret),
      uri: enrollmentUri(issuer, user.email, row.secret),
      key: groupKey(base32NoPad(row.secret)),
      deadline: row.setup_deadline,
      sheetId: row.sheet_id,
      createdAt: row.created_at,
      user,
      ...(backupCodes ? { backupCodes } : {}),
    };
  });
}

/**
 * Confirms a pending enrollment with a code from the new device. No new identity checks (it
 * completes the recorded re-enrollment), but the same counter, lock and replay rules as
 * verifyCode, and only the pending secret is tried.
 */
export function confirmEnrollment(vault: Vault, session: Session, userId: number, code: string): { status: 'active' } {
  requireRole(session, 'enrollment:confirm');
  const c = normalizeCode(code);
  if (c.kind !== 'totp') fail('BAD_REQUEST', 'Type the 6 digits the new authenticator app shows.', { field: 'code' });
  // Failures must be counted and audited, so the outcome is decided inside and thrown after commit.
  const outcome = vault.write((): { kind: 'ok' | 'none' | 'rejected' } | { kind: 'locked'; until: number } => {
    const db = vault.db;
    const user = loadUser(db, userId);
    checkTarget(session, user);
    const now = vault.now();
    lapseExpiredEnrollments(db, user.id, now);
    const pending = pendingRow(db, user.id);
    if (!pending) return { kind: 'none' };
    const state = verificationState(db, user.id);
    if (isLocked(state, now)) {
      auditAction(vault, session, user, 'enrollment.confirm', null, { enrollmentId: pending.id, reason: 'locked' }, 'locked');
      return { kind: 'locked', until: state.lockedUntil! };
    }
    const m = tryTotp(db, user.id, c.value, now, ['pending']);
    if (m.ok) {
      registerSuccess(db, user.id);
      auditAction(vault, session, user, 'enrollment.confirm', null, { enrollmentId: pending.id, sheetId: pending.sheet_id });
      queueNotification(vault, user, 'enrollment-confirmed', now);
      return { kind: 'ok' };
    }
    const f = registerFailure(db, user.id, getSettings(db), now);
    auditAction(vault, session, user, 'enrollment.confirm', null, { enrollmentId: pending.id, reason: m.reason, failures: f.failures, ...(f.locked ? { locked: true } : {}) }, 'rejected');
    return { kind: 'rejected' };
  });
  if (outcome.kind === 'none') noPending();
  if (outcome.kind === 'locked') fail('USER_LOCKED', `Too many wrong codes: this user is locked for verification until ${new Date(outcome.until).toISOString()}. An admin can clear the lock.`, { until: outcome.until });
  if (outcome.kind === 'rejected') fail('CODE_REJECTED', 'That code does not match the new authenticator. Ask the user for the code the app shows now and try again.');
  return { status: 'active' };
}
