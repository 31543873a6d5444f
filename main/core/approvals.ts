/**
 * Two-person approval: listing, approving and rejecting the requests the change gate
 * (checkVelocity) stored, and marking users privileged (VIP). Running an approved request is in
 * approval-run.ts, through the action's own service function.
 */
import type { ApprovalView } from '../../contract/approvals.ts';
import type { Store, WriteTx } from '../store/port.ts';
import type { ApprovalRecord } from '../store/repos/approvals.ts';
import { accountOf, auditAs, loadUser, normalizeContext } from './actions.ts';
import { closedMessage } from './velocity.ts';
import { statusAt, viewAt } from './approval-status.ts';
import { fail } from './errors.ts';
import { allowed, requireRole } from './roles.ts';
import type { Session } from './session.ts';

const LIVE = ['pending', 'cooling', 'approved'] as const;

/**
 * Approval requests newest first, with their status at this moment. Admins see every one, agents
 * their own. Without `all` only the live ones (waiting, cooling or approved and not expired).
 * `waiting` counts the live requests the caller could act on: for an admin those waiting for a
 * decision that are not their own, for anyone their own approved or cooled-down ones to run.
 */
export async function listApprovals(store: Store, session: Session, q: { all?: boolean; limit?: number } = {}): Promise<{ approvals: ApprovalView[]; waiting: number }> {
  requireRole(session, 'approvals:list');
  const admin = allowed(session.role, 'approvals:decide');
  const now = store.clock.now();
  const rows = await store.read((tx) => tx.approvals.list({ ...(admin ? {} : { requesterId: session.operatorId }), ...(q.all === true ? {} : { statuses: LIVE }), limit: q.limit ?? 500 }));
  const approvals = rows.map((a) => viewAt(a, now)).filter((a) => q.all === true || a.status !== 'expired');
  const waiting = approvals.filter((a) =>
    a.requesterId === session.operatorId ? a.status === 'approved' || (a.status === 'cooling' && a.runnableAt !== null && now >= a.runnableAt) : admin && (a.status === 'pending' || a.status === 'cooling'),
  ).length;
  return { approvals, waiting };
}

/** Loads a request for a decision by `session`: not their own, not on their own account, still open. */
async function forDecision(tx: WriteTx, session: Session, id: number): Promise<ApprovalRecord> {
  const a = await tx.approvals.get(id);
  if (!a) fail('NOT_FOUND', 'There is no approval request with that id.');
  if (a.requesterId === session.operatorId) fail('OWN_APPROVAL', 'You asked for this change yourself: another admin must approve or reject it.');
  if ((await accountOf(tx, session, await loadUser(tx, a.userId))).own) fail('OWN_APPROVAL', 'This request is about your own user account: another admin must decide it.');
  return a;
}

function decisionReason(raw: string | undefined, required: boolean): string | null {
  if (raw === undefined || raw.trim() === '') {
    if (required) fail('REASON_REQUIRED', 'Give a reason for rejecting the request; the requester and the audit log see it.', { field: 'reason' });
    return null;
  }
  return normalizeContext({ checks: [], ticket: '-', reason: raw }).reason;
}

/** Approves a waiting request (an admin who did not ask for it); approving twice or too late is refused (APPROVAL_CLOSED). */
export async function approveApproval(store: Store, session: Session, id: number, reason?: string): Promise<ApprovalView> {
  return decide(store, session, id, 'approved', decisionReason(reason, false));
}

/** Rejects a waiting, cooling or approved request (an admin who did not ask for it), with a reason. */
export async function rejectApproval(store: Store, session: Session, id: number, reason: string): Promise<ApprovalView> {
  return decide(store, session, id, 'rejected', decisionReason(reason, true));
}

async function decide(store: Store, session: Session, id: number, to: 'approved' | 'rejected', reason: string | null): Promise<ApprovalView> {
  requireRole(session, 'approvals:decide');
  return store.write(async (tx) => {
    const now = store.clock.now();
    const a = await forDecision(tx, session, id);
    const status = statusAt(a, now);
    const open = to === 'approved' ? status === 'pending' || status === 'cooling' : status === 'pending' || status === 'cooling' || status === 'approved';
    if (!open) fail('APPROVAL_CLOSED', status === 'approved' ? `Approval ${id} was approved before, by ${a.decidedBy ?? 'another admin'}.` : closedMessage(id, status), { status });
    if (!(await tx.approvals.decide(id, to === 'approved' ? ['pending', 'cooling'] : ['pending', 'cooling', 'approved'], to, session.name, now, reason))) fail('APPROVAL_CLOSED', `Approval ${id} was decided at the same moment by someone else.`);
    await auditAs(tx, session, {
      action: to === 'approved' ? 'approval.approved' : 'approval.rejected',
      userId: a.userId,
      userEmail: a.userEmail,
      ticket: a.ticket,
      reason,
      outcome: 'ok',
      details: { approvalId: id, attempted: a.action, requester: a.requester },
    }, now);
    return viewAt({ ...a, status: to, decidedBy: session.name, decidedAt: now, decisionReason: reason }, now);
  });
}

/** Marks a directory user privileged (VIP) or not (admin); every factor change on them then needs approval. Audited as user.privileged. */
export async function setUserPrivileged(store: Store, session: Session, userId: number, privileged: boolean): Promise<{ userId: number; privileged: boolean; changed: boolean }> {
  requireRole(session, 'users:privileged');
  return store.write(async (tx) => {
    const user = await loadUser(tx, userId);
    const now = store.clock.now();
    const changed = await tx.approvals.setPrivileged(user.id, privileged, session.name, now);
    if (changed) await auditAs(tx, session, { action: 'user.privileged', userId: user.id, userEmail: user.email, outcome: 'ok', details: { privileged } }, now);
    return { userId: user.id, privileged, changed };
  });
}
