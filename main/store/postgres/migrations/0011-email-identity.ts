import type pg from 'pg';
import { identityKey } from '../../../core/text.ts';

/**
 * Users get an identity key of their own (as 0008 in the vault): email_identity (simple case
 * folding) is unique, email_key (the looser search fold, ß → ss, ı → i) no longer is. `run`
 * fills the keys, which SQL cannot compute, then makes the column required and unique.
 */
export const sql = `
ALTER TABLE users ADD COLUMN email_identity text COLLATE "C";
ALTER TABLE users DROP CONSTRAINT users_email_key_key;
CREATE INDEX users_email_key ON users (email_key);
`;

/** Gives every user its identity key, in the migration's transaction. */
export async function run(client: pg.ClientBase): Promise<void> {
  // As in the vault: a later user whose identity key is taken (ẞ and ß had two loose keys) keeps its old loose key.
  const users = await client.query<{ id: string; email: string; email_key: string }>('SELECT id, email, email_key FROM users ORDER BY id');
  const taken = new Set<string>();
  for (const u of users.rows) {
    const key = taken.has(identityKey(u.email)) ? u.email_key : identityKey(u.email);
    taken.add(key);
    await client.query('UPDATE users SET email_identity = $1 WHERE id = $2', [key, u.id]);
  }
  await client.query('ALTER TABLE users ALTER COLUMN email_identity SET NOT NULL');
  await client.query('ALTER TABLE users ADD CONSTRAINT users_email_identity_key UNIQUE (email_identity)');
}
