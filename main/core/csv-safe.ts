/**
 * CSV cells that are safe to open in a spreadsheet. Exports (outbox, audit) carry text typed by
 * operators and imported from HR files; a cell starting with `=`, `+`, `-` or `@` would run as a
 * formula in Excel or LibreOffice (CSV injection), so such cells get a leading apostrophe.
 */

// C0/C1 control characters except line feed (kept inside quoted cells), and the bidi
// override/isolate characters that make a cell display differently from what it holds.
const STRIPPED = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;
// Characters that make a spreadsheet treat the cell as a formula (tab and CR as well: some
// spreadsheets skip leading whitespace before looking for '=').
const FORMULA_START = /^[=+\-@\t\r]/;

/** One CSV cell: control characters stripped, formula starts neutralised, RFC 4180 quoting. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  // A real number cannot be a formula; print it as is (negative numbers stay numbers).
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const raw = typeof value === 'string' ? value : JSON.stringify(value);
  let s = raw.replace(/\r\n/g, '\n');
  const risky = FORMULA_START.test(raw);
  s = s.replace(STRIPPED, '');
  if (risky || FORMULA_START.test(s)) s = `'${s}`;
  // Quote on comma, semicolon (the separator Norwegian spreadsheets assume), quote or newline.
  if (/[",;\n]/.test(s)) s = `"${s.replace(/"/g, '""')}"`;
  return s;
}

/** One CSV line (no line terminator; join lines with "\r\n" as RFC 4180 says). */
export function csvRow(values: readonly unknown[]): string {
  return values.map(csvCell).join(',');
}
