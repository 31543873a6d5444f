import type { Statement } from 'better-sqlite3-multiple-ciphers';
import type { Db } from './database.ts';
import { prefixUpperBound } from '../../core/text.ts';
import type { UserSummaryRecord } from '../records.ts';
import { COUNT_CAP, EMAIL_SORT_CAP, MAX_LIMIT, MAX_WINDOW, type DirectoryPage } from '../repos/directory.ts';
import { startsWithWholeWord } from './name-words.ts';

/**
 * The vault's directory search: index range scans over users (users_status_name,
 * users_status_email, users_name_key) and user_name_words, never LIKE and never a table scan, so
 * a keystroke costs about a millisecond at a million users. The ranking is the port's
 * (repos/directory.ts): the groups below are read in rank order, each lazily in name order from
 * the indexes (status is their first key, or the word's second), and reading stops once the page
 * and one more user are known. A later group only starts when the earlier ones are used up, so
 * the users it skips as already listed are fewer than the window.
 *
 * Name-word matches come from user_name_words, whose rows for one word and status are in name
 * order: up to MAX_MERGED_WORDS distinct words are merged (a surname prefix rarely has more).
 * Beyond that, up to WORD_SORT_CAP rows are sorted; beyond that, users are walked in name order.
 */
export const MAX_MERGED_WORDS = 32;
export const WORD_SORT_CAP = 3000;

type Status = 'active' | 'disabled';
const STATUSES: readonly Status[] = ['active', 'disabled'];

interface Keyed {
  id: number;
  name_key: string;
  email_key: string;
}

/**
 * The key ranges one kind of match reads: a prefix reads [q, hi); a whole word reads [q, q + '0')
 * (only keys where q is followed by a separator other than '’', or by nothing, are kept: `whole`)
 * and then [q + '’', …). The second range sorts after the first, so reading them in turn is name order
 * for users and word order for words.
 */
interface Ranges {
  q: string;
  /** Position (1-based, in characters) of the character after q, for substr(). */
  at: number;
  lo1: string;
  hi1: string;
  whole: 0 | 1;
  lo2: string;
  hi2: string;
}

function ranges(q: string, kind: 'whole' | 'prefix'): Ranges {
  const at = [...q].length + 1;
  if (kind === 'prefix') return { q, at, lo1: q, hi1: prefixUpperBound(q), whole: 0, lo2: '', hi2: '' };
  return { q, at, lo1: q, hi1: q + '0', whole: 1, lo2: q + '’', hi2: prefixUpperBound(q + '’') };
}

// Separators of a whole word in range 1 (all below '0'; '’' is range 2).
const SEP_LIST = `(' ', '''', '(', ')', ',', '-', '.')`;
const wholeIn = (col: string) => `(@whole = 0 OR ${col} = @q OR substr(${col}, @at, 1) IN ${SEP_LIST})`;
const inRanges = (col: string) => `((${col} >= @lo1 AND ${col} < @hi1 AND ${wholeIn(col)}) OR (${col} >= @lo2 AND ${col} < @hi2))`;

interface Statements {
  first: Statement;
  nameCount: Statement;
  wordUserCount: Statement;
  count: Statement;
  emailCount: Statement;
  nameRange: Statement;
  emailByName: Statement;
  emailByEmail: Statement;
  firstWord: Statement;
  nextWord: Statement;
  wordCount: Statement;
  wordsSorted: Statement;
  wordsWalk: Statement;
  summary: Statement;
  /** One per merged word (a statement runs one iteration at a time); prepared when first needed. */
  byWord: Statement[];
}

// Prepared once per connection: a type-ahead runs on every keystroke.
const cache = new WeakMap<Db, Statements>();

const BY_WORD = `SELECT user_id AS id, name_key, email_key FROM user_name_words
  WHERE word = @w AND status = @st ORDER BY name_key, email_key`;

function statements(db: Db): Statements {
  let s = cache.get(db);
  if (s) return s;
  s = {
    // Rank 1: the email key itself, or the local part (q + '@…'). A handful of users at most.
    first: db.prepare('SELECT id, name_key, email_key, status FROM users WHERE email_key = @q OR (email_key >= @local AND email_key < @localhi)'),
    // Each source alone, up to @cap: one that reaches it decides the count without the union's sort.
    nameCount: db.prepare('SELECT count(*) FROM (SELECT 1 FROM users INDEXED BY users_name_key WHERE name_key >= @q AND name_key < @hi LIMIT @cap)').pluck(),
    wordUserCount: db.prepare('SELECT count(*) FROM (SELECT DISTINCT user_id FROM user_name_words WHERE word >= @q AND word < @hi LIMIT @cap)').pluck(),
    // Every user matching by email, name or a later word, up to @cap of each (UNION: once each).
    count: db.prepare(
      `SELECT count(*) FROM (
         SELECT id FROM (SELECT id FROM users WHERE email_key >= @q AND email_key < @hi LIMIT @cap)
         UNION SELECT id FROM (SELECT id FROM users INDEXED BY users_name_key WHERE name_key >= @q AND name_key < @hi LIMIT @cap)
         UNION SELECT id FROM (SELECT DISTINCT user_id AS id FROM user_name_words WHERE word >= @q AND word < @hi LIMIT @cap))`,
    ).pluck(),
    emailCount: db.prepare('SELECT count(*) FROM (SELECT 1 FROM users WHERE email_key >= @q AND email_key < @hi LIMIT @cap)').pluck(),
    nameRange: db.prepare(
      `SELECT id, name_key, email_key FROM users INDEXED BY users_status_name
       WHERE status = @st AND name_key >= @lo AND name_key < @hi AND ${wholeIn('name_key')} ORDER BY name_key, email_key`,
    ),
    emailByName: db.prepare(
      'SELECT id, name_key, email_key FROM users INDEXED BY users_status_email WHERE status = @st AND email_key >= @q AND email_key < @hi ORDER BY name_key, email_key',
    ),
    emailByEmail: db.prepare(
      'SELECT id, name_key, email_key FROM users INDEXED BY users_status_email WHERE status = @st AND email_key >= @q AND email_key < @hi ORDER BY email_key',
    ),
    firstWord: db.prepare('SELECT word FROM user_name_words WHERE word >= @lo AND word < @hi ORDER BY word LIMIT 1').pluck(),
    nextWord: db.prepare('SELECT word FROM user_name_words WHERE word > @after AND word < @hi ORDER BY word LIMIT 1').pluck(),
    wordCount: db.prepare(`SELECT count(*) FROM (SELECT 1 FROM user_name_words WHERE status = @st AND ${inRanges('word')} LIMIT @cap)`).pluck(),
    // No DISTINCT (a second sort): a user's rows share both sort keys, so they are adjacent.
    wordsSorted: db.prepare(`SELECT user_id AS id, name_key, email_key FROM user_name_words WHERE status = @st AND ${inRanges('word')} ORDER BY name_key, email_key`),
    // Cheap text test on the covering index first; the word table has the last say.
    wordsWalk: db.prepare(
      `SELECT id, name_key, email_key FROM users AS u INDEXED BY users_status_name
       WHERE status = @st AND instr(name_key, @q) > 1
         AND EXISTS (SELECT 1 FROM user_name_words AS w WHERE w.user_id = u.id AND ${inRanges('w.word')})
       ORDER BY name_key, email_key`,
    ),
    summary: db.prepare('SELECT id, email, name, organization, status FROM users WHERE id = ?'),
    byWord: [],
  };
  cache.set(db, s);
  return s;
}

/** Compares like SQLite's BINARY collation (UTF-8 bytes, i.e. code points), not UTF-16 units. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (code points above U+FFFF) sort after U+E000–U+FFFF in code point order.
    x += x >= 0xe000 ? -0x800 : x >= 0xd800 ? 0x2000 : 0;
    y += y >= 0xe000 ? -0x800 : y >= 0xd800 ? 0x2000 : 0;
    return x - y;
  }
  return a.length - b.length;
}

function byNameThenEmail(a: Keyed, b: Keyed): number {
  return compareCodePoints(a.name_key, b.name_key) || compareCodePoints(a.email_key, b.email_key);
}

function* concat(...parts: Array<() => Iterable<Keyed>>): Generator<Keyed> {
  for (const p of parts) yield* p();
}

/** Merges lists that are each in name order, lazily (a user in two lists comes out twice, adjacent). */
function* merge(lists: Array<Iterable<Keyed>>): Generator<Keyed> {
  const cursors: Array<{ it: Iterator<Keyed>; cur: Keyed }> = [];
  try {
    for (const l of lists) {
      const it = l[Symbol.iterator]();
      const first = it.next();
      if (!first.done) cursors.push({ it, cur: first.value });
      else it.return?.();
    }
    while (cursors.length > 0) {
      let best = 0;
      for (let i = 1; i < cursors.length; i++) if (byNameThenEmail(cursors[i]!.cur, cursors[best]!.cur) < 0) best = i;
      const c = cursors[best]!;
      yield c.cur;
      const next = c.it.next();
      if (next.done) cursors.splice(best, 1);
      else c.cur = next.value;
    }
  } finally {
    for (const c of cursors) c.it.return?.();
  }
}

/** The distinct words in the ranges (whole words only where asked), one index seek each; null beyond `max`. */
function distinctWords(s: Statements, r: Ranges, max: number): string[] | null {
  const words: string[] = [];
  const spans = r.whole ? [{ lo: r.lo1, hi: r.hi1, whole: true }, { lo: r.lo2, hi: r.hi2, whole: false }] : [{ lo: r.lo1, hi: r.hi1, whole: false }];
  for (const sp of spans) {
    let w = s.firstWord.get({ lo: sp.lo, hi: sp.hi }) as string | undefined;
    while (w !== undefined) {
      if (!sp.whole || startsWithWholeWord(w, r.q)) {
        if (words.length === max) return null;
        words.push(w);
      }
      w = s.nextWord.get({ after: w, hi: sp.hi }) as string | undefined;
    }
  }
  return words;
}

/** Users of one status with a later name word matching, in name order (lazily). */
function wordMatches(db: Db, s: Statements, r: Ranges, st: Status): Iterable<Keyed> {
  const words = distinctWords(s, r, MAX_MERGED_WORDS);
  if (words !== null) return merge(words.map((w, i) => (s.byWord[i] ??= db.prepare(BY_WORD)).iterate({ w, st }) as IterableIterator<Keyed>));
  const count = s.wordCount.get({ ...r, st, cap: WORD_SORT_CAP + 1 }) as number;
  if (count > WORD_SORT_CAP) return s.wordsWalk.iterate({ ...r, st }) as IterableIterator<Keyed>;
  return s.wordsSorted.all({ ...r, st }) as Keyed[];
}

/** Users of one status whose name key matches, in name order (lazily). */
function nameMatches(s: Statements, r: Ranges, st: Status): Iterable<Keyed> {
  const first = () => s.nameRange.iterate({ q: r.q, at: r.at, whole: r.whole, st, lo: r.lo1, hi: r.hi1 }) as IterableIterator<Keyed>;
  if (!r.whole) return first();
  return concat(first, () => s.nameRange.iterate({ q: r.q, at: r.at, whole: 0, st, lo: r.lo2, hi: r.hi2 }) as IterableIterator<Keyed>);
}

/** The groups after rank 1, in rank order: each a list in the order it is listed in. */
function groups(db: Db, s: Statements, q: string): Array<() => Iterable<Keyed>> {
  const whole = ranges(q, 'whole');
  const prefix = ranges(q, 'prefix');
  const hi = prefix.hi1;
  let emailByName: boolean | undefined;
  const byName = () => (emailByName ??= (s.emailCount.get({ q, hi, cap: EMAIL_SORT_CAP + 1 }) as number) <= EMAIL_SORT_CAP);
  const out: Array<() => Iterable<Keyed>> = [];
  for (const st of STATUSES) out.push(() => merge([nameMatches(s, whole, st), wordMatches(db, s, whole, st)]));
  for (const st of STATUSES) {
    out.push(() =>
      byName()
        ? merge([nameMatches(s, prefix, st), wordMatches(db, s, prefix, st), s.emailByName.iterate({ q, hi, st }) as IterableIterator<Keyed>])
        : concat(
            () => merge([nameMatches(s, prefix, st), wordMatches(db, s, prefix, st)]),
            () => s.emailByEmail.iterate({ q, hi, st }) as IterableIterator<Keyed>,
          ),
    );
  }
  return out;
}

/** One page of the users matching the folded prefix `q`, ranked as DirectoryRead.search says. */
export function searchDirectory(db: Db, q: string, limit: number, offset: number): DirectoryPage {
  const empty = { items: [], hasMore: false, total: 0, totalCapped: false };
  if (typeof q !== 'string' || q.length === 0) return empty;
  if (!Number.isSafeInteger(limit) || !Number.isSafeInteger(offset) || limit < 1 || limit > MAX_LIMIT || offset < 0 || offset + limit > MAX_WINDOW) return empty;
  const s = statements(db);
  const need = offset + limit + 1; // one more than the page tells whether there is a next one
  const ids: number[] = [];
  const seen = new Set<number>();

  const local = q + '@';
  const first = s.first.all({ q, local, localhi: prefixUpperBound(local) }) as Array<Keyed & { status: Status }>;
  first.sort((a, b) => (a.status === b.status ? byNameThenEmail(a, b) : a.status === 'active' ? -1 : 1));
  for (const r of first) if (ids.length < need && !seen.has(r.id)) (seen.add(r.id), ids.push(r.id));

  for (const group of groups(db, s, q)) {
    if (ids.length >= need) break;
    const it = group()[Symbol.iterator]();
    try {
      for (let n = it.next(); !n.done; n = it.next()) {
        if (seen.has(n.value.id)) continue;
        seen.add(n.value.id);
        if (ids.push(n.value.id) >= need) break;
      }
    } finally {
      it.return?.();
    }
  }

  // Every group was read to its end when the window is not full: the users listed are all there are.
  const total = ids.length < need ? ids.length : countMatches(s, q);
  const page = ids.slice(offset, offset + limit);
  const items = page.map((id) => s.summary.get(id) as UserSummaryRecord);
  return { items, hasMore: ids.length > offset + limit, total: Math.min(total, COUNT_CAP), totalCapped: total > COUNT_CAP };
}

/** The users matching q, up to COUNT_CAP + 1 (one more than the cap says "more"). */
function countMatches(s: Statements, q: string): number {
  const p = { q, hi: prefixUpperBound(q), cap: COUNT_CAP + 1 };
  for (const one of [s.emailCount, s.nameCount, s.wordUserCount]) if ((one.get(p) as number) > COUNT_CAP) return COUNT_CAP + 1;
  return s.count.get(p) as number;
}

/** EXPLAIN QUERY PLAN of every search statement, for tests and diagnostics. */
export function explainSearch(db: Db): Record<string, string[]> {
  const s = statements(db);
  const p = { ...ranges('a', 'whole'), hi: prefixUpperBound('a'), cap: 1, after: 'a', w: 'a', st: 'active', lo: 'a', local: 'a@', localhi: 'b' };
  const out: Record<string, string[]> = {};
  const all = { ...s, byWord: db.prepare(BY_WORD) };
  for (const [name, stmt] of Object.entries(all) as Array<[string, Statement]>) {
    const sql = `EXPLAIN QUERY PLAN ${stmt.source}`;
    const rows = (name === 'summary' ? db.prepare(sql).all(1) : db.prepare(sql).all(pick(stmt.source, p))) as Array<{ detail: string }>;
    out[name] = rows.map((r) => r.detail);
  }
  return out;
}

function pick(source: string, p: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(p).filter(([k]) => new RegExp(`@${k}\\b`).test(source)));
}
