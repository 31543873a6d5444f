import type { AlertKind } from '../../contract/alerts.ts';
import type { AlertRecord, NewAlert } from './repos/alerts.ts';

/** An alerts row as both adapters read it (snake_case columns). */
export interface AlertRow {
  id: number;
  kind: string;
  at: number;
  audit_seq: number;
  action: string;
  outcome: string;
  operator: string | null;
  user_id: number | null;
  user_email: string | null;
  acknowledged_at: number | null;
  acknowledged_by: string | null;
}

export const ALERT_COLUMNS = 'id, kind, at, audit_seq, action, outcome, operator, user_id, user_email, acknowledged_at, acknowledged_by';

/** The values of a new row, in the order of ALERT_COLUMNS without id and the acknowledgement. */
export function newAlertValues(a: NewAlert): unknown[] {
  return [a.kind, a.at, a.auditSeq, a.action, a.outcome, a.operator, a.userId, a.userEmail];
}

/** The record of a row. */
export function toAlertRecord(r: AlertRow): AlertRecord {
  return {
    id: Number(r.id),
    kind: r.kind as AlertKind,
    at: Number(r.at),
    auditSeq: Number(r.audit_seq),
    action: r.action,
    outcome: r.outcome,
    operator: r.operator,
    userId: r.user_id === null ? null : Number(r.user_id),
    userEmail: r.user_email,
    acknowledgedAt: r.acknowledged_at === null ? null : Number(r.acknowledged_at),
    acknowledgedBy: r.acknowledged_by,
  };
}
