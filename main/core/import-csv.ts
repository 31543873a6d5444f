import { fail } from './errors.ts';
import { IMPORT_COLUMNS, REQUIRED_IMPORT_COLUMNS, type ImportRejectCode } from '../../contract/imports.ts';

/** Columns an import file may have; the first four are required. `sms` and `sms_purpose` give a user's SMS factor. */
export { IMPORT_COLUMNS };
export type ImportColumn = (typeof IMPORT_COLUMNS)[number];
const REQUIRED: readonly ImportColumn[] = REQUIRED_IMPORT_COLUMNS;

/** Picks ',' or ';' as the delimiter: whichever occurs more often outside quotes in the header line; a tab-separated header is refused. */
export function detectDelimiter(headerLine: string): ',' | ';' {
  let commas = 0;
  let semicolons = 0;
  let tabs = 0;
  let quoted = false;
  for (const ch of headerLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === ',') commas++;
    else if (!quoted && ch === ';') semicolons++;
    else if (!quoted && ch === '\t') tabs++;
  }
  if (tabs > commas && tabs > semicolons) {
    fail('BAD_REQUEST', 'The file is tab-separated (TSV), not comma- or semicolon-separated. Save it as CSV (comma- or semicolon-separated) and import that file.', { field: 'file', kind: 'tsv' });
  }
  return semicolons > commas ? ';' : ',';
}

/**
 * Maps header cells to column positions (any order, any case); unknown, duplicate or missing
 * columns reject the file, the error's details naming them (`unknown` as written, `missing`,
 * `duplicate`) and the columns a header may have (`columns`), so each door words it.
 */
export function mapHeader(cells: string[]): Map<ImportColumn, number> {
  const map = new Map<ImportColumn, number>();
  const unknown: string[] = [];
  const unknownCells: string[] = [];
  cells.forEach((cell, i) => {
    const name = cell
      .trim()
      .toLowerCase()
      .replace(/[\s-]+/g, '_');
    if (!(IMPORT_COLUMNS as readonly string[]).includes(name)) {
      unknown.push(JSON.stringify(cell.slice(0, 40)));
      unknownCells.push(cell.slice(0, 40));
      return;
    }
    if (map.has(name as ImportColumn)) fail('BAD_REQUEST', `The header names the column ${name} twice.`, { field: 'header', kind: 'header', duplicate: [name], columns: [...IMPORT_COLUMNS] });
    map.set(name as ImportColumn, i);
  });
  const allowed = IMPORT_COLUMNS.join(', ');
  const missing = REQUIRED.filter((c) => !map.has(c));
  const named = { field: 'header', kind: 'header', unknown: unknownCells.slice(0, 5), missing: [...missing], columns: [...IMPORT_COLUMNS] };
  if (unknown.length > 0) fail('BAD_REQUEST', `The header has unknown columns: ${unknown.slice(0, 5).join(', ')}. Allowed columns: ${allowed}.`, named);
  if (missing.length > 0) fail('BAD_REQUEST', `The header lacks the required columns: ${missing.join(', ')}. Required: ${REQUIRED.join(', ')}.`, named);
  return map;
}

/** A row read from the file (its first physical line), or a line that could not be read as CSV. */
export type CsvEvent = { kind: 'row'; line: number; cells: string[] } | { kind: 'bad'; line: number; reason: string; code: ImportRejectCode; params?: { maxKb?: number } };

/** A quoted field may hold line breaks (Alt+Enter in a spreadsheet), but a row spans at most this many lines. */
export const MAX_RECORD_LINES = 10;
const MAX_RECORD_CHARS = 64 * 1024;

type Parse = { cells: string[] } | { open: true } | { error: string; code: ImportRejectCode };

/**
 * Splits one record's text into fields: RFC 4180 quoting ("" for a quote inside a quoted field),
 * spaces allowed around a quoted field. `open` when a quoted field is still open at the end.
 */
export function parseFields(text: string, delimiter: string): Parse {
  const cells: string[] = [];
  let i = 0;
  const n = text.length;
  for (;;) {
    // One field from i.
    let j = i;
    while (j < n && (text[j] === ' ' || text[j] === '\t') && delimiter !== text[j]) j++;
    if (j < n && text[j] === '"') {
      let value = '';
      let k = j + 1;
      for (;;) {
        const q = text.indexOf('"', k);
        if (q < 0) return { open: true };
        value += text.slice(k, q);
        if (text[q + 1] === '"') {
          value += '"';
          k = q + 2;
          continue;
        }
        k = q + 1;
        break;
      }
      while (k < n && (text[k] === ' ' || text[k] === '\t') && delimiter !== text[k]) k++;
      cells.push(value);
      if (k === n) return { cells };
      if (text[k] !== delimiter) return { error: 'a quote inside a quoted field is not doubled (""), or text follows the closing quote', code: 'quote-not-doubled' };
      i = k + 1;
      continue;
    }
    const d = text.indexOf(delimiter, i);
    const value = d < 0 ? text.slice(i) : text.slice(i, d);
    if (value.includes('"')) return { error: 'a quote in the middle of a field: put the field in quotes and double the quote ("")', code: 'stray-quote' };
    cells.push(value);
    if (d < 0) return { cells };
    i = d + 1;
  }
}

/**
 * Turns physical lines into rows. A row whose quoted field stays open takes the next lines (at
 * most MAX_RECORD_LINES); if such a row cannot be read, or has the wrong number of fields, its
 * first line is reported and reading starts again at the line after it, so one stray quote costs
 * one row and never the rest of the file.
 */
export class CsvRecords {
  private pending: Array<{ line: number; text: string }> = [];
  private pendingChars = 0;
  private readonly delimiter: string;
  private readonly fields: number;

  constructor(delimiter: string, fields: number) {
    this.delimiter = delimiter;
    this.fields = fields;
  }

  /** Feeds one line (null text: a line that could not be read, with its reason and code); returns what it completed. */
  push(line: number, text: string | null, unreadable?: { reason: string; code: ImportRejectCode; params?: { maxKb?: number } }): CsvEvent[] {
    const out: CsvEvent[] = [];
    if (text === null) {
      this.flushOpen(out);
      out.push({ kind: 'bad', line, reason: 'the line cannot be read', code: 'line-unreadable', ...unreadable });
      return out;
    }
    this.feed({ line, text }, out);
    return out;
  }

  /** The end of the file: a row still open is reported, and the lines after its first read again. */
  end(): CsvEvent[] {
    const out: CsvEvent[] = [];
    this.flushOpen(out);
    return out;
  }

  private feed(l: { line: number; text: string }, out: CsvEvent[]): void {
    if (this.pending.length === 0 && l.text.trim() === '') return; // blank lines are skipped
    this.pending.push(l);
    this.pendingChars += l.text.length + 1;
    const text = this.pending.length === 1 ? l.text : this.pending.map((p) => p.text).join('\n');
    const r = parseFields(text, this.delimiter);
    if ('open' in r) {
      if (this.pending.length >= MAX_RECORD_LINES || this.pendingChars > MAX_RECORD_CHARS) this.resync(out, 'a quoted field is not closed', 'quote-not-closed');
      return;
    }
    if ('error' in r) return this.resync(out, r.error, r.code);
    if (r.cells.length !== this.fields) return this.resync(out, 'the row has a different number of fields than the header', 'field-count');
    const first = this.pending[0]!.line;
    this.pending = [];
    this.pendingChars = 0;
    out.push({ kind: 'row', line: first, cells: r.cells });
  }

  /** Reports the first pending line and reads the lines after it again. */
  private resync(out: CsvEvent[], reason: string, code: ImportRejectCode): void {
    const [bad, ...again] = this.pending;
    this.pending = [];
    this.pendingChars = 0;
    out.push({ kind: 'bad', line: bad!.line, reason, code });
    for (const l of again) this.feed(l, out);
  }

  private flushOpen(out: CsvEvent[]): void {
    while (this.pending.length > 0) this.resync(out, 'a quoted field is not closed', 'quote-not-closed');
  }
}
