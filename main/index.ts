// Electron entry: wires the hardened window, the app:// protocol, guarded IPC, idle lock and
// printing together. Every rule lives in plain TypeScript under main/core, main/app, main/ipc
// and main/shell; this file only connects Electron to it.
import { app, BrowserWindow, ipcMain, Menu, powerMonitor, protocol, session } from 'electron';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { defaultVaultDir } from './store/sqlite/paths.ts';
import { createApp, registerChannels } from './ipc/setup.ts';
import { IPC_PREFIX, type EventName, type Events, type Prefs } from '../contract/index.ts';
import { APP_ORIGIN, APP_SCHEME, APP_SCHEME_PRIVILEGES, resolveAppRequest } from './shell/protocol.ts';
import { generateNonce } from './platform/csp.ts';
import { mainWindowOptions } from './shell/window-options.ts';
import { isAllowedNavigation, permissionCheckHandler, permissionRequestHandler, windowOpenHandler } from './shell/navigation.ts';
import { electronClipboard, electronConnection, electronDialogs, electronPrefs, electronPrinter, openExternal } from './electron/adapters.ts';
import { buildMenu } from './electron/menu.ts';
import { watchLanguage } from './app/menu-words.ts';
import { APP_PARTITION, profileDir } from './shell/profile.ts';
import { isDevMode, refusedDebugMessage, refusedDebugSwitch } from './shell/packaged.ts';

// An installed build never runs under a debugger: it exits before doing anything else.
const refused = refusedDebugSwitch(process.argv, app.isPackaged);
if (refused) {
  process.stderr.write(refusedDebugMessage(refused));
  app.exit(1);
  process.exit(1);
}
const dev = isDevMode(app.isPackaged, process.env);
const here = fileURLToPath(new URL('.', import.meta.url));
const rendererDir = join(here, '../renderer');
const preloadPath = join(here, '../preload/index.cjs');

app.enableSandbox();
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES }]);
const { dir, configured } = defaultVaultDir();
// Chromium's profile gets a folder of its own (by default it would be the vault folder on
// Windows and macOS); set before anything (the single-instance lock, preferences) uses it.
app.setPath('userData', profileDir(app.getPath('appData'), dir));

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let win: BrowserWindow | null = null;
  const emit = <E extends EventName>(event: E, data: Events[E]) => win?.webContents.send(`${IPC_PREFIX}event:${event}`, data);
  // The menu follows the language setting: laid out again when a change gives another language.
  let layOutMenu: (language: Prefs['language']) => void = () => {};
  const prefs = watchLanguage(electronPrefs(), (language) => layOutMenu(language));
  const { controller, dispatch } = createApp({
    dir,
    configured,
    dialogs: electronDialogs(() => win),
    printer: electronPrinter,
    prefs,
    clipboard: electronClipboard,
    emit,
    openExternal,
    // Server mode: the server's address and pinned key are all this computer keeps of it.
    connection: electronConnection(),
    workerUrl: new URL('./jobs-worker.js', import.meta.url),
  });

  // Handlers exist before any window does.
  registerChannels(ipcMain, dispatch);

  app.on('second-instance', () => {
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  });

  app.on('web-contents-created', (_e, contents) => {
    contents.setWindowOpenHandler(windowOpenHandler);
    const guardNav = (event: Electron.Event, url: string) => {
      if (!isAllowedNavigation(url)) event.preventDefault();
    };
    contents.on('will-navigate', guardNav);
    contents.on('will-redirect', guardNav);
    contents.on('will-frame-navigate', (event) => {
      if (!isAllowedNavigation(event.url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    // DevTools only in a development build: closed at once if anything opens them otherwise.
    if (!dev) contents.on('devtools-opened', () => contents.closeDevTools());
  });

  app.whenReady().then(() => {
    // The window's session is in memory only (no `persist:`): nothing of a session is written to disk.
    const appSession = session.fromPartition(APP_PARTITION);
    appSession.protocol.handle(APP_SCHEME, async (request) => {
      const r = await resolveAppRequest(rendererDir, request.url, generateNonce);
      return new Response(new Uint8Array(r.body), { status: r.status, headers: r.headers });
    });
    for (const s of [appSession, session.defaultSession]) {
      s.setPermissionRequestHandler(permissionRequestHandler);
      s.setPermissionCheckHandler(permissionCheckHandler);
    }

    layOutMenu = (language) =>
      Menu.setApplicationMenu(
        buildMenu(
          (command) => {
            if (command === 'lock') controller.lock('manual');
            else emit('menu:command', { command });
          },
          process.platform === 'darwin',
          dev,
          language,
        ),
      );
    layOutMenu(prefs.get().language);

    const bounds = prefs.bounds();
    win = new BrowserWindow({ ...mainWindowOptions(preloadPath, { dev }), ...(bounds ?? {}) });
    win.on('close', () => {
      if (win && !win.isMinimized()) prefs.saveBounds(win.getBounds());
    });
    win.setContentProtection(true); // codes and QR codes are shown in this window
    win.webContents.on('before-input-event', () => controller.idle.touch());
    win.once('ready-to-show', () => win?.show());
    win.on('closed', () => {
      win = null;
    });
    void win.loadURL(`${APP_ORIGIN}/index.html`);

    setInterval(() => controller.idle.tick(), 1000).unref();
    setInterval(() => controller.checkClock(), 60_000).unref();
    powerMonitor.on('lock-screen', () => controller.lock('os-lock'));
    powerMonitor.on('suspend', () => controller.lock('suspend'));
  });

  let signingOut = false;
  app.on('before-quit', (event) => {
    void controller.clipboard.clearIfOurs();
    // A server's session is ended on the server before the app goes (at most 2 s of waiting).
    const link = controller.link;
    if (link?.session && !signingOut) {
      signingOut = true;
      event.preventDefault();
      void Promise.race([link.signOut(), new Promise((r) => setTimeout(r, 2000))]).then(() => {
        controller.lock('manual');
        app.quit();
      });
      return;
    }
    controller.lock('manual');
  });
  app.on('window-all-closed', () => app.quit());
}
