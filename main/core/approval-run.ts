/**
 * Running an approved request: the requester runs it once before it expires, through the
 * action's own service function with the checks, ticket, reason and options stored on the
 * request. That is when the code or QR is made; the change, its audit event and `approval.run`
 * commit together (the gate in checkVelocity marks the request done in the same transaction).
 */
import type { ApprovalAction } from '../../contract/approvals.ts';
import type { ServerStore, Store } from '../store/port.ts';
import { reportLostPhone, type LostPhoneResult } from './lost-phone.ts';
import { issueBackupCodes } from './backup-codes.ts';
import { forceReenrollment, regenerateEnrollment, type EnrollmentIssued } from './enrollment.ts';
import { fail } from './errors.ts';
import { issueOneTimeCode } from './one-time-codes.ts';
import { requireRole } from './roles.ts';
import type { Session } from './session.ts';
import { clearVerificationLock, removeSms } from './user-actions.ts';

/** What running a request made: the same result its action gives when run directly. */
export type ApprovalRunResult =
  | { action: 'code.issue-one-time'; userId: number; oneTimeCode: { code: string; expiresAt: number } }
  | { action: 'code.backup-codes'; userId: number; backupCodes: { codes: string[]; createdAt: number } }
  | { action: 'enrollment.reenroll' | 'enrollment.regenerate'; userId: number; enrollment: EnrollmentIssued }
  | { action: 'lock.clear' | 'sms.remove'; userId: number }
  | { action: 'lost-phone'; userId: number; lostPhone: LostPhoneResult };

/**
 * Runs approval request `id` (its requester only); refused with APPROVAL_PENDING, APPROVAL_CLOSED
 * or FORBIDDEN when it may not run. `selfEnrollment`: a server's store, whose lost-phone action
 * gives the user an enrollment code for its page instead of a QR the agent handles.
 */
export async function runApproval(store: Store, session: Session, id: number, opts: { selfEnrollment?: boolean } = {}): Promise<ApprovalRunResult> {
  requireRole(session, 'approvals:run');
  if (!Number.isSafeInteger(id) || id < 1) fail('BAD_REQUEST', 'The approval id must be a positive whole number.', { field: 'id' });
  const a = await store.read((tx) => tx.approvals.get(id));
  if (!a) fail('NOT_FOUND', 'There is no approval request with that id.');
  const ctx = { checks: a.checks, ticket: a.ticket, reason: a.reason, approvalId: a.id };
  const action: ApprovalAction = a.action;
  switch (action) {
    case 'code.issue-one-time':
      return { action, userId: a.userId, oneTimeCode: await issueOneTimeCode(store, session, a.userId, { ...ctx, ...(a.options.minutes !== undefined ? { minutes: a.options.minutes } : {}) }) };
    case 'code.backup-codes':
      return { action, userId: a.userId, backupCodes: await issueBackupCodes(store, session, a.userId, ctx) };
    case 'enrollment.reenroll':
      return { action, userId: a.userId, enrollment: await forceReenrollment(store, session, a.userId, { ...ctx, voidCodes: a.options.voidCodes === true, withBackupCodes: a.options.withBackupCodes === true }) };
    case 'enrollment.regenerate':
      return { action, userId: a.userId, enrollment: await regenerateEnrollment(store, session, a.userId, ctx) };
    case 'lock.clear':
      await clearVerificationLock(store, session, a.userId, ctx);
      return { action, userId: a.userId };
    case 'sms.remove':
      await removeSms(store, session, a.userId, ctx);
      return { action, userId: a.userId };
    case 'lost-phone':
      return { action, userId: a.userId, lostPhone: opts.selfEnrollment === true ? await reportLostPhone(store as ServerStore, session, a.userId, ctx, { selfEnrollment: true }) : await reportLostPhone(store, session, a.userId, ctx) };
  }
}
