import type { KdfParams } from '../../../core/crypto.ts';
import type { EnrollmentCodeRecord, PasswordVerifier, SecondFactorRecord, SelfEnrollmentSessionRecord, ServerAuthRepo, ServerSessionRecord, SignInState } from '../../repos/server-auth.ts';
import type { PgTxState } from '../tx-state.ts';
import type { OperatorRecord } from '../../records.ts';
import { OPERATOR_COLUMNS, toOperatorRecord, type OperatorRow } from '../../rows.ts';

export class PgServerAuth implements ServerAuthRepo {
  private readonly s: PgTxState;
  constructor(s: PgTxState) {
    this.s = s;
  }

  async passwordVerifier(operatorId: string): Promise<PasswordVerifier | null> {
    const r = await this.s.row<{ salt: Buffer; kdf: string; verifier: Buffer; created_at: number }>('SELECT salt, kdf, verifier, created_at FROM operator_credentials WHERE operator_id = $1', [operatorId]);
    return r ? { salt: r.salt, kdf: JSON.parse(r.kdf) as KdfParams, verifier: r.verifier, createdAt: r.created_at } : null;
  }

  async setPasswordVerifier(operatorId: string, v: PasswordVerifier): Promise<void> {
    await this.s.change(
      `INSERT INTO operator_credentials (operator_id, salt, kdf, verifier, created_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (operator_id) DO UPDATE SET salt = excluded.salt, kdf = excluded.kdf, verifier = excluded.verifier, created_at = excluded.created_at`,
      [operatorId, v.salt, JSON.stringify(v.kdf), v.verifier, v.createdAt],
    );
  }

  async secondFactor(operatorId: string): Promise<SecondFactorRecord | null> {
    const r = await this.s.row<{ sealed: string; last_step: number | null; created_at: number }>('SELECT sealed, last_step, created_at FROM operator_second_factors WHERE operator_id = $1', [operatorId]);
    return r ? { sealed: r.sealed, lastStep: r.last_step, createdAt: r.created_at } : null;
  }

  async session(tokenHash: string): Promise<ServerSessionRecord | null> {
    const r = await this.s.row<{ token_hash: string; operator_id: string; role: 'agent' | 'admin'; created_at: number; last_seen_at: number; expires_at: number; revoked_at: number | null }>(
      'SELECT token_hash, operator_id, role, created_at, last_seen_at, expires_at, revoked_at FROM server_sessions WHERE token_hash = $1',
      [tokenHash],
    );
    return r
      ? { tokenHash: r.token_hash, operatorId: r.operator_id, role: r.role, createdAt: r.created_at, lastSeenAt: r.last_seen_at, expiresAt: r.expires_at, revokedAt: r.revoked_at }
      : null;
  }

  async sessionView(tokenHash: string): Promise<{ session: ServerSessionRecord; operator: OperatorRecord | null; passwordSetAt: number | null; secondFactorSetAt: number | null } | null> {
    const cols = OPERATOR_COLUMNS.split(', ').map((c) => `o.${c}`).join(', ');
    // Every request of a session runs this: a prepared statement (its text is a constant).
    const [r] = await this.s.preparedRows<
      OperatorRow & { token_hash: string; operator_id: string; s_role: 'agent' | 'admin'; s_created_at: number; last_seen_at: number; expires_at: number; revoked_at: number | null; password_set_at: number | null; factor_set_at: number | null; o_id: string | null }
    >(
      `SELECT s.token_hash, s.operator_id, s.role AS s_role, s.created_at AS s_created_at, s.last_seen_at, s.expires_at, s.revoked_at,
              c.created_at AS password_set_at, f.created_at AS factor_set_at, o.id AS o_id, ${cols}
         FROM server_sessions s
         LEFT JOIN operators o ON o.id = s.operator_id
         LEFT JOIN operator_credentials c ON c.operator_id = s.operator_id
         LEFT JOIN operator_second_factors f ON f.operator_id = s.operator_id
        WHERE s.token_hash = $1`,
      [tokenHash],
    );
    if (!r) return null;
    const session: ServerSessionRecord = { tokenHash: r.token_hash, operatorId: r.operator_id, role: r.s_role, createdAt: r.s_created_at, lastSeenAt: r.last_seen_at, expiresAt: r.expires_at, revokedAt: r.revoked_at };
    return { session, operator: r.o_id ? toOperatorRecord(r) : null, passwordSetAt: r.password_set_at, secondFactorSetAt: r.factor_set_at };
  }

  async signInState(nameKey: string): Promise<SignInState> {
    const r = await this.s.row<{ failures: number; last_failure_at: number | null; locked_until: number | null }>('SELECT failures, last_failure_at, locked_until FROM server_signin_state WHERE name_key = $1', [nameKey]);
    return r ? { failures: r.failures, lastFailureAt: r.last_failure_at, lockedUntil: r.locked_until } : { failures: 0, lastFailureAt: null, lockedUntil: null };
  }

  async signedHeads(): Promise<Array<{ count: number; hash: string; at: number; sig: string }>> {
    return this.s.rows<{ count: number; hash: string; at: number; sig: string }>('SELECT count, hash, at, sig FROM audit_signed_heads ORDER BY count, at');
  }

  async addSignedHead(h: { count: number; hash: string; at: number; sig: string }): Promise<void> {
    await this.s.change('INSERT INTO audit_signed_heads (count, hash, at, sig) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [h.count, h.hash, h.at, h.sig]);
  }

  async serviceClient(clientId: string): Promise<{ label: string; verifier: Buffer } | null> {
    // Read with the transaction's BEGIN (a shared commit): in the same snapshot, no round trip.
    const read = this.s.serviceKeys;
    if (read) return read.get(clientId) ?? null;
    const [r] = await this.s.preparedRows<{ label: string; verifier: Buffer }>('SELECT label, verifier FROM service_keys WHERE key_id = $1', [clientId]);
    return r ? { label: r.label, verifier: r.verifier } : null;
  }

  async setSecondFactor(operatorId: string, sealed: string, at: number): Promise<void> {
    await this.s.change(
      `INSERT INTO operator_second_factors (operator_id, sealed, last_step, created_at) VALUES ($1, $2, NULL, $3)
       ON CONFLICT (operator_id) DO UPDATE SET sealed = excluded.sealed, last_step = NULL, created_at = excluded.created_at`,
      [operatorId, sealed, at],
    );
  }

  async removeSecondFactor(operatorId: string): Promise<void> {
    await this.s.change('DELETE FROM operator_second_factors WHERE operator_id = $1', [operatorId]);
  }

  async useSecondFactorStep(operatorId: string, step: number): Promise<boolean> {
    const n = await this.s.change('UPDATE operator_second_factors SET last_step = $2 WHERE operator_id = $1 AND (last_step IS NULL OR last_step < $2)', [operatorId, step]);
    return n === 1;
  }

  async createSession(x: ServerSessionRecord): Promise<void> {
    await this.s.change('INSERT INTO server_sessions (token_hash, operator_id, role, created_at, last_seen_at, expires_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      x.tokenHash,
      x.operatorId,
      x.role,
      x.createdAt,
      x.lastSeenAt,
      x.expiresAt,
      x.revokedAt,
    ]);
  }

  async touchSession(tokenHash: string, at: number): Promise<void> {
    await this.s.change('UPDATE server_sessions SET last_seen_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL AND last_seen_at < $2', [tokenHash, at]);
  }

  async revokeSession(tokenHash: string, at: number): Promise<void> {
    await this.s.change('UPDATE server_sessions SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL', [tokenHash, at]);
  }

  async revokeOperatorSessions(operatorId: string, at: number): Promise<number> {
    return this.s.change('UPDATE server_sessions SET revoked_at = $2 WHERE operator_id = $1 AND revoked_at IS NULL', [operatorId, at]);
  }

  async setSignInState(nameKey: string, x: SignInState): Promise<void> {
    await this.s.change(
      `INSERT INTO server_signin_state (name_key, failures, last_failure_at, locked_until) VALUES ($1, $2, $3, $4)
       ON CONFLICT (name_key) DO UPDATE SET failures = excluded.failures, last_failure_at = excluded.last_failure_at, locked_until = excluded.locked_until`,
      [nameKey, x.failures, x.lastFailureAt, x.lockedUntil],
    );
  }

  async enrollmentCode(userId: number): Promise<EnrollmentCodeRecord | null> {
    const r = await this.s.row<{ user_id: number; salt: Buffer; verifier: Buffer; created_at: number; expires_at: number; created_by: string; used_at: number | null }>(
      'SELECT user_id, salt, verifier, created_at, expires_at, created_by, used_at FROM enrollment_codes WHERE user_id = $1',
      [userId],
    );
    return r ? { userId: Number(r.user_id), salt: r.salt, verifier: r.verifier, createdAt: r.created_at, expiresAt: r.expires_at, createdBy: r.created_by, usedAt: r.used_at } : null;
  }

  async setEnrollmentCode(x: EnrollmentCodeRecord): Promise<boolean> {
    const old = await this.s.row<{ used_at: number | null; expires_at: number }>('SELECT used_at, expires_at FROM enrollment_codes WHERE user_id = $1', [x.userId]);
    await this.s.change(
      `INSERT INTO enrollment_codes (user_id, salt, verifier, created_at, expires_at, created_by, used_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (user_id) DO UPDATE SET salt = excluded.salt, verifier = excluded.verifier, created_at = excluded.created_at,
         expires_at = excluded.expires_at, created_by = excluded.created_by, used_at = excluded.used_at`,
      [x.userId, x.salt, x.verifier, x.createdAt, x.expiresAt, x.createdBy, x.usedAt],
    );
    return !!old && old.used_at === null && old.expires_at > x.createdAt;
  }

  async useEnrollmentCode(userId: number, at: number): Promise<boolean> {
    return (await this.s.change('UPDATE enrollment_codes SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL AND expires_at > $2', [userId, at])) === 1;
  }

  async selfEnrollmentSession(tokenHash: string): Promise<SelfEnrollmentSessionRecord | null> {
    const r = await this.s.row<{ token_hash: string; user_id: number; enrollment_id: number; csrf_hash: string; created_at: number; expires_at: number; done_at: number | null }>(
      'SELECT token_hash, user_id, enrollment_id, csrf_hash, created_at, expires_at, done_at FROM self_enrollment_sessions WHERE token_hash = $1',
      [tokenHash],
    );
    return r
      ? { tokenHash: r.token_hash, userId: Number(r.user_id), enrollmentId: Number(r.enrollment_id), csrfHash: r.csrf_hash, createdAt: r.created_at, expiresAt: r.expires_at, doneAt: r.done_at }
      : null;
  }

  async createSelfEnrollmentSession(x: SelfEnrollmentSessionRecord): Promise<void> {
    await this.s.change('INSERT INTO self_enrollment_sessions (token_hash, user_id, enrollment_id, csrf_hash, created_at, expires_at, done_at) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      x.tokenHash,
      x.userId,
      x.enrollmentId,
      x.csrfHash,
      x.createdAt,
      x.expiresAt,
      x.doneAt,
    ]);
  }

  async finishSelfEnrollmentSession(tokenHash: string, at: number): Promise<boolean> {
    return (await this.s.change('UPDATE self_enrollment_sessions SET done_at = $2 WHERE token_hash = $1 AND done_at IS NULL', [tokenHash, at])) === 1;
  }
}
