import type { AuthenticatorInfo, AuthenticatorSecret, PendingEnrollment } from '../../records.ts';
import type { AuthenticatorsRepo } from '../../repos/authenticators.ts';
import type { PgTxState } from '../tx-state.ts';

interface InfoRow {
  id: number;
  status: AuthenticatorInfo['status'];
  sheet_id: string | null;
  created_at: number;
  created_by: string | null;
  setup_deadline: number | null;
  activated_at: number | null;
  last_used_at: number | null;
}

interface PendingRow {
  id: number;
  secret: Buffer;
  sheet_id: string;
  created_at: number;
  created_by: string | null;
  setup_deadline: number;
}

/** Zeros of the secret's length: the history row stays, the secret is gone. */
const ZEROED = "decode(repeat('00', octet_length(secret)), 'hex')";

/** Authenticators. The secret column holds the boxes the service layer sealed (store.values). */
export class PgAuthenticators implements AuthenticatorsRepo {
  private readonly s: PgTxState;
  constructor(s: PgTxState) {
    this.s = s;
  }

  async listForUser(userId: number): Promise<AuthenticatorInfo[]> {
    // Only the columns a summary needs: the secret column is never read here.
    const rows = await this.s.rows<InfoRow>('SELECT id, status, sheet_id, created_at, created_by, setup_deadline, activated_at, last_used_at FROM authenticators WHERE user_id = $1 ORDER BY id DESC', [userId]);
    return rows.map((r) => ({
      id: r.id,
      status: r.status,
      sheetId: r.sheet_id,
      createdAt: r.created_at,
      createdBy: r.created_by,
      setupDeadline: r.setup_deadline,
      activatedAt: r.activated_at,
      lastUsedAt: r.last_used_at,
    }));
  }

  async secretsForUser(userId: number): Promise<AuthenticatorSecret[]> {
    const rows = await this.s.rows<{ id: number; status: 'active' | 'pending'; secret: Buffer; sheet_id: string | null; last_step: number | null; setup_deadline: number | null }>(
      "SELECT id, status, secret, sheet_id, last_step, setup_deadline FROM authenticators WHERE user_id = $1 AND status IN ('active', 'pending') ORDER BY id",
      [userId],
    );
    return rows.map((r) => ({ id: r.id, status: r.status, secret: r.secret, sheetId: r.sheet_id, lastStep: r.last_step, setupDeadline: r.setup_deadline }));
  }

  async pending(userId: number, enrollmentId?: number): Promise<PendingEnrollment | null> {
    const base = "SELECT id, secret, sheet_id, created_at, created_by, setup_deadline FROM authenticators WHERE user_id = $1 AND status = 'pending'";
    const r = enrollmentId === undefined ? await this.s.row<PendingRow>(`${base} ORDER BY id DESC LIMIT 1`, [userId]) : await this.s.row<PendingRow>(`${base} AND id = $2 ORDER BY id DESC LIMIT 1`, [userId, enrollmentId]);
    return r ? { id: r.id, secret: r.secret, sheetId: r.sheet_id, createdAt: r.created_at, createdBy: r.created_by, setupDeadline: r.setup_deadline } : null;
  }

  async insertPending(p: { userId: number; secret: Buffer; sheetId: string; createdAt: number; createdBy: string; setupDeadline: number }): Promise<number> {
    this.s.mustWrite();
    const r = await this.s.row<{ id: number }>("INSERT INTO authenticators (user_id, status, secret, sheet_id, created_at, created_by, setup_deadline) VALUES ($1, 'pending', $2, $3, $4, $5, $6) RETURNING id", [
      p.userId,
      p.secret,
      p.sheetId,
      p.createdAt,
      p.createdBy,
      p.setupDeadline,
    ]);
    return r!.id;
  }

  async end(userId: number, from: 'active' | 'pending', to: 'revoked' | 'voided' | 'lapsed', now: number): Promise<number> {
    return this.s.change(`UPDATE authenticators SET status = $1, ended_at = $2, secret = ${ZEROED} WHERE user_id = $3 AND status = $4`, [to, now, userId, from]);
  }

  async lapseExpired(userId: number, now: number): Promise<number> {
    return this.s.change(`UPDATE authenticators SET status = 'lapsed', ended_at = setup_deadline, secret = ${ZEROED} WHERE user_id = $1 AND status = 'pending' AND setup_deadline <= $2`, [userId, now]);
  }

  async activate(authId: number, step: number, now: number): Promise<boolean> {
    const r = await this.s.change("UPDATE authenticators SET status = 'active', activated_at = $1, last_step = $2, last_used_at = $1 WHERE id = $3 AND status = 'pending' RETURNING id", [now, step, authId]);
    return r === 1;
  }

  async advanceStep(authId: number, step: number, now: number): Promise<boolean> {
    // Compare-and-set, only upward: of two writers with the same step, one moves it.
    const r = await this.s.change("UPDATE authenticators SET last_step = $1, last_used_at = $2 WHERE id = $3 AND status = 'active' AND (last_step IS NULL OR last_step < $1) RETURNING id", [step, now, authId]);
    return r === 1;
  }
}
