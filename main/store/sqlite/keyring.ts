import type { Vault } from './vault.ts';
import type { TxState } from './tx-state.ts';
import type { CredentialsRepo, Keyring, PreparedCredential, PreparedServiceKey, ServiceKeyInfo } from '../keyring.ts';
import { currentKdf, deriveKek, sha256Hex, x25519PublicRaw, type KdfParams } from '../../core/crypto.ts';
import { getMeta } from './vault.ts';
import type { Db } from './database.ts';
import { formatRawKey, makeOperatorSlot, makeRawKeySlot, openPrivateKey, readSlotFile, writeSlotFile, type Slot, type SlotFile } from './key-slots.ts';
import { bindOperatorKey, bindServiceKey, boundOperatorKey, unbindOperator, unbindServiceKey } from './credential-bindings.ts';

/** What a service key file holds; the service-key unlock reads it back. */
export interface ServiceKeyFile {
  format: 'factordesk.service-key';
  vaultId: string;
  label: string;
  key: string;
}

/**
 * True when the vault has been set up for a server (`server init --store FOLDER`). Then every
 * password set through the services also gets a verifier (the server checks sign-ins against
 * it, never against a key slot: a server-held key opened the vault), and a new service key is a
 * service client (the hash of a random secret) that unwraps nothing.
 */
export function isServedVault(db: Db): boolean {
  return getMeta(db, 'server.key-check') !== undefined;
}

/** A password verifier for a served vault (as the PostgreSQL store keeps them). */
interface Verifier {
  salt: Buffer;
  kdf: KdfParams;
  verifier: Buffer;
  createdAt: number;
}

async function newVerifier(v: Vault, password: string): Promise<Verifier> {
  const salt = v.random.bytes(16);
  const kdf = currentKdf();
  return { salt, kdf, verifier: await deriveKek(password, salt, kdf), createdAt: v.now() };
}

/** Writes (or, with null, drops) an operator's verifier inside the live write transaction. */
export function putVerifier(db: Db, operatorId: string, verifier: Verifier | null): void {
  db.prepare('DELETE FROM operator_password_verifiers WHERE operator_id = ?').run(operatorId);
  if (verifier) {
    db.prepare('INSERT INTO operator_password_verifiers (operator_id, salt, kdf, verifier, created_at) VALUES (?, ?, ?, ?, ?)').run(operatorId, verifier.salt, JSON.stringify(verifier.kdf), verifier.verifier, verifier.createdAt);
  }
}

/** A change to the slot file; `boundKey` is the public key the operator's row was bound to before it. */
type SlotChange = (f: SlotFile, boundKey: string | null) => void;

/** A prepared credential of this adapter: the slot-file change it stands for. */
class SlotCredential implements PreparedCredential {
  readonly kind = 'operator-credential' as const;
  readonly operatorId: string;
  readonly change: SlotChange;
  readonly vaultId: string;
  /** The public key of the new key pair, bound to the operator row when this is installed. */
  readonly publicKey: string;
  /** The password's verifier, made when the vault is served (null in a solo vault). */
  readonly verifier: Verifier | null;
  constructor(vaultId: string, operatorId: string, publicKey: string, change: SlotChange, verifier: Verifier | null) {
    this.verifier = verifier;
    this.vaultId = vaultId;
    this.operatorId = operatorId;
    this.publicKey = publicKey;
    this.change = change;
  }
}

/**
 * Drops every slot of an operator: those naming them, and those of the key pair their row is
 * bound to (a slot whose `operatorId` was edited must not survive the operator's removal).
 */
function dropOperatorSlots(f: SlotFile, operatorId: string, boundKey: string | null): void {
  f.slots = f.slots.filter((s) => !(s.operatorId === operatorId || (s.kind === 'operator' && boundKey !== null && s.publicKey === boundKey)));
}

/** A service client of a served vault: only the hash of its secret is kept (as in PostgreSQL). */
class ServiceClientCredential implements PreparedServiceKey {
  readonly kind = 'service-key' as const;
  readonly keyId: string;
  readonly vaultId: string;
  readonly label: string;
  readonly verifier: Buffer;
  readonly createdAt: string;
  constructor(vaultId: string, keyId: string, label: string, verifier: Buffer, createdAt: string) {
    this.vaultId = vaultId;
    this.keyId = keyId;
    this.label = label;
    this.verifier = verifier;
    this.createdAt = createdAt;
  }
}

class ServiceSlot implements PreparedServiceKey {
  readonly kind = 'service-key' as const;
  readonly keyId: string;
  readonly slot: Slot;
  readonly vaultId: string;
  constructor(vaultId: string, slot: Slot) {
    this.vaultId = vaultId;
    this.keyId = slot.keyId;
    this.slot = slot;
  }
}

/** The vault folder's slow credential work: key slots sealed under scrypt, wrapped to the vault key. */
export class SqliteKeyring implements Keyring {
  private readonly vault: Vault;
  constructor(vault: Vault) {
    this.vault = vault;
  }

  async prepareOperatorCredential(operator: { id: string; nameKey: string }, password: string): Promise<PreparedCredential> {
    const v = this.vault;
    const dek = v.keyForWorker();
    try {
      return await this.newCredential(operator, password, dek);
    } finally {
      dek.fill(0);
    }
  }

  /** A new key pair for `operator` under `password`; installing it drops every slot they had. */
  private async newCredential(operator: { id: string; nameKey: string }, password: string, dek: Buffer): Promise<SlotCredential> {
    const v = this.vault;
    const slot = await makeOperatorSlot(v.random, v.vaultId, v.generation, dek, operator, password, new Date(v.now()));
    const verifier = isServedVault(v.db) ? await newVerifier(v, password) : null;
    return new SlotCredential(
      v.vaultId,
      operator.id,
      slot.publicKey,
      (f, boundKey) => {
        dropOperatorSlots(f, operator.id, boundKey);
        f.slots.push(slot);
      },
      verifier,
    );
  }

  async prepareOwnPasswordChange(operatorId: string, oldPassword: string, newPassword: string): Promise<PreparedCredential | null> {
    const v = this.vault;
    const bound = boundOperatorKey(v.db, operatorId);
    const nameKey = (v.db.prepare('SELECT name_key AS nameKey FROM operators WHERE id = ?').get(operatorId) as { nameKey: string } | undefined)?.nameKey;
    // The current password must open the key pair the operator row is bound to (not just any slot naming them).
    const first = bound === null ? undefined : v.readSlots().slots.find((s) => s.kind === 'operator' && s.publicKey === bound && s.generation === v.generation);
    const priv = first ? await openPrivateKey(v.vaultId, first, oldPassword) : null;
    if (!priv || !first || nameKey === undefined) {
      priv?.fill(0);
      return null;
    }
    const opened = x25519PublicRaw(priv).toString('base64');
    priv.fill(0);
    if (opened !== bound) return null;
    // A new key pair, not the old one re-sealed: a copy of the old slot must not keep working
    // after the next key rotation (until then it still unwraps the current vault key).
    const dek = v.keyForWorker();
    try {
      return await this.newCredential({ id: operatorId, nameKey }, newPassword, dek);
    } finally {
      dek.fill(0);
    }
  }

  async prepareServiceKey(label: string): Promise<{ prepared: PreparedServiceKey; fileContent: string }> {
    const v = this.vault;
    if (isServedVault(v.db)) {
      // A served vault's login services verify through the server: their client unwraps nothing.
      const secret = v.random.bytes(32);
      try {
        const keyId = v.random.bytes(8).toString('hex');
        const prepared = new ServiceClientCredential(v.vaultId, keyId, label, Buffer.from(sha256Hex(secret), 'hex'), new Date(v.now()).toISOString());
        // Used with POST /api/v1/validate (Basic clientId:key), not with `verify --service-key`.
        const file = { format: 'factordesk.service-key', vaultId: v.vaultId, label, clientId: keyId, key: secret.toString('hex') };
        return { prepared, fileContent: JSON.stringify(file, null, 1) + '\n' };
      } finally {
        secret.fill(0);
      }
    }
    const raw = v.random.bytes(32);
    const dek = v.keyForWorker();
    try {
      const slot = makeRawKeySlot(v.random, v.vaultId, v.generation, dek, 'service', raw, new Date(v.now()), label);
      const file: ServiceKeyFile = { format: 'factordesk.service-key', vaultId: v.vaultId, label, key: formatRawKey(raw) };
      return { prepared: new ServiceSlot(v.vaultId, slot), fileContent: JSON.stringify(file, null, 1) + '\n' };
    } finally {
      dek.fill(0);
      raw.fill(0);
    }
  }
}

/** Lists the service keys in a slot file (one entry per key, whatever its generations). */
export function serviceKeysIn(f: SlotFile): ServiceKeyInfo[] {
  const seen = new Map<string, ServiceKeyInfo>();
  for (const s of f.slots) if (s.kind === 'service' && !seen.has(s.keyId)) seen.set(s.keyId, { keyId: s.keyId, label: s.label ?? '', createdAt: s.createdAt });
  return [...seen.values()];
}

/**
 * Credentials of one transaction. Changes are staged and applied to the key-slot file in one
 * read-modify-write just before COMMIT, under the write lock the transaction holds (BEGIN
 * IMMEDIATE), so two processes never interleave slot changes and a rolled-back transaction
 * changes no slot. A failed slot write rolls the transaction back.
 */
export class SqliteCredentials implements CredentialsRepo {
  private readonly s: TxState;
  private readonly vault: Vault;
  private readonly staged: Array<(f: SlotFile) => void> = [];

  constructor(s: TxState, vault: Vault) {
    this.s = s;
    this.vault = vault;
  }

  private stage(change: (f: SlotFile) => void): void {
    this.s.write();
    if (this.staged.length === 0) {
      this.s.beforeCommit.push(() => {
        const f = readSlotFile(this.vault.slotPath);
        for (const c of this.staged) c(f);
        writeSlotFile(this.vault.slotPath, f);
      });
    }
    this.staged.push(change);
  }

  async listServiceKeys(): Promise<ServiceKeyInfo[]> {
    const db = this.s.read();
    const clients = db.prepare('SELECT key_id AS keyId, label, created_at AS createdAt FROM service_clients ORDER BY created_at, key_id').all() as ServiceKeyInfo[];
    return [...serviceKeysIn(readSlotFile(this.vault.slotPath)), ...clients];
  }

  async installOperator(prepared: PreparedCredential): Promise<void> {
    if (!(prepared instanceof SlotCredential) || prepared.vaultId !== this.vault.vaultId) throw new Error('This credential was prepared for another store.');
    const db = this.s.write();
    const before = boundOperatorKey(db, prepared.operatorId);
    bindOperatorKey(db, prepared.operatorId, prepared.publicKey);
    // A password set without a verifier (the vault was not served when it was prepared) must not
    // leave the old password's verifier valid.
    putVerifier(db, prepared.operatorId, prepared.verifier);
    this.stage((f) => prepared.change(f, before));
  }

  async removeOperator(operatorId: string): Promise<void> {
    const db = this.s.write();
    const before = boundOperatorKey(db, operatorId);
    unbindOperator(db, operatorId);
    putVerifier(db, operatorId, null);
    this.stage((f) => dropOperatorSlots(f, operatorId, before));
  }

  async installServiceKey(prepared: PreparedServiceKey): Promise<void> {
    if (prepared instanceof ServiceClientCredential && prepared.vaultId === this.vault.vaultId) {
      this.s.write().prepare('INSERT INTO service_clients (key_id, label, verifier, created_at) VALUES (?, ?, ?, ?)').run(prepared.keyId, prepared.label, prepared.verifier, prepared.createdAt);
      return;
    }
    if (!(prepared instanceof ServiceSlot) || prepared.vaultId !== this.vault.vaultId) throw new Error('This service key was prepared for another store.');
    const slot = prepared.slot;
    bindServiceKey(this.s.write(), slot.keyId, slot.publicKey);
    this.stage((f) => {
      f.slots.push(slot);
    });
  }

  async revokeServiceKey(keyId: string): Promise<void> {
    this.s.write().prepare('DELETE FROM service_clients WHERE key_id = ?').run(keyId);
    unbindServiceKey(this.s.write(), keyId);
    this.stage((f) => {
      f.slots = f.slots.filter((s) => !(s.kind === 'service' && s.keyId === keyId));
    });
  }
}
