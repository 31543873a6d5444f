import type { Statement } from 'better-sqlite3-multiple-ciphers';
import type { Db } from '../store/sqlite/database.ts';
import type { ErrorCode } from './errors.ts';
import type { Vault } from '../store/sqlite/vault.ts';

/** One user's validated fields; `status: null` keeps an existing user's status (new users are active). */
export interface UserFields {
  email: string;
  emailKey: string;
  name: string;
  nameKey: string;
  phone: string | null;
  organization: string | null;
  externalId: string | null;
  status: 'active' | 'disabled' | null;
}

/** A change worth an audit event. The phone itself is never recorded, only what happened to it. */
export type FieldChange =
  | { field: 'phone'; change: 'set' | 'changed' | 'cleared' }
  | { field: 'status'; from: string; to: string }
  | { field: 'email'; from: string; to: string };

/** What applying one user's fields did. */
export type ApplyResult =
  | { kind: 'inserted'; id: number }
  | { kind: 'updated'; id: number; fields: string[]; changes: FieldChange[] }
  | { kind: 'unchanged'; id: number }
  | { kind: 'rejected'; code: ErrorCode; reason: string; field: string };

interface Current {
  id: number;
  external_id: string | null;
  email: string;
  email_key: string;
  name: string;
  name_key: string;
  phone: string | null;
  organization: string | null;
  status: 'active' | 'disabled';
}

const CURRENT = 'id, external_id, email, email_key, name, name_key, phone, organization, status';

/** At most this many later words of a name are indexed (a name is at most 200 characters). */
export const MAX_INDEXED_WORDS = 16;
const WORD = /[^\s\-'’.,()]+/gu; // the same separators as nameWords() in text.ts

/**
 * What user_name_words holds for a name: the rest of the folded name from the start of each
 * later word ("o'brien", "brien" for "sean o'brien"), so a prefix search finds a surname and a
 * typed "o'b" or "kari nor" also matches. Text from the first word on is name_key itself,
 * which the users_name_key range already covers.
 */
export function indexedNameWords(nameKey: string): string[] {
  const out: string[] = [];
  for (const m of nameKey.matchAll(WORD)) {
    if (m.index === 0) continue;
    out.push(nameKey.slice(m.index));
    if (out.length === MAX_INDEXED_WORDS) break;
  }
  return out;
}

/**
 * Inserts or updates users with statements prepared once and reused for every row (import
 * speed). A new user costs one INSERT … RETURNING; only a conflict reads the existing row.
 * Must be used inside a write transaction.
 */
export class UserWriter {
  private readonly insert: Statement;
  private readonly byEmailKey: Statement;
  private readonly byExternalId: Statement;
  private readonly update: Statement;
  private readonly deleteWords: Statement;
  private readonly insertWord: Statement;
  private readonly updateWordEmails: Statement;

  constructor(db: Db) {
    this.insert = db
      .prepare(
        `INSERT INTO users (external_id, email, email_key, name, name_key, phone, organization, status, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id`,
      )
      .pluck();
    this.byEmailKey = db.prepare(`SELECT ${CURRENT} FROM users WHERE email_key = ?`);
    this.byExternalId = db.prepare(`SELECT ${CURRENT} FROM users WHERE external_id = ?`);
    this.update = db.prepare(
      `UPDATE users SET external_id = ?, email = ?, email_key = ?, name = ?, name_key = ?, phone = ?, organization = ?, status = ?, updated_at = ? WHERE id = ?`,
    );
    this.deleteWords = db.prepare('DELETE FROM user_name_words WHERE user_id = ?');
    this.insertWord = db.prepare('INSERT OR IGNORE INTO user_name_words (word, user_id, name_key, email_key) VALUES (?, ?, ?, ?)');
    this.updateWordEmails = db.prepare('UPDATE user_name_words SET email_key = ? WHERE user_id = ?');
  }

  /** Adds the user, or updates the one with the same external id (else the same email key). */
  apply(f: UserFields, now: number, ownEmailKey: string | null): ApplyResult {
    const id = this.insert.get(f.externalId, f.email, f.emailKey, f.name, f.nameKey, f.phone, f.organization, f.status ?? 'active', now, now) as number | undefined;
    if (id !== undefined) {
      this.addWords(id, f.nameKey, f.emailKey);
      return { kind: 'inserted', id };
    }
    return this.merge(f, now, ownEmailKey);
  }

  private merge(f: UserFields, now: number, ownEmailKey: string | null): ApplyResult {
    const byExt = f.externalId !== null ? (this.byExternalId.get(f.externalId) as Current | undefined) : undefined;
    const byEmail = this.byEmailKey.get(f.emailKey) as Current | undefined;
    let cur: Current;
    if (byExt) {
      if (byEmail && byEmail.id !== byExt.id) {
        return { kind: 'rejected', code: 'CONFLICT', field: 'email', reason: `email ${f.email} already belongs to another user` };
      }
      cur = byExt;
    } else if (byEmail) {
      if (f.externalId !== null && byEmail.external_id !== null) {
        return { kind: 'rejected', code: 'CONFLICT', field: 'external_id', reason: `email ${f.email} belongs to a user with another external id` };
      }
      cur = byEmail;
    } else {
      // The insert hit a uniqueness conflict on a key neither lookup found: never expected.
      throw new Error('user upsert conflict on an unknown key');
    }
    const next = {
      externalId: f.externalId ?? cur.external_id,
      email: f.email,
      name: f.name,
      phone: f.phone,
      organization: f.organization,
      status: f.status ?? cur.status,
    };
    const fields: string[] = [];
    if (next.externalId !== cur.external_id) fields.push('externalId');
    if (next.email !== cur.email) fields.push('email');
    if (next.name !== cur.name) fields.push('name');
    if (next.phone !== cur.phone) fields.push('phone');
    if (next.organization !== cur.organization) fields.push('organization');
    if (next.status !== cur.status) fields.push('status');
    if (fields.length === 0) return { kind: 'unchanged', id: cur.id };
    if (ownEmailKey !== null && (cur.email_key === ownEmailKey || f.emailKey === ownEmailKey)) {
      return { kind: 'rejected', code: 'OWN_ACCOUNT', field: 'email', reason: 'your own user account must be changed by another admin' };
    }
    this.update.run(next.externalId, next.email, f.emailKey, next.name, f.nameKey, next.phone, next.organization, next.status, now, cur.id);
    if (f.nameKey !== cur.name_key) {
      this.deleteWords.run(cur.id);
      this.addWords(cur.id, f.nameKey, f.emailKey);
    } else if (f.emailKey !== cur.email_key) {
      this.updateWordEmails.run(f.emailKey, cur.id);
    }
    const changes: FieldChange[] = [];
    if (next.phone !== cur.phone) changes.push({ field: 'phone', change: cur.phone === null ? 'set' : next.phone === null ? 'cleared' : 'changed' });
    if (next.status !== cur.status) changes.push({ field: 'status', from: cur.status, to: next.status });
    if (f.emailKey !== cur.email_key) changes.push({ field: 'email', from: cur.email, to: next.email });
    return { kind: 'updated', id: cur.id, fields, changes };
  }

  private addWords(id: number, nameKey: string, emailKey: string): void {
    for (const w of indexedNameWords(nameKey)) this.insertWord.run(w, id, nameKey, emailKey);
  }
}

/** Appends one audit event per recorded change (phone, status, email) of one user. */
export function auditChanges(vault: Vault, operator: string, action: string, userId: number, userEmail: string, changes: FieldChange[]): void {
  for (const c of changes) vault.audit({ action, operator, userId, userEmail, outcome: 'ok', details: c });
}
