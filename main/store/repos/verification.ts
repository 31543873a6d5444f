import type { VerificationState } from '../records.ts';

/** A user's failure counter and lock; and the same for an address that is no user (by its folded key). */
export interface VerificationRead {
  /** The state of a user (zero and unlocked when never set). */
  get(userId: number): Promise<VerificationState>;
  /** The state of an address that belongs to no user, by its folded email key (zero and unlocked when never set). */
  getUnknown(emailKey: string): Promise<VerificationState>;
}

export interface VerificationRepo extends VerificationRead {
  /** Replaces the state of a user. */
  set(userId: number, state: VerificationState): Promise<void>;
  /** Replaces the state of an address that belongs to no user (folded email key). */
  setUnknown(emailKey: string, state: VerificationState): Promise<void>;
}
