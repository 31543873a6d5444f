import { fail } from './errors.ts';
import { requireRole } from './roles.ts';
import type { Session } from './session.ts';
import type { Vault } from '../store/sqlite/vault.ts';
import { formatRawKey, makeRawKeySlot } from './key-slots.ts';

/** What a service key file holds; `unlockWithServiceKey` (signin.ts) reads it back. */
export interface ServiceKeyFile {
  format: 'factordesk.service-key';
  vaultId: string;
  label: string;
  key: string;
}

export const MAX_SERVICE_KEY_LABEL = 64;
// No control, bidi or separator characters: the label is shown in the audit and exports.
const LABEL_RE = /^[\p{L}\p{N}][\p{L}\p{N} ._@:/-]*$/u;

/** Validates a service key label (1–64 letters, digits, spaces and . _ @ : / -). */
export function validServiceKeyLabel(label: unknown): string {
  if (typeof label !== 'string') fail('BAD_REQUEST', 'The service key label must be text.', { field: 'label' });
  const s = label.trim().normalize('NFC');
  if (s.length === 0 || s.length > MAX_SERVICE_KEY_LABEL || !LABEL_RE.test(s)) {
    fail('BAD_REQUEST', `A service key label is 1–${MAX_SERVICE_KEY_LABEL} letters, digits, spaces, dots, underscores, @, :, / or hyphens.`, { field: 'label' });
  }
  return s;
}

/**
 * Creates a service key for a login service (admin): a random 256-bit key whose slot can open
 * the vault for a session that may only verify codes. The key leaves only in the returned file
 * content, once; the audit records the label, never the key. Rotating the vault key re-wraps
 * the service slot to the same public key, so the file keeps working after a rotation.
 */
export function createServiceKey(vault: Vault, session: Session, label: string, persist?: (fileContent: string) => void): { fileContent: string } {
  requireRole(session, 'service-keys:create');
  const clean = validServiceKeyLabel(label);
  const raw = vault.random.bytes(32);
  const dek = vault.keyForWorker();
  try {
    const slot = makeRawKeySlot(vault.random, vault.vaultId, vault.generation, dek, 'service', raw, new Date(vault.now()), clean);
    const file: ServiceKeyFile = { format: 'factordesk.service-key', vaultId: vault.vaultId, label: clean, key: formatRawKey(raw) };
    const fileContent = JSON.stringify(file, null, 1) + '\n';
    // The key file is saved before its slot exists: a failed save adds no slot nobody can use.
    persist?.(fileContent);
    vault.write(() => {
      vault.updateSlots((f) => {
        f.slots.push(slot);
      });
      vault.audit({ action: 'service-key.create', operator: session.name, outcome: 'ok', details: { label: clean } });
    });
    return { fileContent };
  } finally {
    dek.fill(0);
    raw.fill(0);
  }
}

/** A service key as listed for admins (no key material). */
export interface ServiceKeyInfo {
  keyId: string;
  label: string;
  createdAt: string;
}

/** Lists the service keys that can open this vault (admin). */
export function listServiceKeys(vault: Vault, session: Session): ServiceKeyInfo[] {
  requireRole(session, 'service-keys:create');
  const seen = new Map<string, ServiceKeyInfo>();
  for (const s of vault.readSlots().slots) {
    if (s.kind === 'service' && !seen.has(s.keyId)) seen.set(s.keyId, { keyId: s.keyId, label: s.label ?? '', createdAt: s.createdAt });
  }
  return [...seen.values()];
}

/**
 * Revokes a service key (admin), by key id or label: its slots go (every key generation), so the
 * key file no longer opens the vault. A service key unwraps the vault key itself, so after a
 * leak also rotate the vault key: copies of the database taken before stay readable with it.
 */
export function revokeServiceKey(vault: Vault, session: Session, keyIdOrLabel: string): { revoked: number } {
  requireRole(session, 'service-keys:create');
  const keys = listServiceKeys(vault, session).filter((k) => k.keyId === keyIdOrLabel || k.label === keyIdOrLabel);
  if (keys.length === 0) fail('NOT_FOUND', 'No service key with that id or label.');
  if (keys.length > 1) fail('CONFLICT', 'Several service keys have that label: revoke by key id (see "service-key list").');
  const keyId = keys[0]!.keyId;
  vault.write(() => {
    vault.updateSlots((f) => {
      f.slots = f.slots.filter((s) => !(s.kind === 'service' && s.keyId === keyId));
    });
    vault.audit({ action: 'service-key.revoke', operator: session.name, outcome: 'ok', details: { keyId, label: keys[0]!.label } });
  });
  return { revoked: 1 };
}
