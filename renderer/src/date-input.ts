// Parsing a typed date (pure: no DOM, no i18n), for the audit filter's date fields.

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
