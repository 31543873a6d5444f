import type { AlertRecord, AlertsRepo, NewAlert } from '../../repos/alerts.ts';
import type { TxState } from '../tx-state.ts';
import { ALERT_COLUMNS, newAlertValues, toAlertRecord, type AlertRow } from '../../alert-rows.ts';

export class SqliteAlerts implements AlertsRepo {
  private readonly s: TxState;
  constructor(s: TxState) {
    this.s = s;
  }

  async list(q: { all?: boolean; limit?: number }): Promise<AlertRecord[]> {
    this.s.read();
    const sql = q.all ? `SELECT ${ALERT_COLUMNS} FROM alerts ORDER BY id DESC LIMIT ?` : `SELECT ${ALERT_COLUMNS} FROM alerts WHERE acknowledged_at IS NULL ORDER BY id DESC LIMIT ?`;
    return (this.s.stmt(sql).all(q.limit ?? 500) as AlertRow[]).map(toAlertRecord);
  }

  async get(id: number): Promise<AlertRecord | null> {
    this.s.read();
    const r = this.s.stmt(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE id = ?`).get(id) as AlertRow | undefined;
    return r ? toAlertRecord(r) : null;
  }

  async countOpen(): Promise<number> {
    this.s.read();
    return (this.s.stmt('SELECT count(*) AS n FROM alerts WHERE acknowledged_at IS NULL').get() as { n: number }).n;
  }

  async insert(a: NewAlert): Promise<AlertRecord> {
    this.s.write();
    const r = this.s.stmt('INSERT INTO alerts (kind, at, audit_seq, action, outcome, operator, user_id, user_email) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(...newAlertValues(a));
    return { ...a, id: Number(r.lastInsertRowid), acknowledgedAt: null, acknowledgedBy: null };
  }

  async acknowledge(id: number, by: string, at: number): Promise<boolean> {
    this.s.write();
    return this.s.stmt('UPDATE alerts SET acknowledged_at = ?, acknowledged_by = ? WHERE id = ? AND acknowledged_at IS NULL').run(at, by, id).changes === 1;
  }
}
