// The spelling aid: each character with the word agents say on the phone, in the UI language.
import type { Lang } from './i18n.ts';

const NB: Record<string, string> = {
  A: 'Anna', B: 'Bernhard', C: 'Caesar', D: 'David', E: 'Erik', F: 'Fredrik', G: 'Gustav', H: 'Harald', I: 'Ivar', J: 'Johan',
  K: 'Karin', L: 'Ludvig', M: 'Martin', N: 'Nils', O: 'Olivia', P: 'Petter', Q: 'Quintus', R: 'Rikard', S: 'Sigrid', T: 'Teodor',
  U: 'Ulrik', V: 'Enkelt-V', W: 'Dobbelt-W', X: 'Xerxes', Y: 'Yngve', Z: 'Zakarias', Æ: 'Ærlig', Ø: 'Østen', Å: 'Åse',
  '0': 'null', '1': 'en', '2': 'to', '3': 'tre', '4': 'fire', '5': 'fem', '6': 'seks', '7': 'sju', '8': 'åtte', '9': 'ni',
  '-': 'bindestrek',
};

const EN: Record<string, string> = {
  A: 'Alfa', B: 'Bravo', C: 'Charlie', D: 'Delta', E: 'Echo', F: 'Foxtrot', G: 'Golf', H: 'Hotel', I: 'India', J: 'Juliett',
  K: 'Kilo', L: 'Lima', M: 'Mike', N: 'November', O: 'Oscar', P: 'Papa', Q: 'Quebec', R: 'Romeo', S: 'Sierra', T: 'Tango',
  U: 'Uniform', V: 'Victor', W: 'Whiskey', X: 'X-ray', Y: 'Yankee', Z: 'Zulu', Æ: 'Ash (Æ)', Ø: 'O-slash (Ø)', Å: 'A-ring (Å)',
  '0': 'zero', '1': 'one', '2': 'two', '3': 'three', '4': 'four', '5': 'five', '6': 'six', '7': 'seven', '8': 'eight', '9': 'nine',
  '-': 'hyphen',
};

/** One spoken character. */
export interface Spelled {
  ch: string;
  word: string;
}

/** Returns the word for one character ("J" → "Johan" / "Juliett"); lower-case letters are spelled as capitals. */
export function wordFor(ch: string, lang: Lang): string {
  const table = lang === 'nb' ? NB : EN;
  return table[ch.toUpperCase()] ?? ch;
}

/** Spells a code or key character by character, skipping spaces (groups are shown separately). */
export function spell(value: string, lang: Lang): Spelled[] {
  return [...value].filter((c) => !/\s/.test(c)).map((ch) => ({ ch, word: wordFor(ch, lang) }));
}
