// Dates, times, numbers and grouping, in the UI language. Dates read as people say them
// ("2 d ago"); the exact time goes into a title attribute and into the audit view.
import i18n, { currentLang, localeOf } from './i18n.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

function loc(): string {
  return localeOf(currentLang());
}

/**
 * The offset from UTC at `ms` in this computer's zone, " (UTC+01:00)": written after every full
 * time, as the command line and the enrollment sheet write it, so times read in different places
 * never disagree by an hour unnoticed.
 */
function zone(ms: number): string {
  const off = -new Date(ms).getTimezoneOffset();
  const abs = Math.abs(off);
  const p2 = (n: number) => String(n).padStart(2, '0');
  return ` (UTC${off < 0 ? '-' : '+'}${p2(Math.floor(abs / 60))}:${p2(abs % 60)})`;
}

/** "26 Nov 2026, 14:03 (UTC+01:00)" / "26. nov. 2026, 14:03 (UTC+01:00)". */
export function dateTime(ms: number): string {
  return new Intl.DateTimeFormat(loc(), { dateStyle: 'medium', timeStyle: 'short' }).format(ms) + zone(ms);
}

/** Full date and time with seconds and the zone, for titles and the audit table. */
export function exactTime(ms: number): string {
  return new Intl.DateTimeFormat(loc(), { dateStyle: 'long', timeStyle: 'medium' }).format(ms) + zone(ms);
}

/** "26 Nov 2026, 14:03:22 (UTC+01:00)": compact and exact, for tables. */
export function stamp(ms: number): string {
  return new Intl.DateTimeFormat(loc(), { dateStyle: 'medium', timeStyle: 'medium' }).format(ms) + zone(ms);
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

export { dayStart } from './date-input.ts';
export { phoneForDialling, phoneForReading } from './phone.ts';
