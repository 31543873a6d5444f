import { prefixUpperBound } from '../../core/text.ts';
import type { UserSummaryRecord } from '../records.ts';
import { COUNT_CAP, EMAIL_SORT_CAP, MAX_LIMIT, MAX_WINDOW, type DirectoryPage } from '../repos/directory.ts';
import type { PgTxState } from './tx-state.ts';

/**
 * The directory search in PostgreSQL, ranked as the port says (repos/directory.ts) and as the
 * vault ranks: range scans `key >= q AND key < q || U+10FFFF` over the COLLATE "C" keys, so
 * the comparison is by code point (SQLite's BINARY) and matching is literal (no LIKE). The
 * groups are read in rank order, each one statement ordered by name (UNION ALL of index ranges,
 * merged by the planner) with a LIMIT that grows when users already listed fill it.
 *
 * A whole word reads [q, q || '0') keeping keys where q is followed by a separator other than
 * '’' (all sort below '0') or by nothing, and [q || '’', …).
 */
const FIRST = 'SELECT id FROM users WHERE email_key = $1 OR (email_key >= $2 AND email_key < $3) ORDER BY status, name_key, email_key';
const COUNT = `SELECT count(*)::int AS n FROM (
    (SELECT id FROM users WHERE email_key >= $1 AND email_key < $2 LIMIT $3)
    UNION (SELECT id FROM users WHERE name_key >= $1 AND name_key < $2 LIMIT $3)
    UNION (SELECT DISTINCT user_id FROM user_name_words WHERE word >= $1 AND word < $2 LIMIT $3)
  ) AS m`;
const EMAIL_COUNT = 'SELECT count(*)::int AS n FROM (SELECT 1 FROM users WHERE email_key >= $1 AND email_key < $2 LIMIT $3) AS capped';
// Each source alone first: one that reaches the cap decides the count without the union.
const SOURCE_COUNTS = [
  EMAIL_COUNT,
  'SELECT count(*)::int AS n FROM (SELECT 1 FROM users WHERE name_key >= $1 AND name_key < $2 LIMIT $3) AS capped',
  'SELECT count(*)::int AS n FROM (SELECT DISTINCT user_id FROM user_name_words WHERE word >= $1 AND word < $2 LIMIT $3) AS capped',
];
/**
 * The capped count in one round trip: each source alone first (CASE evaluates its branches in
 * order, and a scalar subquery only when reached), so one that reaches the cap decides without
 * the union.
 */
const COUNT_ALL = `SELECT (CASE
    WHEN (${SOURCE_COUNTS[0]}) > $3 - 1 THEN $3
    WHEN (${SOURCE_COUNTS[1]}) > $3 - 1 THEN $3
    WHEN (${SOURCE_COUNTS[2]}) > $3 - 1 THEN $3
    ELSE (${COUNT})
  END)::int AS n`;
const SUMMARIES = 'SELECT id, email, name, organization, status FROM users WHERE id = ANY($1::bigint[])';

// $1 q, $2 position after q (characters), $3–$4 range 1, $5 whole (1) or prefix (0), $6–$7 range 2, $8 status, $9 limit.
const SEPS = `(' ', '''', '(', ')', ',', '-', '.')`;
const inRanges = (col: string) =>
  `((${col} >= $3 AND ${col} < $4 AND ($5::int = 0 OR ${col} = $1 OR substr(${col}, $2::int, 1) IN ${SEPS})) OR (${col} >= $6 AND ${col} < $7))`;
const NAMES = `SELECT id, name_key, email_key FROM users WHERE status = $8 AND ${inRanges('name_key')}`;
const WORDS = `SELECT user_id AS id, name_key, email_key FROM user_name_words WHERE status = $8 AND ${inRanges('word')}`;
// Email matches need only q ($1) and its bound ($4, the prefix's range 1).
const EMAILS = 'SELECT id, name_key, email_key FROM users WHERE status = $8 AND email_key >= $1 AND email_key < $4';
const byName = (...parts: string[]) => `${parts.map((p) => `(${p})`).join(' UNION ALL ')} ORDER BY name_key, email_key LIMIT $9`;
const NAME_GROUP = byName(NAMES, WORDS);
const NAME_EMAIL_GROUP = byName(NAMES, WORDS, EMAILS);
// On its own (more than EMAIL_SORT_CAP email matches): $1 q, $2 its bound, $3 status, $4 limit.
const EMAIL_GROUP = 'SELECT id FROM users WHERE status = $3 AND email_key >= $1 AND email_key < $2 ORDER BY email_key LIMIT $4';

type Params = [string, number, string, string, 0 | 1, string, string];

function ranges(q: string, kind: 'whole' | 'prefix'): Params {
  const at = [...q].length + 1;
  if (kind === 'prefix') return [q, at, q, prefixUpperBound(q), 0, '', ''];
  return [q, at, q, q + '0', 1, q + '’', prefixUpperBound(q + '’')];
}

/** One page of the users matching the folded prefix `q` (see DirectoryRead.search). */
export async function searchDirectory(s: PgTxState, q: string, limit: number, offset: number): Promise<DirectoryPage> {
  const empty = { items: [], hasMore: false, total: 0, totalCapped: false };
  if (typeof q !== 'string' || q.length === 0) return empty;
  if (!Number.isSafeInteger(limit) || !Number.isSafeInteger(offset) || limit < 1 || limit > MAX_LIMIT || offset < 0 || offset + limit > MAX_WINDOW) return empty;
  // PostgreSQL text cannot hold NUL, so no stored key starts with such a prefix.
  if (q.includes('\0')) return empty;
  const hi = prefixUpperBound(q);
  const need = offset + limit + 1; // one more than the page tells whether there is a next one
  const ids: number[] = [];
  const seen = new Set<number>();

  for (const r of await s.preparedRows<{ id: number }>(FIRST, [q, q + '@', prefixUpperBound(q + '@')])) {
    if (ids.length < need && !seen.has(r.id)) (seen.add(r.id), ids.push(r.id));
  }

  const whole = ranges(q, 'whole');
  const prefix = ranges(q, 'prefix');
  let emailByName: boolean | undefined;
  const groups: Array<() => Promise<Array<[string, unknown[]]>>> = [];
  for (const st of ['active', 'disabled']) groups.push(async () => [[NAME_GROUP, [...whole, st]]]);
  for (const st of ['active', 'disabled']) {
    groups.push(async () => {
      emailByName ??= (await s.preparedRows<{ n: number }>(EMAIL_COUNT, [q, hi, EMAIL_SORT_CAP + 1]))[0]!.n <= EMAIL_SORT_CAP;
      return emailByName
        ? [[NAME_EMAIL_GROUP, [...prefix, st]]]
        : [
            [NAME_GROUP, [...prefix, st]],
            [EMAIL_GROUP, [q, hi, st]],
          ];
    });
  }
  for (const group of groups) {
    if (ids.length >= need) break;
    for (const [sql, params] of await group()) {
      if (ids.length >= need) break;
      await take(s, sql, params, need, ids, seen);
    }
  }

  // Every group was read to its end when the window is not full: the users listed are all there are.
  const total = ids.length < need ? ids.length : await countMatches(s, q, hi);
  const page = ids.slice(offset, offset + limit);
  const found = new Map((await s.preparedRows<UserSummaryRecord>(SUMMARIES, [page])).map((u) => [u.id, u] as const));
  return { items: page.map((id) => found.get(id)!), hasMore: ids.length > offset + limit, total: Math.min(total, COUNT_CAP), totalCapped: total > COUNT_CAP };
}

/** The users matching q, up to COUNT_CAP + 1 (one more than the cap says "more"). */
async function countMatches(s: PgTxState, q: string, hi: string): Promise<number> {
  return (await s.preparedRows<{ n: number }>(COUNT_ALL, [q, hi, COUNT_CAP + 1]))[0]!.n;
}

/**
 * Appends the group's users not yet listed, in its order, until `need`. The LIMIT starts at what
 * is missing plus the users already listed (the most it can skip, but for a user found twice in
 * the group) and grows until the window fills or the group ends.
 */
async function take(s: PgTxState, sql: string, params: unknown[], need: number, ids: number[], seen: Set<number>): Promise<void> {
  let m = need - ids.length + seen.size + 1;
  for (;;) {
    const rows = await s.preparedRows<{ id: number }>(sql, [...params, m]);
    const fresh: number[] = [];
    const mine = new Set<number>();
    for (const r of rows) {
      if (seen.has(r.id) || mine.has(r.id)) continue;
      mine.add(r.id);
      if (fresh.push(r.id) + ids.length >= need) break;
    }
    if (fresh.length + ids.length >= need || rows.length < m) {
      for (const id of fresh) (seen.add(id), ids.push(id));
      return;
    }
    m *= 4;
  }
}
