import { foldKey } from './text.ts';
import { fail, FactorDeskError } from './errors.ts';
import type { Session } from './session.ts';
import type { ReadTx, Store, WriteTx } from '../store/port.ts';
import type { AuthenticatorSecret, UserRecord, VerificationState } from '../store/records.ts';
import { LEGACY_CLIENT, type ClientVerificationState, type VerificationSubject } from '../store/repos/verification.ts';
import { requireRole } from './roles.ts';
import { codeVerifier, safeEqual } from './crypto.ts';
import { loadSettings, VERIFY_POLICY, type Settings } from './settings.ts';
import { matchTotp } from './totp.ts';
import { auditAction, auditAs, loadUser, queueNotification } from './actions.ts';
import { BACKUP_ALPHABET, BACKUP_CODE_LENGTH, BACKUP_SET_SIZE } from './backup-codes.ts';
import { normalizeEmail } from './users.ts';
import { authenticatorSecretAad, dummyBox, type ValueCipher } from './value-cipher.ts';

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
  | 'unknown-user'
  | 'expired'
  | 'burned'
  | 'voided'
  /** A stored secret did not open (altered, moved from another row, or another key): nothing matched. */
  | 'unreadable-secret';

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

/** True after so many consecutive failures that only an admin's clear-lock lifts the lock. */
export function isHardLocked(s: VerificationState): boolean {
  return s.failures >= VERIFY_POLICY.hardLockAfter;
}

/** True while the user is locked for verification (a growing delay, or the hard lock). */
export function isLocked(s: VerificationState, now: number): boolean {
  return isHardLocked(s) || (s.lockedUntil !== null && s.lockedUntil > now);
}

/**
 * The wait after `failures` consecutive failures: none before `lockAfter`, then the cool-down,
 * doubled by each further failure up to the cap. A guesser's rate falls off geometrically while
 * a user who mistypes a few times more is not shut out for long.
 */
export function lockDelayMs(failures: number, settings: Settings): number {
  const { lockAfter, cooldownMinutes } = settings.verification;
  if (failures < lockAfter) return 0;
  const minutes = Math.min(VERIFY_POLICY.maxDelayMinutes, cooldownMinutes * 2 ** Math.min(failures - lockAfter, 32));
  return minutes * 60_000;
}

/**
 * The state after one more rejected attempt: from `lockAfter` failures the user (or address)
 * waits the growing delay; at the hard-lock count it stays locked (lockedUntil null) until an
 * admin clears it.
 */
export function failedState(s: VerificationState, settings: Settings, now: number): VerificationState & { locked: boolean; hardLocked: boolean } {
  const failures = s.failures + 1;
  const hardLocked = failures >= VERIFY_POLICY.hardLockAfter;
  const delay = lockDelayMs(failures, settings);
  const locked = hardLocked || delay > 0;
  return {
    failures,
    lockedAt: locked ? now : s.lockedAt,
    lockedUntil: hardLocked ? null : locked ? now + delay : s.lockedUntil,
    locked,
    hardLocked,
  };
}

/**
 * The key the throttle counts a caller's attempts under: the login service's key or client
 * (`service:<key id>`, the same for a service key file and a server's service client), the
 * RADIUS client (`radius:<client id>`), the enrollment page (`self-enrollment`), or the operator
 * confirming at the helpdesk (`operator:<id>`). Ids and names only, never a secret. Counting per
 * client means one stranger's guessing through one door locks that door, not the user's others.
 */
export function throttleClient(session: Session): string {
  return session.role === 'service' ? session.operatorId : `operator:${session.operatorId}`;
}

const ZERO: VerificationState = { failures: 0, lockedAt: null, lockedUntil: null };

/**
 * The state one client counts from: its own, or for a client with none yet the state kept
 * before counting was per client (LEGACY_CLIENT), so a lock in force before the upgrade stays
 * in force for every client until it runs out or an admin clears it.
 */
export function stateForClient(rows: readonly ClientVerificationState[], client: string): VerificationState {
  const r = rows.find((x) => x.client === client) ?? rows.find((x) => x.client === LEGACY_CLIENT);
  return r ? { failures: r.failures, lockedAt: r.lockedAt, lockedUntil: r.lockedUntil } : { ...ZERO };
}

/** A user's state as `client` counts it (see stateForClient). */
export async function userStateFor(tx: ReadTx, userId: number, client: string): Promise<VerificationState> {
  return stateForClient(await tx.verification.list(userId), client);
}

/**
 * The worst of a user's states across clients, for the user's page and clear-lock: the most
 * failures, locked when any client is, and until the latest end (null while any is hard-locked).
 */
export function worstState(rows: readonly VerificationState[], now: number): { failures: number; locked: boolean; lockedUntil: number | null } {
  const locked = rows.filter((r) => isLocked(r, now));
  const failures = rows.reduce((m, r) => Math.max(m, r.failures), 0);
  if (locked.length === 0) return { failures, locked: false, lockedUntil: null };
  if (locked.some(isHardLocked)) return { failures, locked: true, lockedUntil: null };
  return { failures, locked: true, lockedUntil: Math.max(...locked.map((r) => r.lockedUntil ?? 0)) };
}

/**
 * Counts one rejected attempt of `client`. At `burnAfter` failures of that client the user's
 * active one-time code is burned: the code is the user's, not the client's, so one door's
 * guessing is enough to take it out of play (the safe side). At `lockAfter` the client is
 * locked for the cool-down. The counter keeps counting after a cool-down, so each later failure
 * locks again at once, for twice as long as the last (up to the cap), and the hard-lock count
 * locks that client until an admin clears the user's lock.
 */
export async function registerFailure(tx: WriteTx, userId: number, client: string, settings: Settings, now: number): Promise<{ failures: number; burned: number; locked: boolean; hardLocked: boolean; lockedUntil: number | null }> {
  const { locked, hardLocked, ...next } = failedState(await userStateFor(tx, userId, client), settings, now);
  let burned = 0;
  if (next.failures >= settings.verification.burnAfter) burned = await tx.codes.burnOneTime(userId, now);
  await tx.verification.set(userId, client, next);
  return { failures: next.failures, burned, locked, hardLocked, lockedUntil: next.lockedUntil };
}

/** What a rejection's audit event says about the lock it caused. */
export function lockDetails(f: { locked: boolean; hardLocked: boolean; lockedUntil: number | null }): Record<string, unknown> {
  if (f.hardLocked) return { locked: true, hardLocked: true };
  return f.locked ? { locked: true, lockedUntil: f.lockedUntil } : {};
}

/**
 * An accepted code resets that client's counter and lock, and only that client's: a stranger
 * guessing through another door stays slowed down (and a lock an admin must clear stays).
 */
export async function registerSuccess(tx: WriteTx, userId: number, client: string, state?: VerificationState): Promise<void> {
  // Nothing to reset when the state this client counts from (see stateForClient) is clear.
  if (state && state.failures === 0 && state.lockedAt === null && state.lockedUntil === null) return;
  await tx.verification.set(userId, client, { ...ZERO });
}

/** Activates a pending enrollment at its first accepted code (any other active one is revoked). */
export async function activateEnrollment(tx: WriteTx, userId: number, authId: number, step: number, now: number): Promise<boolean> {
  await tx.authenticators.end(userId, 'active', 'revoked', now);
  return tx.authenticators.activate(authId, step, now);
}

const RECENT_ONE_TIME = 5;
const DUMMY_SECRET = Buffer.alloc(20);
/** A keyed salt (its mark and zeros): padding costs one HMAC, as a real keyed verifier does. */
const DUMMY_SALT = Buffer.concat([Buffer.from([0x02]), Buffer.alloc(16)]);

// The hashing a code costs does not depend on how many codes the user has, nor on whether the
// address belongs to a user at all: the time of an answer must not tell a login service's
// caller that an address exists (or has backup codes).
function padHashes(key: Buffer, done: number, total: number, code: string): void {
  for (let i = done; i < total; i++) safeEqual(codeVerifier(key, DUMMY_SALT, code), DUMMY_SALT.subarray(1));
}

/** Opens a box that never opens: the work of unsealing a secret where there is none. */
function dummyOpen(values: ValueCipher): void {
  try {
    values.open(dummyBox(values.generation), 'none');
  } catch {
    /* it never opens */
  }
}

/** The same checking work as for a user with a full set of each factor, for an address that is no user. */
function dummyWork(values: ValueCipher, c: NormalizedCode, now: number): void {
  if (c.kind === 'totp') {
    dummyOpen(values);
    matchTotp(DUMMY_SECRET, c.value, now, null);
  } else padHashes(values.verifierKey(), 0, c.kind === 'backup' ? BACKUP_SET_SIZE : RECENT_ONE_TIME, c.value);
}

/**
 * Checks a 6-digit code against the user's active authenticator and pending enrollment (`which`).
 * A code of a step already accepted (earlier, or by a racing request) is a 'replay': the right
 * code sent twice, not a guess, so callers do not count it as a failure.
 */
export async function tryTotp(
  store: Store,
  tx: WriteTx,
  userId: number,
  code: string,
  now: number,
  which: Array<'active' | 'pending'>,
  /** The user's authenticators when already read in this transaction (VerificationSubject.secrets). */
  read?: AuthenticatorSecret[],
): Promise<{ ok: true; reason: 'accepted-totp' | 'activated-enrollment' } | { ok: false; reason: 'wrong' | 'replay' | 'unreadable-secret' }> {
  let rows = read ?? (await tx.authenticators.secretsForUser(userId));
  // A pending enrollment past its deadline lapses here (one statement, only when there is one).
  if (rows.some((r) => r.status === 'pending' && r.setupDeadline !== null && r.setupDeadline <= now)) {
    await tx.authenticators.lapseExpired(userId, now);
    rows = rows.filter((r) => !(r.status === 'pending' && r.setupDeadline !== null && r.setupDeadline <= now));
  }
  let reused = false;
  let unreadable = false;
  // A user without an authenticator costs the same as one with (and as an unknown address).
  if (!rows.some((r) => which.includes(r.status))) dummyWork(store.values, { kind: 'totp', value: code }, now);
  for (const r of rows) {
    if (!which.includes(r.status)) continue;
    // The seed is sealed to this user's row: one copied here from another row does not open,
    // so a code from it is rejected like a wrong one (and the audit says why).
    let secret: Buffer;
    try {
      secret = store.values.open(r.secret, authenticatorSecretAad(store.storeId, userId, r.sheetId));
    } catch (err) {
      if (!(err instanceof FactorDeskError)) throw err;
      unreadable = true;
      continue;
    }
    const m = matchTotp(secret, code, now, r.lastStep);
    secret.fill(0);
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
  return { ok: false, reason: reused ? 'replay' : unreadable ? 'unreadable-secret' : 'wrong' };
}

// A code that matches one already redeemed (earlier, or by a racing writer whose compare-and-set
// won) is a 'replay': only someone who holds the right code can send it, so it is refused but
// not counted as a guess (20 racing submissions of one good code must not lock the user).

async function tryBackup(key: Buffer, tx: WriteTx, userId: number, code: string, now: number): Promise<{ ok: boolean; reason: VerifyReason }> {
  const rows = await tx.codes.activeBackupCodes(userId);
  let match: (typeof rows)[number] | null = null;
  // Hash and compare against every code of the set (constant time), not stopping at a match.
  for (const r of rows) if (safeEqual(codeVerifier(key, r.salt, code), r.hash) && match === null) match = r;
  padHashes(key, rows.length, BACKUP_SET_SIZE, code);
  if (!match) return { ok: false, reason: 'wrong' };
  if (match.usedAt !== null) return { ok: false, reason: 'replay' };
  return (await tx.codes.redeemBackupCode(match.id, now)) ? { ok: true, reason: 'accepted-backup' } : { ok: false, reason: 'replay' };
}

async function tryOneTime(key: Buffer, tx: WriteTx, userId: number, code: string, now: number): Promise<{ ok: boolean; reason: VerifyReason }> {
  // The newest few codes, so a late or repeated try can be told apart (expired, used, burned).
  const rows = await tx.codes.recentOneTime(userId, RECENT_ONE_TIME);
  let match: (typeof rows)[number] | null = null;
  for (const r of rows) if (safeEqual(codeVerifier(key, r.salt, code), r.hash) && match === null) match = r;
  padHashes(key, rows.length, RECENT_ONE_TIME, code);
  if (!match) return { ok: false, reason: 'wrong' };
  if (match.status === 'used') return { ok: false, reason: 'replay' };
  if (match.status === 'burned') return { ok: false, reason: 'burned' };
  if (match.status === 'voided') return { ok: false, reason: 'voided' };
  // Expiry is the absolute time stored at issue, compared with the injected clock.
  if (match.expiresAt <= now) return { ok: false, reason: 'expired' };
  return (await tx.codes.redeemOneTime(match.id, now)) ? { ok: true, reason: 'accepted-one-time' } : { ok: false, reason: 'replay' };
}

type VerifyResult = 'accepted' | 'rejected' | 'locked';

/**
 * A check that the caller may still act, run first inside the verification's own transaction
 * (a service client remembered by the server must still be in the store): false refuses the
 * verification with SIGNIN_FAILED before anything is read or counted.
 */
export type CallerCheck = (tx: ReadTx) => Promise<boolean>;

/**
 * A verification is short and self-contained: a store may commit several at once (one fsync
 * for many). Each still runs alone, in turn, and its answer waits for the commit.
 */
const SHARED = { coalesce: true } as const;

/**
 * Verifies a code for a user (login services, agents): an authenticator code (also completing
 * a pending enrollment), an unused backup code or the active one-time code. The whole
 * read-check-mark runs in one write transaction with compare-and-set marks, so two writers can
 * never both redeem the same code. The caller learns only accepted, rejected or locked; a
 * replayed correct code is rejected without counting as a failure (audited as 'replay').
 */
export async function verifyCode(store: Store, session: Session, userId: number, code: string): Promise<{ result: VerifyResult }> {
  requireRole(session, 'codes:verify');
  const c = normalizeCode(code);
  const result = await store.write(async (tx) => verifyForUser(store, tx, session, await loadUser(tx, userId), c, store.clock.now()), SHARED);
  return { result };
}

/**
 * Verifies a code for the user with this email address. An address that is no user gets exactly
 * the answer of a wrong code — rejected, and locked after as many tries as a user, from a
 * throttle of its own keyed by the folded address and the calling client — after the same
 * hashing work, so neither the answer nor its timing says whether the user exists. That holds
 * for every caller (a login service, a RADIUS client, an operator's `verify` on the command
 * line: the same exit code), so a script cannot tell a typo in the address from a wrong code
 * either; the audit records the unknown address. `callerStillThere` confirms in the same
 * transaction a caller the door took from memory (see CallerCheck).
 */
export async function verifyCodeForEmail(store: Store, session: Session, email: string, code: string, callerStillThere?: CallerCheck): Promise<{ result: VerifyResult }> {
  requireRole(session, 'codes:verify');
  const c = normalizeCode(code);
  const { email: address, emailKey } = normalizeEmail(email);
  const result = await store.write(async (tx) => {
    // A caller checked before the transaction (from memory) is confirmed in it: nothing is
    // verified, counted or audited for one that is gone.
    if (callerStillThere && !(await callerStillThere(tx))) return null;
    // The user, its states and its authenticators in one read.
    const subject = await tx.verification.subjectByEmailKey(emailKey);
    const now = store.clock.now();
    if (subject) return verifyForUser(store, tx, session, subject.user, c, now, subject);
    // The throttle of unknown addresses keeps the loose fold: `straße@` and `strasse@` share one.
    return verifyUnknown(store, tx, session, address, foldKey(address), c, now);
  }, SHARED);
  if (result === null) fail('SIGNIN_FAILED', 'This client is no longer known to the server.');
  return { result };
}

async function verifyUnknown(store: Store, tx: WriteTx, session: Session, address: string, emailKey: string, c: NormalizedCode, now: number): Promise<VerifyResult> {
  const settings = await loadSettings(tx);
  const factor = c.kind;
  const event = (outcome: string, details: Record<string, unknown>) => auditAs(tx, session, { action: 'code.verify', userId: null, userEmail: address, outcome, details: { factor, ...details } }, now);
  const client = throttleClient(session);
  // Read as a user's state is read (every client's row, then this client's), so the work is the same.
  const state = stateForClient(await tx.verification.listUnknown(emailKey), client);
  if (isLocked(state, now)) {
    await event('locked', { reason: 'locked', unknownUser: true, lockedUntil: state.lockedUntil, ...(isHardLocked(state) ? { hardLocked: true } : {}) });
    return 'locked';
  }
  dummyWork(store.values, c, now);
  const { locked, hardLocked, ...next } = failedState(state, settings, now);
  await tx.verification.setUnknown(emailKey, client, next);
  await event('rejected', { reason: 'unknown-user', failures: next.failures, ...lockDetails({ locked, hardLocked, lockedUntil: next.lockedUntil }) });
  return 'rejected';
}

async function verifyForUser(store: Store, tx: WriteTx, session: Session, user: UserRecord, c: NormalizedCode, now: number, read?: VerificationSubject): Promise<VerifyResult> {
  const settings = await loadSettings(tx);
  const factor = c.kind;
  if (user.status === 'disabled') {
    dummyWork(store.values, c, now);
    await auditAction(tx, session, user, 'code.verify', null, { factor, reason: 'user-disabled' }, now, 'rejected');
    return 'rejected';
  }
  const client = throttleClient(session);
  const state = read ? stateForClient(read.states, client) : await userStateFor(tx, user.id, client);
  if (isLocked(state, now)) {
    await auditAction(tx, session, user, 'code.verify', null, { factor, reason: 'locked', lockedUntil: state.lockedUntil, ...(isHardLocked(state) ? { hardLocked: true } : {}) }, now, 'locked');
    return 'locked';
  }
  // The authenticator check lapses an expired enrollment itself, only when there is one.
  if (c.kind !== 'totp') await tx.authenticators.lapseExpired(user.id, now);
  const m = c.kind === 'totp' ? await tryTotp(store, tx, user.id, c.value, now, ['active', 'pending'], read?.secrets) : c.kind === 'backup' ? await tryBackup(store.values.verifierKey(), tx, user.id, c.value, now) : await tryOneTime(store.values.verifierKey(), tx, user.id, c.value, now);
  if (m.ok) {
    await registerSuccess(tx, user.id, client, state);
    if (m.reason === 'activated-enrollment') await queueNotification(tx, user, 'enrollment-confirmed', now);
    await auditAction(tx, session, user, 'code.verify', null, { factor, reason: m.reason }, now, 'accepted');
    return 'accepted';
  }
  if (m.reason === 'replay') {
    // Refused like a wrong code (the caller cannot tell), but the counter does not move.
    await auditAction(tx, session, user, 'code.verify', null, { factor, reason: 'replay' }, now, 'rejected');
    return 'rejected';
  }
  const f = await registerFailure(tx, user.id, client, settings, now);
  await auditAction(tx, session, user, 'code.verify', null, { factor, reason: m.reason, failures: f.failures, ...(f.burned ? { burnedOneTimeCode: true } : {}), ...lockDetails(f) }, now, 'rejected');
  return 'rejected';
}
