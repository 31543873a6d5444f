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
    const sql = opts.pendingOnly ? 'SELECT * FROM outbox WHERE exported_at IS NULL ORDER BY id DESC LIMIT ?' : 'SELECT * FROM outbox ORDER BY id DESC LIMIT ?';
    return (this.s.stmt(sql).all(opts.limit) as OutboxRow[]).map(toOutboxRecord);
  }

  async pending(): Promise<OutboxRecord[]> {
    this.s.read();
    return (this.s.stmt('SELECT * FROM outbox WHERE exported_at IS NULL ORDER BY id').all() as OutboxRow[]).map(toOutboxRecord);
  }

  async pendingCount(): Promise<number> {
    this.s.read();
    return (this.s.stmt('SELECT count(*) AS n FROM outbox WHERE exported_at IS NULL').get() as { n: number }).n;
  }

  async queue(n: { userId: number; email: string; kind: string; subject: string; body: string; createdAt: number }): Promise<number> {
    this.s.write();
    const r = this.s.stmt('INSERT INTO outbox (user_id, email, kind, subject, body, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(n.userId, n.email, n.kind, n.subject, n.body, n.createdAt);
    return Number(r.lastInsertRowid);
  }

  async markExported(id: number, now: number): Promise<boolean> {
    this.s.write();
    return this.s.stmt('UPDATE outbox SET exported_at = ? WHERE id = ? AND exported_at IS NULL').run(now, id).changes === 1;
  }
}
