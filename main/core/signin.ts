import { cannotWrite, fail, FactorDeskError, type ReadOnlyReason } from './errors.ts';
import type { Session } from './session.ts';
import type { Store, WriteTx } from '../store/port.ts';
import type { SealedJournal, Unlocked, VaultLock } from '../store/vault-lock.ts';
import { foldKey } from './text.ts';
import { randomHex, sha256Hex } from './crypto.ts';
import { checkNewOperator, insertOperator, sessionFor, sessionOf, validOperatorName } from './operators.ts';
import { assertPassword } from './passwords.ts';
import { attemptGate } from './signin-throttle.ts';
import { systemClock, type Clock } from './clock.ts';
import { parseRawKey } from './raw-keys.ts';
import { auditAs, sessionEvent } from './audit-as.ts';
import type { AuditInput } from './audit.ts';

/** What a successful sign-in yields; `warnings` are shown to the operator (e.g. a tampered journal). */
export interface SignedIn<H> {
  unlocked: Unlocked<H>;
  store: Store;
  session: Session;
  warnings: string[];
}

const WRONG = 'Wrong name or password.';

/**
 * Sign-ins running in this process. The throttle counts failures after the KDF, so parallel
 * attempts would all pass the gate before any is counted: one at a time per name, and a few in
 * all, closes that burst.
 */
const inFlight = new Map<string, number>();
const MAX_PARALLEL_SIGNINS = 2;

/**
 * Signs an operator in: their password opens their credential, which unlocks the store.
 * Unknown names cost the KDF too, so a wrong name and a wrong password give the same message
 * in about the same time. Failures are counted in the pre-sign-in journal: attempts are spaced
 * out after 5 failures and the operator is locked for a period after 20; the lock survives
 * restarts. Who signed in comes from their operator row, never from the credential.
 */
export async function signIn<H>(lock: VaultLock<H>, name: string, password: string, clock: Clock = systemClock): Promise<SignedIn<H>> {
  if (typeof name !== 'string' || typeof password !== 'string' || name.length > 256 || password.length > 1024) fail('BAD_REQUEST', 'Name and password are required.');
  lock.requireExisting();
  const nameKey = foldKey(name);
  // Checked after folding too: folding can make a name several times longer (ﬃ → ffi).
  if (nameKey.length > 256) fail('BAD_REQUEST', 'Name and password are required.');
  const running = [...inFlight.values()].reduce((a, b) => a + b, 0);
  if ((inFlight.get(nameKey) ?? 0) > 0 || running >= MAX_PARALLEL_SIGNINS) fail('RATE_LIMITED', 'Another sign-in is in progress. Try again in a moment.', { seconds: 1 });
  inFlight.set(nameKey, (inFlight.get(nameKey) ?? 0) + 1);
  try {
    return await signInOnce(lock, clock, nameKey, password);
  } finally {
    const n = (inFlight.get(nameKey) ?? 1) - 1;
    if (n <= 0) inFlight.delete(nameKey);
    else inFlight.set(nameKey, n);
  }
}

/**
 * How a typed name appears in the sign-in journal: a hash, not the text. People type passwords
 * into the name field; the journal is readable before sign-in and is copied into the audit.
 */
export function journalName(nameKey: string): string {
  return sha256Hex(`factordesk signin-name:${nameKey}`).slice(0, 32);
}

async function signInOnce<H>(lock: VaultLock<H>, clock: Clock, nameKey: string, password: string): Promise<SignedIn<H>> {
  const jName = journalName(nameKey);
  // The attempt is counted as failed BEFORE the KDF, in one step with the gate (other processes
  // cannot slip in between): thirty parallel guesses are thirty counted, never sixteen. A
  // sign-in that succeeds takes its count back; a wrong one settles it.
  const attempt = randomHex(16);
  let gate: ReturnType<typeof attemptGate> = { kind: 'ok' };
  // Set when nothing can be written (a read-only folder, a full disk): the session can only read.
  let readOnly: ReadOnlyReason | null = null;
  try {
    lock.countAttempt(jName, (state) => {
      const now = clock.now();
      gate = attemptGate(state, now);
      if (gate.kind === 'locked') return { at: now, name: jName, outcome: 'locked' };
      if (gate.kind === 'wait') return { at: now, name: jName, outcome: 'rate-limited' };
      return { at: now, name: jName, outcome: 'failed', attempt };
    });
  } catch (err) {
    readOnly = cannotWrite(err);
    if (!readOnly) throw err;
    // The attempt cannot be counted, but the counters and locks already there still hold. (Who
    // can make the folder unwritable can copy it and guess offline: counting adds nothing then.)
    gate = attemptGate(lock.throttleState(jName), clock.now());
  }
  const counted = readOnly === null;
  const g = gate as ReturnType<typeof attemptGate>;
  if (g.kind === 'locked') refuseLocked(g.until);
  if (g.kind === 'wait') fail('RATE_LIMITED', `Too many failed sign-ins. Try again in ${g.seconds} s.`, { seconds: g.seconds });
  // Already counted: a wrong credential settles the count (from then on it slows down and locks).
  const recordFailure = (): never => {
    if (counted) bestEffort(() => lock.settleAttempt(attempt));
    fail('SIGNIN_FAILED', WRONG);
  };
  let unlocked: Unlocked<H> | null;
  try {
    unlocked = await lock.unlockOperator(nameKey, password);
  } catch (err) {
    // Not a wrong password (a damaged or busy vault): not a failed guess either.
    if (counted) bestEffort(() => lock.withdrawAttempt(attempt));
    throw err;
  }
  if (!unlocked) return recordFailure();
  const { store } = unlocked;
  let session: Session;
  let unlinked = false;
  try {
    // The credential only says which row to read: a disabled, removed or renamed operator is refused.
    session = await store.read(async (tx) => {
      const s = await sessionFor(tx, unlocked.operatorId ?? '', clock.now());
      const row = await tx.operators.get(s.operatorId);
      if (row?.nameKey !== nameKey) fail('SIGNIN_FAILED', WRONG);
      // Warned only once there is a directory to link to (a new vault has no users yet).
      unlinked = row.userId === null && (await tx.users.count()) > 0;
      return s;
    });
  } catch (err) {
    lock.close(unlocked);
    if (err instanceof FactorDeskError) recordFailure();
    throw err;
  }
  try {
    // Whatever cannot be written from here on makes the session read-only instead of refusing it.
    const readOnlyAfter = (err: unknown): void => {
      const reason = cannotWrite(err);
      if (!reason) throw err;
      readOnly ??= reason;
      lock.restrict(unlocked, reason);
    };
    readOnly ??= store.readOnly;
    if (readOnly) lock.restrict(unlocked, readOnly);
    if (counted) {
      try {
        lock.withdrawAttempt(attempt);
      } catch (err) {
        readOnlyAfter(err);
      }
    }
    const { warnings, stillLockedUntil } = await afterUnlock(lock, unlocked, session.name, jName, readOnlyAfter);
    // The journal had lost this operator's lock (deleted or rolled back): recorded, and still refused.
    if (stillLockedUntil !== null) refuseLocked(stillLockedUntil);
    // Not linked to their own directory user: the own-account rule can only compare addresses.
    if (unlinked) warnings.push('OPERATOR_UNLINKED');
    if (!store.readOnly) {
      try {
        await store.write(async (tx) => {
          await tx.audit.append({ action: 'signin', operator: session.name, outcome: 'ok', details: { role: session.role } }, store.clock.now());
        });
      } catch (err) {
        readOnlyAfter(err);
      }
    }
    // Said last and once: lookups work, changes are refused, and this session leaves no audit trail.
    if (store.readOnly) warnings.push(store.readOnly === 'disk-full' ? 'READ_ONLY_DISK_FULL' : 'READ_ONLY_FOLDER');
    return { unlocked, store, session, warnings };
  } catch (err) {
    lock.close(unlocked); // never leave the key in memory behind a failed sign-in
    throw err;
  }
}

/**
 * What every unlock by a person checks before it appends anything: an anchor ahead of the chain
 * means acknowledged events were lost (a deleted WAL, a truncated or older database file); then
 * the journal's events move into the audit.
 */
async function afterUnlock<H>(
  lock: VaultLock<H>,
  unlocked: Unlocked<H>,
  operatorName: string | null,
  resetName: string | null,
  readOnlyAfter: (err: unknown) => void = (err) => {
    throw err;
  },
): Promise<{ warnings: string[]; stillLockedUntil: number | null }> {
  const { store } = unlocked;
  const anchor = lock.anchor(unlocked);
  const headCount = (await store.read((tx) => tx.audit.head())).count;
  const lost = !!anchor && anchor.valid && anchor.count > headCount;
  const anchorMissing = !anchor && headCount > 0;
  let sealed: SealedJournal | null = null;
  if (!store.readOnly) {
    try {
      sealed = lock.sealJournal(unlocked, resetName);
    } catch (err) {
      readOnlyAfter(err);
    }
  }
  // A store that can only be read: the journal is checked as at a seal (a lock it lost still
  // holds, tampering is still said) and left as it is for the next writable sign-in.
  sealed ??= lock.inspectJournal(unlocked, resetName);
  let warnings: string[] = [];
  if (store.readOnly) warnings = journalWarnings(sealed);
  else {
    try {
      warnings = await store.write((tx) => recordSealedJournal(tx, sealed, operatorName, store.clock.now()));
    } catch (err) {
      readOnlyAfter(err);
      warnings = journalWarnings(sealed);
    }
  }
  if (anchorMissing) warnings.push('ANCHOR_MISSING');
  if (lost) {
    warnings.push('EVENTS_LOST');
    if (!store.readOnly) {
      try {
        await store.write(async (tx) => {
          await tx.audit.append({ action: 'audit.events-lost', operator: operatorName, outcome: 'warning', details: { anchored: anchor.count } }, store.clock.now());
        });
      } catch (err) {
        readOnlyAfter(err);
      }
    }
  }
  return { warnings, stillLockedUntil: sealed.stillLockedUntil };
}

/** The warnings a sealed journal gives the operator, as recordSealedJournal returns them (for a store that cannot record it). */
function journalWarnings(sealed: SealedJournal): string[] {
  const warnings: string[] = [];
  if (!sealed.wasValid || sealed.damaged) warnings.push('JOURNAL_TAMPERED');
  if (sealed.rolledBack) warnings.push('JOURNAL_ROLLED_BACK');
  return warnings;
}

/** Runs a bookkeeping write that must not hide the answer it goes with (a wrong password is still a wrong password). */
function bestEffort(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    if (!cannotWrite(err)) throw err;
  }
}

function refuseLocked(until: number): never {
  fail('OPERATOR_LOCKED', `Too many failed sign-ins. This operator is locked until ${new Date(until).toISOString()}.`, { until });
}

/** Moves pre-sign-in events into the audit and re-authenticates the journal base. */
export async function foldJournal<H>(lock: VaultLock<H>, unlocked: Unlocked<H>, operatorName: string | null, resetName: string | null): Promise<string[]> {
  const { store } = unlocked;
  const sealed = lock.sealJournal(unlocked, resetName);
  return store.write((tx) => recordSealedJournal(tx, sealed, operatorName, store.clock.now()));
}

/**
 * Appends what a sealed journal held to the audit in `tx`: the failed, locked and slowed-down
 * attempts (known operators by name, anything else as a hash prefix), how many were compacted
 * away, and a tampered or damaged journal. Returns the warnings for the operator.
 */
export async function recordSealedJournal(tx: WriteTx, sealed: SealedJournal, operatorName: string | null, at: number): Promise<string[]> {
  const warnings: string[] = [];
  const { folded, summarised, wasValid, damaged, rolledBack } = sealed;
  if (summarised > 0) {
    await tx.audit.append({ action: 'signin.failed.summarised', operator: null, outcome: 'refused', details: { count: summarised } }, at);
  }
  // Known operators are named; anything else typed as a name stays a hash (it may be a password).
  const known = new Map<string, string>();
  for (const r of await tx.operators.list()) known.set(journalName(r.nameKey), r.name);
  for (const e of folded) {
    const name = known.get(e.name);
    await tx.audit.append(
      {
        action: e.outcome === 'failed' ? 'signin.failed' : `signin.${e.outcome}`,
        operator: null,
        outcome: 'refused',
        details: { ...(name ? { name } : { unknownName: e.name.slice(0, 12) }), at: new Date(e.at).toISOString() },
      },
      at,
    );
  }
  if (!wasValid || damaged) {
    await tx.audit.append({ action: 'signin.journal.tampered', operator: operatorName, outcome: 'warning', details: { damaged } }, at);
    warnings.push('JOURNAL_TAMPERED');
  }
  if (rolledBack) {
    // Deleted, replaced by another copy or rolled back: the counters and locks came back from the store.
    await tx.audit.append({ action: 'signin.journal.rolled-back', operator: operatorName, outcome: 'warning', details: {} }, at);
    warnings.push('JOURNAL_ROLLED_BACK');
  }
  return warnings;
}

/** Unlocks with the printed recovery key (when every admin password is lost). */
export async function unlockWithRecoveryKey<H>(lock: VaultLock<H>, recoveryKey: string): Promise<Unlocked<H>> {
  const raw = typeof recoveryKey === 'string' ? parseRawKey(recoveryKey) : null;
  if (!raw) fail('BAD_REQUEST', 'That is not a recovery key: it has 52 letters A–Z and digits 2–7, in groups of four.');
  try {
    const unlocked = await lock.unlockRecovery(raw);
    if (!unlocked) fail('SIGNIN_FAILED', 'This recovery key does not open this vault (it may have been replaced by a key rotation).');
    return unlocked;
  } finally {
    raw.fill(0);
  }
}

/** Unlocks for a login service with a service key file: the session may only verify codes. */
export async function unlockWithServiceKey<H>(lock: VaultLock<H>, serviceKeyFile: string): Promise<{ unlocked: Unlocked<H>; store: Store; session: Session }> {
  let parsed: { format?: unknown; key?: unknown; label?: unknown };
  try {
    parsed = JSON.parse(serviceKeyFile) as typeof parsed;
  } catch {
    fail('BAD_REQUEST', 'The service key file is not valid.');
  }
  const raw = parsed && parsed.format === 'factordesk.service-key' && typeof parsed.key === 'string' ? parseRawKey(parsed.key) : null;
  if (!raw) fail('BAD_REQUEST', 'The service key file is not valid.');
  let unlocked;
  try {
    unlocked = await lock.unlockService(raw);
  } finally {
    raw.fill(0);
  }
  if (!unlocked) fail('SIGNIN_FAILED', 'This service key does not open this vault.');
  // A login service has no operator row: its session names the key and can only verify.
  const label = unlocked.label || 'service';
  const session: Session = { operatorId: `service:${unlocked.keyId}`, name: `service:${label}`, displayName: label, role: 'service', emailKey: null, signedInAt: unlocked.store.clock.now() };
  return { unlocked, store: unlocked.store, session };
}

/**
 * Admin recovery with the recovery key: the named admin gets a new password, or is created as an
 * admin when there is no operator of that name. Audited as the recovery key. Returns the
 * unlocked store and the admin's session (from their row).
 */
export async function recoverAdmin<H>(lock: VaultLock<H>, recoveryKey: string, name: string, password: string): Promise<{ unlocked: Unlocked<H>; store: Store; session: Session }> {
  const cleanName = validOperatorName(name);
  const unlocked = await unlockWithRecoveryKey(lock, recoveryKey);
  const { store } = unlocked;
  try {
    const recovery: Session = { operatorId: 'recovery', name: 'recovery-key', displayName: 'Recovery key', role: 'admin', emailKey: null, signedInAt: store.clock.now() };
    const existing = await store.read((tx) => tx.operators.getByNameKey(foldKey(cleanName)));
    if (existing && existing.role !== 'admin') fail('FORBIDDEN', 'Recovery sets a password for an admin only.');
    const checked = existing ? null : await checkNewOperator({ name: cleanName, displayName: cleanName, role: 'admin', password });
    if (existing) await assertPassword(password, [existing.name, existing.displayName]);
    const id = existing?.id ?? store.random.bytes(16).toString('hex');
    const credential = await store.keyring.prepareOperatorCredential({ id, nameKey: existing?.nameKey ?? checked!.nameKey }, password);
    const session = await store.write(async (tx) => {
      const now = store.clock.now();
      const audit = (action: string, details: Record<string, unknown>) => tx.audit.append({ action, operator: recovery.name, outcome: 'ok', details }, now);
      let row = existing ? await tx.operators.get(id) : null;
      if (existing && (!row || row.role !== 'admin' || row.status === 'removed')) fail('CONFLICT', 'The operator changed while the recovery ran. Try again.');
      if (!row) {
        row = await insertOperator(tx, checked!, id, now);
        await audit('operator.add', { name: row.name, role: 'admin' });
      }
      await tx.operators.setStatus(id, 'active', now);
      await tx.credentials.installOperator(credential);
      await audit('operator.reset-password', { name: row.name });
      await audit('vault.recovery', { admin: row.name });
      return sessionOf(await tx.operators.get(id), now);
    });
    return { unlocked, store, session };
  } catch (err) {
    lock.close(unlocked);
    throw err;
  }
}

/** The event that ends an operator's session (lock, idle, sign-out), with its door. */
export function signOutEvent(session: Session): AuditInput {
  return sessionEvent(session, { action: 'signout', outcome: 'ok' });
}

/** Records a call the door refused for its sender or role (never its payload). */
export async function recordRefusedCall(store: Store, session: Session, channel: string): Promise<void> {
  await store.write(async (tx) => {
    await auditAs(tx, session, { action: 'ipc.refused', outcome: 'refused', details: { channel } }, store.clock.now());
  });
}
