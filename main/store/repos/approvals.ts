import type { ApprovalView } from '../../../contract/approvals.ts';

/** A stored approval request. Its status is as stored: `expired` is worked out by the service from expiresAt. */
export type ApprovalRecord = ApprovalView;

/** What a new request holds; the id is the store's. */
export type NewApproval = Omit<ApprovalRecord, 'id' | 'decidedBy' | 'decidedAt' | 'decisionReason' | 'runAt'>;

/** Stored statuses (expired is never stored). */
export type StoredApprovalStatus = 'pending' | 'cooling' | 'approved' | 'rejected' | 'done';

/** Reading approval requests and the users marked privileged (VIP). */
export interface ApprovalsRead {
  get(id: number): Promise<ApprovalRecord | null>;
  /** Newest first; only those of one requester when `requesterId`; only the ones in `statuses` when given; at most `limit` (default 500). */
  list(q: { requesterId?: string; statuses?: readonly StoredApprovalStatus[]; limit?: number }): Promise<ApprovalRecord[]>;
  /** How many requests in `statuses` have not expired at `now`. */
  countLive(statuses: readonly StoredApprovalStatus[], now: number): Promise<number>;
  /** True when an admin marked the user privileged (VIP). */
  isPrivileged(userId: number): Promise<boolean>;
}

/** Changing approval requests (write transactions only). */
export interface ApprovalsRepo extends ApprovalsRead {
  insert(a: NewApproval): Promise<ApprovalRecord>;
  /** Moves a request whose status is one of `from` to approved or rejected; false when it was in none of them. */
  decide(id: number, from: readonly StoredApprovalStatus[], to: 'approved' | 'rejected', by: string, at: number, reason: string | null): Promise<boolean>;
  /** Marks a request in one of `from` as done (run) at `at`; false when it was in none of them (run twice). */
  markDone(id: number, from: readonly StoredApprovalStatus[], at: number): Promise<boolean>;
  /** Marks or unmarks a user privileged; false when nothing changed. */
  setPrivileged(userId: number, on: boolean, by: string, at: number): Promise<boolean>;
}
