import type { Session } from './session.ts';
import type { Store } from '../store/port.ts';
import type { Unlocked, VaultCreator } from '../store/vault-lock.ts';
import { checkNewOperator, insertOperator, sessionFor, type NewOperator } from './operators.ts';
import { auditAs } from './actions.ts';
import { checkSiteBasics, putSiteBasics, type SiteBasics } from './settings.ts';

/** What first run returns: the unlocked store, the admin's session and the recovery key, shown once. */
export interface FirstRun<H> {
  unlocked: Unlocked<H>;
  store: Store;
  session: Session;
  recoveryKey: string;
}

/**
 * First run: a new store with the first admin (and their credential) and a recovery key that
 * is returned once, and the site's name and support contact when given. The adapter makes the store appear only when all of it succeeded; the first
 * events of the audit chain say who created it.
 */
export async function firstRun<H>(creator: VaultCreator<H>, admin: Omit<NewOperator, 'role'>, site: SiteBasics = {}): Promise<FirstRun<H>> {
  creator.requireEmpty();
  const op = await checkNewOperator({ ...admin, role: 'admin' });
  const basics = checkSiteBasics(site);
  const { unlocked, adminId, recoveryKey } = await creator.create({ nameKey: op.nameKey, password: admin.password }, async (store, id) => {
    await store.write(async (tx) => {
      const now = store.clock.now();
      const row = await insertOperator(tx, op, id, now);
      await tx.audit.append({ action: 'vault.create', operator: row.name, outcome: 'ok', details: { vaultId: store.storeId } }, now);
      await tx.audit.append({ action: 'operator.add', operator: row.name, outcome: 'ok', details: { name: row.name, role: 'admin' } }, now);
      // The organisation and support contact asked at first run, audited like any settings change.
      const changed = await putSiteBasics(tx, basics, now);
      if (changed.length > 0) await tx.audit.append({ action: 'settings.update', operator: row.name, outcome: 'ok', details: { changed } }, now);
    });
  });
  const { store } = unlocked;
  try {
    const session = await store.read((tx) => sessionFor(tx, adminId, store.clock.now()));
    return { unlocked, store, session, recoveryKey };
  } catch (err) {
    creator.close(unlocked);
    throw err;
  }
}

/** Records that the operator confirmed the recovery key is stored safely (shown once at first run or rotation). */
export async function recordRecoveryKeyStored(store: Store, session: Session): Promise<void> {
  await store.write(async (tx) => {
    await auditAs(tx, session, { action: 'vault.recovery-key-stored', outcome: 'ok' }, store.clock.now());
  });
}
