import type { Db } from './database.ts';

// Page cache during a bulk series (an import): the indexes take keys in random order, and an
// uncached encrypted page costs a read and a decryption. 64 MiB cuts a million-row import by
// about a quarter and keeps the process well under 300 MB.
const BULK_CACHE_KIB = 64 * 1024;

/**
 * What a series of bulk writes changes on a connection: a wider page cache, put back by the next
 * ordinary write, and an audit anchor that is owed until then.
 */
export class BulkTuning {
  /** Audit events were committed in bulk writes and the anchor has not followed yet. */
  anchorOwed = false;
  /** The connection's own cache_size while widened; null when not widened. */
  private before: number | null = null;
  private readonly closed: () => boolean;

  constructor(closed: () => boolean) {
    this.closed = closed;
  }

  /** Called before each write transaction: widens the cache for a bulk one, restores it for an ordinary one. */
  tune(db: Db, bulk: boolean): void {
    if (bulk) {
      if (this.before !== null) return;
      const before = db.pragma('cache_size', { simple: true }) as number;
      const kib = before < 0 ? -before : (before * (db.pragma('page_size', { simple: true }) as number)) / 1024;
      if (kib >= BULK_CACHE_KIB) return;
      db.pragma(`cache_size = -${BULK_CACHE_KIB}`);
      this.before = before;
      return;
    }
    if (this.before === null) return;
    const before = this.before;
    this.before = null;
    try {
      if (!this.closed()) db.pragma(`cache_size = ${Math.trunc(before)}`);
    } catch {
      /* a connection that failed keeps the larger cache until it is closed */
    }
  }
}
