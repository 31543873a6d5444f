// The enrollment sheet printed by real Chromium to A4 and Letter PDFs, rasterised with
// pdftoppm at 150 dpi: the QR on page 1 decodes to exactly the enrollment URI, it is at least
// 35 mm wide with its quiet zone, the page count is 1 without backup codes and 2 with them, and
// loading the sheet makes no request except data: and about:.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as jsqrModule from 'jsqr';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderEnrollmentSheet, type SheetInput } from '../../main/platform/qr-sheet.ts';
import { launchChromium, type LaunchedChromium } from '../helpers/chromium.ts';

const run = promisify(execFile);

interface Point {
  x: number;
  y: number;
}
type JsQR = (
  data: Uint8ClampedArray,
  width: number,
  height: number,
) => { data: string; version: number; location: { topLeftCorner: Point; topRightCorner: Point } } | null;
/** jsqr is a UMD bundle whose export sits under `default` once or twice depending on the loader. */
function jsQRFn(): JsQR {
  let m: unknown = jsqrModule;
  while (typeof m !== 'function' && m && typeof m === 'object' && 'default' in m) m = (m as { default: unknown }).default;
  if (typeof m !== 'function') throw new Error('jsqr did not load');
  return m as JsQR;
}

const MM_35_IN_PX = (35 / 25.4) * 96; // 132.28 CSS px

const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
function input(over: Partial<SheetInput> = {}): SheetInput {
  return {
    language: 'nb',
    organizationName: 'Eksempel AS — IT-brukerstøtte',
    organizationLogo:
      'data:image/svg+xml;base64,' +
      Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20" fill="#135"/></svg>').toString('base64'),
    user: { name: 'Ola Hansen', email: 'ola.hansen@example.no' },
    uri: `otpauth://totp/Eksempel%20AS:ola.hansen%40example.no?secret=${SECRET}&issuer=Eksempel%20AS`,
    key: 'JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP',
    issuer: 'Eksempel AS',
    account: 'ola.hansen@example.no',
    deadline: Date.UTC(2026, 11, 3, 13, 0),
    sheetId: '7F3K-91',
    issuedAt: Date.UTC(2026, 10, 26, 13, 0),
    operatorName: 'Anne Berg',
    timeZone: 'Europe/Oslo',
    ...over,
  };
}

// A long issuer and address make a denser QR and longer lines: still one page, still decodes.
const LONG: Partial<SheetInput> = {
  language: 'en',
  organizationName: 'Ærlige Økonomitjenester & Søn Holding AS — Seksjon for IT-brukerstøtte og sikkerhet',
  user: { name: 'Kari-Anne Nordmann-Østby Johansen', email: 'kari-anne.nordmann-ostby.johansen@avdeling.eksempel-konsern.no' },
  uri: `otpauth://totp/%C3%86rlige%20%C3%98konomitjenester%20%26%20S%C3%B8n:kari-anne.nordmann-ostby.johansen%40avdeling.eksempel-konsern.no?secret=${SECRET}&issuer=%C3%86rlige%20%C3%98konomitjenester%20%26%20S%C3%B8n`,
  issuer: 'Ærlige Økonomitjenester & Søn',
  account: 'kari-anne.nordmann-ostby.johansen@avdeling.eksempel-konsern.no',
};

const CODES = Array.from({ length: 10 }, (_, i) => `K7QM XW3R ${'23456789AB'[i]}HTP 9ZNC`);

let browser: LaunchedChromium;
let work: string;

beforeAll(async () => {
  browser = await launchChromium();
  work = await mkdtemp(join(tmpdir(), 'factordesk-sheet-'));
});

afterAll(async () => {
  await browser?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

interface Printed {
  pages: PNG[];
  qrWidthPx: number;
  requests: string[];
  cspErrors: string[];
  fontStatus: string;
}

/** Loads the sheet, measures the QR, prints it in `format` and rasterises every page. */
async function printSheet(html: string, format: 'A4' | 'Letter', name: string): Promise<Printed> {
  const page = await browser.context.newPage();
  const requests: string[] = [];
  const cspErrors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) cspErrors.push(m.text());
  });
  try {
    await page.setContent(html, { waitUntil: 'load' });
    await page.evaluate(() => document.fonts.ready);
    const fontStatus = await page.evaluate(() => [...document.fonts].map((f) => `${f.family}:${f.status}`).join(','));
    const qrWidthPx = await page.evaluate(() => document.querySelector('svg.qr')!.getBoundingClientRect().width);
    await page.emulateMedia({ media: 'print' });
    const pdf = await page.pdf({ format });
    const dir = join(work, name);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'sheet.pdf'), pdf);
    await run('pdftoppm', ['-png', '-r', '150', join(dir, 'sheet.pdf'), join(dir, 'page')]);
    const files = (await readdir(dir)).filter((f) => f.endsWith('.png')).sort();
    const pages = await Promise.all(files.map(async (f) => PNG.sync.read(await readFile(join(dir, f)))));
    return { pages, qrWidthPx, requests, cspErrors, fontStatus };
  } finally {
    await page.close();
  }
}

function scan(png: PNG): ReturnType<JsQR> {
  return jsQRFn()(new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length), png.width, png.height);
}

function decode(png: PNG): string | null {
  return scan(png)?.data ?? null;
}

/** Printed width of the QR on paper in mm, quiet zone (4 modules each side) included, from a 150 dpi scan. */
function printedQrMm(png: PNG): number {
  const r = scan(png)!;
  const modules = 17 + 4 * r.version;
  const { topLeftCorner: a, topRightCorner: b } = r.location;
  const symbolPx = Math.hypot(b.x - a.x, b.y - a.y);
  return (((symbolPx * (modules + 8)) / modules) * 25.4) / 150;
}

describe('enrollment sheet printed by Chromium', () => {
  for (const format of ['A4', 'Letter'] as const) {
    for (const [label, over] of [
      ['short', {}],
      ['long', LONG],
    ] as const) {
      it(`${format}, ${label} names: one page whose QR decodes to exactly the URI, ≥ 35 mm, no request`, async () => {
        const sheet = input(over);
        const out = await printSheet(await renderEnrollmentSheet(sheet), format, `${format}-${label}`);
        expect(out.pages).toHaveLength(1);
        expect(decode(out.pages[0]!)).toBe(sheet.uri);
        expect(out.qrWidthPx).toBeGreaterThanOrEqual(MM_35_IN_PX);
        expect(out.requests.every((u) => u.startsWith('data:') || u.startsWith('about:'))).toBe(true);
        expect(out.cspErrors).toEqual([]);
        expect(out.fontStatus).toMatch(/FD Key"?:loaded/);
        // At 150 dpi the page is as wide as the paper (A4 ≈ 1240 px, Letter 1275 px), and the
        // QR measured on that paper is at least 35 mm with its quiet zone.
        expect(Math.abs(out.pages[0]!.width - (format === 'A4' ? 1240 : 1275))).toBeLessThanOrEqual(4);
        expect(printedQrMm(out.pages[0]!)).toBeGreaterThanOrEqual(35);
      });
    }

    it(`${format}: backup codes add exactly one page, and the QR stays on page 1`, async () => {
      const sheet = input({ backupCodes: CODES });
      const out = await printSheet(await renderEnrollmentSheet(sheet), format, `${format}-codes`);
      expect(out.pages).toHaveLength(2);
      expect(decode(out.pages[0]!)).toBe(sheet.uri);
      expect(decode(out.pages[1]!)).toBeNull();
      expect(out.requests.every((u) => u.startsWith('data:') || u.startsWith('about:'))).toBe(true);
      expect(out.cspErrors).toEqual([]);
    });
  }

  it('a hostile name stays text in the browser: no element, no script, no request', async () => {
    const hostile = '<img src="http://127.0.0.2:9/x.png" onerror="document.title=1"><script>document.title=2</script>';
    const html = await renderEnrollmentSheet(input({ user: { name: hostile, email: 'a@b.no' }, organizationName: hostile }));
    const page = await browser.context.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    try {
      await page.setContent(html, { waitUntil: 'load' });
      const found = await page.evaluate(() => ({
        imgs: document.querySelectorAll('img').length,
        scripts: document.querySelectorAll('script').length,
        title: document.title,
        name: document.querySelector('.user strong')!.textContent,
      }));
      expect(found).toEqual({ imgs: 1, scripts: 0, title: 'Sett opp autentiseringsappen · Set up your app', name: hostile });
      expect(requests.every((u) => u.startsWith('data:') || u.startsWith('about:'))).toBe(true);
    } finally {
      await page.close();
    }
  });
});
