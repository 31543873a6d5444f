import type { VerificationState } from '../../records.ts';
import type { VerificationRepo } from '../../repos/verification.ts';
import type { TxState } from '../tx-state.ts';

export class SqliteVerification implements VerificationRepo {
  private readonly s: TxState;
  constructor(s: TxState) {
    this.s = s;
  }

  async get(userId: number): Promise<VerificationState> {
    this.s.read();
    const r = this.s.stmt('SELECT failures, locked_at, locked_until FROM verification_state WHERE user_id = ?').get(userId) as
      | { failures: number; locked_at: number | null; locked_until: number | null }
      | undefined;
    return r ? { failures: r.failures, lockedAt: r.locked_at, lockedUntil: r.locked_until } : { failures: 0, lockedAt: null, lockedUntil: null };
  }

  async set(userId: number, st: VerificationState): Promise<void> {
    this.s.write();
    this.s
      .stmt(
        `INSERT INTO verification_state (user_id, failures, locked_at, locked_until) VALUES (?, ?, ?, ?)
         ON CONFLICT(user_id) DO UPDATE SET failures = excluded.failures, locked_at = excluded.locked_at, locked_until = excluded.locked_until`,
      )
      .run(userId, st.failures, st.lockedAt, st.lockedUntil);
  }

  async getUnknown(emailKey: string): Promise<VerificationState> {
    this.s.read();
    const r = this.s.stmt('SELECT failures, locked_at, locked_until FROM verification_unknown WHERE email_key = ?').get(emailKey) as
      | { failures: number; locked_at: number | null; locked_until: number | null }
      | undefined;
    return r ? { failures: r.failures, lockedAt: r.locked_at, lockedUntil: r.locked_until } : { failures: 0, lockedAt: null, lockedUntil: null };
  }

  async setUnknown(emailKey: string, st: VerificationState): Promise<void> {
    this.s.write();
    this.s
      .stmt(
        `INSERT INTO verification_unknown (email_key, failures, locked_at, locked_until) VALUES (?, ?, ?, ?)
         ON CONFLICT(email_key) DO UPDATE SET failures = excluded.failures, locked_at = excluded.locked_at, locked_until = excluded.locked_until`,
      )
      .run(emailKey, st.failures, st.lockedAt, st.lockedUntil);
  }
}
