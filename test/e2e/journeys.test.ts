// The journeys of ../shared/JOURNEYS.md, walked in real Chromium through the BUILT renderer, with
// `window.api` bridged to the real guard, controller and services over a temporary vault
// (test/helpers/app-harness.ts). One vault, one browser, one agent's day, in order:
//   first run → sign in → import (journey 4) → lookup → one-time code → re-enrollment by phone
//   (journey 1) → in person with a printed sheet (journey 2) → new backup codes → the caller who
//   is not who they say (journey 3) → the admin's morning (audit, verify, export, outbox, screens)
//   → stepping away (journey 5, idle lock) → language switch.
// Afterwards: no CSP violation, no page error, and no channel response but the issuing ones
// carried a secret. Screenshots (1280×720) go to test-results/screenshots/.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator } from 'playwright-core';
import { RENDERER_DIR, startHarness, type Harness } from '../helpers/app-harness.ts';
import { ADMIN_OP, base32ToBytes, decodeQr, issuedSecrets, KARI, leakedSecrets, OffsetClock, OLA, pageHtml, pageText, PER, responsesOf, secretOfUri, signIn, writeHrExport, type HrExport } from '../helpers/e2e.ts';
import { totpAt } from '../../main/core/totp.ts';
import { concealedFormats } from '../../main/app/clipboard-guard.ts';
import { focusProblem } from '../helpers/a11y.ts';
import type { AuditEventView, ChainReportView, IssuedEnrollment, LostPhoneIssued, SettingsView, VaultInfo } from '../../contract/index.ts';
import nbJson from '../../renderer/src/locales/nb.json';
import enJson from '../../renderer/src/locales/en.json';

type Lang = 'nb' | 'en';
const LOCALES: Record<Lang, unknown> = { nb: nbJson, en: enJson };

/** A UI string as the renderer shows it (the same resource files, {{var}} filled in; `count` picks _one/_other). */
function tr(lang: Lang, key: string, vars: Record<string, string | number> = {}): string {
  const find = (k: string) => {
    let v: unknown = LOCALES[lang];
    for (const part of k.split('.')) v = (v as Record<string, unknown> | undefined)?.[part];
    return v;
  };
  let v = find(key);
  if (v === undefined && vars['count'] !== undefined) v = find(`${key}_${new Intl.PluralRules(lang).select(Number(vars['count']))}`);
  if (typeof v !== 'string') throw new Error(`no string ${lang}:${key}`);
  return v.replace(/\{\{(\w+)\}\}/g, (_, k: string) => String(vars[k] ?? ''));
}
const fmt = (lang: Lang, n: number) => new Intl.NumberFormat(lang === 'nb' ? 'nb-NO' : 'en-GB').format(n);

/** Spoken words of the Norwegian spelling aid (UI.md: "J Johan", "7 sju"), base32 characters only. */
const NB_WORDS: Record<string, string> = {
  A: 'Anna',
  B: 'Bernhard',
  C: 'Caesar',
  D: 'David',
  E: 'Erik',
  F: 'Fredrik',
  G: 'Gustav',
  H: 'Harald',
  I: 'Ivar',
  J: 'Johan',
  K: 'Karin',
  L: 'Ludvig',
  M: 'Martin',
  N: 'Nils',
  O: 'Olivia',
  P: 'Petter',
  Q: 'Quintus',
  R: 'Rikard',
  S: 'Sigrid',
  T: 'Teodor',
  U: 'Ulrik',
  V: 'Enkelt-V',
  W: 'Dobbelt-W',
  X: 'Xerxes',
  Y: 'Yngve',
  Z: 'Zakarias',
  '2': 'to',
  '3': 'tre',
  '4': 'fire',
  '5': 'fem',
  '6': 'seks',
  '7': 'sju',
};

const CHECK_LABEL = { callback: 'Ringt tilbake på nummeret i katalogen', photoId: 'Legitimasjon med bilde sett ved oppmøte' };

const RENDERER_BUILT = existsSync(join(RENDERER_DIR, 'index.html'));

describe.skipIf(!RENDERER_BUILT)('journeys in Chromium (built renderer, real main-process services)', () => {
  let h: Harness;
  const clock = new OffsetClock();
  const pageErrors: string[] = [];
  let hr: HrExport;
  let recoveryKey = '';
  let kariCode = '';
  let lastIdleCode = '';
  let nextButtonHit = '';
  let eventsBeforeVerify = 0;

  const $ = (id: string) => h.page.getByTestId(id);
  const text = async (l: Locator) => (await l.textContent()) ?? '';
  /** Waits until `l` shows `want` (a substring). */
  const shows = async (l: Locator, want: string, timeout = 10_000) => {
    await expect.poll(() => text(l), { timeout }).toContain(want);
  };
  const focusedTestId = () => h.page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset['testid'] ?? document.activeElement?.tagName ?? null);
  const shot = (name: string) => h.screenshot(name);

  /**
   * Ctrl+K, then let the page's own 0 ms "focus and select the search box" timer run before the
   * first key (a person cannot type within those milliseconds; a script can, and the select()
   * would then swallow the first letter).
   */
  async function pressCtrlK(): Promise<void> {
    await h.page.keyboard.press('Control+K');
    await h.page.evaluate(() => new Promise((r) => setTimeout(r, 20)));
    await expect.poll(focusedTestId).toBe('search-input');
  }

  /** Ctrl+K, type the query key by key, then ↓ until `email` is highlighted and Enter. */
  async function lookUp(query: string, email: string): Promise<void> {
    // From an admin screen, go back to the lookup tab first and let the user page there settle
    // (see the Ctrl+K focus test below: a re-mounted user page takes the focus when it loads).
    if ((await $('nav-lookup').count()) > 0 && (await $('nav-lookup').getAttribute('aria-selected')) !== 'true') {
      await $('nav-lookup').click();
      await h.page.locator('[data-testid="user-name"], [data-testid="lookup-welcome"]').first().waitFor();
      await h.page.waitForTimeout(100);
    }
    await pressCtrlK();
    await h.page.keyboard.type(query, { delay: 15 });
    const option = h.page.locator(`[data-testid="lookup-result"][data-email="${email}"]`);
    await option.waitFor({ timeout: 5_000 }).catch(async (e: unknown) => {
      throw new Error(`lookup "${query}": search box holds "${await $('search-input').inputValue()}", list: ${await text($('lookup-results'))}; focus ${await focusedTestId()}; ${String(e)}`);
    });
    // Wait for the answer to the whole query (earlier keystrokes' answers may still be showing).
    const q = query.toLowerCase();
    await expect.poll(() => $('lookup-result').evaluateAll((els, q) => els.every((e) => (e.getAttribute('data-email') ?? '').includes(q) || (e.textContent ?? '').toLowerCase().includes(q)), q)).toBe(true);
    for (let i = 0; i < 30 && (await option.getAttribute('aria-selected')) !== 'true'; i++) await h.page.keyboard.press('ArrowDown');
    expect(await option.getAttribute('aria-selected')).toBe('true');
    await h.page.keyboard.press('Enter');
    await $('user-detail').waitFor();
    await shows($('user-email'), email);
  }

  /** Step 1 of an action dialog: tick checks (keyboard: focus + Space), type ticket and reason. */
  async function identity(checks: string[], ticket: string, reason: string): Promise<void> {
    for (const c of checks) {
      await $(`check-${c}`).focus();
      await h.page.keyboard.press('Space');
      expect(await $(`check-${c}`).getAttribute('aria-checked')).toBe('true');
    }
    await $('identity-ticket').focus();
    await h.page.keyboard.type(ticket);
    await h.page.keyboard.press('Tab');
    expect(await focusedTestId()).toBe('identity-reason');
    await h.page.keyboard.type(reason);
  }

  /** The response of the latest call of `channel`. */
  function last<T>(channel: string): T {
    const all = responsesOf<T>(h, channel);
    const r = all[all.length - 1];
    if (!r?.ok) throw new Error(`${channel}: no successful response (${JSON.stringify(r)})`);
    return r.value as T;
  }

  beforeAll(async () => {
    h = await startHarness({ clock, viewport: { width: 1280, height: 720 } });
    h.page.on('pageerror', (e) => pageErrors.push(String(e)));
    hr = writeHrExport(join(h.tmp, 'hr-export.csv'), 2000);
  }, 60_000);

  afterAll(async () => {
    await h?.close();
  });

  it('first run: creates the vault and the first admin, shows the recovery key once, "I have stored it", continue', async () => {
    await $('welcome-vault').click();
    await $('first-run').waitFor();
    // The agent prefers Norwegian: the switch on the first screen changes it at once.
    await $('lang-nb').click();
    await shows(h.page.locator('h1'), tr('nb', 'firstRun.title'));
    // Keyboard only: the name field has focus; Tab through the form, Enter submits.
    await $('first-run-name').focus();
    await h.page.keyboard.type(ADMIN_OP.name);
    await h.page.keyboard.press('Tab');
    await h.page.keyboard.type(ADMIN_OP.displayName);
    await h.page.keyboard.press('Tab');
    await h.page.keyboard.type(ADMIN_OP.email);
    await h.page.keyboard.press('Tab');
    expect(await focusedTestId()).toBe('first-run-password');
    await h.page.keyboard.type(ADMIN_OP.password);
    await h.page.keyboard.press('Tab');
    await h.page.keyboard.type(ADMIN_OP.password);
    // The organisation's name and the support contact are asked for too: required.
    await h.page.keyboard.press('Tab');
    expect(await focusedTestId()).toBe('first-run-organization');
    await h.page.keyboard.press('Enter');
    await shows($('first-run'), tr('nb', 'common.required'));
    expect(responsesOf(h, 'session:first-run')).toHaveLength(0);
    await h.page.keyboard.type('Eksempel kommune');
    await h.page.keyboard.press('Tab');
    await h.page.keyboard.type('IT-brukerstøtte, 22 00 00 00');
    await shot('first-run');
    await h.page.keyboard.press('Enter');

    await $('recovery-key').waitFor({ timeout: 20_000 });
    const issued = last<{ recoveryKey: string }>('session:first-run');
    recoveryKey = issued.recoveryKey.replace(/[\s-]/g, '');
    const shown = (await text($('recovery-key'))).replace(/\s/g, '');
    expect(shown).toBe(recoveryKey);
    expect(recoveryKey).toMatch(/^[A-Z2-7]{52}$/);
    expect(await pageText(h.page)).toContain(tr('nb', 'recovery.once'));
    // Continue only after "I have stored it".
    expect(await $('recovery-continue').isDisabled()).toBe(true);
    await shot('recovery-key');
    await $('recovery-stored').focus();
    await h.page.keyboard.press('Space');
    expect(await $('recovery-continue').isDisabled()).toBe(false);
    await $('recovery-continue').click();

    // The workspace opens with the search box focused; the key is gone from the page.
    await $('search-input').waitFor();
    await expect.poll(focusedTestId).toBe('search-input');
    expect(await pageHtml(h.page)).not.toContain(recoveryKey.slice(0, 8));
    expect(responsesOf(h, 'session:recovery-stored').at(-1)?.ok).toBe(true);
  });

  it('sign in: Ctrl+L locks; a wrong password is refused with a plain message, then the right one opens the workspace', async () => {
    await h.page.keyboard.press('Control+L');
    await $('signin-form').waitFor();
    await shows(h.page.locator('h1'), tr('nb', 'signin.title'));
    // The last operator name is remembered; the password field has focus.
    expect(await $('signin-name').inputValue()).toBe(ADMIN_OP.name);
    await expect.poll(focusedTestId).toBe('signin-password');
    await shot('sign-in');

    await signIn(h, ADMIN_OP.name, 'not the right password at all');
    await shows($('signin-error'), tr('nb', 'errors.SIGNIN_FAILED'));
    expect(await $('signin-password').inputValue()).toBe('');

    await signIn(h, ADMIN_OP.name, ADMIN_OP.password);
    await $('search-input').waitFor({ timeout: 20_000 });
    expect(await $('signin-error').count()).toBe(0);
    // The recovery key is shown once only: not after a sign-in.
    expect(await $('recovery-key').count()).toBe(0);
    expect(await pageHtml(h.page)).not.toContain(recoveryKey.slice(0, 8));
  });

  it('import (journey 4): a semicolon CSV with BOM, checked first (counts, rejected lines with reasons, nothing written), then imported with progress in bytes, 12 rejected lines listed by line number, report saved', async () => {
    await $('nav-import').click();
    await $('import-start').waitFor();
    // A file whose header names a column in Norwegian is refused, its columns named in Norwegian.
    const badHeader = join(h.tmp, 'bad-header.csv');
    writeFileSync(badHeader, 'E-post;name;phone;organization\r\nkari@example.no;Kari;;Acme\r\n');
    h.openAnswers.csv = badHeader;
    await $('import-start').click();
    await shows($('import-error'), tr('nb', 'import.header.unknown', { cols: '«E-post»' }));
    await shows($('import-error'), tr('nb', 'import.header.missing', { cols: 'email' }));
    expect(await $('import-preview').count()).toBe(0);
    h.openAnswers.csv = hr.path;
    const usersBefore = (h.controller.vault().db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n;
    const eventsBefore = (h.controller.vault().db.prepare('SELECT count(*) AS n FROM audit_events').get() as { n: number }).n;
    await $('import-start').click();

    // Step 1, the preview: what the import would do, in Norwegian, nothing written yet.
    await $('import-preview').waitFor({ timeout: 30_000 });
    await shows($('import-preview'), tr('nb', 'import.previewTitle', { file: 'hr-export.csv' }));
    expect(await text($('import-preview-rows'))).toBe(fmt('nb', hr.rows));
    const previewNew = Number((await text($('import-preview-new'))).replace(/\D/g, ''));
    expect(previewNew).toBeGreaterThan(2000);
    expect(await text($('import-preview-rejected-count'))).toBe('12');
    const previewRows = await $('import-preview-rejected').locator('tbody tr').all();
    expect(previewRows).toHaveLength(12);
    expect(await text(previewRows[0]!.locator('td').first())).toBe(fmt('nb', hr.badLines[0]!));
    expect(await text(previewRows[0]!.locator('td').nth(1))).toBe(tr('nb', 'import.reject.email-at'));
    expect(await text(previewRows[1]!.locator('td').nth(1))).toBe(tr('nb', 'import.reject.missing', { field: 'name' }));
    await shot('import-preview');
    expect((h.controller.vault().db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n).toBe(usersBefore);
    expect((h.controller.vault().db.prepare('SELECT count(*) AS n FROM audit_events').get() as { n: number }).n).toBe(eventsBefore);

    // Step 2, Import: the same file (no second dialog), a determinate bar of bytes read.
    h.openAnswers.csv = null;
    await $('import-confirm').click();
    await $('import-progress').waitFor({ timeout: 10_000 });
    await shot('import-progress');
    expect(await $('import-progress').isVisible()).toBe(true);
    // Determinate from the start: of the file's size as the preview found it.
    expect(await $('import-progress').getAttribute('max')).toBe(String(statSync(hr.path).size));
    expect(await text($('import-bytes'))).toMatch(/^[\d,]+ (B|kB) av [\d,]+ kB lest \(\d+ %\)$/);
    // import-stats is the live line under the progress bar.
    expect(await text($('import-stats'))).toMatch(/\d/);

    await $('import-report').waitFor({ timeout: 30_000 });
    await shows($('import-report'), tr('nb', 'import.reportTitle'));
    expect(await text($('import-rows'))).toBe(fmt('nb', hr.rows));
    // The import did what the preview said.
    expect((h.controller.vault().db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n).toBe(usersBefore + previewNew);
    expect(await text($('import-rejected-count'))).toBe('12');
    const rows = await $('import-rejected').locator('tbody tr').all();
    expect(rows).toHaveLength(12);
    const lines: string[] = [];
    const reasons: string[] = [];
    for (const r of rows) {
      lines.push(await text(r.locator('td').first()));
      reasons.push(await text(r.locator('td').nth(1)));
      expect(reasons.at(-1)!.length).toBeGreaterThan(5); // a reason, in words
    }
    expect(lines).toEqual(hr.badLines.map((n) => fmt('nb', n)));
    await shot('import-report');

    const reportFile = join(h.tmp, 'import-report.csv');
    h.saveAnswers['import-report'] = reportFile;
    await $('import-save-report').click();
    await expect.poll(() => existsSync(reportFile)).toBe(true);
    const savedText = readFileSync(reportFile, 'utf8');
    const saved = savedText.trim().split(/\r?\n/);
    // The saved report says what the table says, in the app's language (Norwegian here).
    expect(saved[0]).toBe('Linje,Årsak');
    for (const reason of reasons) expect(savedText).toContain(reason.replace(/"/g, '""'));
    expect(saved.slice(1).map((l) => Number(l.split(',')[0]!.replace(/"/g, '')))).toEqual(hr.badLines);
  });

  it('lookup (journey 1.1–2): typing "k" already lists Kari Nordmann; ↓/Enter opens her page', async () => {
    await pressCtrlK();
    await h.page.keyboard.type('k');
    const kari = h.page.locator(`[data-testid="lookup-result"][data-email="${KARI.email}"]`);
    await kari.waitFor({ timeout: 5_000 }); // before the second letter
    await h.page.keyboard.type('ari', { delay: 20 });
    await expect.poll(() => $('lookup-result').count()).toBe(2); // Kari Andersen, Kari Nordmann
    await shows(kari, KARI.name);
    await shot('lookup-results');
    // ↓ moves the highlight, Enter opens.
    for (let i = 0; i < 5 && (await kari.getAttribute('aria-selected')) !== 'true'; i++) await h.page.keyboard.press('ArrowDown');
    expect(await kari.getAttribute('aria-selected')).toBe('true');
    await h.page.keyboard.press('Enter');
    await $('user-detail').waitFor();
    expect(await text($('user-name'))).toBe(KARI.name);
    await expect.poll(focusedTestId).toBe('user-name');
    // Grouped for reading aloud, as the directory has it: "+47 912 34 567".
    await shows($('user-phone'), KARI.phone);
    await shows($('auth-status'), tr('nb', 'factor.none'));
    await shot('user-detail');
  });

  it('one-time code: Next stays disabled until a strong check, ticket and reason; the code is shown once, copied, and closing asks first', async () => {
    await $('action-one-time-code').focus();
    await h.page.keyboard.press('Enter');
    const dlg = $('dialog-one-time-code');
    await dlg.waitFor();
    // Focus starts on the first field (the first identity check).
    await expect.poll(focusedTestId).toBe('check-callback');
    const next = dlg.getByTestId('dialog-next');
    expect(await next.isDisabled()).toBe(true);
    await h.page.keyboard.press('Space'); // callback
    expect(await next.isDisabled()).toBe(true); // ticket and reason still missing
    await $('identity-ticket').focus();
    await h.page.keyboard.type('HD-20390');
    expect(await next.isDisabled()).toBe(true);
    await h.page.keyboard.press('Tab');
    await h.page.keyboard.type('cannot sign in today');
    expect(await next.isDisabled()).toBe(false);
    await h.page.keyboard.press('Enter'); // → step 2
    await $('consequences').waitFor();
    await $('otc-minutes').waitFor();
    await expect.poll(focusedTestId).toBe('dialog-next');
    await h.page.keyboard.press('Enter'); // → issue

    const value = dlg.getByTestId('secret-display-value');
    await value.waitFor();
    kariCode = (await value.getAttribute('data-value')) ?? '';
    expect(kariCode).toMatch(/^\d{8}$/);
    expect(last<{ code: string }>('codes:issue-one-time').code.replace(/\s/g, '')).toBe(kariCode);
    // Read out in groups: "4711 2093".
    expect((await text(value)).trim()).toBe(`${kariCode.slice(0, 4)} ${kariCode.slice(4)}`);
    await shot('one-time-code-result');

    await dlg.getByTestId('secret-copy').click();
    await expect.poll(() => h.clipboard.value).toBe(kariCode);

    // Esc does not throw the code away: it asks first. "No" shows it again.
    await h.page.keyboard.press('Escape');
    await shows($('close-confirm'), tr('nb', 'dialog.closeQuestion', { name: 'Kari' }));
    await $('close-confirm-no').click();
    await value.waitFor();
    await dlg.getByTestId('dialog-close').click();
    await shows($('close-confirm'), tr('nb', 'dialog.closeQuestion', { name: 'Kari' }));
    await $('close-confirm-yes').click();
    await dlg.waitFor({ state: 'detached' });
    expect(await pageHtml(h.page)).not.toContain(kariCode);
    // Back to the search box, and the card says a code is active.
    await expect.poll(focusedTestId).toBe('search-input');
    await shows($('factor-one-time-code'), tr('nb', 'factor.otcActive'));
  });

  it('journey 1 by keyboard alone, keys counted: lookup, forced re-enrollment by phone — callback, HD-20391, "changed phone"; QR; key read aloud with spelling aid; TOTP confirms → active', async () => {
    // Every key the agent presses is counted, except the ticket number and the six digits of the
    // code (what the caller dictates). After each key the focused element must be visible, with
    // its focus ring, and not under a toast.
    const keys: string[] = [];
    const focusChecks: string[] = [];
    const after = async (what: string) => {
      const p = await focusProblem(h.page);
      if (p) focusChecks.push(`after ${what}: ${p}`);
    };
    const press = async (key: string) => {
      keys.push(key);
      await h.page.keyboard.press(key);
      await after(key);
    };
    const typeCounted = async (text: string) => {
      for (const ch of text) {
        keys.push(ch);
        await h.page.keyboard.type(ch, { delay: 10 });
      }
      await after(`typing "${text}"`);
    };
    const typeDictated = async (text: string) => {
      await h.page.keyboard.type(text, { delay: 10 });
      await after(`typing "${text}" (not counted)`);
    };

    // 1. "kari": Kari Nordmann is listed; ↓ to her if she is not first, Enter opens her page.
    await press('Control+K');
    await h.page.evaluate(() => new Promise((r) => setTimeout(r, 20)));
    await expect.poll(focusedTestId).toBe('search-input');
    await typeCounted('kari');
    const kari = h.page.locator(`[data-testid="lookup-result"][data-email="${KARI.email}"]`);
    await kari.waitFor();
    await expect.poll(() => $('lookup-results').getAttribute('data-answered')).toBe('kari');
    for (let i = 0; i < 5 && (await kari.getAttribute('aria-selected')) !== 'true'; i++) await press('ArrowDown');
    await press('Enter');
    await shows($('user-email'), KARI.email);
    await expect.poll(focusedTestId).toBe('user-name');

    // 2. Alt+R: "Force re-enrollment". Step 1: the call-back number beside the check.
    await press('Alt+R');
    const dlg = $('dialog-reenroll');
    await dlg.waitFor();
    await expect.poll(focusedTestId).toBe('check-callback');
    await shows($('callback-number-value'), KARI.phone);
    await press('Space'); // called back on the directory number
    await press('Enter'); // on to what is missing: the ticket
    await expect.poll(focusedTestId).toBe('identity-ticket');
    await typeDictated('HD-20391');
    await press('Tab');
    await typeCounted('changed phone');
    await press('Enter'); // → step 2
    await $('consequences').waitFor();
    await expect.poll(focusedTestId).toBe('dialog-next');
    await press('Enter'); // "Revoke and make new set-up"

    // Step 3: the QR (an image under the CSP), decoded as a phone would, is the enrollment URI.
    const qr = $('enrollment-qr');
    await qr.waitFor();
    await expect.poll(() => qr.evaluate((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0)).toBe(true);
    const enrollment = last<IssuedEnrollment>('enrollment:reenroll');
    expect(await decodeQr(qr)).toBe(enrollment.uri);
    expect(enrollment.uri).toContain(encodeURIComponent(KARI.email));
    // The key is not on screen until the agent chooses to read it aloud; that button has the focus.
    expect(await $('typed-key').count()).toBe(0);
    await expect.poll(focusedTestId).toBe('reveal-key');
    await shot('reenroll-qr');
    await press('Enter'); // "Read the key aloud"

    const key = $('typed-key-value');
    await key.waitFor();
    const b32 = (await key.getAttribute('data-value')) ?? '';
    expect(b32).toBe(secretOfUri(enrollment.uri));
    expect(b32).toMatch(/^[A-Z2-7]{32,}$/);
    // In groups of four, with the Norwegian spelling aid open beside it.
    expect(
      (await text(key))
        .trim()
        .split(/\s+/)
        .every((g) => g.length === 4),
    ).toBe(true);
    const aid = dlg.getByTestId('spelling-aid');
    await aid.waitFor();
    const spoken = await aid.locator('li').evaluateAll((lis) => lis.map((li) => [li.querySelector('.spelling-ch')?.textContent ?? '', li.querySelector('.spelling-word')?.textContent ?? '']));
    expect(spoken.map(([c]) => c).join('')).toBe(b32);
    for (const [c, w] of spoken) expect(w, c).toBe(NB_WORDS[c!]);
    // Once the key shows, Enter goes on: the focus is on "Next".
    await expect.poll(focusedTestId).toBe('dialog-next');
    await shot('reenroll-key');

    // Step 4: Kari reads the six digits her app shows now.
    await press('Enter');
    await $('confirm-code').waitFor();
    await expect.poll(focusedTestId).toBe('confirm-code');
    await typeDictated(totpAt(base32ToBytes(b32), Date.now()));
    await press('Enter');
    await shows($('enrollment-active'), tr('nb', 'factor.active'));
    await shot('reenroll-active');
    await expect.poll(focusedTestId).toBe('dialog-close');
    await press('Enter');
    await dlg.waitFor({ state: 'detached' });
    await expect.poll(focusedTestId).toBe('search-input');

    console.log(`journey 1 by keyboard: ${keys.length} keystrokes besides the ticket and the six digits (${keys.join(' ')})`);
    expect(keys.length).toBeLessThanOrEqual(45);
    expect(focusChecks).toEqual([]);

    // Her page now says: authenticator active; the steps are in her recent activity.
    await shows($('auth-status'), tr('nb', 'factor.active'));
    const activity = $('recent-activity');
    for (const a of ['enrollment_reenroll', 'enrollment_reveal-key', 'enrollment_confirm']) await shows(activity, tr('nb', `auditAction.${a}`));
    await shows(activity, 'HD-20391');
    expect(await pageHtml(h.page)).not.toContain(b32);
  });

  it('journey 2: in person with photo ID — re-enrollment WITH backup codes, Print sheet (page 1 + page 2), confirmed with his first code', async () => {
    await lookUp('ola.hansen', OLA.email);
    await $('action-reenroll').click();
    const dlg = $('dialog-reenroll');
    await dlg.waitFor();
    await identity(['photo-id'], 'HD-20393', 'new phone, at the desk');
    await h.page.keyboard.press('Enter');
    await $('opt-backup-codes').click();
    expect(await $('opt-backup-codes').getAttribute('aria-checked')).toBe('true');
    await shows($('consequences'), tr('nb', 'consequence.backupNew'));
    await dlg.getByTestId('dialog-next').click();

    // The codes are folded away (page 2 of the sheet has them); one button shows them.
    expect(await dlg.getByTestId('enroll-backup-codes-value').count()).toBe(0);
    await dlg.getByTestId('toggle-backup-codes').click();
    const codes = dlg.getByTestId('enroll-backup-codes-value');
    await codes.first().waitFor();
    expect(await codes.count()).toBe(10);
    const enrollment = last<IssuedEnrollment>('enrollment:reenroll');
    expect(enrollment.backupCodes).toHaveLength(10);
    await shot('reenroll-with-codes');

    const before = h.printed.length;
    await $('print-sheet').click();
    await expect.poll(() => h.printed.length).toBe(before + 1);
    // Said in the dialog (a toast waits while a dialog is open).
    await shows($('sheet-note'), tr('nb', 'enroll.printed'));
    expect(await $('toast').count()).toBe(0);
    await shot('reenroll-sheet-printed');
    // What is under the middle of the dialog's primary button right now (asserted in its own test below).
    nextButtonHit = await dlg.getByTestId('dialog-next').evaluate((b) => {
      const r = b.getBoundingClientRect();
      const el = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
      if (el && (el === b || b.contains(el))) return 'the button';
      const toast = el?.closest('[data-testid="toast"]');
      return toast ? `a toast: ${toast.textContent}` : `${el?.tagName}.${el?.className}`;
    });
    const sheet = h.printed.at(-1)!;
    expect(sheet).toContain(OLA.name);
    expect(sheet).toContain(OLA.email);
    // Page 1: the QR, the key, the steps in both languages, "set up before", "destroy this page".
    expect(sheet).toContain('<svg');
    expect(sheet).toContain('Makuler siden når appen viser koden');
    expect(sheet).toContain('Destroy this page once your app shows the code');
    expect(sheet).toMatch(/Sett opp før/);
    expect(sheet).toMatch(/Set up before/);
    expect(sheet.replace(/\s/g, '')).toContain(secretOfUri(enrollment.uri));
    // Page 2: the backup codes and "keep this page somewhere safe"; Norwegian first.
    expect(sheet).toContain('id="backup-codes"');
    expect(sheet).toContain('Oppbevar denne siden trygt');
    expect(sheet).toContain('Keep this page somewhere safe');
    expect(sheet.indexOf('Oppbevar denne siden trygt')).toBeLessThan(sheet.indexOf('Keep this page somewhere safe'));
    expect(sheet).toMatch(/<html lang="nb"/);
    const page2 = sheet.slice(sheet.indexOf('id="backup-codes"'));
    for (const c of enrollment.backupCodes!) expect(page2).toContain(c);

    // Ola scans the QR at the desk (decoded from the screen), and reads his first code.
    const uri = await decodeQr($('enrollment-qr'));
    expect(uri).toBe(enrollment.uri);
    // By keyboard (a mouse may find the button under a toast, see below).
    await dlg.getByTestId('dialog-next').focus();
    await h.page.keyboard.press('Enter');
    await $('confirm-code').waitFor();
    await $('confirm-code').fill(totpAt(base32ToBytes(secretOfUri(uri!)), Date.now()));
    await $('confirm-submit').click();
    await $('enrollment-active').waitFor();
    await dlg.getByTestId('dialog-close').click();
    await dlg.waitFor({ state: 'detached' });
    await shows($('auth-status'), tr('nb', 'factor.active'));
    await shows($('factor-backup-codes'), tr('nb', 'factor.codesLeft', { n: 10, total: 10 }));
  });

  it('a toast does not cover the primary button of the open dialog (after Print sheet, "Next: confirm" is clickable at once)', () => {
    expect(nextButtonHit).toBe('the button');
  });

  it('new backup codes: three steps, ten codes shown once', async () => {
    await lookUp('kari.nordmann', KARI.email);
    await $('action-backup-codes').click();
    const dlg = $('dialog-backup-codes');
    await dlg.waitFor();
    expect(await dlg.getByTestId('dialog-next').isDisabled()).toBe(true);
    // The reason is picked from the presets (settings, in the UI's language), not typed.
    await identity(['callback'], 'HD-20392', '');
    const preset = tr('nb', 'identity.reasonPresets');
    const group = dlg.getByRole('group', { name: preset });
    await group.getByRole('button', { name: 'Brukte opp reservekodene' }).click();
    expect(await $('identity-reason').inputValue()).toBe('Brukte opp reservekodene');
    expect(await group.getByRole('button', { name: 'Brukte opp reservekodene' }).getAttribute('aria-pressed')).toBe('true');
    await $('identity-reason').focus();
    await h.page.keyboard.press('Enter');
    await $('consequences').waitFor();
    await h.page.keyboard.press('Enter');
    const values = dlg.getByTestId('secret-display-value');
    await values.first().waitFor();
    expect(await values.count()).toBe(10);
    const issued = last<{ codes: string[] }>('codes:backup').codes;
    const shown = await values.evaluateAll((els) => els.map((e) => e.getAttribute('data-value')));
    expect(shown).toEqual(issued.map((c) => c.replace(/[\s-]/g, '')));
    await shot('backup-codes-result');
    await dlg.getByTestId('dialog-close').click();
    await $('close-confirm-yes').click();
    await dlg.waitFor({ state: 'detached' });
    await shows($('factor-backup-codes'), tr('nb', 'factor.codesLeft', { n: 10, total: 10 }));
    await shows($('recent-activity'), 'Brukte opp reservekodene');
    for (const c of shown) expect(await pageHtml(h.page)).not.toContain(c!);
  });

  it('lost phone: one dialog, one check, ticket and reason — the old app revoked, a 15-minute code, a new QR and sheet, confirmed; one notification, one action id', async () => {
    await lookUp('ola.hansen', OLA.email);
    await shows($('auth-status'), tr('nb', 'factor.active'));
    const store = h.controller.store();
    const eventsBefore = (await store.read((tx) => tx.audit.list({ limit: 10_000 }))).length;
    const outboxBefore = (await store.read((tx) => tx.outbox.list({ pendingOnly: false, limit: 10_000 }))).length;
    await shows($('action-lost-phone'), tr('nb', 'actions.lostPhone'));
    await h.page.keyboard.press('Alt+P');
    const dlg = $('dialog-lost-phone');
    await dlg.waitFor();
    await expect.poll(focusedTestId).toBe('check-callback');
    expect(await dlg.getByTestId('dialog-next').isDisabled()).toBe(true);
    await identity(['callback'], 'HD-20396', 'phone lost on the bus');
    await h.page.keyboard.press('Enter');
    // What will happen: the old app stops, a short-lived code, a new set-up, one change.
    await shows($('consequences'), tr('nb', 'consequence.authRevoke', { name: 'Ola' }));
    await shows($('consequences'), tr('nb', 'consequence.lostPhoneOne'));
    await shows($('consequences'), tr('nb', 'otc.minutes', { count: 15, n: 15 }));
    await expect.poll(focusedTestId).toBe('dialog-next');
    await h.page.keyboard.press('Enter');

    const value = dlg.getByTestId('lost-phone-code-value');
    await value.waitFor();
    const answer = last<LostPhoneIssued>('users:lost-phone');
    if (answer.enrollment.mode !== 'agent') throw new Error('the app answers an agent-driven set-up');
    expect(await value.getAttribute('data-value')).toBe(answer.oneTimeCode.code.replace(/\s/g, ''));
    expect(answer.oneTimeCode.expiresAt - Date.now()).toBeGreaterThan(14 * 60_000);
    expect(answer.oneTimeCode.expiresAt - Date.now()).toBeLessThanOrEqual(15 * 60_000);
    await shows($('lost-phone-action-id'), answer.actionId);
    await shot('lost-phone-code');
    // Next: the new phone's set-up.
    await expect.poll(focusedTestId).toBe('dialog-next');
    await h.page.keyboard.press('Enter');
    await $('enrollment-qr').waitFor();
    await shot('lost-phone-set-up');
    // The new QR on screen is the one in the answer; the sheet prints with its key.
    expect(await decodeQr($('enrollment-qr'))).toBe(answer.enrollment.uri);
    const printedBefore = h.printed.length;
    await $('print-sheet').click();
    await expect.poll(() => h.printed.length).toBe(printedBefore + 1);
    expect(h.printed.at(-1)!.replace(/\s/g, '')).toContain(secretOfUri(answer.enrollment.uri));

    await dlg.getByTestId('dialog-next').focus();
    await h.page.keyboard.press('Enter');
    await $('confirm-code').waitFor();
    await $('confirm-code').fill(totpAt(base32ToBytes(secretOfUri(answer.enrollment.uri)), Date.now()));
    await $('confirm-submit').click();
    await $('enrollment-active').waitFor();
    await dlg.getByTestId('dialog-close').click();
    await dlg.waitFor({ state: 'detached' });
    await shows($('auth-status'), tr('nb', 'factor.active'));
    await shows($('factor-one-time-code'), tr('nb', 'factor.otcActive'));
    await shows($('recent-activity'), tr('nb', 'auditAction.lost-phone'));

    // In the vault: the action's events share its id; one notification; no code or key in the audit.
    const added = [...(await store.read((tx) => tx.audit.list({ limit: 10_000 })))].sort((a, b) => a.seq - b.seq).slice(eventsBefore);
    const linked = added.filter((e) => e.details['actionId'] === answer.actionId).map((e) => e.action);
    expect(linked).toEqual(['lost-phone.revoke', 'lost-phone.one-time-code', 'lost-phone.reenroll', 'lost-phone']);
    const auditText = JSON.stringify(added);
    expect(auditText).not.toContain(answer.oneTimeCode.code.replace(/\s/g, ''));
    expect(auditText).not.toContain(secretOfUri(answer.enrollment.uri));
    const outbox = await store.read((tx) => tx.outbox.list({ pendingOnly: false, limit: 10_000 }));
    const queued = outbox.slice(0, outbox.length - outboxBefore); // newest first
    // The action queued one; the confirmation of the new app its own.
    expect(queued.map((o) => o.kind).sort()).toEqual(['enrollment-confirmed', 'lost-phone']);
  });

  it('journey 3: only "known email" ticked → Next stays disabled, the weak-only notice offers "Record refused request", which records it', async () => {
    const issuedBefore = responsesOf(h, 'codes:issue-one-time').length;
    await lookUp('per.olsen', PER.email);
    await $('action-one-time-code').click();
    const dlg = $('dialog-one-time-code');
    await dlg.waitFor();
    await identity(['known-email'], 'HD-20394', 'wants a code by e-mail');
    const next = dlg.getByTestId('dialog-next');
    expect(await next.isDisabled()).toBe(true);
    await shows($('weak-only'), tr('nb', 'identity.weakOnly'));
    await h.page.keyboard.press('Enter'); // Enter does not get past step 1 either
    expect(await $('consequences').count()).toBe(0);

    await $('weak-only-refuse').click();
    const refuse = $('dialog-refuse');
    await refuse.waitFor();
    expect(await $('refuse-caller').inputValue()).toBe(PER.name);
    expect(await $('refuse-ticket').inputValue()).toBe('HD-20394');
    await $('refuse-number').fill('+47 400 12 345');
    await $('refuse-requested').fill('a one-time code by e-mail, in a hurry');
    await $('refuse-notes').fill('Unknown number; would not accept a call-back.');
    await shot('refused-request');
    await $('refuse-submit').click();
    await refuse.waitFor({ state: 'detached' });
    await shows($('toast').last(), tr('nb', 'refuse.recorded'));
    // No code was issued for Per.
    expect(responsesOf(h, 'codes:issue-one-time').length).toBe(issuedBefore);
    expect(responsesOf(h, 'requests:refuse').at(-1)?.ok).toBe(true);
  });

  it("admin, the next morning: the audit filtered for refused requests shows Per's; journey 1 is there step by step", async () => {
    await $('nav-audit').click();
    await $('audit-table').waitFor();
    await expect.poll(() => $('audit-row').count()).toBeGreaterThan(10);
    await shot('audit-log');
    // Every event so far, numbered 1…n without gaps (checked against "intact, n events" below).
    const all = last<AuditEventView[]>('audit:list');
    const seqs = all.map((e) => e.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    eventsBeforeVerify = seqs.length;

    await $('audit-refused-filter').click();
    await expect.poll(async () => (await $('audit-row').evaluateAll((rs) => rs.map((r) => r.getAttribute('data-action')))).join()).toBe('request.refused');
    const row = $('audit-row').first();
    await shows(row, PER.email);
    await shows(row, 'HD-20394');
    await shows(row, 'a one-time code by e-mail');
    await shot('audit-refused');
    await $('audit-refused-filter').click(); // off again

    // Journey 1, one event per step, with callback, the ticket and the reason.
    await $('audit-filter-user').fill(KARI.email);
    await $('audit-apply').click();
    await expect.poll(async () => (await $('audit-row').evaluateAll((rs) => rs.map((r) => r.getAttribute('data-action')))).includes('enrollment.confirm')).toBe(true);
    const list = last<AuditEventView[]>('audit:list');
    const journey = list.filter((e) => e.action.startsWith('enrollment.')).sort((a, b) => a.seq - b.seq);
    expect(journey.map((e) => e.action)).toEqual(['enrollment.reenroll', 'enrollment.reveal-key', 'enrollment.confirm']);
    expect(journey[0]).toMatchObject({ checks: ['callback'], ticket: 'HD-20391', reason: 'changed phone', outcome: 'ok', userEmail: KARI.email, operator: ADMIN_OP.name });
    expect(journey.every((e) => e.userEmail === KARI.email && e.outcome === 'ok')).toBe(true);
    const reenrollRow = h.page.locator('[data-testid="audit-row"][data-action="enrollment.reenroll"]');
    await shows(reenrollRow, CHECK_LABEL.callback);
    await shows(reenrollRow, 'HD-20391');
    await shows(reenrollRow, 'changed phone');
    await shows(h.page.locator('[data-testid="audit-row"][data-action="enrollment.reveal-key"]'), tr('nb', 'auditAction.enrollment_reveal-key'));
  });

  it('audit: verify shows "intact" with the event count; export as JSON through the save dialog', async () => {
    await $('audit-verify').click();
    const result = $('audit-verify-result');
    await result.waitFor();
    const chain = last<ChainReportView>('audit:verify');
    expect(chain.ok).toBe(true);
    // Everything listed before, plus what happened since (filtering is audited too): no more than a few.
    expect(chain.count).toBeGreaterThanOrEqual(eventsBeforeVerify);
    expect(chain.count).toBeLessThanOrEqual(eventsBeforeVerify + 5);
    await shows(result, tr('nb', 'audit.intact', { count: chain.count, n: fmt('nb', chain.count) }));
    await shot('audit-verified');

    // An event edited with outside tools: the break is worded in the UI's language, then put back.
    const db = h.controller.vault().db;
    const before = db.prepare('SELECT ticket FROM audit_events WHERE seq = 2').get() as { ticket: string | null };
    // What someone with the key and the stock driver does: drop the append-only trigger first.
    const triggers = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_events' AND sql LIKE '%UPDATE%'").all() as Array<{ name: string; sql: string }>;
    for (const tg of triggers) db.exec(`DROP TRIGGER "${tg.name}"`);
    db.prepare('UPDATE audit_events SET ticket = ? WHERE seq = 2').run('HD-FORGED');
    await $('audit-verify').click();
    await shows(result, tr('nb', 'audit.broken', { seq: fmt('nb', 2), problem: tr('nb', 'audit.problem.changed') }));
    db.prepare('UPDATE audit_events SET ticket = ? WHERE seq = 2').run(before.ticket);
    for (const tg of triggers) db.exec(tg.sql);
    await $('audit-verify').click();
    await shows(result, tr('nb', 'audit.intact', { count: 2, n: '2' }).split(',')[0]!);

    // A filtered export holds exactly the rows the table shows (ticket and free text ignore case).
    await $('audit-filter-user').fill('');
    await $('audit-filter-ticket').fill('hd-20391');
    await $('audit-filter-text').fill('CHANGED PHONE');
    await $('audit-apply').click();
    await expect.poll(async () => (await $('audit-row').evaluateAll((rs) => rs.map((r) => r.getAttribute('data-action')))).join()).toContain('enrollment.reenroll');
    const shown = last<AuditEventView[]>('audit:list');
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.every((e) => e.ticket === 'HD-20391')).toBe(true);
    await expect.poll(() => $('audit-row').count()).toBe(shown.length);
    const csv = join(h.tmp, 'audit-filtered.csv');
    h.saveAnswers['audit-csv'] = csv;
    const exportsBefore = responsesOf(h, 'audit:export').length;
    await $('audit-export-csv').click();
    // The worker writes the file before the answer comes back: wait for the answer.
    await expect.poll(() => responsesOf(h, 'audit:export').length).toBe(exportsBefore + 1);
    expect(existsSync(csv)).toBe(true);
    expect(last<{ count: number }>('audit:export').count).toBe(shown.length);
    const csvRows = readFileSync(csv, 'utf8').trim().split('\r\n').slice(1, -1);
    expect(csvRows.map((r) => Number(r.split(',')[0]))).toEqual(shown.map((e) => e.seq).reverse());

    // An event's details: every field and what the details hold.
    await $('audit-row-details').first().click();
    const dialog = $('audit-event-dialog');
    await dialog.waitFor();
    await shows(dialog, 'HD-20391');
    await shows(dialog, 'via');
    await shot('audit-event');
    await h.page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await $('audit-clear').click();

    const file = join(h.tmp, 'audit.json');
    h.saveAnswers['audit-json'] = file;
    await $('audit-export-json').click();
    await expect.poll(() => responsesOf(h, 'audit:export').length).toBe(exportsBefore + 2);
    await expect.poll(() => existsSync(file)).toBe(true);
    await shows($('toast').last(), tr('nb', 'audit.exported', { count: last<{ count: number }>('audit:export').count, n: fmt('nb', last<{ count: number }>('audit:export').count) }));
    const exported = readFileSync(file, 'utf8');
    const parsed: unknown = JSON.parse(exported);
    expect(exported).toContain('HD-20391');
    expect(exported).toContain('request.refused');
    expect(JSON.stringify(parsed).length).toBeGreaterThan(1000);
    // The export carries no secret either.
    for (const s of issuedSecrets(h)) expect(exported.replace(/[\s-]/g, '').includes(s), `export contains ${s.slice(0, 4)}…`).toBe(false);
  });

  it('the outbox holds "your sign-in methods were changed" for Kari; the other admin screens open', async () => {
    await $('nav-outbox').click();
    const table = $('outbox-table');
    await table.waitFor();
    await shows(table, KARI.email);
    await shows(table, OLA.email);
    const kariRows = h.page.locator('[data-testid="outbox-row"]', { hasText: KARI.email });
    expect(await kariRows.count()).toBeGreaterThanOrEqual(1);
    for (const r of await kariRows.all()) expect(await text(r)).toContain('Your sign-in methods were changed');
    // The same in the data main sent (no code or key in it: the scan at the end covers every response).
    const items = last<Array<{ email: string; subject: string; kind: string }>>('outbox:list');
    expect(items.filter((i) => i.email === KARI.email).length).toBeGreaterThanOrEqual(1);
    // The organisation named at first run heads every notification.
    expect(items.every((i) => i.subject.startsWith('Eksempel kommune: '))).toBe(true);
    await shot('outbox');

    await $('nav-operators').click();
    await h.page.locator(`[data-testid="operator-row"][data-name="${ADMIN_OP.name}"]`).waitFor();
    await shot('operators');

    await $('nav-settings').click();
    await $('settings-screen').waitFor();
    await shot('settings');
    // What first run asked for is in the settings.
    expect(await $('settings-org').inputValue()).toBe('Eksempel kommune');
    expect(await $('settings-support').inputValue()).toBe('IT-brukerstøtte, 22 00 00 00');
    // Reason presets: a duplicate is refused before saving; a new one is saved and audited by name.
    const editor = $('presets-editor');
    const presetsBefore = await editor.getByTestId('preset-nb').count();
    await editor.getByTestId('preset-add').click();
    await editor.getByTestId('preset-nb').last().fill('Mistet telefonen');
    await editor.getByTestId('preset-en').last().fill('Lost phone again');
    await shows(editor, tr('nb', 'settings.presetTwice'));
    expect(await $('settings-save').isDisabled()).toBe(true);
    await editor.getByTestId('preset-nb').last().fill('Telefonen er i reparasjon');
    await editor.getByTestId('preset-en').last().fill('Phone in for repair');
    await $('settings-save').click();
    await expect.poll(() => last<SettingsView>('settings:update').reasonPresets?.length).toBe(presetsBefore + 1);
    expect(last<SettingsView>('settings:update').reasonPresets.at(-1)).toEqual({ nb: 'Telefonen er i reparasjon', en: 'Phone in for repair' });
    // The alert log: a relative path is refused before saving, a full one is saved with the syslog target.
    await $('settings-alert-log').fill('varsler.jsonl');
    await shows($('settings-alerts'), tr('nb', 'settings.alertLogAbsolute'));
    expect(await $('settings-save').isDisabled()).toBe(true);
    await $('settings-alert-log').fill(join(h.tmp, 'alerts.jsonl'));
    await $('settings-syslog-host').fill('siem.example.org');
    await $('settings-syslog-protocol').selectOption('tcp');
    await $('settings-save').click();
    await expect.poll(() => last<SettingsView>('settings:update').syslogHost).toBe('siem.example.org');
    expect(last<SettingsView>('settings:update')).toMatchObject({ alertLogPath: join(h.tmp, 'alerts.jsonl'), syslogProtocol: 'tcp', syslogPort: 514 });
    // Email delivery: the relay password is only said to be set or not; a relay without a valid
    // sender is refused before saving, and a full relay is saved.
    await shows($('settings-smtp-password'), tr('nb', 'emailDelivery.passwordNotSet'));
    await $('settings-smtp-host').fill('smtp.eksempel.no');
    await shows($('settings-email-delivery'), tr('nb', 'emailDelivery.fromInvalid'));
    expect(await $('settings-save').isDisabled()).toBe(true);
    await $('settings-smtp-from').fill('brukerstotte@eksempel.no');
    await $('settings-smtp-starttls').selectOption('required');
    await $('settings-notification-language').selectOption('en');
    await $('settings-save').click();
    await expect.poll(() => last<SettingsView>('settings:update').smtpHost).toBe('smtp.eksempel.no');
    expect(last<SettingsView>('settings:update')).toMatchObject({ smtpFrom: 'brukerstotte@eksempel.no', smtpPort: 587, smtpStartTls: 'required', notificationLanguage: 'en', smtpPasswordSet: false });
    await $('settings-email-delivery').scrollIntoViewIfNeeded();
    await shot('settings-email-delivery');

    await $('nav-vault').click();
    await $('vault-screen').waitFor();
    await $('vault-integrity').click();
    await shows($('vault-integrity-result'), tr('nb', 'vault.integrityOk'));
    // The upkeep shows the check just made, read back from the audit log.
    await shows($('upkeep-integrity'), tr('nb', 'vault.upkeep.integrityOk'));
    expect(await $('upkeep-integrity').getAttribute('data-state')).toBe('ok');
    // A backup, then a restore that stops at its preview: what the backup holds is shown (read
    // from inside it), and Cancel restores nothing.
    const backupFile = join(h.tmp, 'journey.fdbackup');
    h.saveAnswers.backup = backupFile;
    await $('vault-backup').click();
    await expect.poll(() => existsSync(backupFile)).toBe(true);
    await shows($('upkeep-backup'), ' (');
    await expect.poll(() => $('upkeep-backup').getAttribute('data-state')).toBe('ok');
    const users = last<VaultInfo>('vault:info').users;
    h.openAnswers.backup = backupFile;
    await $('vault-restore').click();
    await $('dialog-restore').waitFor();
    await $('dialog-confirm').click();
    await $('restore-preview').waitFor();
    await shows($('restore-fact-vault'), tr('nb', 'vault.restoreFacts.thisVault'));
    await shows($('restore-fact-users'), fmt('nb', users));
    await $('restore-password').waitFor();
    await shot('vault-restore-preview');
    await $('dialog-cancel').click();
    await $('dialog-restore').waitFor({ state: 'detached' });
    expect(responsesOf(h, 'vault:restore-preview')).toHaveLength(1);
    expect(responsesOf(h, 'vault:restore')).toHaveLength(0);
    await shot('vault');
  });

  it('Ctrl+K from an admin screen puts the focus in the search box, and it stays there', async () => {
    // On the Vault tab; the lookup tab still has Per's page, opened earlier with Enter.
    await h.page.keyboard.press('Control+K');
    await $('user-name').waitFor(); // the lookup tab is back, with Per's page loaded
    await shows($('user-name'), PER.name);
    await h.page.waitForTimeout(300);
    expect(await focusedTestId()).toBe('search-input');
  });

  it('journey 5: idle — the warning appears, then the lock returns to sign-in and nothing of the last user remains', async () => {
    // On Kari's page with a freshly issued code on screen (the worst moment to walk away).
    await lookUp('kari.nordmann', KARI.email);
    await $('action-one-time-code').click();
    await identity(['callback'], 'HD-20395', 'still cannot sign in');
    await h.page.keyboard.press('Enter');
    await $('consequences').waitFor();
    await h.page.keyboard.press('Enter');
    const value = $('secret-display-value');
    await value.waitFor();
    lastIdleCode = (await value.getAttribute('data-value')) ?? '';
    expect(lastIdleCode).toMatch(/^\d{8}$/);
    // Copied with Ctrl+C, not the Copy button: it still goes through the clipboard guard, as one
    // write carrying the concealed markers of this platform.
    const writesBefore = h.clipboard.writes.length;
    await value.evaluate((el) => {
      const range = document.createRange();
      range.selectNodeContents(el);
      const sel = window.getSelection()!;
      sel.removeAllRanges();
      sel.addRange(range);
    });
    await h.page.keyboard.press('Control+C');
    await expect.poll(() => h.clipboard.value).toBe(lastIdleCode);
    expect(h.clipboard.writes.slice(writesBefore)).toEqual([{ text: lastIdleCode, formats: concealedFormats(process.platform) }]);

    // Nobody touches anything: 4 min 40 s pass (of 5 min) → the 30-second warning.
    expect(h.controller.publicSession()).not.toBe(null);
    h.controller.idle.touch(); // the agent's last input: now
    clock.advance(5 * 60_000 - 20_000);
    h.controller.idle.tick();
    await shows($('idle-warning'), tr('nb', 'idle.warning', { seconds: 20 }).slice(0, 8));
    expect(h.emitted.filter((e) => e.event === 'idle:warning').at(-1)?.data).toEqual({ secondsLeft: 20 });
    await shot('idle-warning');

    // 30 s more: locked.
    clock.advance(30_000);
    h.controller.idle.tick();
    await $('signin-form').waitFor();
    await shows(h.page.locator('.gate-card'), tr('nb', 'signin.locked.idle'));
    expect(h.controller.publicSession()).toBe(null);
    expect(h.emitted.some((e) => e.event === 'session:locked' && (e.data as { reason: string }).reason === 'idle')).toBe(true);
    // Nothing of Kari, the code, or anything else about users stays in the page, visible or not.
    const html = await pageHtml(h.page);
    const visible = await pageText(h.page);
    for (const s of [KARI.name, KARI.email, 'Nordmann', lastIdleCode, kariCode, OLA.name, PER.name, 'HD-2039']) {
      expect(html, s).not.toContain(s);
      expect(visible, s).not.toContain(s);
    }
    expect(await $('idle-warning').count()).toBe(0);
    expect(await h.page.locator('[role="dialog"]').count()).toBe(0);
    // And the clipboard no longer holds the code.
    await expect.poll(() => h.clipboard.value).toBe('');
    await shot('locked-signin');
  });

  it('language switch: nb ↔ en changes the sign-in screen and the user page', async () => {
    // Sign-in screen: Norwegian → English.
    await shows(h.page.locator('h1'), tr('nb', 'signin.title'));
    await $('lang-en').click();
    await shows(h.page.locator('h1'), tr('en', 'signin.title'));
    await shows($('signin-submit'), tr('en', 'signin.submit'));
    await shows(h.page.locator('.gate-card'), tr('en', 'signin.locked.idle'));
    expect(await h.page.evaluate(() => document.documentElement.lang)).toBe('en');
    await shot('sign-in-en');

    // The agent signs in again and carries on, in English.
    await signIn(h, ADMIN_OP.name, ADMIN_OP.password);
    await $('search-input').waitFor({ timeout: 20_000 });
    expect(await $('search-input').getAttribute('aria-label')).toBe(tr('en', 'search.label'));
    await lookUp('kari', KARI.email);
    await shows($('factor-authenticator'), tr('en', 'factor.authenticator'));
    await shows($('auth-status'), tr('en', 'factor.active'));
    await shows($('action-reenroll'), tr('en', 'actions.reenroll'));
    await shows($('recent-activity'), tr('en', 'auditAction.enrollment_confirm'));
    await shot('user-detail-en');

    // Back to Norwegian from the operator menu (keyboard: ↓ opens, arrows move, Enter chooses).
    await $('operator-menu').focus();
    await h.page.keyboard.press('ArrowDown');
    await h.page.getByRole('menu').waitFor();
    await $('menu-lang-nb').focus();
    await h.page.keyboard.press('Enter');
    await shows($('action-reenroll'), tr('nb', 'actions.reenroll'));
    await shows($('factor-authenticator'), tr('nb', 'factor.authenticator'));
    await shows($('auth-status'), tr('nb', 'factor.active'));
    expect(await h.page.evaluate(() => document.documentElement.lang)).toBe('nb');
    // The choice is kept in the preferences (main), not only in the page.
    expect(responsesOf<{ language: string }>(h, 'prefs:set').at(-1)?.value?.language).toBe('nb');
  });

  it('after all journeys: no CSP violation, no page error, and no secret in any response but the issuing ones', async () => {
    expect(await h.csp()).toEqual([]);
    expect(pageErrors).toEqual([]);
    const secrets = issuedSecrets(h);
    // Recovery key, 2 one-time codes, 2 enrollment keys, 20 backup codes.
    expect(secrets.length).toBeGreaterThanOrEqual(1 + 2 + 2 + 20);
    expect(secrets).toContain(recoveryKey);
    expect(leakedSecrets(h)).toEqual([]);
    // Every channel the journeys used answered through the guard (no INTERNAL errors).
    expect(h.responses.filter((r) => !r.result.ok && r.result.error.code === 'INTERNAL').map((r) => r.channel)).toEqual([]);
  });
});
