import type { Vault } from './vault.ts';
import type { TxState } from './tx-state.ts';
import type { CredentialsRepo, Keyring, PreparedCredential, PreparedServiceKey, ServiceKeyInfo } from '../keyring.ts';
import { currentKdf } from '../../core/crypto.ts';
import { formatRawKey, makeOperatorSlot, makeRawKeySlot, openPrivateKey, readSlotFile, sealPrivateKey, writeSlotFile, type Slot, type SlotFile } from './key-slots.ts';

/** What a service key file holds; the service-key unlock reads it back. */
export interface ServiceKeyFile {
  format: 'factordesk.service-key';
  vaultId: string;
  label: string;
  key: string;
}

type SlotChange = (f: SlotFile) => void;

/** A prepared credential of this adapter: the slot-file change it stands for. */
class SlotCredential implements PreparedCredential {
  readonly kind = 'operator-credential' as const;
  readonly operatorId: string;
  readonly change: SlotChange;
  readonly vaultId: string;
  constructor(vaultId: string, operatorId: string, change: SlotChange) {
    this.vaultId = vaultId;
    this.operatorId = operatorId;
    this.change = change;
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
      const slot = await makeOperatorSlot(v.random, v.vaultId, v.generation, dek, operator, password, new Date(v.now()));
      return new SlotCredential(v.vaultId, operator.id, (f) => {
        f.slots = f.slots.filter((s) => s.operatorId !== operator.id);
        f.slots.push(slot);
      });
    } finally {
      dek.fill(0);
    }
  }

  async prepareOwnPasswordChange(operatorId: string, oldPassword: string, newPassword: string): Promise<PreparedCredential | null> {
    const v = this.vault;
    const mine = v.readSlots().slots.filter((s) => s.kind === 'operator' && s.operatorId === operatorId);
    const first = mine[0];
    const priv = first ? await openPrivateKey(v.vaultId, first, oldPassword) : null;
    if (!priv || !first) return null;
    try {
      const sealed = await sealPrivateKey(v.random, v.vaultId, first.keyId, priv, newPassword, currentKdf());
      // The same key pair under a new password: every generation's slot of it stays valid.
      return new SlotCredential(v.vaultId, operatorId, (f) => {
        for (const s of f.slots) if (s.kind === 'operator' && s.operatorId === operatorId && s.keyId === first.keyId) s.privateKey = sealed;
      });
    } finally {
      priv.fill(0);
    }
  }

  async prepareServiceKey(label: string): Promise<{ prepared: PreparedServiceKey; fileContent: string }> {
    const v = this.vault;
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
  private readonly staged: SlotChange[] = [];

  constructor(s: TxState, vault: Vault) {
    this.s = s;
    this.vault = vault;
  }

  private stage(change: SlotChange): void {
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
    this.s.read();
    return serviceKeysIn(readSlotFile(this.vault.slotPath));
  }

  async installOperator(prepared: PreparedCredential): Promise<void> {
    if (!(prepared instanceof SlotCredential) || prepared.vaultId !== this.vault.vaultId) throw new Error('This credential was prepared for another store.');
    this.stage(prepared.change);
  }

  async removeOperator(operatorId: string): Promise<void> {
    this.stage((f) => {
      f.slots = f.slots.filter((s) => s.operatorId !== operatorId);
    });
  }

  async installServiceKey(prepared: PreparedServiceKey): Promise<void> {
    if (!(prepared instanceof ServiceSlot) || prepared.vaultId !== this.vault.vaultId) throw new Error('This service key was prepared for another store.');
    const slot = prepared.slot;
    this.stage((f) => {
      f.slots.push(slot);
    });
  }

  async revokeServiceKey(keyId: string): Promise<void> {
    this.stage((f) => {
      f.slots = f.slots.filter((s) => !(s.kind === 'service' && s.keyId === keyId));
    });
  }
}
