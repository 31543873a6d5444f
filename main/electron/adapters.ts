// Electron-only adapters behind the ports the app controller uses. Thin on purpose: every rule
// lives in plain TypeScript elsewhere.
import { BrowserWindow, clipboard, ClipboardItem, dialog, shell } from 'electron';
import Store from 'electron-store';
import type { Dialogs, OpenKind, PrefsStore, Printer, SaveKind } from '../app/ports.ts';
import type { ClipboardPort } from '../app/clipboard-guard.ts';
import type { ConnectionStore, ServerConnection } from '../app/server-link.ts';
import type { Prefs } from '../../contract/index.ts';
import { printWindowOptions } from '../shell/window-options.ts';
import { writeFileAtomic } from '../platform/fs-atomic.ts';

const OPEN_FILTERS: Record<OpenKind, Electron.FileFilter[]> = {
  csv: [{ name: 'CSV', extensions: ['csv', 'txt'] }],
  backup: [{ name: 'FactorDesk backup', extensions: ['fdbackup'] }],
  image: [{ name: 'Image', extensions: ['png', 'jpg', 'jpeg', 'svg'] }],
};
const SAVE_FILTERS: Record<SaveKind, Electron.FileFilter[]> = {
  'audit-csv': [{ name: 'CSV', extensions: ['csv'] }],
  'audit-json': [{ name: 'JSON', extensions: ['json'] }],
  'outbox-csv': [{ name: 'CSV', extensions: ['csv'] }],
  'outbox-json': [{ name: 'JSON', extensions: ['json'] }],
  backup: [{ name: 'FactorDesk backup', extensions: ['fdbackup'] }],
  'import-report': [{ name: 'CSV', extensions: ['csv'] }],
  'service-key': [{ name: 'Service key', extensions: ['key'] }],
  'sheet-pdf': [{ name: 'PDF', extensions: ['pdf'] }],
};

/** File dialogs shown by main, attached to the app window. */
export function electronDialogs(win: () => BrowserWindow | null): Dialogs {
  return {
    async openFile(kind) {
      const w = win();
      const opts: Electron.OpenDialogOptions = { properties: ['openFile'], filters: OPEN_FILTERS[kind] };
      const r = w ? await dialog.showOpenDialog(w, opts) : await dialog.showOpenDialog(opts);
      return r.canceled ? null : (r.filePaths[0] ?? null);
    },
    async saveFile(kind, defaultName) {
      const w = win();
      const opts: Electron.SaveDialogOptions = { defaultPath: defaultName, filters: SAVE_FILTERS[kind] };
      const r = w ? await dialog.showSaveDialog(w, opts) : await dialog.showSaveDialog(opts);
      return r.canceled || !r.filePath ? null : r.filePath;
    },
  };
}

async function withSheetWindow<T>(html: string, fn: (w: BrowserWindow) => Promise<T>): Promise<T> {
  // Loaded from a data: URL so nothing with a secret is written to a temp folder.
  const w = new BrowserWindow(printWindowOptions());
  w.setContentProtection(true);
  try {
    await w.loadURL(`data:text/html;charset=utf-8;base64,${Buffer.from(html, 'utf8').toString('base64')}`);
    return await fn(w);
  } finally {
    w.destroy();
  }
}

/** Prints the sheet through the system dialog, or saves it as PDF. */
export const electronPrinter: Printer = {
  print: (html) => withSheetWindow(html, (w) => new Promise<boolean>((resolve) => w.webContents.print({ silent: false, printBackground: true }, (ok) => resolve(ok)))),
  savePdf: (html, path) =>
    withSheetWindow(html, async (w) => {
      const pdf = await w.webContents.printToPDF({ printBackground: true, preferCSSPageSize: true });
      // A new 0600 file renamed over the target: an existing file's mode is not kept, and a
      // crash leaves either the old file or the whole new one.
      writeFileAtomic(path, Buffer.from(pdf), 0o600);
    }),
};

/** The OS clipboard. A secret's text and its concealed markers go in one atomic write. */
export const electronClipboard: ClipboardPort = {
  write: ({ text, formats }) => {
    const item: Record<string, string | Blob> = { 'text/plain': text };
    // Raw OS formats (Windows registered formats, macOS pasteboard types, X11/Wayland targets).
    for (const f of formats) item[`electron application/osclipboard;format="${f.format}"`] = new Blob([new Uint8Array(f.data)]);
    return clipboard.write([new ClipboardItem(item)]);
  },
  read: () => clipboard.readText(),
  clear: () => clipboard.clear(),
};

/** Window position and size, kept between runs (main process only). */
export interface WindowBounds {
  x: number;
  y: number;
  width: number;
  height: number;
}

interface StoredPrefs extends Prefs {
  windowBounds: WindowBounds | null;
}

/** Non-secret preferences in electron-store, with a schema: language, density, last operator name, window bounds. */
export function electronPrefs(): PrefsStore & { bounds(): WindowBounds | null; saveBounds(b: WindowBounds): void } {
  const store = new Store<StoredPrefs>({
    name: 'preferences',
    schema: {
      language: { type: 'string', enum: ['nb', 'en'], default: 'nb' },
      lastOperatorName: { type: 'string', maxLength: 64, default: '' },
      density: { type: 'string', enum: ['comfortable', 'compact'], default: 'comfortable' },
      windowBounds: {
        type: ['object', 'null'],
        default: null,
        properties: { x: { type: 'integer' }, y: { type: 'integer' }, width: { type: 'integer', minimum: 640 }, height: { type: 'integer', minimum: 480 } },
        required: ['x', 'y', 'width', 'height'],
        additionalProperties: false,
      },
    },
  });
  const read = (): Prefs => ({ language: store.get('language'), lastOperatorName: store.get('lastOperatorName'), density: store.get('density') });
  return {
    get: read,
    set: (patch) => {
      for (const k of ['language', 'lastOperatorName', 'density'] as const) if (patch[k] !== undefined) store.set(k, patch[k] as never);
      return read();
    },
    bounds: () => store.get('windowBounds'),
    saveBounds: (b) => store.set('windowBounds', { x: Math.round(b.x), y: Math.round(b.y), width: Math.round(b.width), height: Math.round(b.height) }),
  };
}

/** Opens an allow-listed https address in the system browser. */
export const openExternal = (url: string): Promise<void> => shell.openExternal(url);

/** The server this app is a client of (address and pinned key only), in the app's profile folder. */
export function electronConnection(): ConnectionStore {
  const store = new Store<{ server: ServerConnection | null }>({
    name: 'server',
    schema: {
      server: {
        type: ['object', 'null'],
        default: null,
        properties: { url: { type: 'string', pattern: '^https://', maxLength: 2048 }, pin: { type: 'string', pattern: '^[A-Za-z0-9+/]{43}=$' } },
        required: ['url', 'pin'],
        additionalProperties: false,
      },
    },
  });
  return {
    get: () => store.get('server'),
    set: (c) => store.set('server', c ? { url: c.url, pin: c.pin } : null),
  };
}
