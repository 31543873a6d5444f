import type { OutboxRecord } from '../../records.ts';
import type { OutboxRepo } from '../../repos/outbox.ts';
import type { PgTxState } from '../tx-state.ts';

import { OUTBOX_COLUMNS, toOutboxRecord, type OutboxRow } from '../../rows.ts';

export class PgOutbox implements OutboxRepo {
  private readonly s: PgTxState;
  constructor(s: PgTxState) {
    this.s = s;
  }

  async list(opts: { pendingOnly: boolean; limit: number }): Promise<OutboxRecord[]> {
    const sql = opts.pendingOnly ? `SELECT ${OUTBOX_COLUMNS} FROM outbox WHERE exported_at IS NULL AND delivered_at IS NULL ORDER BY id DESC LIMIT $1` : `SELECT ${OUTBOX_COLUMNS} FROM outbox ORDER BY id DESC LIMIT $1`;
    return (await this.s.rows<OutboxRow>(sql, [opts.limit])).map(toOutboxRecord);
  }

  async pending(): Promise<OutboxRecord[]> {
    return (await this.s.rows<OutboxRow>(`SELECT ${OUTBOX_COLUMNS} FROM outbox WHERE exported_at IS NULL AND delivered_at IS NULL ORDER BY id`)).map(toOutboxRecord);
  }

  async pendingCount(): Promise<number> {
    return (await this.s.row<{ n: number }>('SELECT count(*) AS n FROM outbox WHERE exported_at IS NULL AND delivered_at IS NULL'))!.n;
  }

  async queue(n: { userId: number; email: string; kind: string; subject: string; body: string; createdAt: number }): Promise<number> {
    this.s.mustWrite();
    const r = await this.s.row<{ id: number }>('INSERT INTO outbox (user_id, email, kind, subject, body, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id', [n.userId, n.email, n.kind, n.subject, n.body, n.createdAt]);
    return r!.id;
  }

  async markExported(id: number, now: number): Promise<boolean> {
    return (await this.s.change('UPDATE outbox SET exported_at = $1 WHERE id = $2 AND exported_at IS NULL AND delivered_at IS NULL', [now, id])) === 1;
  }

  async dueForDelivery(opts: { now: number; limit: number; maxAttempts: number }): Promise<OutboxRecord[]> {
    const sql = `SELECT ${OUTBOX_COLUMNS} FROM outbox WHERE delivered_at IS NULL AND exported_at IS NULL AND attempts < $1 AND (next_attempt_at IS NULL OR next_attempt_at <= $2) ORDER BY id LIMIT $3`;
    return (await this.s.rows<OutboxRow>(sql, [opts.maxAttempts, opts.now, opts.limit])).map(toOutboxRecord);
  }

  async claimDelivery(id: number, attempts: number, leaseUntil: number): Promise<boolean> {
    const sql = 'UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $1 WHERE id = $2 AND attempts = $3 AND delivered_at IS NULL AND exported_at IS NULL';
    return (await this.s.change(sql, [leaseUntil, id, attempts])) === 1;
  }

  async markDelivered(id: number, now: number): Promise<boolean> {
    return (await this.s.change('UPDATE outbox SET delivered_at = $1, next_attempt_at = NULL, last_error = NULL WHERE id = $2 AND delivered_at IS NULL', [now, id])) === 1;
  }

  async deferDelivery(id: number, nextAttemptAt: number, error: string): Promise<void> {
    await this.s.change('UPDATE outbox SET next_attempt_at = $1, last_error = $2 WHERE id = $3 AND delivered_at IS NULL', [nextAttemptAt, error, id]);
  }
}
