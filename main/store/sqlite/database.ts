import Database from 'better-sqlite3-multiple-ciphers';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cannotWrite, fail, FactorDeskError, type ReadOnlyReason } from '../../core/errors.ts';
import { foldFilterText } from '../../core/audit.ts';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations/index.ts';

export type Db = Database.Database;

const PAGE_SIZE = 4096;

// URI filenames, for `immutable=1` below. Read once, when the driver's native part loads (at
// the first open); every other name we open is an absolute path, which is never a URI.
process.env.SQLITE_USE_URI ??= '1';

/**
 * Opens the encrypted database with a raw 32-byte key (SQLCipher v4 scheme: AES-256, per-page
 * HMAC) and proves the key with a test query. Never creates the file unless `create` is set.
 */
export function openDatabase(path: string, dek: Buffer, opts: { create?: boolean; readonly?: boolean; immutable?: boolean } = {}): Db {
  if (dek.length !== 32) fail('WRONG_KEY', 'The vault key has the wrong length.');
  if (!opts.create) {
    let size: number;
    try {
      size = statSync(path).size;
    } catch {
      fail('VAULT_DAMAGED', 'The vault database file is missing. Restore it from the last backup.');
    }
    // A truncated file is not a page multiple: say so before SQLite reads garbage.
    if (size === 0 || size % PAGE_SIZE !== 0) fail('VAULT_DAMAGED', 'The vault database file is truncated or damaged. Restore it from the last backup.');
  }
  // Immutable (read-only only): no lock and no WAL index, for a folder where neither can be created.
  const name = opts.immutable && opts.readonly ? `${pathToFileURL(resolve(path)).href}?immutable=1` : resolve(path);
  const db = new Database(name, { fileMustExist: !opts.create, readonly: !!opts.readonly });
  try {
    applyKey(db, dek);
    try {
      db.prepare('SELECT count(*) FROM sqlite_master').get();
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'SQLITE_NOTADB') throw new FactorDeskError('WRONG_KEY', 'The vault key does not open this database.');
      if (code === 'SQLITE_CORRUPT') throw new FactorDeskError('VAULT_DAMAGED', 'The vault database is damaged. Restore it from the last backup.');
      throw err;
    }
    if (!opts.readonly) {
      db.pragma('journal_mode = WAL');
    }
    // FULL: in WAL mode NORMAL may lose the last acknowledged commits on power loss.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 15000');
    // SQLite's lower() folds ASCII only; audit filters fold "Æ" like PostgreSQL's lower() does.
    db.function('fd_fold', { deterministic: true }, (v: unknown) => (typeof v === 'string' ? foldFilterText(v) : null));
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * Opens the vault's database for a session: writable when it can be, else read-only with the
 * reason (a folder that cannot be written, a full disk). A WAL database read-only needs its WAL
 * index (`-shm`): where that cannot be created and no WAL is waiting to be read, the file is
 * opened immutable (nothing else can be changing it then: nobody can write the folder, or the
 * disk). `readOnly` asks for a read-only open outright.
 */
export function openVaultDatabase(path: string, dek: Buffer, opts: { readOnly?: ReadOnlyReason | null } = {}): { db: Db; readOnly: ReadOnlyReason | null } {
  let reason = opts.readOnly ?? null;
  if (!reason) {
    try {
      return { db: openDatabase(path, dek), readOnly: null };
    } catch (err) {
      // SQLite says CANTOPEN for a WAL index it may not create: then it is the folder.
      reason = cannotWrite(err) ?? (isOpenFailure(err) && !folderWritable(dirname(path)) ? 'folder' : null);
      if (!reason) throw err;
    }
  }
  try {
    return { db: openDatabase(path, dek, { readonly: true }), readOnly: reason };
  } catch (err) {
    const walWaiting = existsSync(`${path}-wal`) && statSync(`${path}-wal`).size > 0;
    if (walWaiting || !isOpenFailure(err)) throw err;
    return { db: openDatabase(path, dek, { readonly: true, immutable: true }), readOnly: reason };
  }
}

function isOpenFailure(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_FULL'));
}

/** True when this process may create files in `dir`. */
export function folderWritable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Sets cipher and key as the first statements; the key is hex-checked so it cannot inject SQL. */
export function applyKey(db: Db, dek: Buffer): void {
  const hex = dek.toString('hex');
  if (!/^[0-9a-f]{64}$/.test(hex)) fail('WRONG_KEY', 'Bad key.');
  db.pragma(`cipher='sqlcipher'`);
  db.pragma('legacy=4');
  db.pragma(`key="x'${hex}'"`);
}

/** Runs pending migrations, each in one transaction; refuses a schema newer than this build. */
export function migrate(db: Db): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    fail('VAULT_NEWER', `This vault was written by a newer FactorDesk (schema ${version}, this build knows ${SCHEMA_VERSION}). Update FactorDesk; the vault was not changed.`);
  }
  for (let v = version; v < SCHEMA_VERSION; v++) {
    const rebuild = MIGRATIONS[v]!.rebuildsTables === true;
    // foreign_keys cannot change inside a transaction: off around the step, on again after it.
    if (rebuild) db.pragma('foreign_keys = OFF');
    try {
      const step = db.transaction(() => {
        applyMigration(db, v);
        if (rebuild) {
          const broken = db.pragma('foreign_key_check') as unknown[];
          if (broken.length > 0) throw new FactorDeskError('VAULT_DAMAGED', `Migration ${v + 1} would leave ${broken.length} rows pointing at nothing; the vault was not changed.`);
        }
      });
      step.immediate();
    } finally {
      if (rebuild) db.pragma('foreign_keys = ON');
    }
  }
}

/** Applies migration `v` (0-based: schema v to v + 1) inside the caller's transaction. */
export function applyMigration(db: Db, v: number): void {
  const m = MIGRATIONS[v]!;
  db.exec(m.sql);
  m.run?.(db);
  db.pragma(`user_version = ${v + 1}`);
}

/** Schema version of an open database. */
export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Runs SQLite's integrity check (and the cipher's page HMAC check); returns the problems found. */
export function integrityCheck(db: Db): string[] {
  const problems: string[] = [];
  try {
    const cipher = db.pragma('cipher_integrity_check') as Array<Record<string, unknown>>;
    for (const row of cipher) problems.push(String(Object.values(row)[0]));
  } catch {
    /* pragma not available for this cipher: the page HMACs are still checked on every read */
  }
  try {
    const rows = db.pragma('integrity_check') as Array<{ integrity_check: string }>;
    for (const r of rows) if (r.integrity_check !== 'ok') problems.push(r.integrity_check);
  } catch (err) {
    problems.push(`integrity check failed: ${(err as Error).message}`);
  }
  return problems;
}
