import { prefixUpperBound } from '../../core/text.ts';
import type { UserSummaryRecord } from '../records.ts';
import { EMAIL_SORT_CAP, MAX_LIMIT, MAX_WINDOW, type DirectoryPage } from '../repos/directory.ts';
import type { PgTxState } from './tx-state.ts';

/**
 * The directory search in PostgreSQL, ranked as the port says (repos/directory.ts) and as the
 * vault ranks: range scans `key >= q AND key < q || U+10FFFF` over the COLLATE "C" keys, so
 * the comparison is by code point (SQLite's BINARY) and matching is literal (no LIKE).
 *  1. the user whose email key is q;
 *  2. users whose email key starts with q (exact one excluded), by name then email, or by email
 *     alone when more than EMAIL_SORT_CAP match;
 *  3. users whose whole name key, or a later name word, starts with q and who are not in 2,
 *     merged by name then email (UNION: a user with two matching words comes once).
 */
const EXACT = 'SELECT id FROM users WHERE email_key = $1';
const EMAIL_COUNT = 'SELECT count(*) AS n FROM (SELECT 1 FROM users WHERE email_key > $1 AND email_key < $2 LIMIT $3) AS capped';
const EMAIL_BY_NAME = 'SELECT id FROM users WHERE email_key > $1 AND email_key < $2 ORDER BY name_key, email_key LIMIT $3';
const EMAIL_BY_EMAIL = 'SELECT id FROM users WHERE email_key > $1 AND email_key < $2 ORDER BY email_key LIMIT $3';
const NOT_EMAIL = 'NOT (email_key >= $1 AND email_key < $2)';
const NAME_MATCHES = `SELECT id FROM (
    (SELECT id, name_key, email_key FROM users
      WHERE name_key >= $1 AND name_key < $2 AND ${NOT_EMAIL} ORDER BY name_key, email_key LIMIT $3)
    UNION
    (SELECT DISTINCT user_id AS id, name_key, email_key FROM user_name_words
      WHERE word >= $1 AND word < $2 AND ${NOT_EMAIL} ORDER BY name_key, email_key LIMIT $3)
  ) AS m
  ORDER BY name_key, email_key LIMIT $3`;
const SUMMARIES = 'SELECT id, email, name, organization, status FROM users WHERE id = ANY($1::bigint[])';

/** One page of the users matching the folded prefix `q` (see DirectoryRead.search). */
export async function searchDirectory(s: PgTxState, q: string, limit: number, offset: number): Promise<DirectoryPage> {
  const empty = { items: [], hasMore: false };
  if (typeof q !== 'string' || q.length === 0) return empty;
  if (!Number.isSafeInteger(limit) || !Number.isSafeInteger(offset) || limit < 1 || limit > MAX_LIMIT || offset < 0 || offset + limit > MAX_WINDOW) return empty;
  // PostgreSQL text cannot hold NUL, so no stored key starts with such a prefix.
  if (q.includes('\0')) return empty;
  const hi = prefixUpperBound(q);
  const need = offset + limit + 1; // one more than the page tells whether there is a next one
  const ids: number[] = [];

  const exact = await s.row<{ id: number }>(EXACT, [q]);
  if (exact) ids.push(exact.id);

  const emailCount = (await s.row<{ n: number }>(EMAIL_COUNT, [q, hi, EMAIL_SORT_CAP + 1]))!.n;
  if (emailCount > 0) {
    const rows = await s.rows<{ id: number }>(emailCount <= EMAIL_SORT_CAP ? EMAIL_BY_NAME : EMAIL_BY_EMAIL, [q, hi, need - ids.length]);
    for (const r of rows) ids.push(r.id);
  }

  if (ids.length < need) {
    // Only needed when the email groups leave room in the window; they are excluded above.
    const rows = await s.rows<{ id: number }>(NAME_MATCHES, [q, hi, need - ids.length]);
    for (const r of rows) ids.push(r.id);
  }

  const page = ids.slice(offset, offset + limit);
  const found = new Map((await s.rows<UserSummaryRecord>(SUMMARIES, [page])).map((u) => [u.id, u] as const));
  return { items: page.map((id) => found.get(id)!), hasMore: ids.length > offset + limit };
}
