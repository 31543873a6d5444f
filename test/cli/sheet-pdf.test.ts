// `reenroll --sheet FILE.pdf` writes the enrollment sheet as a PDF itself (A4, or Letter from the
// setting paperSize), and `reprint-sheet EMAIL` writes it again within its window. The PDF is
// read back with poppler (pdftotext, pdfinfo, pdftoppm) and its QR decoded with jsqr.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as jsqrModule from 'jsqr';
import { PNG } from 'pngjs';
import { ADMIN, AGENT, oneJson, runCli, type CliResult } from '../fixtures/cli-harness.ts';
import { unlockWithRecoveryKey } from '../../main/store/sqlite/unlock.ts';
import { listAuditRows } from '../../main/store/sqlite/audit-rows.ts';

const CSV = fileURLToPath(new URL('../fixtures/cli-users.csv', import.meta.url));
const KARI = 'kari.nordmann@example.no';
const OLA = 'ola.hansen@example.no';
const ACT = ['--checks', 'callback', '--ticket', 'HD-7', '--reason', 'New phone'];
let root: string;
let vaultDir: string;
let recoveryKey: string;

function cli(args: string[], opts: { as?: typeof ADMIN; env?: Record<string, string> } = {}): Promise<CliResult> {
  const who = opts.as ?? ADMIN;
  return runCli(['--vault', vaultDir, '--operator', who.name, '--json', ...args], { FACTORDESK_PASSWORD: who.password, ...opts.env });
}

type JsQR = (d: Uint8ClampedArray, w: number, h: number) => { data: string } | null;
function jsQR(): JsQR {
  let m: unknown = jsqrModule;
  while (typeof m !== 'function' && m && typeof m === 'object' && 'default' in m) m = (m as { default: unknown }).default;
  return m as JsQR;
}

/** What a person gets from the PDF: its text, its page size in points, and the QR on page 1. */
function readPdf(file: string): { text: string; pageSize: string; pages: number; qr: string | null } {
  const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
  const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
  const out = join(root, `page-${Math.random().toString(36).slice(2)}`);
  execFileSync('pdftoppm', ['-png', '-r', '150', '-f', '1', '-l', '1', '-singlefile', file, out]);
  const png = PNG.sync.read(readFileSync(`${out}.png`));
  const qr = jsQR()(new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length), png.width, png.height)?.data ?? null;
  return { text, pageSize: /Page size:\s+([\d.]+ x [\d.]+)/.exec(info)![1]!, pages: Number(/Pages:\s+(\d+)/.exec(info)![1]), qr };
}

async function sheetEvents() {
  const v = await unlockWithRecoveryKey({ dir: vaultDir }, recoveryKey);
  try {
    return listAuditRows(v.db, { limit: 50 }).filter((e) => e.action === 'enrollment.sheet');
  } finally {
    v.close();
  }
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'fd-cli-sheet-pdf-'));
  vaultDir = join(root, 'vault');
  const init = await runCli(['--vault', vaultDir, '--json', 'init', '--name', ADMIN.name, '--display-name', ADMIN.displayName, '--email', ADMIN.email], { FACTORDESK_PASSWORD: ADMIN.password });
  recoveryKey = oneJson(init.stdout).result.recoveryKey;
  expect((await cli(['import-users', CSV])).status).toBe(0);
  expect((await cli(['settings', 'set', 'issuer', 'Nordlys IT'])).status).toBe(0);
  expect((await cli(['operators', 'add', AGENT.name, '--role', 'agent', '--email', AGENT.email], { env: { FACTORDESK_NEW_PASSWORD: AGENT.password } })).status).toBe(0);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('reenroll --sheet FILE.pdf', () => {
  it('writes an A4 PDF (mode 0600) whose text names the user and issuer and whose QR is the enrollment URI; audited as pdf', async () => {
    const file = join(root, 'kari.pdf');
    const r = await cli(['reenroll', KARI, ...ACT, '--sheet', file, '--backup-codes']);
    expect(r.status).toBe(0);
    const res = oneJson(r.stdout).result;
    expect(res.sheet).toBe(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file).subarray(0, 5).toString()).toBe('%PDF-');
    const pdf = readPdf(file);
    expect(pdf.pageSize).toBe('595.276 x 841.89'); // A4
    expect(pdf.pages).toBe(2); // page 2: the backup codes
    expect(pdf.text).toContain(KARI);
    expect(pdf.text).toContain('Kari Nordmann');
    expect(pdf.text).toContain('Nordlys IT');
    expect(pdf.text).toContain('Sett opp autentiseringsappen');
    expect(pdf.text).toContain(res.key);
    expect(pdf.text).toContain(res.codes[0]);
    expect(pdf.qr).toBe(res.uri);
    expect((await sheetEvents())[0]).toMatchObject({ operator: ADMIN.name, details: { output: 'pdf', sheetId: res.sheetId, backupCodesPage: true } });
  });

  it('is laid out on Letter when the setting paperSize says so', async () => {
    expect((await cli(['settings', 'set', 'paperSize', 'letter'])).status).toBe(0);
    try {
      const file = join(root, 'ola-letter.pdf');
      const r = await cli(['reenroll', OLA, ...ACT, '--sheet', file, '--language', 'en']);
      expect(r.status).toBe(0);
      const pdf = readPdf(file);
      expect(pdf.pageSize).toBe('612 x 792');
      expect(pdf.pages).toBe(1);
      expect(pdf.text).toContain('Set up your app');
      expect(pdf.qr).toBe(oneJson(r.stdout).result.uri);
    } finally {
      expect((await cli(['settings', 'set', 'paperSize', 'A4'])).status).toBe(0);
    }
  });

  it('a paper size other than A4 or Letter is refused (exit 2)', async () => {
    const r = await cli(['settings', 'set', 'paperSize', 'A5']);
    expect(r.status).toBe(2);
    expect(oneJson(r.stdout).error!.code).toBe('BAD_REQUEST');
  });
});

describe('reprint-sheet EMAIL', () => {
  it('writes the pending enrollment’s sheet again: the same QR and key, audited again', async () => {
    const r = await cli(['reenroll', KARI, ...ACT]);
    expect(r.status).toBe(0);
    const { uri, key, sheetId } = oneJson(r.stdout).result;
    const before = (await sheetEvents()).length;
    const file = join(root, 'kari-again.pdf');
    const again = await cli(['reprint-sheet', KARI, '--sheet', file]);
    expect(again.status).toBe(0);
    expect(oneJson(again.stdout).result).toEqual({ sheet: file });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const pdf = readPdf(file);
    expect(pdf.qr).toBe(uri);
    expect(pdf.text).toContain(key);
    const events = await sheetEvents();
    expect(events.length).toBe(before + 1);
    expect(events[0]).toMatchObject({ details: { output: 'pdf', sheetId } });
    // The file is never overwritten.
    const twice = await cli(['reprint-sheet', KARI, '--sheet', file]);
    expect(twice.status).toBe(2);
  });

  it('only by the operator who started the re-enrollment, and only while one is pending', async () => {
    const other = await cli(['reprint-sheet', KARI, '--sheet', join(root, 'per.pdf')], { as: AGENT });
    expect(other.status).toBe(2);
    expect(oneJson(other.stdout).error!.code).toBe('FORBIDDEN');
    const none = await cli(['reprint-sheet', 'nobody@example.no', '--sheet', join(root, 'nobody.pdf')]);
    expect(none.status).toBe(4);
    const missing = await cli(['reprint-sheet', KARI]);
    expect(missing.status).toBe(2);
    expect(oneJson(missing.stdout).error!.message).toMatch(/--sheet/);
  });
});
