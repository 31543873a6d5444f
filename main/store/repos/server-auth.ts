import type { KdfParams } from '../../core/crypto.ts';
import type { OperatorRecord } from '../records.ts';

/**
 * What a server keeps to let operators in: the operator's password verifier, their second
 * factor (a TOTP secret sealed by the service layer, never stored in clear), sessions (by the
 * hash of their token, so every server instance knows them and a dump holds no usable token)
 * and the sign-in throttle per typed name. Only stores that run behind `factordesk serve` have it.
 */
export interface PasswordVerifier {
  salt: Buffer;
  kdf: KdfParams;
  verifier: Buffer;
  /** When this password was set: sessions from before it end. */
  createdAt: number;
}

export interface SecondFactorRecord {
  /** The sealed secret as the service layer wrote it (JSON of an AES-GCM box). */
  sealed: string;
  /** The last TOTP step accepted (compare-and-set: a step is used once, never an older one). */
  lastStep: number | null;
  createdAt: number;
}

export interface ServerSessionRecord {
  tokenHash: string;
  operatorId: string;
  role: 'agent' | 'admin';
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  revokedAt: number | null;
}

export interface SignInState {
  failures: number;
  lastFailureAt: number | null;
  lockedUntil: number | null;
}

/** A user's enrollment code for self-enrollment: only its salted HMAC is kept. */
export interface EnrollmentCodeRecord {
  userId: number;
  salt: Buffer;
  verifier: Buffer;
  createdAt: number;
  expiresAt: number;
  createdBy: string;
  usedAt: number | null;
}

/** A browser session of the enrollment page, bound to one pending enrollment. */
export interface SelfEnrollmentSessionRecord {
  tokenHash: string;
  userId: number;
  enrollmentId: number;
  csrfHash: string;
  createdAt: number;
  expiresAt: number;
  doneAt: number | null;
}

export interface ServerAuthRead {
  /** The user's enrollment code (used or not); null when none was issued. */
  enrollmentCode(userId: number): Promise<EnrollmentCodeRecord | null>;
  selfEnrollmentSession(tokenHash: string): Promise<SelfEnrollmentSessionRecord | null>;
  passwordVerifier(operatorId: string): Promise<PasswordVerifier | null>;
  secondFactor(operatorId: string): Promise<SecondFactorRecord | null>;
  session(tokenHash: string): Promise<ServerSessionRecord | null>;
  /**
   * A session with what deciding on it needs, in one lookup (every request asks): the operator's
   * row and when their password and second factor were last set (null when they have none).
   */
  sessionView(tokenHash: string): Promise<{ session: ServerSessionRecord; operator: OperatorRecord | null; passwordSetAt: number | null; secondFactorSetAt: number | null } | null>;
  signInState(nameKey: string): Promise<SignInState>;
  /** Every signed chain head, oldest first (count, hash, time, signature; the store id is the store's own). */
  signedHeads(): Promise<Array<{ count: number; hash: string; at: number; sig: string }>>;
  /** A service client (a service key of the store): its label and the hash of its secret; null when unknown. */
  serviceClient(clientId: string): Promise<{ label: string; verifier: Buffer } | null>;
}

export interface ServerAuthRepo extends ServerAuthRead {
  /**
   * Sets an operator's password verifier as it is (replacing theirs): for `server init` on a vault
   * folder whose admin signed in to it with their password. Other password changes go through
   * `tx.credentials` (which keeps the verifier of a server's store in step).
   */
  setPasswordVerifier(operatorId: string, v: PasswordVerifier): Promise<void>;
  /** Sets (or replaces) an operator's second factor; its step history starts over. */
  setSecondFactor(operatorId: string, sealed: string, at: number): Promise<void>;
  removeSecondFactor(operatorId: string): Promise<void>;
  /** Records `step` as used when it is later than the last one; false when it is not (a replay or an older code). */
  useSecondFactorStep(operatorId: string, step: number): Promise<boolean>;
  createSession(s: ServerSessionRecord): Promise<void>;
  /** Moves a live session's last activity forward. */
  touchSession(tokenHash: string, at: number): Promise<void>;
  revokeSession(tokenHash: string, at: number): Promise<void>;
  /** Ends every live session of an operator; returns how many. */
  revokeOperatorSessions(operatorId: string, at: number): Promise<number>;
  setSignInState(nameKey: string, s: SignInState): Promise<void>;
  /** Sets the user's one enrollment code, replacing (voiding) an earlier one; true when one was replaced. */
  setEnrollmentCode(r: EnrollmentCodeRecord): Promise<boolean>;
  /** Marks the code used when it is unused and unexpired (compare-and-set); false otherwise. */
  useEnrollmentCode(userId: number, at: number): Promise<boolean>;
  createSelfEnrollmentSession(r: SelfEnrollmentSessionRecord): Promise<void>;
  /** Marks a live session done (compare-and-set); false when it already was. */
  finishSelfEnrollmentSession(tokenHash: string, at: number): Promise<boolean>;
  addSignedHead(h: { count: number; hash: string; at: number; sig: string }): Promise<void>;
}
