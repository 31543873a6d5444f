import type { VerificationState } from '../../records.ts';
import type { VerificationRepo } from '../../repos/verification.ts';
import type { PgTxState } from '../tx-state.ts';

/** The two throttle tables have the same columns; only the key differs. */
type Table = { name: 'verification_state'; key: 'user_id' } | { name: 'verification_unknown'; key: 'email_key' };
const KNOWN: Table = { name: 'verification_state', key: 'user_id' };
const UNKNOWN: Table = { name: 'verification_unknown', key: 'email_key' };

export class PgVerification implements VerificationRepo {
  private readonly s: PgTxState;
  constructor(s: PgTxState) {
    this.s = s;
  }

  get(userId: number): Promise<VerificationState> {
    return this.read(KNOWN, userId);
  }

  /**
   * Replaces the state. Failure counting is read-then-set in the service; two writers counting
   * at once cannot lose an update because writes are SERIALIZABLE (the later one is retried).
   */
  set(userId: number, st: VerificationState): Promise<void> {
    return this.write(KNOWN, userId, st);
  }

  getUnknown(emailKey: string): Promise<VerificationState> {
    return this.read(UNKNOWN, emailKey);
  }

  setUnknown(emailKey: string, st: VerificationState): Promise<void> {
    return this.write(UNKNOWN, emailKey, st);
  }

  private async read(t: Table, key: number | string): Promise<VerificationState> {
    const r = await this.s.row<{ failures: number; locked_at: number | null; locked_until: number | null }>(`SELECT failures, locked_at, locked_until FROM ${t.name} WHERE ${t.key} = $1`, [key]);
    return r ? { failures: r.failures, lockedAt: r.locked_at, lockedUntil: r.locked_until } : { failures: 0, lockedAt: null, lockedUntil: null };
  }

  private async write(t: Table, key: number | string, st: VerificationState): Promise<void> {
    await this.s.change(
      `INSERT INTO ${t.name} (${t.key}, failures, locked_at, locked_until) VALUES ($1, $2, $3, $4)
       ON CONFLICT (${t.key}) DO UPDATE SET failures = excluded.failures, locked_at = excluded.locked_at, locked_until = excluded.locked_until`,
      [key, st.failures, st.lockedAt, st.lockedUntil],
    );
  }
}
