// A packaged build, as the BUILT main bundle (out/main/index.js) under a recording `electron`
// stub with app.isPackaged = true: it exits on --inspect / --remote-debugging-port before it
// registers anything, and FACTORDESK_DEV gives it neither DevTools nor the DevTools menu item.
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const rec = vi.hoisted(() => ({
  handled: 0,
  windows: [] as Array<Record<string, unknown>>,
  menus: [] as unknown[],
  exits: [] as number[],
  contents: [] as Map<string, (...a: unknown[]) => void>[],
  appHandlers: new Map<string, (...a: unknown[]) => void>(),
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
  }
  const tmp = mkdtempSync(join(tmpdir(), 'fd-packaged-user-'));
  const electronSession = { protocol: { handle: () => {} }, setPermissionRequestHandler: () => {}, setPermissionCheckHandler: () => {} };
  const electron = {
    app: {
      isPackaged: true,
      enableSandbox: () => {},
      requestSingleInstanceLock: () => true,
      on: (name: string, fn: (...a: unknown[]) => void) => rec.appHandlers.set(name, fn),
      quit: () => {},
      exit: (code: number) => rec.exits.push(code),
      whenReady: () => Promise.resolve(),
      getPath: () => tmp,
      setPath: () => {},
      getVersion: () => '0.0.0-test',
      getName: () => 'FactorDesk',
    },
    BrowserWindow,
    ipcMain: { handle: () => rec.handled++, on: () => {} },
    protocol: { registerSchemesAsPrivileged: () => {}, handle: () => {} },
    session: { defaultSession: electronSession, fromPartition: () => electronSession },
    Menu: { setApplicationMenu: () => {}, buildFromTemplate: (t: unknown) => (rec.menus.push(t), {}) },
    powerMonitor: { on: () => {} },
    dialog: {},
    shell: { openExternal: async () => {} },
    clipboard: {},
    ClipboardItem: class {},
  };
  return { ...electron, default: electron };
});

const BUNDLE = join(fileURLToPath(new URL('../..', import.meta.url)), 'out/main/index.js');
const parent = mkdtempSync(join(tmpdir(), 'fd-packaged-'));
mkdirSync(join(parent, 'vault'), { mode: 0o700 });
const argv = process.argv;
const saved = { vault: process.env.FACTORDESK_VAULT, dev: process.env.FACTORDESK_DEV };

afterEach(() => {
  process.argv = argv;
  vi.restoreAllMocks();
});
afterAll(() => {
  for (const [k, v] of [['FACTORDESK_VAULT', saved.vault], ['FACTORDESK_DEV', saved.dev]] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  rmSync(parent, { recursive: true, force: true });
});

async function load(args: string[]): Promise<unknown> {
  vi.resetModules();
  process.env.FACTORDESK_VAULT = join(parent, 'vault');
  process.argv = [...argv, ...args];
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  vi.spyOn(process, 'exit').mockImplementation((code) => {
    throw new Error(`exit ${String(code)}`);
  });
  try {
    await import(BUNDLE);
    await new Promise((r) => setTimeout(r, 50));
    return null;
  } catch (err) {
    return { err, stderr: stderr.mock.calls.map((c) => String(c[0])).join('') };
  }
}

describe('packaged build', () => {
  for (const flag of ['--remote-debugging-port=9222', '--inspect=9229', '--inspect-brk']) {
    it(`exits on ${flag} before it registers a channel or opens a window`, async () => {
      const handled = rec.handled;
      const windows = rec.windows.length;
      const r = (await load([flag])) as { err: Error; stderr: string } | null;
      expect(r?.err.message).toBe('exit 1');
      expect(r?.stderr).toContain('refused in an installed build');
      expect(r?.stderr).toContain('avvises i en installert versjon');
      expect(rec.handled).toBe(handled);
      expect(rec.windows.length).toBe(windows);
    });
  }

  it('ignores FACTORDESK_DEV: no DevTools in the window, none in the menu, and opened DevTools are closed', async () => {
    process.env.FACTORDESK_DEV = '1';
    expect(await load([])).toBe(null);
    const wp = rec.windows.at(-1)!.webPreferences as Record<string, unknown>;
    expect(wp.devTools).toBe(false);
    expect(JSON.stringify(rec.menus.at(-1))).not.toContain('toggleDevTools');
    // Every web contents gets a devtools-opened handler that closes them.
    const listeners = new Map<string, (...a: unknown[]) => void>();
    let closed = 0;
    rec.appHandlers.get('web-contents-created')!({}, { setWindowOpenHandler: () => {}, on: (n: string, fn: (...a: unknown[]) => void) => listeners.set(n, fn), closeDevTools: () => closed++ });
    listeners.get('devtools-opened')!();
    expect(closed).toBe(1);
  });
});
