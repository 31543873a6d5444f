import type { ApprovalAction, ApprovalOptions, ApprovalStatus, ApprovalTrigger } from '../../contract/approvals.ts';
import type { ApprovalRecord, NewApproval } from './repos/approvals.ts';

/** An approvals row as both adapters read it (snake_case columns, lists as JSON text). */
export interface ApprovalRow {
  id: number;
  action: string;
  user_id: number;
  user_email: string;
  requester: string;
  requester_id: string;
  triggers: string;
  checks: string;
  ticket: string;
  reason: string;
  options: string;
  status: string;
  created_at: number;
  expires_at: number;
  runnable_at: number | null;
  decided_by: string | null;
  decided_at: number | null;
  decision_reason: string | null;
  run_at: number | null;
}

export const APPROVAL_COLUMNS =
  'id, action, user_id, user_email, requester, requester_id, triggers, checks, ticket, reason, options, status, created_at, expires_at, runnable_at, decided_by, decided_at, decision_reason, run_at';

/** The columns of a new row, in the order of `newApprovalValues`. */
export const NEW_APPROVAL_COLUMNS = 'action, user_id, user_email, requester, requester_id, triggers, checks, ticket, reason, options, status, created_at, expires_at, runnable_at';

export function newApprovalValues(a: NewApproval): unknown[] {
  return [a.action, a.userId, a.userEmail, a.requester, a.requesterId, JSON.stringify(a.triggers), JSON.stringify(a.checks), a.ticket, a.reason, JSON.stringify(a.options), a.status, a.createdAt, a.expiresAt, a.runnableAt];
}

const num = (v: number | null) => (v === null ? null : Number(v));

export function toApprovalRecord(r: ApprovalRow): ApprovalRecord {
  return {
    id: Number(r.id),
    action: r.action as ApprovalAction,
    userId: Number(r.user_id),
    userEmail: r.user_email,
    requester: r.requester,
    requesterId: r.requester_id,
    triggers: JSON.parse(r.triggers) as ApprovalTrigger[],
    checks: JSON.parse(r.checks) as string[],
    ticket: r.ticket,
    reason: r.reason,
    options: JSON.parse(r.options) as ApprovalOptions,
    status: r.status as ApprovalStatus,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    runnableAt: num(r.runnable_at),
    decidedBy: r.decided_by,
    decidedAt: num(r.decided_at),
    decisionReason: r.decision_reason,
    runAt: num(r.run_at),
  };
}
