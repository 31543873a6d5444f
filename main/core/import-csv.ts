import { fail } from './errors.ts';

/** Columns an import file may have; the first four are required. */
export const IMPORT_COLUMNS = ['email', 'name', 'phone', 'organization', 'external_id', 'status'] as const;
export type ImportColumn = (typeof IMPORT_COLUMNS)[number];
const REQUIRED: readonly ImportColumn[] = ['email', 'name', 'phone', 'organization'];
const MAX_HEADER_BYTES = 64 * 1024;

/**
 * Reads chunks until the first non-blank line is complete, so the delimiter can be chosen before
 * parsing. Returns the chunks read (to be parsed first) and that line, without a BOM.
 */
export async function readFirstLine(it: AsyncIterator<unknown>): Promise<{ chunks: Buffer[]; line: string; done: boolean; bytes: number }> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for (;;) {
    const r = await it.next();
    if (r.done) return { chunks, line: firstLine(Buffer.concat(chunks), true) ?? '', done: true, bytes };
    const chunk = Buffer.isBuffer(r.value) ? r.value : Buffer.from(String(r.value), 'utf8');
    chunks.push(chunk);
    bytes += chunk.length;
    if (chunk.includes(0x0a) || chunk.includes(0x0d)) {
      const line = firstLine(Buffer.concat(chunks), false);
      if (line !== null) return { chunks, line, done: false, bytes };
    }
    if (bytes > MAX_HEADER_BYTES) fail('BAD_REQUEST', 'The file has no header line in its first 64 kB: this is not a user list with a header row.');
  }
}

/** The first non-blank complete line (or, at the end of the input, the last one too). */
function firstLine(buf: Buffer, atEnd: boolean): string | null {
  const parts = buf.toString('utf8').replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const complete = atEnd ? parts : parts.slice(0, -1);
  return complete.find((l) => l.trim() !== '') ?? null;
}

/** Picks ',' or ';' as the delimiter: whichever occurs more often outside quotes in the header line. */
export function detectDelimiter(headerLine: string): ',' | ';' {
  let commas = 0;
  let semicolons = 0;
  let quoted = false;
  for (const ch of headerLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === ',') commas++;
    else if (!quoted && ch === ';') semicolons++;
  }
  return semicolons > commas ? ';' : ',';
}

/** Maps header cells to column positions (any order, any case); unknown, duplicate or missing columns reject the file. */
export function mapHeader(cells: string[]): Map<ImportColumn, number> {
  const map = new Map<ImportColumn, number>();
  const unknown: string[] = [];
  cells.forEach((cell, i) => {
    const name = cell.trim().toLowerCase().replace(/[\s-]+/g, '_');
    if (!(IMPORT_COLUMNS as readonly string[]).includes(name)) {
      unknown.push(JSON.stringify(cell.slice(0, 40)));
      return;
    }
    if (map.has(name as ImportColumn)) fail('BAD_REQUEST', `The header names the column ${name} twice.`);
    map.set(name as ImportColumn, i);
  });
  const allowed = IMPORT_COLUMNS.join(', ');
  if (unknown.length > 0) fail('BAD_REQUEST', `The header has unknown columns: ${unknown.slice(0, 5).join(', ')}. Allowed columns: ${allowed}.`);
  const missing = REQUIRED.filter((c) => !map.has(c));
  if (missing.length > 0) fail('BAD_REQUEST', `The header lacks the required columns: ${missing.join(', ')}. Required: ${REQUIRED.join(', ')}.`);
  return map;
}

function lineBreaks(s: string): { breaks: number; crlf: number } {
  let breaks = 0;
  let crlf = 0;
  if (s.indexOf('\n') < 0 && s.indexOf('\r') < 0) return { breaks, crlf };
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 13) {
      breaks++;
      if (s.charCodeAt(i + 1) === 10) {
        crlf++;
        i++;
      }
    } else if (c === 10) breaks++;
  }
  return { breaks, crlf };
}

/**
 * Physical line numbers for parsed records. csv-parse's `info.lines` is the line where a record
 * ends, and (7.x) it counts a CR LF inside a quoted field as two lines; this undoes both, so a
 * record reports the line its first field starts on, as an editor shows it.
 */
export class LineTracker {
  private crlfInFields = 0;
  private lastEnd = 0;

  /** Start line of a record that ended at csv-parse line `endLine` with these fields. */
  record(endLine: number, fields: readonly unknown[]): number {
    let breaks = 0;
    for (const f of fields) {
      if (typeof f !== 'string') continue;
      const b = lineBreaks(f);
      breaks += b.breaks;
      this.crlfInFields += b.crlf;
    }
    const end = endLine - this.crlfInFields;
    this.lastEnd = end;
    return end - breaks;
  }

  /** Best start line for a record the parser could not read (an unbalanced quote): just after the last one. */
  unreadable(endLine: number): number {
    const start = this.lastEnd + 1;
    this.lastEnd = Math.max(this.lastEnd, endLine - this.crlfInFields);
    return start;
  }
}

/** Plain-language reason for a row csv-parse skipped. */
export function csvErrorReason(err: { code?: string; message?: string }): string {
  switch (err.code) {
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
    case 'CSV_RECORD_INCONSISTENT_COLUMNS':
      return 'the row has a different number of fields than the header';
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field is not closed';
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return 'a quote inside a field is not doubled ("")';
    case 'CSV_MAX_RECORD_SIZE':
      // csv-parse (7.x) stops reading after this error, so say what it means for the file.
      return 'the row is longer than 64 kB (a quote that is never closed?); the rest of the file was not read';
    default:
      return 'the row cannot be read as CSV';
  }
}
