import { fail } from '../../core/errors.ts';
import type { Vault } from './vault.ts';
import { openDatabase } from './database.ts';
import { anchorMac, derivedKey, formatRawKey, keyCheckValue, makeRawKeySlot, rewrapSlot, type Slot } from './key-slots.ts';
import { allBindings, bindOnceFromSlots, boundServerKey } from './credential-bindings.ts';
import { crashPoint } from '../../platform/test-hooks.ts';
import { finishJournalRekey, prepareJournalRekey } from './signin-journal.ts';

/**
 * Rotates the vault key, crash-safely:
 *  1. new slots for a new key are written BESIDE the old ones (every operator and service slot
 *     is re-wrapped to its public key, so no password is needed; a new recovery slot is made);
 *  2. the database is rekeyed (WAL off for it, then back on);
 *  3. the new key is verified by reopening;
 *  4. only then are the old slots and the old recovery key dropped.
 * A crash at any point leaves a vault that one of the two slot sets opens; the next open drops
 * the set that does not (see reconcileGenerations in vault.ts). The audit events around it are
 * the service's (main/core/vault-maintenance.ts).
 */
export function rekeyVault(vault: Vault, opts: { keepRecovery?: boolean } = {}): { recoveryKey: string | null; generation: number } {
  const keepRecovery = opts.keepRecovery === true;
  const db = vault.db;
  const oldGen = vault.generation;
  const newGen = oldGen + 1;
  const newDek = vault.random.bytes(32);
  const recoveryRaw = keepRecovery ? null : vault.random.bytes(32);
  const now = new Date(vault.now());
  const oldJournalKey = vault.derived('journal');
  const newJournalKey = derivedKey(newDek, vault.vaultId, 'journal');

  // WAL must be off for the rekey, which needs the only connection: check that first.
  const mode = db.pragma('journal_mode = DELETE', { simple: true }) as string;
  if (mode !== 'delete') {
    fail('VAULT_BUSY', 'Another FactorDesk process has the vault open. Close it and rotate the key again.');
  }
  crashPoint('rekey:wal-off');

  // Only key pairs the database binds to an active operator or a service key are carried over:
  // a slot added or renamed in the file by someone who held the old key stays behind with it.
  bindOnceFromSlots(db, vault.readSlots());
  const bound = allBindings(db);
  // A served vault's server slot is carried too: the key file keeps opening it after a rotation.
  const serverKey = boundServerKey(db);
  const active = new Set((db.prepare("SELECT id FROM operators WHERE status = 'active'").all() as Array<{ id: string }>).map((r) => r.id));
  const operatorKeys = new Set([...bound.operators].filter(([id]) => active.has(id)).map(([, pub]) => pub));
  const carried = (s: Slot): boolean =>
    s.kind === 'operator' ? operatorKeys.has(s.publicKey) : s.kind === 'service' ? bound.services.get(s.keyId) === s.publicKey : s.kind === 'server' ? serverKey === s.publicKey : false;

  vault.updateSlots((f) => {
    // After an operator leaves, the recovery key was not exposed: it is carried over (wrapped to
    // its public key like the others) instead of being replaced.
    const keep = f.slots.filter((s) => s.generation === oldGen && (carried(s) || (keepRecovery && s.kind === 'recovery')));
    for (const s of keep) f.slots.push(rewrapSlot(vault.random, vault.vaultId, s, newGen, newDek));
    if (recoveryRaw) f.slots.push(makeRawKeySlot(vault.random, vault.vaultId, newGen, newDek, 'recovery', recoveryRaw, now));
    f.generations[String(newGen)] = { kcv: keyCheckValue(newDek, vault.vaultId) };
    // The journal base gets its MAC under the new key too, beside the old one.
    prepareJournalRekey(vault.dir, oldJournalKey, newJournalKey);
  });
  crashPoint('rekey:new-slots-written');

  db.pragma(`rekey="x'${newDek.toString('hex')}'"`);
  crashPoint('rekey:database-rekeyed');

  // Verify by reopening with the new key before anything old is dropped.
  db.close();
  const reopened = openDatabase(vault.dbPath, newDek);
  vault.replaceKey(reopened, Buffer.from(newDek), newGen);
  crashPoint('rekey:verified');

  vault.updateSlots((f) => {
    f.slots = f.slots.filter((s) => s.generation === newGen);
    f.generations = { [String(newGen)]: f.generations[String(newGen)]! };
    if (f.anchor) f.anchor.mac = anchorMac(derivedKey(newDek, vault.vaultId, 'anchor'), vault.vaultId, f.anchor.count, f.anchor.hash);
    // Re-seal the sign-in journal under the new key in the same step (else every rotation
    // would be reported as a journal changed outside FactorDesk at the next sign-in).
    finishJournalRekey(vault.dir, oldJournalKey, newJournalKey);
  });
  oldJournalKey.fill(0);
  newJournalKey.fill(0);
  crashPoint('rekey:old-slots-dropped');
  newDek.fill(0);
  const recoveryKey = recoveryRaw ? formatRawKey(recoveryRaw) : null;
  recoveryRaw?.fill(0);
  return { recoveryKey, generation: newGen };
}
