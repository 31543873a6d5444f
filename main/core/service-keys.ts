import { fail } from './errors.ts';
import { requireRole } from './roles.ts';
import type { Session } from './session.ts';
import type { Store } from '../store/port.ts';
import type { ServiceKeyInfo } from '../store/keyring.ts';
import { auditAs } from './actions.ts';

export type { ServiceKeyInfo };

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

/** What every door says when a service key would be made: they are retired. */
export const SERVICE_KEYS_RETIRED =
  'Service keys are retired: a service key file unwraps the vault key, so a login service holding one holds everything in the vault. ' +
  'A login service checks codes over POST /api/v1/validate of "factordesk serve" with a service client ("factordesk --server URL service-client create --label L"); ' +
  'a solo site runs "factordesk serve" on its vault, on the same machine, listening on 127.0.0.1 (see the README, Login services).';

/** What verifying with a service key file says: a login service uses the HTTP API instead. */
export const SERVICE_KEY_VERIFY_RETIRED =
  'verify --service-key is retired: a service key file unwraps the vault key. A login service checks codes over the HTTP API, ' +
  'POST /api/v1/validate of "factordesk serve", with a service client (on a solo site, serve runs on the vault, on the same machine, listening on 127.0.0.1); see the README, Login services.';

/** What a slot that remains in a vault made before the retirement is shown with, until it is revoked. */
export const SERVICE_KEY_WARNING = 'this key file unwraps the vault key: revoke it';

/** Refuses to make a service key (every door): SERVICE_KEY_RETIRED, nothing changes. */
export function refuseServiceKeyCreate(): never {
  fail('SERVICE_KEY_RETIRED', SERVICE_KEYS_RETIRED);
}

/**
 * Creates a service key for a login service (admin). Retired: no door calls it any more (they
 * answer with refuseServiceKeyCreate); it stays for tests that need a vault with a service slot,
 * as vaults made before the retirement have.: a random 256-bit key whose credential can
 * open the vault for a session that may only verify codes. The key leaves only in the file
 * content handed to `save`, once; the audit records the label, never the key. Rotating the vault
 * key re-wraps the service slot to the same public key, so the file keeps working after a rotation.
 *
 * One order for every door: the credential is committed (with its audit event) first, then the
 * door saves the file; when the save fails the key is revoked again (audited), so no key can
 * open the vault that nobody holds.
 */
export async function createServiceKey(store: Store, session: Session, label: string, save: (fileContent: string) => void | Promise<void>): Promise<{ keyId: string; label: string }> {
  requireRole(session, 'service-keys:create');
  const clean = validServiceKeyLabel(label);
  const { prepared, fileContent } = await store.keyring.prepareServiceKey(clean);
  const keyId = prepared.keyId;
  await store.write(async (tx) => {
    await tx.credentials.installServiceKey(prepared);
    await auditAs(tx, session, { action: 'service-key.create', outcome: 'ok', details: { label: clean } }, store.clock.now());
  });
  try {
    await save(fileContent);
  } catch (err) {
    await store.write(async (tx) => {
      await tx.credentials.revokeServiceKey(keyId);
      await auditAs(tx, session, { action: 'service-key.revoke', outcome: 'ok', details: { keyId, label: clean, reason: 'the key file could not be saved' } }, store.clock.now());
    });
    throw err;
  }
  return { keyId, label: clean };
}

/** Lists the service keys that can open this vault (admin). */
export async function listServiceKeys(store: Store, session: Session): Promise<ServiceKeyInfo[]> {
  requireRole(session, 'service-keys:create');
  return store.read((tx) => tx.credentials.listServiceKeys());
}

/**
 * Revokes a service key (admin), by key id or label: its credential goes (every key generation),
 * so the key file no longer opens the vault. A service key unwraps the vault key itself, so the
 * door rotates the vault key next (rotateAfterRevocation): copies of the database taken before
 * would stay readable with it otherwise.
 */
export async function revokeServiceKey(store: Store, session: Session, keyIdOrLabel: string): Promise<{ revoked: number; keyId: string; label: string }> {
  requireRole(session, 'service-keys:create');
  const revoked = await store.write(async (tx) => {
    const keys = (await tx.credentials.listServiceKeys()).filter((k) => k.keyId === keyIdOrLabel || k.label === keyIdOrLabel);
    if (keys.length === 0) fail('NOT_FOUND', 'No service key with that id or label.');
    if (keys.length > 1) fail('CONFLICT', 'Several service keys have that label: revoke by key id (see "service-key list").');
    const key = keys[0]!;
    await tx.credentials.revokeServiceKey(key.keyId);
    await auditAs(tx, session, { action: 'service-key.revoke', outcome: 'ok', details: { keyId: key.keyId, label: key.label } }, store.clock.now());
    return key;
  });
  return { revoked: 1, keyId: revoked.keyId, label: revoked.label };
}
