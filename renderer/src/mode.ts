// Whether this app is a solo vault or a client of a FactorDesk server, as the last status said.
// Screens that only a vault has (the vault folder, import, printing from the vault) ask here.
let current: 'vault' | 'server' = 'vault';

export function setAppMode(mode: 'vault' | 'server'): void {
  current = mode;
}

/** True while the app is a server's client. */
export function isServerMode(): boolean {
  return current === 'server';
}
