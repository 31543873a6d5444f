import type { Statement } from 'better-sqlite3-multiple-ciphers';
import type { Db } from './database.ts';

/**
 * The state one transaction's repositories share: the connection, whether the transaction is
 * still open and may write, and whether it appended audit events (the anchor outside the
 * database follows after COMMIT).
 */
export class TxState {
  readonly db: Db;
  readonly writable: boolean;
  open = true;
  audited = false;
  /** Set by audit.keepAnchor(): the anchor stays where it is after this commit. */
  keepAnchor = false;
  /** Work that must happen under the write lock just before COMMIT (key-slot file changes); a throw rolls back. */
  readonly beforeCommit: Array<() => void> = [];

  constructor(db: Db, writable: boolean) {
    this.db = db;
    this.writable = writable;
  }

  /** The connection, for a repository call inside the live transaction. */
  read(): Db {
    if (!this.open) throw new Error('This transaction has ended: a repository was used after its callback returned.');
    return this.db;
  }

  /** The connection, for a change: only inside a live write transaction. */
  write(): Db {
    if (!this.writable) throw new Error('A read transaction cannot change data.');
    return this.read();
  }

  /** A statement prepared once per connection and SQL text. */
  stmt(sql: string): Statement {
    return prepared(this.db, sql);
  }
}

const cache = new WeakMap<Db, Map<string, Statement>>();

/** Prepares `sql` once per connection (repositories run the same statements on every call). */
export function prepared(db: Db, sql: string): Statement {
  let m = cache.get(db);
  if (!m) cache.set(db, (m = new Map()));
  let s = m.get(sql);
  if (!s) m.set(sql, (s = db.prepare(sql)));
  return s;
}
