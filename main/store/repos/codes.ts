import type { BackupCodeRecord, OneTimeCodeRecord } from '../records.ts';

/** One-time codes and backup codes (verifiers only: salt and hash, never the code). */
export interface CodesRead {
  /** The user's newest one-time codes, newest first (to tell a late try from a wrong one). */
  recentOneTime(userId: number, limit: number): Promise<OneTimeCodeRecord[]>;
  /** Expiry of the user's active, unexpired one-time code; null when there is none. */
  activeOneTimeExpiry(userId: number, now: number): Promise<number | null>;
  /** The codes of the user's active backup-code set, in order. */
  activeBackupCodes(userId: number): Promise<BackupCodeRecord[]>;
  /** The user's active set: size, creation time and unused codes; null when none. */
  activeBackupSet(userId: number): Promise<{ total: number; createdAt: number; remaining: number } | null>;
}

export interface CodesRepo extends CodesRead {
  /** Voids the user's active one-time code(s); returns how many. */
  voidOneTime(userId: number, now: number): Promise<number>;
  /** Burns the user's active one-time code(s) (too many wrong tries); returns how many. */
  burnOneTime(userId: number, now: number): Promise<number>;
  /** Stores a new active one-time code verifier. */
  insertOneTime(c: { userId: number; salt: Buffer; hash: Buffer; createdAt: number; expiresAt: number }): Promise<number>;
  /** Marks a one-time code used: compare-and-set on status active. True when this call redeemed it. */
  redeemOneTime(id: number, now: number): Promise<boolean>;
  /** Voids the user's active backup-code set(s); returns how many. */
  voidBackupSets(userId: number, now: number): Promise<number>;
  /** Stores a new active set with its code verifiers; returns the set id. */
  insertBackupSet(s: { userId: number; createdAt: number; codes: Array<{ salt: Buffer; hash: Buffer }> }): Promise<number>;
  /** Marks a backup code used: compare-and-set on used_at null. True when this call redeemed it. */
  redeemBackupCode(id: number, now: number): Promise<boolean>;
}
