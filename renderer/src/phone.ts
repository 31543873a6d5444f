// Phone numbers grouped for reading aloud (pure: no DOM, no i18n).

// Country calling codes of one and two digits (ITU E.164); every other code has three.
const CC1 = new Set(['1', '7']);
const CC2 = new Set(
  '20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98'.split(' '),
);

/** Splits digits into groups of three, the last of two to four (never a lone digit). */
function threes(d: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (d.length - i > 4) {
    out.push(d.slice(i, i + 3));
    i += 3;
  }
  if (i < d.length) out.push(d.slice(i));
  return out;
}

/**
 * A phone number grouped for reading aloud: Norwegian mobiles "+47 912 34 567", other Norwegian
 * numbers "+47 22 00 00 00", other countries "+46 701 234 567" (code, then threes). Anything that
 * is not an international number is returned as it was.
 */
export function phoneForReading(raw: string): string {
  const compactNo = raw.replace(/[\s().-]/g, '');
  const m = /^(?:\+|00)(\d{6,15})$/.exec(compactNo);
  if (!m) return raw.trim();
  const digits = m[1]!;
  const ccLen = CC1.has(digits[0]!) ? 1 : CC2.has(digits.slice(0, 2)) ? 2 : 3;
  const cc = digits.slice(0, ccLen);
  const rest = digits.slice(ccLen);
  if (cc === '47' && rest.length === 8) {
    const mobile = rest[0] === '4' || rest[0] === '9';
    const parts = mobile ? [rest.slice(0, 3), rest.slice(3, 5), rest.slice(5)] : [rest.slice(0, 2), rest.slice(2, 4), rest.slice(4, 6), rest.slice(6)];
    return `+47 ${parts.join(' ')}`;
  }
  return `+${cc} ${threes(rest).join(' ')}`;
}

/** The number as a dialler takes it ("+4791234567"). */
export function phoneForDialling(raw: string): string {
  const c = raw.replace(/[\s().-]/g, '');
  return c.startsWith('00') ? `+${c.slice(2)}` : c;
}
