// Builds a vault database at an earlier schema version with rows in it, then migrates it the way
// opening a vault does (migrate() in the SQLite adapter) and hands back the store to check the
// rows through. Every migration gets a case in migrations.test.ts built with this.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3-multiple-ciphers';
import { applyKey, applyMigration, migrate, openDatabase, schemaVersion, integrityCheck, type Db } from '../../main/store/sqlite/database.ts';
import { MIGRATIONS } from '../../main/store/sqlite/migrations/index.ts';
import { DB_FILE } from '../../main/store/sqlite/paths.ts';
import { Vault } from '../../main/store/sqlite/vault.ts';
import { storeOf } from '../../main/store/sqlite/sqlite-store.ts';
import type { Store } from '../../main/store/port.ts';
import { ManualClock } from '../../main/core/clock.ts';

export interface OldVault {
  dir: string;
  key: Buffer;
  vaultId: string;
}

/** A vault database at schema `version` (migrations 1..version applied, no later), filled by `seed`. */
export function vaultAtSchema(dir: string, version: number, seed: (db: Db) => void): OldVault {
  if (!Number.isInteger(version) || version < 1 || version > MIGRATIONS.length) throw new Error(`no schema version ${version}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  const vaultId = randomBytes(16).toString('hex');
  const db = new Database(join(dir, DB_FILE)) as unknown as Db;
  try {
    applyKey(db, key);
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    for (let v = 0; v < version; v++) applyMigration(db, v);
    db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('vault_id', vaultId);
    db.transaction(() => seed(db))();
  } finally {
    db.close();
  }
  return { dir, key, vaultId };
}

/** Opens an old vault database, migrates it as opening a vault does, and gives its store. */
export function migrateAndOpen(old: OldVault): { store: Store; db: Db; fromVersion: number; problems: string[]; close: () => void } {
  const db = openDatabase(join(old.dir, DB_FILE), old.key);
  const fromVersion = schemaVersion(db);
  migrate(db);
  const problems = integrityCheck(db);
  const vault = new Vault({ dir: old.dir, clock: new ManualClock() }, db, Buffer.from(old.key), old.vaultId, 1);
  return { store: storeOf(vault), db, fromVersion, problems, close: () => vault.close() };
}
