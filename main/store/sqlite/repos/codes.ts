import type { BackupCodeRecord, OneTimeCodeRecord } from '../../records.ts';
import type { CodesRepo } from '../../repos/codes.ts';
import type { TxState } from '../tx-state.ts';

export class SqliteCodes implements CodesRepo {
  private readonly s: TxState;
  constructor(s: TxState) {
    this.s = s;
  }

  async recentOneTime(userId: number, limit: number): Promise<OneTimeCodeRecord[]> {
    this.s.read();
    const rows = this.s.stmt('SELECT id, salt, hash, status, expires_at FROM one_time_codes WHERE user_id = ? ORDER BY id DESC LIMIT ?').all(userId, limit) as Array<{
      id: number;
      salt: Buffer;
      hash: Buffer;
      status: OneTimeCodeRecord['status'];
      expires_at: number;
    }>;
    return rows.map((r) => ({ id: r.id, salt: r.salt, hash: r.hash, status: r.status, expiresAt: r.expires_at }));
  }

  async activeOneTimeExpiry(userId: number, now: number): Promise<number | null> {
    this.s.read();
    const r = this.s.stmt("SELECT expires_at FROM one_time_codes WHERE user_id = ? AND status = 'active' AND expires_at > ? ORDER BY id DESC LIMIT 1").get(userId, now) as
      | { expires_at: number }
      | undefined;
    return r?.expires_at ?? null;
  }

  async activeBackupCodes(userId: number): Promise<BackupCodeRecord[]> {
    this.s.read();
    const rows = this.s
      .stmt(`SELECT c.id, c.salt, c.hash, c.used_at FROM backup_codes c JOIN backup_code_sets s ON s.id = c.set_id WHERE s.user_id = ? AND s.status = 'active' ORDER BY c.id`)
      .all(userId) as Array<{ id: number; salt: Buffer; hash: Buffer; used_at: number | null }>;
    return rows.map((r) => ({ id: r.id, salt: r.salt, hash: r.hash, usedAt: r.used_at }));
  }

  async activeBackupSet(userId: number): Promise<{ total: number; createdAt: number; remaining: number } | null> {
    this.s.read();
    const r = this.s
      .stmt(
        `SELECT s.total, s.created_at, (SELECT count(*) FROM backup_codes c WHERE c.set_id = s.id AND c.used_at IS NULL) AS remaining
         FROM backup_code_sets s WHERE s.user_id = ? AND s.status = 'active' ORDER BY s.id DESC LIMIT 1`,
      )
      .get(userId) as { total: number; created_at: number; remaining: number } | undefined;
    return r ? { total: r.total, createdAt: r.created_at, remaining: r.remaining } : null;
  }

  async voidOneTime(userId: number, now: number): Promise<number> {
    this.s.write();
    return this.s.stmt("UPDATE one_time_codes SET status = 'voided', ended_at = ? WHERE user_id = ? AND status = 'active'").run(now, userId).changes;
  }

  async burnOneTime(userId: number, now: number): Promise<number> {
    this.s.write();
    return this.s.stmt("UPDATE one_time_codes SET status = 'burned', ended_at = ? WHERE user_id = ? AND status = 'active'").run(now, userId).changes;
  }

  async insertOneTime(c: { userId: number; salt: Buffer; hash: Buffer; createdAt: number; expiresAt: number }): Promise<number> {
    this.s.write();
    const r = this.s
      .stmt("INSERT INTO one_time_codes (user_id, salt, hash, status, created_at, expires_at) VALUES (?, ?, ?, 'active', ?, ?)")
      .run(c.userId, c.salt, c.hash, c.createdAt, c.expiresAt);
    return Number(r.lastInsertRowid);
  }

  async redeemOneTime(id: number, now: number): Promise<boolean> {
    this.s.write();
    return this.s.stmt("UPDATE one_time_codes SET status = 'used', ended_at = ? WHERE id = ? AND status = 'active'").run(now, id).changes === 1;
  }

  async voidBackupSets(userId: number, now: number): Promise<number> {
    this.s.write();
    return this.s.stmt("UPDATE backup_code_sets SET status = 'voided', ended_at = ? WHERE user_id = ? AND status = 'active'").run(now, userId).changes;
  }

  async insertBackupSet(set: { userId: number; createdAt: number; codes: Array<{ salt: Buffer; hash: Buffer }> }): Promise<number> {
    this.s.write();
    const setId = Number(
      this.s.stmt("INSERT INTO backup_code_sets (user_id, status, total, created_at) VALUES (?, 'active', ?, ?)").run(set.userId, set.codes.length, set.createdAt).lastInsertRowid,
    );
    const insert = this.s.stmt('INSERT INTO backup_codes (set_id, salt, hash) VALUES (?, ?, ?)');
    for (const c of set.codes) insert.run(setId, c.salt, c.hash);
    return setId;
  }

  async redeemBackupCode(id: number, now: number): Promise<boolean> {
    this.s.write();
    // The guard on used_at makes the mark itself refuse a second use, even if read twice.
    return this.s.stmt('UPDATE backup_codes SET used_at = ? WHERE id = ? AND used_at IS NULL').run(now, id).changes === 1;
  }
}
