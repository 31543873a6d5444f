// The import file's bytes as lines: encodings found from the first bytes (or told), characters
// split across chunks, files that are not CSV named, and rows read on after a broken quote.
import { describe, expect, it } from 'vitest';
import { LineReader, encodingByName, type ImportEncoding } from '../../main/core/import-decode.ts';
import { CsvRecords, detectDelimiter, parseFields, type CsvEvent } from '../../main/core/import-csv.ts';
import { FactorDeskError } from '../../main/core/errors.ts';
import { importReportCsv } from '../../main/core/import-report.ts';

async function* chunked(b: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

async function read(b: Buffer, opts: { size?: number; encoding?: ImportEncoding | 'auto' } = {}) {
  const r = new LineReader(opts.encoding ?? 'auto');
  const lines = [];
  for await (const batch of r.lines(chunked(b, opts.size ?? 65536))) lines.push(...batch);
  return { lines, encoding: r.encoding, guessed: r.guessed };
}

async function refusal(b: Buffer, encoding: ImportEncoding | 'auto' = 'auto'): Promise<string> {
  const err = await read(b, { encoding }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(FactorDeskError);
  expect((err as FactorDeskError).code).toBe('BAD_REQUEST');
  return (err as FactorDeskError).message;
}

const TEXT = 'email;name\r\nbjørn@example.no;Bjørn Ærø Åsen\nkari@example.no;Kari 😀\r';

function utf16be(s: string): Buffer {
  const le = Buffer.from(s, 'utf16le');
  for (let i = 0; i < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1]!, le[i]!];
  return le;
}

describe('LineReader', () => {
  it('reads UTF-8 with and without a BOM, whatever the chunk size (a character split across chunks)', async () => {
    for (const bom of [Buffer.alloc(0), Buffer.from([0xef, 0xbb, 0xbf])]) {
      for (const size of [1, 2, 3, 7, 65536]) {
        const r = await read(Buffer.concat([bom, Buffer.from(TEXT, 'utf8')]), { size });
        expect(r.lines.map((l) => [l.line, l.text, l.problem])).toEqual([
          [1, 'email;name', undefined],
          [2, 'bjørn@example.no;Bjørn Ærø Åsen', undefined],
          [3, 'kari@example.no;Kari 😀', undefined],
        ]);
        expect(r).toMatchObject({ encoding: 'utf-8', guessed: false });
      }
    }
  });

  it('reads UTF-16 LE and BE with a BOM, also with odd chunk sizes that split a code unit or a surrogate pair', async () => {
    for (const [enc, bytes] of [
      ['utf-16le', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(TEXT, 'utf16le')])],
      ['utf-16be', Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(TEXT)])],
    ] as const) {
      for (const size of [1, 3, 5, 65536]) {
        const r = await read(bytes, { size });
        expect(r.encoding).toBe(enc);
        expect(r.lines.map((l) => l.text)).toEqual(['email;name', 'bjørn@example.no;Bjørn Ærø Åsen', 'kari@example.no;Kari 😀']);
      }
    }
    // Told the encoding, a UTF-16 file needs no BOM.
    expect((await read(Buffer.from('a;b\nø;å\n', 'utf16le'), { encoding: 'utf-16le' })).lines.map((l) => l.text)).toEqual(['a;b', 'ø;å']);
  });

  it('reads a file that is not UTF-8 as Windows-1252, and says so', async () => {
    // What Norwegian Excel saves: ø, Æ, Å as single bytes, and – (0x96) and € (0x80) from Windows-1252.
    const cp = Buffer.from('email;name\nper@example.no;Per\nbjorn@example.no;Bj\xf8rn \xc6r\xf8 \xc5sen \x96 5 \x80\n', 'latin1');
    for (const size of [1, 4096]) {
      const r = await read(cp, { size });
      expect(r).toMatchObject({ encoding: 'windows-1252', guessed: true });
      expect(r.lines.map((l) => l.text)).toEqual(['email;name', 'per@example.no;Per', 'bjorn@example.no;Bjørn Ærø Åsen – 5 €']);
      expect(r.lines.some((l) => l.text.includes('\uFFFD'))).toBe(false);
    }
    // Told, it is not a guess.
    expect(await read(cp, { encoding: 'windows-1252' })).toMatchObject({ encoding: 'windows-1252', guessed: false });
  });

  it('reports a line that is not UTF-8 in a UTF-8 file instead of replacing its letters', async () => {
    const bytes = Buffer.concat([Buffer.from('a;b\nø;å\n', 'utf8'), Buffer.from('\xf8;\xe5\n', 'latin1'), Buffer.from('c;d\n')]);
    const r = await read(bytes);
    expect(r.lines.map((l) => [l.line, l.text, l.problem])).toEqual([
      [1, 'a;b', undefined],
      [2, 'ø;å', undefined],
      [3, '', 'not-utf-8'],
      [4, 'c;d', undefined],
    ]);
    // Told UTF-8, the first such line is not taken for Windows-1252 either.
    const told = await read(Buffer.from('a;b\n\xf8;\xe5\n', 'latin1'), { encoding: 'utf-8' });
    expect(told.lines[1]).toMatchObject({ line: 2, problem: 'not-utf-8' });
  });

  it('counts LF, CR LF (also split across chunks) and CR as one line break each, and skips a line over 64 kB', async () => {
    const long = 'x'.repeat(70_000);
    const r = await read(Buffer.from(`a\r\nb\rc\n\n${long}\nd\r\n`), { size: 2 });
    expect(r.lines.map((l) => [l.line, l.problem ?? l.text])).toEqual([
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
      [4, ''],
      [5, 'too-long'],
      [6, 'd'],
    ]);
  });

  it('names what a file is when it is not CSV text', async () => {
    expect(await refusal(Buffer.from('504b0304140000000800', 'hex'))).toMatch(/spreadsheet workbook \(\.xlsx/);
    expect(await refusal(Buffer.from('d0cf11e0a1b11ae10000', 'hex'))).toMatch(/old Excel workbook \(\.xls\)/);
    expect(await refusal(Buffer.from('%PDF-1.7\n'))).toMatch(/PDF/);
    expect(await refusal(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0x3e, 0]))).toMatch(/binary file/);
    expect(await refusal(Buffer.from('email,name\n', 'utf16le'))).toMatch(/UTF-16 LE text without a byte order mark.*--encoding utf-16le/);
    expect(await refusal(utf16be('email,name\n'))).toMatch(/UTF-16 BE/);
    expect(await refusal(Buffer.from([0xff, 0xfe, 0, 0, 0x65, 0, 0, 0]))).toMatch(/UTF-32/);
    expect(await refusal(Buffer.from([0xef, 0xbb, 0xbf, 0x61]), 'windows-1252')).toMatch(/UTF-8 byte order mark, but the encoding Windows-1252 was chosen/);
  });

  it('knows the encodings by their usual names', () => {
    expect(['UTF-8', 'utf8', 'utf-16le', 'UTF16BE', 'cp1252', 'Windows-1252', 'latin1', 'ISO-8859-1', 'auto'].map(encodingByName)).toEqual([
      'utf-8',
      'utf-8',
      'utf-16le',
      'utf-16be',
      'windows-1252',
      'windows-1252',
      'windows-1252',
      'windows-1252',
      'auto',
    ]);
    expect(encodingByName('ebcdic')).toBeNull();
  });
});

describe('CSV rows', () => {
  function rows(lines: string[], fields = 3): CsvEvent[] {
    const r = new CsvRecords(',', fields);
    const out = lines.flatMap((text, i) => r.push(i + 2, text));
    return [...out, ...r.end()];
  }

  it('parses quoted fields, doubled quotes, and spaces around quotes', () => {
    expect(parseFields('a, "b, c" ,"d ""e"""', ',')).toEqual({ cells: ['a', 'b, c', 'd "e"'] });
    expect(parseFields('a,"b', ',')).toEqual({ open: true });
    expect(parseFields('a,"b"c', ',')).toHaveProperty('error');
    expect(parseFields('a,b"c', ',')).toHaveProperty('error');
  });

  it('keeps a quoted field with line breaks together, reporting the line it starts on', () => {
    expect(rows(['a,"two', 'lines",c', 'd,e,f'])).toEqual([
      { kind: 'row', line: 2, cells: ['a', 'two\nlines', 'c'] },
      { kind: 'row', line: 4, cells: ['d', 'e', 'f'] },
    ]);
  });

  it('rejects only the line of a broken quote and reads every later row', () => {
    const later = Array.from({ length: 30 }, (_, i) => `u${i},x,y`);
    const out = rows(['a,b,c', 'bad,"open,c', ...later, 'z,"q"r,c', 'last,b,c']);
    expect(out.filter((e) => e.kind === 'bad')).toEqual([
      { kind: 'bad', line: 3, reason: 'a quoted field is not closed', code: 'quote-not-closed' },
      { kind: 'bad', line: 34, reason: expect.stringMatching(/not doubled/), code: 'quote-not-doubled' },
    ]);
    expect(out.filter((e) => e.kind === 'row').map((e) => e.line)).toEqual([2, ...later.map((_, i) => i + 4), 35]);
    // A quote left open at the end of the file costs its own line only.
    expect(rows(['a,b,c', 'x,"y,z', 'p,q,r'])).toEqual([
      { kind: 'row', line: 2, cells: ['a', 'b', 'c'] },
      { kind: 'bad', line: 3, reason: 'a quoted field is not closed', code: 'quote-not-closed' },
      { kind: 'row', line: 4, cells: ['p', 'q', 'r'] },
    ]);
  });

  it('reports a line that could not be read, and a row with the wrong number of fields', () => {
    const r = new CsvRecords(';', 2);
    expect([...r.push(2, 'a;b'), ...r.push(3, null, { reason: 'too long', code: 'line-too-long', params: { maxKb: 64 } }), ...r.push(4, 'a;b;c'), ...r.push(5, 'c;d'), ...r.end()]).toEqual([
      { kind: 'row', line: 2, cells: ['a', 'b'] },
      { kind: 'bad', line: 3, reason: 'too long', code: 'line-too-long', params: { maxKb: 64 } },
      { kind: 'bad', line: 4, reason: 'the row has a different number of fields than the header', code: 'field-count' },
      { kind: 'row', line: 5, cells: ['c', 'd'] },
    ]);
  });

  it('refuses a tab-separated header, saying what it is', () => {
    expect(() => detectDelimiter('email\tname\tphone\torganization')).toThrow(/tab-separated/);
    expect(detectDelimiter('email;name;phone;organization')).toBe(';');
    expect(detectDelimiter('email,name,phone,"a;b;c"')).toBe(',');
  });
});

describe('the saved report', () => {
  it('lists the rejected lines and, last, the line where reading stopped', () => {
    const base = { rows: 3, inserted: 1, updated: 0, unchanged: 0, cancelled: false, encoding: 'utf-16le' as const, encodingGuessed: false };
    const csv = importReportCsv({ ...base, rejected: [{ line: 3, reason: 'a quoted field is not closed', code: 'quote-not-closed' as const }], stopped: { line: 9, reason: 'The file is not valid UTF-16 LE text.' } });
    expect(csv.split('\r\n')).toEqual(['line,reason', '3,a quoted field is not closed', '9,"reading stopped here, the rest of the file was not imported: The file is not valid UTF-16 LE text."', '']);
    expect(importReportCsv({ ...base, rejected: [], stopped: null })).toBe('line,reason\r\n');
  });

  it("is written in the words the app sends: each code from its template with the line's parameters; a code without one keeps its English reason", () => {
    const base = { rows: 5, inserted: 1, updated: 0, unchanged: 0, cancelled: false, encoding: 'utf-8' as const, encodingGuessed: false };
    const wording = {
      line: 'Linje',
      reason: 'Årsak',
      reasons: { 'too-long': 'kolonnen {{field}} er lengre enn {{max}} tegn', 'email-taken': 'adressen {{email}} tilhører en annen bruker' },
      nearDuplicate: 'Importert, sjekk: {{email}}: ligner på {{similarTo}}',
      mixedScript: 'Importert, sjekk: {{email}}: blander skriftsystemer',
      stoppedRead: 'Lesingen stoppet her.',
      stoppedWrite: 'Hvelvet kunne ikke skrives her.',
    };
    const csv = importReportCsv(
      {
        ...base,
        rejected: [
          { line: 2, reason: 'The name column is longer than 200 characters.', code: 'too-long' as const, params: { field: 'name', max: 200 } },
          { line: 3, reason: 'the address a@b.no belongs to another user', code: 'email-taken' as const, params: { email: 'a@b.no' } },
          { line: 4, reason: 'a quoted field is not closed', code: 'quote-not-closed' as const },
        ],
        flagged: [{ line: 5, email: 'strasse@example.de', kind: 'near-duplicate' as const, similarTo: 'straße@example.de' }],
        stopped: { line: 6, reason: 'The file is not valid UTF-8.' },
      },
      wording,
    );
    expect(csv.split('\r\n')).toEqual([
      'Linje,Årsak',
      '2,kolonnen name er lengre enn 200 tegn',
      '3,adressen a@b.no tilhører en annen bruker',
      '4,a quoted field is not closed',
      '5,Importert, sjekk: strasse@example.de: ligner på straße@example.de'.replace(/^5,(.*)$/, '5,"$1"'),
      '6,Lesingen stoppet her.',
      '',
    ]);
  });

  it('lists the flagged rows (imported, to be checked) and a stop for a full disk as such', () => {
    const base = { rows: 3, inserted: 3, updated: 0, unchanged: 0, cancelled: false, encoding: 'utf-8' as const, encodingGuessed: false, rejected: [] };
    const flagged = [
      { line: 3, email: 'strasse@example.de', kind: 'near-duplicate' as const, similarTo: 'straße@example.de' },
      { line: 4, email: 'p\u0430ul@example.no', kind: 'mixed-script' as const, similarTo: null },
    ];
    const csv = importReportCsv({ ...base, flagged, stopped: { line: 5, reason: 'The disk is full: the vault could not take more rows.', kind: 'write' } });
    expect(csv.split('\r\n')).toEqual([
      'line,reason',
      '3,"imported, check: strasse@example.de looks like straße@example.de, another user"',
      '4,"imported, check: p\u0430ul@example.no mixes writing systems (look-alike letters?)"',
      '5,"the import stopped here (the vault could not be written), the rest of the file was not imported: The disk is full: the vault could not take more rows."',
      '',
    ]);
  });
});
