import type { UserRecord } from '../../records.ts';
import type { UserFieldsRecord, UsersRepo } from '../../repos/users.ts';
import type { TxState } from '../tx-state.ts';
import { indexedNameWords } from '../name-words.ts';
import { foldKey } from '../../../core/text.ts';

export { toUserRecord, USER_COLUMNS, type UserRow } from '../../rows.ts';
import { toUserRecord, USER_COLUMNS, type UserRow } from '../../rows.ts';

const INSERT = `INSERT INTO users (external_id, email, email_identity, email_key, name, name_key, phone, organization, status, created_at, updated_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id`;
const UPDATE = `UPDATE users SET external_id = ?, email = ?, email_identity = ?, email_key = ?, name = ?, name_key = ?, phone = ?, organization = ?, status = ?, updated_at = ?
  WHERE id = ?`;
const KEYS = 'SELECT name_key, email_key, status FROM users WHERE id = ?';
const DELETE_WORDS = 'DELETE FROM user_name_words WHERE user_id = ?';
const INSERT_WORD = 'INSERT OR IGNORE INTO user_name_words (word, user_id, name_key, email_key, status) VALUES (?, ?, ?, ?, ?)';
const UPDATE_WORD_KEYS = 'UPDATE user_name_words SET email_key = ?, status = ? WHERE user_id = ?';

/**
 * Users, and the name-word index beside them: user_name_words holds, for each later word of a
 * user's name, the rest of the name from it with copies of both sort keys and the status, so the type-ahead
 * reads one index range per word already in name order. Every insert and update here keeps it
 * in step. Statements come from the per-connection cache (an import runs them per row).
 */
export class SqliteUsers implements UsersRepo {
  private readonly s: TxState;
  constructor(s: TxState) {
    this.s = s;
  }

  async get(id: number): Promise<UserRecord | null> {
    this.s.read();
    if (!Number.isSafeInteger(id)) return null;
    const r = this.s.stmt(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`).get(id) as UserRow | undefined;
    return r ? toUserRecord(r) : null;
  }

  async getByEmailKey(emailKey: string): Promise<UserRecord | null> {
    this.s.read();
    const r = this.s.stmt(`SELECT ${USER_COLUMNS} FROM users WHERE email_identity = ?`).get(emailKey) as UserRow | undefined;
    return r ? toUserRecord(r) : null;
  }

  async lookalikeOf(email: string, exceptId: number): Promise<{ id: number; email: string } | null> {
    this.s.read();
    // The index holds the key and the id: the table row is read only for a near-duplicate (an import asks for every row).
    const r = this.s.stmt('SELECT id, email FROM users INDEXED BY users_email_key WHERE email_key = ? AND id <> ? ORDER BY id LIMIT 1').get(foldKey(email), exceptId) as { id: number; email: string } | undefined;
    return r ?? null;
  }

  async getByExternalId(externalId: string): Promise<UserRecord | null> {
    this.s.read();
    const r = this.s.stmt(`SELECT ${USER_COLUMNS} FROM users WHERE external_id = ?`).get(externalId) as UserRow | undefined;
    return r ? toUserRecord(r) : null;
  }

  async insert(f: UserFieldsRecord, at: number): Promise<number | null> {
    this.s.write();
    const searchKey = foldKey(f.email);
    const id = this.s.stmt(INSERT).pluck().get(f.externalId, f.email, f.emailKey, searchKey, f.name, f.nameKey, f.phone, f.organization, f.status, at, at) as number | undefined;
    if (id === undefined) return null;
    this.addWords(id, f.nameKey, searchKey, f.status);
    return id;
  }

  async update(id: number, f: UserFieldsRecord, at: number): Promise<void> {
    this.s.write();
    const cur = this.s.stmt(KEYS).get(id) as { name_key: string; email_key: string; status: string } | undefined;
    if (!cur) throw new Error(`user ${id} does not exist`);
    const searchKey = foldKey(f.email);
    this.s.stmt(UPDATE).run(f.externalId, f.email, f.emailKey, searchKey, f.name, f.nameKey, f.phone, f.organization, f.status, at, id);
    if (f.nameKey !== cur.name_key) {
      this.s.stmt(DELETE_WORDS).run(id);
      this.addWords(id, f.nameKey, searchKey, f.status);
    } else if (searchKey !== cur.email_key || f.status !== cur.status) {
      this.s.stmt(UPDATE_WORD_KEYS).run(searchKey, f.status, id);
    }
  }

  private addWords(id: number, nameKey: string, searchKey: string, status: string): void {
    const ins = this.s.stmt(INSERT_WORD);
    for (const w of indexedNameWords(nameKey)) ins.run(w, id, nameKey, searchKey, status);
  }

  async count(): Promise<number> {
    this.s.read();
    return (this.s.stmt('SELECT count(*) AS n FROM users').get() as { n: number }).n;
  }
}
