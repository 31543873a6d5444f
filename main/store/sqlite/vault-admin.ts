// The SQLite vault folder's side of the maintenance port (main/store/vault-admin.ts): the anchor
// in the slot file, VACUUM INTO backups, the rekey, pragmas and the integrity check, and the
// restore swap of the files. Doors and composition roots build these; services only see the port.
import { statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { AuditAnchor } from '../../core/audit.ts';
import type { BackupContents, BackupCredential, BackupSource, BackupTarget, RotateKeyOptions, StoreDescription, VaultAdmin, VaultFolder } from '../vault-admin.ts';
import { readBackupContents } from './backup-preview.ts';
import type { Vault, VaultEnv } from './vault.ts';
import { systemClock } from '../../core/clock.ts';
import { fail, toFactorDeskError } from '../../core/errors.ts';
import { integrityCheck, schemaVersion } from './database.ts';
import { credentialsOf, deleteKeptAside, keptAsideFiles, latestRestoreAside, readBackup, restoreBackup, undoRestore, writeBackup } from './backup.ts';
import { readSlotFile, SLOT_FILE } from './key-slots.ts';
import { rekeyVault } from './rekey.ts';
import { auditHeadRow } from './audit-rows.ts';

const PATH = Symbol('path');

/** A file the person chose, as the port's opaque target or source. */
interface FileRef {
  readonly name: string;
  readonly [PATH]: string;
}

/** The backup target (or restore source) for a file path the door resolved. */
export function fileRef(path: string): BackupTarget & BackupSource {
  const ref: FileRef = { name: basename(path), [PATH]: path };
  return ref;
}

function pathOf(ref: BackupTarget | BackupSource): string {
  const p = (ref as Partial<FileRef>)[PATH];
  if (typeof p !== 'string') throw new Error('This target was not made by the vault folder adapter (fileRef).');
  return p;
}

class SqliteVaultAdmin implements VaultAdmin {
  private readonly vault: Vault;
  constructor(vault: Vault) {
    this.vault = vault;
  }

  get keyGeneration(): number {
    return this.vault.generation;
  }

  async anchor(): Promise<AuditAnchor | null> {
    return this.vault.anchor();
  }

  async refreshAnchor(): Promise<void> {
    this.vault.refreshAnchor();
  }

  async describe(): Promise<StoreDescription> {
    const db = this.vault.db;
    // One snapshot for the counts.
    return db.transaction(() => {
      const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
      return {
        location: this.vault.dir,
        cipher: String(db.pragma('cipher', { simple: true })),
        schemaVersion: schemaVersion(db),
        keyGeneration: this.vault.generation,
        sizeBytes: statSync(this.vault.dbPath).size,
        users: count('SELECT count(*) AS n FROM users'),
        operators: count("SELECT count(*) AS n FROM operators WHERE status != 'removed'"),
        auditEvents: auditHeadRow(db).count,
      };
    })();
  }

  async integrityCheck(): Promise<string[]> {
    return integrityCheck(this.vault.db);
  }

  async backup(target: BackupTarget): Promise<{ bytes: number }> {
    return writeBackup(this.vault, pathOf(target));
  }

  async rotateKey(opts: RotateKeyOptions = {}): Promise<{ recoveryKey: string | null; generation: number }> {
    return rekeyVault(this.vault, opts);
  }

  async openBackup(source: BackupSource, cred?: BackupCredential): Promise<BackupContents> {
    const dek = cred ? null : this.vault.keyForWorker();
    try {
      return await readBackupContents(pathOf(source), cred ?? { vaultId: this.vault.vaultId, dek: dek! }, this.vault.dir);
    } finally {
      dek?.fill(0);
    }
  }
}

const admins = new WeakMap<Vault, SqliteVaultAdmin>();

/** The maintenance port of an open vault. */
export function vaultAdminOf(vault: Vault): VaultAdmin {
  let a = admins.get(vault);
  if (!a) admins.set(vault, (a = new SqliteVaultAdmin(vault)));
  return a;
}

/** The maintenance port of a closed vault folder (restore, undo). */
export function vaultFolderOf(env: VaultEnv): VaultFolder {
  const clock = env.clock ?? systemClock;
  return {
    clock,
    currentVaultId() {
      try {
        return readSlotFile(join(env.dir, SLOT_FILE)).vaultId;
      } catch {
        return null;
      }
    },
    async inspect(source) {
      const { header } = readBackup(pathOf(source));
      return { vaultId: header.vaultId, createdAt: header.createdAt, credentials: credentialsOf(header.slots) };
    },
    currentCredentials() {
      try {
        return credentialsOf(readSlotFile(join(env.dir, SLOT_FILE)));
      } catch {
        return null;
      }
    },
    keptAside() {
      return keptAsideFiles(env);
    },
    deleteKeptAside() {
      return deleteKeptAside(env);
    },
    canUndoRestore() {
      return latestRestoreAside(env) !== null;
    },
    async restore(source, cred, event) {
      const r = await restoreBackup(env, pathOf(source), cred, clock.now(), event);
      return { kept: r.asideSuffix, users: r.users };
    },
    async undoRestore() {
      const r = undoRestore(env, clock.now());
      return { restored: r.restoredSuffix, kept: r.undoneSuffix };
    },
  };
}

/**
 * Proves this is the only connection to the vault (switching the journal off WAL needs that)
 * and leaves no WAL beside the database, before the files are swapped; VAULT_BUSY otherwise.
 */
export function claimSoleConnection(vault: Vault): void {
  let mode: string;
  try {
    mode = String(vault.db.pragma('journal_mode = DELETE', { simple: true }));
  } catch (err) {
    throw toFactorDeskError(err);
  }
  if (mode !== 'delete') fail('VAULT_BUSY', 'Another FactorDesk process (the app or a command) has the vault open. Close it and restore again.');
}
