// Where Chromium keeps its profile (Electron's userData: caches, Local State, the single-instance
// lock, preferences) and which session the windows use. Plain TypeScript, tested under Node.
import { createHash } from 'node:crypto';
import { dirname, join, resolve, sep } from 'node:path';

/** The app window's session: no `persist:` prefix, so cookies, storage and caches live in memory only. */
export const APP_PARTITION = 'factordesk-app';
/** The hidden print window's session (in memory too, and apart from the app's). */
export const PRINT_PARTITION = 'factordesk-print';

const PROFILE_NAME = 'FactorDesk Profile';

function norm(p: string, platform: NodeJS.Platform): string {
  const r = resolve(p);
  // Windows and macOS compare file names case-insensitively: "factordesk" is "FactorDesk" there.
  return platform === 'win32' || platform === 'darwin' ? r.toLowerCase() : r;
}

/** True when `a` is `b` or lies inside it (or the other way round). */
function overlaps(a: string, b: string, platform: NodeJS.Platform): boolean {
  const x = norm(a, platform);
  const y = norm(b, platform);
  const within = (inner: string, outer: string) => inner === outer || inner.startsWith(outer.endsWith(sep) ? outer : outer + sep);
  return within(x, y) || within(y, x);
}

/**
 * The Chromium profile folder: `<appData>/FactorDesk Profile`, never the vault folder, inside it
 * or around it (Electron's default, `<appData>/<name>`, is the vault folder itself on Windows and
 * macOS). When the vault is configured somewhere that overlaps it, a sibling of the vault is used.
 */
export function profileDir(appData: string, vaultDir: string, platform: NodeJS.Platform = process.platform): string {
  const preferred = join(appData, PROFILE_NAME);
  if (!overlaps(preferred, vaultDir, platform)) return preferred;
  const vault = resolve(vaultDir);
  const tag = createHash('sha256').update(norm(vault, platform)).digest('hex').slice(0, 8);
  const sibling = join(dirname(vault), `${PROFILE_NAME} ${tag}`);
  if (dirname(vault) === vault || overlaps(sibling, vault, platform)) throw new Error('No folder for the browser profile outside the vault folder.');
  return sibling;
}
