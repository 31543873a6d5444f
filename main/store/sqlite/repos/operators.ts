import type { OperatorRecord } from '../../records.ts';
import type { OperatorPatch, OperatorsRepo } from '../../repos/operators.ts';
import type { TxState } from '../tx-state.ts';

import { OPERATOR_COLUMNS, toOperatorRecord, type OperatorRow } from '../../rows.ts';

export class SqliteOperators implements OperatorsRepo {
  private readonly s: TxState;
  constructor(s: TxState) {
    this.s = s;
  }

  async get(id: string): Promise<OperatorRecord | null> {
    this.s.read();
    const r = this.s.stmt(`SELECT ${OPERATOR_COLUMNS} FROM operators WHERE id = ?`).get(id) as OperatorRow | undefined;
    return r ? toOperatorRecord(r) : null;
  }

  async getByNameKey(nameKey: string): Promise<OperatorRecord | null> {
    this.s.read();
    const r = this.s.stmt(`SELECT ${OPERATOR_COLUMNS} FROM operators WHERE name_key = ?`).get(nameKey) as OperatorRow | undefined;
    return r ? toOperatorRecord(r) : null;
  }

  async list(): Promise<OperatorRecord[]> {
    this.s.read();
    return (this.s.stmt(`SELECT ${OPERATOR_COLUMNS} FROM operators WHERE status != 'removed' ORDER BY name_key`).all() as OperatorRow[]).map(toOperatorRecord);
  }

  async countActiveAdmins(): Promise<number> {
    this.s.read();
    return (this.s.stmt("SELECT count(*) AS n FROM operators WHERE role = 'admin' AND status = 'active'").get() as { n: number }).n;
  }

  async insert(op: Omit<OperatorRecord, 'status' | 'updatedAt'>): Promise<boolean> {
    this.s.write();
    const r = this.s
      .stmt(`INSERT INTO operators (${OPERATOR_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?) ON CONFLICT(name_key) DO NOTHING`)
      .run(op.id, op.name, op.nameKey, op.displayName, op.email, op.emailKey, op.role, op.createdAt, op.createdAt, op.userId);
    return r.changes === 1;
  }

  async update(id: string, patch: OperatorPatch, at: number): Promise<void> {
    this.s.write();
    this.s
      .stmt('UPDATE operators SET role = ?, display_name = ?, email = ?, email_key = ?, user_id = ?, updated_at = ? WHERE id = ?')
      .run(patch.role, patch.displayName, patch.email, patch.emailKey, patch.userId, at, id);
  }

  async setStatus(id: string, status: 'active' | 'disabled', at: number): Promise<void> {
    this.s.write();
    this.s.stmt("UPDATE operators SET status = ?, updated_at = ? WHERE id = ? AND status != 'removed'").run(status, at, id);
  }

  async markRemoved(id: string, at: number): Promise<void> {
    this.s.write();
    this.s.stmt("UPDATE operators SET status = 'removed', name_key = name_key || '#removed-' || id, updated_at = ? WHERE id = ? AND status != 'removed'").run(at, id);
  }
}
