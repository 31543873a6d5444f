import type { AuthenticatorSecret, UserRecord, VerificationState } from '../records.ts';

/**
 * The client key of a state kept before counting was per calling client (rows migrated by the
 * vault folder's 0013 and PostgreSQL's 0016): a client with no state of its own starts from it,
 * so a lock in force before the upgrade stays in force for every client.
 */
export const LEGACY_CLIENT = '*';

/** One calling client's state (its key, e.g. `service:<id>`, `radius:<id>`, `operator:<id>`, or LEGACY_CLIENT). */
export interface ClientVerificationState extends VerificationState {
  client: string;
}

/** What a verification by address starts from: the user, every client's state of that user, and its active and pending authenticators. */
export interface VerificationSubject {
  user: UserRecord;
  /** As list(user.id) gives them. */
  states: ClientVerificationState[];
  /** As authenticators.secretsForUser(user.id) gives them. */
  secrets: AuthenticatorSecret[];
}

/**
 * Failure counters and locks, per user and per calling client; and the same for an address that
 * is no user (by its folded key), also per client.
 */
export interface VerificationRead {
  /** The state of a user for one client (zero and unlocked when never set). */
  get(userId: number, client: string): Promise<VerificationState>;
  /** Every client's state of a user, by client key. */
  list(userId: number): Promise<ClientVerificationState[]>;
  /**
   * The user whose email key (users.getByEmailKey) this is, with its states and authenticators,
   * read together (a store over a network answers in one round trip); null when no user has it.
   */
  subjectByEmailKey(emailKey: string): Promise<VerificationSubject | null>;
  /** The state of an address that belongs to no user, by its folded email key, for one client (zero and unlocked when never set). */
  getUnknown(emailKey: string, client: string): Promise<VerificationState>;
  /** Every client's state of an address that belongs to no user, by client key. */
  listUnknown(emailKey: string): Promise<ClientVerificationState[]>;
}

export interface VerificationRepo extends VerificationRead {
  /** Replaces the state of a user for one client. */
  set(userId: number, client: string, state: VerificationState): Promise<void>;
  /** Removes every client's state of a user (counters back to zero, no lock); returns how many there were. */
  clear(userId: number): Promise<number>;
  /** Replaces the state of an address that belongs to no user (folded email key) for one client. */
  setUnknown(emailKey: string, client: string, state: VerificationState): Promise<void>;
}
