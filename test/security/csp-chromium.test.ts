// The app's CSP, as actually sent by resolveAppRequest, enforced by real Chromium: each
// blocked thing must produce a securitypolicyviolation event, and what is allowed must work.
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkExternalLink, isAllowedNavigation } from '../../main/shell/navigation.ts';
import { launchChromium, serveDir, type LaunchedChromium, type ServedDir } from '../helpers/chromium.ts';

const REMOTE = 'http://127.0.0.2:9/x.js';
const SECRET = 'SECRET-OUTSIDE-THE-RENDERER-ROOT';

const FILES: Record<string, string> = {
  'index.html': `<!doctype html>
<html><head><meta charset="utf-8"><script src="/collect.js"></script><title>csp probe</title></head>
<body>
<p id="probe">probe</p>
<script>window.__inlineRan = true;</script>
<img src="data:," onerror="window.__attrRan = true" alt="">
<script src="/eval-probe.js"></script>
<script src="${REMOTE}"></script>
<script src="/style-probe.js"></script>
<script src="/fetch-probe.js"></script>
</body></html>`,
  // Registered first, from 'self', so it sees every later violation.
  'collect.js': `window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__violations.push({ directive: e.effectiveDirective, blockedURI: e.blockedURI, disposition: e.disposition });
});
window.__collectorLoaded = true;`,
  'eval-probe.js': `try { window.__evalResult = eval('"ran"'); } catch (e) { window.__evalResult = 'blocked:' + e.name; }
try { window.__fnResult = new Function('return "ran"')(); } catch (e) { window.__fnResult = 'blocked:' + e.name; }`,
  // What Radix (through get-nonce) does: a run-time <style> carrying the page's nonce.
  'style-probe.js': `const nonce = document.querySelector('meta[name="csp-nonce"]')?.getAttribute('content') ?? '';
window.__nonce = nonce;
const good = document.createElement('style');
good.nonce = nonce;
good.textContent = '#probe { color: rgb(1, 2, 3); }';
document.head.appendChild(good);
const bad = document.createElement('style');
bad.textContent = '#probe { background-color: rgb(4, 5, 6); }';
document.head.appendChild(bad);`,
  'fetch-probe.js': `fetch('/data.json').then(() => { window.__fetch = 'ran'; }, () => { window.__fetch = 'blocked'; });`,
  'data.json': '{"ok":true}',
};

interface Violation {
  directive: string;
  blockedURI: string;
  disposition: string;
}

let base: string;
let root: string;
let server: ServedDir;
let browser: LaunchedChromium;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'factordesk-csp-'));
  root = join(base, 'renderer');
  await mkdir(root);
  for (const [name, text] of Object.entries(FILES)) await writeFile(join(root, name), text);
  await writeFile(join(base, 'secret.js'), SECRET);
  await symlink(join(base, 'secret.js'), join(root, 'link-out.js'));
  server = await serveDir(root);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (base) await rm(base, { recursive: true, force: true });
});

describe('CSP in Chromium', () => {
  it('blocks inline script, inline handlers, eval, remote script, un-nonced style and fetch', async () => {
    const page = await browser.context.newPage();
    const response = await page.goto(`${server.origin}/`);
    expect(response?.status()).toBe(200);
    const header = response?.headers()['content-security-policy'] ?? '';
    expect(header).toMatch(/^default-src 'none';/);

    // Wait for the asynchronous probes to settle: the fetch result, then the violation events
    // (queued tasks). A weakened policy reports fewer: do not hang, let the asserts say what.
    await page.waitForFunction(() => (window as unknown as { __fetch?: string }).__fetch !== undefined);
    await page
      .waitForFunction(
        () => ((window as unknown as { __violations?: unknown[] }).__violations?.length ?? 0) >= 7,
        undefined,
        { timeout: 3_000 },
      )
      .catch(() => undefined);
    const state = await page.evaluate(() => {
      const w = window as unknown as Record<string, unknown>;
      const probe = document.getElementById('probe') as HTMLElement;
      const css = getComputedStyle(probe);
      return {
        collectorLoaded: w['__collectorLoaded'],
        inlineRan: w['__inlineRan'],
        attrRan: w['__attrRan'],
        evalResult: w['__evalResult'],
        fnResult: w['__fnResult'],
        fetch: w['__fetch'],
        nonce: w['__nonce'],
        color: css.color,
        background: css.backgroundColor,
        violations: w['__violations'] as Violation[],
      };
    });

    // Positive controls: scripts from 'self' run and the nonce reaches the page.
    expect(state.collectorLoaded).toBe(true);
    expect(state.nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(header).toContain(`'nonce-${String(state.nonce)}'`);
    expect(state.color).toBe('rgb(1, 2, 3)');

    // What must not have happened.
    expect(state.inlineRan).toBeUndefined();
    expect(state.attrRan).toBeUndefined();
    expect(state.evalResult).toBe('blocked:EvalError');
    expect(state.fnResult).toBe('blocked:EvalError');
    expect(state.fetch).toBe('blocked');
    expect(state.background).not.toBe('rgb(4, 5, 6)');

    // And each was reported as an enforced violation of the right directive.
    const seen = (directive: string, blockedURI: string) =>
      state.violations.some(
        (v) => v.directive === directive && v.blockedURI === blockedURI && v.disposition === 'enforce',
      );
    expect(state.violations.every((v) => v.disposition === 'enforce')).toBe(true);
    expect(seen('script-src-elem', 'inline'), 'inline <script>').toBe(true);
    expect(seen('script-src-attr', 'inline'), 'inline onerror=').toBe(true);
    expect(seen('script-src', 'eval'), 'eval / new Function').toBe(true);
    expect(seen('script-src-elem', REMOTE), 'remote <script src>').toBe(true);
    expect(seen('style-src-elem', 'inline'), '<style> without nonce').toBe(true);
    expect(seen('connect-src', `${server.origin}/data.json`), 'fetch').toBe(true);
    // The nonce-d <style> was not reported: exactly one style violation.
    expect(state.violations.filter((v) => v.directive === 'style-src-elem')).toHaveLength(1);
    await page.close();
  });
});

/** Sends a raw GET with the path exactly as given (no client-side normalisation). */
function rawGet(origin: string, path: string, method = 'GET'): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(origin);
  return new Promise((ok, fail) => {
    const req = request({ host: hostname, port, path, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', fail);
    req.end();
  });
}

describe('serving over HTTP through resolveAppRequest', () => {
  it.each([
    '/../secret.js',
    '/..%2fsecret.js',
    '/%2e%2e/secret.js',
    '/..%5csecret.js',
    '/%2e%2e%5csecret.js',
    '/link-out.js',
    '/index.html%00.js',
  ])('refuses %s with an empty 404', async (path) => {
    const r = await rawGet(server.origin, path);
    expect(r.status).toBe(404);
    expect(r.body).toBe('');
  });

  it('serves files from the root and refuses other methods', async () => {
    expect((await rawGet(server.origin, '/collect.js')).status).toBe(200);
    expect((await rawGet(server.origin, '/collect.js', 'POST')).status).toBe(405);
  });
});

describe('navigation and external links', () => {
  it('refuses navigation to another origin', () => {
    expect(isAllowedNavigation('app://factordesk/index.html')).toBe(true);
    expect(isAllowedNavigation(`${server.origin}/`)).toBe(false);
    expect(isAllowedNavigation('https://evil.example/')).toBe(false);
  });

  it('refuses a javascript: URL as an external link', () => {
    const r = checkExternalLink('javascript:alert(document.domain)', ['support.factordesk.example']);
    expect(r.ok).toBe(false);
  });
});
