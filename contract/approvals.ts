/**
 * Two-person approval: a high-risk factor change (over the velocity limits, on a privileged
 * user, or one the settings always send for approval) is stored as a request with its checks,
 * ticket and reason and no secret; another admin approves or rejects it; the requester then
 * runs it once before it expires, which is when its code or QR is made.
 */
export const APPROVAL_ACTIONS = ['code.issue-one-time', 'code.backup-codes', 'enrollment.reenroll', 'enrollment.regenerate', 'lock.clear', 'sms.remove', 'lost-phone'] as const;
export type ApprovalAction = (typeof APPROVAL_ACTIONS)[number];

/** Why a change waits: over a velocity limit, a privileged (VIP or operator's own) user, or the settings say every such change. */
export const APPROVAL_TRIGGERS = ['over-limit', 'privileged-user', 'operator-account', 'policy'] as const;
export type ApprovalTrigger = (typeof APPROVAL_TRIGGERS)[number];

/**
 * pending: waits for another admin; cooling: a site with a single admin, runs after the cool-down
 * unless rejected; approved: may be run once; rejected; done: was run; expired: not run in time.
 */
export const APPROVAL_STATUSES = ['pending', 'cooling', 'approved', 'rejected', 'done', 'expired'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

/** The options the action was asked with (never a secret). */
export interface ApprovalOptions {
  minutes?: number;
  voidCodes?: boolean;
  withBackupCodes?: boolean;
}

/** One approval request as the app and the command line show it. */
export interface ApprovalView {
  id: number;
  action: ApprovalAction;
  userId: number;
  userEmail: string;
  requester: string;
  requesterId: string;
  triggers: ApprovalTrigger[];
  checks: string[];
  ticket: string;
  reason: string;
  options: ApprovalOptions;
  status: ApprovalStatus;
  createdAt: number;
  /** Not run by then, it does nothing. */
  expiresAt: number;
  /** A cooling request may be run from then on (null for one that waits for an admin). */
  runnableAt: number | null;
  decidedBy: string | null;
  decidedAt: number | null;
  decisionReason: string | null;
  runAt: number | null;
}

