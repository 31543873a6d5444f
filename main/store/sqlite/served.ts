/**
 * A vault folder behind `factordesk serve --store FOLDER`. The server opens the vault with its
 * own key slot, whose key is derived from the server key file (serverSlotKey): no operator
 * password is needed to start it, and a key file of another store opens nothing (WRONG_KEY).
 * The escrow copy of the key file is also kept beside the database (it is sealed under the
 * recovery key), so a lost key file can be re-created without opening the vault first.
 */
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fail } from '../../core/errors.ts';
import type { Clock, Random } from '../../core/clock.ts';
import { x25519PublicRaw } from '../../core/crypto.ts';
import { writeFileAtomic } from '../../platform/fs-atomic.ts';
import { makeRawKeySlot, readSlotFile, serverSlotKey, SLOT_FILE } from './key-slots.ts';
import { bindServerKey } from './credential-bindings.ts';
import { vaultState, type Vault } from './vault.ts';
import { vaultLock } from './unlock.ts';
import { storeOf, type SqliteStore } from './sqlite-store.ts';

/** The file beside the database that keeps the escrow copy of the server key file. */
export const ESCROW_FILE = 'server-key-escrow.json';

/** True when `dir` holds a vault (complete or not): `server init` then makes it servable instead of creating one. */
export function folderHoldsVault(dir: string): boolean {
  return existsSync(dir) && vaultState(dir) !== 'none';
}

/** The id of the vault in `dir`, read from its slot file (no key needed). */
export function folderVaultId(dir: string): string {
  if (!folderHoldsVault(dir)) fail('VAULT_MISSING', `There is no vault in ${dir}.`);
  return readSlotFile(join(dir, SLOT_FILE)).vaultId;
}

/**
 * Gives an open vault its server slot for the data key `dataKey` (replacing an earlier server
 * slot, e.g. of a `server init` that did not finish), bound in the database in the same step.
 */
export function addServerSlot(vault: Vault, dataKey: Buffer): void {
  const raw = serverSlotKey(dataKey, vault.vaultId);
  const dek = vault.keyForWorker();
  try {
    const slot = makeRawKeySlot(vault.random, vault.vaultId, vault.generation, dek, 'server', raw, new Date(vault.now()), 'server');
    vault.updateSlots((f) => {
      f.slots = f.slots.filter((s) => s.kind !== 'server');
      f.slots.push(slot);
      bindServerKey(vault.db, x25519PublicRaw(raw).toString('base64'));
    });
  } finally {
    dek.fill(0);
    raw.fill(0);
  }
}

/** Keeps the escrow copy beside the vault (owner-only). */
export function writeEscrowFile(dir: string, escrow: string): void {
  writeFileAtomic(join(dir, ESCROW_FILE), escrow, 0o600);
}

/** The escrow copy kept beside the vault, or null when the vault was never set up for a server. */
export function readEscrowFile(dir: string): string | null {
  try {
    return readFileSync(join(dir, ESCROW_FILE), 'utf8');
  } catch {
    return null;
  }
}

/**
 * Opens the served vault in `dir` with the server key file's keys: refused before anything is
 * served when the key file names another store or its key opens no server slot (WRONG_KEY), or
 * the vault was never set up for a server (VAULT_MISSING).
 */
export async function openServedVault(dir: string, keys: { storeId: string; dataKey: Buffer }, clock: Clock, random: Random): Promise<{ vault: Vault; store: SqliteStore }> {
  const vaultId = folderVaultId(dir);
  const slots = readSlotFile(join(dir, SLOT_FILE));
  if (!slots.slots.some((s) => s.kind === 'server')) fail('VAULT_MISSING', 'This vault has not been set up for a server: run "factordesk server init --store FOLDER" first.');
  if (keys.storeId !== vaultId) fail('WRONG_KEY', 'This key file does not belong to this store.');
  const raw = serverSlotKey(keys.dataKey, vaultId);
  try {
    const u = await vaultLock({ dir, clock, random }).unlockServer(raw);
    if (!u) fail('WRONG_KEY', 'This key file does not belong to this store.');
    return { vault: u.handle, store: storeOf(u.handle) };
  } finally {
    raw.fill(0);
  }
}

/** Held by the one `factordesk serve` of a vault folder (its process id, host and start). */
export const SERVE_LOCK_FILE = 'serve.lock';

type ServeLock = { pid: number; host: string; startedAt: number };

function readServeLock(path: string): ServeLock | null {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as Partial<ServeLock>;
    return typeof v.pid === 'number' && typeof v.host === 'string' && typeof v.startedAt === 'number' ? { pid: v.pid, host: v.host, startedAt: v.startedAt } : null;
  } catch {
    return null;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Claims a vault folder for one server: a second `factordesk serve` on the same folder (two
 * writers of one SQLite file and one slot file) is refused with who holds it. A lock left by a
 * server of this host that is no longer running is taken over. Returns the release.
 */
export function claimServedFolder(dir: string, now: number, pid: number = process.pid): () => void {
  const path = join(dir, SERVE_LOCK_FILE);
  const mine: ServeLock = { pid, host: hostname(), startedAt: now };
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      try {
        writeSync(fd, `${JSON.stringify(mine)}\n`);
      } finally {
        closeSync(fd);
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') fail('IO_ERROR', `The vault folder ${dir} cannot be claimed for the server: ${(err as Error).message}`);
      const held = readServeLock(path);
      const stale = held !== null && held.host === mine.host && held.pid !== pid && !processAlive(held.pid);
      if (stale && attempt === 0) {
        rmSync(path, { force: true });
        continue;
      }
      if (held === null) fail('CONFLICT', `The vault folder ${dir} has a server lock (${SERVE_LOCK_FILE}) that cannot be read. If no server runs on this folder, delete that file and start again.`);
      fail('CONFLICT', `The vault folder ${dir} is already served by process ${held.pid} on ${held.host} (since ${new Date(held.startedAt).toISOString()}). One vault folder is for one server: stop that one first, or move to PostgreSQL for more than one instance.`);
    }
  }
  return () => {
    const held = readServeLock(path);
    if (held && held.pid === mine.pid && held.startedAt === mine.startedAt) rmSync(path, { force: true });
  };
}
