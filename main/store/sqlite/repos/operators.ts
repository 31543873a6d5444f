import type { OperatorRecord } from '../../records.ts';
import type { OperatorsRepo } from '../../repos/operators.ts';
import type { TxState } from '../tx-state.ts';

/** Row shape of the operators table. */
interface OperatorRow {
  id: string;
  name: string;
  name_key: string;
  display_name: string;
  email: string | null;
  email_key: string | null;
  role: 'agent' | 'admin';
  status: OperatorRecord['status'];
  created_at: number;
  updated_at: number;
}

const COLUMNS = 'id, name, name_key, display_name, email, email_key, role, status, created_at, updated_at';

function toRecord(r: OperatorRow): OperatorRecord {
  return {
    id: r.id,
    name: r.name,
    nameKey: r.name_key,
    displayName: r.display_name,
    email: r.email,
    emailKey: r.email_key,
    role: r.role,
    status: r.status,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export class SqliteOperators implements OperatorsRepo {
  private readonly s: TxState;
  constructor(s: TxState) {
    this.s = s;
  }

  async get(id: string): Promise<OperatorRecord | null> {
    this.s.read();
    const r = this.s.stmt(`SELECT ${COLUMNS} FROM operators WHERE id = ?`).get(id) as OperatorRow | undefined;
    return r ? toRecord(r) : null;
  }

  async getByNameKey(nameKey: string): Promise<OperatorRecord | null> {
    this.s.read();
    const r = this.s.stmt(`SELECT ${COLUMNS} FROM operators WHERE name_key = ?`).get(nameKey) as OperatorRow | undefined;
    return r ? toRecord(r) : null;
  }

  async list(): Promise<OperatorRecord[]> {
    this.s.read();
    return (this.s.stmt(`SELECT ${COLUMNS} FROM operators WHERE status != 'removed' ORDER BY name_key`).all() as OperatorRow[]).map(toRecord);
  }

  async countActiveAdmins(): Promise<number> {
    this.s.read();
    return (this.s.stmt("SELECT count(*) AS n FROM operators WHERE role = 'admin' AND status = 'active'").get() as { n: number }).n;
  }

  async insert(op: Omit<OperatorRecord, 'status' | 'updatedAt'>): Promise<boolean> {
    this.s.write();
    const r = this.s
      .stmt(`INSERT INTO operators (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, ?) ON CONFLICT(name_key) DO NOTHING`)
      .run(op.id, op.name, op.nameKey, op.displayName, op.email, op.emailKey, op.role, op.createdAt, op.createdAt);
    return r.changes === 1;
  }

  async update(id: string, patch: { role: 'agent' | 'admin'; displayName: string; email: string | null; emailKey: string | null }, at: number): Promise<void> {
    this.s.write();
    this.s.stmt('UPDATE operators SET role = ?, display_name = ?, email = ?, email_key = ?, updated_at = ? WHERE id = ?').run(patch.role, patch.displayName, patch.email, patch.emailKey, at, id);
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
