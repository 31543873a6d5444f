import { describe, expect, it } from 'vitest';
import {
  checkExternalLink,
  EXTERNAL_LINK_ALLOWLIST,
  isAllowedNavigation,
  isTrustedSender,
  originOf,
  permissionCheckHandler,
  permissionRequestHandler,
  windowOpenHandler,
} from '../../main/shell/navigation.ts';

const ALLOW = ['support.factordesk.example'];

describe('checkExternalLink', () => {
  it.each([
    'https://support.factordesk.example/',
    'https://support.factordesk.example/kb/reset-authenticator?lang=nb#steg-2',
    'https://SUPPORT.FactorDesk.example/kb',
    'https://support.factordesk.example:443/kb',
  ])('accepts %s', (url) => {
    const r = checkExternalLink(url, ALLOW);
    expect(r.ok).toBe(true);
    if (r.ok) expect(new URL(r.url).hostname).toBe('support.factordesk.example');
  });

  it('returns the normalised URL that was checked', () => {
    expect(checkExternalLink('https://SUPPORT.factordesk.example:443/a/../kb', ALLOW)).toEqual({
      ok: true,
      url: 'https://support.factordesk.example/kb',
    });
  });

  it.each([
    // wrong schemes
    ['file:///C:/Windows/System32/calc.exe', /scheme file:/],
    ['file://support.factordesk.example/share/x.exe', /scheme file:/],
    ['smb://support.factordesk.example/share/x.exe', /scheme smb:/],
    ['javascript:alert(1)', /scheme javascript:/],
    ['JavaScript:alert(document.domain)//https://support.factordesk.example/', /scheme javascript:/],
    ['data:text/html,<script>alert(1)</script>', /scheme data:/],
    ['http://support.factordesk.example/kb', /scheme http:/],
    ['ms-msdt:/id%20PCWDiagnostic', /scheme ms-msdt:/],
    ['vbscript:msgbox(1)', /scheme vbscript:/],
    // look-alike and foreign hosts
    ['https://support.factordesk.example.evil.com/', /not allow-listed/],
    ['https://evil-support.factordesk.example/', /not allow-listed/],
    ['https://factordesk.example/', /not allow-listed/],
    ['https://support.factordesk.example./', /not allow-listed/],
    ['https://www.example.com/', /not allow-listed/],
    ['https://suppоrt.factordesk.example/', /punycode/], // Cyrillic о
    ['https://xn--supprt-l0e.factordesk.example/', /punycode/],
    // userinfo tricks
    ['https://support.factordesk.example@evil.com/', /userinfo/],
    ['https://user:pass@support.factordesk.example/', /userinfo/],
    // ports and IP hosts
    ['https://support.factordesk.example:8443/', /port/],
    ['https://127.0.0.1/', /IP/],
    ['https://0x7f.1/', /IP/],
    ['https://2130706433/', /IP/],
    ['https://[::1]/', /IP/],
    // parser differentials
    ['https:\\\\support.factordesk.example\\kb', /backslash/],
    ['https://support.factordesk.example\n.evil.com/', /control/],
    [' https://support.factordesk.example/', /whitespace/],
    ['https://support.factordesk.example/a b', /whitespace/],
    // not URLs
    ['', /empty/],
    ['support.factordesk.example/kb', /not a URL/],
    ['https://', /not a URL/],
    [`https://support.factordesk.example/${'a'.repeat(3000)}`, /too long/],
  ])('refuses %j', (url, reason) => {
    const r = checkExternalLink(url, ALLOW);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('refuses an https host that is not in the given allow-list', () => {
    expect(checkExternalLink('https://support.factordesk.example/', ['docs.factordesk.example']).ok).toBe(false);
    expect(checkExternalLink('https://support.factordesk.example/', []).ok).toBe(false);
  });

  it('defaults to EXTERNAL_LINK_ALLOWLIST', () => {
    expect(EXTERNAL_LINK_ALLOWLIST).toContain('support.factordesk.example');
    expect(checkExternalLink('https://support.factordesk.example/').ok).toBe(true);
    expect(checkExternalLink('https://example.com/').ok).toBe(false);
  });

  it('refuses non-strings', () => {
    expect(checkExternalLink(undefined as unknown as string, ALLOW).ok).toBe(false);
  });
});

describe('isAllowedNavigation', () => {
  it.each(['app://factordesk/index.html', 'app://factordesk/', 'app://factordesk/#/users/42'])(
    'allows %s',
    (url) => expect(isAllowedNavigation(url)).toBe(true),
  );

  it.each([
    'https://evil.example/',
    'http://127.0.0.1:5173/',
    'app://factordesk.evil.example/',
    'app://evil/',
    'app://x@factordesk/',
    'app://factordesk:99/',
    'file:///etc/passwd',
    'javascript:alert(1)',
    'data:text/html,hi',
    'about:blank',
    'not a url',
    '',
  ])('refuses %s', (url) => expect(isAllowedNavigation(url)).toBe(false));

  it('accepts an extra trusted origin only when given', () => {
    expect(isAllowedNavigation('http://127.0.0.1:5173/x', ['http://127.0.0.1:5173'])).toBe(true);
    expect(isAllowedNavigation('http://127.0.0.1:5174/x', ['http://127.0.0.1:5173'])).toBe(false);
  });
});

describe('originOf', () => {
  it('gives the app origin although URL.origin is "null" for app:', () => {
    expect(new URL('app://factordesk/x').origin).toBe('null');
    expect(originOf('app://factordesk/x')).toBe('app://factordesk');
    expect(originOf('https://a.example:443/x')).toBe('https://a.example');
    expect(originOf('javascript:alert(1)')).toBeNull();
  });
});

describe('deny-all handlers', () => {
  it('denies window.open', () => {
    expect(windowOpenHandler()).toEqual({ action: 'deny' });
  });

  it('denies every permission request and check', () => {
    for (const p of ['media', 'notifications', 'clipboard-read', 'openExternal', 'geolocation', 'hid']) {
      const answers: boolean[] = [];
      permissionRequestHandler({}, p, (granted) => answers.push(granted));
      expect(answers).toEqual([false]);
    }
    expect(permissionCheckHandler()).toBe(false);
  });
});

describe('isTrustedSender', () => {
  const top = { url: 'app://factordesk/index.html', parent: null };

  it('trusts the app top-level frame', () => {
    expect(isTrustedSender(top)).toBe(true);
    expect(isTrustedSender(top, top)).toBe(true);
  });

  it('refuses a missing, destroyed or detached frame', () => {
    expect(isTrustedSender(null)).toBe(false);
    expect(isTrustedSender(undefined)).toBe(false);
    expect(isTrustedSender({ ...top, detached: true })).toBe(false);
    const disposed = {
      get url(): string {
        throw new Error('Render frame was disposed before WebFrameMain could be accessed');
      },
      parent: null,
    };
    expect(isTrustedSender(disposed)).toBe(false);
  });

  it('refuses a subframe, even on the app origin', () => {
    expect(isTrustedSender({ url: 'app://factordesk/index.html', parent: top })).toBe(false);
  });

  it('refuses a top-level frame that is not the expected window frame', () => {
    expect(isTrustedSender(top, { url: top.url, parent: null })).toBe(false);
  });

  it.each([
    'https://evil.example/',
    'app://evil/index.html',
    'app://factordesk.evil.example/',
    'file:///index.html',
    'about:blank',
    'data:text/html,x',
    '',
  ])('refuses a foreign origin %s', (url) => {
    expect(isTrustedSender({ url, parent: null })).toBe(false);
  });

  it('trusts a second origin only when passed', () => {
    const e2e = { url: 'http://127.0.0.1:4321/index.html', parent: null };
    expect(isTrustedSender(e2e)).toBe(false);
    expect(isTrustedSender(e2e, undefined, ['app://factordesk', 'http://127.0.0.1:4321'])).toBe(true);
    expect(isTrustedSender(top, undefined, ['http://127.0.0.1:4321'])).toBe(false);
  });
});
