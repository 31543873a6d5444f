/**
 * Addresses that are easy to mistake for others. Imported as they are (they may be real
 * mailboxes) but flagged in the import report, so an admin checks them before the helpdesk
 * relies on them: a part of the address that mixes writing systems (a Cyrillic а in a Latin
 * name: `pаul@` is not `paul@`), the homoglyph trick of UTS #39.
 */

/** Writing systems told apart; letters of any other script count as one script of their own each. */
const SCRIPTS = ['Latin', 'Cyrillic', 'Greek', 'Armenian', 'Georgian', 'Cherokee', 'Hebrew', 'Arabic', 'Devanagari', 'Bengali', 'Tamil', 'Thai', 'Ethiopic', 'Han', 'Hiragana', 'Katakana', 'Hangul', 'Bopomofo'] as const;
const SCRIPT_RES = SCRIPTS.map((s) => [s, new RegExp(`^\\p{Script=${s}}$`, 'u')] as const);
/** Mixes that are ordinary writing (UTS #39 "highly restrictive"): Japanese, Chinese, Korean with Latin. */
const ORDINARY_MIXES: ReadonlyArray<ReadonlySet<string>> = [new Set(['Latin', 'Han', 'Hiragana', 'Katakana']), new Set(['Latin', 'Han', 'Bopomofo']), new Set(['Latin', 'Han', 'Hangul'])];

function scriptOf(ch: string): string | null {
  if (!/^\p{L}$/u.test(ch)) return null; // digits, dots, marks and signs belong to every script
  for (const [name, re] of SCRIPT_RES) if (re.test(ch)) return name;
  return `other:${ch}`;
}

/** True when `part` has letters of more than one writing system, beyond the ordinary mixes. */
export function mixesScripts(part: string): boolean {
  const seen = new Set<string>();
  for (const ch of part.normalize('NFC')) {
    const s = scriptOf(ch);
    if (s) seen.add(s);
  }
  if (seen.size <= 1) return false;
  return !ORDINARY_MIXES.some((ok) => [...seen].every((s) => ok.has(s)));
}

/** The first part of an address (the local part, or a domain label) that mixes writing systems; null when none does. */
export function mixedScriptPart(email: string): string | null {
  const at = email.lastIndexOf('@');
  const parts = at < 0 ? [email] : [email.slice(0, at), ...email.slice(at + 1).split('.')];
  return parts.find((p) => mixesScripts(p)) ?? null;
}
