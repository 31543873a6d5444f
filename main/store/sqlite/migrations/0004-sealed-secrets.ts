/**
 * Seals the authenticator secrets that earlier versions kept in clear inside the encrypted
 * database: makes the vault's value key (main/store/sqlite/value-key.ts) and replaces the secret
 * of every active and pending authenticator by its box, bound to its row as the services bind
 * it. All in the migration's transaction, so a vault is either at schema 3 with clear secrets or
 * at 4 with sealed ones, never half-way; a build before this one refuses schema 4 (VAULT_NEWER)
 * instead of taking boxes for seeds. Ended authenticators hold zeros and stay as they are.
 */
import type Database from 'better-sqlite3-multiple-ciphers';
import { systemRandom } from '../../../core/clock.ts';
import { fail } from '../../../core/errors.ts';
import { authenticatorSecretAad } from '../../../core/value-cipher.ts';
import { createValueKey } from '../value-key.ts';

export const sql = '';

export function run(db: Database.Database): void {
  const cipher = createValueKey(db, systemRandom);
  try {
    const rows = db.prepare("SELECT id, user_id, sheet_id, secret FROM authenticators WHERE status IN ('active', 'pending') ORDER BY id").all() as Array<{
      id: number;
      user_id: number;
      sheet_id: string | null;
      secret: Buffer;
    }>;
    if (rows.length === 0) return;
    const vaultId = (db.prepare("SELECT value FROM meta WHERE key = 'vault_id'").get() as { value: string } | undefined)?.value;
    if (!vaultId) fail('VAULT_DAMAGED', 'The vault has authenticators but no vault id: their secrets cannot be sealed.');
    const update = db.prepare('UPDATE authenticators SET secret = ? WHERE id = ?');
    for (const r of rows) {
      update.run(cipher.seal(r.secret, authenticatorSecretAad(vaultId, r.user_id, r.sheet_id)), r.id);
      r.secret.fill(0);
    }
  } finally {
    cipher.wipe();
  }
}
