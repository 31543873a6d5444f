import type { KdfParams } from '../../../core/crypto.ts';
import type { EnrollmentCodeRecord, PasswordVerifier, SecondFactorRecord, SelfEnrollmentSessionRecord, ServerAuthRepo, ServerSessionRecord, SignInState } from '../../repos/server-auth.ts';
import type { TxState } from '../tx-state.ts';
import type { OperatorRecord } from '../../records.ts';
import { OPERATOR_COLUMNS, toOperatorRecord, type OperatorRow } from '../../rows.ts';

interface SessionRow {
  token_hash: string;
  operator_id: string;
  role: 'agent' | 'admin';
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  revoked_at: number | null;
}
const SESSION_COLUMNS = 'token_hash, operator_id, role, created_at, last_seen_at, expires_at, revoked_at';
const sessionRecord = (r: SessionRow): ServerSessionRecord => ({ tokenHash: r.token_hash, operatorId: r.operator_id, role: r.role, createdAt: r.created_at, lastSeenAt: r.last_seen_at, expiresAt: r.expires_at, revokedAt: r.revoked_at });

/**
 * What a vault folder behind `factordesk serve` keeps to let operators in (as PgServerAuth):
 * password verifiers (written only once the vault is set up for a server), second factors sealed
 * by the service layer, sessions by token hash, the throttle, signed heads, self-enrollment.
 */
export class SqliteServerAuth implements ServerAuthRepo {
  private readonly s: TxState;
  constructor(s: TxState) {
    this.s = s;
  }

  async passwordVerifier(operatorId: string): Promise<PasswordVerifier | null> {
    this.s.read();
    const r = this.s.stmt('SELECT salt, kdf, verifier, created_at FROM operator_password_verifiers WHERE operator_id = ?').get(operatorId) as { salt: Buffer; kdf: string; verifier: Buffer; created_at: number } | undefined;
    return r ? { salt: r.salt, kdf: JSON.parse(r.kdf) as KdfParams, verifier: r.verifier, createdAt: r.created_at } : null;
  }

  async setPasswordVerifier(operatorId: string, v: PasswordVerifier): Promise<void> {
    this.s.write();
    this.s
      .stmt(
        `INSERT INTO operator_password_verifiers (operator_id, salt, kdf, verifier, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (operator_id) DO UPDATE SET salt = excluded.salt, kdf = excluded.kdf, verifier = excluded.verifier, created_at = excluded.created_at`,
      )
      .run(operatorId, v.salt, JSON.stringify(v.kdf), v.verifier, v.createdAt);
  }

  async secondFactor(operatorId: string): Promise<SecondFactorRecord | null> {
    this.s.read();
    const r = this.s.stmt('SELECT sealed, last_step, created_at FROM operator_second_factors WHERE operator_id = ?').get(operatorId) as { sealed: string; last_step: number | null; created_at: number } | undefined;
    return r ? { sealed: r.sealed, lastStep: r.last_step, createdAt: r.created_at } : null;
  }

  async session(tokenHash: string): Promise<ServerSessionRecord | null> {
    this.s.read();
    const r = this.s.stmt(`SELECT ${SESSION_COLUMNS} FROM server_sessions WHERE token_hash = ?`).get(tokenHash) as SessionRow | undefined;
    return r ? sessionRecord(r) : null;
  }

  async sessionView(tokenHash: string): Promise<{ session: ServerSessionRecord; operator: OperatorRecord | null; passwordSetAt: number | null; secondFactorSetAt: number | null } | null> {
    this.s.read();
    const cols = OPERATOR_COLUMNS.split(', ').map((c) => `o.${c}`).join(', ');
    const r = this.s
      .stmt(
        `SELECT s.token_hash, s.operator_id, s.role AS s_role, s.created_at AS s_created_at, s.last_seen_at, s.expires_at, s.revoked_at,
                c.created_at AS password_set_at, f.created_at AS factor_set_at, o.id AS o_id, ${cols}
           FROM server_sessions s
           LEFT JOIN operators o ON o.id = s.operator_id
           LEFT JOIN operator_password_verifiers c ON c.operator_id = s.operator_id
           LEFT JOIN operator_second_factors f ON f.operator_id = s.operator_id
          WHERE s.token_hash = ?`,
      )
      .get(tokenHash) as
      | (OperatorRow & { token_hash: string; operator_id: string; s_role: 'agent' | 'admin'; s_created_at: number; last_seen_at: number; expires_at: number; revoked_at: number | null; password_set_at: number | null; factor_set_at: number | null; o_id: string | null })
      | undefined;
    if (!r) return null;
    const session: ServerSessionRecord = { tokenHash: r.token_hash, operatorId: r.operator_id, role: r.s_role, createdAt: r.s_created_at, lastSeenAt: r.last_seen_at, expiresAt: r.expires_at, revokedAt: r.revoked_at };
    return { session, operator: r.o_id ? toOperatorRecord(r) : null, passwordSetAt: r.password_set_at, secondFactorSetAt: r.factor_set_at };
  }

  async signInState(nameKey: string): Promise<SignInState> {
    this.s.read();
    const r = this.s.stmt('SELECT failures, last_failure_at, locked_until FROM server_signin_state WHERE name_key = ?').get(nameKey) as { failures: number; last_failure_at: number | null; locked_until: number | null } | undefined;
    return r ? { failures: r.failures, lastFailureAt: r.last_failure_at, lockedUntil: r.locked_until } : { failures: 0, lastFailureAt: null, lockedUntil: null };
  }

  async signedHeads(): Promise<Array<{ count: number; hash: string; at: number; sig: string }>> {
    this.s.read();
    return this.s.stmt('SELECT count, hash, at, sig FROM audit_signed_heads ORDER BY count, at').all() as Array<{ count: number; hash: string; at: number; sig: string }>;
  }

  async addSignedHead(h: { count: number; hash: string; at: number; sig: string }): Promise<void> {
    this.s.write();
    this.s.stmt('INSERT INTO audit_signed_heads (count, hash, at, sig) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING').run(h.count, h.hash, h.at, h.sig);
  }

  async serviceClient(clientId: string): Promise<{ label: string; verifier: Buffer } | null> {
    this.s.read();
    const r = this.s.stmt('SELECT label, verifier FROM service_clients WHERE key_id = ?').get(clientId) as { label: string; verifier: Buffer } | undefined;
    return r ? { label: r.label, verifier: r.verifier } : null;
  }

  async setSecondFactor(operatorId: string, sealed: string, at: number): Promise<void> {
    this.s.write();
    this.s
      .stmt(
        `INSERT INTO operator_second_factors (operator_id, sealed, last_step, created_at) VALUES (?, ?, NULL, ?)
         ON CONFLICT (operator_id) DO UPDATE SET sealed = excluded.sealed, last_step = NULL, created_at = excluded.created_at`,
      )
      .run(operatorId, sealed, at);
  }

  async removeSecondFactor(operatorId: string): Promise<void> {
    this.s.write();
    this.s.stmt('DELETE FROM operator_second_factors WHERE operator_id = ?').run(operatorId);
  }

  async useSecondFactorStep(operatorId: string, step: number): Promise<boolean> {
    this.s.write();
    return this.s.stmt('UPDATE operator_second_factors SET last_step = ? WHERE operator_id = ? AND (last_step IS NULL OR last_step < ?)').run(step, operatorId, step).changes === 1;
  }

  async createSession(x: ServerSessionRecord): Promise<void> {
    this.s.write();
    this.s.stmt(`INSERT INTO server_sessions (${SESSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`).run(x.tokenHash, x.operatorId, x.role, x.createdAt, x.lastSeenAt, x.expiresAt, x.revokedAt);
  }

  async touchSession(tokenHash: string, at: number): Promise<void> {
    this.s.write();
    this.s.stmt('UPDATE server_sessions SET last_seen_at = ? WHERE token_hash = ? AND revoked_at IS NULL AND last_seen_at < ?').run(at, tokenHash, at);
  }

  async revokeSession(tokenHash: string, at: number): Promise<void> {
    this.s.write();
    this.s.stmt('UPDATE server_sessions SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL').run(at, tokenHash);
  }

  async revokeOperatorSessions(operatorId: string, at: number): Promise<number> {
    this.s.write();
    return this.s.stmt('UPDATE server_sessions SET revoked_at = ? WHERE operator_id = ? AND revoked_at IS NULL').run(at, operatorId).changes;
  }

  async setSignInState(nameKey: string, x: SignInState): Promise<void> {
    this.s.write();
    this.s
      .stmt(
        `INSERT INTO server_signin_state (name_key, failures, last_failure_at, locked_until) VALUES (?, ?, ?, ?)
         ON CONFLICT (name_key) DO UPDATE SET failures = excluded.failures, last_failure_at = excluded.last_failure_at, locked_until = excluded.locked_until`,
      )
      .run(nameKey, x.failures, x.lastFailureAt, x.lockedUntil);
  }

  async enrollmentCode(userId: number): Promise<EnrollmentCodeRecord | null> {
    this.s.read();
    const r = this.s.stmt('SELECT user_id, salt, verifier, created_at, expires_at, created_by, used_at FROM enrollment_codes WHERE user_id = ?').get(userId) as
      | { user_id: number; salt: Buffer; verifier: Buffer; created_at: number; expires_at: number; created_by: string; used_at: number | null }
      | undefined;
    return r ? { userId: r.user_id, salt: r.salt, verifier: r.verifier, createdAt: r.created_at, expiresAt: r.expires_at, createdBy: r.created_by, usedAt: r.used_at } : null;
  }

  async setEnrollmentCode(x: EnrollmentCodeRecord): Promise<boolean> {
    this.s.write();
    const old = this.s.stmt('SELECT used_at, expires_at FROM enrollment_codes WHERE user_id = ?').get(x.userId) as { used_at: number | null; expires_at: number } | undefined;
    this.s
      .stmt(
        `INSERT INTO enrollment_codes (user_id, salt, verifier, created_at, expires_at, created_by, used_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (user_id) DO UPDATE SET salt = excluded.salt, verifier = excluded.verifier, created_at = excluded.created_at,
           expires_at = excluded.expires_at, created_by = excluded.created_by, used_at = excluded.used_at`,
      )
      .run(x.userId, x.salt, x.verifier, x.createdAt, x.expiresAt, x.createdBy, x.usedAt);
    return !!old && old.used_at === null && old.expires_at > x.createdAt;
  }

  async useEnrollmentCode(userId: number, at: number): Promise<boolean> {
    this.s.write();
    return this.s.stmt('UPDATE enrollment_codes SET used_at = ? WHERE user_id = ? AND used_at IS NULL AND expires_at > ?').run(at, userId, at).changes === 1;
  }

  async selfEnrollmentSession(tokenHash: string): Promise<SelfEnrollmentSessionRecord | null> {
    this.s.read();
    const r = this.s.stmt('SELECT token_hash, user_id, enrollment_id, csrf_hash, created_at, expires_at, done_at FROM self_enrollment_sessions WHERE token_hash = ?').get(tokenHash) as
      | { token_hash: string; user_id: number; enrollment_id: number; csrf_hash: string; created_at: number; expires_at: number; done_at: number | null }
      | undefined;
    return r ? { tokenHash: r.token_hash, userId: r.user_id, enrollmentId: r.enrollment_id, csrfHash: r.csrf_hash, createdAt: r.created_at, expiresAt: r.expires_at, doneAt: r.done_at } : null;
  }

  async createSelfEnrollmentSession(x: SelfEnrollmentSessionRecord): Promise<void> {
    this.s.write();
    this.s.stmt('INSERT INTO self_enrollment_sessions (token_hash, user_id, enrollment_id, csrf_hash, created_at, expires_at, done_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(x.tokenHash, x.userId, x.enrollmentId, x.csrfHash, x.createdAt, x.expiresAt, x.doneAt);
  }

  async finishSelfEnrollmentSession(tokenHash: string, at: number): Promise<boolean> {
    this.s.write();
    return this.s.stmt('UPDATE self_enrollment_sessions SET done_at = ? WHERE token_hash = ? AND done_at IS NULL').run(at, tokenHash).changes === 1;
  }
}
