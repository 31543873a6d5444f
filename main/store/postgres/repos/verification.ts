import type { VerificationState } from '../../records.ts';
import type { VerificationRepo } from '../../repos/verification.ts';
import type { PgTxState } from '../tx-state.ts';

export class PgVerification implements VerificationRepo {
  private readonly s: PgTxState;
  constructor(s: PgTxState) {
    this.s = s;
  }

  async get(userId: number): Promise<VerificationState> {
    const r = await this.s.row<{ failures: number; locked_at: number | null; locked_until: number | null }>('SELECT failures, locked_at, locked_until FROM verification_state WHERE user_id = $1', [userId]);
    return r ? { failures: r.failures, lockedAt: r.locked_at, lockedUntil: r.locked_until } : { failures: 0, lockedAt: null, lockedUntil: null };
  }

  /**
   * Replaces the state. Failure counting is read-then-set in the service; two writers counting
   * at once cannot lose an update because writes are SERIALIZABLE (the later one is retried).
   */
  async set(userId: number, st: VerificationState): Promise<void> {
    await this.s.change(
      `INSERT INTO verification_state (user_id, failures, locked_at, locked_until) VALUES ($1, $2, $3, $4)
       ON CONFLICT (user_id) DO UPDATE SET failures = excluded.failures, locked_at = excluded.locked_at, locked_until = excluded.locked_until`,
      [userId, st.failures, st.lockedAt, st.lockedUntil],
    );
  }

  async getUnknown(emailKey: string): Promise<VerificationState> {
    const r = await this.s.row<{ failures: number; locked_at: number | null; locked_until: number | null }>('SELECT failures, locked_at, locked_until FROM verification_unknown WHERE email_key = $1', [emailKey]);
    return r ? { failures: r.failures, lockedAt: r.locked_at, lockedUntil: r.locked_until } : { failures: 0, lockedAt: null, lockedUntil: null };
  }

  async setUnknown(emailKey: string, st: VerificationState): Promise<void> {
    await this.s.change(
      `INSERT INTO verification_unknown (email_key, failures, locked_at, locked_until) VALUES ($1, $2, $3, $4)
       ON CONFLICT (email_key) DO UPDATE SET failures = excluded.failures, locked_at = excluded.locked_at, locked_until = excluded.locked_until`,
      [emailKey, st.failures, st.lockedAt, st.lockedUntil],
    );
  }
}
