// Security suite: the renderer cannot leave the app or open anything. Three layers:
//  1. the window options of every window: no insecure flag, checked key by key (an unknown key fails);
//  2. the BUILT main bundle's wiring (out/main/index.js under a recording `electron` stub): the
//     will-navigate / will-redirect / will-frame-navigate / window-open / webview handlers it
//     installs on every web contents refuse other origins, file:, javascript: and popups;
//  3. real Chromium with the built renderer served by the app's own protocol function and CSP
//     (test/helpers/app-harness.ts): a script navigating away, window.open, a javascript: link,
//     a dropped file, and the external-link opener. Chromium cannot run Electron's main-process
//     hooks, so the harness feeds each navigation and popup to the bundle's own handlers (or, when
//     the bundle is not built, to the same pure functions) and enforces their answer.
// The CSP itself (inline script, eval, remote script) is proven in csp-chromium.test.ts.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mainWindowOptions, printWindowOptions } from '../../main/shell/window-options.ts';
import { checkExternalLink, isAllowedNavigation, windowOpenHandler } from '../../main/shell/navigation.ts';
import { APP_ORIGIN } from '../../main/shell/protocol.ts';
import { codeOf, makeSuiteApp } from '../helpers/suites.ts';
import type { Harness } from '../helpers/app-harness.ts';

// ---- the built bundle under a recording electron stub ----------------------------------------------
const rec = vi.hoisted(() => ({
  appHandlers: new Map<string, Array<(...a: unknown[]) => void>>(),
  windows: [] as Array<Record<string, unknown>>,
}));
vi.mock('electron', () => {
  class BrowserWindow {
    webContents = { on: () => {}, send: () => {}, setWindowOpenHandler: () => {} };
    constructor(opts: Record<string, unknown>) {
      rec.windows.push(opts);
    }
    setContentProtection() {}
    once() {}
    on() {}
    loadURL() {
      return Promise.resolve();
    }
    isMinimized() {
      return false;
    }
  }
  const app = {
    isPackaged: true,
    enableSandbox: () => {},
    requestSingleInstanceLock: () => true,
    on: (name: string, fn: (...a: unknown[]) => void) => {
      if (!rec.appHandlers.has(name)) rec.appHandlers.set(name, []);
      rec.appHandlers.get(name)!.push(fn);
    },
    quit: () => {},
    whenReady: () => Promise.resolve(),
    getPath: () => tmpdir(),
    setPath: () => {},
    exit: () => {},
    getVersion: () => '0.0.0-test',
    getName: () => 'FactorDesk',
  };
  const electron = {
    app,
    BrowserWindow,
    ipcMain: { handle: () => {}, on: () => {} },
    protocol: { registerSchemesAsPrivileged: () => {}, handle: () => {} },
    session: {
      defaultSession: { setPermissionRequestHandler: () => {}, setPermissionCheckHandler: () => {} },
      fromPartition: () => ({ protocol: { handle: () => {} }, setPermissionRequestHandler: () => {}, setPermissionCheckHandler: () => {} }),
    },
    Menu: { setApplicationMenu: () => {}, buildFromTemplate: () => ({}) },
    powerMonitor: { on: () => {} },
    dialog: {},
    shell: { openExternal: async () => {} },
    clipboard: { writeText: () => {}, readText: async () => '', clear: () => {} },
  };
  return { ...electron, default: electron };
});

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BUNDLE = join(ROOT, 'out/main/index.js');
const RENDERER = join(ROOT, 'out/renderer/index.html');

/** What the bundle installs on a web contents: the decisions Electron would ask it for. */
interface Wiring {
  windowOpen(url: string): { action: string };
  navigate(event: 'will-navigate' | 'will-redirect' | 'will-frame-navigate', url: string): 'prevented' | 'allowed';
  attachWebview(): 'prevented' | 'allowed';
}
let wiring: Wiring | null = null;
let bundleTmp: string | null = null;

beforeAll(async () => {
  if (!existsSync(BUNDLE)) return;
  bundleTmp = mkdtempSync(join(tmpdir(), 'fd-hardening-'));
  mkdirSync(join(bundleTmp, 'vault'), { mode: 0o700 });
  const before = process.env.FACTORDESK_VAULT;
  process.env.FACTORDESK_VAULT = join(bundleTmp, 'vault');
  try {
    await import(BUNDLE);
    await new Promise((r) => setTimeout(r, 50));
  } finally {
    if (before === undefined) delete process.env.FACTORDESK_VAULT;
    else process.env.FACTORDESK_VAULT = before;
  }
  const created = rec.appHandlers.get('web-contents-created') ?? [];
  expect(created.length).toBe(1);
  const listeners = new Map<string, (...a: unknown[]) => void>();
  let openHandler: ((d: { url: string }) => { action: string }) | null = null;
  created[0]!({}, { setWindowOpenHandler: (fn: typeof openHandler) => (openHandler = fn), on: (name: string, fn: (...a: unknown[]) => void) => listeners.set(name, fn) });
  const fire = (name: string, ...args: unknown[]): 'prevented' | 'allowed' => {
    const fn = listeners.get(name);
    if (!fn) throw new Error(`the bundle installs no ${name} handler`);
    let prevented = false;
    const event = { preventDefault: () => (prevented = true), url: typeof args[0] === 'string' ? args[0] : undefined };
    fn(event, ...args);
    return prevented ? 'prevented' : 'allowed';
  };
  wiring = {
    windowOpen: (url) => openHandler!({ url }),
    navigate: (name, url) => fire(name, url),
    attachWebview: () => fire('will-attach-webview', {}, {}),
  };
});
afterAll(() => {
  if (bundleTmp) rmSync(bundleTmp, { recursive: true, force: true });
});

// ---- 1. window options ----------------------------------------------------------------------------
/** Every key a window's webPreferences may have, with the only value it may have. */
const SAFE: Record<string, (v: unknown, ctx: { print: boolean; dev: boolean }) => boolean> = {
  sandbox: (v) => v === true,
  contextIsolation: (v) => v === true,
  nodeIntegration: (v) => v === false,
  nodeIntegrationInWorker: (v) => v === false,
  nodeIntegrationInSubFrames: (v) => v === false,
  webSecurity: (v) => v === true,
  allowRunningInsecureContent: (v) => v === false,
  experimentalFeatures: (v) => v === false,
  webviewTag: (v) => v === false,
  spellcheck: (v) => v === false,
  navigateOnDragDrop: (v) => v === false,
  enableWebSQL: (v) => v === false,
  safeDialogs: (v) => v === true,
  devTools: (v, c) => v === false || (c.dev && v === true),
  javascript: (v, c) => (c.print ? v === false : v === true),
  preload: (v, c) => !c.print && typeof v === 'string' && v.startsWith('/'),
  // In-memory sessions only: a `persist:` partition would write cookies and storage to disk.
  partition: (v) => typeof v === 'string' && v !== '' && !v.startsWith('persist:'),
};
const REQUIRED = ['sandbox', 'contextIsolation', 'nodeIntegration', 'webSecurity', 'allowRunningInsecureContent', 'navigateOnDragDrop', 'webviewTag', 'devTools', 'partition'];

function insecure(webPreferences: Record<string, unknown> | undefined, ctx: { print: boolean; dev: boolean }): string[] {
  const out: string[] = [];
  const wp = webPreferences ?? {};
  for (const k of REQUIRED) if (!(k in wp)) out.push(`${k} not set (Electron's default is not relied on)`);
  for (const [k, v] of Object.entries(wp)) {
    const ok = SAFE[k];
    if (!ok) out.push(`unexpected webPreferences.${k} = ${JSON.stringify(v)}`);
    else if (!ok(v, ctx)) out.push(`webPreferences.${k} = ${JSON.stringify(v)}`);
  }
  if (ctx.print && 'preload' in wp) out.push('the print window has a preload');
  return out;
}

describe('window options: no insecure flag in any window', () => {
  it('the main window (also a dev build) and the print window', () => {
    expect(insecure(mainWindowOptions('/opt/factordesk/out/preload/index.cjs').webPreferences as Record<string, unknown>, { print: false, dev: false })).toEqual([]);
    expect(insecure(mainWindowOptions('/opt/factordesk/out/preload/index.cjs', { dev: true }).webPreferences as Record<string, unknown>, { print: false, dev: true })).toEqual([]);
    expect(insecure(printWindowOptions().webPreferences as Record<string, unknown>, { print: true, dev: false })).toEqual([]);
    // Control: the check notices a single insecure or unknown flag.
    const bad = { ...(mainWindowOptions('/p/preload.cjs').webPreferences as Record<string, unknown>), plugins: true };
    expect(insecure(bad, { print: false, dev: false })).toEqual(['unexpected webPreferences.plugins = true']);
    expect(insecure({ ...(printWindowOptions().webPreferences as Record<string, unknown>), sandbox: false }, { print: true, dev: false })).toEqual(['webPreferences.sandbox = false']);
  });

  it.skipIf(!existsSync(BUNDLE))('the window the built bundle really creates (packaged: no DevTools)', () => {
    expect(rec.windows).toHaveLength(1);
    expect(insecure(rec.windows[0]!.webPreferences as Record<string, unknown>, { print: false, dev: false })).toEqual([]);
  });
});

// ---- 2. the bundle's navigation and popup handlers ---------------------------------------------------
const FOREIGN = [
  'https://evil.example/',
  'http://127.0.0.1:5173/',
  'app://factordesk.evil.example/index.html',
  'app://evil@factordesk/index.html',
  'file:///etc/passwd',
  'file:///C:/Users/agent/Downloads/evil.html',
  'javascript:alert(document.domain)',
  'data:text/html,<script>alert(1)</script>',
  'about:blank',
  'smb://fileserver/share/evil.html',
];

describe.skipIf(!existsSync(BUNDLE))('the built bundle refuses navigation, popups and webviews on every web contents', () => {
  it('will-navigate, will-redirect and will-frame-navigate: other origins, file:, javascript: are prevented; the app itself is not', () => {
    for (const ev of ['will-navigate', 'will-redirect', 'will-frame-navigate'] as const) {
      for (const url of FOREIGN) expect(wiring!.navigate(ev, url), `${ev} ${url}`).toBe('prevented');
      expect(wiring!.navigate(ev, `${APP_ORIGIN}/index.html#/users/42`), ev).toBe('allowed');
    }
  });

  it('window.open is denied for every address, the app’s own included; webviews are never attached', () => {
    for (const url of [...FOREIGN, `${APP_ORIGIN}/index.html`, '']) expect(wiring!.windowOpen(url), url).toEqual({ action: 'deny' });
    expect(wiring!.attachWebview()).toBe('prevented');
  });
});

// ---- 3. in Chromium ------------------------------------------------------------------------------------
describe.skipIf(!existsSync(RENDERER))('in Chromium, with the built renderer and the real CSP', () => {
  let h: Harness;
  let home: string;
  const decisions: Array<{ kind: string; url: string; decision: string }> = [];
  const popups: string[] = [];
  // A persistent Chromium context starts with one blank tab of its own: not the page's doing.
  let initialPages = new Set<unknown>();

  /** The harness serves the app on http://127.0.0.1:port: map it to the app origin for the app's decision. */
  const asApp = (url: string) => (url.startsWith(h.origin) ? APP_ORIGIN + url.slice(h.origin.length) : url);
  const navigationAllowed = (url: string) => (wiring ? wiring.navigate('will-navigate', asApp(url)) === 'allowed' : isAllowedNavigation(url, [h.origin]));
  const popupDecision = (url: string) => (wiring ? wiring.windowOpen(asApp(url)) : windowOpenHandler()).action;

  beforeAll(async () => {
    const { startHarness } = await import('../helpers/app-harness.ts');
    h = await startHarness();
    await h.page.waitForFunction(() => (document.getElementById('root')?.children.length ?? 0) > 0, undefined, { timeout: 20_000 });
    home = h.page.url();
    initialPages = new Set(h.context.pages());
    // Electron's will-navigate, emulated: every top-level navigation of the app page is put to the
    // app's own decision; a refused one is answered 204, which leaves the page where it is.
    await h.page.route('**/*', async (route) => {
      const req = route.request();
      if (req.isNavigationRequest() && req.frame() === h.page.mainFrame()) {
        const allowed = navigationAllowed(req.url());
        decisions.push({ kind: 'navigate', url: req.url(), decision: allowed ? 'allowed' : 'prevented' });
        if (!allowed) return route.fulfill({ status: 204, body: '' });
      }
      return route.continue();
    });
    // setWindowOpenHandler, emulated: a popup is closed at once when the app's decision is deny.
    h.context.on('page', (p) => {
      if (p === h.page) return;
      void (async () => {
        const opener = await p.opener().catch(() => null);
        const url = p.url();
        const decision = opener ? popupDecision(url) : 'deny';
        decisions.push({ kind: 'popup', url, decision });
        popups.push(url);
        if (decision === 'deny') await p.close().catch(() => {});
      })();
    });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  const appStillThere = async () => {
    expect(h.page.url()).toBe(home);
    const status = await h.page.evaluate(() => (window as unknown as { api: Record<string, (r: unknown) => Promise<{ ok: boolean }>> }).api['app:status']!({}));
    expect(status.ok).toBe(true);
  };
  const otherPages = () => h.context.pages().filter((p) => !initialPages.has(p) && !p.isClosed()).map((p) => p.url());

  it('a script setting location.href to another origin, file: or a look-alike does not leave the app', async () => {
    for (const url of ['https://evil.example/', 'http://127.0.0.2:9/phish', 'file:///etc/passwd', `${h.origin.replace('127.0.0.1', 'localhost')}/index.html`]) {
      await h.page.evaluate((u) => {
        location.href = u;
      }, url);
      await h.page.waitForTimeout(300);
      expect(h.page.url(), url).toBe(home);
    }
    // The decision was the app's, and it refused (file: is refused by Chromium itself before).
    expect(decisions.filter((d) => d.kind === 'navigate' && d.url.startsWith('https://evil.example'))).toEqual([{ kind: 'navigate', url: 'https://evil.example/', decision: 'prevented' }]);
    await appStillThere();
  });

  it('window.open opens nothing that stays: every popup is denied by the app', async () => {
    await h.page.evaluate(() => {
      window.open('https://evil.example/');
      window.open('/index.html', '_blank');
      window.open('javascript:alert(1)');
    });
    await h.page.waitForTimeout(800);
    expect(popups.length).toBeGreaterThan(0);
    expect(decisions.filter((d) => d.kind === 'popup').every((d) => d.decision === 'deny')).toBe(true);
    expect(otherPages()).toEqual([]);
    await appStillThere();
  });

  it('a javascript: link does not run (CSP), and the violation is reported', async () => {
    await h.page.evaluate(() => {
      const a = document.createElement('a');
      a.href = 'javascript:window.__pwned = 1';
      a.id = 'fd-js-link';
      a.textContent = 'click me';
      document.body.appendChild(a);
    });
    await h.page.click('#fd-js-link');
    await h.page.waitForTimeout(300);
    expect(await h.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect((await h.csp()).some((v) => /script-src|javascript/i.test(v))).toBe(true);
    await h.page.evaluate(() => document.getElementById('fd-js-link')?.remove());
    await appStillThere();
  });

  it('a dropped file does not navigate or open anything', async () => {
    const file = join(h.tmp, 'dropped.html');
    writeFileSync(file, '<h1>dropped</h1><script>window.__dropped = 1</script>');
    await h.page.evaluate(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['<h1>dropped</h1>'], 'dropped.html', { type: 'text/html' }));
      for (const type of ['dragenter', 'dragover', 'drop']) {
        const ev = new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true, clientX: 200, clientY: 200 });
        (document.elementFromPoint(200, 200) ?? document.body).dispatchEvent(ev);
      }
    });
    await h.page.waitForTimeout(300);
    expect(h.page.url()).toBe(home);
    expect(otherPages()).toEqual([]);
    expect(await h.page.evaluate(() => (window as unknown as { __dropped?: number }).__dropped)).toBeUndefined();
    // Where a real drop would go (file:), the app's navigation handler refuses it too.
    expect(navigationAllowed(`file://${file}`)).toBe(false);
    await appStillThere();
  });

  it('the external-link opener, called from the page, refuses file:, smb:, javascript:, look-alikes and other https hosts', async () => {
    const codes = await h.page.evaluate(async (urls) => {
      const api = (window as unknown as { api: Record<string, (r: unknown) => Promise<{ ok: boolean; error?: { code: string } }>> }).api;
      const out: string[] = [];
      for (const url of urls) {
        const r = await api['app:open-external']!({ url });
        out.push(r.ok ? 'OK' : r.error!.code);
      }
      return out;
    }, BAD_LINKS);
    expect(codes).toEqual(BAD_LINKS.map(() => 'FORBIDDEN'));
    await appStillThere();
  });
});

// ---- the external-link opener through the dispatcher --------------------------------------------------
const BAD_LINKS = [
  'file:///C:/Windows/System32/calc.exe',
  'file://support.factordesk.example/share/setup.exe',
  'smb://support.factordesk.example/share/setup.exe',
  '\\\\evil.example\\share\\setup.exe',
  'javascript:alert(document.domain)',
  'JaVaScRiPt:alert(1)//https://support.factordesk.example/',
  'data:text/html,<script>alert(1)</script>',
  'http://support.factordesk.example/kb',
  'https://suppоrt.factordesk.example/kb', // Cyrillic о
  'https://xn--supprt-l0e.factordesk.example/kb',
  'https://support.factordesk.example.evil.example/kb',
  'https://support-factordesk.example/kb',
  'https://support.factordesk.example@evil.example/kb',
  'https://support.factordesk.example:8443/kb',
  'https://evil.example/kb',
  'https://www.example.com/',
  'ms-msdt:/id PCWDiagnostic',
];

describe('the external-link opener (app:open-external)', () => {
  it('refuses every bad address with FORBIDDEN and opens nothing; opens an allow-listed https link, normalised', async () => {
    const app = makeSuiteApp();
    try {
      for (const url of BAD_LINKS) {
        expect(checkExternalLink(url).ok, url).toBe(false);
        expect(codeOf(await app.call('app:open-external', { url })), url).toBe('FORBIDDEN');
      }
      expect(app.externals).toEqual([]);
      const ok = await app.call('app:open-external', { url: 'https://SUPPORT.factordesk.example:443/kb/../reset?lang=nb' });
      expect(ok).toEqual({ ok: true, value: { opened: true } });
      expect(app.externals).toEqual(['https://support.factordesk.example/reset?lang=nb']);
    } finally {
      app.cleanup();
    }
  });
});
