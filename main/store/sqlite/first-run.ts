import { chmodSync, existsSync, renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fail } from './errors.ts';
import { systemClock, systemRandom } from './clock.ts';
import { createDatabaseFile } from '../store/sqlite/vault.ts';
import { ensurePrivateDir, setMeta, vaultState, Vault, type VaultEnv } from '../store/sqlite/vault.ts';
import { formatRawKey, keyCheckValue, makeOperatorSlot, makeRawKeySlot, SLOT_FILE, writeSlotFile, type SlotFile } from '../store/sqlite/key-slots.ts';
import { insertOperatorRow, sessionFor, type NewOperator } from './operators.ts';
import { DB_FILE } from '../store/sqlite/paths.ts';
import { foldKey } from './text.ts';
import { assertPassword } from './passwords.ts';
import { openDatabase } from '../store/sqlite/database.ts';
import { fsyncDir } from './fs-atomic.ts';
import type { Session } from './session.ts';
import { crashPoint } from './test-hooks.ts';

/** What first run returns: the open vault, the admin's session and the recovery key, shown once. */
export interface CreatedVault {
  vault: Vault;
  session: Session;
  recoveryKey: string;
}

/**
 * First run: creates the vault folder (owner-only), a random 32-byte database key, the schema,
 * the first admin with their key slot, and a recovery slot whose key is returned once. The
 * database is built under a temporary name and renamed into place last, so a crash leaves
 * either nothing or a complete vault.
 */
export async function createVault(env: VaultEnv, admin: Omit<NewOperator, 'role'>): Promise<CreatedVault> {
  const clock = env.clock ?? systemClock;
  const random = env.random ?? systemRandom;
  if (existsSync(env.dir) && vaultState(env.dir) !== 'none') fail('VAULT_EXISTS', `There is already a vault in ${env.dir}; it was not touched.`);
  assertPassword(admin.password, [admin.name, admin.displayName]);
  ensurePrivateDir(env.dir);
  const vaultId = random.bytes(16).toString('hex');
  const dek = random.bytes(32);
  const tmpDb = join(env.dir, `${DB_FILE}.creating`);
  if (existsSync(tmpDb)) unlinkSync(tmpDb);
  const db = createDatabaseFile(tmpDb, dek);
  const vault = new Vault({ ...env, clock, random }, db, Buffer.from(dek), vaultId, 1);
  const recoveryRaw = random.bytes(32);
  let session: Session;
  try {
    setMeta(db, 'vault_id', vaultId);
    setMeta(db, 'created_at', new Date(clock.now()).toISOString());
    const opId = random.bytes(16).toString('hex');
    const slot = await makeOperatorSlot(random, vaultId, 1, dek, { id: opId, nameKey: foldKey(admin.name) }, admin.password, new Date(clock.now()));
    const slots: SlotFile = {
      format: 'factordesk.keyslots',
      version: 1,
      vaultId,
      generations: { '1': { kcv: keyCheckValue(dek, vaultId) } },
      slots: [slot, makeRawKeySlot(random, vaultId, 1, dek, 'recovery', recoveryRaw, new Date(clock.now()))],
    };
    writeSlotFile(join(env.dir, SLOT_FILE), slots);
    vault.write(
      () => {
        const op = insertOperatorRow(vault, { ...admin, role: 'admin' }, opId);
        vault.audit({ action: 'vault.create', operator: op.name, outcome: 'ok', details: { vaultId } });
        vault.audit({ action: 'operator.add', operator: op.name, outcome: 'ok', details: { name: op.name, role: 'admin' } });
      },
      { anchor: false },
    );
    session = sessionFor(db, opId, clock.now());
    vault.close();
    crashPoint('first-run:before-rename');
    renameSync(tmpDb, join(env.dir, DB_FILE));
    // Owner-only, like the folder (SQLite gives the WAL the same mode).
    if (process.platform !== 'win32') chmodSync(join(env.dir, DB_FILE), 0o600);
    fsyncDir(env.dir);
  } catch (err) {
    vault.close();
    throw err;
  }
  const reopened = new Vault({ ...env, clock, random }, openDatabase(join(env.dir, DB_FILE), dek), dek, vaultId, 1);
  reopened.refreshAnchor({ create: true });
  const recoveryKey = formatRawKey(recoveryRaw);
  recoveryRaw.fill(0);
  return { vault: reopened, session, recoveryKey };
}
