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
 * Largest email-prefix match set listed by name. One that matches more users (one or two letters
 * at a million users) is listed in email order, so a keystroke stays cheap in every store; typing
 * on narrows it below the cap and name order returns. Part of the ranking, not a store's tuning.
 */
export const EMAIL_SORT_CAP = 2000;

/** One page of a directory search. */
export interface DirectoryPage {
  items: UserSummaryRecord[];
  /** True when users beyond this page match (within the paging window). */
  hasMore: boolean;
}

/**
 * The directory type-ahead. Every store ranks alike: the user whose email key equals `prefix`
 * first; then users whose email key starts with it, by name key then email key (in email key
 * order when more than EMAIL_SORT_CAP match); then users whose name key, or the rest of
 * it from the start of a later word, starts with it, by name key then email key; no user twice.
 * Keys compare by code point (SQLite's BINARY). Matching is literal (no wildcards). A "later
 * word" starts after a space, hyphen, apostrophe, full stop, comma or parenthesis.
 */
export interface DirectoryRead {
  /**
   * A page of the users matching `prefix`, a non-empty folded key (foldKey); `limit` 1–MAX_LIMIT
   * and offset + limit at most MAX_WINDOW. Outside those bounds the answer is empty.
   */
  search(prefix: string, page: { limit: number; offset: number }): Promise<DirectoryPage>;
}

/** The directory index has no writes of its own: users.insert/update keep it in step. */
export interface DirectoryRepo extends DirectoryRead {}
