import { chmodSync, existsSync, renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fail } from '../../core/errors.ts';
import { systemClock, systemRandom } from '../../core/clock.ts';
import { createDatabaseFile, ensurePrivateDir, setMeta, vaultState, Vault, type VaultEnv } from './vault.ts';
import { formatRawKey, keyCheckValue, makeOperatorSlot, makeRawKeySlot, SLOT_FILE, writeSlotFile, type SlotFile } from './key-slots.ts';
import { DB_FILE } from './paths.ts';
import { bindOperatorKey, markBound } from './credential-bindings.ts';
import { openDatabase } from './database.ts';
import { fsyncDir } from '../../platform/fs-atomic.ts';
import { crashPoint } from '../../platform/test-hooks.ts';
import { storeOf } from './sqlite-store.ts';
import type { Unlocked, VaultCreator } from '../vault-lock.ts';
import type { Store } from '../port.ts';
import type { Session } from '../../core/session.ts';
import { firstRun } from '../../core/first-run.ts';
import type { SiteBasics } from '../../core/settings.ts';
import type { NewOperator } from '../../core/operators.ts';

/**
 * First run in a vault folder: creates the folder (owner-only), a random 32-byte database key,
 * the schema, the first admin's key slot, and a recovery slot whose key is returned once. The
 * database is built under a temporary name and renamed into place last, so a crash leaves
 * either nothing or a complete vault.
 */
export class SqliteVaultCreator implements VaultCreator<Vault> {
  private readonly env: VaultEnv;
  constructor(env: VaultEnv) {
    this.env = env;
  }

  requireEmpty(): void {
    if (existsSync(this.env.dir) && vaultState(this.env.dir) !== 'none') fail('VAULT_EXISTS', `There is already a vault in ${this.env.dir}; it was not touched.`);
  }

  close(u: Unlocked<Vault>): void {
    u.handle.close();
  }

  async create(admin: { nameKey: string; password: string }, populate: (store: Store, adminId: string) => Promise<void>): Promise<{ unlocked: Unlocked<Vault>; adminId: string; recoveryKey: string }> {
    const env = this.env;
    const clock = env.clock ?? systemClock;
    const random = env.random ?? systemRandom;
    this.requireEmpty();
    ensurePrivateDir(env.dir);
    const vaultId = random.bytes(16).toString('hex');
    const dek = random.bytes(32);
    const tmpDb = join(env.dir, `${DB_FILE}.creating`);
    if (existsSync(tmpDb)) unlinkSync(tmpDb);
    const db = createDatabaseFile(tmpDb, dek);
    const vault = new Vault({ ...env, clock, random }, db, Buffer.from(dek), vaultId, 1);
    const recoveryRaw = random.bytes(32);
    const adminId = random.bytes(16).toString('hex');
    try {
      setMeta(db, 'vault_id', vaultId);
      setMeta(db, 'created_at', new Date(clock.now()).toISOString());
      const slot = await makeOperatorSlot(random, vaultId, 1, dek, { id: adminId, nameKey: admin.nameKey }, admin.password, new Date(clock.now()));
      const slots: SlotFile = {
        format: 'factordesk.keyslots',
        version: 1,
        vaultId,
        generations: { '1': { kcv: keyCheckValue(dek, vaultId) } },
        slots: [slot, makeRawKeySlot(random, vaultId, 1, dek, 'recovery', recoveryRaw, new Date(clock.now()))],
      };
      writeSlotFile(join(env.dir, SLOT_FILE), slots);
      // The admin's row is bound to their key pair; every later credential is bound as it is installed.
      bindOperatorKey(db, adminId, slot.publicKey);
      markBound(db);
      // No anchor yet: it is created on the renamed database below.
      await populate(storeOf(vault), adminId);
      vault.close();
      crashPoint('first-run:before-rename');
      renameSync(tmpDb, join(env.dir, DB_FILE));
      // Owner-only, like the folder (SQLite gives the WAL the same mode).
      if (process.platform !== 'win32') chmodSync(join(env.dir, DB_FILE), 0o600);
      fsyncDir(env.dir);
    } catch (err) {
      vault.close();
      recoveryRaw.fill(0);
      throw err;
    }
    const reopened = new Vault({ ...env, clock, random }, openDatabase(join(env.dir, DB_FILE), dek), dek, vaultId, 1);
    reopened.refreshAnchor({ create: true });
    const recoveryKey = formatRawKey(recoveryRaw);
    recoveryRaw.fill(0);
    return { unlocked: { handle: reopened, store: storeOf(reopened), operatorId: adminId }, adminId, recoveryKey };
  }
}

/** What first run returns: the open vault, its store, the admin's session and the recovery key, shown once. */
export interface CreatedVault {
  vault: Vault;
  store: Store;
  session: Session;
  recoveryKey: string;
}

/** First run in the folder `env.dir` (composition roots and tests). */
export async function createVault(env: VaultEnv, admin: Omit<NewOperator, 'role'>, site: SiteBasics = {}): Promise<CreatedVault> {
  const r = await firstRun(new SqliteVaultCreator(env), admin, site);
  return { vault: r.unlocked.handle, store: r.store, session: r.session, recoveryKey: r.recoveryKey };
}
