import type { VerificationState } from '../../records.ts';
import type { ClientVerificationState, VerificationRepo } from '../../repos/verification.ts';
import type { PgTxState } from '../tx-state.ts';

/** The two throttle tables have the same columns; only the key differs. Both are keyed by (key, client). */
type Table = { name: 'verification_state'; key: 'user_id' } | { name: 'verification_unknown'; key: 'email_key' };
const KNOWN: Table = { name: 'verification_state', key: 'user_id' };
const UNKNOWN: Table = { name: 'verification_unknown', key: 'email_key' };

type Row = { client: string; failures: number; locked_at: number | null; locked_until: number | null };

export class PgVerification implements VerificationRepo {
  private readonly s: PgTxState;
  constructor(s: PgTxState) {
    this.s = s;
  }

  get(userId: number, client: string): Promise<VerificationState> {
    return this.read(KNOWN, userId, client);
  }

  list(userId: number): Promise<ClientVerificationState[]> {
    return this.all(KNOWN, userId);
  }

  /**
   * Replaces the state. Failure counting is read-then-set in the service; two writers counting
   * at once cannot lose an update because writes are SERIALIZABLE (the later one is retried).
   */
  set(userId: number, client: string, st: VerificationState): Promise<void> {
    return this.write(KNOWN, userId, client, st);
  }

  clear(userId: number): Promise<number> {
    return this.s.change('DELETE FROM verification_state WHERE user_id = $1', [userId]);
  }

  getUnknown(emailKey: string, client: string): Promise<VerificationState> {
    return this.read(UNKNOWN, emailKey, client);
  }

  listUnknown(emailKey: string): Promise<ClientVerificationState[]> {
    return this.all(UNKNOWN, emailKey);
  }

  setUnknown(emailKey: string, client: string, st: VerificationState): Promise<void> {
    return this.write(UNKNOWN, emailKey, client, st);
  }

  private async read(t: Table, key: number | string, client: string): Promise<VerificationState> {
    const r = await this.s.row<Row>(`SELECT client, failures, locked_at, locked_until FROM ${t.name} WHERE ${t.key} = $1 AND client = $2`, [key, client]);
    return r ? { failures: r.failures, lockedAt: r.locked_at, lockedUntil: r.locked_until } : { failures: 0, lockedAt: null, lockedUntil: null };
  }

  private async all(t: Table, key: number | string): Promise<ClientVerificationState[]> {
    const rows = await this.s.rows<Row>(`SELECT client, failures, locked_at, locked_until FROM ${t.name} WHERE ${t.key} = $1 ORDER BY client`, [key]);
    return rows.map((r) => ({ client: r.client, failures: r.failures, lockedAt: r.locked_at, lockedUntil: r.locked_until }));
  }

  private async write(t: Table, key: number | string, client: string, st: VerificationState): Promise<void> {
    await this.s.change(
      `INSERT INTO ${t.name} (${t.key}, client, failures, locked_at, locked_until) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (${t.key}, client) DO UPDATE SET failures = excluded.failures, locked_at = excluded.locked_at, locked_until = excluded.locked_until`,
      [key, client, st.failures, st.lockedAt, st.lockedUntil],
    );
  }
}
