import type { AuthenticatorInfo, AuthenticatorSecret, PendingEnrollment } from '../../records.ts';
import type { AuthenticatorsRepo } from '../../repos/authenticators.ts';
import type { TxState } from '../tx-state.ts';

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

export class SqliteAuthenticators implements AuthenticatorsRepo {
  private readonly s: TxState;
  constructor(s: TxState) {
    this.s = s;
  }

  async listForUser(userId: number): Promise<AuthenticatorInfo[]> {
    this.s.read();
    // Only the columns a summary needs: the secret column is never read here.
    const rows = this.s
      .stmt('SELECT id, status, sheet_id, created_at, created_by, setup_deadline, activated_at, last_used_at FROM authenticators WHERE user_id = ? ORDER BY id DESC')
      .all(userId) as InfoRow[];
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
    this.s.read();
    const rows = this.s.stmt(`SELECT id, status, secret, sheet_id, last_step, setup_deadline FROM authenticators WHERE user_id = ? AND status IN ('active', 'pending') ORDER BY id`).all(userId) as Array<{
      id: number;
      status: 'active' | 'pending';
      secret: Buffer;
      sheet_id: string | null;
      last_step: number | null;
      setup_deadline: number | null;
    }>;
    return rows.map((r) => ({ id: r.id, status: r.status, secret: r.secret, sheetId: r.sheet_id, lastStep: r.last_step, setupDeadline: r.setup_deadline }));
  }

  async pending(userId: number, enrollmentId?: number): Promise<PendingEnrollment | null> {
    this.s.read();
    const base = `SELECT id, secret, sheet_id, created_at, created_by, setup_deadline FROM authenticators WHERE user_id = ? AND status = 'pending'`;
    const r = (
      enrollmentId === undefined ? this.s.stmt(`${base} ORDER BY id DESC LIMIT 1`).get(userId) : this.s.stmt(`${base} AND id = ? ORDER BY id DESC LIMIT 1`).get(userId, enrollmentId)
    ) as { id: number; secret: Buffer; sheet_id: string; created_at: number; created_by: string | null; setup_deadline: number } | undefined;
    return r ? { id: r.id, secret: r.secret, sheetId: r.sheet_id, createdAt: r.created_at, createdBy: r.created_by, setupDeadline: r.setup_deadline } : null;
  }

  async insertPending(p: { userId: number; secret: Buffer; sheetId: string; createdAt: number; createdBy: string; setupDeadline: number }): Promise<number> {
    this.s.write();
    const r = this.s
      .stmt("INSERT INTO authenticators (user_id, status, secret, sheet_id, created_at, created_by, setup_deadline) VALUES (?, 'pending', ?, ?, ?, ?, ?)")
      .run(p.userId, p.secret, p.sheetId, p.createdAt, p.createdBy, p.setupDeadline);
    return Number(r.lastInsertRowid);
  }

  async end(userId: number, from: 'active' | 'pending', to: 'revoked' | 'voided' | 'lapsed', now: number): Promise<number> {
    this.s.write();
    // Zeroing (not deleting) keeps the history row while making the old secret unrecoverable.
    return this.s.stmt('UPDATE authenticators SET status = ?, ended_at = ?, secret = zeroblob(length(secret)) WHERE user_id = ? AND status = ?').run(to, now, userId, from).changes;
  }

  async lapseExpired(userId: number, now: number): Promise<number> {
    this.s.write();
    return this.s
      .stmt(`UPDATE authenticators SET status = 'lapsed', ended_at = setup_deadline, secret = zeroblob(length(secret)) WHERE user_id = ? AND status = 'pending' AND setup_deadline <= ?`)
      .run(userId, now).changes;
  }

  async activate(authId: number, step: number, now: number): Promise<boolean> {
    this.s.write();
    return this.s.stmt("UPDATE authenticators SET status = 'active', activated_at = ?, last_step = ?, last_used_at = ? WHERE id = ? AND status = 'pending'").run(now, step, now, authId).changes === 1;
  }

  async advanceStep(authId: number, step: number, now: number): Promise<boolean> {
    this.s.write();
    return (
      this.s
        .stmt("UPDATE authenticators SET last_step = ?, last_used_at = ? WHERE id = ? AND status = 'active' AND (last_step IS NULL OR last_step < ?)")
        .run(step, now, authId, step).changes === 1
    );
  }
}
