// The backup container and restore swap of the vault folder: VACUUM INTO an encrypted copy with
// the key slots in a small header, checked restores that keep the current files aside, and the
// undo of a restore. The services that decide who may do this and what the audit records are in
// main/core/vault-maintenance.ts.
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, readSync, renameSync, statSync, unlinkSync, writeSync, fstatSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { fail } from '../../core/errors.ts';
import { getMeta, type Vault, type VaultEnv } from './vault.ts';
import { openDatabase, schemaVersion } from './database.ts';
import { fsyncDir, writeFileAtomic } from '../../platform/fs-atomic.ts';
import { SLOT_FILE, beyondLimits, isSlotFile, keyCheckValue, readSlotFile, unwrapDek, openPrivateKey, parseRawKey, type SlotFile } from './key-slots.ts';
import { DB_FILE } from './paths.ts';
import { SEAL_META } from './signin-journal.ts';
import { foldKey } from '../../core/text.ts';
import { crashPoint } from '../../platform/test-hooks.ts';
import { safeEqualHex } from '../../core/crypto.ts';
import { SCHEMA_VERSION } from './migrations/index.ts';
import { appendAuditRow } from './audit-rows.ts';
import type { AuditInput } from '../../core/audit.ts';
import type { BackupCredential } from '../vault-admin.ts';

export type { BackupCredential };

const MAGIC = 'factordesk-backup 1\n';

/** What a backup file holds before the database bytes. */
interface BackupHeader {
  vaultId: string;
  createdAt: string;
  schemaVersion: number;
  slots: SlotFile;
  dbBytes: number;
  dbSha256: string;
}

/**
 * Backs the vault up to one file: `VACUUM INTO` an encrypted copy (same key), then a small
 * container holding the slot file and the copy, written to a temp name, fsynced and renamed.
 * Nothing with a secret is written unencrypted; a failure leaves no half-written backup.
 */
export function writeBackup(vault: Vault, dest: string): { bytes: number } {
  const dir = dirname(dest);
  if (!existsSync(dir)) fail('NOT_FOUND', 'The folder for the backup does not exist.');
  const tmpDb = join(dir, `.${basename(dest)}.${randomBytes(6).toString('hex')}.db`);
  const tmpOut = `${dest}.${randomBytes(6).toString('hex')}.partial`;
  try {
    // Slots (with the audit anchor) are read BEFORE the copy: events committed during the copy
    // may then be in the copy beyond the anchor (fine), but the anchor never leads the copy.
    const slotsAtStart = vault.readSlots();
    // Absolute: SQLite reads URI filenames (see database.ts), and a relative `file:…` would be one.
    vault.db.prepare('VACUUM INTO ?').run(resolve(tmpDb));
    crashPoint('backup:after-vacuum');
    const dbBytes = statSync(tmpDb).size;
    const hash = createHash('sha256');
    const header: BackupHeader = {
      vaultId: vault.vaultId,
      createdAt: new Date(vault.now()).toISOString(),
      schemaVersion: schemaVersion(vault.db),
      slots: slotsAtStart,
      dbBytes,
      dbSha256: '',
    };
    // Hash first (the header carries the hash), then write header + bytes.
    const inFd = openSync(tmpDb, 'r');
    const buf = Buffer.alloc(1 << 20);
    try {
      for (;;) {
        const n = readSync(inFd, buf, 0, buf.length, null);
        if (n === 0) break;
        hash.update(buf.subarray(0, n));
      }
      header.dbSha256 = hash.digest('hex');
      const outFd = openSync(tmpOut, 'wx', 0o600);
      try {
        const head = Buffer.from(MAGIC + JSON.stringify(header) + '\n', 'utf8');
        writeSync(outFd, head);
        copyFrom(inFd, 0, outFd, buf);
      } finally {
        closeSync(outFd);
      }
    } finally {
      closeSync(inFd);
    }
    crashPoint('backup:before-rename');
    renameSync(tmpOut, dest);
    fsyncDir(dir);
  } catch (err) {
    for (const p of [tmpOut]) if (existsSync(p)) unlinkSync(p);
    throw err;
  } finally {
    if (existsSync(tmpDb)) unlinkSync(tmpDb);
  }
  return { bytes: statSync(dest).size };
}

/** Reads and checks a backup file's header and hash; the database bytes stay in the file. */
export function readBackup(path: string): { header: BackupHeader; dataOffset: number } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    fail('NOT_FOUND', 'The backup file cannot be opened.');
  }
  try {
    const size = fstatSync(fd).size;
    const first = Buffer.alloc(Math.min(size, 4 << 20));
    readSync(fd, first, 0, first.length, 0);
    if (first.subarray(0, MAGIC.length).toString('utf8') !== MAGIC) fail('BACKUP_INVALID', 'This is not a FactorDesk backup file.');
    const nl = first.indexOf(10, MAGIC.length);
    if (nl < 0) fail('BACKUP_INVALID', 'The backup file is damaged (no header).');
    let header: BackupHeader;
    try {
      header = JSON.parse(first.subarray(MAGIC.length, nl).toString('utf8')) as BackupHeader;
    } catch {
      fail('BACKUP_INVALID', 'The backup file is damaged (header).');
    }
    const dataOffset = nl + 1;
    const beyond = beyondLimits(header.slots);
    if (beyond) fail('BACKUP_INVALID', `This backup was refused: its key-slot list ${beyond}. The current vault was not touched.`);
    if (!isSlotFile(header.slots) || header.slots.vaultId !== header.vaultId) fail('BACKUP_INVALID', 'The backup file is damaged (key slots).');
    if (typeof header.dbBytes !== 'number' || size - dataOffset !== header.dbBytes) fail('BACKUP_INVALID', 'The backup file is truncated or damaged.');
    const hash = createHash('sha256');
    const buf = Buffer.alloc(1 << 20);
    let pos = dataOffset;
    while (pos < size) {
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
      pos += n;
    }
    if (!safeEqualHex(hash.digest('hex'), String(header.dbSha256))) fail('BACKUP_INVALID', 'The backup file is damaged (checksum mismatch).');
    return { header, dataOffset };
  } finally {
    closeSync(fd);
  }
}

/** The backup's key from a credential its key slots know; SIGNIN_FAILED when none opens it. */
export async function dekForBackup(slots: SlotFile, cred: BackupCredential): Promise<Buffer> {
  const candidates =
    'recoveryKey' in cred ? slots.slots.filter((s) => s.kind === 'recovery') : slots.slots.filter((s) => s.kind === 'operator' && s.label === foldKey(cred.name));
  const raw = 'recoveryKey' in cred ? parseRawKey(cred.recoveryKey) : null;
  if ('recoveryKey' in cred && !raw) fail('BAD_REQUEST', 'That is not a recovery key.');
  for (const slot of candidates) {
    const priv = raw ? Buffer.from(raw) : await openPrivateKey(slots.vaultId, slot, (cred as { password: string }).password);
    if (!priv) continue;
    const dek = unwrapDek(slots.vaultId, slot, priv);
    const g = slots.generations[String(slot.generation)];
    if (dek && g && safeEqualHex(g.kcv, keyCheckValue(dek, slots.vaultId))) return dek;
  }
  fail('SIGNIN_FAILED', 'These credentials do not open this backup (use the password or recovery key valid when it was made).');
}

/**
 * Restores a backup into the vault folder (the vault must be closed). The backup is checked
 * first (hash, key, integrity check, vault id); only then is the current vault renamed aside
 * with a `.before-restore-<time>` suffix (never deleted) and the backup moved into place.
 */
export async function restoreBackup(
  env: VaultEnv,
  backupPath: string,
  cred: BackupCredential,
  now: number,
  event?: (b: { createdAt: string; kept: string }) => AuditInput,
): Promise<{ asideSuffix: string; users: number }> {
  const { header, dataOffset } = readBackup(backupPath);
  let users = 0;
  const suffix = `before-restore-${new Date(now).toISOString().replace(/[:.]/g, '-')}`;
  const dir = env.dir;
  const staging = join(dir, `${DB_FILE}.restoring`);
  if (existsSync(staging)) unlinkSync(staging);
  // Copy the database bytes out of the container.
  const inFd = openSync(backupPath, 'r');
  const outFd = openSync(staging, 'wx', 0o600);
  try {
    copyFrom(inFd, dataOffset, outFd, Buffer.alloc(1 << 20));
  } finally {
    closeSync(inFd);
    closeSync(outFd);
  }
  try {
    const dek = await dekForBackup(header.slots, cred);
    const db = openDatabase(staging, dek);
    try {
      const problems = db.pragma('integrity_check') as Array<{ integrity_check: string }>;
      if (problems.some((p) => p.integrity_check !== 'ok')) fail('BACKUP_INVALID', 'The backup fails its integrity check; the current vault was not touched.');
      if (getMeta(db, 'vault_id') !== header.vaultId) fail('BACKUP_INVALID', 'The backup is inconsistent (vault id).');
      if (schemaVersion(db) > SCHEMA_VERSION) fail('VAULT_NEWER', 'The backup was made by a newer FactorDesk.');
      users = (db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n;
      // The journal in the folder was sealed after this backup was made: the restored vault
      // adopts it at its next unlock instead of reporting it as rolled back.
      db.prepare('DELETE FROM meta WHERE key = ?').run(SEAL_META);
      if (event) {
        // Recorded in the restored vault itself before it goes live (its anchor, from the backup, stays behind it).
        const input = event({ createdAt: header.createdAt, kept: suffix });
        db.transaction(() => appendAuditRow(db, input, now)).immediate();
      }
      db.pragma('journal_mode = DELETE'); // leave no WAL beside the staged file
    } finally {
      db.close();
      dek.fill(0);
    }
  } catch (err) {
    if (existsSync(staging)) unlinkSync(staging);
    throw err;
  }
  crashPoint('restore:before-swap');
  for (const f of [DB_FILE, `${DB_FILE}-wal`, `${DB_FILE}-shm`, SLOT_FILE]) {
    const p = join(dir, f);
    if (existsSync(p)) renameSync(p, `${p}.${suffix}`);
  }
  writeFileAtomic(join(dir, SLOT_FILE), JSON.stringify(header.slots, null, 1));
  renameSync(staging, join(dir, DB_FILE));
  fsyncDir(dir);
  return { asideSuffix: suffix, users };
}

/** The database file the latest restore kept aside, or null when there is none. */
export function latestRestoreAside(env: VaultEnv): string | null {
  if (!existsSync(env.dir)) return null;
  const asides = readdirSync(env.dir)
    .filter((f) => f.startsWith(`${DB_FILE}.before-restore-`))
    .sort();
  return asides.at(-1) ?? null;
}

/** Undoes the latest restore: the restored files go aside as `.undone-<time>` and the kept ones come back. */
export function undoRestore(env: VaultEnv, now: number): { restoredSuffix: string; undoneSuffix: string } {
  const dir = env.dir;
  const latest = latestRestoreAside(env);
  if (!latest) fail('BAD_REQUEST', 'There is nothing to undo: no vault was kept aside by a restore in this folder.');
  const suffix = latest.slice(`${DB_FILE}.`.length);
  if (!existsSync(join(dir, `${SLOT_FILE}.${suffix}`))) fail('NOT_FOUND', 'The key-slot file kept aside by that restore is missing.');
  const undone = `undone-${new Date(now).toISOString().replace(/[:.]/g, '-')}`;
  for (const f of [DB_FILE, `${DB_FILE}-wal`, `${DB_FILE}-shm`, SLOT_FILE]) {
    const p = join(dir, f);
    if (existsSync(p)) renameSync(p, `${p}.${undone}`);
  }
  for (const f of [DB_FILE, `${DB_FILE}-wal`, `${DB_FILE}-shm`, SLOT_FILE]) {
    const p = join(dir, `${f}.${suffix}`);
    if (existsSync(p)) renameSync(p, join(dir, f));
  }
  fsyncDir(dir);
  return { restoredSuffix: suffix, undoneSuffix: undone };
}

export { readSlotFile };

const KEPT_FILES = [DB_FILE, `${DB_FILE}-wal`, `${DB_FILE}-shm`, SLOT_FILE];

/** The files restores and undos kept aside in the folder (`<file>.before-restore-<time>`, `<file>.undone-<time>`). */
export function keptAsideFiles(env: VaultEnv): string[] {
  if (!existsSync(env.dir)) return [];
  return readdirSync(env.dir)
    .filter((f) => KEPT_FILES.some((k) => f.startsWith(`${k}.before-restore-`) || f.startsWith(`${k}.undone-`)))
    .sort();
}

/** Deletes the kept-aside files; refused unless a live vault (database and key slots) is in the folder. */
export function deleteKeptAside(env: VaultEnv): string[] {
  if (!existsSync(join(env.dir, DB_FILE)) || !existsSync(join(env.dir, SLOT_FILE))) fail('VAULT_MISSING', 'There is no complete vault in the folder; the files kept aside by a restore were left in place.');
  const files = keptAsideFiles(env);
  for (const f of files) unlinkSync(join(env.dir, f));
  fsyncDir(env.dir);
  return files;
}

/** The operator and service credentials a slot file holds, without anything secret. */
export function credentialsOf(slots: SlotFile): Array<{ id: string; kind: 'operator' | 'service'; label: string | null }> {
  return slots.slots.flatMap((s) => (s.kind === 'recovery' || s.kind === 'server' ? [] : [{ id: s.keyId, kind: s.kind, label: s.label ?? null }]));
}

/** Copies everything of `inFd` from byte `start` to the end of `outFd` through `buf`, then syncs it. */
export function copyFrom(inFd: number, start: number, outFd: number, buf: Buffer): void {
  let pos = start;
  for (;;) {
    const n = readSync(inFd, buf, 0, buf.length, pos);
    if (n === 0) break;
    let off = 0;
    while (off < n) off += writeSync(outFd, buf, off, n - off);
    pos += n;
  }
  fsyncSync(outFd);
}
