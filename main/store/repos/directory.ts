import type { UserSummaryRecord } from '../records.ts';

/**
 * Longest typed query the type-ahead looks at. A stored email is at most 254 characters and a
 * name at most 200, so a longer input is a paste or an attack, not a prefix anyone types.
 */
export const MAX_QUERY_LENGTH = 256;
export const MAX_LIMIT = 100;
/** Results a query can page through (offset + limit); beyond it the answer is empty: type more. */
export const MAX_WINDOW = 1000;
/**
 * Largest email-prefix match set listed by name. Beyond it (one or two letters at a million
 * users) the users found only by email are listed in email order after the name matches, so a
 * keystroke stays cheap in every store; typing on narrows it below the cap and name order
 * returns. Part of the ranking, not a store's tuning.
 */
export const EMAIL_SORT_CAP = 2000;

/**
 * Match counts are exact up to this many users; beyond it a search says "more than COUNT_CAP"
 * (the renderer shows "1,000+"), so counting stays a bounded index read at any directory size.
 */
export const COUNT_CAP = 1000;

/** One page of a directory search. */
export interface DirectoryPage {
  items: UserSummaryRecord[];
  /** True when users beyond this page match (within the paging window). */
  hasMore: boolean;
  /** How many users match in all (every page): exact up to COUNT_CAP, COUNT_CAP when capped. */
  total: number;
  /** True when more than COUNT_CAP users match (`total` is then COUNT_CAP). */
  totalCapped: boolean;
}

/**
 * The directory type-ahead. A user matches when their email key, their name key, or the rest of
 * the name from the start of a later word starts with `prefix`. Every store ranks alike, each
 * rank with active users before disabled ones and then by name key, then email key:
 *  1. the user whose email key is `prefix`, or whose email's local part is (`prefix` + '@…');
 *  2. users with a whole-word name match: the name, or the rest of it from a later word, is
 *     `prefix` or starts with `prefix` followed by a word separator ("kari" finds "Kari
 *     Nordmann", "Kari-Anne Ali" and "Anne Kari Lie", not "Karianne Berg");
 *  3. the other matches. When more than EMAIL_SORT_CAP users' email keys start with `prefix`,
 *     the users found only by email come after the name matches of their status, in email key
 *     order (a keystroke stays cheap in every store; typing on narrows it below the cap).
 * No user twice. Keys compare by code point (SQLite's BINARY); 'active' sorts before
 * 'disabled'. Matching is literal (no wildcards). A "later word" starts after a space, hyphen,
 * apostrophe, full stop, comma or parenthesis (WORD_SEPARATORS in sqlite/name-words.ts).
 */
export interface DirectoryRead {
  /**
   * A page of the users matching `prefix`, a non-empty folded key (foldKey); `limit` 1–MAX_LIMIT
   * and offset + limit at most MAX_WINDOW. Outside those bounds the answer is empty (total 0).
   */
  search(prefix: string, page: { limit: number; offset: number }): Promise<DirectoryPage>;
}

/** The directory index has no writes of its own: users.insert/update keep it in step. */
export interface DirectoryRepo extends DirectoryRead {}
