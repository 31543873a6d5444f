/**
 * The application menu's words in each language the app speaks (the menu follows the language
 * setting, as the window does). Plain data: main/electron/menu.ts lays the menu out from it.
 */
import type { Prefs } from '../../contract/index.ts';

export interface MenuWords {
  search: string;
  newLookup: string;
  lockNow: string;
  quit: string;
  close: string;
  edit: string;
  undo: string;
  redo: string;
  cut: string;
  copy: string;
  paste: string;
  selectAll: string;
  view: string;
  resetZoom: string;
  zoomIn: string;
  zoomOut: string;
  fullScreen: string;
  devTools: string;
  window: string;
  minimize: string;
}

export const MENU_WORDS: Readonly<Record<Prefs['language'], MenuWords>> = {
  en: {
    search: 'Search',
    newLookup: 'New lookup',
    lockNow: 'Lock now',
    quit: 'Quit FactorDesk',
    close: 'Close window',
    edit: 'Edit',
    undo: 'Undo',
    redo: 'Redo',
    cut: 'Cut',
    copy: 'Copy',
    paste: 'Paste',
    selectAll: 'Select all',
    view: 'View',
    resetZoom: 'Actual size',
    zoomIn: 'Zoom in',
    zoomOut: 'Zoom out',
    fullScreen: 'Full screen',
    devTools: 'Developer tools',
    window: 'Window',
    minimize: 'Minimize',
  },
  nb: {
    search: 'Søk',
    newLookup: 'Nytt oppslag',
    lockNow: 'Lås nå',
    quit: 'Avslutt FactorDesk',
    close: 'Lukk vinduet',
    edit: 'Rediger',
    undo: 'Angre',
    redo: 'Gjør om',
    cut: 'Klipp ut',
    copy: 'Kopier',
    paste: 'Lim inn',
    selectAll: 'Merk alt',
    view: 'Vis',
    resetZoom: 'Faktisk størrelse',
    zoomIn: 'Zoom inn',
    zoomOut: 'Zoom ut',
    fullScreen: 'Fullskjerm',
    devTools: 'Utviklerverktøy',
    window: 'Vindu',
    minimize: 'Minimer',
  },
};

/** Preferences that tell `onLanguage` whenever a change gives them another language (the menu is laid out again). */
export function watchLanguage<S extends { get(): Prefs; set(patch: Partial<Prefs>): Prefs }>(store: S, onLanguage: (language: Prefs['language']) => void): S {
  return {
    ...store,
    get: () => store.get(),
    set: (patch: Partial<Prefs>) => {
      const before = store.get().language;
      const next = store.set(patch);
      if (next.language !== before) onLanguage(next.language);
      return next;
    },
  };
}
