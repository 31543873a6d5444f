import type { VerificationState } from '../../records.ts';
import type { ClientVerificationState, VerificationRepo, VerificationSubject } from '../../repos/verification.ts';
import { toUserRecord, USER_COLUMNS, type UserRow } from '../../rows.ts';
import type { PgTxState } from '../tx-state.ts';

/** The two throttle tables have the same columns; only the key differs. Both are keyed by (key, client). */
type Table = { name: 'verification_state'; key: 'user_id' } | { name: 'verification_unknown'; key: 'email_key' };
const KNOWN: Table = { name: 'verification_state', key: 'user_id' };
const UNKNOWN: Table = { name: 'verification_unknown', key: 'email_key' };

type Row = { client: string; failures: number; locked_at: number | null; locked_until: number | null };

type SecretJson = { id: number; status: 'active' | 'pending'; secret: string; sheet_id: string | null; last_step: number | null; setup_deadline: number | null };

/**
 * The user by email key with its states and authenticators in one statement: the lists as JSON
 * (the secret boxes as hex), each in the order list() and secretsForUser() give.
 */
const SUBJECT = `SELECT ${USER_COLUMNS},
  (SELECT coalesce(json_agg(json_build_object('client', v.client, 'failures', v.failures, 'locked_at', v.locked_at, 'locked_until', v.locked_until) ORDER BY v.client), '[]'::json)
     FROM verification_state v WHERE v.user_id = users.id) AS states,
  (SELECT coalesce(json_agg(json_build_object('id', a.id, 'status', a.status, 'secret', encode(a.secret, 'hex'), 'sheet_id', a.sheet_id, 'last_step', a.last_step, 'setup_deadline', a.setup_deadline) ORDER BY a.id), '[]'::json)
     FROM authenticators a WHERE a.user_id = users.id AND a.status IN ('active', 'pending')) AS secrets
  FROM users WHERE email_identity = $1`;

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

  async subjectByEmailKey(emailKey: string): Promise<VerificationSubject | null> {
    const r = await this.s.row<UserRow & { states: Row[]; secrets: SecretJson[] }>(SUBJECT, [emailKey]);
    if (!r) return null;
    return {
      user: toUserRecord(r),
      states: r.states.map((v) => ({ client: v.client, failures: v.failures, lockedAt: v.locked_at, lockedUntil: v.locked_until })),
      secrets: r.secrets.map((a) => ({ id: a.id, status: a.status, secret: Buffer.from(a.secret, 'hex'), sheetId: a.sheet_id, lastStep: a.last_step, setupDeadline: a.setup_deadline })),
    };
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
