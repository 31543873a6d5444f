// The enrollment sheet as a PDF, for the command line (Electron's printToPDF is not there): the
// same texts as the HTML sheet (SHEET_TEXT), the QR drawn as filled squares, on A4 or Letter.
// Standard PDF fonts only (Helvetica, Courier): nothing is embedded and nothing fetched.
// pdf-lib and qrcode are loaded when a sheet is made, so other commands do not load them.
import type { Color, PDFFont, PDFPage } from 'pdf-lib';
import type { QRCode } from 'qrcode';
import { SHEET_TEXT, formatSheetTime, type SheetInput } from './qr-sheet.ts';

const MM = 72 / 25.4;
const PAPER = { A4: [210 * MM, 297 * MM], Letter: [612, 792] } as const;
const MARGIN = 15 * MM;

/**
 * Text the standard fonts can show (WinAnsi): a letter outside it loses its accent (NFKD), and
 * what is still not encodable becomes '?', so a name never stops the sheet.
 */
function encodable(font: PDFFont, text: string): string {
  let out = '';
  for (const ch of text) {
    try {
      font.encodeText(ch);
      out += ch;
    } catch {
      const plain = ch.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
      let ok = plain.length > 0;
      try {
        if (ok) font.encodeText(plain);
      } catch {
        ok = false;
      }
      out += ok ? plain : '?';
    }
  }
  return out;
}

/** Lines of at most `width` points; a word longer than a line is cut (an email, a long issuer). */
function wrap(font: PDFFont, size: number, text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const next = line ? `${line} ${word}` : word;
    if (font.widthOfTextAtSize(next, size) <= width) {
      line = next;
      continue;
    }
    if (line) lines.push(line);
    line = '';
    let rest = word;
    while (font.widthOfTextAtSize(rest, size) > width) {
      let n = rest.length - 1;
      while (n > 1 && font.widthOfTextAtSize(rest.slice(0, n), size) > width) n--;
      lines.push(rest.slice(0, n));
      rest = rest.slice(n);
    }
    line = rest;
  }
  if (line) lines.push(line);
  return lines;
}

/** A page with a cursor moving down from the top margin. */
class Flow {
  y: number;
  readonly page: PDFPage;
  readonly x: number;
  readonly width: number;
  readonly black: Color;
  constructor(page: PDFPage, x: number, width: number, black: Color) {
    this.page = page;
    this.black = black;
    this.x = x;
    this.width = width;
    this.y = page.getHeight() - MARGIN;
  }
  text(font: PDFFont, size: number, text: string, opts: { x?: number; width?: number; gap?: number } = {}): void {
    const x = opts.x ?? this.x;
    for (const l of wrap(font, size, encodable(font, text), opts.width ?? this.width)) {
      this.y -= size * 1.3;
      this.page.drawText(l, { x, y: this.y, size, font, color: this.black });
    }
    this.y -= opts.gap ?? 0;
  }
  rule(): void {
    this.y -= 2 * MM;
    this.page.drawLine({ start: { x: this.x, y: this.y }, end: { x: this.x + this.width, y: this.y }, thickness: 0.4 * MM, color: this.black });
    this.y -= 3 * MM;
  }
}

/** Draws `qr` (quiet zone of 4 modules) with its top-left at (x, top). */
function drawQr(page: PDFPage, qr: QRCode, colors: { black: Color; white: Color }, x: number, top: number, size: number): void {
  const n = qr.modules.size;
  const cell = size / (n + 8);
  page.drawRectangle({ x, y: top - size, width: size, height: size, color: colors.white });
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      if (!qr.modules.get(r, c)) continue;
      // A hair larger than a cell so neighbouring squares leave no seam in a rasterized copy.
      page.drawRectangle({ x: x + (c + 4) * cell, y: top - (r + 5) * cell, width: cell + 0.05, height: cell + 0.05, color: colors.black });
    }
  }
}

/** Renders the enrollment sheet (page 2 with the backup codes when there are any) as PDF bytes. */
export async function renderEnrollmentSheetPdf(input: SheetInput, paperSize: 'A4' | 'Letter'): Promise<Uint8Array> {
  const lang = input.language === 'en' ? 'en' : 'nb';
  const first = SHEET_TEXT[lang];
  const second = SHEET_TEXT[lang === 'nb' ? 'en' : 'nb'];
  type K = Exclude<keyof typeof first, 'steps'>;
  const [{ PDFDocument, StandardFonts, rgb }, { default: QR }] = await Promise.all([import('pdf-lib'), import('qrcode')]);
  const colors = { black: rgb(0, 0, 0), white: rgb(1, 1, 1) };
  const both = (k: K, sep = ' / ') => `${first[k]}${sep}${second[k]}`;
  // Fixed dates keep the same input giving the same bytes (no "now" in the file).
  const doc = await PDFDocument.create({ updateMetadata: false });
  doc.setTitle(both('title', ' · '));
  doc.setLanguage(lang === 'nb' ? 'nb-NO' : 'en-GB');
  const sans = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const mono = await doc.embedFont(StandardFonts.Courier);
  const [w, h] = PAPER[paperSize];
  const width = Math.min(w - 2 * MARGIN, 180 * MM);
  const deadline = formatSheetTime(input.deadline, lang, input.timeZone);
  const issued = formatSheetTime(input.issuedAt, lang, input.timeZone);
  const head = (f: Flow, title: string) => {
    f.text(bold, 13, input.organizationName);
    f.rule();
    f.text(bold, 16, title, { gap: 1.5 * MM });
    f.text(sans, 12, `${input.user.name} · ${input.user.email}`, { gap: 4 * MM });
  };

  const f = new Flow(doc.addPage([w, h]), MARGIN, width, colors.black);
  head(f, both('title', ' · '));
  const qrSize = 48 * MM;
  const qrTop = f.y;
  drawQr(f.page, QR.create(input.uri, { errorCorrectionLevel: 'M' }), colors, MARGIN, qrTop, qrSize);
  const side = new Flow(f.page, MARGIN + qrSize + 7 * MM, width - qrSize - 7 * MM, colors.black);
  side.y = qrTop;
  side.text(bold, 9, both('appShows'), { gap: 1 * MM });
  side.text(bold, 12, input.issuer);
  side.text(sans, 10.5, input.account, { gap: 2 * MM });
  side.text(sans, 9, `${both('issuer')}: ${input.issuer} · ${both('account')}: ${input.account}`);
  f.y = Math.min(qrTop - qrSize, side.y) - 5 * MM;
  f.text(bold, 9, both('key'));
  f.text(mono, 16, input.key, { gap: 1 * MM });
  f.text(sans, 9, `${first.keyHint} ${second.keyHint}`, { gap: 3 * MM });
  first.steps.forEach((s, i) => f.text(sans, 10.5, `${i + 1}. ${s}`));
  f.y -= 2 * MM;
  second.steps.forEach((s, i) => f.text(sans, 9.5, `${i + 1}. ${s}`));
  f.y -= 3 * MM;
  f.text(bold, 12, `${both('before')} ${deadline}`, { gap: 2 * MM });
  f.text(sans, 9, `${both('sheet')} ${input.sheetId} · ${both('issuedAt')} ${issued} · ${both('issuedBy')} ${input.operatorName}`, { gap: 3 * MM });
  f.text(bold, 11, both('destroy', ' · '));

  const codes = input.backupCodes ?? [];
  if (codes.length > 0) {
    const g = new Flow(doc.addPage([w, h]), MARGIN, width, colors.black);
    head(g, both('backupTitle', ' · '));
    g.text(sans, 9, first.backupHint);
    g.text(sans, 9, second.backupHint, { gap: 4 * MM });
    codes.forEach((c, i) => g.text(mono, 18, `${String(i + 1).padStart(2, ' ')}. ${c}`, { x: MARGIN + 10 * MM, gap: 2 * MM }));
    g.y -= 4 * MM;
    g.text(bold, 13, both('keepSafe', ' · '), { gap: 2 * MM });
    g.text(sans, 9, `${both('sheet')} ${input.sheetId} · ${both('issuedAt')} ${issued}`);
  }
  return doc.save({ useObjectStreams: false });
}
