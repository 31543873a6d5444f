import type { ApprovalRecord, ApprovalsRepo, NewApproval, StoredApprovalStatus } from '../../repos/approvals.ts';
import type { TxState } from '../tx-state.ts';
import { APPROVAL_COLUMNS, NEW_APPROVAL_COLUMNS, newApprovalValues, toApprovalRecord, type ApprovalRow } from '../../approval-rows.ts';

const marks = (n: number) => Array.from({ length: n }, () => '?').join(', ');

export class SqliteApprovals implements ApprovalsRepo {
  private readonly s: TxState;
  constructor(s: TxState) {
    this.s = s;
  }

  async get(id: number): Promise<ApprovalRecord | null> {
    this.s.read();
    const r = this.s.stmt(`SELECT ${APPROVAL_COLUMNS} FROM approvals WHERE id = ?`).get(id) as ApprovalRow | undefined;
    return r ? toApprovalRecord(r) : null;
  }

  async list(q: { requesterId?: string; statuses?: readonly StoredApprovalStatus[]; limit?: number }): Promise<ApprovalRecord[]> {
    this.s.read();
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.requesterId !== undefined) {
      where.push('requester_id = ?');
      args.push(q.requesterId);
    }
    if (q.statuses) {
      where.push(`status IN (${marks(q.statuses.length)})`);
      args.push(...q.statuses);
    }
    const sql = `SELECT ${APPROVAL_COLUMNS} FROM approvals${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return (this.s.stmt(sql).all(...args, q.limit ?? 500) as ApprovalRow[]).map(toApprovalRecord);
  }

  async countLive(statuses: readonly StoredApprovalStatus[], now: number): Promise<number> {
    this.s.read();
    return (this.s.stmt(`SELECT count(*) AS n FROM approvals WHERE status IN (${marks(statuses.length)}) AND expires_at > ?`).get(...statuses, now) as { n: number }).n;
  }

  async isPrivileged(userId: number): Promise<boolean> {
    this.s.read();
    return this.s.stmt('SELECT 1 FROM privileged_users WHERE user_id = ?').get(userId) !== undefined;
  }

  async insert(a: NewApproval): Promise<ApprovalRecord> {
    this.s.write();
    const r = this.s.stmt(`INSERT INTO approvals (${NEW_APPROVAL_COLUMNS}) VALUES (${marks(14)})`).run(...newApprovalValues(a));
    return { ...a, id: Number(r.lastInsertRowid), decidedBy: null, decidedAt: null, decisionReason: null, runAt: null };
  }

  async decide(id: number, from: readonly StoredApprovalStatus[], to: 'approved' | 'rejected', by: string, at: number, reason: string | null): Promise<boolean> {
    this.s.write();
    return this.s.stmt(`UPDATE approvals SET status = ?, decided_by = ?, decided_at = ?, decision_reason = ? WHERE id = ? AND status IN (${marks(from.length)})`).run(to, by, at, reason, id, ...from).changes === 1;
  }

  async markDone(id: number, from: readonly StoredApprovalStatus[], at: number): Promise<boolean> {
    this.s.write();
    return this.s.stmt(`UPDATE approvals SET status = 'done', run_at = ? WHERE id = ? AND status IN (${marks(from.length)})`).run(at, id, ...from).changes === 1;
  }

  async setPrivileged(userId: number, on: boolean, by: string, at: number): Promise<boolean> {
    this.s.write();
    const r = on
      ? this.s.stmt('INSERT INTO privileged_users (user_id, marked_by, marked_at) VALUES (?, ?, ?) ON CONFLICT (user_id) DO NOTHING').run(userId, by, at)
      : this.s.stmt('DELETE FROM privileged_users WHERE user_id = ?').run(userId);
    return r.changes === 1;
  }
}
