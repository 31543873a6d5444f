import { prefixUpperBound } from '../../core/text.ts';
import type { UserSummaryRecord } from '../records.ts';
import { COUNT_CAP, EMAIL_SORT_CAP, MAX_LIMIT, MAX_WINDOW, type DirectoryPage } from '../repos/directory.ts';
import { MAX_INDEXED_WORDS, startsWithWholeWord } from '../sqlite/name-words.ts';
import type { PgTxState } from './tx-state.ts';

/**
 * The directory search in PostgreSQL, ranked as the port says (repos/directory.ts) and as the
 * vault ranks (sqlite/user-search.ts): range scans `key >= q AND key < q || U+10FFFF` over the
 * COLLATE "C" keys, so the comparison is by code point (SQLite's BINARY) and matching is literal
 * (no LIKE). Two statements, each a fixed text run prepared:
 *
 * 1. PLAN: the distinct name words in the prefix and whole-word ranges (an index skip scan, up to
 *    MAX_MERGED_WORDS + 1 each), the users of rank 1 (the email or its local part), and whether
 *    the email matches are few enough to list by name (EMAIL_SORT_CAP).
 * 2. RANKED: every later rank at once, each the first `m` users of that rank in its order. Each
 *    part is an index range read in name order that stops at `m` rows (a LIMIT over an ordered
 *    index scan): name ranges on users_status_name_id, one read per merged word on
 *    user_name_words_status_id (one word's rows of one status are in name order), email matches
 *    on users_status_email_id, each holding the id so the read is index-only. So a keystroke reads a few hundred index entries at most, at any
 *    directory size. A word range with more distinct words than MAX_MERGED_WORDS (one or two
 *    letters) is read whole and sorted instead. When a rank's `m` rows were used up (most of them
 *    users listed already) before the page filled, RANKED runs again with a larger `m`. The same
 *    statement merges the ranks into the page (each user once, at their first place) and reads
 *    the page's summaries, with the capped count when the window is full, so a keystroke costs
 *    PLAN and this one round trip. When the users of rank 1 fill the window alone, their
 *    summaries and the count are read instead.
 *
 * Both run on generic plans (planned once per connection): every part is an ordered range
 * read with a LIMIT whatever q is, and planning one afresh per keystroke cost more than running it.
 * A type-ahead's search (ReadOptions.perStatement) runs them on the store's directory
 * connections, set to plan so once and without a transaction: two round trips a keystroke.
 */
export const MAX_MERGED_WORDS = 32;

// One skip-scan step per distinct word: the next word after the last, within [lo, hi).
const wordsIn = (name: string, lo: string, hi: string) => `${name}(word, n) AS (
    (SELECT word, 1 FROM user_name_words WHERE word >= ${lo} AND word < ${hi} ORDER BY word LIMIT 1)
    UNION ALL
    SELECT (SELECT w.word FROM user_name_words AS w WHERE w.word > ${name}.word AND w.word < ${hi} ORDER BY w.word LIMIT 1), n + 1
    FROM ${name} WHERE ${name}.word IS NOT NULL AND n <= ${MAX_MERGED_WORDS}
  )`;
// $1 q, $2 its prefix bound, $3 q || '0', $4 q || '’', $5 its prefix bound, $6 q || '@', $7 its prefix bound, $8 EMAIL_SORT_CAP + 1.
const PLAN = `WITH RECURSIVE ${wordsIn('pw', '$1', '$2')}, ${wordsIn('w1', '$1', '$3')}, ${wordsIn('w2', '$4', '$5')}
  SELECT
    ARRAY(SELECT word FROM pw WHERE word IS NOT NULL) AS prefix_words,
    ARRAY(SELECT word FROM w1 WHERE word IS NOT NULL) AS whole1,
    ARRAY(SELECT word FROM w2 WHERE word IS NOT NULL) AS whole2,
    ARRAY(SELECT id FROM users WHERE email_key = $1 OR (email_key >= $6 AND email_key < $7) ORDER BY status, name_key, email_key) AS first,
    (SELECT count(*) FROM (SELECT 1 FROM users WHERE email_key >= $1 AND email_key < $2 LIMIT $8) AS capped)::int AS emails`;

// RANKED's parameters: $1 q, $2 position after q (characters), $3 q's prefix bound, $4 q || '0',
// $5 q || '’', $6 its prefix bound, $7 m, $8 the whole words, $9 the prefix words.
const SEPS = `(' ', '''', '(', ')', ',', '-', '.')`;
const KEYS = 'id, name_key, email_key';
const byName = (st: string, where: string) => `(SELECT ${KEYS} FROM users WHERE status = '${st}' AND ${where} ORDER BY name_key, email_key LIMIT $7)`;
const wholeNames = (st: string) => [byName(st, `name_key >= $1 AND name_key < $4 AND (name_key = $1 OR substr(name_key, $2::int, 1) IN ${SEPS})`), byName(st, 'name_key >= $5 AND name_key < $6')];
const prefixNames = (st: string) => [byName(st, 'name_key >= $1 AND name_key < $3')];
/** One ordered read per word (merged by the rank's sort), or, past MAX_MERGED_WORDS, the ranges read whole and sorted. */
const words = (st: string, list: '$8' | '$9', merged: boolean) => {
  if (merged) {
    return `(SELECT x.id, x.name_key, x.email_key FROM unnest(${list}::text[]) AS w(word) CROSS JOIN LATERAL
      (SELECT user_id AS id, name_key, email_key FROM user_name_words AS u WHERE u.status = '${st}' AND u.word = w.word ORDER BY name_key, email_key LIMIT $7) AS x)`;
  }
  const where = list === '$8' ? `((word >= $1 AND word < $4 AND (word = $1 OR substr(word, $2::int, 1) IN ${SEPS})) OR (word >= $5 AND word < $6))` : 'word >= $1 AND word < $3';
  return `(SELECT user_id AS id, name_key, email_key FROM user_name_words WHERE status = '${st}' AND ${where} ORDER BY name_key, email_key LIMIT $7)`;
};
/**
 * At most EMAIL_SORT_CAP email matches, read by their email range and sorted by name: the fence
 * (OFFSET 0) keeps the planner from walking the whole status in name order for them instead.
 */
const emailsByName = (st: string) => `(SELECT ${KEYS} FROM (SELECT ${KEYS} FROM users WHERE status = '${st}' AND email_key >= $1 AND email_key < $3 OFFSET 0) AS e ORDER BY name_key, email_key LIMIT $7)`;
/** A rank: its parts' first m users in name order (k1, k2), numbered r. */
const rank = (r: number, parts: string[]) => `(SELECT ${r} AS r, id, k1, k2 FROM (SELECT id, name_key AS k1, email_key AS k2 FROM (${parts.join(' UNION ALL ')}) AS g ORDER BY 2, 3 LIMIT $7) AS p)`;
/** A rank of the email matches alone, in email order (more than EMAIL_SORT_CAP of them). */
const emailRank = (r: number, st: string) => `(SELECT ${r} AS r, id, email_key AS k1, ''::text COLLATE "C" AS k2 FROM users WHERE status = '${st}' AND email_key >= $1 AND email_key < $3 ORDER BY email_key LIMIT $7)`;

/** RANKED for one plan: whole words merged or not, prefix words merged or not, emails listed by name or after. */
function ranked(wholeMerged: boolean, prefixMerged: boolean, emailByName: boolean): string {
  const ranks: string[] = [];
  for (const st of ['active', 'disabled']) ranks.push(rank(ranks.length, [...wholeNames(st), words(st, '$8', wholeMerged)]));
  for (const st of ['active', 'disabled']) {
    const parts = [...prefixNames(st), words(st, '$9', prefixMerged)];
    if (emailByName) ranks.push(rank(ranks.length, [...parts, emailsByName(st)]));
    else ranks.push(rank(ranks.length, parts), emailRank(ranks.length + 1, st));
  }
  return ranks.join(' UNION ALL ');
}
/**
 * The capped count as three disjoint parts, each an index-only range read that stops at the cap
 * ($2 q, $3 its bound, $4 the cap): the email matches (users_email_key), the name matches whose
 * email does not match (users_name_key holds both keys), and the users found only by a later name
 * word (the word index holds copies of both keys). A user has at most MAX_INDEXED_WORDS words,
 * so their first cap × MAX_INDEXED_WORDS rows hold the cap in users when there are that many;
 * the first cap rows decide it without that longer read unless they hold a user twice. Each
 * part after the first is read only when the ones before stay below the cap.
 */
function countAll(q: string, bound: string, cap: string): string {
  const inQ = (col: string) => `(${col} >= ${q} AND ${col} < ${bound})`;
  const wordRows = (limit: string) => `SELECT user_id FROM user_name_words WHERE ${inQ('word')} AND NOT ${inQ('name_key')} AND NOT ${inQ('email_key')} LIMIT ${limit}`;
  const wordOnly = `SELECT CASE WHEN w.n < ${cap} OR w.users = ${cap} THEN w.users
    ELSE (SELECT count(*)::int FROM (SELECT DISTINCT user_id FROM (${wordRows(`${cap} * ${MAX_INDEXED_WORDS}`)}) AS r LIMIT ${cap}) AS d) END
  FROM (SELECT count(*)::int AS n, count(DISTINCT user_id)::int AS users FROM (${wordRows(cap)}) AS r) AS w`;
  const nameOnly = `SELECT count(*)::int FROM (SELECT 1 FROM users WHERE ${inQ('name_key')} AND NOT ${inQ('email_key')} LIMIT ${cap}) AS x`;
  const emails = `SELECT count(*)::int FROM (SELECT 1 FROM users WHERE ${inQ('email_key')} LIMIT ${cap}) AS x`;
  // OFFSET 0 keeps each part a subquery of its own, read once: pulled up, each use of e.n and n.n would read its range again.
  return `(SELECT CASE WHEN e.n >= ${cap} THEN ${cap} ELSE
    (SELECT CASE WHEN e.n + n.n >= ${cap} THEN ${cap} ELSE least(e.n + n.n + (${wordOnly}), ${cap}) END FROM (SELECT (${nameOnly}) AS n OFFSET 0) AS n)
  END FROM (SELECT (${emails}) AS n OFFSET 0) AS e)`;
}
const COUNT_ALL = countAll('$2', '$3', '$4');
// The summaries and, in the same round trip, the capped count ($2 q, $3 its bound, $4 COUNT_CAP + 1).
const SUMMARIES_COUNTED = `SELECT s.id, s.email, s.name, s.organization, s.status, c.n FROM (SELECT ${COUNT_ALL} AS n) AS c
  LEFT JOIN (SELECT id, email, name, organization, status FROM users WHERE id = ANY($1::bigint[])) AS s ON true`;

/**
 * RANKED and what the page needs of it, in one statement: the users the ranks list after the
 * first ones, each once at its first place (the JavaScript merge this replaces took the same),
 * up to the page's window; whether a rank ran out of its `m` rows before the window filled (the
 * caller asks again with a larger `m`); the page's summaries; and the capped count when the
 * window is full. Its parameters follow RANKED's `p`: the first users' ids (p+1), how many more
 * the window takes (p+2), the first users on the page (p+3), the window places of the page's
 * other users (p+4 to p+5, counted from 1 after the first users), COUNT_CAP + 1 (p+6), and
 * PLAN's count of the email matches (p+7): when they alone pass the cap, so does the count.
 */
function folded(body: string, p: number): string {
  const [first, want, onPage, lo, hi, cap, emails] = [1, 2, 3, 4, 5, 6, 7].map((i) => `$${p + i}`);
  return `WITH ranked AS (${body}),
  fresh AS (SELECT DISTINCT ON (id) id, r, k1, k2 FROM ranked WHERE id <> ALL(${first}::bigint[]) ORDER BY id, r, k1, k2),
  listed AS (SELECT id, row_number() OVER (ORDER BY r, k1, k2) AS pos FROM fresh ORDER BY r, k1, k2 LIMIT ${want}),
  -- MATERIALIZED: cut.short is read four times below, and inlined its check would run four times.
  cut AS MATERIALIZED (SELECT EXISTS (SELECT 1 FROM (SELECT r, count(*) AS n FROM ranked GROUP BY r) AS c
    WHERE c.n >= $7 AND (SELECT count(*) FROM fresh AS f WHERE f.r <= c.r) < ${want}) AS short)
  SELECT cut.short,
    CASE WHEN NOT cut.short THEN ARRAY(SELECT id FROM listed ORDER BY pos) END AS listed,
    -- More email matches than the cap (PLAN counted them) are a capped count: nothing to count again.
    CASE WHEN NOT cut.short AND (SELECT count(*) FROM listed) >= ${want} THEN (CASE WHEN ${emails}::int >= ${cap}::int THEN ${cap}::int ELSE ${countAll('$1', '$3', cap!)} END) END AS n,
    -- The page's users as one id array: an OR of ANY and a subquery would read users whole.
    CASE WHEN NOT cut.short THEN (SELECT json_agg(json_build_object('id', u.id, 'email', u.email, 'name', u.name, 'organization', u.organization, 'status', u.status))
      FROM users AS u WHERE u.id = ANY(${onPage}::bigint[] || ARRAY(SELECT id FROM listed WHERE pos BETWEEN ${lo} AND ${hi}))) END AS items
  FROM cut`;
}
/** The six fixed texts, so each runs prepared, with how many of RANKED's parameters each uses (a word list read whole has none). */
const RANKED = new Map<string, { sql: string; params: number }>();
// Whole words are among the prefix words, so merged prefix words mean merged whole words.
for (const [a, b] of [
  [false, false],
  [true, false],
  [true, true],
] as const)
  for (const c of [false, true]) {
    const body = ranked(a, b, c);
    const params = Math.max(...[...body.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
    RANKED.set(`${a}${b}${c}`, { sql: folded(body, params), params });
  }

const GENERIC_PLANS = 'SET LOCAL plan_cache_mode = force_generic_plan';

interface Plan {
  prefix_words: string[];
  whole1: string[];
  whole2: string[];
  first: number[];
  emails: number;
}

/** One page of the users matching the folded prefix `q` (see DirectoryRead.search). */
export async function searchDirectory(s: PgTxState, q: string, limit: number, offset: number): Promise<DirectoryPage> {
  const empty = { items: [], hasMore: false, total: 0, totalCapped: false };
  if (typeof q !== 'string' || q.length === 0) return empty;
  if (!Number.isSafeInteger(limit) || !Number.isSafeInteger(offset) || limit < 1 || limit > MAX_LIMIT || offset < 0 || offset + limit > MAX_WINDOW) return empty;
  // PostgreSQL text cannot hold NUL, so no stored key starts with such a prefix.
  if (q.includes('\0')) return empty;
  const hi = prefixUpperBound(q);
  const q0 = q + '0';
  const q2 = q + '’';
  const hi2 = prefixUpperBound(q2);
  const need = offset + limit + 1; // one more than the page tells whether there is a next one

  // The plans of these texts do not depend on q: planned once per connection, not per keystroke
  // (a custom plan costs more to make than the search costs to run). For this transaction only.
  // With the transaction's BEGIN, in one round trip; a connection of the directory's own is set so already.
  if (!s.genericPlans) await s.simple(GENERIC_PLANS);
  const plan = (await s.preparedRows<Plan>(PLAN, [q, hi, q0, q2, hi2, q + '@', prefixUpperBound(q + '@'), EMAIL_SORT_CAP + 1]))[0]!;
  const whole = [...plan.whole1.filter((w) => startsWithWholeWord(w, q)), ...plan.whole2];
  const wholeMerged = plan.whole1.length <= MAX_MERGED_WORDS && plan.whole2.length <= MAX_MERGED_WORDS;
  const prefixMerged = plan.prefix_words.length <= MAX_MERGED_WORDS;
  const ranks = RANKED.get(`${wholeMerged}${prefixMerged}${plan.emails <= EMAIL_SORT_CAP}`)!;
  const at = [...q].length + 1;

  // The email matches, each once (a Set: there may be up to a window of them).
  const first = [...new Set(plan.first.map(Number))].slice(0, need);
  if (first.length >= need) {
    // The email's own users fill the window: no later rank is read, the count is.
    const page = first.slice(offset, offset + limit);
    const found = await s.preparedRows<UserSummaryRecord & { n: number }>(SUMMARIES_COUNTED, [page, q, hi, COUNT_CAP + 1]);
    return pageOf(page, found, first.length > offset + limit, found[0]!.n);
  }
  const onPage = first.slice(offset, offset + limit);
  const lo = Math.max(1, offset - first.length + 1);
  const last = offset + limit - first.length;
  // Enough for the page when no rank lists many users twice; grown when one does.
  for (let m = 2 * need + plan.first.length + 1; ; m *= 4) {
    const params = [q, at, hi, q0, q2, hi2, m, whole, plan.prefix_words].slice(0, ranks.params);
    const row = (await s.preparedRows<{ short: boolean; listed: number[] | null; n: number | null; items: UserSummaryRecord[] | null }>(ranks.sql, [...params, first, need - first.length, onPage, lo, last, COUNT_CAP + 1, plan.emails]))[0]!;
    if (row.short) continue;
    const ids = [...first, ...row.listed!.map(Number)];
    const page = ids.slice(offset, offset + limit);
    // Every rank was read to its end when the window is not full: the users listed are all there are.
    const counted = ids.length >= need;
    return pageOf(page, row.items ?? [], ids.length > offset + limit, counted ? row.n! : ids.length);
  }
}

/** The page in its order from its users' summary rows (a row of SUMMARIES_COUNTED without a user carries only the count). */
function pageOf(page: number[], found: Array<UserSummaryRecord & { n?: number | null }>, hasMore: boolean, total: number): DirectoryPage {
  const byId = new Map(found.filter((u) => u.id !== null).map((u) => [Number(u.id), { id: u.id, email: u.email, name: u.name, organization: u.organization, status: u.status }] as const));
  // A user removed between two statements of a read without one snapshot (perStatement) is left out.
  const items = page.flatMap((id) => byId.get(id) ?? []);
  return { items, hasMore, total: Math.min(total, COUNT_CAP), totalCapped: total > COUNT_CAP };
}
