/**
 * What the storage port hands to services: plain records in camelCase, never a row object, a
 * statement or a handle. Every store (the vault folder, PostgreSQL) returns these shapes.
 */

/** The stored fields of a user a writer supplies (keys folded by the caller). */
export interface UserFieldsRecord {
  externalId: string | null;
  email: string;
  /**
   * The identity key (identityKey: simple case folding, unique). The store keeps the looser
   * search key (foldKey of the email) beside it itself, for the type-ahead.
   */
  emailKey: string;
  name: string;
  nameKey: string;
  phone: string | null;
  organization: string | null;
  status: 'active' | 'disabled';
}

/** A directory user as stored. */
export interface UserRecord extends UserFieldsRecord {
  id: number;
  createdAt: number;
  updatedAt: number;
}

/** What a lookup list shows. */
export interface UserSummaryRecord {
  id: number;
  email: string;
  name: string;
  organization: string | null;
  status: 'active' | 'disabled';
}

/** A user's consecutive-failure counter and lock. */
export interface VerificationState {
  failures: number;
  lockedAt: number | null;
  lockedUntil: number | null;
}

export type AuthenticatorStatus = 'pending' | 'active' | 'revoked' | 'voided' | 'lapsed';

/** An authenticator row without its secret (what a summary may read). */
export interface AuthenticatorInfo {
  id: number;
  status: AuthenticatorStatus;
  sheetId: string | null;
  createdAt: number;
  createdBy: string | null;
  setupDeadline: number | null;
  activatedAt: number | null;
  lastUsedAt: number | null;
}

/** An active or pending authenticator with its sealed secret and last accepted step (for verification). */
export interface AuthenticatorSecret {
  id: number;
  status: 'active' | 'pending';
  /** The secret as the service sealed it (a box of main/core/value-cipher.ts), never in clear. */
  secret: Buffer;
  /** Part of where the secret is bound (its additional data). */
  sheetId: string | null;
  lastStep: number | null;
  /** A pending enrollment's deadline for its first code (epoch ms); null for an active one. */
  setupDeadline: number | null;
}

/** A pending enrollment with its sealed secret (for the sheet and the key read aloud). */
export interface PendingEnrollment {
  id: number;
  /** The secret as the service sealed it (a box), never in clear. */
  secret: Buffer;
  sheetId: string;
  createdAt: number;
  createdBy: string | null;
  setupDeadline: number;
}

/** A stored code verifier: salt and hash (one-time code). */
export interface OneTimeCodeRecord {
  id: number;
  salt: Buffer;
  hash: Buffer;
  status: 'active' | 'used' | 'voided' | 'burned';
  expiresAt: number;
}

/** One code of a user's active backup-code set. */
export interface BackupCodeRecord {
  id: number;
  salt: Buffer;
  hash: Buffer;
  usedAt: number | null;
}

/** What a user's SMS factor may be used for: sign-in only, or sign-in and approving payments. */
export type SmsPurpose = 'login' | 'approvals';

/** The SMS factor of a user. */
export interface SmsRecord {
  phone: string;
  verified: boolean;
  purpose: SmsPurpose;
}

/** A queued notification. */
export interface OutboxRecord {
  id: number;
  userId: number;
  email: string;
  kind: string;
  subject: string;
  body: string;
  createdAt: number;
  exportedAt: number | null;
  /** When a relay took it (SMTP delivery); a delivered item is not exported, and the reverse. */
  deliveredAt: number | null;
  /** Delivery attempts made so far. */
  attempts: number;
  /** When the next delivery attempt is due (null: at once). */
  nextAttemptAt: number | null;
  /** The last delivery failure in a few words (never a password). */
  lastError: string | null;
}

/** An operator account as stored (no key material). */
export interface OperatorRecord {
  id: string;
  name: string;
  /** The sign-in name folded for comparison (unique among operators that are not removed). */
  nameKey: string;
  displayName: string;
  email: string | null;
  emailKey: string | null;
  /** The operator's own directory user (nobody acts on their own account); null when not linked. */
  userId: number | null;
  role: 'agent' | 'admin';
  status: 'active' | 'disabled' | 'removed';
  createdAt: number;
  updatedAt: number;
}
