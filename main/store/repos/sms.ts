import type { SmsRecord } from '../records.ts';

/** The SMS factor of a user (stored, never sent). */
export interface SmsRead {
  get(userId: number): Promise<SmsRecord | null>;
}

export interface SmsRepo extends SmsRead {
  /** Removes the user's SMS factor; true when there was one. */
  remove(userId: number): Promise<boolean>;
}
