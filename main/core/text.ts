/**
 * The identity key of an email address: trimmed, NFC and simple Unicode case folding, one letter
 * for one letter. Two addresses are one user only when this key is equal. Unlike foldKey it
 * never changes a letter into another one: `straße@` is not `strasse@` and the dotless `ılker@`
 * is not `ilker@` (they are different mailboxes), while `Øyvind@`/`øyvind@` and `ΣΟΦΙΑ@`/`σοφια@`
 * (final sigma too) are one. The looser foldKey is for search only.
 */
export function identityKey(s: string): string {
  // ASCII (most addresses and names): plain lower case is the same fold, without the per-letter work.
  if (ASCII.test(s)) return s.trim().toLowerCase();
  let out = '';
  for (const ch of s.trim().normalize('NFC')) out += simpleFold(ch);
  return out.normalize('NFC');
}

const ASCII = /^[\x00-\x7f]*$/;

/** One character's simple case fold: a single character, never an expansion (ß stays ß). */
function simpleFold(ch: string): string {
  // The Turkic i's are letters of their own; Unicode folds them only in Turkic tailoring.
  if (ch === '\u0131' || ch === '\u0130') return ch;
  const lower = ch.toLowerCase();
  if ([...lower].length !== 1) return ch;
  // Through the capital letter, so case variants of one letter meet (ς and σ, ϐ and β, ẞ and ß).
  const upper = ch.toUpperCase();
  if ([...upper].length === 1) {
    const back = upper.toLowerCase();
    if ([...back].length === 1) return back;
  }
  return lower;
}

/**
 * Search key for emails and names: trimmed, NFC, Unicode case-folded. SQLite's NOCASE folds
 * ASCII only, so `Øyvind@` and `øyvind@` would be two users without this. Upper-then-lower
 * gives full folding for the cases that matter (ß → ss, final sigma).
 */
export function foldKey(s: string): string {
  // Loose on purpose (ß → ss, ı → i): for the type-ahead and for finding near-duplicates, never for identity.
  // Over the identity key, so addresses that are one user always have one search key (ẞ and ß too).
  if (ASCII.test(s)) return s.trim().toLowerCase();
  return identityKey(s).toUpperCase().toLowerCase().normalize('NFC');
}

/**
 * The mailbox an address reaches, for the own-account comparison only (never stored as a key):
 * NFKC (full-width `ｐer.lie＠` is `per.lie@`), Unicode case-folded, and a `+tag` of the local
 * part dropped (`per.lie+x@` reaches `per.lie@`). Operators' and users' addresses both go
 * through this one function, so a look-alike of an operator's own address is caught.
 */
export function mailboxKey(email: string): string {
  const s = email.normalize('NFKC').trim().toUpperCase().toLowerCase().normalize('NFKC');
  const at = s.lastIndexOf('@');
  if (at < 0) return s;
  const plus = s.indexOf('+');
  const local = plus >= 0 && plus < at ? s.slice(0, plus) : s.slice(0, at);
  return `${local}@${s.slice(at + 1)}`;
}

/** Splits a folded name into the words a prefix search should match. */
export function nameWords(folded: string): string[] {
  return [...new Set(folded.split(/[\s\-'’.,()]+/u).filter((w) => w.length > 0))];
}

/** The smallest string greater than every string starting with `prefix`, for index range scans. */
export function prefixUpperBound(prefix: string): string {
  return prefix + '\u{10FFFF}';
}

/** Masks a phone number except its last 2 digits: ••• •• •67. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  return `••• •• •${digits.slice(-2)}`;
}

/** Groups a string for reading aloud: groups of `n` separated by a space. */
export function group(s: string, n: number, sep = ' '): string {
  return (s.match(new RegExp(`.{1,${n}}`, 'g')) ?? []).join(sep);
}
