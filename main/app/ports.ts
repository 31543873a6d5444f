import type { EventName, Events, Prefs } from '../../contract/index.ts';

/** Files the main process asks the agent to pick; the renderer never sends a path. */
export type OpenKind = 'csv' | 'backup' | 'image';
export type SaveKind = 'audit-csv' | 'audit-json' | 'outbox-csv' | 'outbox-json' | 'backup' | 'import-report' | 'service-key' | 'sheet-pdf';

/** Main-process file dialogs (Electron's dialog in the app, scripted in tests). */
export interface Dialogs {
  openFile(kind: OpenKind): Promise<string | null>;
  saveFile(kind: SaveKind, defaultName: string): Promise<string | null>;
}

/** Printing of a self-contained HTML document (hidden window in the app). */
export interface Printer {
  print(html: string): Promise<boolean>;
  savePdf(html: string, path: string): Promise<void>;
}

/** Non-secret preferences (electron-store in the app). */
export interface PrefsStore {
  get(): Prefs;
  set(patch: Partial<Prefs>): Prefs;
}

/** Pushes an event to the renderer. */
export type Emit = <E extends EventName>(event: E, data: Events[E]) => void;

/** Opens an https address in the system browser (already allow-list checked). */
export type OpenExternal = (url: string) => Promise<void>;

/** In-memory preferences, for tests and the command line. */
export function memoryPrefs(initial: Partial<Prefs> = {}): PrefsStore {
  let p: Prefs = { language: 'nb', lastOperatorName: '', density: 'comfortable', ...initial };
  return {
    get: () => ({ ...p }),
    set: (patch) => {
      p = { ...p, ...patch };
      return { ...p };
    },
  };
}
