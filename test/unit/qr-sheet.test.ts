// The enrollment sheet as a string: escaping, no external URLs, page 2 only with codes,
// language order and the deadline text. The printed result is checked in test/e2e.
import { describe, expect, it } from 'vitest';
import { renderEnrollmentSheet, SHEET_TEXT, formatSheetTime, type SheetInput } from '../../main/platform/qr-sheet.ts';
import { styleHash } from '../../main/platform/csp.ts';

const PNG_1PX = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

function input(over: Partial<SheetInput> = {}): SheetInput {
  return {
    language: 'nb',
    organizationName: 'Eksempel AS — IT-brukerstøtte',
    organizationLogo: null,
    user: { name: 'Ola Hansen', email: 'ola.hansen@example.no' },
    uri: 'otpauth://totp/Eksempel%20AS:ola.hansen%40example.no?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Eksempel%20AS',
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

const HOSTILE = '<script>alert(1)</script>"&\'<img src=x onerror=alert(2)>';

describe('renderEnrollmentSheet', () => {
  it('prints the support contact in both languages on each page; without one, the helpdesk in each language', async () => {
    const html = await renderEnrollmentSheet(input({ supportContact: 'IT-brukerstøtte <22 11 00 00>', backupCodes: ['1111 2222', '3333 4444'] }));
    const line = 'Spørsmål? Ring IT-brukerstøtte &lt;22 11 00 00&gt;. Questions? Call IT-brukerstøtte &lt;22 11 00 00&gt;.';
    expect(html.split(line).length - 1).toBe(2);
    const none = await renderEnrollmentSheet(input({ language: 'en', supportContact: '' }));
    expect(none).toContain(`${SHEET_TEXT.en.questionsNoContact} ${SHEET_TEXT.nb.questionsNoContact}`);
    expect(none).not.toContain('Ring the helpdesk');
  });

  it('escapes every user-supplied string so it comes out inert', async () => {
    const html = await renderEnrollmentSheet(
      input({
        organizationName: HOSTILE,
        user: { name: HOSTILE, email: '"&<b>@example.no' },
        issuer: '</style><script>x()</script>',
        account: "a'b\"c@example.no",
        key: '<KEY>',
        sheetId: '<id>',
        operatorName: '</title><script>y()</script>',
        backupCodes: ['<code>', '"&'],
      }),
    );
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img src=x/i);
    expect(html).not.toContain('<b>');
    expect(html).not.toContain('<KEY>');
    expect(html).not.toContain('<code>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&amp;&#39;&lt;img src=x onerror=alert(2)&gt;');
    expect(html).toContain('&quot;&amp;&lt;b&gt;@example.no');
    expect(html).toContain('a&#39;b&quot;c@example.no');
    expect(html).toContain('&lt;KEY&gt;');
    // Exactly one <style>, one </style> (the hostile one is escaped) and one </title>.
    expect(html.match(/<\/style>/g)).toHaveLength(1);
    expect(html.match(/<\/title>/g)).toHaveLength(1);
  });

  it('authorises its only <style> by hash in a CSP <meta> placed before it, with no script allowed', async () => {
    const html = await renderEnrollmentSheet(input());
    const css = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
    const meta = html.indexOf('http-equiv="Content-Security-Policy"');
    expect(meta).toBeGreaterThan(0);
    expect(meta).toBeLessThan(html.indexOf('<style>'));
    const policy = /content="([^"]*)"/.exec(html.slice(meta))![1]!;
    expect(policy).toContain("script-src 'none'");
    expect(policy).toContain(`style-src ${styleHash(css)}`);
    expect(html).not.toMatch(/\sstyle=/i);
    // The key font is embedded, not fetched.
    expect(css).toMatch(/@font-face\{[^}]*src:url\(data:font\/woff2;base64,[A-Za-z0-9+/]{10000,}={0,2}\)/);
    expect(css).toContain('@page{size:auto;margin:15mm}');
  });

  it('contains no http(s) URL and the QR as inline SVG', async () => {
    const html = await renderEnrollmentSheet(input({ organizationLogo: PNG_1PX, backupCodes: ['ABCD EFGH JKMN PQRS'] }));
    expect(html).not.toMatch(/https?:/i);
    expect(html).not.toMatch(/\b(?:src|href)=(?!["']?data:)/i);
    expect(html).toMatch(/<svg class="qr" role="img"[^>]*viewBox="0 0 \d+ \d+"/);
    expect(html).toContain(`<img src="${PNG_1PX}" alt="">`);
    // The URI itself is only in the QR, never as text.
    expect(html).not.toContain('otpauth:');
  });

  it('keeps only data: logos of PNG, JPEG or SVG and omits anything else', async () => {
    for (const logo of [
      'https://example.com/logo.png',
      'http://127.0.0.1/logo.png',
      'data:text/html;base64,PHNjcmlwdD4=',
      'data:image/svg+xml,<svg onload="alert(1)">',
      'javascript:alert(1)',
      'data:image/png;base64,AAAA" onerror="alert(1)',
    ]) {
      const html = await renderEnrollmentSheet(input({ organizationLogo: logo }));
      expect(html).not.toContain('<img');
      expect(html).not.toMatch(/https?:|javascript:|onerror|onload/i);
    }
    for (const type of ['png', 'jpeg', 'svg+xml']) {
      const html = await renderEnrollmentSheet(input({ organizationLogo: `data:image/${type};base64,AAAA` }));
      expect(html).toContain(`<img src="data:image/${type};base64,AAAA" alt="">`);
    }
  });

  it('adds page 2 only when backup codes are given', async () => {
    for (const codes of [undefined, []]) {
      const html = await renderEnrollmentSheet(input({ backupCodes: codes }));
      expect(html).not.toContain('id="backup-codes"');
      expect(html).not.toContain(SHEET_TEXT.nb.keepSafe);
      expect(html.match(/class="page"/g)).toHaveLength(1);
    }
    const codes = Array.from({ length: 10 }, (_, i) => `ABCD EFGH JKMN PQR${'23456789XY'[i]}`);
    const html = await renderEnrollmentSheet(input({ backupCodes: codes }));
    expect(html.match(/class="page"/g)).toHaveLength(2);
    const page2 = html.slice(html.indexOf('id="backup-codes"'));
    for (const c of codes) expect(page2).toContain(`<li>${c}</li>`);
    expect(page2).toContain('Oppbevar denne siden trygt · Keep this page somewhere safe');
    expect(html).toContain('.page+.page{break-before:page;page-break-before:always}');
    // The codes are not on page 1, which is shredded.
    expect(html.slice(0, html.indexOf('id="backup-codes"'))).not.toContain(codes[0]);
  });

  it('puts the chosen language first, the other below with the same numbers', async () => {
    const nb = await renderEnrollmentSheet(input({ language: 'nb' }));
    const en = await renderEnrollmentSheet(input({ language: 'en' }));
    expect(nb).toContain('<html lang="nb">');
    expect(en).toContain('<html lang="en">');
    expect(SHEET_TEXT.nb.steps.length).toBe(SHEET_TEXT.en.steps.length);
    expect(nb.indexOf(SHEET_TEXT.nb.steps[0])).toBeLessThan(nb.indexOf(SHEET_TEXT.en.steps[0]));
    expect(en.indexOf(SHEET_TEXT.en.steps[0])).toBeLessThan(en.indexOf(SHEET_TEXT.nb.steps[0]));
    expect(nb).toMatch(/<ol class="first" lang="nb">(<li>[^<]*<\/li>){5}<\/ol><ol class="second" lang="en">(<li>[^<]*<\/li>){5}<\/ol>/);
    expect(en).toMatch(/<ol class="first" lang="en">(<li>[^<]*<\/li>){5}<\/ol><ol class="second" lang="nb">/);
    expect(nb).toContain('Sett opp autentiseringsappen · Set up your app');
    expect(nb).toContain('Makuler siden når appen viser koden · Destroy this page once your app shows the code');
    expect(en).toContain('Set up your app · Sett opp autentiseringsappen');
  });

  it('shows the deadline, issued-at, sheet id, operator, user, key, issuer and account', async () => {
    const nb = await renderEnrollmentSheet(input({ language: 'nb' }));
    expect(nb).toContain('Sett opp før / Set up before 3. desember 2026 kl. 14:00');
    expect(nb).toContain('Ark / Sheet <strong>7F3K-91</strong>');
    expect(nb).toContain('Utstedt / Issued 26. november 2026 kl. 14:00');
    expect(nb).toContain('Utstedt av / Issued by Anne Berg');
    expect(nb).toContain('<strong>Ola Hansen</strong> · ola.hansen@example.no');
    expect(nb).toContain('<p class="key" id="key">JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP</p>');
    expect(nb).toContain('<div class="iss">Eksempel AS</div><div class="acc">ola.hansen@example.no</div>');
    const en = await renderEnrollmentSheet(input({ language: 'en' }));
    expect(en).toContain('Set up before / Sett opp før 3 December 2026 at 14:00');
    const utc = await renderEnrollmentSheet(input({ language: 'en', timeZone: 'UTC' }));
    expect(utc).toContain('3 December 2026 at 13:00');
    expect(formatSheetTime(Date.UTC(2026, 6, 1, 22, 30), 'nb', 'Europe/Oslo')).toBe('2. juli 2026 kl. 00:30 (UTC+02:00)');
  });

  it('names the zone of every time it prints, so a sheet read elsewhere is not an hour off (issue 12, item 18)', async () => {
    expect(formatSheetTime(Date.UTC(2026, 11, 3, 13, 0), 'nb', 'Europe/Oslo')).toBe('3. desember 2026 kl. 14:00 (UTC+01:00)');
    expect(formatSheetTime(Date.UTC(2026, 11, 3, 13, 0), 'en', 'UTC')).toBe('3 December 2026 at 13:00 (UTC+00:00)');
    expect(formatSheetTime(Date.UTC(2026, 11, 3, 13, 0), 'en', 'America/St_Johns')).toBe('3 December 2026 at 09:30 (UTC-03:30)');
    const nb = await renderEnrollmentSheet(input({ language: 'nb', timeZone: 'Europe/Oslo' }));
    expect(nb).toContain('Sett opp før / Set up before 3. desember 2026 kl. 14:00 (UTC+01:00)');
    expect(nb).toContain('Utstedt / Issued 26. november 2026 kl. 14:00 (UTC+01:00)');
  });
});
