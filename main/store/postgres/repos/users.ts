import type { UserRecord } from '../../records.ts';
import type { UserFieldsRecord, UsersRepo } from '../../repos/users.ts';
import type { PgTxState } from '../tx-state.ts';
// The same word list as the vault's index, so both stores match (and rank) the same users.
import { indexedNameWords } from '../../sqlite/name-words.ts';
import { foldKey } from '../../../core/text.ts';

import { toUserRecord, USER_COLUMNS, type UserRow } from '../../rows.ts';

/**
 * Users, and the name-word index beside them (user_name_words: for each later word of the
 * folded name, the rest of the name from it, with copies of both sort keys). Every insert and
 * update keeps it in step, in the same transaction.
 */
export class PgUsers implements UsersRepo {
  private readonly s: PgTxState;
  constructor(s: PgTxState) {
    this.s = s;
  }

  async get(id: number): Promise<UserRecord | null> {
    if (!Number.isSafeInteger(id)) return null;
    const r = await this.s.row<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [id]);
    return r ? toUserRecord(r) : null;
  }

  async getByEmailKey(emailKey: string): Promise<UserRecord | null> {
    const r = await this.s.row<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE email_identity = $1`, [emailKey]);
    return r ? toUserRecord(r) : null;
  }

  async lookalikeOf(email: string, exceptId: number): Promise<{ id: number; email: string } | null> {
    const r = await this.s.row<{ id: string | number; email: string }>('SELECT id, email FROM users WHERE email_key = $1 AND id <> $2 ORDER BY id LIMIT 1', [foldKey(email), exceptId]);
    return r ? { id: Number(r.id), email: r.email } : null;
  }

  async getByExternalId(externalId: string): Promise<UserRecord | null> {
    const r = await this.s.row<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE external_id = $1`, [externalId]);
    return r ? toUserRecord(r) : null;
  }

  async count(): Promise<number> {
    return (await this.s.row<{ n: number }>('SELECT count(*) AS n FROM users'))!.n;
  }

  async insert(f: UserFieldsRecord, at: number): Promise<number | null> {
    this.s.mustWrite();
    // Without a conflict target, ON CONFLICT covers both unique keys (identity key, external id).
    const searchKey = foldKey(f.email);
    const r = await this.s.row<{ id: number }>(
      `INSERT INTO users (external_id, email, email_identity, email_key, name, name_key, phone, organization, status, created_at, updated_at)
       VALUES ($1, $2, $3, $10, $4, $5, $6, $7, $8, $9, $9) ON CONFLICT DO NOTHING RETURNING id`,
      [f.externalId, f.email, f.emailKey, f.name, f.nameKey, f.phone, f.organization, f.status, at, searchKey],
    );
    if (!r) return null;
    await this.addWords(r.id, f.nameKey, searchKey, f.status);
    return r.id;
  }

  async update(id: number, f: UserFieldsRecord, at: number): Promise<void> {
    this.s.mustWrite();
    const cur = await this.s.row<{ name_key: string; email_key: string; status: string }>('SELECT name_key, email_key, status FROM users WHERE id = $1', [id]);
    if (!cur) throw new Error(`user ${id} does not exist`);
    const searchKey = foldKey(f.email);
    await this.s.q(
      `UPDATE users SET external_id = $1, email = $2, email_identity = $3, email_key = $11, name = $4, name_key = $5, phone = $6, organization = $7, status = $8, updated_at = $9
       WHERE id = $10`,
      [f.externalId, f.email, f.emailKey, f.name, f.nameKey, f.phone, f.organization, f.status, at, id, searchKey],
    );
    if (f.nameKey !== cur.name_key) {
      await this.s.q('DELETE FROM user_name_words WHERE user_id = $1', [id]);
      await this.addWords(id, f.nameKey, searchKey, f.status);
    } else if (searchKey !== cur.email_key || f.status !== cur.status) {
      await this.s.q('UPDATE user_name_words SET email_key = $1, status = $2 WHERE user_id = $3', [searchKey, f.status, id]);
    }
  }

  private async addWords(id: number, nameKey: string, searchKey: string, status: string): Promise<void> {
    const words = indexedNameWords(nameKey);
    if (words.length === 0) return;
    await this.s.q('INSERT INTO user_name_words (word, user_id, name_key, email_key, status) SELECT w, $2, $3, $4, $5 FROM unnest($1::text[]) AS w ON CONFLICT DO NOTHING', [
      words,
      id,
      nameKey,
      searchKey,
      status,
    ]);
  }
}
