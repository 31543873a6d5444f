// The bytes of an import file as numbered text lines: the encoding found from the first bytes
// (a BOM, else UTF-8, else Windows-1252), spreadsheets and binary files named and refused, and
// no letter ever replaced by U+FFFD.
import { fail } from './errors.ts';
import type { ImportEncoding } from '../../contract/index.ts';

export type { ImportEncoding };
/** The encodings an import can be told to use. */
export const IMPORT_ENCODINGS: readonly ImportEncoding[] = ['utf-8', 'utf-16le', 'utf-16be', 'windows-1252'];
/** Longest physical line read; a user row is a few hundred bytes. */
export const MAX_LINE_BYTES = 64 * 1024;
/** How much of the start is looked at for a BOM, a spreadsheet's magic number or NUL bytes. */
const SNIFF_BYTES = 4096;
const UTF16_SLICE = 1024;

const ALIASES: Record<string, ImportEncoding | 'auto'> = {
  auto: 'auto',
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  'utf-16le': 'utf-16le',
  utf16le: 'utf-16le',
  'utf-16be': 'utf-16be',
  utf16be: 'utf-16be',
  'windows-1252': 'windows-1252',
  windows1252: 'windows-1252',
  cp1252: 'windows-1252',
  'cp-1252': 'windows-1252',
  // Windows-1252 is ISO 8859-1 with letters instead of C1 controls in 0x80–0x9F; files saved as "Latin-1" are read right.
  latin1: 'windows-1252',
  'latin-1': 'windows-1252',
  'iso-8859-1': 'windows-1252',
  'iso8859-1': 'windows-1252',
};

/** The encoding named by NAME (any case, common aliases), `auto`, or null for a name not known. */
export function encodingByName(name: string): ImportEncoding | 'auto' | null {
  return ALIASES[name.trim().toLowerCase().replace(/_/g, '-')] ?? null;
}

/** How an encoding is named in messages. */
export function encodingLabel(e: ImportEncoding): string {
  return e === 'utf-8' ? 'UTF-8' : e === 'utf-16le' ? 'UTF-16 LE' : e === 'utf-16be' ? 'UTF-16 BE' : 'Windows-1252';
}

/** One physical line (1 = the first), its text, or why it could not be read. */
export interface PhysicalLine {
  line: number;
  text: string;
  problem?: 'too-long' | 'not-utf-8';
}

const BOMS: Array<[ImportEncoding, number[]]> = [
  ['utf-8', [0xef, 0xbb, 0xbf]],
  ['utf-16le', [0xff, 0xfe]],
  ['utf-16be', [0xfe, 0xff]],
];
const startsWith = (b: Buffer, sig: number[]): boolean => b.length >= sig.length && sig.every((x, i) => b[i] === x);

/** Refuses what is not a text file, naming what it looks like. */
function refuseNonText(head: Buffer): void {
  const again = 'Save it as CSV (comma- or semicolon-separated) and import that file.';
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04])) fail('BAD_REQUEST', `The file is a spreadsheet workbook (.xlsx, a zip archive), not a CSV file. ${again}`, { field: 'file', kind: 'xlsx' });
  if (startsWith(head, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) fail('BAD_REQUEST', `The file is an old Excel workbook (.xls), not a CSV file. ${again}`, { field: 'file', kind: 'xls' });
  if (startsWith(head, [0x25, 0x50, 0x44, 0x46, 0x2d])) fail('BAD_REQUEST', `The file is a PDF document, not a CSV file. ${again}`, { field: 'file', kind: 'pdf' });
  if (startsWith(head, [0x1f, 0x8b])) fail('BAD_REQUEST', 'The file is gzip-compressed: unpack it and import the CSV file inside.', { field: 'file', kind: 'gzip' });
}

/** Refuses bytes with NULs: UTF-16 without a BOM (said so, with what to choose) or a binary file. */
function refuseNuls(head: Buffer): void {
  const n = Math.min(head.length, SNIFF_BYTES);
  let even = 0;
  let odd = 0;
  for (let i = 0; i < n; i++) if (head[i] === 0) i % 2 === 0 ? even++ : odd++;
  if (even + odd === 0) return;
  const half = n / 2;
  if (odd > half * 0.3 && even === 0)
    fail('BAD_REQUEST', 'The file looks like UTF-16 LE text without a byte order mark. Import it with the encoding UTF-16 LE (--encoding utf-16le), or save it as UTF-8.', { field: 'file', kind: 'utf-16le' });
  if (even > half * 0.3 && odd === 0)
    fail('BAD_REQUEST', 'The file looks like UTF-16 BE text without a byte order mark. Import it with the encoding UTF-16 BE (--encoding utf-16be), or save it as UTF-8.', { field: 'file', kind: 'utf-16be' });
  fail('BAD_REQUEST', 'The file is a binary file (it contains NUL bytes), not a CSV text file. Save the list as CSV and import that file.', { field: 'file', kind: 'binary' });
}

/**
 * Reads numbered lines from the bytes of an import file. The encoding is decided from the
 * first bytes (BOM) or told; without either, lines are read as UTF-8 until the first line with
 * bytes above 0x7F decides: valid UTF-8 keeps UTF-8, anything else is Windows-1252 from then on
 * (all lines before were ASCII, which both read alike) and `guessed` says so. A line that is not
 * valid in a UTF-8 file is reported as such, never decoded with replacement characters.
 */
export class LineReader {
  encoding: ImportEncoding;
  /** True once the file was read as Windows-1252 without being told. */
  guessed = false;
  private decided: boolean;
  private readonly requested: ImportEncoding | 'auto';
  private readonly utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  private readonly cp1252 = new TextDecoder('windows-1252');

  constructor(requested: ImportEncoding | 'auto' = 'auto') {
    this.requested = requested;
    this.encoding = requested === 'auto' ? 'utf-8' : requested;
    this.decided = requested !== 'auto';
  }

  /** The lines of `source`, in order, a chunk's worth at a time; a UTF-16 sequence that cannot be decoded throws BAD_REQUEST. */
  async *lines(source: AsyncIterable<Buffer>): AsyncGenerator<PhysicalLine[]> {
    const it = source[Symbol.asyncIterator]();
    // Enough of the start to see a BOM, a magic number or NUL bytes.
    const first: Buffer[] = [];
    let firstLen = 0;
    let ended = false;
    while (firstLen < SNIFF_BYTES) {
      const r = await it.next();
      if (r.done) {
        ended = true;
        break;
      }
      first.push(r.value);
      firstLen += r.value.length;
    }
    let head = Buffer.concat(first);
    head = head.subarray(this.sniff(head));
    const rest = async function* (): AsyncGenerator<Buffer> {
      if (head.length > 0) yield head;
      if (ended) return;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        yield r.value;
      }
    };
    const bytes = this.encoding === 'utf-16le' || this.encoding === 'utf-16be' ? this.fromUtf16(rest(), this.encoding) : rest();
    yield* this.split(bytes);
  }

  /** Checks the start of the file; returns the length of its BOM. */
  private sniff(head: Buffer): number {
    const bom = BOMS.find(([, sig]) => startsWith(head, sig));
    if (bom && bom[0] === 'utf-16le' && startsWith(head, [0xff, 0xfe, 0, 0])) fail('BAD_REQUEST', 'The file is UTF-32 text, which FactorDesk does not read. Save it as UTF-8 and import that file.', { field: 'file', kind: 'utf-32' });
    if (bom) {
      if (this.requested !== 'auto' && this.requested !== bom[0]) {
        fail('BAD_REQUEST', `The file starts with a ${encodingLabel(bom[0])} byte order mark, but the encoding ${encodingLabel(this.requested)} was chosen. Choose ${encodingLabel(bom[0])} (or automatic) and import again.`, {
          field: 'encoding',
          found: bom[0],
        });
      }
      this.encoding = bom[0];
      this.decided = true;
      return bom[1].length;
    }
    refuseNonText(head);
    if (this.encoding !== 'utf-16le' && this.encoding !== 'utf-16be') refuseNuls(head);
    return 0;
  }

  /** UTF-16 to UTF-8 bytes, chunk by chunk: the streaming decoder keeps a code unit or surrogate pair split across chunks. */
  private async *fromUtf16(chunks: AsyncIterable<Buffer>, enc: 'utf-16le' | 'utf-16be'): AsyncGenerator<Buffer> {
    const d = new TextDecoder(enc, { fatal: true, ignoreBOM: true });
    const bad = (): never => fail('BAD_REQUEST', `The file is not valid ${encodingLabel(enc)} text (an odd byte or a broken surrogate pair): it was read up to there.`, { field: 'file' });
    for await (const c of chunks) {
      // In small slices, so the lines before a bad sequence are still read.
      for (let i = 0; i < c.length; i += UTF16_SLICE) {
        let text: string;
        try {
          text = d.decode(c.subarray(i, i + UTF16_SLICE), { stream: true });
        } catch {
          return bad();
        }
        if (text.length > 0) yield Buffer.from(text, 'utf8');
      }
    }
    try {
      const tail = d.decode();
      if (tail.length > 0) yield Buffer.from(tail, 'utf8');
    } catch {
      bad();
    }
  }

  /**
   * Splits bytes at LF, CR LF and CR. Line breaks are ASCII bytes that never occur inside a
   * UTF-8 or Windows-1252 character, so a character split across chunks is joined before decoding.
   */
  private async *split(chunks: AsyncIterable<Buffer>): AsyncGenerator<PhysicalLine[]> {
    let line = 1;
    let parts: Buffer[] = [];
    let partLen = 0;
    let tooLong = false;
    let afterCr = false; // the last chunk ended in CR: an LF first in the next one ends no line
    const take = (): PhysicalLine => {
      const out = tooLong ? { line, text: '', problem: 'too-long' as const } : this.decode(line, parts.length === 1 ? parts[0]! : Buffer.concat(parts, partLen));
      parts = [];
      partLen = 0;
      tooLong = false;
      line++;
      return out;
    };
    for await (const chunk of chunks) {
      // One batch per chunk: a generator step per line would cost more than reading the line.
      const batch: PhysicalLine[] = [];
      let pos = 0;
      if (afterCr && chunk.length > 0) {
        if (chunk[0] === 0x0a) pos = 1;
        afterCr = false;
      }
      // The next LF and CR in this chunk (-1: none left), found with indexOf rather than byte by byte.
      let lf = chunk.indexOf(0x0a, pos);
      let cr = chunk.indexOf(0x0d, pos);
      while (pos < chunk.length) {
        if (lf >= 0 && lf < pos) lf = chunk.indexOf(0x0a, pos);
        if (cr >= 0 && cr < pos) cr = chunk.indexOf(0x0d, pos);
        const end = lf < 0 ? (cr < 0 ? chunk.length : cr) : cr < 0 ? lf : Math.min(lf, cr);
        if (!tooLong) {
          if (partLen + (end - pos) > MAX_LINE_BYTES) {
            tooLong = true; // the rest of this line is skipped, not kept in memory
            parts = [];
            partLen = 0;
          } else if (end > pos) {
            parts.push(chunk.subarray(pos, end));
            partLen += end - pos;
          }
        }
        if (end === chunk.length) break;
        const isCr = chunk[end] === 0x0d;
        pos = end + 1;
        if (isCr) {
          if (pos < chunk.length) {
            if (chunk[pos] === 0x0a) pos++;
          } else afterCr = true;
        }
        batch.push(take());
      }
      if (batch.length > 0) yield batch;
    }
    if (partLen > 0 || tooLong) yield [take()];
  }

  private decode(line: number, b: Buffer): PhysicalLine {
    if (this.encoding === 'windows-1252') return { line, text: this.cp1252.decode(b) };
    try {
      const text = this.utf8.decode(b);
      if (!this.decided && text.length !== b.length) this.decided = true; // the first non-ASCII line was UTF-8
      return { line, text };
    } catch (err) {
      if (!(err instanceof TypeError)) throw err;
      if (this.decided) return { line, text: '', problem: 'not-utf-8' };
      // No BOM, nothing told, and every line so far was ASCII: this is not UTF-8.
      this.encoding = 'windows-1252';
      this.guessed = true;
      this.decided = true;
      return { line, text: this.cp1252.decode(b) };
    }
  }
}
