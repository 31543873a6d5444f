import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  APP_ORIGIN,
  APP_SCHEME,
  resolveAppRequest,
  safeSegments,
} from '../../main/shell/protocol.ts';

const NONCE = 'AAECAwQFBgcICQoLDA0ODw==';
const SECRET = 'TOP-SECRET-OUTSIDE-ROOT';
let base: string;
let root: string;
const nonce = () => NONCE;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'factordesk-protocol-'));
  root = join(base, 'www');
  const outside = join(base, 'outside');
  await mkdir(join(root, 'assets'), { recursive: true });
  await mkdir(outside);
  await mkdir(join(base, 'www-sibling'));
  await writeFile(join(outside, 'secret.txt'), SECRET);
  await writeFile(join(outside, 'secret.js'), SECRET);
  await writeFile(join(base, 'www-sibling', 'secret.js'), SECRET);
  await writeFile(join(base, 'secret.js'), SECRET);
  await writeFile(
    join(root, 'index.html'),
    '<!doctype html><html><head lang="en"><title>x</title></head><body></body></html>',
  );
  await writeFile(join(root, 'nohead.html'), '<p>bare</p>');
  await writeFile(join(root, 'assets', 'app.js'), 'console.log(1)');
  await writeFile(join(root, 'assets', 'style.css'), 'body{}');
  await writeFile(join(root, 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  await writeFile(join(root, 'icon.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  await writeFile(join(root, 'font.woff2'), Buffer.from('wOF2'));
  await writeFile(join(root, 'data.json'), '{"a":1}');
  await writeFile(join(root, 'favicon.ico'), Buffer.from([0, 0, 1, 0]));
  await writeFile(join(root, 'tool.exe'), 'MZ');
  // links out of the root (file, directory, sibling with the root's name as prefix) and one in
  await symlink(join(outside, 'secret.txt'), join(root, 'assets', 'leak.txt'));
  await symlink(join(outside, 'secret.js'), join(root, 'leak.js'));
  await symlink(outside, join(root, 'outdir'));
  await symlink(join(base, 'www-sibling', 'secret.js'), join(root, 'sibling.js'));
  await symlink(join(root, 'assets', 'app.js'), join(root, 'inner-link.js'));
  await symlink(join(root, 'missing.js'), join(root, 'dangling.js'));
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('constants', () => {
  it('names the app scheme and origin', () => {
    expect(APP_SCHEME).toBe('app');
    expect(APP_ORIGIN).toBe('app://factordesk');
  });
});

describe('resolveAppRequest: serving', () => {
  it.each([
    ['/', 'text/html; charset=utf-8'],
    ['/index.html', 'text/html; charset=utf-8'],
    ['app://factordesk/index.html', 'text/html; charset=utf-8'],
    ['app://factordesk/', 'text/html; charset=utf-8'],
    ['app://factordesk', 'text/html; charset=utf-8'],
    ['/assets/app.js', 'text/javascript; charset=utf-8'],
    ['app://factordesk/assets/app.js?v=3#top', 'text/javascript; charset=utf-8'],
    ['/assets/style.css', 'text/css; charset=utf-8'],
    ['/logo.svg', 'image/svg+xml'],
    ['/icon.png', 'image/png'],
    ['/font.woff2', 'font/woff2'],
    ['/data.json', 'application/json; charset=utf-8'],
    ['/favicon.ico', 'image/x-icon'],
    ['/inner-link.js', 'text/javascript; charset=utf-8'],
    ['/assets/%61pp.js', 'text/javascript; charset=utf-8'],
  ])('%s -> 200 %s', async (url, type) => {
    const r = await resolveAppRequest(root, url, nonce);
    expect(r.status).toBe(200);
    expect(r.headers['Content-Type']).toBe(type);
    expect(r.headers['X-Content-Type-Options']).toBe('nosniff');
    expect(r.headers['Content-Security-Policy']).toMatch(/^default-src 'none';/);
    expect(r.body.length).toBeGreaterThan(0);
  });

  it('serves the exact bytes of non-HTML files', async () => {
    const r = await resolveAppRequest(root, '/icon.png', nonce);
    expect([...r.body]).toEqual([0x89, 0x50, 0x4e, 0x47]);
  });

  it('injects the nonce meta right after <head> and uses the same nonce in the CSP', async () => {
    let calls = 0;
    const r = await resolveAppRequest(root, '/index.html', () => {
      calls++;
      return NONCE;
    });
    expect(calls).toBe(1);
    const html = r.body.toString('utf8');
    expect(html).toBe(
      `<!doctype html><html><head lang="en"><meta name="csp-nonce" content="${NONCE}"><title>x</title></head><body></body></html>`,
    );
    expect(r.headers['Content-Security-Policy']).toContain(`'nonce-${NONCE}'`);
    expect(r.headers['Content-Security-Policy']).not.toContain('unsafe-inline');
  });

  it('prepends the nonce meta when the document has no <head>', async () => {
    const r = await resolveAppRequest(root, '/nohead.html', nonce);
    expect(r.body.toString('utf8')).toBe(`<meta name="csp-nonce" content="${NONCE}"><p>bare</p>`);
  });

  it('uses a fresh nonce per request', async () => {
    let i = 0;
    const gen = () => `nonce${String(i++).padStart(11, '0')}AAAA`;
    const a = await resolveAppRequest(root, '/', gen);
    const b = await resolveAppRequest(root, '/', gen);
    expect(a.headers['Content-Security-Policy']).not.toBe(b.headers['Content-Security-Policy']);
  });

  it('rejects a malformed nonce instead of writing it into HTML', async () => {
    await expect(resolveAppRequest(root, '/', () => '"><script>x</script>')).rejects.toThrow(/nonce/);
  });
});

describe('resolveAppRequest: refusals', () => {
  it.each([
    // dot segments, raw and encoded
    '/../secret.js',
    '/assets/../../secret.js',
    '/assets/../index.html',
    '/./index.html',
    '/%2e%2e/secret.js',
    '/%2E%2E/secret.js',
    '/.%2e/secret.js',
    'app://factordesk/../secret.js',
    'app://factordesk/%2e%2e/secret.js',
    // encoded separators and backslashes
    '/..%2fsecret.js',
    '/..%2Fsecret.js',
    '/assets%2f..%2f..%2fsecret.js',
    '/..%5csecret.js',
    '/..%5Csecret.js',
    '/..\\secret.js',
    '/assets\\app.js',
    // NUL and control characters
    '/index.html%00.png',
    '/index.html\u0000.png',
    '/assets/app.js%00',
    '/assets/app%0a.js',
    // absolute paths and other schemes or hosts
    '/tmp/secret.js',
    'C:\\Windows\\win.ini',
    'C:/Windows/win.js',
    '/C:/Windows/win.js',
    'file:///etc/passwd',
    'index.html',
    '//evil.example/x.js',
    'app://evil/index.html',
    'app://factordesk.evil.example/index.html',
    'app://factordesk:8080/index.html',
    'app://user@factordesk/index.html',
    'http://factordesk/index.html',
    // directories, empty segments, bad encoding, unknown types, missing files
    '/assets',
    '/assets/',
    '/assets//app.js',
    '/%',
    '/%zz.js',
    '/tool.exe',
    '/missing.js',
    // symlinks out of the root (file, directory, prefix sibling) and a dangling one
    '/assets/leak.txt',
    '/leak.js',
    '/outdir/secret.js',
    '/outdir/secret.txt',
    '/sibling.js',
    '/dangling.js',
  ])('%j -> 404 with no body', async (url) => {
    const r = await resolveAppRequest(root, url, nonce);
    expect(r.status).toBe(404);
    expect(r.body.length).toBe(0);
    expect(r.headers['X-Content-Type-Options']).toBe('nosniff');
    expect(r.headers['Content-Security-Policy']).toMatch(/^default-src 'none';/);
    expect(r.headers['Content-Type']).toBeUndefined();
  });

  it('does not serve a file whose absolute path is asked for', async () => {
    const r = await resolveAppRequest(root, join(base, 'outside', 'secret.js'), nonce);
    expect(r.status).toBe(404);
    expect(r.body.toString()).not.toContain(SECRET);
  });

  it('refuses everything when the root itself does not exist', async () => {
    const r = await resolveAppRequest(join(base, 'nope'), '/index.html', nonce);
    expect(r.status).toBe(404);
  });
});

describe('safeSegments', () => {
  it('decodes ordinary segments and maps / to index.html', () => {
    expect(safeSegments('/')).toEqual(['index.html']);
    expect(safeSegments('/assets/a%20b.js')).toEqual(['assets', 'a b.js']);
  });

  it('refuses paths that are not rooted', () => {
    expect(safeSegments('assets/app.js')).toBeNull();
    expect(safeSegments('')).toBeNull();
  });
});
