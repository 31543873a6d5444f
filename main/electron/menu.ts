import { Menu, type MenuItemConstructorOptions } from 'electron';
import { MENU_WORDS } from '../app/menu-words.ts';
import type { Prefs } from '../../contract/index.ts';

/** The application menu in `language`: standard roles plus FactorDesk's shortcuts (focus search, new lookup, lock now). */
export function buildMenu(command: (c: 'focus-search' | 'new-lookup' | 'lock') => void, isMac: boolean, dev: boolean, language: Prefs['language'] = 'nb'): Menu {
  const w = MENU_WORDS[language];
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'FactorDesk',
      submenu: [
        { label: w.search, accelerator: 'CmdOrCtrl+K', click: () => command('focus-search') },
        { label: w.newLookup, accelerator: 'CmdOrCtrl+N', click: () => command('new-lookup') },
        { label: w.lockNow, accelerator: 'CmdOrCtrl+L', click: () => command('lock') },
        { type: 'separator' },
        isMac ? { role: 'close', label: w.close } : { role: 'quit', label: w.quit },
      ],
    },
    {
      label: w.edit,
      submenu: [
        { role: 'undo', label: w.undo },
        { role: 'redo', label: w.redo },
        { type: 'separator' },
        { role: 'cut', label: w.cut },
        { role: 'copy', label: w.copy },
        { role: 'paste', label: w.paste },
        { role: 'selectAll', label: w.selectAll },
      ],
    },
    {
      label: w.view,
      submenu: [
        { role: 'resetZoom', label: w.resetZoom },
        { role: 'zoomIn', label: w.zoomIn },
        { role: 'zoomOut', label: w.zoomOut },
        { type: 'separator' },
        { role: 'togglefullscreen', label: w.fullScreen },
        ...(dev ? [{ role: 'toggleDevTools' as const, label: w.devTools }] : []),
      ],
    },
    { label: w.window, submenu: [{ role: 'minimize', label: w.minimize }, { role: 'close', label: w.close }] },
  ];
  return Menu.buildFromTemplate(template);
}
