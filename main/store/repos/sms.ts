import type { SmsPurpose, SmsRecord } from '../records.ts';

/** The SMS factor of a user (stored, never sent). */
export interface SmsRead {
  get(userId: number): Promise<SmsRecord | null>;
}

export interface SmsRepo extends SmsRead {
  /** Sets the user's SMS factor (adds it, or replaces its number, purpose and verified flag). */
  set(userId: number, sms: { phone: string; purpose: SmsPurpose; verified: boolean }, now: number): Promise<void>;
  /** Removes the user's SMS factor; true when there was one. */
  remove(userId: number): Promise<boolean>;
}
