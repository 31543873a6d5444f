import type { ApprovalAction, ApprovalStatus, ApprovalView } from '../../contract/approvals.ts';
import { APPROVAL_ACTIONS } from '../../contract/approvals.ts';

/** The status a request has at `now`: one still open past its expiry is expired (never stored). */
export function statusAt(a: Pick<ApprovalView, 'status' | 'expiresAt'>, now: number): ApprovalStatus {
  return (a.status === 'pending' || a.status === 'cooling' || a.status === 'approved') && now >= a.expiresAt ? 'expired' : a.status;
}

/** The request as callers see it at `now`. */
export function viewAt(a: ApprovalView, now: number): ApprovalView {
  return { ...a, status: statusAt(a, now) };
}

export function isApprovalAction(action: string): action is ApprovalAction {
  return (APPROVAL_ACTIONS as readonly string[]).includes(action);
}

/** Local wall-clock time for messages (HH:MM). */
export function clockTime(at: number): string {
  const d = new Date(at);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}
