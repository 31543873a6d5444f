import { fail, readOnlyError, toFactorDeskError, type ReadOnlyReason } from '../../core/errors.ts';
import { folderWritable } from './database.ts';
import { systemClock } from '../../core/clock.ts';
import type { Session } from '../../core/session.ts';
import type { Store } from '../port.ts';
import type { SealedJournal, SignInAttempt, SignInJournal, Unlocked, UnlockedService, VaultLock } from '../vault-lock.ts';
import type { AccountState } from '../../core/signin-throttle.ts';
import { deleteMeta, getMeta, setMeta, unlockWith, vaultState, type Vault, type VaultEnv } from './vault.ts';
import { burnKdfTime, MAX_GENERATIONS, openPrivateKey, type Slot } from './key-slots.ts';
import { x25519PublicRaw } from '../../core/crypto.ts';
import { allBindings, bindOnceFromSlots, boundServerKey, operatorForKey } from './credential-bindings.ts';
import { accountState, appendJournalEvent, countJournalAttempt, inspectJournal, readJournal, sealJournal, trustedJournal, withdrawJournalAttempt, settleJournalAttempt, SEAL_META, type SealRecord } from './signin-journal.ts';
import { storeOf } from './sqlite-store.ts';
import * as signin from '../../core/signin.ts';

/**
 * The vault folder while it is locked: key slots unwrap the vault key, the pre-sign-in journal
 * keeps throttle counters beside it. The services in main/core/signin.ts decide; this only
 * derives keys and keeps files.
 */
export class SqliteVaultLock implements VaultLock<Vault> {
  private readonly env: VaultEnv;
  constructor(env: VaultEnv) {
    this.env = env;
  }

  requireExisting(): void {
    if (vaultState(this.env.dir) === 'none') fail('VAULT_MISSING', `There is no vault in ${this.env.dir}.`);
  }

  throttleState(name: string): AccountState {
    return accountState(readJournal(this.env.dir).journal, name);
  }

  recordAttempt(event: SignInAttempt): void {
    this.journalWrite(() => appendJournalEvent(this.env.dir, event));
  }

  countAttempt(name: string, decide: (s: AccountState) => SignInAttempt): SignInAttempt {
    return this.journalWrite(() => countJournalAttempt(this.env.dir, name, decide));
  }

  withdrawAttempt(attempt: string): void {
    this.journalWrite(() => withdrawJournalAttempt(this.env.dir, attempt));
  }

  settleAttempt(attempt: string): void {
    this.journalWrite(() => settleJournalAttempt(this.env.dir, attempt));
  }

  /** A change of the journal file; a folder that cannot be written says so (VAULT_READ_ONLY, DISK_FULL), not "a file operation failed". */
  private journalWrite<T>(fn: () => T): T {
    if (this.env.readOnly) throw readOnlyError('folder');
    try {
      return fn();
    } catch (err) {
      throw writeFailure(err, this.env.dir);
    }
  }

  private opened(vault: Vault, operatorId: string | null): Unlocked<Vault> {
    return { handle: vault, store: storeOf(vault), operatorId };
  }

  /** Binds an upgraded vault's credentials once (see bindOnceFromSlots); closes the vault if that fails. */
  private bindOnce(vault: Vault): void {
    try {
      bindOnceFromSlots(vault.db, vault.readSlots());
    } catch (err) {
      vault.close();
      throw err;
    }
  }

  async unlockOperator(nameKey: string, password: string): Promise<Unlocked<Vault> | null> {
    let tried = false;
    let matched = true;
    let kdfRuns = 0;
    // The public key each opened private key derives: authenticated by the password, unlike the
    // slot's own `publicKey`, `label` and `operatorId`, which anyone holding the vault key can edit.
    const derived = new Map<string, string>();
    const r = await unlockWith(
      this.env,
      (f) => f.slots.filter((s) => s.kind === 'operator' && s.label === nameKey),
      async (s: Slot, f) => {
        // One operator has one key pair (the same in both generations during a rotation): more
        // distinct keys under one name only multiply the KDF runs an attempt costs.
        if (kdfRuns >= MAX_GENERATIONS) return null;
        kdfRuns++;
        tried = true;
        const priv = await openPrivateKey(f.vaultId, s, password);
        if (priv) derived.set(s.keyId, x25519PublicRaw(priv).toString('base64'));
        return priv;
      },
      async () => {
        // No slot for this name: spend the same KDF time so the answer does not reveal it.
        if (!tried) await burnKdfTime(password);
        matched = false;
        throw new NoMatch();
      },
    ).catch((err: unknown) => {
      if (err instanceof NoMatch) return null;
      throw err;
    });
    if (!r || !matched) return null;
    this.bindOnce(r.vault);
    const publicKey = derived.get(r.slot.keyId);
    const operatorId = publicKey ? operatorForKey(r.vault.db, publicKey) : null;
    if (!operatorId) {
      // The password opened a key pair no operator row is bound to (a slot copied or edited):
      // it signs nobody in.
      r.vault.close();
      return null;
    }
    return this.opened(r.vault, operatorId);
  }

  async unlockRecovery(recoveryKey: Buffer): Promise<Unlocked<Vault> | null> {
    const r = await this.unlockRaw('recovery', recoveryKey);
    if (!r) return null;
    this.bindOnce(r.vault);
    return this.opened(r.vault, null);
  }

  async unlockService(serviceKey: Buffer): Promise<UnlockedService<Vault> | null> {
    const r = await this.unlockRaw('service', serviceKey);
    if (!r) return null;
    this.bindOnce(r.vault);
    // The key id comes from the binding of the key's own public key, not from the slot's fields.
    const publicKey = x25519PublicRaw(serviceKey).toString('base64');
    const keyId = [...allBindings(r.vault.db).services].find(([, pub]) => pub === publicKey)?.[0];
    if (!keyId) {
      r.vault.close();
      return null;
    }
    const label = r.vault.readSlots().slots.find((s) => s.kind === 'service' && s.keyId === keyId)?.label ?? '';
    return { ...this.opened(r.vault, null), keyId, label };
  }

  /**
   * Opens a served vault with its server slot key (see serverSlotKey): only the slot the database
   * binds as its server slot counts, so a slot added to the file by hand opens nothing.
   */
  async unlockServer(serverKey: Buffer): Promise<Unlocked<Vault> | null> {
    const r = await this.unlockRaw('server', serverKey);
    if (!r) return null;
    if (boundServerKey(r.vault.db) !== x25519PublicRaw(serverKey).toString('base64')) {
      r.vault.close();
      return null;
    }
    return this.opened(r.vault, null);
  }

  private async unlockRaw(kind: 'recovery' | 'service' | 'server', raw: Buffer): Promise<{ vault: Vault; slot: Slot } | null> {
    return unlockWith(
      this.env,
      (f) => f.slots.filter((s) => s.kind === kind),
      async () => Buffer.from(raw),
      () => {
        throw new NoMatch();
      },
    ).catch((err: unknown) => {
      if (err instanceof NoMatch) return null;
      throw err;
    });
  }

  anchor(u: Unlocked<Vault>): { count: number; valid: boolean } | null {
    return u.handle.anchor();
  }

  sealJournal(u: Unlocked<Vault>, resetName: string | null): SealedJournal {
    u.handle.requireWritable();
    return this.journalWrite(() => sealVaultJournal(u.handle, resetName));
  }

  inspectJournal(u: Unlocked<Vault>, resetName: string | null): SealedJournal {
    const vault = u.handle;
    const r = inspectJournal(vault.dir, vault.derived('journal'), resetName, vault.now(), rememberedSeal(vault));
    return { folded: r.folded, summarised: r.summarised, wasValid: r.wasValid, damaged: r.damaged, rolledBack: r.rolledBack, stillLockedUntil: r.stillLockedUntil };
  }

  restrict(u: Unlocked<Vault>, reason: ReadOnlyReason): void {
    u.handle.restrict(reason);
  }

  close(u: Unlocked<Vault>): void {
    u.handle.close();
  }
}

class NoMatch extends Error {}

/** A failed write in the vault folder as the operator should read it: the disk is full, or the folder is read-only. */
function writeFailure(err: unknown, dir: string): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'EROFS' || ((code === 'EACCES' || code === 'EPERM') && !folderWritable(dir))) return readOnlyError('folder');
  if (code === 'ENOSPC' || code === 'EDQUOT') return toFactorDeskError(Object.assign(new Error('full'), { code: 'ENOSPC' }));
  return err;
}

/** The vault folder of `env`, locked. */
export function vaultLock(env: VaultEnv): SqliteVaultLock {
  return new SqliteVaultLock(env);
}

/** The sign-in journal beside an open vault (for the admin's view of operator locks). */
export function signInJournalOf(vault: Vault): SignInJournal {
  return {
    state: (name) => accountState(trustedJournal(readJournal(vault.dir).journal, rememberedSeal(vault)).journal, name),
    clear: (name) => sealVaultJournal(vault, name, true),
  };
}


function rememberedSeal(vault: Vault): SealRecord | null {
  const text = getMeta(vault.db, SEAL_META);
  if (text === undefined) return null;
  try {
    const r = JSON.parse(text) as SealRecord;
    return typeof r.sealId === 'string' && typeof r.accounts === 'object' && r.accounts !== null ? r : null;
  } catch {
    return null;
  }
}

/**
 * Seals the journal of an open vault against the seal its database remembers, then remembers the
 * new one. `clearing` (an admin lifting a lock) resets the name even when it is still locked.
 */
function sealVaultJournal(vault: Vault, resetName: string | null, clearing = false): SealedJournal {
  const before = getMeta(vault.db, SEAL_META);
  const r = sealJournal(vault.dir, vault.derived('journal'), resetName, vault.now(), rememberedSeal(vault), clearing, (record) => {
    vault.write(() => setMeta(vault.db, SEAL_META, JSON.stringify(record)));
    return () => vault.write(() => (before === undefined ? deleteMeta(vault.db, SEAL_META) : setMeta(vault.db, SEAL_META, before)));
  });
  return { folded: r.folded, summarised: r.summarised, wasValid: r.wasValid, damaged: r.damaged, rolledBack: r.rolledBack, stillLockedUntil: r.stillLockedUntil };
}

/** Signs an operator in to the vault folder (composition roots and tests). */
export async function signIn(env: VaultEnv, name: string, password: string): Promise<{ vault: Vault; store: Store; session: Session; warnings: string[] }> {
  const r = await signin.signIn(vaultLock(env), name, password, env.clock ?? systemClock);
  return { vault: r.unlocked.handle, store: r.store, session: r.session, warnings: r.warnings };
}

/** Opens the vault folder with the printed recovery key (when every admin password is lost). */
export async function unlockWithRecoveryKey(env: VaultEnv, recoveryKey: string): Promise<Vault> {
  return (await signin.unlockWithRecoveryKey(vaultLock(env), recoveryKey)).handle;
}

/** Opens the vault folder for a login service with a service key file: the session may only verify codes. */
export async function unlockWithServiceKey(env: VaultEnv, serviceKeyFile: string): Promise<{ vault: Vault; store: Store; session: Session }> {
  const r = await signin.unlockWithServiceKey(vaultLock(env), serviceKeyFile);
  return { vault: r.unlocked.handle, store: r.store, session: r.session };
}

/** Admin recovery in the vault folder: see recoverAdmin in main/core/signin.ts. */
export async function recoverAdmin(env: VaultEnv, recoveryKey: string, name: string, password: string): Promise<{ vault: Vault; store: Store; session: Session }> {
  const r = await signin.recoverAdmin(vaultLock(env), recoveryKey, name, password);
  return { vault: r.unlocked.handle, store: r.store, session: r.session };
}
