// Loads the BUILT main bundle (out/main/index.js) under Node with `electron` replaced by a
// recording stub: every channel must be registered before the window is created, the window
// must get the hardened options and the preload bundle, and a channel must answer end to end.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHANNEL_NAMES, IPC_PREFIX } from '../../contract/index.ts';
import { concealedFormats } from '../../main/app/clipboard-guard.ts';

const rec = vi.hoisted(() => ({
  order: [] as string[],
  handlers: new Map<string, (event: unknown, payload: unknown) => Promise<unknown>>(),
  windows: [] as Array<Record<string, unknown>>,
  protocols: [] as string[],
  permissionHandlers: 0,
  sandbox: false,
  singleInstance: false,
  ready: null as null | (() => void),
  paths: new Map<string, string>(),
  partitions: [] as string[],
  protocolOn: [] as string[],
  clipboardWrites: [] as unknown[][],
}));

vi.mock('electron', () => {
  class BrowserWindow {
    webContents = { on: () => {}, send: () => {}, setWindowOpenHandler: () => {} };
    constructor(opts: Record<string, unknown>) {
      rec.order.push('window');
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
  const tmp = mkdtempSync(join(tmpdir(), 'fd-smoke-user-'));
  const app = {
    isPackaged: false,
    enableSandbox: () => {
      rec.sandbox = true;
    },
    requestSingleInstanceLock: () => {
      rec.singleInstance = true;
      return true;
    },
    on: () => {},
    quit: () => {},
    whenReady: () => Promise.resolve(),
    getPath: (name: string) => rec.paths.get(name) ?? tmp,
    setPath: (name: string, p: string) => {
      rec.order.push(`setPath:${name}`);
      rec.paths.set(name, p);
    },
    getVersion: () => '0.0.0-test',
    getName: () => 'FactorDesk',
  };
  const ipcMain = {
    handle: (channel: string, fn: (event: unknown, payload: unknown) => Promise<unknown>) => {
      rec.order.push(`handle:${channel}`);
      rec.handlers.set(channel, fn);
    },
    on: () => {},
  };
  const electron = {
    app,
    BrowserWindow,
    ipcMain,
    protocol: { registerSchemesAsPrivileged: (s: Array<{ scheme: string }>) => rec.protocols.push(...s.map((x) => x.scheme)), handle: () => {} },
    session: {
      defaultSession: { setPermissionRequestHandler: () => rec.permissionHandlers++, setPermissionCheckHandler: () => rec.permissionHandlers++ },
      fromPartition: (name: string) => {
        rec.partitions.push(name);
        return {
          protocol: { handle: (scheme: string) => rec.protocolOn.push(`${name}:${scheme}`) },
          setPermissionRequestHandler: () => rec.permissionHandlers++,
          setPermissionCheckHandler: () => rec.permissionHandlers++,
        };
      },
    },
    Menu: { setApplicationMenu: () => {}, buildFromTemplate: () => ({}) },
    powerMonitor: { on: () => {} },
    dialog: {},
    shell: { openExternal: async () => {} },
    clipboard: {
      write: async (items: unknown[]) => void rec.clipboardWrites.push(items),
      writeText: () => {},
      readText: async () => '',
      clear: () => {},
    },
    ClipboardItem: class {
      readonly items: Record<string, unknown>;
      constructor(items: Record<string, unknown>) {
        this.items = items;
      }
    },
  };
  return { ...electron, default: electron };
});

const root = fileURLToPath(new URL('../..', import.meta.url));
const vaultParent = mkdtempSync(join(tmpdir(), 'fd-smoke-'));
const vaultDir = join(vaultParent, 'vault');

beforeAll(async () => {
  mkdirSync(vaultDir, { mode: 0o700 });
  process.env.FACTORDESK_VAULT = vaultDir;
  await import(join(root, 'out/main/index.js'));
  await new Promise((r) => setTimeout(r, 50)); // let whenReady().then run
});
afterAll(() => {
  delete process.env.FACTORDESK_VAULT;
  rmSync(vaultParent, { recursive: true, force: true });
});

describe('built main bundle', () => {
  it('registers every channel before creating the window', () => {
    const windowAt = rec.order.indexOf('window');
    expect(windowAt).toBeGreaterThan(0);
    for (const c of CHANNEL_NAMES) {
      const at = rec.order.indexOf(`handle:${IPC_PREFIX}${c}`);
      expect(at, c).toBeGreaterThanOrEqual(0);
      expect(at, c).toBeLessThan(windowAt);
    }
    expect(rec.sandbox).toBe(true);
    expect(rec.singleInstance).toBe(true);
    expect(rec.protocols).toContain('app');
    expect(rec.permissionHandlers).toBe(4);
  });

  it('keeps the Chromium profile in a folder of its own and the session in memory', () => {
    // userData is set before the single-instance lock (which lives there) and is not the vault folder.
    const userData = rec.paths.get('userData');
    expect(userData).toBeTruthy();
    expect(rec.order.indexOf('setPath:userData')).toBe(0);
    expect(userData!.toLowerCase()).not.toBe(vaultDir.toLowerCase());
    expect(userData!.startsWith(vaultDir)).toBe(false);
    // The window's session is an in-memory partition, and the app:// protocol is served on it.
    const wp = rec.windows[0]!.webPreferences as Record<string, unknown>;
    expect(typeof wp.partition).toBe('string');
    expect(String(wp.partition).startsWith('persist:')).toBe(false);
    expect(rec.partitions).toContain(wp.partition);
    expect(rec.protocolOn).toContain(`${String(wp.partition)}:app`);
  });

  it('gives the window the hardened options and the built preload', () => {
    const opts = rec.windows[0]!;
    const wp = opts.webPreferences as Record<string, unknown>;
    expect(wp).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false, webSecurity: true, allowRunningInsecureContent: false, devTools: false });
    expect(String(wp.preload)).toMatch(/out[\\/]preload[\\/]index\.cjs$/);
    expect(existsSync(String(wp.preload))).toBe(true);
  });

  it('answers a channel end to end over a temporary vault, and refuses a foreign sender', async () => {
    const handler = rec.handlers.get(`${IPC_PREFIX}app:status`)!;
    const own = { url: 'app://factordesk/index.html', parent: null };
    const status = (await handler({ senderFrame: own, sender: { mainFrame: own } }, {})) as { ok: boolean; value: { vaultState: string } };
    expect(status).toMatchObject({ ok: true, value: { vaultState: 'none' } });
    const foreign = { url: 'https://evil.example/', parent: null };
    expect(await handler({ senderFrame: foreign, sender: { mainFrame: foreign } }, {})).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const firstRun = rec.handlers.get(`${IPC_PREFIX}session:first-run`)!;
    const created = (await firstRun({ senderFrame: own, sender: { mainFrame: own } }, { name: 'anne', displayName: 'Anne Berg', password: 'correct horse battery staple 42' })) as {
      ok: boolean;
      value: { recoveryKey: string };
    };
    expect(created.ok).toBe(true);
    expect(created.value.recoveryKey).toMatch(/^[A-Z2-7]{4}(-[A-Z2-7]{4}){12}$/);
    expect(existsSync(join(vaultDir, 'vault.db'))).toBe(true);

    // A copy is one clipboard write: one item with the text and this platform's concealed markers.
    const copy = rec.handlers.get(`${IPC_PREFIX}clipboard:copy`)!;
    expect(await copy({ senderFrame: own, sender: { mainFrame: own } }, { text: '47112093' })).toMatchObject({ ok: true, value: { clearsInSeconds: 30 } });
    expect(rec.clipboardWrites).toHaveLength(1);
    const [item, ...more] = rec.clipboardWrites[0] as Array<{ items: Record<string, unknown> }>;
    expect(more).toEqual([]);
    expect(item!.items['text/plain']).toBe('47112093');
    const markers = Object.keys(item!.items).filter((k) => k !== 'text/plain');
    expect(markers).toEqual(concealedFormats(process.platform).map((f) => `electron application/osclipboard;format="${f.format}"`));
    for (const k of markers) expect(item!.items[k]).toBeInstanceOf(Blob);
  });
});

describe('built preload bundle', () => {
  it('is one CommonJS file that requires nothing but electron (it runs sandboxed)', async () => {
    const { readFileSync } = await import('node:fs');
    const src = readFileSync(join(root, 'out/preload/index.cjs'), 'utf8');
    const requires = [...src.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]);
    expect(new Set(requires)).toEqual(new Set(['electron']));
    expect(src).not.toMatch(/^\s*import\s/m);
  });

  it('exposes one function per channel and `on`, and no raw ipcRenderer', async () => {
    const { readFileSync } = await import('node:fs');
    const { runInNewContext } = await import('node:vm');
    const src = readFileSync(join(root, 'out/preload/index.cjs'), 'utf8');
    const exposed: Record<string, Record<string, unknown>> = {};
    const invoked: Array<[string, unknown]> = [];
    const fakeElectron = {
      contextBridge: { exposeInMainWorld: (k: string, v: Record<string, unknown>) => (exposed[k] = v) },
      ipcRenderer: { invoke: async (c: string, p: unknown) => (invoked.push([c, p]), { ok: true, value: null }), on: () => {}, removeListener: () => {} },
    };
    const module = { exports: {} };
    runInNewContext(src, { require: (m: string) => (m === 'electron' ? fakeElectron : undefined), module, exports: module.exports });
    const api = exposed.api!;
    expect(Object.keys(api).sort()).toEqual([...CHANNEL_NAMES, 'on'].sort());
    for (const v of Object.values(api)) expect(typeof v).toBe('function');
    expect(Object.values(api)).not.toContain(fakeElectron.ipcRenderer);
    await (api['users:find'] as (r: unknown) => Promise<unknown>)({ query: 'kari' });
    expect(invoked).toEqual([[`${IPC_PREFIX}users:find`, { query: 'kari' }]]);
    expect(typeof (api.on as (e: string, h: () => void) => unknown)('idle:warning', () => {})).toBe('function');
  });
});
