// The desktop app as a server's client, in real Chromium through the BUILT renderer: window.api
// is bridged to the app's real main-process handlers (test/helpers/app-harness.ts), which reach a
// real FactorDesk server over HTTPS (in this process): every journey on the embedded store (a
// vault folder set up by `server init`), journey 1 also on PostgreSQL. First run → "connect to a
// FactorDesk server" → the key shown and confirmed → sign-in with password and second factor →
// an agent's first sign-in sets up their own second factor from a QR → journey 1 by phone
// (re-enrollment, QR decoded from the screen, confirmed) → lock. Afterwards: no CSP violation,
// no page error, no secret in any response but the issuing ones, and nothing at rest but the pin.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator } from 'playwright-core';
import { RENDERER_DIR, startHarness, type Harness } from '../helpers/app-harness.ts';
import { base32ToBytes, decodeQr, KARI, leakedSecrets, OffsetClock, OLA, pageHtml, PER, responsesOf, secretOfUri } from '../helpers/e2e.ts';
import { ADMIN, AGENT } from '../fixtures/cli-harness.ts';
import { serverFixture, serverInit, startInProcess, type ServerFixture } from '../helpers/server.ts';
import { memoryConnection, type ConnectionStore } from '../../main/app/server-link.ts';
import { totpAt } from '../../main/core/totp.ts';
import type { RunningServer } from '../../main/server/http-api.ts';
import type { ServerStore } from '../../main/store/port.ts';
import type { IssuedEnrollment, LostPhoneIssued } from '../../contract/index.ts';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import enJson from '../../renderer/src/locales/en.json';

const RENDERER_BUILT = existsSync(join(RENDERER_DIR, 'index.html'));

/** An English UI string as the renderer shows it. */
function en(key: string, vars: Record<string, string> = {}): string {
  let v: unknown = enJson;
  for (const part of key.split('.')) v = (v as Record<string, unknown>)[part];
  if (typeof v !== 'string') throw new Error(`no string en:${key}`);
  return v.replace(/\{\{(\w+)\}\}/g, (_, k: string) => vars[k] ?? '');
}

const BACKENDS = [
  { store: 'folder' as const, name: 'the embedded store (a vault folder)', all: true },
  { store: 'postgres' as const, name: 'PostgreSQL', all: false },
];

describe.skipIf(!RENDERER_BUILT).each(BACKENDS)('the app in server mode, in Chromium (built renderer, real main process, real server on $name)', ({ store: backend, all }) => {
  let fx: ServerFixture;
  let store: ServerStore;
  let signHeads: () => Promise<void>;
  let headsFile = '';
  let server: RunningServer;
  let h: Harness;
  let connection: ConnectionStore;
  let url = '';
  let pin = '';
  let adminSecret: Buffer;
  const pageErrors: string[] = [];
  // The app's clock (the idle lock); codes and the server keep real time.
  const clock = new OffsetClock();
  // The server's clock: real time, moved on by 30 s before a second sign-in of the same operator (a code step is used once).
  const serverClock = new OffsetClock();
  const $ = (id: string) => h.page.getByTestId(id);
  const text = async (l: Locator) => (await l.textContent()) ?? '';
  const shows = (l: Locator, s: string) => expect.poll(() => text(l), { timeout: 10_000 }).toContain(s);

  /** Types the query in the search box and opens the user with this email. */
  async function open(query: string, email: string): Promise<void> {
    await $('search-input').fill('');
    await $('search-input').focus();
    await h.page.keyboard.type(query, { delay: 15 });
    const row = h.page.locator(`[data-testid="lookup-result"][data-email="${email}"]`);
    await row.waitFor();
    await row.click();
    await shows($('user-email'), email);
  }

  /** Step 1 of an action dialog: the checks, ticket and reason. */
  async function identity(checks: string[], ticket: string, reason: string): Promise<void> {
    for (const c of checks) {
      await $(`check-${c}`).focus();
      await h.page.keyboard.press('Space');
    }
    await $('identity-ticket').fill(ticket);
    await $('identity-reason').fill(reason);
  }

  beforeAll(async () => {
    fx = await serverFixture('fd-e2e-srv-', { store: backend });
    ({ adminSecret } = serverInit(fx, ADMIN));
    let audit: { headsFile: string };
    ({ store, server, url, pin, signHeads, audit } = await startInProcess(fx, serverClock));
    headsFile = audit.headsFile;
    for (const u of [KARI, PER, OLA]) await store.write((tx) => tx.users.insert({ externalId: null, email: u.email, emailKey: u.email, name: u.name, nameKey: u.name.toLowerCase(), phone: u.phone, organization: u.org, status: 'active' }, Date.now()));
    connection = memoryConnection();
    h = await startHarness({ connection, clock });
    h.page.on('pageerror', (e) => pageErrors.push(String(e)));
  }, 90_000);

  afterAll(async () => {
    await h?.close();
    await server?.close();
    await store?.close();
    await fx?.cleanup();
  });

  it('first run: "connect to a FactorDesk server", the key the server shows is confirmed and pinned', async () => {
    await $('welcome').waitFor();
    await $('lang-en').click();
    await $('welcome-server').click();
    await $('connect-address').waitFor();
    // A wrong address first: a plain message, nothing kept.
    await $('connect-address').fill('https://127.0.0.1:1');
    await $('connect-check').click();
    await shows($('connect-error'), en('errors.SERVER_UNREACHABLE'));
    expect(connection.get()).toBeNull();

    await $('connect-address').fill(`127.0.0.1:${server.address.port}`);
    await $('connect-check').click();
    await $('connect-confirm').waitFor();
    await shows($('connect-url'), url);
    // The key as the administrator compares it: base64 SHA-256 of the public key, in groups of four.
    expect((await text($('connect-pin'))).replace(/\s/g, '')).toBe(pin);
    expect(connection.get()).toBeNull();
    await h.screenshot('server-connect-confirm');
    await $('connect-trust').click();

    await $('signin-form').waitFor();
    await shows($('signin-server'), url);
    expect(connection.get()).toEqual({ url, pin });
    expect((await text($('signin-server-pin'))).replace(/\s/g, '')).toContain(pin);
    // No recovery key path on a server's client: recovery is the server host's business.
    expect(await $('signin-recover').count()).toBe(0);
  });

  it('the admin signs in with password and code; no Vault screen; journey 4: the import streams the chosen file to the server', async () => {
    await $('signin-name').fill(ADMIN.name);
    await $('signin-password').fill(ADMIN.password);
    await $('signin-submit').click();
    // Without the code: the same plain refusal as a wrong password (the server tells no more).
    await shows($('signin-error'), en('signin.failedServer'));
    await $('signin-password').fill(ADMIN.password);
    await $('signin-otp').fill(totpAt(adminSecret, serverClock.now()));
    await $('signin-submit').click();
    await $('search-input').waitFor();
    await shows($('status-vault'), en('statusBar.server', { server: url }));
    expect(await $('nav-vault').count()).toBe(0);
    // Journey 4 over the server: the file chosen here streams to the server; preview, then import.
    await $('nav-import').click();
    await $('import-start').waitFor();
    const csvFile = join(h.tmp, 'hr-export.csv');
    const rows = Array.from({ length: 2500 }, (_, i) => `import${i}@example.no,Importert ${i},+4793${String(i).padStart(6, '0')},Kommune`);
    writeFileSync(csvFile, ['email,name,phone,organization', ...rows, 'not-an-address,X,,K'].join('\n') + '\n');
    h.openAnswers.csv = csvFile;
    await $('import-start').click();
    await $('import-preview').waitFor({ timeout: 30_000 });
    expect(Number((await text($('import-preview-new'))).replace(/\D/g, ''))).toBe(2500);
    expect(await text($('import-preview-rejected-count'))).toBe('1');
    expect(await store.read((tx) => tx.users.getByEmailKey('import0@example.no'))).toBeNull();
    h.openAnswers.csv = null;
    await $('import-confirm').click();
    await $('import-report').waitFor({ timeout: 30_000 });
    expect(await text($('import-rejected-count'))).toBe('1');
    expect(await store.read((tx) => tx.users.getByEmailKey('import2499@example.no'))).toMatchObject({ name: 'Importert 2499' });
    const reportFile = join(h.tmp, 'server-import-report.csv');
    h.saveAnswers['import-report'] = reportFile;
    await $('import-save-report').click();
    await expect.poll(() => existsSync(reportFile)).toBe(true);
    expect(readFileSync(reportFile, 'utf8')).toMatch(/2502/);
    await $('nav-audit').click();
    await $('audit-on-server').waitFor();
    // Journey 4.2 on a server: "Verify chain" checks the chain and the server's signed heads.
    expect(await $('audit-export-csv').count()).toBe(0);
    await signHeads();
    await $('audit-verify').click();
    await shows($('audit-verify-result'), 'Intact');
    // A head in the file outside the database that the server's key did not sign: not intact.
    const heads = readFileSync(headsFile, 'utf8').trim().split('\n');
    const forged = { ...JSON.parse(heads.at(-1)!), count: 10_000 };
    writeFileSync(headsFile, `${[...heads, JSON.stringify(forged)].join('\n')}\n`);
    await $('audit-verify').click();
    await shows($('audit-verify-result'), en('audit.heads.mismatch'));
    writeFileSync(headsFile, `${heads.join('\n')}\n`);
    // The admin adds an agent through the app (the server checks the admin's role).
    const added = await h.page.evaluate(
      (op) => (window as unknown as { api: Record<string, (r: unknown) => Promise<{ ok: boolean }>> }).api['operators:add']!(op),
      { name: AGENT.name, displayName: AGENT.displayName, role: 'agent', password: AGENT.password },
    );
    expect(added.ok).toBe(true);
    await $('lock-button').click();
    await $('signin-form').waitFor();
  });

  it("an agent's first sign-in: their own second factor is shown once as a QR, scanned, and its first code signs in", async () => {
    await $('signin-name').fill(AGENT.name);
    await $('signin-password').fill(AGENT.password);
    await $('signin-submit').click();
    const qr = $('signin-second-factor-qr');
    await qr.waitFor();
    await expect.poll(() => qr.evaluate((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0)).toBe(true);
    const uri = await decodeQr(qr);
    expect(uri).toMatch(/^otpauth:\/\/totp\//);
    const secret = secretOfUri(uri!);
    expect((await text($('signin-second-factor-key'))).replace(/\s/g, '')).toBe(secret);
    await h.screenshot('server-second-factor');
    await $('signin-otp').fill(totpAt(base32ToBytes(secret), serverClock.now()));
    await $('signin-submit').click();
    await $('search-input').waitFor();
    expect(await pageHtml(h.page)).not.toContain(secret);
  });

  it('journey 1 by phone against the server: lookup, re-enrollment with callback, QR decoded from the screen, key read aloud, code confirms → active', async () => {
    await $('search-input').focus();
    await h.page.keyboard.type('kari', { delay: 15 });
    const kari = h.page.locator(`[data-testid="lookup-result"][data-email="${KARI.email}"]`);
    await kari.waitFor();
    await kari.click();
    await shows($('user-email'), KARI.email);
    // Alt+R clicks the button only once it is enabled (the user's factors have come from the server).
    await expect.poll(() => $('action-reenroll').isEnabled()).toBe(true);

    await h.page.keyboard.press('Alt+R');
    const dlg = $('dialog-reenroll');
    await dlg.waitFor();
    await shows($('callback-number-value'), KARI.phone);
    await $('check-callback').focus();
    await h.page.keyboard.press('Space');
    await $('identity-ticket').fill('HD-30001');
    await $('identity-reason').fill('changed phone');
    await $('dialog-next').click();
    await $('consequences').waitFor();
    await $('dialog-next').click();

    const qr = $('enrollment-qr');
    await qr.waitFor();
    await expect.poll(() => qr.evaluate((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0)).toBe(true);
    const issued = responsesOf<IssuedEnrollment>(h, 'enrollment:reenroll').at(-1)!.value!;
    expect(await decodeQr(qr)).toBe(issued.uri);
    // The sheet is printed from here too (journey 2 prints it).
    expect(await $('print-sheet').count()).toBe(1);
    await $('reveal-key').click();
    const key = $('typed-key-value');
    await key.waitFor();
    const b32 = (await key.getAttribute('data-value')) ?? '';
    expect(b32).toBe(secretOfUri(issued.uri));
    await $('dialog-next').click();
    await $('confirm-code').waitFor();
    await $('confirm-code').fill(totpAt(base32ToBytes(b32), serverClock.now()));
    await h.page.keyboard.press('Enter');
    await shows($('enrollment-active'), en('factor.active'));
    await h.screenshot('server-reenroll-active');
    await $('dialog-close').click();
    await dlg.waitFor({ state: 'detached' });
    await shows($('auth-status'), en('factor.active'));

    // The server's audit holds the journey in the agent's name, through https.
    const events = await store.read((tx) => tx.audit.list({ operator: AGENT.name, limit: 50 }));
    const mine = events.filter((e: { operator: string | null }) => e.operator === AGENT.name).map((e: { action: string }) => e.action);
    expect(mine).toEqual(expect.arrayContaining(['enrollment.reenroll', 'enrollment.reveal-key', 'enrollment.confirm']));
  });

  // The other journeys on the embedded store (journey 1 runs on both).
  if (all) {
    it('one-time code through the server: shown once, gone from the page when closed, the card says a code is active', async () => {
      await open('kari', KARI.email);
      await $('action-one-time-code').click();
      const dlg = $('dialog-one-time-code');
      await dlg.waitFor();
      await identity(['callback'], 'HD-30002', 'cannot sign in today');
      await dlg.getByTestId('dialog-next').click();
      await $('consequences').waitFor();
      await dlg.getByTestId('dialog-next').click();
      const value = dlg.getByTestId('secret-display-value');
      await value.waitFor();
      const code = (await value.getAttribute('data-value')) ?? '';
      expect(code).toBe(responsesOf<{ code: string }>(h, 'codes:issue-one-time').at(-1)!.value!.code.replace(/\s/g, ''));
      await dlg.getByTestId('dialog-close').click();
      await $('close-confirm-yes').click();
      await dlg.waitFor({ state: 'detached' });
      expect(await pageHtml(h.page)).not.toContain(code);
      await shows($('factor-one-time-code'), en('factor.otcActive'));
    });

    it('journey 3 against the server: only "known email" → Next stays disabled; the refused request is recorded on the server', async () => {
      await open('per', PER.email);
      await $('action-one-time-code').click();
      const dlg = $('dialog-one-time-code');
      await dlg.waitFor();
      await identity(['known-email'], 'HD-30003', 'wants a code by e-mail');
      expect(await dlg.getByTestId('dialog-next').isDisabled()).toBe(true);
      await $('weak-only-refuse').click();
      const refuse = $('dialog-refuse');
      await refuse.waitFor();
      await $('refuse-number').fill('+47 400 12 345');
      await $('refuse-requested').fill('a one-time code by e-mail');
      await $('refuse-submit').click();
      await refuse.waitFor({ state: 'detached' });
      expect(responsesOf(h, 'requests:refuse').at(-1)?.ok).toBe(true);
      const refused = await store.read((tx) => tx.audit.list({ action: 'request.refused', limit: 10 }));
      expect(refused.map((e) => e.operator)).toEqual([AGENT.name]);
    });

    it('journey 2 against the server: in person with photo ID — re-enrollment with backup codes, Print sheet (the server renders and audits it, this app prints it), a cancelled print recorded, confirmed', async () => {
      await open('ola', OLA.email);
      await $('action-reenroll').click();
      const dlg = $('dialog-reenroll');
      await dlg.waitFor();
      await identity(['photo-id'], 'HD-30005', 'new phone, at the desk');
      await dlg.getByTestId('dialog-next').click();
      await $('opt-backup-codes').click();
      await shows($('consequences'), en('consequence.backupNew'));
      await dlg.getByTestId('dialog-next').click();
      await $('enrollment-qr').waitFor();
      const enrollment = responsesOf<IssuedEnrollment>(h, 'enrollment:reenroll').at(-1)!.value!;
      expect(enrollment.backupCodes).toHaveLength(10);

      const before = h.printed.length;
      await $('print-sheet').click();
      await expect.poll(() => h.printed.length).toBe(before + 1);
      await shows($('sheet-note'), en('enroll.printed'));
      const sheet = h.printed.at(-1)!;
      // Page 1: his name, the QR, the key, both languages; page 2: the backup codes.
      expect(sheet).toContain(OLA.name);
      expect(sheet).toContain('<svg');
      expect(sheet).toContain('Destroy this page once your app shows the code');
      expect(sheet).toContain('Makuler siden når appen viser koden');
      expect(sheet.replace(/\s/g, '')).toContain(secretOfUri(enrollment.uri));
      const page2 = sheet.slice(sheet.indexOf('id="backup-codes"'));
      for (const c of enrollment.backupCodes!) expect(page2).toContain(c);
      // The sheet reached the printer, never the window.
      expect(await pageHtml(h.page)).not.toContain('id="backup-codes"');
      expect(responsesOf(h, 'enrollment:print-sheet').at(-1)).toEqual({ ok: true, value: { done: true, file: null } });

      // A print dialog cancelled: recorded on the server as not printed.
      h.printAnswers.push(false);
      await $('print-sheet').click();
      await expect.poll(() => h.printed.length).toBe(before + 2);
      await expect.poll(() => responsesOf(h, 'enrollment:print-sheet').length).toBe(2);
      expect(responsesOf(h, 'enrollment:print-sheet').at(-1)).toEqual({ ok: true, value: { done: false, file: null } });
      const sheetEvents = (await store.read((tx) => tx.audit.list({ limit: 100 })))
        .filter((e) => e.action.startsWith('enrollment.sheet'))
        .reverse()
        .map((e) => ({ action: e.action, operator: e.operator, output: e.details.output, reason: e.details.reason, sheetId: e.details.sheetId }));
      expect(sheetEvents).toEqual([
        { action: 'enrollment.sheet', operator: AGENT.name, output: 'printer', reason: undefined, sheetId: enrollment.sheetId },
        { action: 'enrollment.sheet', operator: AGENT.name, output: 'printer', reason: undefined, sheetId: enrollment.sheetId },
        { action: 'enrollment.sheet.not-printed', operator: AGENT.name, output: undefined, reason: 'cancelled', sheetId: enrollment.sheetId },
      ]);
      await h.screenshot('server-reenroll-sheet-printed');

      // Ola scans the QR at the desk and reads his first code.
      const uri = await decodeQr($('enrollment-qr'));
      expect(uri).toBe(enrollment.uri);
      await dlg.getByTestId('dialog-next').focus();
      await h.page.keyboard.press('Enter');
      await $('confirm-code').waitFor();
      await $('confirm-code').fill(totpAt(base32ToBytes(secretOfUri(uri!)), serverClock.now()));
      await $('confirm-submit').click();
      await $('enrollment-active').waitFor();
      await dlg.getByTestId('dialog-close').click();
      await dlg.waitFor({ state: 'detached' });
      await shows($('auth-status'), en('factor.active'));
    });

    it('lost phone on a server: the user enrolls on the server’s page — the agent gets an enrollment code, the page address and the steps, never a QR', async () => {
      await open('ola', OLA.email);
      await h.page.keyboard.press('Alt+P');
      const dlg = $('dialog-lost-phone');
      await dlg.waitFor();
      await identity(['callback'], 'HD-30004', 'phone lost on the bus');
      await dlg.getByTestId('dialog-next').click();
      await $('consequences').waitFor();
      await dlg.getByTestId('dialog-next').click();
      await expect.poll(() => responsesOf(h, 'users:lost-phone').length).toBe(1);
      const r = responsesOf<LostPhoneIssued>(h, 'users:lost-phone').at(-1)!;
      if (!r.ok) throw new Error(`lost phone refused: ${JSON.stringify(r.error)}`);
      const answer = r.value!;
      expect(answer.enrollment.mode).toBe('self');
      await $('lost-phone-code-value').waitFor();
      await dlg.getByTestId('dialog-next').click();
      const self = $('lost-phone-self');
      await self.waitFor();
      if (answer.enrollment.mode !== 'self') throw new Error('a server answers with self-enrollment');
      expect(await $('lost-phone-enrollment-code-value').getAttribute('data-value')).toBe(answer.enrollment.code.replace(/[\s-]/g, ''));
      // The steps name the whole address of the server's page.
      await shows($('lost-phone-self-steps'), `${url}${answer.enrollment.pagePath}`);
      expect(await dlg.getByTestId('enrollment-qr').count()).toBe(0);
      await h.screenshot('server-lost-phone-self');
      await dlg.getByTestId('dialog-close').click();
      if (await $('close-confirm-yes').count()) await $('close-confirm-yes').click();
      await dlg.waitFor({ state: 'detached' });
    });

    it('journey 5 on a server: idle, the warning, then the lock returns to sign-in and the server session is ended', async () => {
      const token = (h.controller.link as unknown as { token: string | null }).token;
      expect(token).toBeTruthy();
      clock.advance(5 * 60_000 - 20_000);
      h.controller.idle.tick();
      await $('idle-warning').waitFor();
      clock.advance(30_000);
      h.controller.idle.tick();
      await $('signin-form').waitFor();
      await shows(h.page.locator('main'), en('signin.locked.idle'));
      expect(await pageHtml(h.page)).not.toContain(OLA.email);
      const { ServerClient } = await import('../../main/server/client.ts');
      const stale = new ServerClient(url, { pin }, token);
      await expect.poll(async () => ((await stale.call('users:find', { query: 'ola' })) as { ok: boolean; error?: { code: string } }).error?.code).toBe('SESSION_LOCKED');
      stale.close();
    });

    it('lock: back to sign-in, the session ended on the server, nothing of the user on screen', async () => {
      await $('signin-name').fill(ADMIN.name);
      await $('signin-password').fill(ADMIN.password);
      // A fresh step: the admin's code from the start of this file is used already.
      serverClock.advance(30_000);
      await $('signin-otp').fill(totpAt(adminSecret, serverClock.now()));
      await $('signin-submit').click();
      await $('search-input').waitFor();
      await $('lock-button').click();
      await $('signin-form').waitFor();
      expect(await pageHtml(h.page)).not.toContain(KARI.email);
      expect(h.controller.link?.session ?? null).toBeNull();
    });
  }

  it('afterwards: no CSP violation, no page error, no secret outside the issuing answers; only address and pin at rest', async () => {
    expect(await h.csp()).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(leakedSecrets(h)).toEqual([]);
    expect(connection.get()).toEqual({ url, pin });
  });
});
