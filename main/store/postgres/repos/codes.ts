import type { BackupCodeRecord, OneTimeCodeRecord } from '../../records.ts';
import type { CodesRepo } from '../../repos/codes.ts';
import type { PgTxState } from '../tx-state.ts';

export class PgCodes implements CodesRepo {
  private readonly s: PgTxState;
  constructor(s: PgTxState) {
    this.s = s;
  }

  async recentOneTime(userId: number, limit: number): Promise<OneTimeCodeRecord[]> {
    const rows = await this.s.rows<{ id: number; salt: Buffer; hash: Buffer; status: OneTimeCodeRecord['status']; expires_at: number }>(
      'SELECT id, salt, hash, status, expires_at FROM one_time_codes WHERE user_id = $1 ORDER BY id DESC LIMIT $2',
      [userId, limit],
    );
    return rows.map((r) => ({ id: r.id, salt: r.salt, hash: r.hash, status: r.status, expiresAt: r.expires_at }));
  }

  async activeOneTimeExpiry(userId: number, now: number): Promise<number | null> {
    const r = await this.s.row<{ expires_at: number }>("SELECT expires_at FROM one_time_codes WHERE user_id = $1 AND status = 'active' AND expires_at > $2 ORDER BY id DESC LIMIT 1", [userId, now]);
    return r?.expires_at ?? null;
  }

  async activeBackupCodes(userId: number): Promise<BackupCodeRecord[]> {
    const rows = await this.s.rows<{ id: number; salt: Buffer; hash: Buffer; used_at: number | null }>(
      "SELECT c.id, c.salt, c.hash, c.used_at FROM backup_codes c JOIN backup_code_sets s ON s.id = c.set_id WHERE s.user_id = $1 AND s.status = 'active' ORDER BY c.id",
      [userId],
    );
    return rows.map((r) => ({ id: r.id, salt: r.salt, hash: r.hash, usedAt: r.used_at }));
  }

  async activeBackupSet(userId: number): Promise<{ total: number; createdAt: number; remaining: number } | null> {
    const r = await this.s.row<{ total: number; created_at: number; remaining: number }>(
      `SELECT s.total, s.created_at, (SELECT count(*) FROM backup_codes c WHERE c.set_id = s.id AND c.used_at IS NULL) AS remaining
       FROM backup_code_sets s WHERE s.user_id = $1 AND s.status = 'active' ORDER BY s.id DESC LIMIT 1`,
      [userId],
    );
    return r ? { total: r.total, createdAt: r.created_at, remaining: r.remaining } : null;
  }

  async voidOneTime(userId: number, now: number): Promise<number> {
    return this.s.change("UPDATE one_time_codes SET status = 'voided', ended_at = $1 WHERE user_id = $2 AND status = 'active'", [now, userId]);
  }

  async burnOneTime(userId: number, now: number): Promise<number> {
    return this.s.change("UPDATE one_time_codes SET status = 'burned', ended_at = $1 WHERE user_id = $2 AND status = 'active'", [now, userId]);
  }

  async insertOneTime(c: { userId: number; salt: Buffer; hash: Buffer; createdAt: number; expiresAt: number }): Promise<number> {
    this.s.mustWrite();
    const r = await this.s.row<{ id: number }>("INSERT INTO one_time_codes (user_id, salt, hash, status, created_at, expires_at) VALUES ($1, $2, $3, 'active', $4, $5) RETURNING id", [c.userId, c.salt, c.hash, c.createdAt, c.expiresAt]);
    return r!.id;
  }

  async redeemOneTime(id: number, now: number): Promise<boolean> {
    // Compare-and-set on status: a second redeemer (another process too) finds it used.
    return (await this.s.change("UPDATE one_time_codes SET status = 'used', ended_at = $1 WHERE id = $2 AND status = 'active' RETURNING id", [now, id])) === 1;
  }

  async voidBackupSets(userId: number, now: number): Promise<number> {
    return this.s.change("UPDATE backup_code_sets SET status = 'voided', ended_at = $1 WHERE user_id = $2 AND status = 'active'", [now, userId]);
  }

  async insertBackupSet(set: { userId: number; createdAt: number; codes: Array<{ salt: Buffer; hash: Buffer }> }): Promise<number> {
    this.s.mustWrite();
    const r = await this.s.row<{ id: number }>("INSERT INTO backup_code_sets (user_id, status, total, created_at) VALUES ($1, 'active', $2, $3) RETURNING id", [set.userId, set.codes.length, set.createdAt]);
    const setId = r!.id;
    // One row at a time, so code ids follow the order of the set.
    for (const c of set.codes) await this.s.q('INSERT INTO backup_codes (set_id, salt, hash) VALUES ($1, $2, $3)', [setId, c.salt, c.hash]);
    return setId;
  }

  async redeemBackupCode(id: number, now: number): Promise<boolean> {
    // The guard on used_at makes the mark itself refuse a second use, even if read twice.
    return (await this.s.change('UPDATE backup_codes SET used_at = $1 WHERE id = $2 AND used_at IS NULL RETURNING id', [now, id])) === 1;
  }
}
