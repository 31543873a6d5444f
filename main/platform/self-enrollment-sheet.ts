// The printed sheet for self-enrollment on a server's page: the page's address, the steps and
// the enrollment code, in both languages, and never a QR code or setup key (the user scans their
// own QR on the page; no agent handles it). Self-contained HTML like the enrollment sheet.
import { sheetCspMeta } from './csp.ts';
import { escapeHtml, formatSheetTime, sheetStyle } from './qr-sheet.ts';

/** What the self-enrollment sheet shows. `code` is the grouped enrollment code. */
export interface SelfEnrollmentSheetInput {
  language: 'nb' | 'en';
  user: { name: string; email: string };
  pageUrl: string;
  code: string;
  expiresAt: number;
  operatorName: string;
  issuedAt: number;
  timeZone?: string;
}

/** The sheet's wording; the page's own wording (main/server/enroll-texts.ts) uses the same terms. */
export const SELF_SHEET_TEXT = {
  nb: {
    title: 'Sett opp autentiseringsappen',
    page: 'Registreringsside',
    code: 'Registreringskode',
    steps: [
      'Åpne registreringssiden over i nettleseren på en datamaskin eller på den nye telefonen.',
      'Skriv inn e-postadressen din og registreringskoden.',
      'Skann QR-koden siden viser med autentiseringsappen, og skriv inn de seks sifrene appen viser.',
    ],
    expires: 'Koden virker én gang, til',
    issuedBy: 'Utstedt av',
    destroy: 'Makuler siden når appen er satt opp',
  },
  en: {
    title: 'Set up your app',
    page: 'Enrollment page',
    code: 'Enrollment code',
    steps: [
      'Open the enrollment page above in a browser, on a computer or on the new phone.',
      'Type your email address and the enrollment code.',
      'Scan the QR code the page shows with your authenticator app, then type the six digits the app shows.',
    ],
    expires: 'The code works once, until',
    issuedBy: 'Issued by',
    destroy: 'Destroy this page once your app is set up',
  },
} as const;

/** Renders the self-enrollment sheet (one page, chosen language first). */
export async function renderSelfEnrollmentSheet(input: SelfEnrollmentSheetInput): Promise<string> {
  const lang = input.language === 'en' ? 'en' : 'nb';
  const other = lang === 'nb' ? 'en' : 'nb';
  const first = SELF_SHEET_TEXT[lang];
  const second = SELF_SHEET_TEXT[other];
  const e = escapeHtml;
  const both = (k: Exclude<keyof (typeof SELF_SHEET_TEXT)['nb'], 'steps'>, sep = ' / ') => `${e(first[k])}${sep}${e(second[k])}`;
  const style = await sheetStyle();
  const steps = (t: (typeof SELF_SHEET_TEXT)['nb' | 'en'], cls: string, code: string) => `<ol class="${cls}" lang="${code}">${t.steps.map((x) => `<li>${e(x)}</li>`).join('')}</ol>`;
  const expires = formatSheetTime(input.expiresAt, lang, input.timeZone);
  const issued = formatSheetTime(input.issuedAt, lang, input.timeZone);
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
<section class="page" id="self-enrollment">
<h1>${both('title', ' · ')}</h1>
<p class="user"><strong>${e(input.user.name)}</strong> · ${e(input.user.email)}</p>
<div class="keyrow"><p class="label">${both('page')}</p><p class="key" id="page-url">${e(input.pageUrl)}</p></div>
<div class="keyrow"><p class="label">${both('code')}</p><p class="key" id="code">${e(input.code)}</p></div>
<div class="steps">${steps(first, 'first', lang)}${steps(second, 'second', other)}</div>
<p class="deadline" id="expires">${e(first.expires)} ${e(expires)} / ${e(second.expires)} ${e(formatSheetTime(input.expiresAt, other, input.timeZone))}</p>
<p class="meta">${both('issuedBy')} ${e(input.operatorName)} · ${e(issued)}</p>
<p class="destroy">${both('destroy', ' · ')}</p>
</section>
</body>
</html>
`;
}
