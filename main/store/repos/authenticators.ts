import type { AuthenticatorInfo, AuthenticatorSecret, PendingEnrollment } from '../records.ts';

/**
 * Authenticators (TOTP) and pending enrollments. The secret column holds what the service
 * layer sealed (store.values): the store writes and returns the box as it is.
 */
export interface AuthenticatorsRead {
  /** Every authenticator of a user, newest first, without secrets. */
  listForUser(userId: number): Promise<AuthenticatorInfo[]>;
  /** The active and pending authenticators of a user with their sealed secrets, oldest first. */
  secretsForUser(userId: number): Promise<AuthenticatorSecret[]>;
  /** The newest pending enrollment of a user (or the one with `enrollmentId`); null when none. */
  pending(userId: number, enrollmentId?: number): Promise<PendingEnrollment | null>;
}

export interface AuthenticatorsRepo extends AuthenticatorsRead {
  /** Adds a pending enrollment with its sealed secret; returns its id. */
  insertPending(p: { userId: number; secret: Buffer; sheetId: string; createdAt: number; createdBy: string; setupDeadline: number }): Promise<number>;
  /**
   * Ends the user's authenticators in `from`, overwriting their secret with zeros of the same
   * length (the history row stays, the secret is gone). Returns how many ended.
   */
  end(userId: number, from: 'active' | 'pending', to: 'revoked' | 'voided' | 'lapsed', now: number): Promise<number>;
  /** Lapses the user's pending enrollments whose deadline is at or before `now` (secret zeroed). */
  lapseExpired(userId: number, now: number): Promise<number>;
  /** Turns a pending enrollment active at `step` (compare-and-set on status pending). */
  activate(authId: number, step: number, now: number): Promise<boolean>;
  /**
   * Records an accepted step: compare-and-set, only upward (`last_step < step`), so the same or
   * an older step is refused even when two writers race. True when this call moved it.
   */
  advanceStep(authId: number, step: number, now: number): Promise<boolean>;
}
