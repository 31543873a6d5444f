import type { OutboxRecord } from '../../records.ts';
import type { OutboxRepo } from '../../repos/outbox.ts';
import type { TxState } from '../tx-state.ts';

import { toOutboxRecord, type OutboxRow } from '../../rows.ts';

export class SqliteOutbox implements OutboxRepo {
  private readonly s: TxState;
  constructor(s: TxState) {
    this.s = s;
  }

  async list(opts: { pendingOnly: boolean; limit: number }): Promise<OutboxRecord[]> {
    this.s.read();
    const sql = opts.pendingOnly ? 'SELECT * FROM outbox WHERE exported_at IS NULL AND delivered_at IS NULL ORDER BY id DESC LIMIT ?' : 'SELECT * FROM outbox ORDER BY id DESC LIMIT ?';
    return (this.s.stmt(sql).all(opts.limit) as OutboxRow[]).map(toOutboxRecord);
  }

  async pending(): Promise<OutboxRecord[]> {
    this.s.read();
    return (this.s.stmt('SELECT * FROM outbox WHERE exported_at IS NULL AND delivered_at IS NULL ORDER BY id').all() as OutboxRow[]).map(toOutboxRecord);
  }

  async pendingCount(): Promise<number> {
    this.s.read();
    return (this.s.stmt('SELECT count(*) AS n FROM outbox WHERE exported_at IS NULL AND delivered_at IS NULL').get() as { n: number }).n;
  }

  async queue(n: { userId: number; email: string; kind: string; subject: string; body: string; createdAt: number }): Promise<number> {
    this.s.write();
    const r = this.s.stmt('INSERT INTO outbox (user_id, email, kind, subject, body, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(n.userId, n.email, n.kind, n.subject, n.body, n.createdAt);
    return Number(r.lastInsertRowid);
  }

  async markExported(id: number, now: number): Promise<boolean> {
    this.s.write();
    return this.s.stmt('UPDATE outbox SET exported_at = ? WHERE id = ? AND exported_at IS NULL AND delivered_at IS NULL').run(now, id).changes === 1;
  }

  async dueForDelivery(opts: { now: number; limit: number; maxAttempts: number }): Promise<OutboxRecord[]> {
    this.s.read();
    const sql = 'SELECT * FROM outbox WHERE delivered_at IS NULL AND exported_at IS NULL AND attempts < ? AND (next_attempt_at IS NULL OR next_attempt_at <= ?) ORDER BY id LIMIT ?';
    return (this.s.stmt(sql).all(opts.maxAttempts, opts.now, opts.limit) as OutboxRow[]).map(toOutboxRecord);
  }

  async claimDelivery(id: number, attempts: number, leaseUntil: number): Promise<boolean> {
    this.s.write();
    const sql = 'UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ? WHERE id = ? AND attempts = ? AND delivered_at IS NULL AND exported_at IS NULL';
    return this.s.stmt(sql).run(leaseUntil, id, attempts).changes === 1;
  }

  async markDelivered(id: number, now: number): Promise<boolean> {
    this.s.write();
    return this.s.stmt('UPDATE outbox SET delivered_at = ?, next_attempt_at = NULL, last_error = NULL WHERE id = ? AND delivered_at IS NULL').run(now, id).changes === 1;
  }

  async deferDelivery(id: number, nextAttemptAt: number, error: string): Promise<void> {
    this.s.write();
    this.s.stmt('UPDATE outbox SET next_attempt_at = ?, last_error = ? WHERE id = ? AND delivered_at IS NULL').run(nextAttemptAt, error, id);
  }
}
