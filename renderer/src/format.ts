// Dates, times, numbers and grouping, in the UI language. Dates read as people say them
// ("2 d ago"); the exact time goes into a title attribute and into the audit view.
import i18n, { currentLang, localeOf } from './i18n.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

function loc(): string {
  return localeOf(currentLang());
}

/** "26 Nov 2026, 14:03" / "26. nov. 2026, 14:03". */
export function dateTime(ms: number): string {
  return new Intl.DateTimeFormat(loc(), { dateStyle: 'medium', timeStyle: 'short' }).format(ms);
}

/** Full date and time with seconds, for titles and the audit table. */
export function exactTime(ms: number): string {
  return new Intl.DateTimeFormat(loc(), { dateStyle: 'long', timeStyle: 'medium' }).format(ms);
}

/** "26 Nov 2026, 14:03:22": compact and exact, for tables. */
export function stamp(ms: number): string {
  return new Intl.DateTimeFormat(loc(), { dateStyle: 'medium', timeStyle: 'medium' }).format(ms);
}

/** "3 Mar 2026". */
export function date(ms: number): string {
  return new Intl.DateTimeFormat(loc(), { dateStyle: 'medium' }).format(ms);
}

/** "14:03". */
export function time(ms: number): string {
  return new Intl.DateTimeFormat(loc(), { timeStyle: 'short' }).format(ms);
}

/** Today: "09:12"; this year: "3 Mar"; older: "3 Mar 2025". */
export function shortWhen(ms: number, now = Date.now()): string {
  const d = new Date(ms);
  const n = new Date(now);
  if (d.toDateString() === n.toDateString()) return time(ms);
  if (d.getFullYear() === n.getFullYear()) return new Intl.DateTimeFormat(loc(), { day: 'numeric', month: 'short' }).format(ms);
  return date(ms);
}

/** "just now", "5 min ago", "3 h ago", "2 d ago", "in 3 d"; older than 60 days: the date. */
export function relative(ms: number, now = Date.now()): string {
  const diff = now - ms;
  const abs = Math.abs(diff);
  const past = diff >= 0;
  if (abs < MIN) return i18n.t('time.now');
  if (abs >= 60 * DAY) return date(ms);
  let n: number;
  let unit: 'min' | 'h' | 'd';
  if (abs < HOUR) [n, unit] = [Math.floor(abs / MIN), 'min'];
  else if (abs < DAY) [n, unit] = [Math.floor(abs / HOUR), 'h'];
  else [n, unit] = [Math.floor(abs / DAY), 'd'];
  const amount = i18n.t(`time.unit_${unit}`, { n: number(n) });
  return i18n.t(past ? 'time.ago' : 'time.in', { amount });
}

/** A whole number with the locale's grouping ("18,204" / "18 204"). */
export function number(n: number): string {
  return new Intl.NumberFormat(loc()).format(n);
}

/** Bytes as "1.2 MB". */
export function bytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${new Intl.NumberFormat(loc(), { maximumFractionDigits: i === 0 ? 0 : 1 }).format(v)} ${units[i]}`;
}

/** Splits a code or key into groups for reading aloud: separators kept if present, else groups of `size`. */
export function groups(value: string, size = 4): string[] {
  const trimmed = value.trim();
  if (/[\s-]/.test(trimmed)) return trimmed.split(/[\s-]+/).filter(Boolean);
  const out: string[] = [];
  for (let i = 0; i < trimmed.length; i += size) out.push(trimmed.slice(i, i + size));
  return out;
}

/** The value without spaces or hyphens (what the user types). */
export function compact(value: string): string {
  return value.replace(/[\s-]+/g, '');
}

/** The first word of a person's name ("Kari" of "Kari Nordmann"), for sentences. */
export function firstName(name: string): string {
  return name.trim().split(/\s+/)[0] ?? name;
}

/** A date as the UI's locale writes it in a field: "03.12.2026" (nb), "03/12/2026" (en). */
export function dateNumeric(ms: number): string {
  return new Intl.DateTimeFormat(loc(), { day: '2-digit', month: '2-digit', year: 'numeric' }).format(ms);
}

/**
 * Milliseconds at the start (00:00, local time) of a typed date, day first as both UI locales
 * write it — "3.12.2026", "03/12/2026", "3-12-2026" — or ISO "2026-12-03"; a two-digit year is
 * 20xx. `undefined` for an empty field, `null` for something that is not a real date.
 */
export function dayStart(value: string): number | undefined | null {
  const v = value.trim();
  if (v === '') return undefined;
  let y: number, mo: number, d: number;
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(v);
  const dmy = /^(\d{1,2})[./-](\d{1,2})[./-](\d{2}|\d{4})$/.exec(v);
  if (iso) [y, mo, d] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  else if (dmy) [d, mo, y] = [Number(dmy[1]), Number(dmy[2]), Number(dmy[3]!.length === 2 ? `20${dmy[3]}` : dmy[3])];
  else return null;
  const date = new Date(y, mo - 1, d);
  if (date.getFullYear() !== y || date.getMonth() !== mo - 1 || date.getDate() !== d) return null;
  return date.getTime();
}

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
