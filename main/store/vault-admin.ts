/**
 * The vault maintenance port: what services may ask of the store's home beyond its data (the
 * audit anchor kept outside the database, copies, key rotation, checks). The SQLite adapter
 * implements it over the vault folder (main/store/sqlite/vault-admin.ts); services never see a
 * file, a pragma or a key. Targets and sources are made by the door and passed on unopened.
 */
import type { AuditAnchor, AuditInput } from '../core/audit.ts';
import type { Clock } from '../core/clock.ts';
import type { VaultInfo } from '../../contract/index.ts';

/** Where a backup goes (made by the door from what the person chose); `name` is what the audit records. */
export interface BackupTarget {
  readonly name: string;
}

/** A backup to restore from (made by the door); `name` is what the audit records. */
export interface BackupSource {
  readonly name: string;
}

/** A credential that opens a backup: an operator's password at backup time, or that time's recovery key. */
export type BackupCredential = { name: string; password: string } | { recoveryKey: string };

/** Facts about the store for the admin's vault page. */
export type StoreDescription = Omit<VaultInfo, 'dir' | 'upkeep'> & {
  /** Where the store lives, for display (the vault folder). */
  location: string;
};

/** Maintenance of an open vault. */
export interface VaultAdmin {
  /** The generation of the key in force (it grows by one at every rotation). */
  readonly keyGeneration: number;
  /**
   * The audit anchor as stored outside the database, with whether its MAC verifies; null when
   * there is none. Read it BEFORE the snapshot it is checked against: the anchor only follows
   * commits, so read first it never leads that snapshot.
   */
  anchor(): Promise<AuditAnchor | null>;
  /** Moves the anchor to the chain head (only forward, only along the chain it anchors). */
  refreshAnchor(): Promise<void>;
  /** Storage facts and row counts. */
  describe(): Promise<StoreDescription>;
  /** The engine's own integrity check (pages, indexes, the cipher's page MACs); the problems found. */
  integrityCheck(): Promise<string[]>;
  /** Writes an encrypted copy with the key slots and the anchor read before the copy; crash-safe. */
  backup(target: BackupTarget): Promise<{ bytes: number }>;
  /**
   * Rotates the vault key crash-safely (new slots beside the old, a copy of the store under the
   * new key, the swap, drop the old); needs the only connection (VAULT_BUSY otherwise). Returns
   * the new recovery key once, or null with `keepRecovery` (the recovery key in force is carried
   * over to the new key).
   */
  rotateKey(opts?: RotateKeyOptions): Promise<{ recoveryKey: string | null; generation: number }>;
  /**
   * Opens a backup read-only and reads what it holds, with the vault's own key or, given one, a
   * credential the backup knows (WRONG_KEY when the vault's key does not open it). Changes nothing.
   */
  openBackup(source: BackupSource, cred?: BackupCredential): Promise<BackupContents>;
}

/** How a key rotation runs: whether the recovery key is carried over, and who hears how far the copy has come (bytes of the total). */
export interface RotateKeyOptions {
  keepRecovery?: boolean;
  onProgress?: (p: { done: number; total: number }) => void;
}

/** What a backup holds, read from its decrypted database (its key slots for the credentials). */
export interface BackupContents {
  vaultId: string;
  /** Time of the newest audit event in it (the backup was made after that); null when it has none. */
  lastEventAt: number | null;
  users: number;
  operators: number;
  auditEvents: number;
  /** The operator and service credentials its key slots hold (in force after a restore). */
  credentials: CredentialSummary[];
}

/** A credential that can open a vault: an operator's password slot or a service key (never the secret). */
export interface CredentialSummary {
  /** The credential's key pair (stays the same across key rotations; a password change makes a new one). */
  id: string;
  kind: 'operator' | 'service';
  /** The operator's sign-in name or the service key's label. */
  label: string | null;
}

/** What a backup file says about itself before it is opened (checked against its checksum). */
export interface BackupSummary {
  vaultId: string;
  createdAt: string;
  /** The operator and service credentials its key slots hold (they are in force again after a restore). */
  credentials: CredentialSummary[];
}

/** Maintenance of a closed vault folder (restore needs the only connection). */
export interface VaultFolder {
  readonly clock: Clock;
  /** The id of the vault now in the folder, as its key-slot file names it; null when there is none or it cannot be read. */
  currentVaultId(): string | null;
  /** Reads and checks a backup's header and checksum (no credential needed). */
  inspect(source: BackupSource): Promise<BackupSummary>;
  /**
   * Checks the backup (hash, credential, integrity, vault id, version), records `event` in the
   * restored copy itself, then keeps the current vault aside (never deleted) and puts the copy
   * in place. `event` gets the backup's creation time and the suffix the current files got.
   */
  restore(source: BackupSource, cred: BackupCredential, event: (b: { createdAt: string; kept: string }) => AuditInput): Promise<{ kept: string; users: number }>;
  /** Puts back the vault kept aside by the latest restore; the restored one goes aside. */
  undoRestore(): Promise<{ restored: string; kept: string }>;
  /** True when a restore kept a vault aside that `undoRestore` can put back. */
  canUndoRestore(): boolean;
  /** The operator and service credentials of the vault now in the folder; null when its key slots cannot be read. */
  currentCredentials(): CredentialSummary[] | null;
  /** Names of the files earlier restores and undos kept aside (they hold the key slots of their time). */
  keptAside(): string[];
  /** Deletes the files `keptAside` names (refused while the folder holds no live vault); the names deleted. */
  deleteKeptAside(): string[];
}
