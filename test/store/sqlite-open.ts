// Opens the vault folder's store from a directory and a raw key, for test processes only.
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createDatabaseFile, ensurePrivateDir, setMeta, Vault } from '../../main/store/sqlite/vault.ts';
import { openDatabase } from '../../main/store/sqlite/database.ts';
import { DB_FILE } from '../../main/store/sqlite/paths.ts';
import { storeOf } from '../../main/store/sqlite/sqlite-store.ts';
import type { Store } from '../../main/store/port.ts';
import type { Clock } from '../../main/core/clock.ts';

export function openSqliteStoreForTest(dir: string, key: Buffer, vaultId: string): { store: Store; close: () => void } {
  const vault = new Vault({ dir }, openDatabase(join(dir, DB_FILE), key), key, vaultId, 1);
  return { store: storeOf(vault), close: () => vault.close() };
}

/**
 * A new, empty vault database under a random key, without key slots or operators: the store
 * alone, for the conformance suite (the anchor outside the database needs a slot file and is
 * covered by the vault tests).
 */
export function createSqliteStoreForTest(dir: string, clock: Clock): { store: Store; vault: Vault; key: Buffer; vaultId: string; close: () => void } {
  ensurePrivateDir(dir);
  const key = randomBytes(32);
  const vaultId = randomBytes(16).toString('hex');
  const db = createDatabaseFile(join(dir, DB_FILE), key);
  setMeta(db, 'vault_id', vaultId);
  const vault = new Vault({ dir, clock }, db, Buffer.from(key), vaultId, 1);
  return { store: storeOf(vault), vault, key, vaultId, close: () => vault.close() };
}
