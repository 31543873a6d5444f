import { fail, FactorDeskError } from './errors.ts';
import type { Session } from './session.ts';
import { unlockWith, vaultState, type Vault, type VaultEnv } from '../store/sqlite/vault.ts';
import { burnKdfTime, openPrivateKey, parseRawKey, type Slot } from './key-slots.ts';
import { foldKey } from './text.ts';
import { auditHead } from './audit.ts';
import { sha256Hex } from './crypto.ts';
import { sessionFor } from './operators.ts';
import { systemClock } from './clock.ts';
import { accountState, appendJournalEvent, attemptGate, readJournal, sealJournal } from './signin-journal.ts';

/** What a successful sign-in yields; `warnings` are shown to the operator (e.g. a tampered journal). */
export interface SignedIn {
  vault: Vault;
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
 * Signs an operator in: their password opens their key slot, which unwraps the vault key.
 * Unknown names run the KDF too, so a wrong name and a wrong password give the same message
 * in about the same time. Failures are counted in the pre-sign-in journal: attempts are spaced
 * out after 5 failures and the operator is locked for a period after 20; the lock survives restarts.
 */
export async function signIn(env: VaultEnv, name: string, password: string): Promise<SignedIn> {
  const clock = env.clock ?? systemClock;
  if (typeof name !== 'string' || typeof password !== 'string' || name.length > 256 || password.length > 1024) fail('BAD_REQUEST', 'Name and password are required.');
  if (vaultState(env.dir) === 'none') fail('VAULT_MISSING', `There is no vault in ${env.dir}.`);
  const nameKey = foldKey(name);
  // Checked after folding too: folding can make a name several times longer (ﬃ → ffi).
  if (nameKey.length > 256) fail('BAD_REQUEST', 'Name and password are required.');
  const running = [...inFlight.values()].reduce((a, b) => a + b, 0);
  if ((inFlight.get(nameKey) ?? 0) > 0 || running >= MAX_PARALLEL_SIGNINS) fail('RATE_LIMITED', 'Another sign-in is in progress. Try again in a moment.', { seconds: 1 });
  inFlight.set(nameKey, (inFlight.get(nameKey) ?? 0) + 1);
  try {
    return await signInOnce(env, clock, nameKey, password);
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

async function signInOnce(env: VaultEnv, clock: { now(): number }, nameKey: string, password: string): Promise<SignedIn> {
  const jName = journalName(nameKey);
  const { journal } = readJournal(env.dir);
  const gate = attemptGate(accountState(journal, jName), clock.now());
  if (gate.kind === 'locked') {
    appendJournalEvent(env.dir, { at: clock.now(), name: jName, outcome: 'locked' });
    fail('OPERATOR_LOCKED', `Too many failed sign-ins. This operator is locked until ${new Date(gate.until).toISOString()}.`, { until: gate.until });
  }
  if (gate.kind === 'wait') {
    appendJournalEvent(env.dir, { at: clock.now(), name: jName, outcome: 'rate-limited' });
    fail('RATE_LIMITED', `Too many failed sign-ins. Try again in ${gate.seconds} s.`, { seconds: gate.seconds });
  }
  const recordFailure = (): never => {
    appendJournalEvent(env.dir, { at: clock.now(), name: jName, outcome: 'failed' });
    fail('SIGNIN_FAILED', WRONG);
  };
  let tried = false;
  const { vault, slot } = await unlockWith(
    env,
    (f) => f.slots.filter((s) => s.kind === 'operator' && s.label === nameKey),
    async (s: Slot, f) => {
      tried = true;
      return openPrivateKey(f.vaultId, s, password);
    },
    async () => {
      // No slot for this name: spend the same KDF time so the answer does not reveal it.
      if (!tried) await burnKdfTime(password);
      return recordFailure();
    },
  );
  let session: Session;
  try {
    session = sessionFor(vault.db, slot.operatorId!, clock.now());
  } catch (err) {
    vault.close();
    if (err instanceof FactorDeskError) recordFailure();
    throw err;
  }
  try {
    // Before anything is appended: an anchor ahead of the chain means acknowledged events were
    // lost (a deleted WAL, a truncated or older database file).
    const anchor = vault.anchor();
    const headCount = auditHead(vault.db).count;
    const lost = !!anchor && anchor.valid && anchor.count > headCount;
    const anchorMissing = !anchor && headCount > 0;
    const warnings = foldJournal(vault, session.name, jName);
    if (anchorMissing) warnings.push('ANCHOR_MISSING');
    if (lost) {
      warnings.push('EVENTS_LOST');
      vault.auditNow({ action: 'audit.events-lost', operator: session.name, outcome: 'warning', details: { anchored: anchor.count } });
    }
    vault.auditNow({ action: 'signin', operator: session.name, outcome: 'ok', details: { role: session.role } });
    return { vault, session, warnings };
  } catch (err) {
    vault.close(); // never leave the key in memory behind a failed sign-in
    throw err;
  }
}

/** Moves pre-sign-in events into the audit and re-authenticates the journal base. */
export function foldJournal(vault: Vault, operatorName: string | null, resetNameKey: string | null): string[] {
  const warnings: string[] = [];
  const { folded, summarised, wasValid, damaged } = sealJournal(vault.dir, vault.derived('journal'), resetNameKey, vault.now());
  vault.write(() => {
    if (summarised > 0) {
      vault.audit({ action: 'signin.failed.summarised', operator: null, outcome: 'refused', details: { count: summarised } });
    }
    // Known operators are named; anything else typed as a name stays a hash (it may be a password).
    const known = new Map<string, string>();
    for (const r of vault.db.prepare("SELECT name, name_key FROM operators WHERE status != 'removed'").all() as Array<{ name: string; name_key: string }>) known.set(journalName(r.name_key), r.name);
    for (const e of folded) {
      const name = known.get(e.name);
      vault.audit({
        action: e.outcome === 'failed' ? 'signin.failed' : `signin.${e.outcome}`,
        operator: null,
        outcome: 'refused',
        details: { ...(name ? { name } : { unknownName: e.name.slice(0, 12) }), at: new Date(e.at).toISOString() },
      });
    }
    if (!wasValid || damaged) {
      vault.audit({ action: 'signin.journal.tampered', operator: operatorName, outcome: 'warning', details: { damaged } });
      warnings.push('JOURNAL_TAMPERED');
    }
  });
  return warnings;
}

/** Opens the vault with the printed recovery key (when every admin password is lost). */
export async function unlockWithRecoveryKey(env: VaultEnv, recoveryKey: string): Promise<Vault> {
  const raw = parseRawKey(recoveryKey);
  if (!raw) fail('BAD_REQUEST', 'That is not a recovery key: it has 52 letters A–Z and digits 2–7, in groups of four.');
  const { vault } = await unlockWith(
    env,
    (f) => f.slots.filter((s) => s.kind === 'recovery'),
    async () => Buffer.from(raw),
    () => fail('SIGNIN_FAILED', 'This recovery key does not open this vault (it may have been replaced by a key rotation).'),
  );
  raw.fill(0);
  return vault;
}

/** Opens the vault for a login service with a service key: the session may only verify codes. */
export async function unlockWithServiceKey(env: VaultEnv, serviceKeyFile: string): Promise<{ vault: Vault; session: Session }> {
  let parsed: { format?: unknown; key?: unknown; label?: unknown };
  try {
    parsed = JSON.parse(serviceKeyFile) as typeof parsed;
  } catch {
    fail('BAD_REQUEST', 'The service key file is not valid.');
  }
  const raw = parsed.format === 'factordesk.service-key' && typeof parsed.key === 'string' ? parseRawKey(parsed.key) : null;
  if (!raw) fail('BAD_REQUEST', 'The service key file is not valid.');
  const { vault, slot } = await unlockWith(
    env,
    (f) => f.slots.filter((s) => s.kind === 'service'),
    async () => Buffer.from(raw),
    () => fail('SIGNIN_FAILED', 'This service key does not open this vault.'),
  );
  raw.fill(0);
  const label = slot.label ?? 'service';
  return { vault, session: { operatorId: `service:${slot.keyId}`, name: `service:${label}`, displayName: label, role: 'service', emailKey: null, signedInAt: vault.now() } };
}
