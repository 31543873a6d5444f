// The printed enrollment sheet: one self-contained HTML document (inline SVG QR, embedded font,
// one hashed <style>, no script, no external request) that prints on one A4 or Letter page,
// plus a second page with backup codes when they were issued in the same flow.
import { readFile } from 'node:fs/promises';
import { sheetCspMeta } from './csp.ts';
import type { SheetContent } from '../../contract/index.ts';

/** What the sheet shows (the contract's SheetContent): `key` already grouped by 4, `organizationLogo` a data: URL. */
export type SheetInput = SheetContent;

/** The sheet's wording in both languages (the renderer's translators reuse it). */
export const SHEET_TEXT = {
  nb: {
    title: 'Sett opp autentiseringsappen',
    qrLabel: 'QR-kode for å sette opp autentiseringsappen',
    key: 'Oppsettnøkkel',
    keyHint: 'Skriv inn nøkkelen hvis du ikke kan skanne koden.',
    appShows: 'Slik vises kontoen i appen',
    issuer: 'Utsteder',
    account: 'Konto',
    steps: [
      'Åpne autentiseringsappen på telefonen din.',
      'Velg «Legg til konto» (+) og skann QR-koden på dette arket.',
      'Kan du ikke skanne, velg å skrive inn en nøkkel og tast inn oppsettnøkkelen.',
      'Sjekk at appen viser samme utsteder og konto som står på arket.',
      'Oppgi den sekssifrede koden appen viser til brukerstøtte, eller bruk den når du logger på.',
    ],
    before: 'Sett opp før',
    sheet: 'Ark',
    issuedAt: 'Utstedt',
    issuedBy: 'Utstedt av',
    destroy: 'Makuler siden når appen viser koden',
    backupTitle: 'Reservekoder',
    backupHint: 'Hver kode kan brukes én gang når du ikke har telefonen. Ta vare på dem som et passord.',
    keepSafe: 'Oppbevar denne siden trygt',
    questions: 'Spørsmål? Ring',
    questionsNoContact: 'Spørsmål? Ta kontakt med brukerstøtte.',
  },
  en: {
    title: 'Set up your app',
    qrLabel: 'QR code for setting up your authenticator app',
    key: 'Setup key',
    keyHint: 'Type the key in if you cannot scan the code.',
    appShows: 'How the account appears in your app',
    issuer: 'Issuer',
    account: 'Account',
    steps: [
      'Open the authenticator app on your phone.',
      'Choose "Add account" (+) and scan the QR code on this sheet.',
      'If you cannot scan, choose to enter a key and type in the setup key.',
      'Check that the app shows the same issuer and account as this sheet.',
      'Give the six-digit code your app shows to the helpdesk, or use it when you sign in.',
    ],
    before: 'Set up before',
    sheet: 'Sheet',
    issuedAt: 'Issued',
    issuedBy: 'Issued by',
    destroy: 'Destroy this page once your app shows the code',
    backupTitle: 'Backup codes',
    backupHint: 'Each code works once, when you do not have your phone. Keep them like a password.',
    keepSafe: 'Keep this page somewhere safe',
    questions: 'Questions? Call',
    questionsNoContact: 'Questions? Contact the helpdesk.',
  },
} as const;

type TextKey = Exclude<keyof (typeof SHEET_TEXT)['nb'], 'steps'>;

const FONT_FILE = 'jetbrains-mono-latin-500-normal.woff2';
let fontData: Promise<string> | null = null;

/** The embedded key font as base64 (read once from resources/fonts). */
function fontBase64(): Promise<string> {
  fontData ??= readFile(new URL(`../../resources/fonts/${FONT_FILE}`, import.meta.url)).then((b) => b.toString('base64'));
  fontData.catch(() => (fontData = null));
  return fontData;
}

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(value: string): string {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const LOGO_RE = /^data:image\/(?:png|jpeg|svg\+xml);base64,[A-Za-z0-9+/]+={0,2}$/;

/** The logo as a safe data: URL of PNG, JPEG or SVG (base64), or null to omit it. */
function safeLogo(logo: string | null): string | null {
  if (typeof logo !== 'string' || logo.length > 2_000_000) return null;
  return LOGO_RE.test(logo) ? logo : null;
}

/**
 * Formats a time for the sheet's language with its offset from UTC, e.g. "3. desember 2026 kl.
 * 14:00 (UTC+01:00)" / "3 December 2026 at 14:00 (UTC+01:00)": a sheet may be read in another
 * zone than it was printed in, and the command line writes times the same way.
 */
export function formatSheetTime(ms: number, language: 'nb' | 'en', timeZone?: string): string {
  const zone = timeZone ? { timeZone } : {};
  const local = new Intl.DateTimeFormat(language === 'nb' ? 'nb-NO' : 'en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    ...zone,
  }).format(new Date(ms));
  // "GMT+01:00" (or "GMT" at offset zero), whatever the language.
  const name = new Intl.DateTimeFormat('en-US', { timeZoneName: 'longOffset', ...zone }).formatToParts(new Date(ms)).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const offset = name === 'GMT' ? '+00:00' : name.replace(/^GMT/, '').replace('\u2212', '-');
  return `${local} (UTC${offset})`;
}

/** The inline SVG QR (black on white, quiet zone of 4 modules) without any namespace URL. */
async function qrSvg(uri: string, label: string): Promise<string> {
  const svg = await (await import('qrcode')).default.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 4, color: { dark: '#000000ff', light: '#ffffffff' } });
  // Inline SVG in HTML needs no xmlns; dropping it keeps every http(s) string out of the sheet.
  return svg
    .trim()
    .replace(/\s+xmlns="[^"]*"/, '')
    .replace(/^<svg/, `<svg class="qr" role="img" aria-label="${escapeHtml(label)}" preserveAspectRatio="xMidYMid meet"`);
}

/** The sheets' shared print style (the key font embedded). */
export async function sheetStyle(): Promise<string> {
  return css(await fontBase64());
}

function css(font: string): string {
  return `@font-face{font-family:"FD Key";font-style:normal;font-weight:500;src:url(data:font/woff2;base64,${font}) format("woff2")}
@page{size:auto;margin:15mm}
*{box-sizing:border-box}
html,body{margin:0;padding:0;background:#fff;color:#000}
body{font:10.5pt/1.35 "Helvetica Neue",Arial,"Liberation Sans",sans-serif;-webkit-print-color-adjust:exact;print-color-adjust:exact}
.page{width:100%;max-width:180mm}
.page+.page{break-before:page;page-break-before:always}
header{display:flex;align-items:center;gap:5mm;border-bottom:0.4mm solid #000;padding-bottom:3mm;margin-bottom:4mm}
header img{max-height:14mm;max-width:40mm;object-fit:contain}
.org{font-size:13pt;font-weight:700}
h1{font-size:16pt;margin:0 0 1.5mm}
.user{font-size:12pt;margin:0 0 4mm}
.main{display:flex;gap:7mm;align-items:flex-start}
.qrbox{flex:0 0 48mm;width:48mm;background:#fff}
svg.qr{display:block;width:48mm;height:48mm;background:#fff}
.side{flex:1 1 auto;min-width:0}
.label{font-size:9pt;font-weight:700;text-transform:none;margin:0 0 1mm}
.app{border:0.3mm solid #000;border-radius:2mm;padding:2mm 3mm;margin:0 0 3mm}
.app .iss{font-weight:700;font-size:12pt;overflow-wrap:anywhere}
.app .acc{overflow-wrap:anywhere}
.hint{font-size:9pt;margin:0}
.key{font-family:"FD Key",monospace;font-weight:500;font-size:17pt;letter-spacing:0.04em;word-spacing:0.25em;line-height:1.4;margin:1mm 0 0;overflow-wrap:anywhere}
.keyrow{margin:5mm 0 4mm}
ol{margin:0 0 2.5mm;padding-left:7mm}
ol li{margin:0 0 0.6mm}
.steps .second{font-size:9.5pt}
.deadline{font-size:12pt;font-weight:700;margin:3mm 0 2mm}
.meta{font-size:9pt;margin:0 0 2mm}
.destroy{font-size:11pt;font-weight:700;border:0.4mm solid #000;padding:2mm 3mm;margin:3mm 0 0}
.codes{font-family:"FD Key",monospace;font-weight:500;font-size:20pt;line-height:1.75;margin:6mm 0;padding:0 0 0 16mm;list-style-position:outside}
.codes li{white-space:nowrap;break-inside:avoid;padding-left:2mm}
.keep{font-size:13pt;font-weight:700;border:0.4mm solid #000;padding:2mm 3mm}
`;
}

/** Renders the enrollment sheet as a self-contained HTML document (page 2 only with backup codes). */
export async function renderEnrollmentSheet(input: SheetInput): Promise<string> {
  const lang = input.language === 'en' ? 'en' : 'nb';
  const other = lang === 'nb' ? 'en' : 'nb';
  const first = SHEET_TEXT[lang];
  const second = SHEET_TEXT[other];
  /** A bilingual label with the chosen language first. */
  const both = (k: TextKey, sep = ' / '): string => `${escapeHtml(first[k])}${sep}${escapeHtml(second[k])}`;
  const e = escapeHtml;
  const style = css(await fontBase64());
  const logo = safeLogo(input.organizationLogo);
  const qr = await qrSvg(input.uri, `${first.qrLabel} / ${second.qrLabel}`);
  const deadline = formatSheetTime(input.deadline, lang, input.timeZone);
  const issued = formatSheetTime(input.issuedAt, lang, input.timeZone);
  const steps = (t: (typeof SHEET_TEXT)['nb' | 'en'], cls: string, code: string) =>
    `<ol class="${cls}" lang="${code}">${t.steps.map((s) => `<li>${e(s)}</li>`).join('')}</ol>`;
  const header = `<header>${logo ? `<img src="${e(logo)}" alt="">` : ''}<div class="org">${e(input.organizationName)}</div></header>`;
  const who = `<p class="user"><strong>${e(input.user.name)}</strong> · ${e(input.user.email)}</p>`;
  const contact = (input.supportContact ?? '').trim();
  const ask = (t: (typeof SHEET_TEXT)['nb' | 'en']) => (contact ? `${e(t.questions)} ${e(contact)}.` : e(t.questionsNoContact));
  const questions = `<p class="meta" id="support-contact">${ask(first)} ${ask(second)}</p>`;
  const sheetMeta = `${both('sheet')} <strong>${e(input.sheetId)}</strong>`;

  const page1 = `<section class="page" id="setup">
${header}
<h1>${both('title', ' · ')}</h1>
${who}
<div class="main">
<div class="qrbox">${qr}</div>
<div class="side">
<p class="label">${both('appShows')}</p>
<div class="app" id="app-entry"><div class="iss">${e(input.issuer)}</div><div class="acc">${e(input.account)}</div></div>
<p class="hint">${both('issuer')}: ${e(input.issuer)} · ${both('account')}: ${e(input.account)}</p>
</div>
</div>
<div class="keyrow"><p class="label">${both('key')}</p><p class="key" id="key">${e(input.key)}</p><p class="hint">${e(first.keyHint)} ${e(second.keyHint)}</p></div>
<div class="steps">${steps(first, 'first', lang)}${steps(second, 'second', other)}</div>
<p class="deadline" id="deadline">${both('before')} ${e(deadline)}</p>
${questions}
<p class="meta">${sheetMeta} · ${both('issuedAt')} ${e(issued)} · ${both('issuedBy')} ${e(input.operatorName)}</p>
<p class="destroy">${both('destroy', ' · ')}</p>
</section>`;

  const codes = input.backupCodes ?? [];
  const page2 =
    codes.length === 0
      ? ''
      : `
<section class="page" id="backup-codes">
${header}
<h1>${both('backupTitle', ' · ')}</h1>
${who}
<p class="hint">${e(first.backupHint)}<br>${e(second.backupHint)}</p>
<ol class="codes">${codes.map((c) => `<li>${e(c)}</li>`).join('')}</ol>
<p class="keep">${both('keepSafe', ' · ')}</p>
${questions}
<p class="meta">${sheetMeta} · ${both('issuedAt')} ${e(issued)}</p>
</section>`;

  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
${sheetCspMeta({ css: style })}
<meta name="referrer" content="no-referrer">
<title>${both('title', ' · ')}</title>
<style>${style}</style>
</head>
<body>
${page1}${page2}
</body>
</html>
`;
}
