import type { UserFieldsRecord, UserRecord } from '../records.ts';

export type { UserFieldsRecord };

/** Reading directory users. */
export interface UsersRead {
  /** The user with this id; null when there is none. */
  get(id: number): Promise<UserRecord | null>;
  /** The user whose identity key is `emailKey`; null when there is none. */
  getByEmailKey(emailKey: string): Promise<UserRecord | null>;
  /**
   * A user other than `exceptId` whose email has the same search key (foldKey) as `email`: a
   * near-duplicate of the address (`strasse@` for `straße@`); the lowest id when several, null when none.
   */
  lookalikeOf(email: string, exceptId: number): Promise<{ id: number; email: string } | null>;
  /** The user with this external (HR) id; null when there is none. */
  getByExternalId(externalId: string): Promise<UserRecord | null>;
  /** Number of users in the directory. */
  count(): Promise<number>;
}

/**
 * Changing directory users (write transactions only). The store keeps whatever it needs for the
 * type-ahead (name words) in step with every insert and update itself.
 */
export interface UsersRepo extends UsersRead {
  /**
   * Adds a user (created and updated at `at`); returns its id, or null when the identity key or
   * the external id already belongs to a user (then nothing is written). The store derives the
   * search key from the email itself.
   */
  insert(fields: UserFieldsRecord, at: number): Promise<number | null>;
  /** Replaces every field of user `id` and sets its update time to `at`. */
  update(id: number, fields: UserFieldsRecord, at: number): Promise<void>;
}
