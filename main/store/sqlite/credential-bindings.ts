// Which key pair belongs to which operator (and which service keys exist), kept in the encrypted
// database. The slot file is read before anything is authenticated and anyone who can open the
// vault can rewrite it, so its `operatorId`, `label` and `publicKey` fields only say where to
// look: who signed in is the operator whose row is bound to the public key that the typed
// password's private key derives, and a key rotation re-wraps only bound keys.
import type { Db } from './database.ts';
import { getMeta, setMeta } from './vault.ts';
import type { SlotFile } from './key-slots.ts';

const OPERATOR = 'credential.operator:';
const SERVICE = 'credential.service:';
/** The public key of the vault's server slot (one at most), bound like an operator's. */
const SERVER = 'credential.server';
/** Set once every credential of the vault is bound (at first run, or once after an upgrade). */
const BOUND = 'credential.bound';

/** Binds an operator to the public key of their (only) key pair. */
export function bindOperatorKey(db: Db, operatorId: string, publicKey: string): void {
  setMeta(db, OPERATOR + operatorId, publicKey);
}

/** Drops an operator's binding: no key pair signs them in any more. */
export function unbindOperator(db: Db, operatorId: string): void {
  db.prepare('DELETE FROM meta WHERE key = ?').run(OPERATOR + operatorId);
}

/** The public key an operator is bound to, or null. */
export function boundOperatorKey(db: Db, operatorId: string): string | null {
  return getMeta(db, OPERATOR + operatorId) ?? null;
}

/** The operator bound to `publicKey`, or null (a key pair nobody is bound to signs nobody in). */
export function operatorForKey(db: Db, publicKey: string): string | null {
  const rows = db.prepare("SELECT key FROM meta WHERE key LIKE 'credential.operator:%' AND value = ?").all(publicKey) as Array<{ key: string }>;
  // One key pair is one operator's: two rows naming it are not an answer.
  return rows.length === 1 ? rows[0]!.key.slice(OPERATOR.length) : null;
}

/** Binds a service key (by key id) to its public key. */
export function bindServiceKey(db: Db, keyId: string, publicKey: string): void {
  setMeta(db, SERVICE + keyId, publicKey);
}

/** Drops a service key's binding. */
export function unbindServiceKey(db: Db, keyId: string): void {
  db.prepare('DELETE FROM meta WHERE key = ?').run(SERVICE + keyId);
}

/** Binds the vault's server slot (replacing an earlier one). */
export function bindServerKey(db: Db, publicKey: string): void {
  setMeta(db, SERVER, publicKey);
}

/** The public key of the server slot the vault is bound to, or null (not set up for a server). */
export function boundServerKey(db: Db): string | null {
  return getMeta(db, SERVER) ?? null;
}

/** Every binding: operator id → public key, service key id → public key. */
export function allBindings(db: Db): { operators: Map<string, string>; services: Map<string, string> } {
  const rows = db.prepare("SELECT key, value FROM meta WHERE key LIKE 'credential.%:%'").all() as Array<{ key: string; value: string }>;
  const operators = new Map<string, string>();
  const services = new Map<string, string>();
  for (const r of rows) {
    if (r.key.startsWith(OPERATOR)) operators.set(r.key.slice(OPERATOR.length), r.value);
    else if (r.key.startsWith(SERVICE)) services.set(r.key.slice(SERVICE.length), r.value);
  }
  return { operators, services };
}

/** Marks the vault's credentials as bound (first run binds its admin itself). */
export function markBound(db: Db): void {
  setMeta(db, BOUND, '1');
}

/**
 * A vault made before credentials were bound: binds, once, the slots the file holds now (an
 * operator slot only to the row with its id and sign-in name, that is not removed). This one
 * step has to trust the file as it is at the upgrade; from then on it never does.
 */
export function bindOnceFromSlots(db: Db, file: SlotFile): boolean {
  if (getMeta(db, BOUND) !== undefined) return false;
  db.transaction(() => {
    if (getMeta(db, BOUND) !== undefined) return;
    const rows = db.prepare("SELECT id, name_key AS nameKey FROM operators WHERE status != 'removed'").all() as Array<{ id: string; nameKey: string }>;
    const byId = new Map(rows.map((r) => [r.id, r.nameKey]));
    for (const s of file.slots) {
      if (s.kind === 'operator' && s.operatorId && byId.get(s.operatorId) === s.label && boundOperatorKey(db, s.operatorId) === null) bindOperatorKey(db, s.operatorId, s.publicKey);
      if (s.kind === 'service') bindServiceKey(db, s.keyId, s.publicKey);
    }
    markBound(db);
  }).immediate();
  return true;
}
