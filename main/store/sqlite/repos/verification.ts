import type { VerificationState } from '../../records.ts';
import type { VerificationRepo } from '../../repos/verification.ts';
import type { TxState } from '../tx-state.ts';

/** The two throttle tables have the same columns; only the key differs. */
type Table = { name: 'verification_state'; key: 'user_id' } | { name: 'verification_unknown'; key: 'email_key' };
const KNOWN: Table = { name: 'verification_state', key: 'user_id' };
const UNKNOWN: Table = { name: 'verification_unknown', key: 'email_key' };

export class SqliteVerification implements VerificationRepo {
  private readonly s: TxState;
  constructor(s: TxState) {
    this.s = s;
  }

  async get(userId: number): Promise<VerificationState> {
    return this.read(KNOWN, userId);
  }

  async set(userId: number, st: VerificationState): Promise<void> {
    this.write(KNOWN, userId, st);
  }

  async getUnknown(emailKey: string): Promise<VerificationState> {
    return this.read(UNKNOWN, emailKey);
  }

  async setUnknown(emailKey: string, st: VerificationState): Promise<void> {
    this.write(UNKNOWN, emailKey, st);
  }

  private read(t: Table, key: number | string): VerificationState {
    this.s.read();
    const r = this.s.stmt(`SELECT failures, locked_at, locked_until FROM ${t.name} WHERE ${t.key} = ?`).get(key) as
      | { failures: number; locked_at: number | null; locked_until: number | null }
      | undefined;
    return r ? { failures: r.failures, lockedAt: r.locked_at, lockedUntil: r.locked_until } : { failures: 0, lockedAt: null, lockedUntil: null };
  }

  private write(t: Table, key: number | string, st: VerificationState): void {
    this.s.write();
    this.s
      .stmt(
        `INSERT INTO ${t.name} (${t.key}, failures, locked_at, locked_until) VALUES (?, ?, ?, ?)
         ON CONFLICT(${t.key}) DO UPDATE SET failures = excluded.failures, locked_at = excluded.locked_at, locked_until = excluded.locked_until`,
      )
      .run(key, st.failures, st.lockedAt, st.lockedUntil);
  }
}
