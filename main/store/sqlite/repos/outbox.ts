import type { OutboxRecord } from '../../records.ts';
import type { OutboxRepo } from '../../repos/outbox.ts';
import type { TxState } from '../tx-state.ts';

interface Row {
  id: number;
  user_id: number;
  email: string;
  kind: string;
  subject: string;
  body: string;
  created_at: number;
  exported_at: number | null;
}

const toRecord = (r: Row): OutboxRecord => ({
  id: r.id,
  userId: r.user_id,
  email: r.email,
  kind: r.kind,
  subject: r.subject,
  body: r.body,
  createdAt: r.created_at,
  exportedAt: r.exported_at,
});

export class SqliteOutbox implements OutboxRepo {
  private readonly s: TxState;
  constructor(s: TxState) {
    this.s = s;
  }

  async list(opts: { pendingOnly: boolean; limit: number }): Promise<OutboxRecord[]> {
    this.s.read();
    const sql = opts.pendingOnly ? 'SELECT * FROM outbox WHERE exported_at IS NULL ORDER BY id DESC LIMIT ?' : 'SELECT * FROM outbox ORDER BY id DESC LIMIT ?';
    return (this.s.stmt(sql).all(opts.limit) as Row[]).map(toRecord);
  }

  async pending(): Promise<OutboxRecord[]> {
    this.s.read();
    return (this.s.stmt('SELECT * FROM outbox WHERE exported_at IS NULL ORDER BY id').all() as Row[]).map(toRecord);
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
