/**
 * Opening a server's store from `--store` and the key file: the store must have been set up
 * by `server init` with this key (its check value opens), so a wrong key file or a store of
 * another server is refused before anything is served. A `--store` that is not a postgres://
 * URL names a vault folder (the embedded store), opened with its server slot.
 */
import { attachAlertOutputs } from '../platform/alert-outputs.ts';
import { fail } from '../core/errors.ts';
import type { Clock, Random } from '../core/clock.ts';
import type { PostgresStore } from '../store/postgres/pg-store.ts';
import { DATA_KEY_GENERATION, keyCheckMatches, type ServerKeys } from './server-key.ts';
import { serverKeyRecords } from '../core/server-auth.ts';
import type { ServerStore } from '../store/port.ts';
import { claimServedFolder, openServedVault } from '../store/sqlite/served.ts';
import { resolve } from 'node:path';

/** What `--store` names: a PostgreSQL database or a vault folder. */
export type StoreArg = { kind: 'postgres'; connectionString: string } | { kind: 'folder'; dir: string };

/**
 * Checks a `--store` value: a PostgreSQL URL without a password (a password on the command line
 * shows in the process list: use PGPASSFILE or PGPASSWORD), or else the path of a vault folder.
 */
export function parseStoreArg(value: string): StoreArg {
  if (/^postgres(ql)?:\/\//i.test(value)) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      fail('BAD_REQUEST', 'The --store URL cannot be read: write postgres://USER@HOST[:PORT]/DATABASE.');
    }
    if (url.password !== '' || url.searchParams.has('password')) {
      fail('BAD_REQUEST', 'Do not put the database password in --store (it shows in the process list): use a PGPASSFILE or the PGPASSWORD environment variable.');
    }
    return { kind: 'postgres', connectionString: value };
  }
  if (value.length === 0 || value.length > 4096 || value.includes('\0') || /[\p{Cc}]/u.test(value)) fail('BAD_REQUEST', 'The --store folder name is not a usable path.');
  return { kind: 'folder', dir: resolve(value) };
}

/**
 * Claims the store for this server process: a vault folder takes one server (a second `serve`
 * on it is refused); PostgreSQL takes any number. Returns the release, run after the store closed.
 */
export function claimStoreForServe(value: string, now: number): () => void {
  const arg = parseStoreArg(value);
  return arg.kind === 'folder' ? claimServedFolder(arg.dir, now) : () => {};
}

/** Refuses a folder where only PostgreSQL will do (a command that opens the store without its key). */
function postgresOnly(value: string): { kind: 'postgres'; connectionString: string } {
  const s = parseStoreArg(value);
  if (s.kind === 'folder') fail('BAD_REQUEST', 'A vault folder opens only with the server key file: give --key-file FILE too.');
  return s;
}

/**
 * Opens the store named by `--store` (migrating it), without checking keys: its secrets are
 * sealed and opened with `dataKey` (null: this process opens none, e.g. to recover the key file).
 */
export async function openServerStore(value: string, dataKey: Buffer | null, clock: Clock, random: Random): Promise<PostgresStore> {
  const s = postgresOnly(value);
  try {
    // Loaded here: the PostgreSQL client is not needed by the commands that never open this store.
    const { openPostgresStore } = await import('../store/postgres/pg-store.ts');
    const store = await openPostgresStore({ connectionString: s.connectionString, clock, random, valueKey: dataKey, valueKeyGeneration: DATA_KEY_GENERATION });
    // Server mode: alerts go to the alert log and, when configured, to syslog.
    attachAlertOutputs(store, { syslog: true });
    return store;
  } catch (err) {
    const e = err as { code?: string; message?: string };
    if (e.code === 'ECONNREFUSED' || e.code === 'ENOENT') fail('VAULT_MISSING', 'The database server cannot be reached: check that PostgreSQL runs and the --store address.');
    if (e.code === '28P01' || e.code === '28000') fail('SIGNIN_FAILED', 'The database refused the sign-in: check the role in --store and the password in PGPASSFILE or PGPASSWORD.');
    // No password to answer the database's SCRAM sign-in with (pg's own words: "SASL: ... client password must be a string").
    if (/^SASL: .*password must be a (non-empty )?string/.test(e.message ?? '')) fail('SIGNIN_FAILED', 'The database asks for a password: put it in a PGPASSFILE or the PGPASSWORD environment variable (never in --store).');
    if (e.code === '3D000') fail('VAULT_MISSING', 'The database named in --store does not exist: create it first (createdb).');
    fail('IO_ERROR', `The database cannot be opened: ${e.message ?? 'unknown error'}`);
  }
}

/**
 * Opens a set-up store with its keys: refused when the store was never set up or the key file
 * belongs elsewhere. Secrets an earlier build kept in clear are sealed now, with the checked key.
 */
export async function openKeyedStore(value: string, keys: ServerKeys, clock: Clock, random: Random): Promise<ServerStore> {
  const arg = parseStoreArg(value);
  if (arg.kind === 'folder') return openKeyedFolder(arg.dir, keys, clock, random);
  const store = await openServerStore(value, keys.dataKey, clock, random);
  try {
    const rec = await serverKeyRecords(store);
    if (!rec) fail('VAULT_MISSING', 'This store has not been set up for a server: run "factordesk server init" first.');
    if (keys.storeId !== store.storeId || !keyCheckMatches(keys, rec.keyCheck)) fail('WRONG_KEY', 'This key file does not belong to this store.');
    await store.sealLegacySecrets();
    return store;
  } catch (err) {
    await store.close();
    throw err;
  }
}

/**
 * A served vault folder with its keys: the server slot opens the vault (the key file's store id
 * must be the vault id), then the key check must match, as for PostgreSQL.
 */
async function openKeyedFolder(dir: string, keys: ServerKeys, clock: Clock, random: Random): Promise<ServerStore> {
  const { store } = await openServedVault(dir, keys, clock, random);
  try {
    // A server that cannot write would refuse every sign-in: say so before it starts.
    if (store.readOnly) fail('VAULT_READ_ONLY', `The vault folder ${dir} cannot be written (${store.readOnly === 'folder' ? 'a read-only folder' : 'a full disk'}): a server needs to write it.`, { reason: store.readOnly });
    const rec = await serverKeyRecords(store);
    if (!rec) fail('VAULT_MISSING', 'This store has not been set up for a server: run "factordesk server init" first.');
    if (!keyCheckMatches(keys, rec.keyCheck)) fail('WRONG_KEY', 'This key file does not belong to this store.');
    attachAlertOutputs(store, { syslog: true });
    return store;
  } catch (err) {
    await store.close();
    throw err;
  }
}
