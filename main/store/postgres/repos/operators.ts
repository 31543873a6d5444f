import type { OperatorRecord } from '../../records.ts';
import type { OperatorPatch, OperatorsRepo } from '../../repos/operators.ts';
import type { PgTxState } from '../tx-state.ts';

import { OPERATOR_COLUMNS, toOperatorRecord, type OperatorRow } from '../../rows.ts';

export class PgOperators implements OperatorsRepo {
  private readonly s: PgTxState;
  constructor(s: PgTxState) {
    this.s = s;
  }

  async get(id: string): Promise<OperatorRecord | null> {
    const r = await this.s.row<OperatorRow>(`SELECT ${OPERATOR_COLUMNS} FROM operators WHERE id = $1`, [id]);
    return r ? toOperatorRecord(r) : null;
  }

  async getByNameKey(nameKey: string): Promise<OperatorRecord | null> {
    const r = await this.s.row<OperatorRow>(`SELECT ${OPERATOR_COLUMNS} FROM operators WHERE name_key = $1`, [nameKey]);
    return r ? toOperatorRecord(r) : null;
  }

  async list(): Promise<OperatorRecord[]> {
    return (await this.s.rows<OperatorRow>(`SELECT ${OPERATOR_COLUMNS} FROM operators WHERE status <> 'removed' ORDER BY name_key`)).map(toOperatorRecord);
  }

  async countActiveAdmins(): Promise<number> {
    return (await this.s.row<{ n: number }>("SELECT count(*) AS n FROM operators WHERE role = 'admin' AND status = 'active'"))!.n;
  }

  async insert(op: Omit<OperatorRecord, 'status' | 'updatedAt'>): Promise<boolean> {
    const n = await this.s.change(`INSERT INTO operators (${OPERATOR_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', $8, $8, $9) ON CONFLICT (name_key) DO NOTHING`, [
      op.id,
      op.name,
      op.nameKey,
      op.displayName,
      op.email,
      op.emailKey,
      op.role,
      op.createdAt,
      op.userId,
    ]);
    return n === 1;
  }

  async update(id: string, patch: OperatorPatch, at: number): Promise<void> {
    await this.s.change('UPDATE operators SET role = $1, display_name = $2, email = $3, email_key = $4, user_id = $5, updated_at = $6 WHERE id = $7', [
      patch.role,
      patch.displayName,
      patch.email,
      patch.emailKey,
      patch.userId,
      at,
      id,
    ]);
  }

  async setStatus(id: string, status: 'active' | 'disabled', at: number): Promise<void> {
    await this.s.change("UPDATE operators SET status = $1, updated_at = $2 WHERE id = $3 AND status <> 'removed'", [status, at, id]);
  }

  async markRemoved(id: string, at: number): Promise<void> {
    await this.s.change("UPDATE operators SET status = 'removed', name_key = name_key || '#removed-' || id, updated_at = $1 WHERE id = $2 AND status <> 'removed'", [at, id]);
  }
}
