import { closeSync, fsyncSync, openSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fail } from '../../core/errors.ts';
import type { Vault } from './vault.ts';
import { openDatabase } from './database.ts';
import { anchorMac, derivedKey, formatRawKey, keyCheckValue, makeRawKeySlot, rewrapSlot, type Slot } from './key-slots.ts';
import { allBindings, bindOnceFromSlots, boundServerKey } from './credential-bindings.ts';
import { crashPoint } from '../../platform/test-hooks.ts';
import { fsyncDir } from '../../platform/fs-atomic.ts';
import { finishJournalRekey, prepareJournalRekey } from './signin-journal.ts';
import { ROTATING_FILE } from './paths.ts';
import { removeHalfRotation, type RekeyProgress } from './rotation-files.ts';

export type { RekeyProgress };

/**
 * Rotates the vault key, crash-safely:
 *  1. new slots for a new key are written BESIDE the old ones (every operator and service slot
 *     is re-wrapped to its public key, so no password is needed; a new recovery slot is made);
 *  2. `VACUUM INTO` writes a copy of the database under the new key beside it (vault.db.rotating,
 *     fsynced, checked by opening it with the new key), while the old file stays as it was;
 *  3. the copy is renamed over the database (one atomic step), and reopened with the new key;
 *  4. only then are the old slots and the old recovery key dropped.
 * Before the rename the old slots open the old file; after it the new slots (written in step 1)
 * open the new one: at every point the slot file opens the database in place. A crash leaves a
 * vault that one of the two slot sets opens; the next open drops the set that does not and the
 * half-written copy (see reconcileGenerations in vault.ts). A failure before the swap takes the
 * new slots and the copy back. The copy is compact (VACUUM) and shares no page with the old file,
 * so the old key opens nothing of it. `onProgress` hears the start and the end of the copy (the
 * app polls `rotationProgress` in between). The audit events around it are the service's
 * (main/core/vault-maintenance.ts).
 */
export function rekeyVault(
  vault: Vault,
  opts: { keepRecovery?: boolean; onProgress?: (p: RekeyProgress) => void } = {},
): { recoveryKey: string | null; generation: number } {
  const keepRecovery = opts.keepRecovery === true;
  const db = vault.db;
  const oldGen = vault.generation;
  const newGen = oldGen + 1;
  const newDek = vault.random.bytes(32);
  const recoveryRaw = keepRecovery ? null : vault.random.bytes(32);
  const now = new Date(vault.now());
  const oldJournalKey = vault.derived('journal');
  const newJournalKey = derivedKey(newDek, vault.vaultId, 'journal');
  const copy = join(vault.dir, ROTATING_FILE);

  // WAL must be off (no WAL beside the file to be replaced), which needs the only connection:
  // that also proves no other process is writing the file the copy is made of.
  const mode = db.pragma('journal_mode = DELETE', { simple: true }) as string;
  if (mode !== 'delete') {
    fail('VAULT_BUSY', 'Another FactorDesk process has the vault open. Close it and rotate the key again.');
  }
  crashPoint('rekey:wal-off');
  removeHalfRotation(vault.dir);

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

  // The slots under the new key, kept to put back should an open by another process in the
  // meantime have taken them for a rotation that stopped (its swap made them the only way in).
  const added: Slot[] = [];
  const kcv = keyCheckValue(newDek, vault.vaultId);
  vault.updateSlots((f) => {
    // After an operator leaves, the recovery key was not exposed: it is carried over (wrapped to
    // its public key like the others) instead of being replaced.
    const keep = f.slots.filter((s) => s.generation === oldGen && (carried(s) || (keepRecovery && s.kind === 'recovery')));
    for (const s of keep) added.push(rewrapSlot(vault.random, vault.vaultId, s, newGen, newDek));
    if (recoveryRaw) added.push(makeRawKeySlot(vault.random, vault.vaultId, newGen, newDek, 'recovery', recoveryRaw, now));
    f.slots.push(...added);
    f.generations[String(newGen)] = { kcv };
    // The journal base gets its MAC under the new key too, beside the old one.
    prepareJournalRekey(vault.dir, oldJournalKey, newJournalKey);
  });
  crashPoint('rekey:new-slots-written');

  const oldDek = vault.keyForWorker();
  let closed = false;
  let swapped = false;
  try {
    const total = statSync(vault.dbPath).size;
    opts.onProgress?.({ done: 0, total });
    const changes = db.pragma('data_version', { simple: true });
    // VACUUM INTO wants a new or empty file: made empty first, so it is private from the start.
    closeSync(openSync(copy, 'wx', 0o600));
    // The copy's cipher and key as URI parameters (URI filenames are on, see database.ts); the
    // key is 64 hex digits, so it cannot change the URI. The statement is never logged.
    const target = `${pathToFileURL(copy).href}?cipher=sqlcipher&legacy=4&key=${encodeURIComponent(`x'${newDek.toString('hex')}'`)}`;
    db.prepare('VACUUM INTO ?').run(target);
    // VACUUM INTO does not sync what it wrote.
    const fd = openSync(copy, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    crashPoint('rekey:copy-written');
    // The copy opens with the new key and is this vault, before anything is swapped.
    const check = openDatabase(copy, newDek, { readonly: true });
    try {
      const id = (check.prepare("SELECT value FROM meta WHERE key = 'vault_id'").get() as { value: string } | undefined)?.value;
      if (id !== vault.vaultId) fail('INTERNAL', 'The copy under the new key does not hold this vault. The vault key was not rotated.');
    } finally {
      check.close();
    }
    if (db.pragma('data_version', { simple: true }) !== changes) {
      fail('VAULT_BUSY', 'Another FactorDesk process changed the vault during the key rotation. Close it and rotate the key again.');
    }
    opts.onProgress?.({ done: statSync(copy).size, total: statSync(copy).size });

    db.close();
    closed = true;
    renameSync(copy, vault.dbPath);
    fsyncDir(vault.dir);
    swapped = true;
    crashPoint('rekey:swapped');
    const reopened = openDatabase(vault.dbPath, newDek);
    vault.replaceKey(reopened, Buffer.from(newDek), newGen);
    crashPoint('rekey:verified');
  } catch (err) {
    if (!swapped) undoRotation(vault, { closed, oldDek, oldGen, newGen, oldJournalKey, newJournalKey });
    oldDek.fill(0);
    newDek.fill(0);
    oldJournalKey.fill(0);
    newJournalKey.fill(0);
    recoveryRaw?.fill(0);
    throw err;
  }
  oldDek.fill(0);

  vault.updateSlots((f) => {
    const present = new Set(f.slots.map((s) => s.id));
    f.slots = [...f.slots.filter((s) => s.generation === newGen), ...added.filter((s) => !present.has(s.id))];
    f.generations = { [String(newGen)]: f.generations[String(newGen)] ?? { kcv } };
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

/**
 * A rotation that failed before its swap: the copy goes, the old file is reopened (if it was
 * closed) and the new key's slots leave the slot file, with the journal's MAC under that key.
 * What cannot be undone here is undone by the next open (reconcileGenerations, removeHalfRotation).
 */
function undoRotation(
  vault: Vault,
  s: { closed: boolean; oldDek: Buffer; oldGen: number; newGen: number; oldJournalKey: Buffer; newJournalKey: Buffer },
): void {
  try {
    removeHalfRotation(vault.dir);
    if (s.closed) vault.replaceKey(openDatabase(vault.dbPath, s.oldDek), Buffer.from(s.oldDek), s.oldGen);
    else vault.db.pragma('journal_mode = WAL');
    vault.updateSlots((f) => {
      f.slots = f.slots.filter((slot) => slot.generation !== s.newGen);
      delete f.generations[String(s.newGen)];
      // The base sealed under the old key alone again.
      finishJournalRekey(vault.dir, s.newJournalKey, s.oldJournalKey);
    });
  } catch {
    /* the next open drops the new slots and the copy */
  }
}
