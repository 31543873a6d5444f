/**
 * Operators signing in to a server (`factordesk serve`): password and a second factor (TOTP),
 * sessions by token, the sign-in throttle. The store keeps the token only as its hash and the
 * second factor's secret only sealed under the server's data key, bound to its row and column.
 * Every rule here runs the same on every server instance: the state lives in the store.
 */
import { checkSiteBasics, putSiteBasics, type SiteBasics } from './settings.ts';
import type { ServerStore, ServerWriteTx } from '../store/port.ts';
import type { Session } from './session.ts';
import { fail, FactorDeskError } from './errors.ts';
import { foldKey } from './text.ts';
import { currentKdf, deriveKek, safeEqual, sha256Hex, type Sealed } from './crypto.ts';
import { attemptGate, SIGNIN_POLICY } from './signin-throttle.ts';
import { enrollmentUri, matchTotp } from './totp.ts';
import { checkNewOperator, insertOperator, sessionOf } from './operators.ts';
import { journalName } from './signin.ts';
import { auditAs } from './audit-as.ts';
import { currentSettings } from './settings.ts';
import { requireRole } from './roles.ts';

/** Seals and opens single secret values under the server's data key (AES-256-GCM, AAD = where the value lives). */
export interface ValueSealer {
  seal(plaintext: Buffer, aad: string): Sealed;
  open(box: Sealed, aad: string): Buffer | null;
}

/** How long a server session lives. */
export const SERVER_SESSION = {
  idleMs: 15 * 60_000,
  maxMs: 12 * 60 * 60_000,
  /** Activity is written at most this often (every request reads the session; few write it). */
  touchEveryMs: 30_000,
};

const WRONG = 'Wrong name, password or second-factor code.';
const secondFactorAad = (storeId: string, operatorId: string) => `factordesk/${storeId}/operator_second_factors/sealed/${operatorId}`;

/** The hash a session token is kept under. */
export function tokenHash(token: string): string {
  return sha256Hex(`factordesk session:${token}`);
}

/** A fresh second factor for an operator: the sealed secret to store and the URI their authenticator scans (shown once). */
export async function newSecondFactor(store: ServerStore, sealer: ValueSealer, operator: { id: string; name: string }): Promise<{ sealed: string; uri: string }> {
  const secret = store.random.bytes(20);
  try {
    const { issuer } = await currentSettings(store);
    const sealed = JSON.stringify(sealer.seal(secret, secondFactorAad(store.storeId, operator.id)));
    return { sealed, uri: enrollmentUri(`${issuer} operators`, operator.name, secret) };
  } finally {
    secret.fill(0);
  }
}

export type ServerSignIn =
  | { kind: 'signed-in'; token: string; session: Session; expiresAt: number }
  /** The password was right and the operator has no second factor yet: scan this, then sign in with a code from it. */
  | { kind: 'enroll'; otpUri: string };

/**
 * Signs an operator in with password and a TOTP code. The attempt is counted before the
 * password's KDF runs (so parallel guesses on several instances are all counted) and forgiven
 * when it succeeds; after SIGNIN_POLICY.slowAfter failures attempts are spaced out, after
 * lockAfter the name is locked for a while. Unknown names cost the KDF too and get the same answer.
 */
export async function serverSignIn(store: ServerStore, sealer: ValueSealer, name: string, password: string, otp: string | null): Promise<ServerSignIn> {
  const nameKey = foldKey(name);
  if (nameKey.length === 0 || nameKey.length > 256 || password.length === 0 || password.length > 1024) fail('BAD_REQUEST', 'Name and password are required.');
  const jName = journalName(nameKey);
  const now = store.clock.now();
  const found = await store.write(async (tx) => {
    const state = await tx.serverAuth.signInState(jName);
    const gate = attemptGate(state, now);
    if (gate.kind !== 'ok') {
      await tx.audit.append({ action: gate.kind === 'locked' ? 'signin.locked' : 'signin.rate-limited', operator: null, outcome: 'refused', details: { via: 'https', name: jName } }, now);
      return { gate } as const;
    }
    // Counted now, before the KDF: forgiven below when the sign-in succeeds.
    const failures = state.failures + 1;
    const lockedUntil = failures >= SIGNIN_POLICY.lockAfter ? now + SIGNIN_POLICY.lockMinutes * 60_000 : null;
    await tx.serverAuth.setSignInState(jName, { failures: lockedUntil ? 0 : failures, lastFailureAt: now, lockedUntil });
    const op = await tx.operators.getByNameKey(nameKey);
    const verifier = op ? await tx.serverAuth.passwordVerifier(op.id) : null;
    const factor = op ? await tx.serverAuth.secondFactor(op.id) : null;
    return { gate, op, verifier, factor } as const;
  });
  if (found.gate.kind === 'locked') fail('OPERATOR_LOCKED', `Too many failed sign-ins. This operator is locked until ${new Date(found.gate.until).toISOString()}.`, { until: found.gate.until });
  if (found.gate.kind === 'wait') fail('RATE_LIMITED', `Too many failed sign-ins. Try again in ${found.gate.seconds} s.`, { seconds: found.gate.seconds });
  const { op, verifier, factor } = found as Extract<typeof found, { op: unknown }>;
  // The KDF runs for unknown names too (with a throwaway salt), so the answer takes as long.
  const kdf = verifier?.kdf ?? currentKdf();
  const derived = await deriveKek(password, verifier?.salt ?? Buffer.alloc(16), kdf);
  const passwordOk = !!verifier && safeEqual(derived, verifier.verifier) && !!op && op.status === 'active';
  const failed = async (reason: string, message = WRONG): Promise<never> => {
    await store.write(async (tx) => {
      await tx.audit.append({ action: 'signin.failed', operator: null, outcome: 'refused', details: { via: 'https', name: jName, reason } }, store.clock.now());
    });
    fail('SIGNIN_FAILED', message);
  };
  // A vault folder set up for a server keeps verifiers only for passwords set since (and the
  // admin who set it up): the others' passwords live in key slots, which a server never signs in with.
  // The caller gets the usual answer (a different one would tell who exists); the audit says why,
  // so an admin who sees 'no-server-password' resets that operator's password.
  if (op && op.status === 'active' && !verifier) return failed('no-server-password');
  if (!passwordOk || !op) return failed('password');
  if (!factor) {
    // First sign-in to a server: the operator enrolls a second factor now and signs in again with a code from it.
    const { sealed, uri } = await newSecondFactor(store, sealer, op);
    await store.write(async (tx) => {
      await tx.serverAuth.setSecondFactor(op.id, sealed, store.clock.now());
      await tx.audit.append({ action: 'operator.second-factor.enroll', operator: op.name, outcome: 'ok', details: { via: 'https' } }, store.clock.now());
    });
    return { kind: 'enroll', otpUri: uri };
  }
  if (otp === null || !/^\d{6}$/.test(otp)) return failed('second-factor');
  const secret = sealer.open(JSON.parse(factor.sealed) as Sealed, secondFactorAad(store.storeId, op.id));
  if (!secret) fail('INTERNAL', 'The second factor of this operator cannot be read with this server key.');
  const match = matchTotp(secret, otp, store.clock.now(), factor.lastStep);
  secret.fill(0);
  if (!match.ok) return failed(match.reason === 'reused' ? 'second-factor-reused' : 'second-factor');
  const token = store.random.bytes(32).toString('base64url');
  const signedIn = await store.write(async (tx) => {
    const at = store.clock.now();
    // Compare-and-set on the step: the same code sent to two instances signs in once.
    if (!(await tx.serverAuth.useSecondFactorStep(op.id, match.step))) return null;
    const row = await tx.operators.get(op.id);
    const session: Session = { ...sessionOf(row, at), via: 'https' };
    await tx.serverAuth.setSignInState(jName, { failures: 0, lastFailureAt: null, lockedUntil: null });
    const expiresAt = at + SERVER_SESSION.maxMs;
    await tx.serverAuth.createSession({ tokenHash: tokenHash(token), operatorId: op.id, role: session.role as 'agent' | 'admin', createdAt: at, lastSeenAt: at, expiresAt, revokedAt: null });
    await auditAs(tx, session, { action: 'signin', outcome: 'ok', details: { role: session.role } }, at);
    return { session, expiresAt };
  });
  if (!signedIn) return failed('second-factor-reused');
  return { kind: 'signed-in', token, session: signedIn.session, expiresAt: signedIn.expiresAt };
}

/**
 * The session a request's token stands for. Refused (SESSION_LOCKED) when unknown, revoked,
 * idle for SERVER_SESSION.idleMs, older than maxMs, or when the operator was disabled or
 * removed, changed role, or got a new password or second factor since it began; such a
 * session is revoked on the spot.
 */
export async function sessionForToken(store: ServerStore, token: string): Promise<Session> {
  if (typeof token !== 'string' || token.length < 20 || token.length > 100) fail('SESSION_LOCKED', 'Sign in first.');
  const hash = tokenHash(token);
  const now = store.clock.now();
  // Every request runs it: one statement, without a transaction around it.
  const seen = await store.read((tx) => tx.serverAuth.sessionView(hash), { single: true });
  if (!seen || seen.session.revokedAt !== null) fail('SESSION_LOCKED', 'This session has ended. Sign in again.');
  const { session: rec, operator: op, passwordSetAt, secondFactorSetAt } = seen;
  const stale =
    now - rec.lastSeenAt > SERVER_SESSION.idleMs ||
    now >= rec.expiresAt ||
    !op ||
    op.status !== 'active' ||
    op.role !== rec.role ||
    passwordSetAt === null ||
    passwordSetAt > rec.createdAt ||
    secondFactorSetAt === null ||
    secondFactorSetAt > rec.createdAt;
  if (stale) {
    await store.write(async (tx) => tx.serverAuth.revokeSession(hash, now));
    fail('SESSION_LOCKED', 'This session has ended. Sign in again.');
  }
  if (now - rec.lastSeenAt >= SERVER_SESSION.touchEveryMs) await store.write(async (tx) => tx.serverAuth.touchSession(hash, now));
  return { ...sessionOf(op, rec.createdAt), via: 'https' };
}

/** Ends the session of `token` (logout), with its sign-out event. Unknown tokens end quietly. */
export async function serverSignOut(store: ServerStore, token: string): Promise<void> {
  let session: Session;
  try {
    session = await sessionForToken(store, token);
  } catch (err) {
    if (err instanceof FactorDeskError && err.code === 'SESSION_LOCKED') return;
    throw err;
  }
  await store.write(async (tx) => {
    await tx.serverAuth.revokeSession(tokenHash(token), store.clock.now());
    await auditAs(tx, session, { action: 'signout', outcome: 'ok' }, store.clock.now());
  });
}

/**
 * An admin resets another operator's second factor: the old one stops working and their
 * sessions end; they enroll a new one at their next sign-in. Audited.
 */
export async function resetSecondFactor(store: ServerStore, session: Session, operatorId: string): Promise<void> {
  requireRole(session, 'operators:reset-password');
  await store.write(async (tx: ServerWriteTx) => {
    const op = await tx.operators.get(operatorId);
    if (!op || op.status === 'removed') fail('NOT_FOUND', 'No such operator.');
    await tx.serverAuth.removeSecondFactor(operatorId);
    const ended = await tx.serverAuth.revokeOperatorSessions(operatorId, store.clock.now());
    await auditAs(tx, session, { action: 'operator.second-factor.reset', outcome: 'ok', details: { name: op.name, sessionsEnded: ended } }, store.clock.now());
  });
}

/** What the store keeps about its server key: a check value (a wrong key file is refused at start) and the escrow copy. */
export interface ServerKeyRecords {
  keyCheck: string;
  escrow: string;
  /** The public half of the audit signing key. */
  signingPublicKey: string;
}

/**
 * Sets a new server's store up: the first admin (password verifier and a second factor, whose
 * URI is returned once), the server key's check value and escrow, and the first audit events.
 * Refused when the store already has operators.
 */
export async function initServerStore(
  store: ServerStore,
  sealer: ValueSealer,
  keys: ServerKeyRecords,
  admin: { name: string; displayName?: string; email: string | null; password: string },
  site: SiteBasics = {},
): Promise<{ session: Session; operatorOtpUri: string }> {
  const basics = checkSiteBasics(site);
  const op = await checkNewOperator({ name: admin.name, displayName: admin.displayName ?? admin.name, email: admin.email, password: admin.password, role: 'admin' });
  const id = store.random.bytes(16).toString('hex');
  const credential = await store.keyring.prepareOperatorCredential({ id, nameKey: op.nameKey }, admin.password);
  const factor = await newSecondFactor(store, sealer, { id, name: op.name });
  const session = await store.write(async (tx) => {
    if ((await tx.operators.list()).length > 0 || (await tx.meta.get('server.key-check')) !== undefined) fail('VAULT_EXISTS', 'This store has been set up already.');
    const now = store.clock.now();
    const row = await insertOperator(tx, op, id, now);
    await tx.credentials.installOperator(credential);
    await tx.serverAuth.setSecondFactor(id, factor.sealed, now);
    await tx.meta.set('server.key-check', keys.keyCheck);
    await tx.meta.set('server.key-escrow', keys.escrow);
    await tx.meta.set('server.signing-public-key', keys.signingPublicKey);
    await tx.audit.append({ action: 'server.init', operator: row.name, outcome: 'ok', details: { storeId: store.storeId } }, now);
    await tx.audit.append({ action: 'operator.add', operator: row.name, outcome: 'ok', details: { name: row.name, role: 'admin' } }, now);
    // The organisation and support contact given to server init, audited like any settings change.
    const changed = await putSiteBasics(tx, basics, now);
    if (changed.length > 0) await tx.audit.append({ action: 'settings.update', operator: row.name, outcome: 'ok', details: { changed } }, now);
    return { ...sessionOf(row, now), via: 'cli' as const };
  });
  return { session, operatorOtpUri: factor.uri };
}

/**
 * Sets a vault folder up for a server (`server init --store FOLDER`), in one transaction: the
 * server key's check value, escrow and signing public key, and for the admin who unlocked it
 * (their password checked by that unlock) a password verifier and a second factor, whose URI is
 * returned once. The other operators get a verifier when an admin sets their password; their
 * second factor they enroll at their first server sign-in. Refused when set up already.
 */
export async function setUpServedVault(
  store: ServerStore,
  sealer: ValueSealer,
  keys: ServerKeyRecords,
  admin: { session: Session; password: string },
  site: SiteBasics = {},
): Promise<{ session: Session; operatorOtpUri: string }> {
  requireRole(admin.session, 'operators:add');
  const basics = checkSiteBasics(site);
  const salt = store.random.bytes(16);
  const kdf = currentKdf();
  const verifier = await deriveKek(admin.password, salt, kdf);
  const factor = await newSecondFactor(store, sealer, { id: admin.session.operatorId, name: admin.session.name });
  await store.write(async (tx) => {
    if ((await tx.meta.get('server.key-check')) !== undefined) fail('VAULT_EXISTS', 'This store has been set up for a server already; nothing was changed.');
    const op = await tx.operators.get(admin.session.operatorId);
    if (!op || op.status !== 'active' || op.role !== 'admin') fail('FORBIDDEN', 'Only an active admin can set a vault up for a server.');
    const now = store.clock.now();
    await tx.serverAuth.setPasswordVerifier(op.id, { salt, kdf, verifier, createdAt: now });
    await tx.serverAuth.setSecondFactor(op.id, factor.sealed, now);
    await tx.meta.set('server.key-check', keys.keyCheck);
    await tx.meta.set('server.key-escrow', keys.escrow);
    await tx.meta.set('server.signing-public-key', keys.signingPublicKey);
    await auditAs(tx, admin.session, { action: 'server.init', outcome: 'ok', details: { storeId: store.storeId } }, now);
    const changed = await putSiteBasics(tx, basics, now);
    if (changed.length > 0) await auditAs(tx, admin.session, { action: 'settings.update', outcome: 'ok', details: { changed } }, now);
  });
  return { session: { ...admin.session, via: 'cli' }, operatorOtpUri: factor.uri };
}

/** The store's key records (null before `server init`). */
export async function serverKeyRecords(store: ServerStore): Promise<{ keyCheck: string; escrow: string | null } | null> {
  return store.read(async (tx) => {
    const keyCheck = await tx.meta.get('server.key-check');
    return keyCheck === undefined ? null : { keyCheck, escrow: (await tx.meta.get('server.key-escrow')) ?? null };
  });
}
