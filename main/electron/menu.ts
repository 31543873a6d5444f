import { Menu, type MenuItemConstructorOptions } from 'electron';

/** The application menu: standard roles plus FactorDesk's shortcuts (focus search, new lookup, lock now). */
export function buildMenu(command: (c: 'focus-search' | 'new-lookup' | 'lock') => void, isMac: boolean, dev: boolean): Menu {
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'FactorDesk',
      submenu: [
        { label: 'Search / Søk', accelerator: 'CmdOrCtrl+K', click: () => command('focus-search') },
        { label: 'New lookup / Nytt oppslag', accelerator: 'CmdOrCtrl+N', click: () => command('new-lookup') },
        { label: 'Lock now / Lås nå', accelerator: 'CmdOrCtrl+L', click: () => command('lock') },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    { label: 'View', submenu: [{ role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }, ...(dev ? [{ role: 'toggleDevTools' as const }] : [])] },
    { role: 'windowMenu' },
  ];
  return Menu.buildFromTemplate(template);
}
