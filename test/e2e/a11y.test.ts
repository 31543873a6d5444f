// Accessibility sweep (WCAG 2.2 AA) in real Chromium through the built renderer: every screen and
// dialog the journeys reach, in Norwegian and in English, each checked in the light theme (all of
// axe's WCAG and best-practice rules, control borders ≥ 3:1, the focused element visible and
// not under a toast, one main landmark and one h1) and in the dark one (colour contrast, borders),
// and at 640×360 CSS px (1280×720 at 200 % zoom) for sideways scrolling — at 320 px wide as well
// for lookup, the user page and the action dialogs. Also: dialogs give the focus back to their
// opener without changing tabs, unsaved settings survive a tab change, the recovery key fits its
// card at every width, the results panel scrolls from the keyboard, toasts wait under a modal,
// and the status bar shows what it should.
// Writes test-results/axe.json ({ "nb/lookup": 0, "nb-dark/lookup": 0, … }) and screenshots
// under test-results/screenshots/a11y/<lang>-<theme>/.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RENDERER_DIR, startHarness, type Harness } from '../helpers/app-harness.ts';
import { focusProblem, runAxe, RESULTS_DIR, sidewaysScroll, structureProblems, weakBorders, writeAxeCounts } from '../helpers/a11y.ts';
import { ADMIN_OP, base32ToBytes, KARI, OffsetClock, signIn, writeHrExport, type HrExport } from '../helpers/e2e.ts';
import { totpAt } from '../../main/core/totp.ts';
import nbJson from '../../renderer/src/locales/nb.json';

type Lang = 'nb' | 'en';
const WIDE = { width: 1280, height: 720 };
const RENDERER_BUILT = existsSync(join(RENDERER_DIR, 'index.html'));
const AGENT = { name: 'per.lie', displayName: 'Per Lie', password: 'Tre blå båter i Bergen havn om natten' };

describe.skipIf(!RENDERER_BUILT)('accessibility sweep in Chromium, both languages, light and dark', () => {
  let h: Harness;
  const clock = new OffsetClock();
  const counts: Record<string, number> = {};
  const problems: string[] = [];
  const pageErrors: string[] = [];
  let hr: HrExport;
  let lang: Lang = 'nb';

  const $ = (id: string) => h.page.getByTestId(id);
  const focusedTestId = () => h.page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset['testid'] ?? document.activeElement?.tagName ?? null);
  const settle = () => h.page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(null)))));

  /** Checks the screen as it is now, under `name`; problems are collected, counts recorded. */
  async function check(name: string, opts: { narrow?: boolean } = {}): Promise<void> {
    const p = h.page;
    await settle();
    const key = `${lang}/${name}`;
    const focus = await focusProblem(p);
    if (focus) problems.push(`${key}: focus: ${focus}`);
    const light = await runAxe(p);
    counts[key] = light.length;
    for (const v of light) problems.push(`${key}: axe ${v.id} (${v.impact}): ${v.help} — ${v.nodes.join(' | ')}`);
    for (const b of await weakBorders(p)) problems.push(`${key}: border under 3:1: ${b}`);
    for (const s of await structureProblems(p)) problems.push(`${key}: ${s}`);
    await p.screenshot({ path: join(RESULTS_DIR, 'screenshots', 'a11y', `${lang}-light`, `${name}.png`) });

    await p.emulateMedia({ colorScheme: 'dark' });
    await settle();
    const dark = await runAxe(p, ['color-contrast', 'link-in-text-block']);
    counts[`${lang}-dark/${name}`] = dark.length;
    for (const v of dark) problems.push(`${lang}-dark/${name}: axe ${v.id}: ${v.help} — ${v.nodes.join(' | ')}`);
    for (const b of await weakBorders(p)) problems.push(`${lang}-dark/${name}: border under 3:1: ${b}`);
    await p.screenshot({ path: join(RESULTS_DIR, 'screenshots', 'a11y', `${lang}-dark`, `${name}.png`) });
    await p.emulateMedia({ colorScheme: 'light' });

    const sizes = opts.narrow ? [{ width: 640, height: 360 }, { width: 320, height: 640 }] : [{ width: 640, height: 360 }];
    for (const size of sizes) {
      await p.setViewportSize(size);
      await settle();
      for (const s of await sidewaysScroll(p)) problems.push(`${key} at ${size.width}×${size.height}: scrolls sideways: ${s}`);
      if (opts.narrow) await p.screenshot({ path: join(RESULTS_DIR, 'screenshots', 'a11y', `${lang}-light-${size.width}`, `${name}.png`) });
    }
    await p.setViewportSize(WIDE);
    await settle();
  }

  /** The recovery key stays inside its card at every width. */
  async function recoveryKeyFits(where: string): Promise<void> {
    for (const width of [1280, 640, 320]) {
      await h.page.setViewportSize({ width, height: 720 });
      await settle();
      const r = await $('recovery-key').evaluate((el) => {
        const card = el.closest('.gate-card, .modal') as HTMLElement;
        const a = el.getBoundingClientRect();
        const c = card.getBoundingClientRect();
        return { overflow: el.scrollWidth > el.clientWidth + 1, right: a.right, cardRight: c.right, pageWide: document.documentElement.scrollWidth > document.documentElement.clientWidth };
      });
      if (r.overflow || r.right > r.cardRight + 0.5 || r.pageWide) problems.push(`${lang}/${where} at ${width}: recovery key leaves its card (${JSON.stringify(r)})`);
    }
    await h.page.setViewportSize(WIDE);
  }

  /** Problems so far must be none (reported all at once, per test). */
  function noProblems(): void {
    const list = problems.splice(0);
    expect(list).toEqual([]);
  }

  async function pressCtrlK(): Promise<void> {
    await h.page.keyboard.press('Control+K');
    await h.page.evaluate(() => new Promise((r) => setTimeout(r, 20)));
    await expect.poll(focusedTestId).toBe('search-input');
  }

  async function openKari(): Promise<void> {
    await pressCtrlK();
    await h.page.keyboard.type('kari.nordmann', { delay: 5 });
    const option = h.page.locator(`[data-testid="lookup-result"][data-email="${KARI.email}"]`);
    await option.waitFor();
    await expect.poll(() => $('lookup-result').count()).toBe(1);
    await h.page.keyboard.press('Enter');
    await $('user-detail').waitFor();
  }

  async function identity(): Promise<void> {
    await $('check-callback').focus();
    await h.page.keyboard.press('Space');
    await h.page.keyboard.press('Enter'); // on to the ticket (what is missing)
    await expect.poll(focusedTestId).toBe('identity-ticket');
    await h.page.keyboard.type('HD-30001');
    await h.page.keyboard.press('Tab');
    await h.page.keyboard.type('a11y sweep');
  }

  async function tab(view: string): Promise<void> {
    await $(`nav-${view}`).click();
    await expect.poll(() => $(`nav-${view}`).getAttribute('aria-selected')).toBe('true');
  }

  /** After a dialog closed: the focus is on `opener` and the admin is still on tab `view`. */
  async function backTo(opener: string, view: string, what: string): Promise<void> {
    await expect.poll(focusedTestId, { message: `${what}: focus back on ${opener}` }).toBe(opener);
    expect(await $(`nav-${view}`).getAttribute('aria-selected'), `${what}: still on ${view}`).toBe('true');
  }

  async function switchLanguage(to: Lang): Promise<void> {
    await $('operator-menu').click();
    await $(`menu-lang-${to}`).click();
    lang = to;
    await expect.poll(() => h.page.evaluate(() => document.documentElement.lang)).toBe(to);
  }

  beforeAll(async () => {
    h = await startHarness({ clock, viewport: WIDE });
    h.page.on('pageerror', (e) => pageErrors.push(String(e)));
    hr = writeHrExport(join(h.tmp, 'hr-export.csv'), 200);
  }, 60_000);

  afterAll(async () => {
    writeAxeCounts('a11y', counts);
    await h?.close();
  });

  it('the checks themselves find what they look for (a missing alt text, a faint border, sideways scrolling)', async () => {
    await $('welcome').waitFor();
    await h.page.evaluate(() => {
      const box = document.createElement('div');
      box.id = 'probe';
      box.innerHTML = '<img src="data:," width="10" height="10"><input aria-label="probe" class="probe-input"><div class="probe-wide"></div>';
      document.body.append(box);
      // CSSOM, which the CSP allows (no style attribute in markup).
      (box.querySelector('.probe-input') as HTMLElement).style.border = '1px solid #dddddd';
      (box.querySelector('.probe-wide') as HTMLElement).style.width = '3000px';
      (box.querySelector('.probe-wide') as HTMLElement).style.height = '10px';
    });
    try {
      expect((await runAxe(h.page)).map((v) => v.id)).toContain('image-alt');
      expect((await weakBorders(h.page)).join()).toContain('probe');
      expect((await sidewaysScroll(h.page)).length).toBeGreaterThan(0);
    } finally {
      await h.page.evaluate(() => document.getElementById('probe')?.remove());
    }
    expect(await weakBorders(h.page)).toEqual([]);
  });

  it('gate screens: first run in both languages, the recovery key (fits its card at 1280, 640 and 320 px)', async () => {
    // The first-run choice and the server address screen, before the vault's own first run.
    await $('welcome').waitFor();
    // In Norwegian (the checks are filed under the current language).
    await $('lang-nb').click();
    lang = 'nb';
    await expect.poll(() => h.page.locator('h1').textContent()).toBe(nbJson.welcome.title);
    await check('welcome');
    await $('welcome-server').click();
    await $('connect-address').waitFor();
    await check('connect');
    await $('connect-back').click();
    await $('welcome-vault').click();
    await $('first-run').waitFor();
    await $('lang-en').click();
    lang = 'en';
    await $('first-run-name').focus();
    await check('first-run');
    await $('lang-nb').click();
    lang = 'nb';
    await $('first-run-name').focus();
    await check('first-run');
    await $('first-run-name').fill(ADMIN_OP.name);
    await $('first-run-display-name').fill(ADMIN_OP.displayName);
    await $('first-run-password').fill(ADMIN_OP.password);
    await $('first-run-password-repeat').fill(ADMIN_OP.password);
    await $('first-run-submit').click();
    // Organisation and support contact are required: their errors are swept too.
    await $('first-run-organization').waitFor();
    await expect.poll(() => $('first-run-organization').getAttribute('aria-invalid')).toBe('true');
    await check('first-run-missing');
    await $('first-run-organization').fill('Eksempel kommune');
    await $('first-run-support').fill('IT-brukerstøtte, 22 00 00 00');
    await $('first-run-submit').click();
    await $('recovery-key').waitFor({ timeout: 20_000 });
    await check('first-run-recovery-key');
    await recoveryKeyFits('first-run-recovery-key');
    await $('recovery-stored').click();
    await $('recovery-continue').click();
    await $('search-input').waitFor();
    noProblems();
  });

  for (const l of ['nb', 'en'] as const) {
    it(`${l}: lookup, the user page, the operator menu; the results panel scrolls from the keyboard; the status bar`, async () => {
      if (l === 'en') await switchLanguage('en');
      // Users to look up (the import report is a screen too).
      await tab('import');
      h.openAnswers.csv = hr.path;
      await $('import-start').click();
      // First what the import would do (the preview), then the import itself.
      await $('import-preview').waitFor({ timeout: 30_000 });
      await check('import-preview');
      await $('import-confirm').click();
      await $('import-report').waitFor({ timeout: 30_000 });
      await check('import-report');
      await tab('lookup');

      await pressCtrlK();
      await check('lookup', { narrow: true });
      // Status bar: who and what; the outbox count for an admin.
      await expect.poll(async () => (await $('status-operator').textContent()) ?? '').toContain(ADMIN_OP.displayName);
      expect(await $('status-outbox').count()).toBe(1);

      await h.page.keyboard.type('b', { delay: 5 });
      await expect.poll(() => $('lookup-result').count()).toBe(30);
      await check('lookup-results', { narrow: true });
      // The results panel takes the focus and scrolls with the keyboard.
      const panel = $('results-panel');
      await panel.focus();
      expect(await focusedTestId()).toBe('results-panel');
      const before = await panel.evaluate((el) => el.scrollTop);
      await h.page.keyboard.press('PageDown');
      await expect.poll(() => panel.evaluate((el) => el.scrollTop)).toBeGreaterThan(before);

      await openKari();
      await check('user', { narrow: true });

      await $('operator-menu').focus();
      await h.page.keyboard.press('ArrowDown');
      await h.page.getByRole('menu').waitFor();
      await check('operator-menu');
      await h.page.keyboard.press('Escape');
      await expect.poll(focusedTestId).toBe('operator-menu');
      if (l === 'nb') {
        // Theme: chosen in the menu it wins over the OS (light here); "same as the system" follows it again.
        const bg = () => h.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
        const lightBg = await bg();
        await $('operator-menu').click();
        await $('menu-theme-dark').click();
        expect(await h.page.evaluate(() => document.documentElement.dataset['theme'])).toBe('dark');
        expect(await bg()).not.toBe(lightBg);
        await check('user-dark-chosen');
        await $('operator-menu').click();
        await $('menu-theme-system').click();
        expect(await bg()).toBe(lightBg);
        // Density: compact, kept in main's preferences.
        await $('operator-menu').click();
        await $('menu-density-compact').click();
        expect(await h.page.evaluate(() => document.documentElement.dataset['density'])).toBe('compact');
        await expect.poll(() => h.responses.filter((r) => r.channel === 'prefs:set').at(-1)?.result).toEqual({ ok: true, value: expect.objectContaining({ density: 'compact' }) });
        await check('user-compact');
        await $('operator-menu').click();
        await $('menu-density-comfortable').click();
      }
      noProblems();
    });

    it(`${l}: one-time code (three steps, the close question), re-enrollment (four steps), new backup codes, lost phone, refused request`, async () => {
      // One-time code, by its shortcut.
      await h.page.keyboard.press('Alt+O');
      await $('dialog-one-time-code').waitFor();
      await expect.poll(focusedTestId).toBe('check-callback');
      // The call-back number, grouped for reading, with a copy button.
      expect((await $('callback-number-value').textContent())?.trim()).toBe(KARI.phone);
      await check('otc-step1', { narrow: true });
      await identity();
      await h.page.keyboard.press('Enter');
      await $('consequences').waitFor();
      await expect.poll(focusedTestId).toBe('dialog-next');
      await check('otc-step2', { narrow: true });
      await h.page.keyboard.press('Enter');
      await $('secret-display-value').waitFor();
      await expect.poll(focusedTestId).toBe('dialog-close');
      await check('otc-result', { narrow: true });
      await h.page.keyboard.press('Enter');
      await $('close-confirm').waitFor();
      await check('otc-close-question');
      await $('close-confirm-yes').click();
      await $('dialog-one-time-code').waitFor({ state: 'detached' });
      await expect.poll(focusedTestId).toBe('search-input');

      // Re-enrollment by phone.
      await $('action-reenroll').focus();
      await h.page.keyboard.press('Alt+R');
      await $('dialog-reenroll').waitFor();
      await check('reenroll-step1', { narrow: true });
      await identity();
      await h.page.keyboard.press('Enter');
      await $('consequences').waitFor();
      await expect.poll(focusedTestId).toBe('dialog-next');
      await check('reenroll-step2', { narrow: true });
      await h.page.keyboard.press('Enter');
      await $('enrollment-qr').waitFor();
      await expect.poll(focusedTestId).toBe('reveal-key');
      await check('reenroll-step3', { narrow: true });
      await h.page.keyboard.press('Enter');
      const key = $('typed-key-value');
      await key.waitFor();
      await expect.poll(focusedTestId).toBe('dialog-next');
      await check('reenroll-key', { narrow: true });
      const b32 = (await key.getAttribute('data-value')) ?? '';
      // The spelling aid is open beside the key; its toggle hides and shows it.
      await $('spelling-aid').waitFor();
      await $('spelling-toggle').click();
      await $('spelling-aid').waitFor({ state: 'detached' });
      await $('spelling-toggle').click();
      await $('spelling-aid').waitFor();
      await $('dialog-next').focus();
      await h.page.keyboard.press('Enter');
      await $('confirm-code').waitFor();
      await expect.poll(focusedTestId).toBe('confirm-code');
      await check('reenroll-step4', { narrow: true });
      await h.page.keyboard.type(totpAt(base32ToBytes(b32), clock.now()));
      await h.page.keyboard.press('Enter');
      await $('enrollment-active').waitFor();
      await check('reenroll-active', { narrow: true });
      await h.page.keyboard.press('Enter');
      await $('dialog-reenroll').waitFor({ state: 'detached' });

      // New backup codes.
      await h.page.keyboard.press('Alt+B');
      await $('dialog-backup-codes').waitFor();
      await identity();
      await h.page.keyboard.press('Enter');
      await $('consequences').waitFor();
      await h.page.keyboard.press('Alt+N');
      await $('secret-display-value').first().waitFor();
      await check('backup-codes-result', { narrow: true });
      await $('dialog-close').click();
      await $('close-confirm-yes').click();
      await $('dialog-backup-codes').waitFor({ state: 'detached' });

      // Lost phone: the code, then the new set-up (left pending: Esc asks, "Yes" closes).
      await h.page.keyboard.press('Alt+P');
      await $('dialog-lost-phone').waitFor();
      await identity();
      await h.page.keyboard.press('Enter');
      await $('consequences').waitFor();
      await expect.poll(focusedTestId).toBe('dialog-next');
      await check('lost-phone-step2', { narrow: true });
      await h.page.keyboard.press('Enter');
      await $('lost-phone-code-value').waitFor();
      await expect.poll(focusedTestId).toBe('dialog-next');
      await check('lost-phone-code', { narrow: true });
      await h.page.keyboard.press('Enter');
      await $('enrollment-qr').waitFor();
      await expect.poll(focusedTestId).toBe('reveal-key');
      await check('lost-phone-set-up', { narrow: true });
      await h.page.keyboard.press('Escape');
      await $('close-confirm').waitFor();
      await $('close-confirm-yes').click();
      await $('dialog-lost-phone').waitFor({ state: 'detached' });

      // Refused request; Esc gives the focus back to its button.
      await $('action-refuse').focus();
      await h.page.keyboard.press('Enter');
      await $('dialog-refuse').waitFor();
      await check('refuse', { narrow: true });
      await h.page.keyboard.press('Escape');
      await $('dialog-refuse').waitFor({ state: 'detached' });
      await expect.poll(focusedTestId).toBe('action-refuse');
      expect(await $('nav-lookup').getAttribute('aria-selected')).toBe('true');
      noProblems();
    });

    it(`${l}: admin screens and their dialogs give the focus back without changing tabs; settings survive a tab change`, async () => {
      await tab('audit');
      await $('audit-table').waitFor();
      await $('audit-filter-from').fill(l === 'nb' ? '01.01.2020' : '01/01/2020');
      await $('audit-apply').click();
      await $('audit-verify').click();
      await $('audit-verify-result').waitFor();
      await check('audit');
      await $('audit-preset-week').click();
      await expect.poll(() => $('audit-filter-from').inputValue()).not.toBe('');
      await $('audit-row').first().waitFor();
      await $('audit-row-details').first().focus();
      await h.page.keyboard.press('Enter');
      await $('audit-event-dialog').waitFor();
      await check('audit-event');
      await h.page.keyboard.press('Escape');
      await backTo('audit-row-details', 'audit', 'Esc on an audit event');
      await $('audit-clear').click();
      await $('audit-filter-from').fill('13.13.2020');
      await $('audit-apply').click();
      await expect.poll(async () => (await $('audit-screen').textContent()) ?? '').toContain(l === 'nb' ? 'Dette er ikke en dato' : 'That is not a date');
      await $('audit-filter-from').fill('');

      await tab('outbox');
      await $('outbox-table').waitFor();
      await check('outbox');

      await tab('operators');
      await $('operators-table').waitFor();
      await check('operators');
      await $('operator-add').focus();
      await h.page.keyboard.press('Enter');
      await $('dialog-add-operator').waitFor();
      await check('add-operator');
      if (l === 'nb') {
        await $('op-name').fill(AGENT.name);
        await $('op-display-name').fill(AGENT.displayName);
        await $('new-password').fill(AGENT.password);
        await $('new-password-repeat').fill(AGENT.password);
        await h.page.keyboard.press('Enter');
        await $('dialog-add-operator').waitFor({ state: 'detached' });
        await backTo('operator-add', 'operators', 'after adding an operator');
      } else {
        await h.page.keyboard.press('Escape');
        await backTo('operator-add', 'operators', 'Esc on add operator');
      }
      const row = h.page.locator(`[data-testid="operator-row"][data-name="${AGENT.name}"]`);
      await row.getByTestId('operator-reset').focus();
      await h.page.keyboard.press('Enter');
      await $('dialog-reset-password').waitFor();
      await check('reset-password');
      await h.page.keyboard.press('Escape');
      await backTo('operator-reset', 'operators', 'Esc on reset password');
      for (const kind of ['disable', 'remove'] as const) {
        await row.getByTestId(`operator-${kind}`).focus();
        await h.page.keyboard.press('Enter');
        await $(`dialog-operator-${kind}`).waitFor();
        await check(`operator-${kind}`);
        await h.page.keyboard.press('Escape');
        await backTo(`operator-${kind}`, 'operators', `Esc on ${kind}`);
      }

      // Settings: an edit survives a visit to another tab, and the tab says it is not saved.
      await tab('settings');
      await $('settings-screen').waitFor();
      const org = await $('settings-org').inputValue();
      await $('settings-org').fill(`${org} (draft)`);
      await $('settings-unsaved').waitFor();
      await check('settings');
      await tab('vault');
      await $('vault-screen').waitFor();
      await tab('settings');
      expect(await $('settings-org').inputValue()).toBe(`${org} (draft)`);
      await $('settings-discard').click();
      expect(await $('settings-org').inputValue()).toBe(org);
      expect(await $('settings-unsaved').count()).toBe(0);

      await tab('vault');
      await $('vault-info').waitFor();
      await check('vault');
      for (const [button, dialog] of [['vault-restore', 'dialog-restore'], ['vault-rekey', 'dialog-rekey']] as const) {
        await $(button).focus();
        await h.page.keyboard.press('Enter');
        await $(dialog).waitFor();
        await check(dialog.replace('dialog-', ''));
        await h.page.keyboard.press('Escape');
        await backTo(button, 'vault', `Esc on ${dialog}`);
      }
      // Rotating the key shows the new recovery key once, in a dialog it must fit at every width.
      await $('vault-rekey').click();
      await $('dialog-confirm').click();
      await $('dialog-rekey-key').waitFor({ timeout: 20_000 });
      await check('rekey-new-key');
      await recoveryKeyFits('rekey-new-key');
      await $('recovery-stored').click();
      await $('recovery-continue').click();
      await $('dialog-rekey-key').waitFor({ state: 'detached' });
      await backTo('vault-rekey', 'vault', 'after the new recovery key');

      // Change password, from the operator menu: Esc returns to the menu button, same tab.
      await $('operator-menu').click();
      await $('menu-change-password').click();
      await $('dialog-change-password').waitFor();
      await check('change-password');
      await h.page.keyboard.press('Escape');
      await backTo('operator-menu', 'vault', 'Esc on change password');
      // A changed password: the dialog says old slot-file copies and backups still open with the
      // old one and offers the rotation (an admin); then the password is changed back.
      for (const [from, to] of [
        [ADMIN_OP.password, `${ADMIN_OP.password} changed`],
        [`${ADMIN_OP.password} changed`, ADMIN_OP.password],
      ] as const) {
        await $('operator-menu').click();
        await $('menu-change-password').click();
        await $('dialog-change-password').waitFor();
        await $('old-password').fill(from);
        await $('new-password').fill(to);
        await $('new-password-repeat').fill(to);
        await $('change-password-submit').click();
        await $('dialog-password-changed').waitFor({ timeout: 20_000 });
        expect(await $('password-rotate-now').count()).toBe(1);
        await check('password-changed');
        await h.page.keyboard.press('Enter');
        await $('dialog-password-changed').waitFor({ state: 'detached' });
      }
      noProblems();
    });

    it(`${l}: toasts wait under a modal; the idle warning shows above a dialog; locked, sign-in and recovery screens`, async () => {
      // A job finishes while a dialog is open: its toast waits, then shows.
      await $('vault-restore').click();
      await $('dialog-restore').waitFor();
      await h.page.evaluate(() => (window as unknown as { __fdEmit: (e: string, d: unknown) => void }).__fdEmit('job:done', { jobId: 'x', kind: 'integrity', ok: true, result: { ok: true, problems: [] }, error: null }));
      await h.page.waitForTimeout(100);
      expect(await $('toast').count()).toBe(0);
      // Idle: main warns while the dialog is open; the warning is above the overlay.
      h.controller.idle.touch();
      clock.advance(5 * 60_000 - 20_000);
      h.controller.idle.tick();
      await $('idle-warning').waitFor();
      const onTop = await $('idle-warning').evaluate((el) => {
        const r = el.getBoundingClientRect();
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return hit !== null && el.contains(hit);
      });
      expect(onTop).toBe(true);
      await expect.poll(async () => (await $('status-idle').textContent()) ?? '').toMatch(/\d+/);
      await check('idle-warning-over-dialog');
      await h.page.mouse.move(10, 10);
      await h.page.mouse.move(30, 30);
      await $('idle-warning').waitFor({ state: 'detached' });
      await h.page.keyboard.press('Escape');
      await $('dialog-restore').waitFor({ state: 'detached' });
      await $('toast').waitFor();
      expect(await $('toast').count()).toBe(1);
      await check('toast');

      // Locked by a restore that brought back a revoked operator: the sign-in screen names it.
      h.controller.lock('restore', { revived: [{ kind: 'operator', label: 'tidligere.agent' }] });
      await $('signin-form').waitFor();
      await expect.poll(async () => (await $('signin-revived').textContent()) ?? '').toContain('tidligere.agent');
      await check('sign-in');
      await $('signin-recover').click();
      await $('recover-key').waitFor();
      await check('recover');
      await $('recover-back').click();
      await signIn(h, ADMIN_OP.name, ADMIN_OP.password);
      await $('search-input').waitFor({ timeout: 20_000 });
      noProblems();
    });
  }

  it('axe.json has at least 20 screens per language, light and dark, all without violations; no page error, no CSP violation', async () => {
    writeAxeCounts('a11y', counts);
    for (const k of ['nb', 'en', 'nb-dark', 'en-dark']) {
      const screens = Object.keys(counts).filter((c) => c.startsWith(`${k}/`));
      expect(screens.length, k).toBeGreaterThanOrEqual(20);
    }
    expect(Object.entries(counts).filter(([, n]) => n > 0)).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(await h.csp()).toEqual([]);
  });
});
