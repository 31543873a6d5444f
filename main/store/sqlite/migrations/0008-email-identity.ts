import type Database from 'better-sqlite3-multiple-ciphers';
import { identityKey } from '../../../core/text.ts';

/**
 * Users get an identity key of their own (email_identity: simple case folding, unique) beside
 * the search key (email_key: the looser fold, ß → ss, ı → i), which is no longer unique: with
 * only the loose key, `straße@` and `strasse@` were one user and a later row overwrote the
 * other's name and call-back phone. SQLite cannot drop a column's UNIQUE, so the table is
 * rebuilt (with foreign keys off, see `rebuildsTables`; checked before the commit). The keys
 * are filled in by `run`, which SQL cannot do.
 */
export const sql = `
CREATE TABLE users_v2 (
  id INTEGER PRIMARY KEY,
  external_id TEXT UNIQUE,
  email TEXT NOT NULL,
  email_identity TEXT NOT NULL UNIQUE,
  email_key TEXT NOT NULL,
  name TEXT NOT NULL,
  name_key TEXT NOT NULL,
  phone TEXT,
  organization TEXT,
  status TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
-- '#' and the id: a placeholder no address can be (it has no @), replaced by run() below.
INSERT INTO users_v2 (id, external_id, email, email_identity, email_key, name, name_key, phone, organization, status, created_at, updated_at)
  SELECT id, external_id, email, '#' || id, email_key, name, name_key, phone, organization, status, created_at, updated_at FROM users;
DROP TABLE users;
ALTER TABLE users_v2 RENAME TO users;
CREATE INDEX users_name_key ON users(name_key, email_key);
CREATE INDEX users_status_name ON users(status, name_key, email_key);
CREATE INDEX users_status_email ON users(status, email_key, name_key);
CREATE INDEX users_email_key ON users(email_key);
`;

/**
 * Gives every user its identity key. The old fold was not quite consistent (ẞ and ß had different
 * loose keys), so two users may meet on one identity key: the later one keeps its old loose key
 * as its identity key (no other user has it) and stays findable; the import flags the pair.
 */
export function run(db: Database.Database): void {
  const set = db.prepare('UPDATE users SET email_identity = ? WHERE id = ?');
  const taken = db.prepare('SELECT 1 FROM users WHERE email_identity = ?').pluck();
  for (const u of db.prepare('SELECT id, email, email_key FROM users ORDER BY id').all() as Array<{ id: number; email: string; email_key: string }>) {
    const key = identityKey(u.email);
    set.run(taken.get(key) ? u.email_key : key, u.id);
  }
}
