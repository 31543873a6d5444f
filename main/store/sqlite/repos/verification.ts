import type { VerificationState } from '../../records.ts';
import type { ClientVerificationState, VerificationRepo, VerificationSubject } from '../../repos/verification.ts';
import { SqliteAuthenticators } from './authenticators.ts';
import { SqliteUsers } from './users.ts';
import type { TxState } from '../tx-state.ts';

/** The two throttle tables have the same columns; only the key differs. Both are keyed by (key, client). */
type Table = { name: 'verification_state'; key: 'user_id' } | { name: 'verification_unknown'; key: 'email_key' };
const KNOWN: Table = { name: 'verification_state', key: 'user_id' };
const UNKNOWN: Table = { name: 'verification_unknown', key: 'email_key' };

type Row = { client: string; failures: number; locked_at: number | null; locked_until: number | null };
const ZERO: VerificationState = { failures: 0, lockedAt: null, lockedUntil: null };

export class SqliteVerification implements VerificationRepo {
  private readonly s: TxState;
  constructor(s: TxState) {
    this.s = s;
  }

  async get(userId: number, client: string): Promise<VerificationState> {
    return this.read(KNOWN, userId, client);
  }

  async list(userId: number): Promise<ClientVerificationState[]> {
    return this.all(KNOWN, userId);
  }

  async subjectByEmailKey(emailKey: string): Promise<VerificationSubject | null> {
    // In process, three statements cost no more than one.
    const user = await new SqliteUsers(this.s).getByEmailKey(emailKey);
    if (!user) return null;
    return { user, states: this.all(KNOWN, user.id), secrets: await new SqliteAuthenticators(this.s).secretsForUser(user.id) };
  }

  async set(userId: number, client: string, st: VerificationState): Promise<void> {
    this.write(KNOWN, userId, client, st);
  }

  async clear(userId: number): Promise<number> {
    this.s.write();
    return this.s.stmt('DELETE FROM verification_state WHERE user_id = ?').run(userId).changes;
  }

  async getUnknown(emailKey: string, client: string): Promise<VerificationState> {
    return this.read(UNKNOWN, emailKey, client);
  }

  async listUnknown(emailKey: string): Promise<ClientVerificationState[]> {
    return this.all(UNKNOWN, emailKey);
  }

  async setUnknown(emailKey: string, client: string, st: VerificationState): Promise<void> {
    this.write(UNKNOWN, emailKey, client, st);
  }

  private read(t: Table, key: number | string, client: string): VerificationState {
    this.s.read();
    const r = this.s.stmt(`SELECT client, failures, locked_at, locked_until FROM ${t.name} WHERE ${t.key} = ? AND client = ?`).get(key, client) as Row | undefined;
    return r ? { failures: r.failures, lockedAt: r.locked_at, lockedUntil: r.locked_until } : { ...ZERO };
  }

  private all(t: Table, key: number | string): ClientVerificationState[] {
    this.s.read();
    const rows = this.s.stmt(`SELECT client, failures, locked_at, locked_until FROM ${t.name} WHERE ${t.key} = ? ORDER BY client`).all(key) as Row[];
    return rows.map((r) => ({ client: r.client, failures: r.failures, lockedAt: r.locked_at, lockedUntil: r.locked_until }));
  }

  private write(t: Table, key: number | string, client: string, st: VerificationState): void {
    this.s.write();
    this.s
      .stmt(
        `INSERT INTO ${t.name} (${t.key}, client, failures, locked_at, locked_until) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(${t.key}, client) DO UPDATE SET failures = excluded.failures, locked_at = excluded.locked_at, locked_until = excluded.locked_until`,
      )
      .run(key, client, st.failures, st.lockedAt, st.lockedUntil);
  }
}
