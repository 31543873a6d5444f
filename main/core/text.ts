/**
 * Lookup key for emails and names: trimmed, NFC, Unicode case-folded. SQLite's NOCASE folds
 * ASCII only, so `Øyvind@` and `øyvind@` would be two users without this. Upper-then-lower
 * gives full folding for the cases that matter (ß → ss, final sigma).
 */
export function foldKey(s: string): string {
  return s.trim().normalize('NFC').toUpperCase().toLowerCase().normalize('NFC');
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
