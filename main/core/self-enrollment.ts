/**
 * Self-enrollment (server mode): an agent issues an enrollment code (after the identity checks
 * every factor change needs); the user types their email and that code on the server's
 * enrollment page, scans their own new QR and confirms it with the first code. The agent never
 * sees the new secret. An enrollment code is its own kind: it is kept in its own table as a
 * salted HMAC and nothing but the enrollment page reads it (verification and RADIUS never do).
 */
import { foldKey } from './text.ts';
import type { ServerStore, ServerWriteTx, WriteTx } from '../store/port.ts';
import type { Session } from './session.ts';
import { randomInt, type Random } from './clock.ts';
import { requireRole } from './roles.ts';
import { fail } from './errors.ts';
import { hmacHex, safeEqual, safeEqualHex, sha256Hex } from './crypto.ts';
import { normalizeEmail } from './users.ts';
import { loadSettings } from './settings.ts';
import { auditAction, auditAs, checkAction, normalizeContext, queueNotification, type ActionContext, type UserRow } from './actions.ts';
import { createPending, confirmPending, SECRET_BYTES } from './enrollment.ts';
import { failedState, isLocked, lockDetails, registerFailure, stateForClient, throttleClient, userStateFor } from './verify.ts';
import type { EnrollmentCodeIssued } from '../../contract/index.ts';

/** No 0/O, 1/I/L: read aloud or from a note without mistakes (31 symbols, 12 of them ≈ 59 bits). */
export const ENROLLMENT_CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const ENROLLMENT_CODE_LENGTH = 12;
/** How long an enrollment code is valid by default. */
export const ENROLLMENT_CODE_TTL_MS = 24 * 3_600_000;
/** How long the enrollment page's browser session may confirm after the QR was shown. */
export const SELF_SESSION_TTL_MS = 15 * 60_000;

/** The code's HMAC under its own salt: a dump of the table gives no usable code without guessing it. */
function codeVerifier(salt: Buffer, code: string): Buffer {
  return Buffer.from(hmacHex(salt, `factordesk-enrollment-code:${code}`), 'hex');
}

function newCode(random: Random): string {
  let s = '';
  for (let i = 0; i < ENROLLMENT_CODE_LENGTH; i++) s += ENROLLMENT_CODE_ALPHABET[randomInt(random, ENROLLMENT_CODE_ALPHABET.length)];
  return s;
}

/** XXXX-XXXX-XXXX for reading. */
export function groupEnrollmentCode(code: string): string {
  return code.match(/.{1,4}/g)!.join('-');
}

/** The code as typed (any case, spaces or hyphens) in its stored form; null when it cannot be one. */
export function normalizeEnrollmentCode(input: unknown): string | null {
  if (typeof input !== 'string' || input.length > 64) return null;
  const v = input.replace(/[\s-]/g, '').toUpperCase();
  if (v.length !== ENROLLMENT_CODE_LENGTH) return null;
  for (const ch of v) if (!ENROLLMENT_CODE_ALPHABET.includes(ch)) return null;
  return v;
}

/** A new enrollment code with its salted verifier, made before the write transaction. */
export interface PreparedEnrollmentCode {
  code: string;
  salt: Buffer;
  verifier: Buffer;
}

/** Makes a new enrollment code and its verifier (outside any transaction: a write may run again). */
export function prepareEnrollmentCode(random: Random): PreparedEnrollmentCode {
  const code = newCode(random);
  const salt = random.bytes(16);
  return { code, salt, verifier: codeVerifier(salt, code) };
}

/** Stores the prepared code for the user (voiding an earlier one); returns its expiry and whether one was replaced. */
export async function storeEnrollmentCode(tx: ServerWriteTx, session: Session, user: UserRow, p: PreparedEnrollmentCode, now: number): Promise<{ expiresAt: number; replaced: boolean }> {
  const expiresAt = now + ENROLLMENT_CODE_TTL_MS;
  const replaced = await tx.serverAuth.setEnrollmentCode({ userId: user.id, salt: p.salt, verifier: p.verifier, createdAt: now, expiresAt, createdBy: session.name, usedAt: null });
  return { expiresAt, replaced };
}

/**
 * Issues a user's enrollment code (voiding an earlier one), with checks, ticket and reason like
 * every factor change. The code is in the answer only; the store keeps its salted HMAC.
 */
export async function issueEnrollmentCode(store: ServerStore, session: Session, userId: number, ctx: ActionContext): Promise<EnrollmentCodeIssued> {
  requireRole(session, 'enrollment:issue-code');
  const c = normalizeContext(ctx);
  const prepared = prepareEnrollmentCode(store.random);
  return store.write(async (tx) => {
    const user = await checkAction(tx, session, userId, ctx);
    const now = store.clock.now();
    const { expiresAt, replaced } = await storeEnrollmentCode(tx, session, user, prepared, now);
    await auditAction(tx, session, user, 'enrollment.code.issue', c, { expiresAt: new Date(expiresAt).toISOString(), replacedCode: replaced }, now);
    return { code: groupEnrollmentCode(prepared.code), expiresAt };
  });
}

/** The session the enrollment page acts in: the user themself, through the self-enrollment door. */
function selfSession(store: ServerStore, user: Pick<UserRow, 'email'>): Session {
  return { operatorId: 'self-enrollment', name: `self-enrollment:${user.email}`, displayName: user.email, role: 'service', emailKey: null, signedInAt: store.clock.now(), via: 'self-enrollment' };
}

export type SelfStartResult =
  | { kind: 'started'; token: string; csrf: string; uri: string; key: string; email: string; expiresAt: number }
  | { kind: 'rejected' }
  | { kind: 'locked' };

/**
 * The enrollment page's first step: email and enrollment code. On success the code is used up,
 * the active authenticator revoked and a pending one with a fresh secret created (as
 * forceReenrollment does: revoked at the start), and a browser session bound to that pending
 * enrollment made. An unknown email, a wrong, used or expired code all answer `rejected` and
 * count as a failed verification of that address (the same lock as verification).
 */
export async function startSelfEnrollment(store: ServerStore, email: string, typedCode: string): Promise<SelfStartResult> {
  let addr: { email: string; emailKey: string };
  try {
    addr = normalizeEmail(email);
  } catch {
    return { kind: 'rejected' };
  }
  const code = normalizeEnrollmentCode(typedCode);
  const secret = store.random.bytes(SECRET_BYTES);
  const token = store.random.bytes(32).toString('base64url');
  const csrf = store.random.bytes(32).toString('base64url');
  const sheetId = 'SELF-' + store.random.bytes(3).toString('hex').toUpperCase();
  try {
    return await store.write(async (tx): Promise<SelfStartResult> => {
      const now = store.clock.now();
      const settings = await loadSettings(tx);
      const user = await tx.users.getByEmailKey(addr.emailKey);
      // The throttle of unknown addresses keeps the loose fold (as verify does).
      if (!user) return unknownAddress(tx, store, addr.email, foldKey(addr.email), now);
      const session = selfSession(store, user);
      const client = throttleClient(session);
      const state = await userStateFor(tx, user.id, client);
      if (isLocked(state, now)) {
        await auditAction(tx, session, user, 'enrollment.self.start', null, { reason: 'locked' }, now, 'locked');
        return { kind: 'locked' };
      }
      const rec = await tx.serverAuth.enrollmentCode(user.id);
      const given = code ? codeVerifier(rec?.salt ?? Buffer.alloc(16), code) : Buffer.alloc(32, 0xff);
      const matches = !!rec && !!code && safeEqual(given, rec.verifier);
      const reason = !matches ? 'wrong' : rec.usedAt !== null ? 'used' : rec.expiresAt <= now ? 'expired' : user.status === 'disabled' ? 'user-disabled' : null;
      if (reason !== null || !(await tx.serverAuth.useEnrollmentCode(user.id, now))) {
        const f = await registerFailure(tx, user.id, client, settings, now);
        await auditAction(tx, session, user, 'enrollment.self.start', null, { reason: reason ?? 'used', failures: f.failures, ...lockDetails(f) }, now, 'rejected');
        return { kind: 'rejected' };
      }
      await tx.authenticators.lapseExpired(user.id, now);
      const revoked = await tx.authenticators.end(user.id, 'active', 'revoked', now);
      const voidedPending = await tx.authenticators.end(user.id, 'pending', 'voided', now);
      const issued = await createPending(store, tx, session, user, { secret, sheetId }, now);
      const expiresAt = now + SELF_SESSION_TTL_MS;
      await tx.serverAuth.createSelfEnrollmentSession({ tokenHash: sha256Hex(token), userId: user.id, enrollmentId: issued.enrollmentId, csrfHash: sha256Hex(csrf), createdAt: now, expiresAt, doneAt: null });
      await auditAction(tx, session, user, 'enrollment.self.start', null, { enrollmentId: issued.enrollmentId, codeIssuedBy: rec!.createdBy, revokedAuthenticator: revoked > 0, voidedPending }, now);
      await queueNotification(tx, user, 'self-enrollment', now);
      return { kind: 'started', token, csrf, uri: issued.uri, key: issued.key, email: user.email, expiresAt };
    });
  } finally {
    secret.fill(0);
  }
}

/** An unknown address: the answer and the counting of a wrong code (verification's own unknown-address throttle). */
async function unknownAddress(tx: WriteTx, store: ServerStore, address: string, emailKey: string, now: number): Promise<SelfStartResult> {
  const settings = await loadSettings(tx);
  const session = selfSession(store, { email: address });
  const client = throttleClient(session);
  const state = stateForClient(await tx.verification.listUnknown(emailKey), client);
  if (isLocked(state, now)) {
    await auditAs(tx, session, { action: 'enrollment.self.start', userId: null, userEmail: address, outcome: 'locked', details: { reason: 'locked', unknownUser: true } }, now);
    return { kind: 'locked' };
  }
  const { locked, hardLocked, ...next } = failedState(state, settings, now);
  await tx.verification.setUnknown(emailKey, client, next);
  await auditAs(tx, session, { action: 'enrollment.self.start', userId: null, userEmail: address, outcome: 'rejected', details: { reason: 'unknown-user', failures: next.failures, ...lockDetails({ locked, hardLocked, lockedUntil: next.lockedUntil }) } }, now);
  return { kind: 'rejected' };
}

/**
 * The last step: the first code from the new app, with the browser session's cookie token and
 * CSRF token. Confirms only the pending enrollment that session is bound to (the same counting,
 * lock and replay rules as an agent's confirm), audited with via self-enrollment.
 */
export async function confirmSelfEnrollment(store: ServerStore, token: string, csrf: string, code: string): Promise<{ status: 'active' }> {
  const s = token ? await store.read((tx) => tx.serverAuth.selfEnrollmentSession(sha256Hex(token))) : null;
  const now = store.clock.now();
  if (!s || s.doneAt !== null || s.expiresAt <= now) fail('SESSION_LOCKED', 'This enrollment page session has ended. Ask the helpdesk for a new enrollment code.');
  if (!safeEqualHex(sha256Hex(csrf), s.csrfHash)) fail('FORBIDDEN', 'The request did not come from the enrollment page.');
  const user = await store.read((tx) => tx.users.get(s.userId));
  if (!user) fail('SESSION_LOCKED', 'This enrollment page session has ended.');
  const r = await confirmPending(store, selfSession(store, user), user.id, code, s.enrollmentId);
  await store.write((tx) => tx.serverAuth.finishSelfEnrollmentSession(s.tokenHash, now));
  return r;
}
