/**
 * The vault's name-word index (user_name_words): what it holds for a name. Kept in step by the
 * users repository on every insert and update; read by the directory search.
 */

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
 * The characters a later name word starts after (as in WORD above and nameWords() in text.ts).
 * All but '’' sort below '0', so the keys where q is followed by one of them (or end) lie in
 * [q, q + '0') or start with q + '’': the two ranges a whole-word lookup reads.
 */
export const WORD_SEPARATORS = [' ', "'", '(', ')', ',', '-', '.', '’'] as const;

/** True when `key` starts with `q` as a whole word: nothing follows, or a word separator does. */
export function startsWithWholeWord(key: string, q: string): boolean {
  if (!key.startsWith(q)) return false;
  return key.length === q.length || (WORD_SEPARATORS as readonly string[]).includes(key[q.length]!);
}
