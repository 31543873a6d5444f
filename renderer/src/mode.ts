// Whether this app is a solo vault or a client of a FactorDesk server, as the last status said.
// Screens that only a vault has (the vault folder, import, printing from the vault) ask here.
let current: 'vault' | 'server' = 'vault';
let address: string | null = null;

export function setAppMode(mode: 'vault' | 'server', serverUrl: string | null = null): void {
  current = mode;
  address = mode === 'server' ? serverUrl : null;
}

/** The whole address of a page of the server (a path such as /enroll), as users type it. */
export function serverPage(path: string): string {
  if (!address) return path;
  return path === '' ? address : path.startsWith('/') ? `${address}${path}` : path;
}

/** True while the app is a server's client. */
export function isServerMode(): boolean {
  return current === 'server';
}
