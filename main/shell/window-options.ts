// BrowserWindow options for the app window and the hidden print window.
// Types only from electron (erased at run time), so this module loads under plain Node.
import type { BrowserWindowConstructorOptions, WebPreferences } from 'electron';
import { isAbsolute } from 'node:path';
import { APP_PARTITION, PRINT_PARTITION } from './profile.ts';

export const MIN_WIDTH = 1280;
export const MIN_HEIGHT = 720;

/** Options for mainWindowOptions. */
export interface MainWindowFlags {
  /** Development build: allows DevTools. Never set in a packaged build. */
  dev?: boolean;
}

/** Returns the hardened webPreferences shared by every window; callers add preload etc. */
export function hardenedWebPreferences(): WebPreferences {
  // Why each one: the renderer is treated as hostile (it renders imported user data).
  // sandbox + contextIsolation keep page script away from Node and from the preload's scope;
  // the nodeIntegration* flags are off in every context (page, workers, subframes);
  // webSecurity/allowRunningInsecureContent keep same-origin and mixed-content rules;
  // experimentalFeatures and webviewTag would widen the attack surface for no gain;
  // navigateOnDragDrop stops a dropped file/link from replacing the app page;
  // spellcheck would send typed text (emails, codes) to the OS/dictionary service;
  // safeDialogs stops a page from looping alert()s to lock the agent out.
  return {
    sandbox: true,
    contextIsolation: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    spellcheck: false,
    navigateOnDragDrop: false,
    enableWebSQL: false,
    safeDialogs: true,
    devTools: false,
  };
}

/** Returns the BrowserWindow options for the main app window with the given preload script. */
export function mainWindowOptions(
  preloadPath: string,
  flags: MainWindowFlags = {},
): BrowserWindowConstructorOptions {
  // Electron silently ignores a relative preload path; fail loudly instead.
  if (typeof preloadPath !== 'string' || !isAbsolute(preloadPath)) {
    throw new Error('preloadPath must be an absolute path');
  }
  return {
    width: MIN_WIDTH,
    height: 800,
    minWidth: MIN_WIDTH,
    minHeight: MIN_HEIGHT,
    // Shown on 'ready-to-show', so the agent never sees a blank or half-styled window.
    show: false,
    title: 'FactorDesk',
    backgroundColor: '#ffffff',
    autoHideMenuBar: true,
    webPreferences: {
      ...hardenedWebPreferences(),
      preload: preloadPath,
      // In-memory session: cookies, storage and caches are never written to the profile folder.
      partition: APP_PARTITION,
      // DevTools lets anyone at the keyboard run script in the renderer: dev builds only.
      devTools: flags.dev === true,
    },
  };
}

/** Returns the options for the hidden window that renders and prints a sheet document. */
export function printWindowOptions(): BrowserWindowConstructorOptions {
  return {
    show: false,
    width: 794, // A4 at 96 dpi; the page size itself comes from the print/pdf call
    height: 1123,
    webPreferences: {
      ...hardenedWebPreferences(),
      // Why: a sheet is static HTML + inline SVG. With JavaScript off, and no preload, even
      // a sheet built from hostile data cannot run script or reach IPC while it holds a secret.
      javascript: false,
      devTools: false,
      partition: PRINT_PARTITION,
    },
  };
}
