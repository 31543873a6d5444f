import { fail } from './errors.ts';
import type { Session } from './session.ts';
import type { Store, WriteTx } from '../store/port.ts';
import type { PendingEnrollment } from '../store/records.ts';
import { randomInt, type Random } from './clock.ts';
import { requireRole } from './roles.ts';
import { loadSettings } from './settings.ts';
import { base32NoPad, enrollmentUri, groupKey } from './totp.ts';
import { BACKUP_ALPHABET, newBackupCodeSet, storeBackupCodeSet } from './backup-codes.ts';
import { isHardLocked, isLocked, lockDetails, normalizeCode, registerFailure, registerSuccess, throttleClient, tryTotp, userStateFor } from './verify.ts';
import { crashPoint } from '../platform/test-hooks.ts';
import { authenticatorSecretAad } from './value-cipher.ts';
import { checkVelocity, writeChange, type Refusal } from './velocity.ts';
import { auditAction, checkAction, checkTarget, loadUser, normalizeContext, queueNotification, type ActionContext, type UserRow } from './actions.ts';

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

function rememberSheetCodes(store: Store, enrollmentId: number, codes: string[], now: number): void {
  for (const [k, v] of sheetCodes) if (v.until <= now) sheetCodes.delete(k);
  sheetCodes.set(`${store.storeId}:${enrollmentId}`, { codes: [...codes], until: now + SHEET_CODES_TTL_MS });
}

function sheetCodesFor(store: Store, enrollmentId: number, now: number): string[] | undefined {
  const k = `${store.storeId}:${enrollmentId}`;
  const e = sheetCodes.get(k);
  if (e && e.until > now) return [...e.codes];
  sheetCodes.delete(k);
  return undefined;
}

function newSheetId(random: Random): string {
  let s = '';
  for (let i = 0; i < 6; i++) s += BACKUP_ALPHABET[randomInt(random, BACKUP_ALPHABET.length)];
  return `${s.slice(0, 4)}-${s.slice(4)}`;
}

function noPending(): never {
  fail('NO_PENDING_ENROLLMENT', 'This user has no pending enrollment (it was confirmed, replaced or has lapsed). Start a new re-enrollment.');
}

/** A fresh secret and sheet id, made before the transaction (a write callback may run again). */
export function freshEnrollment(random: Random): { secret: Buffer; sheetId: string } {
  return { secret: random.bytes(SECRET_BYTES), sheetId: newSheetId(random) };
}

/**
 * Stores a pending enrollment with the fresh secret, sealed to its row (the store keeps only the
 * box); the secret leaves only as URI and typed key.
 */
export async function createPending(store: Store, tx: WriteTx, session: Session, user: UserRow, fresh: { secret: Buffer; sheetId: string }, now: number): Promise<EnrollmentIssued> {
  const settings = await loadSettings(tx);
  const deadline = now + settings.enrollmentDeadlineDays * 86_400_000;
  const { secret, sheetId } = fresh;
  const sealed = store.values.seal(secret, authenticatorSecretAad(store.storeId, user.id, sheetId));
  const id = await tx.authenticators.insertPending({ userId: user.id, secret: sealed, sheetId, createdAt: now, createdBy: session.name, setupDeadline: deadline });
  return { enrollmentId: id, uri: enrollmentUri(settings.issuer, user.email, secret), key: groupKey(base32NoPad(secret)), deadline, sheetId };
}

/**
 * Forces re-enrollment: the active authenticator is revoked at once (its secret overwritten),
 * an older pending one voided, and a pending one with a fresh secret created, optionally voiding
 * the one-time and backup codes and issuing new backup codes for page 2 of the sheet.
 */
export async function forceReenrollment(store: Store, session: Session, userId: number, ctx: ActionContext & { voidCodes?: boolean; withBackupCodes?: boolean }): Promise<EnrollmentIssued> {
  requireRole(session, 'enrollment:reenroll');
  const c = normalizeContext(ctx);
  const fresh = freshEnrollment(store.random);
  const freshCodes = ctx.withBackupCodes === true ? newBackupCodeSet(store.random, store.values.verifierKey()) : null;
  const issued = await writeChange(store, async (tx) => {
    const user = await checkAction(tx, session, userId, ctx);
    const now = store.clock.now();
    const refused = await checkVelocity(tx, session, user, 'enrollment.reenroll', c, now, { voidCodes: ctx.voidCodes === true, withBackupCodes: ctx.withBackupCodes === true });
    if (refused) return refused;
    await tx.authenticators.lapseExpired(user.id, now);
    const revoked = await tx.authenticators.end(user.id, 'active', 'revoked', now);
    const voidedPending = await tx.authenticators.end(user.id, 'pending', 'voided', now);
    let voidedOneTime = 0;
    let voidedBackupSets = 0;
    if (ctx.voidCodes === true) {
      voidedOneTime = await tx.codes.voidOneTime(user.id, now);
      voidedBackupSets = await tx.codes.voidBackupSets(user.id, now);
    }
    const issued = await createPending(store, tx, session, user, fresh, now);
    // Mid-transaction: the old authenticator is revoked and the new one inserted, not committed.
    crashPoint('reenroll:mid-transaction');
    if (freshCodes) {
      const set = await storeBackupCodeSet(tx, user.id, freshCodes, now);
      voidedBackupSets += set.voided;
      issued.backupCodes = set.codes;
    }
    await auditAction(tx, session, user, 'enrollment.reenroll', c, {
      enrollmentId: issued.enrollmentId,
      sheetId: issued.sheetId,
      deadline: new Date(issued.deadline).toISOString(),
      revokedAuthenticator: revoked > 0,
      voidedPending,
      voidedOneTime,
      voidedBackupSets,
      backupCodesIssued: ctx.withBackupCodes === true,
    }, now);
    await queueNotification(tx, user, 'reenrollment', now);
    return issued;
  });
  fresh.secret.fill(0);
  if (issued.backupCodes) rememberSheetCodes(store, issued.enrollmentId, issued.backupCodes, store.clock.now());
  return issued;
}

/** Voids the pending enrollment and makes a new one with a new secret (an explicit, audited step). */
export async function regenerateEnrollment(store: Store, session: Session, userId: number, ctx: ActionContext): Promise<EnrollmentIssued> {
  requireRole(session, 'enrollment:regenerate');
  const c = normalizeContext(ctx);
  const fresh = freshEnrollment(store.random);
  const issued = await writeChange(store, async (tx) => {
    const user = await checkAction(tx, session, userId, ctx);
    const now = store.clock.now();
    const refused = await checkVelocity(tx, session, user, 'enrollment.regenerate', c, now);
    if (refused) return refused;
    await tx.authenticators.lapseExpired(user.id, now);
    const old = await tx.authenticators.pending(user.id);
    if (!old) noPending();
    await tx.authenticators.end(user.id, 'pending', 'voided', now);
    const issued = await createPending(store, tx, session, user, fresh, now);
    await auditAction(tx, session, user, 'enrollment.regenerate', c, {
      enrollmentId: issued.enrollmentId,
      previousEnrollmentId: old.id,
      sheetId: issued.sheetId,
      deadline: new Date(issued.deadline).toISOString(),
    }, now);
    await queueNotification(tx, user, 'enrollment-regenerated', now);
    return issued;
  });
  fresh.secret.fill(0);
  return issued;
}

/** Records that the typed key is being read aloud (calls may be recorded); returns no secret. */
export async function revealEnrollmentKey(store: Store, session: Session, userId: number, enrollmentId: number): Promise<{ enrollmentId: number; revealedAt: number }> {
  requireRole(session, 'enrollment:reveal-key');
  return store.write(async (tx) => {
    const user = await loadUser(tx, userId);
    await checkTarget(tx, session, user);
    const now = store.clock.now();
    await tx.authenticators.lapseExpired(user.id, now);
    const row = await tx.authenticators.pending(user.id, enrollmentId);
    if (!row) noPending();
    await auditAction(tx, session, user, 'enrollment.reveal-key', null, { enrollmentId: row.id, sheetId: row.sheetId }, now);
    return { enrollmentId: row.id, revealedAt: now };
  });
}

/** What the main-process sheet printer needs. Holds the secret: never send this over IPC. */
export interface SheetEnrollment {
  /** The pending enrollment's id (the one asked for, or the user's only pending one). */
  enrollmentId: number;
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
export async function pendingEnrollmentForSheet(store: Store, session: Session, userId: number, enrollmentId?: number): Promise<SheetEnrollment> {
  requireRole(session, 'enrollment:sheet');
  return store.write(async (tx) => {
    const user = await loadUser(tx, userId);
    await checkTarget(tx, session, user);
    const now = store.clock.now();
    await tx.authenticators.lapseExpired(user.id, now);
    const row: PendingEnrollment | null = await tx.authenticators.pending(user.id, enrollmentId);
    if (!row) noPending();
    if (row.createdBy !== session.name || now - row.createdAt > SHEET_WINDOW_MS) {
      fail('FORBIDDEN', 'The sheet can be printed only by the operator who started this re-enrollment, within 30 minutes. To print a new sheet, regenerate the enrollment.');
    }
    const { issuer } = await loadSettings(tx);
    const backupCodes = sheetCodesFor(store, row.id, now);
    // The same stored secret as the screen showed: QR, typed key and sheet always agree.
    const secret = store.values.open(row.secret, authenticatorSecretAad(store.storeId, user.id, row.sheetId));
    return {
      enrollmentId: row.id,
      secret,
      uri: enrollmentUri(issuer, user.email, secret),
      key: groupKey(base32NoPad(secret)),
      deadline: row.setupDeadline,
      sheetId: row.sheetId,
      createdAt: row.createdAt,
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
export async function confirmEnrollment(store: Store, session: Session, userId: number, code: string): Promise<{ status: 'active' }> {
  requireRole(session, 'enrollment:confirm');
  return confirmPending(store, session, userId, code);
}

/**
 * The confirmation itself, for a caller that has already decided who may confirm (an operator
 * with the permission, or the enrollment page's browser session bound to `enrollmentId`).
 */
export async function confirmPending(store: Store, session: Session, userId: number, code: string, enrollmentId?: number): Promise<{ status: 'active' }> {
  const c = normalizeCode(code);
  if (c.kind !== 'totp') fail('BAD_REQUEST', 'Type the 6 digits the new authenticator app shows.', { field: 'code' });
  // Failures must be counted and audited, so the outcome is decided inside and thrown after commit.
  const outcome = await writeChange(store, async (tx): Promise<{ kind: 'ok' | 'none' | 'rejected' } | { kind: 'locked'; until: number | null } | Refusal> => {
    const user = await loadUser(tx, userId);
    await checkTarget(tx, session, user);
    const now = store.clock.now();
    await tx.authenticators.lapseExpired(user.id, now);
    const pending = await tx.authenticators.pending(user.id, enrollmentId);
    if (!pending) return { kind: 'none' };
    // Counted for the confirming caller (the operator, or the enrollment page), as verification is.
    const client = throttleClient(session);
    const state = await userStateFor(tx, user.id, client);
    if (isLocked(state, now)) {
      await auditAction(tx, session, user, 'enrollment.confirm', null, { enrollmentId: pending.id, reason: 'locked' }, now, 'locked');
      return { kind: 'locked', until: isHardLocked(state) ? null : state.lockedUntil };
    }
    // Over the limits the code is not even tried: nothing is counted against the user.
    const refused = await checkVelocity(tx, session, user, 'enrollment.confirm', null, now);
    if (refused) return refused;
    const m = await tryTotp(store, tx, user.id, c.value, now, ['pending']);
    if (m.ok) {
      await registerSuccess(tx, user.id, client);
      await auditAction(tx, session, user, 'enrollment.confirm', null, { enrollmentId: pending.id, sheetId: pending.sheetId }, now);
      await queueNotification(tx, user, 'enrollment-confirmed', now);
      return { kind: 'ok' };
    }
    if (m.reason === 'replay') {
      // The new device's code sent twice (a double click, a racing request): refused, not counted.
      await auditAction(tx, session, user, 'enrollment.confirm', null, { enrollmentId: pending.id, reason: 'replay' }, now, 'rejected');
      return { kind: 'rejected' };
    }
    const f = await registerFailure(tx, user.id, client, await loadSettings(tx), now);
    await auditAction(tx, session, user, 'enrollment.confirm', null, { enrollmentId: pending.id, reason: m.reason, failures: f.failures, ...lockDetails(f) }, now, 'rejected');
    return { kind: 'rejected' };
  });
  if (outcome.kind === 'none') noPending();
  if (outcome.kind === 'locked') {
    if (outcome.until === null) fail('USER_LOCKED', 'Too many wrong codes: this user is locked for verification until an admin clears the lock.');
    fail('USER_LOCKED', `Too many wrong codes: this user is locked for verification until ${new Date(outcome.until).toISOString()}. An admin can clear the lock.`, { until: outcome.until });
  }
  if (outcome.kind === 'rejected') fail('CODE_REJECTED', 'That code does not match the new authenticator. Ask the user for the code the app shows now and try again.');
  return { status: 'active' };
}
