// Vault maintenance as services over the maintenance port (main/store/vault-admin.ts): who may
// back up, check, rotate or restore, and the audit event each leaves. The file and key work
// itself is the adapter's.
import { FactorDeskError, fail } from './errors.ts';
import { requireRole } from './roles.ts';
import type { Session, Via } from './session.ts';
import type { Store } from '../store/port.ts';
import type { BackupContents, BackupCredential, BackupSource, BackupSummary, BackupTarget, CredentialSummary, RotateKeyOptions, VaultAdmin, VaultFolder } from '../store/vault-admin.ts';
import type { AuditInput } from './audit.ts';
import type { VaultInfo, VaultUpkeep } from '../../contract/index.ts';
import { auditAs } from './actions.ts';

/** Backs the vault up to `target` (admin) and audits it with the file's name and size. */
export async function backupVault(store: Store, admin: VaultAdmin, session: Session, target: BackupTarget): Promise<{ bytes: number }> {
  requireRole(session, 'vault:backup');
  const { bytes } = await admin.backup(target);
  await store.write((tx) => auditAs(tx, session, { action: 'vault.backup', outcome: 'ok', details: { file: target.name, bytes } }, store.clock.now()));
  return { bytes };
}

/** Integrity check on demand (admin): the engine's check plus the cipher's page MACs; audited as ok or problems. */
export async function checkVaultIntegrity(store: Store, admin: VaultAdmin, session: Session): Promise<{ ok: boolean; problems: string[] }> {
  requireRole(session, 'vault:integrity');
  let problems: string[];
  try {
    problems = await admin.integrityCheck();
  } catch (err) {
    problems = [err instanceof FactorDeskError ? err.message : 'The database could not be read to the end.'];
  }
  await store.write((tx) => auditAs(tx, session, { action: 'vault.integrity-check', outcome: problems.length ? 'problems' : 'ok', details: { problems: problems.length } }, store.clock.now()));
  return { ok: problems.length === 0, problems: problems.slice(0, 50) };
}

/** What the admin's vault page shows: where it is, cipher, schema, key generation, size, counts and upkeep. */
export async function vaultInfo(store: Store, admin: VaultAdmin, session: Session): Promise<VaultInfo> {
  requireRole(session, 'vault:info');
  const { location, ...d } = await admin.describe();
  return { dir: location, ...d, upkeep: await vaultUpkeep(store) };
}

/**
 * The vault's upkeep as its audit log records it: the latest backup, integrity check and chain
 * verification (whichever door ran them), and the notifications not yet sent or exported.
 */
export async function vaultUpkeep(store: Store): Promise<VaultUpkeep> {
  return store.read(async (tx) => {
    const latest = async (action: string) => (await tx.audit.list({ action, limit: 1 }))[0] ?? null;
    const [backup, integrity, verify] = [await latest('vault.backup'), await latest('vault.integrity-check'), await latest('audit.verify')];
    const str = (v: unknown) => (typeof v === 'string' ? v : null);
    const num = (v: unknown) => (typeof v === 'number' ? v : null);
    return {
      lastBackup: backup ? { at: backup.at, file: str(backup.details.file), bytes: num(backup.details.bytes) } : null,
      lastIntegrityCheck: integrity ? { at: integrity.at, ok: integrity.outcome === 'ok' } : null,
      lastAuditVerify: verify ? { at: verify.at, ok: verify.outcome === 'ok' } : null,
      outboxPending: await tx.outbox.pendingCount(),
    };
  });
}

/** Who hears how far a key rotation's copy has come (bytes done of the total). */
export type RotationProgress = Pick<RotateKeyOptions, 'onProgress'>;

/**
 * Rotates the vault key (admin): the start is audited first (so a rotation that stops half-way
 * is on record), then the adapter's crash-safe rotation, then its end. Returns the new recovery
 * key once.
 */
export async function rotateVaultKey(store: Store, admin: VaultAdmin, session: Session, opts: RotationProgress = {}): Promise<{ recoveryKey: string; generation: number }> {
  requireRole(session, 'vault:rekey');
  await store.write((tx) => auditAs(tx, session, { action: 'vault.rekey.start', outcome: 'ok', details: { generation: admin.keyGeneration + 1 } }, store.clock.now()));
  const r = await admin.rotateKey({ onProgress: opts.onProgress });
  await store.write((tx) => auditAs(tx, session, { action: 'vault.rekey', outcome: 'ok', details: { generation: r.generation } }, store.clock.now()));
  if (r.recoveryKey === null) fail('INTERNAL', 'The key rotation made no recovery key.');
  return { recoveryKey: r.recoveryKey, generation: r.generation };
}

/** Why a key slot went: an operator disabled or removed, or a service key revoked. */
export type Revocation = { operator: string; change: 'disable' | 'remove' } | { serviceKey: string; change: 'revoke' };

/**
 * Rotates the vault key after an operator was disabled or removed, or a service key revoked
 * (admin), so a copy of the old key slot stops opening the vault once the files are rewritten.
 * The recovery key is carried over (it was not exposed); audited like a rotation, with the reason.
 */
export async function rotateAfterRevocation(store: Store, admin: VaultAdmin, session: Session, reason: Revocation, opts: RotationProgress = {}): Promise<{ generation: number }> {
  requireRole(session, 'vault:rekey');
  const why = 'serviceKey' in reason ? { reason: 'service-key.revoke', name: reason.serviceKey } : { reason: `operator.${reason.change}`, name: reason.operator };
  const details = { generation: admin.keyGeneration + 1, ...why, recoveryKeyKept: true };
  await store.write((tx) => auditAs(tx, session, { action: 'vault.rekey.start', outcome: 'ok', details }, store.clock.now()));
  const r = await admin.rotateKey({ keepRecovery: true, onProgress: opts.onProgress });
  await store.write((tx) => auditAs(tx, session, { action: 'vault.rekey', outcome: 'ok', details: { ...details, generation: r.generation } }, store.clock.now()));
  return { generation: r.generation };
}

/** Who restores: an admin's session, or (session null) the holder of the recovery key or of a password the backup knows. */
export interface RestoreActor {
  session: Session | null;
  via: Via;
}

function actorName(actor: RestoreActor, cred: BackupCredential): string | null {
  if (actor.session) return actor.session.name;
  return 'name' in cred ? cred.name : null;
}

/** What a restore needs to know about the vault it replaces, and whether it may be another vault's backup. */
export interface RestoreOptions {
  /** Replace the current vault even when the backup is of another vault (the command line's --other-vault). */
  otherVault?: boolean;
  /** The current vault's user count, when the door could open it (for the refusal message). */
  currentUsers?: number | null;
}

/** What a restore replaced: the backup's vault id and users, and the id of the vault it replaced (null when none). */
export interface RestoreOutcome {
  kept: string;
  vaultId: string;
  users: number;
  replacedVaultId: string | null;
  otherVault: boolean;
  /** Operator and service credentials the backup holds that were revoked since it was made: they open the vault again. */
  revived: CredentialSummary[];
}

/**
 * The credentials a backup of this vault holds that the vault in the folder no longer has (an
 * operator removed or a service key revoked since the backup): a restore puts them back in
 * force. Empty for another vault's backup (all of its credentials are another vault's) or when
 * the current key slots cannot be read.
 */
export function revivedByRestore(folder: VaultFolder, summary: BackupSummary): CredentialSummary[] {
  if (folder.currentVaultId() !== summary.vaultId) return [];
  const current = folder.currentCredentials();
  if (!current) return [];
  const live = new Set(current.map((c) => c.id));
  return summary.credentials.filter((c) => !live.has(c.id));
}

/** What a restore from `source` would bring back: the backup's facts and the revoked credentials it holds. */
export async function restoreWarnings(folder: VaultFolder, source: BackupSource): Promise<{ summary: BackupSummary; revived: CredentialSummary[] }> {
  const summary = await folder.inspect(source);
  return { summary, revived: revivedByRestore(folder, summary) };
}

/** What the app shows before a restore: the backup's contents and what restoring it would bring back. */
export interface RestorePreview extends Omit<BackupContents, 'credentials'> {
  /** The backup is of the vault in the folder (the app restores nothing else). */
  thisVault: boolean;
  /** Its credentials revoked since it was made: they open the vault again after the restore. */
  revived: CredentialSummary[];
}

/**
 * Opens a backup with the open vault's key (or `cred`, for one from before a key rotation) and
 * says what it holds and what a restore from it would revive (admin). Read from inside the
 * backup, never from its header; null when the vault's key does not open it and no credential
 * was given. Writes nothing.
 */
export async function previewRestore(admin: VaultAdmin, folder: VaultFolder, session: Session, source: BackupSource, cred?: BackupCredential): Promise<RestorePreview | null> {
  requireRole(session, 'vault:restore');
  let contents: BackupContents;
  try {
    contents = await admin.openBackup(source, cred);
  } catch (err) {
    if (!cred && err instanceof FactorDeskError && err.code === 'WRONG_KEY') return null;
    throw err;
  }
  const { credentials, ...facts } = contents;
  const thisVault = folder.currentVaultId() === contents.vaultId;
  const revived = thisVault ? revivedByRestore(folder, { vaultId: contents.vaultId, createdAt: '', credentials }) : [];
  return { ...facts, thisVault, revived };
}

/**
 * Deletes the vault files earlier restores kept aside (they keep the key slots of their time,
 * revoked operators and service keys included). Admin; `record` writes the event in the vault
 * now in the folder first, and nothing is deleted when it cannot. NOT_FOUND when there is none.
 */
export async function deleteKeptVaults(folder: VaultFolder, session: Session, record: (event: AuditInput) => Promise<void>): Promise<{ deleted: string[] }> {
  requireRole(session, 'vault:restore');
  const files = folder.keptAside();
  if (files.length === 0) fail('NOT_FOUND', 'No files kept aside by a restore are in the vault folder.');
  await record({ action: 'vault.restore.kept-deleted', operator: session.name, outcome: 'ok', details: { files: files.length } });
  return { deleted: folder.deleteKeptAside() };
}

/**
 * Restores a backup into the closed vault folder, the same way from every door: the backup is
 * checked (hash, credential, integrity, vault id, version), its `vault.restore` event is written
 * into the restored copy before it goes live, and the current vault is kept aside, never deleted.
 * A backup of another vault is refused (CONFLICT, reason `other-vault`) unless `otherVault` is set:
 * a restore is for getting this vault back, and another one would silently replace every user.
 */
export async function restoreVault(folder: VaultFolder, actor: RestoreActor, source: BackupSource, cred: BackupCredential, opts: RestoreOptions = {}): Promise<RestoreOutcome> {
  if (actor.session) requireRole(actor.session, 'vault:restore');
  const summary = await folder.inspect(source);
  const current = folder.currentVaultId();
  const other = current !== null && current !== summary.vaultId;
  if (other && !opts.otherVault) {
    const users = typeof opts.currentUsers === 'number' ? ` with ${opts.currentUsers} user${opts.currentUsers === 1 ? '' : 's'}` : '';
    fail(
      'CONFLICT',
      `This backup is of another vault (vault id ${summary.vaultId}, made ${summary.createdAt}), not of the vault in this folder (vault id ${current}${users}). Nothing was changed.`,
      { reason: 'other-vault' },
    );
  }
  const operator = actorName(actor, cred);
  const revived = revivedByRestore(folder, summary);
  const event = (b: { createdAt: string; kept: string }): AuditInput => ({
    action: 'vault.restore',
    operator,
    outcome: 'ok',
    details: {
      file: source.name,
      backupCreatedAt: b.createdAt,
      kept: b.kept,
      via: actor.via,
      ...(other ? { replacedVaultId: current } : {}),
      ...(revived.length ? { revivedCredentials: revived.map((c) => ({ kind: c.kind, label: c.label })) } : {}),
    },
  });
  const r = await folder.restore(source, cred, event);
  return { kept: r.kept, users: r.users, vaultId: summary.vaultId, replacedVaultId: current, otherVault: other, revived };
}

/**
 * Undoes the latest restore (the restored files go aside, the kept ones come back). The event is
 * recorded by the caller in the vault that is back, through `record` (it needs that vault's key).
 */
export async function undoRestore(
  folder: VaultFolder,
  actor: RestoreActor,
  cred: BackupCredential,
  record: (event: AuditInput) => Promise<void>,
): Promise<{ restored: string; kept: string; recordProblem: string | null }> {
  if (actor.session) requireRole(actor.session, 'vault:restore');
  const r = await folder.undoRestore();
  let problem: string | null = null;
  try {
    await record({ action: 'vault.restore.undo', operator: actorName(actor, cred), outcome: 'ok', details: { restored: r.restored, via: actor.via } });
  } catch (err) {
    problem = err instanceof Error ? err.message : String(err);
  }
  return { ...r, recordProblem: problem };
}
