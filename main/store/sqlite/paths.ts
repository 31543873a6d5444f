import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where the vault lives, shared by the app and the command line, computed without Electron. */
export function defaultVaultDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home: string = homedir()): { dir: string; configured: boolean } {
  if (env.FACTORDESK_VAULT) return { dir: env.FACTORDESK_VAULT, configured: true };
  if (platform === 'win32') return { dir: join(env.APPDATA || join(home, 'AppData', 'Roaming'), 'FactorDesk'), configured: false };
  if (platform === 'darwin') return { dir: join(home, 'Library', 'Application Support', 'FactorDesk'), configured: false };
  return { dir: join(env.XDG_CONFIG_HOME || join(home, '.config'), 'FactorDesk'), configured: false };
}

export const DB_FILE = 'vault.db';
export const JOURNAL_FILE = 'signin-journal.json';
/** The copy of the database under a new key that a key rotation writes before it swaps it in. */
export const ROTATING_FILE = `${DB_FILE}.rotating`;
