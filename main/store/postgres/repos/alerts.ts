import type { AlertRecord, AlertsRepo, NewAlert } from '../../repos/alerts.ts';
import type { PgTxState } from '../tx-state.ts';
import { ALERT_COLUMNS, newAlertValues, toAlertRecord, type AlertRow } from '../../alert-rows.ts';

export class PgAlerts implements AlertsRepo {
  private readonly s: PgTxState;
  constructor(s: PgTxState) {
    this.s = s;
  }

  async list(q: { all?: boolean; limit?: number }): Promise<AlertRecord[]> {
    const sql = q.all ? `SELECT ${ALERT_COLUMNS} FROM alerts ORDER BY id DESC LIMIT $1` : `SELECT ${ALERT_COLUMNS} FROM alerts WHERE acknowledged_at IS NULL ORDER BY id DESC LIMIT $1`;
    return (await this.s.rows<AlertRow>(sql, [q.limit ?? 500])).map(toAlertRecord);
  }

  async get(id: number): Promise<AlertRecord | null> {
    const r = await this.s.row<AlertRow>(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE id = $1`, [id]);
    return r ? toAlertRecord(r) : null;
  }

  async countOpen(): Promise<number> {
    return Number((await this.s.row<{ n: number }>('SELECT count(*) AS n FROM alerts WHERE acknowledged_at IS NULL'))!.n);
  }

  async insert(a: NewAlert): Promise<AlertRecord> {
    this.s.mustWrite();
    const r = await this.s.row<{ id: number }>('INSERT INTO alerts (kind, at, audit_seq, action, outcome, operator, user_id, user_email) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id', newAlertValues(a));
    return { ...a, id: Number(r!.id), acknowledgedAt: null, acknowledgedBy: null };
  }

  async acknowledge(id: number, by: string, at: number): Promise<boolean> {
    return (await this.s.change('UPDATE alerts SET acknowledged_at = $1, acknowledged_by = $2 WHERE id = $3 AND acknowledged_at IS NULL', [at, by, id])) === 1;
  }
}
