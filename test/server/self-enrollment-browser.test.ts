// Self-enrollment end to end: `server init` and `serve` as children on a fresh PostgreSQL
// database; an admin issues an enrollment code with the CLI over --server; the user opens
// /enroll in real Chromium (Debian's), types email and code, reads the typed key, confirms with
// a TOTP code of it and sees "done". The same code is then refused, the page's storage is
// empty and the cookie HttpOnly + SameSite=Strict.
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import { ADMIN, base32Decode, oneJson, spawnCli } from '../fixtures/cli-harness.ts';
import { serverFixture, serverInit, startServe as startServeChild, type ServerFixture } from '../helpers/server.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../helpers/chromium.ts';
import { totpAt } from '../../main/core/totp.ts';
import { systemRandom } from '../../main/core/clock.ts';
import { ENROLL_CSP } from '../../main/server/enroll-page.ts';

const KARI = 'kari.nordmann@example.no';
let fx: ServerFixture;
let tmp = '';
let cert = '';
let keyFile = '';
let storeUrl = '';
let pgEnv: Record<string, string> = {};
let adminSecret: Buffer;

beforeAll(async () => {
  fx = await serverFixture('fd-selfenroll-');
  ({ tmp, cert, keyFile, storeUrl, pgEnv } = fx);
  ({ adminSecret } = serverInit(fx, ADMIN));
  const { importUsers } = await import('../../main/core/import-users.ts');
  const { openServerStore } = await import('../../main/server/open.ts');
  const { loadServerKeys } = await import('../../main/server/server-key.ts');
  process.env.PGPASSWORD = pgEnv.PGPASSWORD;
  const direct = await openServerStore(storeUrl, loadServerKeys(keyFile, {}).dataKey, { now: () => Date.now() }, systemRandom);
  const adminRow = (await direct.read((tx) => tx.operators.getByNameKey(ADMIN.name)))!;
  const adminSession = { operatorId: adminRow.id, name: ADMIN.name, displayName: ADMIN.name, role: 'admin' as const, emailKey: null, signedInAt: Date.now(), via: 'cli' as const };
  await importUsers(direct, adminSession, Readable.from([`email,name,phone,organization\n${KARI},Kari Nordmann,+4790000000,Acme\n`]));
  await direct.close();
}, 120_000);

afterAll(async () => {
  await fx?.cleanup();
});

const startServe = () => startServeChild(fx);

describe('self-enrollment in a real browser', () => {
  it('an issued code lets the user set up their own app once; storage stays empty and the cookie is HttpOnly + SameSite=Strict', { timeout: 180_000 }, async () => {
    const { child, port, exited } = await startServe();
    const server = `https://127.0.0.1:${port}`;
    const env = { FACTORDESK_SERVER: server, FACTORDESK_CA_CERT: cert, FACTORDESK_SESSION_FILE: join(tmp, 'session.json') };
    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS] });
    try {
      const login = spawnCli(['--json', '--operator', ADMIN.name, 'login'], { env: { ...env, FACTORDESK_PASSWORD: ADMIN.password, FACTORDESK_OTP: totpAt(adminSecret, Date.now()) } });
      expect(oneJson(login.stdout).ok, login.stdout).toBe(true);
      const issued = spawnCli(['--json', 'issue-enrollment-code', KARI, '--checks', 'callback', '--ticket', 'HD-7', '--reason', 'new phone'], { env });
      const out = oneJson(issued.stdout);
      expect(out.ok, issued.stdout).toBe(true);
      const code: string = out.result.code;
      expect(code).toMatch(/^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$/);

      const context = await browser.newContext({ ignoreHTTPSErrors: true, locale: 'en-GB', extraHTTPHeaders: { 'accept-language': 'en-GB,en;q=0.9' } });
      const page = await context.newPage();
      const violations: string[] = [];
      const logs: string[] = [];
      page.on('pageerror', (e) => logs.push(`pageerror ${e.message}`));
      page.on('response', (r) => logs.push(`${r.status()} ${r.url()}`));
      page.on('console', (m) => {
        logs.push(m.text());
        if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
      });
      const resp = await page.goto(`${server}/enroll`);
      expect(resp!.status()).toBe(200);
      const h = resp!.headers();
      expect(h['content-security-policy']).toBe(ENROLL_CSP);
      expect(h['cache-control']).toBe('no-store');
      expect(h['x-content-type-options']).toBe('nosniff');
      await expect(page.locator('h1').textContent()).resolves.toBe('Set up your authenticator app');

      await page.fill('#email', KARI);
      await page.fill('#code', code);
      await page.click('#start button');
      await page.locator('#key').waitFor({ state: 'visible', timeout: 10_000 }).catch(async (e: unknown) => {
        throw new Error(`${String(e)}\n${logs.join('\n')}\nerror: ${await page.locator('#error').textContent().catch(() => '?')} url ${page.url()}`);
      });
      const key = (await page.locator('#key').textContent())!.replace(/\s/g, '');
      expect(key).toMatch(/^[A-Z2-7]{32}$/);
      expect(await page.locator('#qr').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);

      const cookies = await context.cookies(`${server}/enroll/confirm`);
      const c = cookies.find((x) => x.name === 'fd_enroll');
      expect(c).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict' });
      expect(await page.evaluate(() => document.cookie)).toBe('');

      await page.fill('#otp', totpAt(base32Decode(key), Date.now()));
      await page.click('#confirm button');
      await page.locator('#done').waitFor({ state: 'visible' });
      expect(await page.locator('#done').textContent()).toMatch(/Done/);
      expect(await page.evaluate(() => [localStorage.length, sessionStorage.length])).toEqual([0, 0]);
      expect(violations).toEqual([]);

      // The same code again: refused, with the answer an unknown address gets.
      const again = await context.newPage();
      await again.goto(`${server}/enroll?lang=nb`);
      await expect(again.locator('h1').textContent()).resolves.toBe('Sett opp autentiseringsappen');
      await again.fill('#email', KARI);
      await again.fill('#code', code);
      await again.click('#start button');
      await again.waitForFunction(() => document.getElementById('error')!.textContent !== '');
      const refused = await again.locator('#error').textContent();
      expect(refused).toMatch(/passer ikke/);
      expect(await again.locator('#scan').isHidden()).toBe(true);
      await again.fill('#email', 'nobody@example.no');
      await again.click('#start button');
      await again.waitForTimeout(300);
      expect(await again.locator('#error').textContent()).toBe(refused);
      await context.close();
    } finally {
      await browser.close();
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
