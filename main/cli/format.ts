/**
 * An epoch-ms time as a person reads it: the local date and time of this computer with its
 * offset from UTC, e.g. `2026-12-03 14:00 (UTC+01:00)`; '-' when absent. JSON answers keep
 * epoch milliseconds.
 */
export function localTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '-';
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return '-';
  const p2 = (n: number) => String(n).padStart(2, '0');
  const offset = -d.getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())} ${p2(d.getHours())}:${p2(d.getMinutes())} (UTC${sign}${p2(Math.floor(abs / 60))}:${p2(abs % 60)})`;
}

// ISO 8601 UTC times as the services write them into messages (`until 2026-12-03T13:00:00.000Z`).
const ISO_UTC = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?Z\b/g;

/** Rewrites the ISO UTC times in a message from a service as local times (see localTime). */
export function localizeTimes(message: string): string {
  return message.replace(ISO_UTC, (m) => {
    const ms = Date.parse(m);
    return Number.isFinite(ms) ? localTime(ms) : m;
  });
}
