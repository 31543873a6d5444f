import type { ApprovalRecord, ApprovalsRepo, NewApproval, StoredApprovalStatus } from '../../repos/approvals.ts';
import type { PgTxState } from '../tx-state.ts';
import { APPROVAL_COLUMNS, NEW_APPROVAL_COLUMNS, newApprovalValues, toApprovalRecord, type ApprovalRow } from '../../approval-rows.ts';

export class PgApprovals implements ApprovalsRepo {
  private readonly s: PgTxState;
  constructor(s: PgTxState) {
    this.s = s;
  }

  async get(id: number): Promise<ApprovalRecord | null> {
    const r = await this.s.row<ApprovalRow>(`SELECT ${APPROVAL_COLUMNS} FROM approvals WHERE id = $1`, [id]);
    return r ? toApprovalRecord(r) : null;
  }

  async list(q: { requesterId?: string; statuses?: readonly StoredApprovalStatus[]; limit?: number }): Promise<ApprovalRecord[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.requesterId !== undefined) {
      args.push(q.requesterId);
      where.push(`requester_id = $${args.length}`);
    }
    if (q.statuses) {
      args.push([...q.statuses]);
      where.push(`status = ANY($${args.length})`);
    }
    args.push(q.limit ?? 500);
    const sql = `SELECT ${APPROVAL_COLUMNS} FROM approvals${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${args.length}`;
    return (await this.s.rows<ApprovalRow>(sql, args)).map(toApprovalRecord);
  }

  async countLive(statuses: readonly StoredApprovalStatus[], now: number): Promise<number> {
    return Number((await this.s.row<{ n: number }>('SELECT count(*) AS n FROM approvals WHERE status = ANY($1) AND expires_at > $2', [[...statuses], now]))!.n);
  }

  async isPrivileged(userId: number): Promise<boolean> {
    return (await this.s.row('SELECT 1 FROM privileged_users WHERE user_id = $1', [userId])) !== undefined;
  }

  async insert(a: NewApproval): Promise<ApprovalRecord> {
    this.s.mustWrite();
    const values = newApprovalValues(a);
    const r = await this.s.row<{ id: number }>(`INSERT INTO approvals (${NEW_APPROVAL_COLUMNS}) VALUES (${values.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`, values);
    return { ...a, id: Number(r!.id), decidedBy: null, decidedAt: null, decisionReason: null, runAt: null };
  }

  async decide(id: number, from: readonly StoredApprovalStatus[], to: 'approved' | 'rejected', by: string, at: number, reason: string | null): Promise<boolean> {
    return (await this.s.change('UPDATE approvals SET status = $1, decided_by = $2, decided_at = $3, decision_reason = $4 WHERE id = $5 AND status = ANY($6)', [to, by, at, reason, id, [...from]])) === 1;
  }

  async markDone(id: number, from: readonly StoredApprovalStatus[], at: number): Promise<boolean> {
    return (await this.s.change("UPDATE approvals SET status = 'done', run_at = $1 WHERE id = $2 AND status = ANY($3)", [at, id, [...from]])) === 1;
  }

  async setPrivileged(userId: number, on: boolean, by: string, at: number): Promise<boolean> {
    const n = on
      ? await this.s.change('INSERT INTO privileged_users (user_id, marked_by, marked_at) VALUES ($1, $2, $3) ON CONFLICT (user_id) DO NOTHING', [userId, by, at])
      : await this.s.change('DELETE FROM privileged_users WHERE user_id = $1', [userId]);
    return n === 1;
  }
}
