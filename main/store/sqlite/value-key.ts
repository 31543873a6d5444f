/**
 * The vault folder's value key: what store.values seals users' TOTP seeds with. It is 32 random
 * bytes kept in the meta table, so only inside the encrypted database (and its backups), made by
 * migration 0004 and never changed by a key rotation.
 *
 * Why not derived from the database key: a rotation changes that key with PRAGMA rekey, which
 * cannot commit in one step with rows re-sealed under a new value key, so a crash between the two
 * would leave boxes that no key opens. A separate key keeps the rekey as crash-safe as it is. In
 * a solo vault it guards nothing the database encryption does not (whoever unlocks the vault can
 * read it too); what sealing adds there is that each seed is bound to its row, on the same code
 * path as server mode. A vault folder behind a server keeps this key (the solo app on the same
 * folder still reads its seeds); the server's own secrets (operators' second factors, RADIUS
 * secrets) are sealed under the server's data key, as in PostgreSQL.
 */
import type Database from 'better-sqlite3-multiple-ciphers';
import { hkdf } from '../../core/crypto.ts';
import { fail } from '../../core/errors.ts';
import type { Random } from '../../core/clock.ts';
import { createValueCipher, type ValueCipher } from '../../core/value-cipher.ts';

const GENERATION = 'value_key.generation';
const keyName = (generation: number) => `value_key.${generation}`;
/** The key a cipher uses is derived from the stored one for this purpose only. */
const INFO = 'factordesk value key v1';

type Db = Database.Database;

function meta(db: Db, key: string): string | undefined {
  return (db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
}

function cipherFor(root: Buffer, generation: number, random: Random): ValueCipher & { wipe(): void } {
  const key = hkdf(root, INFO);
  root.fill(0);
  try {
    return createValueCipher(key, generation, random);
  } finally {
    key.fill(0);
  }
}

/** Makes the vault's first value key (generation 1) inside the caller's transaction and returns its cipher. */
export function createValueKey(db: Db, random: Random): ValueCipher & { wipe(): void } {
  if (meta(db, GENERATION) !== undefined) fail('VAULT_DAMAGED', 'This vault has a value key already.');
  const root = random.bytes(32);
  const ins = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
  ins.run(GENERATION, '1');
  ins.run(keyName(1), root.toString('hex'));
  return cipherFor(root, 1, random);
}

/** The cipher of the value key in force in this vault. */
export function valueCipherOf(db: Db, random: Random): ValueCipher & { wipe(): void } {
  const generation = Number(meta(db, GENERATION));
  const hex = Number.isInteger(generation) && generation >= 1 ? meta(db, keyName(generation)) : undefined;
  if (hex === undefined || !/^[0-9a-f]{64}$/.test(hex)) fail('VAULT_DAMAGED', 'The vault has no readable value key: its sealed secrets cannot be opened. Restore it from the last backup.');
  return cipherFor(Buffer.from(hex, 'hex'), generation, random);
}
