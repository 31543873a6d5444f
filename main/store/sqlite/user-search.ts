import type { Statement } from 'better-sqlite3-multiple-ciphers';
import type { Db } from './database.ts';
import { prefixUpperBound } from '../../core/text.ts';
import type { UserSummaryRecord } from '../records.ts';
import { EMAIL_SORT_CAP, MAX_LIMIT, MAX_WINDOW, type DirectoryPage } from '../repos/directory.ts';

/**
 * The vault's directory search: index range scans over users (users_email_name, users_name_key)
 * and user_name_words, never LIKE and never a table scan, so a keystroke costs well under a
 * millisecond at a million users. The ranking is the port's (repos/directory.ts); the caps
 * below only choose how it is computed.
 *
 * Name-word matches come from user_name_words, whose rows for one word are already in name order:
 * up to MAX_MERGED_WORDS distinct words are merged (a surname prefix rarely has more). Beyond
 * that, up to WORD_SORT_CAP rows are sorted; beyond that, users are walked in name order.
 */
export const MAX_MERGED_WORDS = 32;
export const WORD_SORT_CAP = 3000;

// A later word starts right after one of these (the separators of nameWords() in text.ts; a
// stored name has its whitespace collapsed to single spaces).
const WORD_START = [' ', '-', "''", '’', '.', ',', '(', ')'].map((c) => `instr(name_key, '${c}' || @q)`).join(' OR ');
const NOT_EMAIL = 'NOT (email_key >= @q AND email_key < @hi)';
const NOT_NAME = 'NOT (name_key >= @q AND name_key < @hi)';

interface Keyed {
  id: number;
  name_key: string;
  email_key: string;
}

interface Statements {
  exact: Statement;
  emailCount: Statement;
  emailByName: Statement;
  emailByEmail: Statement;
  nameRange: Statement;
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
  WHERE word = @w AND ${NOT_NAME} AND ${NOT_EMAIL} ORDER BY name_key, email_key`;

function statements(db: Db): Statements {
  let s = cache.get(db);
  if (s) return s;
  s = {
    exact: db.prepare('SELECT id FROM users WHERE email_key = @q').pluck(),
    emailCount: db.prepare('SELECT count(*) FROM (SELECT 1 FROM users WHERE email_key > @q AND email_key < @hi LIMIT @cap)').pluck(),
    emailByName: db.prepare(
      'SELECT id FROM users INDEXED BY users_email_name WHERE email_key > @q AND email_key < @hi ORDER BY name_key, email_key LIMIT @n',
    ).pluck(),
    emailByEmail: db.prepare('SELECT id FROM users WHERE email_key > @q AND email_key < @hi ORDER BY email_key LIMIT @n').pluck(),
    nameRange: db.prepare(
      `SELECT id, name_key, email_key FROM users INDEXED BY users_name_key
       WHERE name_key >= @q AND name_key < @hi AND ${NOT_EMAIL} ORDER BY name_key, email_key LIMIT @n`,
    ),
    firstWord: db.prepare('SELECT word FROM user_name_words WHERE word >= @q AND word < @hi ORDER BY word LIMIT 1').pluck(),
    nextWord: db.prepare('SELECT word FROM user_name_words WHERE word > @after AND word < @hi ORDER BY word LIMIT 1').pluck(),
    wordCount: db.prepare('SELECT count(*) FROM (SELECT 1 FROM user_name_words WHERE word >= @q AND word < @hi LIMIT @cap)').pluck(),
    // No DISTINCT (a second sort): a user's rows share both sort keys, so they are adjacent.
    wordsSorted: db.prepare(
      `SELECT user_id AS id, name_key, email_key FROM user_name_words
       WHERE word >= @q AND word < @hi AND ${NOT_NAME} AND ${NOT_EMAIL} ORDER BY name_key, email_key`,
    ),
    // Cheap text tests on the covering index first; the word table has the last say.
    wordsWalk: db.prepare(
      `SELECT id, name_key, email_key FROM users AS u INDEXED BY users_name_key
       WHERE instr(name_key, @q) > 1 AND (${WORD_START}) AND ${NOT_NAME} AND ${NOT_EMAIL}
         AND EXISTS (SELECT 1 FROM user_name_words AS w WHERE w.user_id = u.id AND w.word >= @q AND w.word < @hi)
       ORDER BY name_key, email_key LIMIT @n`,
    ),
    summary: db.prepare('SELECT id, email, name, organization, status FROM users WHERE id = ?'),
    byWord: [],
  };
  cache.set(db, s);
  return s;
}

/** The distinct words in [q, hi), one index seek each; null when there are more than `max`. */
function distinctWords(s: Statements, p: { q: string; hi: string }, max: number): string[] | null {
  const words: string[] = [];
  let w = s.firstWord.get(p) as string | undefined;
  while (w !== undefined) {
    if (words.length === max) return null;
    words.push(w);
    w = s.nextWord.get({ after: w, hi: p.hi }) as string | undefined;
  }
  return words;
}

/** Merges the per-word lists (each in name order) lazily, so only about n + words rows are read. */
function mergeWords(db: Db, s: Statements, p: { q: string; hi: string }, words: string[], n: number): Keyed[] {
  const cursors: Array<{ it: IterableIterator<Keyed>; cur: Keyed }> = [];
  const out: Keyed[] = [];
  try {
    words.forEach((w, i) => {
      const stmt = (s.byWord[i] ??= db.prepare(BY_WORD));
      const it = stmt.iterate({ ...p, w }) as IterableIterator<Keyed>;
      const first = it.next();
      if (first.done) return;
      cursors.push({ it, cur: first.value });
    });
    while (out.length < n && cursors.length > 0) {
      let best = 0;
      for (let i = 1; i < cursors.length; i++) if (byNameThenEmail(cursors[i]!.cur, cursors[best]!.cur) < 0) best = i;
      const c = cursors[best]!;
      // A user with two matching words comes out of two lists, one right after the other.
      if (out.length === 0 || out[out.length - 1]!.id !== c.cur.id) out.push(c.cur);
      const next = c.it.next();
      if (next.done) cursors.splice(best, 1);
      else c.cur = next.value;
    }
  } finally {
    for (const c of cursors) c.it.return?.();
  }
  return out;
}

/** Users with a later name word starting with q (not already listed), in name order, at most n. */
function wordMatches(db: Db, s: Statements, p: { q: string; hi: string }, n: number): Keyed[] {
  const words = distinctWords(s, p, MAX_MERGED_WORDS);
  if (words !== null) return words.length === 0 ? [] : mergeWords(db, s, p, words, n);
  const count = s.wordCount.get({ ...p, cap: WORD_SORT_CAP + 1 }) as number;
  if (count > WORD_SORT_CAP) return s.wordsWalk.all({ ...p, n }) as Keyed[];
  const out: Keyed[] = [];
  for (const r of s.wordsSorted.iterate(p) as IterableIterator<Keyed>) {
    if (out.length > 0 && out[out.length - 1]!.id === r.id) continue;
    if (out.push(r) === n) break;
  }
  return out;
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

/**
 * One page of the users matching the folded prefix `q` (see DirectoryRead.search): the exact
 * email first, then email-prefix matches, then users with a name word (or the whole name)
 * starting with q, each group by name then email, no user twice.
 */
export function searchDirectory(db: Db, q: string, limit: number, offset: number): DirectoryPage {
  const empty = { items: [], hasMore: false };
  if (typeof q !== 'string' || q.length === 0) return empty;
  if (!Number.isSafeInteger(limit) || !Number.isSafeInteger(offset) || limit < 1 || limit > MAX_LIMIT || offset < 0 || offset + limit > MAX_WINDOW) return empty;
  const s = statements(db);
  const p = { q, hi: prefixUpperBound(q) };
  const need = offset + limit + 1; // one more than the page tells whether there is a next one
  const ids: number[] = [];

  const exact = s.exact.get(p) as number | undefined;
  if (exact !== undefined) ids.push(exact);

  // Email-prefix matches (the exact one excluded by the open lower bound).
  const emailCount = s.emailCount.get({ ...p, cap: EMAIL_SORT_CAP + 1 }) as number;
  if (emailCount > 0) {
    const n = need - ids.length;
    const stmt = emailCount <= EMAIL_SORT_CAP ? s.emailByName : s.emailByEmail;
    for (const id of stmt.all({ ...p, n }) as number[]) ids.push(id);
  }

  // Name matches: only needed when the email groups do not fill the window, so fewer than
  // `need` users are excluded below as already listed.
  if (ids.length < need) {
    const n = need - ids.length;
    const whole = s.nameRange.all({ ...p, n }) as Keyed[];
    const words = wordMatches(db, s, p, n);
    // Both lists are sorted and disjoint (words exclude whole-name matches): merge them.
    const merged = whole.concat(words).sort(byNameThenEmail);
    for (const r of merged.slice(0, n)) ids.push(r.id);
  }

  const page = ids.slice(offset, offset + limit);
  const items = page.map((id) => s.summary.get(id) as UserSummaryRecord);
  return { items, hasMore: ids.length > offset + limit };
}

/** EXPLAIN QUERY PLAN of every search statement, for tests and diagnostics. */
export function explainSearch(db: Db): Record<string, string[]> {
  const s = statements(db);
  const p = { q: 'a', hi: prefixUpperBound('a'), cap: 1, n: 1, after: 'a', w: 'a' };
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
  return Object.fromEntries(Object.entries(p).filter(([k]) => source.includes(`@${k}`)));
}
