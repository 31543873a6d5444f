import type { Store } from './port.ts';
import type { AccountState } from '../core/signin-throttle.ts';
import type { ReadOnlyReason } from '../../contract/errors.ts';

/**
 * A store that is still locked: what sign-in, recovery, service keys and first run need before
 * there is a `Store`. The adapter does the key derivation and keeps the files (key slots, the
 * pre-sign-in journal); the services decide (throttling, who the operator is, the audit).
 * `H` is the adapter's handle of an unlocked store, passed back to the door unopened.
 */

/** One event of the pre-sign-in journal (names are hashes: people type passwords into the name field). */
export interface SignInAttempt {
  at: number;
  name: string;
  outcome: 'failed' | 'locked' | 'rate-limited';
  /** Set on an attempt counted as failed before its KDF ran, so it can be withdrawn when it succeeds. */
  attempt?: string;
}

/** An unlocked store and the credential that opened it. */
export interface Unlocked<H> {
  handle: H;
  store: Store;
  /**
   * The operator whose credential opened it (operator unlock), from authenticated data only (in
   * the vault folder: the row bound to the public key the password's private key derives, never
   * the slot file's fields); the service still reads the row and checks name and status.
   */
  operatorId: string | null;
}

/** A service key's credential as it opened the store. */
export interface UnlockedService<H> extends Unlocked<H> {
  keyId: string;
  label: string;
}

/** What the journal held when it was sealed at an unlock. */
export interface SealedJournal {
  folded: SignInAttempt[];
  summarised: number;
  wasValid: boolean;
  damaged: boolean;
  /** The journal was not the one last sealed (deleted, replaced or rolled back); its counters came back from the store. */
  rolledBack: boolean;
  /** The operator being reset is still locked by the counters the store remembered (until then): refuse the sign-in. */
  stillLockedUntil: number | null;
}

export interface VaultLock<H> {
  /** Refuses with VAULT_MISSING when there is no store to unlock. */
  requireExisting(): void;
  /** The throttle counters of a (hashed) sign-in name. */
  throttleState(name: string): AccountState;
  /** Records a refused or failed attempt (before unlock: unauthenticated by necessity). */
  recordAttempt(event: SignInAttempt): void;
  /**
   * Reads a name's counters and records the attempt `decide` makes of them as one step that
   * parallel sign-ins (other processes too) cannot interleave: each attempt is counted before
   * its KDF runs. Returns the recorded event.
   */
  countAttempt(name: string, decide: (s: AccountState) => SignInAttempt): SignInAttempt;
  /** Takes back an attempt counted by `countAttempt` (it succeeded, or failed for a reason other than the credential). */
  withdrawAttempt(attempt: string): void;
  /** Settles an attempt counted by `countAttempt` as a failure (a wrong credential): from then on it slows down and locks. */
  settleAttempt(attempt: string): void;
  /** Unlocks with an operator password (by folded name); null when nothing matched. Unknown names cost the same time. */
  unlockOperator(nameKey: string, password: string): Promise<Unlocked<H> | null>;
  /** Unlocks with a printed recovery key; null when it does not open this store. */
  unlockRecovery(recoveryKey: Buffer): Promise<Unlocked<H> | null>;
  /** Unlocks with a service key; null when it does not open this store. */
  unlockService(serviceKey: Buffer): Promise<UnlockedService<H> | null>;
  /** The audit anchor kept outside the store, with whether it verifies; null when there is none. */
  anchor(u: Unlocked<H>): { count: number; valid: boolean } | null;
  /** Re-authenticates the journal after an unlock, resetting `resetName`, and returns what it held. */
  sealJournal(u: Unlocked<H>, resetName: string | null): SealedJournal;
  /** What `sealJournal` would return, writing nothing (a store that can only be read): the events stay for the next seal. */
  inspectJournal(u: Unlocked<H>, resetName: string | null): SealedJournal;
  /** Makes an unlocked store refuse every change from now on (a write failed because nothing can be written). */
  restrict(u: Unlocked<H>, reason: ReadOnlyReason): void;
  /** Closes an unlocked store and wipes its key. */
  close(u: Unlocked<H>): void;
}

/**
 * The pre-sign-in journal of an open store, as an admin sees it: the throttle counters and locks
 * of (hashed) sign-in names, and clearing one. Bound to the unlocked store, whose key
 * re-authenticates the journal.
 */
export interface SignInJournal {
  /** The throttle counters of a (hashed) sign-in name, with the events appended since the last seal. */
  state(name: string): AccountState;
  /** Re-authenticates the journal as at an unlock, with `name`'s counters and lock cleared; returns what it held. */
  clear(name: string): SealedJournal;
}

/** First run: a new, empty store with its first credentials. */
export interface VaultCreator<H> {
  /** Refuses with VAULT_EXISTS when a store is already there. */
  requireEmpty(): void;
  /**
   * Creates the store with a credential for the first admin (id `adminId`) and a recovery key,
   * lets `populate` write its first rows, and makes it appear only when all of that succeeded (a crash leaves
   * nothing). Returns it unlocked, with the recovery key to show once.
   */
  create(admin: { nameKey: string; password: string }, populate: (store: Store, adminId: string) => Promise<void>): Promise<{ unlocked: Unlocked<H>; adminId: string; recoveryKey: string }>;
  /** Closes an unlocked store and wipes its key. */
  close(u: Unlocked<H>): void;
}
