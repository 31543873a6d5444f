import type { VerificationState } from '../records.ts';

/** A user's failure counter and lock. */
export interface VerificationRead {
  /** The state of a user (zero and unlocked when never set). */
  get(userId: number): Promise<VerificationState>;
}

export interface VerificationRepo extends VerificationRead {
  /** Replaces the state of a user. */
  set(userId: number, state: VerificationState): Promise<void>;
}
