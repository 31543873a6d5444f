import { chmodSync, existsSync, mkdirSync, readdirSync, renameSync, statSync, accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { fail, FactorDeskError, readOnlyError, type ReadOnlyReason } from '../../core/errors.ts';
import { systemClock, systemRandom, type Clock, type Random } from '../../core/clock.ts';
import { applyKey, folderWritable, migrate, openDatabase, openVaultDatabase, schemaVersion, type Db } from './database.ts';
import type { AuditEvent, AuditInput } from '../../core/audit.ts';
import { appendAuditRow, auditHashAt, auditHeadRow } from './audit-rows.ts';
import {
  anchorMac,
  derivedKey,
  keyCheckValue,
  latestGeneration,
  readSlotFile,
  SLOT_FILE,
  unwrapDek,
  writeSlotFile,
  type Slot,
  type SlotFile,
} from './key-slots.ts';
import { safeEqualHex } from '../../core/crypto.ts';
import { DB_FILE } from './paths.ts';
import { removeHalfRotation } from './rotation-files.ts';
import { crashPoint } from '../../platform/test-hooks.ts';
import { SCHEMA_VERSION } from './migrations/index.ts';
import type { ValueCipher } from '../../core/value-cipher.ts';
import { valueCipherOf } from './value-key.ts';

/** What every vault operation needs besides the database: where, when, and randomness. */
export interface VaultEnv {
  dir: string;
  clock?: Clock;
  random?: Random;
  /** Open the vault read-only even where it could be written (nothing is written, not even the sign-in journal). */
  readOnly?: boolean;
}

/** State of a vault folder, for the app's start screen and the command line. */
export type VaultState = 'ready' | 'none' | 'incomplete';

/** Tells whether `dir` holds a vault. A configured folder that is missing or unreadable is an error; a read-only one is not (it opens read-only). */
export function vaultState(dir: string, configured = false): VaultState {
  if (!existsSync(dir)) {
    if (configured) fail('VAULT_MISSING', `The configured vault folder ${dir} does not exist.`);
    return 'none';
  }
  try {
    accessSync(dir, constants.R_OK | constants.X_OK);
    if (!statSync(dir).isDirectory()) fail('VAULT_MISSING', `${dir} is not a folder.`);
  } catch (err) {
    if (err instanceof FactorDeskError) throw err;
    fail('VAULT_MISSING', `The vault folder ${dir} cannot be read.`);
  }
  const hasDb = existsSync(join(dir, DB_FILE));
  const hasSlots = existsSync(join(dir, SLOT_FILE));
  if (hasDb && hasSlots) return 'ready';
  // A restore that stopped half-way (files moved aside, the backup not yet in place) is not an
  // empty folder: never offer a first run over it.
  if (!hasDb && readdirSync(dir).some((f) => f.startsWith(`${DB_FILE}.before-restore-`) || f === `${DB_FILE}.restoring`)) return 'incomplete';
  // A first run that stopped before its last step (the rename of the database) left no vault.
  if (!hasDb && existsSync(join(dir, `${DB_FILE}.creating`))) return 'none';
  if (!hasDb && !hasSlots) {
    if (configured && readdirSync(dir).length > 0) return 'incomplete';
    return 'none';
  }
  return 'incomplete';
}

/** Creates the vault folder with permissions for the current OS user only. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (process.platform !== 'win32') chmodSync(dir, 0o700);
}

/** An unlocked vault: the open encrypted database and the key that opened it. */
export class Vault {
  readonly dir: string;
  readonly vaultId: string;
  readonly clock: Clock;
  readonly random: Random;
  private _db: Db;
  private dek: Buffer;
  private _generation: number;
  private depth = 0;
  private auditedInTx = false;
  private closed = false;
  private valueCipher: (ValueCipher & { wipe(): void }) | null = null;
  private _readOnly: ReadOnlyReason | null;

  constructor(env: VaultEnv, db: Db, dek: Buffer, vaultId: string, generation: number, readOnly: ReadOnlyReason | null = null) {
    this._readOnly = readOnly;
    this.dir = env.dir;
    this.clock = env.clock ?? systemClock;
    this.random = env.random ?? systemRandom;
    this._db = db;
    this.dek = dek;
    this.vaultId = vaultId;
    this._generation = generation;
  }

  /** The open database handle. */
  get db(): Db {
    if (this.closed) fail('SESSION_LOCKED', 'The vault is closed.');
    return this._db;
  }
  get generation(): number {
    return this._generation;
  }
  get dbPath(): string {
    return join(this.dir, DB_FILE);
  }
  get slotPath(): string {
    return join(this.dir, SLOT_FILE);
  }
  get isClosed(): boolean {
    return this.closed;
  }

  /** Why this vault can only be read (a read-only folder, a full disk), or null when it can be written. */
  get readOnly(): ReadOnlyReason | null {
    return this._readOnly;
  }

  /** From now on refuses every change (a write failed because nothing can be written); never lifted for this handle. */
  restrict(reason: ReadOnlyReason): void {
    this._readOnly ??= reason;
  }

  /** Throws VAULT_READ_ONLY when this vault can only be read. */
  requireWritable(): void {
    if (this._readOnly) throw readOnlyError(this._readOnly);
  }

  /** Current time in ms from the injected clock. */
  now(): number {
    return this.clock.now();
  }

  /**
   * Runs `fn` in one write transaction that takes the write lock up front (BEGIN IMMEDIATE), so
   * concurrent writers queue on busy_timeout instead of failing mid-way. Audit events appended
   * inside are committed with the action; the anchor outside the database follows after commit.
   */
  write<T>(fn: () => T, opts: { anchor?: boolean } = {}): T {
    this.requireWritable();
    const outer = this.depth === 0;
    this.depth++;
    let result: T;
    try {
      result = this.db.transaction(fn).immediate();
    } catch (err) {
      if (outer) this.auditedInTx = false;
      throw err;
    } finally {
      this.depth--;
    }
    if (outer && this.auditedInTx) {
      this.auditedInTx = false;
      if (opts.anchor !== false) {
        try {
          this.refreshAnchor();
        } catch {
          // The action is committed; reporting it as failed would hide a code that now exists.
          // The anchor only lags (never leads) and catches up at the next write.
        }
      }
    }
    return result;
  }

  /** Appends an audit event; must be called inside `write`. */
  audit(input: AuditInput): AuditEvent {
    if (this.depth === 0) throw new Error('audit() outside a write transaction');
    this.auditedInTx = true;
    return appendAuditRow(this.db, input, this.now());
  }

  /** Writes an audit event in its own transaction. */
  auditNow(input: AuditInput): AuditEvent {
    return this.write(() => this.audit(input));
  }

  /** Reads the slot file. */
  readSlots(): SlotFile {
    return readSlotFile(this.slotPath);
  }

  /** Changes the slot file under the database write lock, so two processes never interleave. */
  updateSlots(mutate: (f: SlotFile) => void): void {
    this.requireWritable();
    this.db
      .transaction(() => {
        const f = this.readSlots();
        mutate(f);
        writeSlotFile(this.slotPath, f);
      })
      .immediate();
  }

  /**
   * Stores the audit head, authenticated, in the slot file (only ever moves forward). Inside an
   * open transaction it does nothing: the anchor must never name an event that may still roll
   * back; the outermost `write` refreshes it after the commit. A missing anchor is created only
   * at first run (`create`): later, its absence is evidence (a deleted anchor hides a rollback).
   */
  refreshAnchor(opts: { create?: boolean } = {}): void {
    if (this._readOnly) return;
    if (this.depth > 0 || this.db.inTransaction) {
      this.auditedInTx = true;
      return;
    }
    this.db
      .transaction(() => {
        const head = auditHeadRow(this.db);
        const f = this.readSlots();
        if (f.anchor) {
          if (f.anchor.count >= head.count) return;
          // Only move an anchor forward along the chain it anchors: an invalid MAC or a chain that
          // no longer holds the anchored hash is evidence, and is left for verifyAuditChain to report.
          if (!this.anchorValid(f)) return;
          if (f.anchor.count > 0) {
            if (auditHashAt(this.db, f.anchor.count) !== f.anchor.hash) return;
          }
        } else if (!opts.create) {
          return;
        }
        f.anchor = { count: head.count, hash: head.hash, mac: anchorMac(this.derived('anchor'), this.vaultId, head.count, head.hash) };
        writeSlotFile(this.slotPath, f);
      })
      .immediate();
  }

  /** The anchor as stored, with whether its MAC verifies under this vault's key. */
  anchor(): { count: number; hash: string; valid: boolean } | null {
    const f = this.readSlots();
    if (!f.anchor) return null;
    return { count: f.anchor.count, hash: f.anchor.hash, valid: this.anchorValid(f) };
  }

  private anchorValid(f: SlotFile): boolean {
    if (!f.anchor) return false;
    return safeEqualHex(f.anchor.mac, anchorMac(this.derived('anchor'), this.vaultId, f.anchor.count, f.anchor.hash));
  }

  /** A key derived from the vault key for one purpose (anchor, sign-in journal). */
  derived(purpose: 'anchor' | 'journal'): Buffer {
    return derivedKey(this.dek, this.vaultId, purpose);
  }

  /** The cipher of the vault's value key (read from the database at first use; a rekey leaves it as it is). */
  get values(): ValueCipher {
    if (this.closed) fail('SESSION_LOCKED', 'The vault is closed.');
    this.valueCipher ??= valueCipherOf(this.db, this.random);
    return this.valueCipher;
  }

  /** The raw key, for a worker thread of this process that opens its own connection. Never leaves the process. */
  keyForWorker(): Buffer {
    return Buffer.from(this.dek);
  }

  /** Swaps in a new key and handle after a rekey (rekey module only). */
  replaceKey(db: Db, dek: Buffer, generation: number): void {
    this.dek.fill(0);
    this._db = db;
    this.dek = dek;
    this._generation = generation;
  }

  /** Closes the database and wipes the key from memory. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this._db.close();
    } finally {
      this.dek.fill(0);
      this.valueCipher?.wipe();
    }
  }
}

/** Reads a meta value. */
export function getMeta(db: Db, key: string): string | undefined {
  return (db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
}

/** Sets a meta value. */
export function setMeta(db: Db, key: string, value: string): void {
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
}

/** Deletes a meta value. */
export function deleteMeta(db: Db, key: string): void {
  db.prepare('DELETE FROM meta WHERE key = ?').run(key);
}

/**
 * Opens the vault with whatever credential unwraps one of `candidates`: tries the newest key
 * generation first, so a vault caught half-way through a rekey opens with either slot set.
 */
export async function unlockWith(
  env: VaultEnv,
  candidates: (f: SlotFile) => Slot[],
  privateKeyFor: (slot: Slot, f: SlotFile) => Promise<Buffer | null>,
  noMatch: () => never | Promise<never>,
): Promise<{ vault: Vault; slot: Slot }> {
  const state = vaultState(env.dir);
  if (state === 'none') fail('VAULT_MISSING', `There is no vault in ${env.dir}.`);
  const slotPath = join(env.dir, SLOT_FILE);
  const dbPath = join(env.dir, DB_FILE);
  if (!existsSync(slotPath)) fail('SLOTS_INVALID', 'The key-slot file is missing. Restore it from the last backup.');
  if (!existsSync(dbPath)) fail('VAULT_DAMAGED', 'The vault database file is missing. Restore it from the last backup.');
  const f = readSlotFile(slotPath);
  const slots = candidates(f).sort((a, b) => b.generation - a.generation);
  const privByKeyId = new Map<string, Buffer | null>();
  const keys: Array<{ slot: Slot; dek: Buffer }> = [];
  for (const slot of slots) {
    if (!f.generations[String(slot.generation)]) continue;
    let priv = privByKeyId.get(slot.keyId);
    if (priv === undefined) {
      priv = await privateKeyFor(slot, f);
      privByKeyId.set(slot.keyId, priv);
    }
    if (!priv) continue;
    const dek = unwrapDek(f.vaultId, slot, priv);
    if (dek && safeEqualHex(f.generations[String(slot.generation)]!.kcv, keyCheckValue(dek, f.vaultId))) keys.push({ slot, dek });
  }
  for (const p of privByKeyId.values()) p?.fill(0);
  if (keys.length === 0) return await noMatch();
  let lastErr: unknown;
  for (const { slot, dek } of keys) {
    let db: Db;
    let readOnly: ReadOnlyReason | null;
    try {
      ({ db, readOnly } = openVaultDatabase(dbPath, dek, { readOnly: env.readOnly || !folderWritable(env.dir) ? 'folder' : null }));
    } catch (err) {
      lastErr = err;
      if (err instanceof FactorDeskError && err.code === 'WRONG_KEY') continue;
      throw err;
    }
    try {
      const id = (db.prepare("SELECT value FROM meta WHERE key = 'vault_id'").get() as { value: string } | undefined)?.value;
      if (id !== f.vaultId) fail('SLOTS_INVALID', 'The key-slot file belongs to another vault.');
      if (readOnly) {
        // Read as it is: an older schema needs a migration, which cannot be written.
        if (schemaVersion(db) > SCHEMA_VERSION) migrate(db);
        if (schemaVersion(db) < SCHEMA_VERSION)
          throw new FactorDeskError('VAULT_READ_ONLY', 'This vault must be upgraded to this version of FactorDesk, which needs to write it, and it cannot be written now (a read-only folder or a full disk). Nothing was changed.', {
            reason: readOnly,
          });
      } else migrate(db);
    } catch (err) {
      db.close();
      throw err;
    }
    const vault = new Vault(env, db, dek, f.vaultId, slot.generation, readOnly);
    try {
      // Read-only: the generation that opened it is used; the other one is dropped at a writable open.
      if (!readOnly) {
        reconcileGenerations(vault);
        // A rotation that stopped before its swap left its copy: the database in place opened, so the copy goes.
        removeHalfRotation(env.dir);
      }
    } catch (err) {
      vault.close();
      throw err;
    }
    for (const k of keys) if (k.dek !== dek) k.dek.fill(0);
    return { vault, slot };
  }
  throw lastErr instanceof FactorDeskError && lastErr.code === 'WRONG_KEY'
    ? new FactorDeskError('WRONG_KEY', 'The vault key does not open this database: the key-slot file may belong to another copy of the vault, or the start of the database is damaged. Restore both files from the same backup.')
    : (lastErr as Error);
}

/**
 * After an interrupted rekey the slot file holds two generations. The one that opened the
 * database is the truth: slots of the other generation are dropped (under the write lock).
 */
function reconcileGenerations(vault: Vault): void {
  const f = vault.readSlots();
  const gens = Object.keys(f.generations).map(Number);
  if (gens.length <= 1) return;
  const g = vault.generation;
  vault.updateSlots((file) => {
    const unfinished = latestGeneration(file) > g;
    file.slots = file.slots.filter((s) => s.generation === g);
    file.generations = { [String(g)]: file.generations[String(g)]! };
    // Re-authenticate the anchor under the key now in force.
    if (file.anchor) file.anchor.mac = anchorMac(vault.derived('anchor'), vault.vaultId, file.anchor.count, file.anchor.hash);
    void unfinished;
  });
  vault.auditNow({ action: 'vault.rekey.recovered', operator: null, outcome: 'ok', details: { generation: g } });
}

/** Opens a fresh database file for creation (first run). */
export function createDatabaseFile(path: string, dek: Buffer): Db {
  const db = openDatabase(path, dek, { create: true });
  migrate(db);
  return db;
}

/** Checks the schema version without migrating (for diagnostics). */
export function isCurrentSchema(db: Db): boolean {
  return (db.pragma('user_version', { simple: true }) as number) === SCHEMA_VERSION;
}

/** Renames a file aside with a timestamp suffix (never deletes). */
export function moveAside(path: string, suffix: string): string | null {
  if (!existsSync(path)) return null;
  const target = `${path}.${suffix}`;
  renameSync(path, target);
  return target;
}

export { applyKey, crashPoint };
