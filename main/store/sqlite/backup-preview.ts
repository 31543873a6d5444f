// Opens a backup to show what it holds before a restore: the database copy inside the container
// is decrypted with the vault's key (or a credential the backup knows) and read, so what the
// admin sees comes from the authenticated pages, never from the container's header.
import { closeSync, existsSync, openSync, unlinkSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fail } from '../../core/errors.ts';
import { safeEqualHex } from '../../core/crypto.ts';
import { getMeta } from './vault.ts';
import { openDatabase, schemaVersion } from './database.ts';
import { copyFrom, credentialsOf, dekForBackup, readBackup } from './backup.ts';
import { keyCheckValue } from './key-slots.ts';
import { DB_FILE } from './paths.ts';
import { SCHEMA_VERSION } from './migrations/index.ts';
import type { BackupContents, BackupCredential } from '../vault-admin.ts';

/** The key that opens the backup: the vault's own (when the backup is of this key) or the credential's. */
export type BackupKey = { vaultId: string; dek: Buffer } | BackupCredential;

/**
 * Reads what a backup holds (vault id, newest event, counts, the credentials its key slots put in
 * force). The database bytes are copied to a scratch file in `scratchDir` (the vault folder, which
 * is private) and opened read-only; the copy is deleted again whatever happens. WRONG_KEY when
 * the vault's key does not open it (a backup of another vault or from before a key rotation).
 */
export async function readBackupContents(backupPath: string, key: BackupKey, scratchDir: string): Promise<BackupContents> {
  const { header, dataOffset } = readBackup(backupPath);
  let dek: Buffer;
  if ('dek' in key) {
    // The header only picks the key to try: the pages themselves authenticate it below.
    const kcv = keyCheckValue(key.dek, key.vaultId);
    const known = header.vaultId === key.vaultId && Object.values(header.slots.generations).some((g) => safeEqualHex(g.kcv, kcv));
    if (!known) fail('WRONG_KEY', 'The vault’s current key does not open this backup: it is of another vault or from before a key rotation.');
    dek = Buffer.from(key.dek);
  } else {
    dek = await dekForBackup(header.slots, key);
  }
  const scratch = join(scratchDir, `${DB_FILE}.preview-${randomBytes(6).toString('hex')}`);
  try {
    const inFd = openSync(backupPath, 'r');
    const outFd = openSync(scratch, 'wx', 0o600);
    try {
      copyFrom(inFd, dataOffset, outFd, Buffer.alloc(1 << 20));
    } finally {
      closeSync(inFd);
      closeSync(outFd);
    }
    // Immutable: a private copy nobody else writes, so no lock and no WAL index beside it.
    const db = openDatabase(scratch, dek, { readonly: true, immutable: true });
    try {
      if (schemaVersion(db) > SCHEMA_VERSION) fail('VAULT_NEWER', 'The backup was made by a newer FactorDesk.');
      const vaultId = getMeta(db, 'vault_id');
      if (!vaultId || vaultId !== header.vaultId) fail('BACKUP_INVALID', 'The backup is inconsistent (vault id).');
      const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
      const last = db.prepare('SELECT seq, at FROM audit_events ORDER BY seq DESC LIMIT 1').get() as { seq: number; at: number } | undefined;
      return {
        vaultId,
        lastEventAt: last?.at ?? null,
        users: count('SELECT count(*) AS n FROM users'),
        operators: count("SELECT count(*) AS n FROM operators WHERE status != 'removed'"),
        auditEvents: last?.seq ?? 0,
        // The slots a restore writes back as the vault's key slots: these open it afterwards.
        credentials: credentialsOf(header.slots),
      };
    } finally {
      db.close();
    }
  } finally {
    dek.fill(0);
    if (existsSync(scratch)) unlinkSync(scratch);
  }
}
