import { fail } from './errors.ts';
import { requireRole } from './roles.ts';
import type { Session } from './session.ts';
import type { Vault } from './vault.ts';
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
