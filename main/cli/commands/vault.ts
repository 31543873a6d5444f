import { boundServerKey } from '../../store/sqlite/credential-bindings.ts';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { backupVault, checkVaultIntegrity, deleteKeptVaults, restoreVault, restoreWarnings, rotateAfterRevocation, rotateVaultKey, undoRestore } from '../../core/vault-maintenance.ts';
import type { CredentialSummary } from '../../store/vault-admin.ts';
import type { BackupCredential } from '../../store/vault-admin.ts';
import type { Session } from '../../core/session.ts';
import type { AuditInput } from '../../core/audit.ts';
import { storeOf } from '../../store/sqlite/sqlite-store.ts';
import { claimSoleConnection, fileRef, vaultAdminOf, vaultFolderOf } from '../../store/sqlite/vault-admin.ts';
import { listServiceKeys, refuseServiceKeyCreate, revokeServiceKey, SERVICE_KEY_WARNING } from '../../core/service-keys.ts';
import { cliLanguage, NB_SERVICE_KEY_WARNING } from '../language.ts';
import { requireRole } from '../../core/roles.ts';
import { signIn, unlockWithRecoveryKey } from '../../store/sqlite/unlock.ts';
import { fail, toFactorDeskError } from '../../core/errors.ts';
import { ensurePrivateDir, vaultState, type Vault } from '../../store/sqlite/vault.ts';
import { parseRawKey } from '../../store/sqlite/key-slots.ts';
import { str, flag, type Command } from '../command.ts';
import type { Context } from '../context.ts';
import { checkInputFile, newFileArg, pathArg, writeNewFile } from '../files.ts';
import { DetailedError, usageError } from '../output.ts';
import { localTime } from '../format.ts';

export const backup: Command = {
  name: 'backup',
  summary: 'back the vault up to one encrypted file (admin)',
  usage: ['backup FILE'],
  help: `Writes an encrypted copy of the vault and its key slots to FILE (mode 0600; it must not
exist yet). It opens with any operator password or the recovery key valid when it was made.`,
  options: {},
  args: ['FILE'],
  admin: true,
  async run(ctx, p) {
    const dest = newFileArg(p.args[0]!, 'backup file', 'a backup is a database file that is checked and renamed into place.');
    return ctx.withSession(async (vault, session) => {
      const r = await backupVault(storeOf(vault), vaultAdminOf(vault), session, fileRef(dest));
      return { result: { file: dest, bytes: r.bytes }, text: dest, message: `Backed up the vault to ${dest} (${r.bytes} bytes).` };
    });
  },
};

export const check: Command = {
  name: 'check',
  summary: 'check the integrity of the vault database (admin)',
  usage: ['check'],
  help: `Runs the database's own integrity check over every page and index (with the cipher's page
MACs) and lists the problems found. Exit 0 when there are none; exit 6 (VAULT_DAMAGED) listing
them otherwise (restore a backup then, keeping this vault as it is). Audited. "audit verify"
checks the audit chain.`,
  options: {},
  args: [],
  admin: true,
  async run(ctx) {
    return ctx.withSession(async (vault, session) => {
      const r = await checkVaultIntegrity(storeOf(vault), vaultAdminOf(vault), session);
      if (!r.ok) {
        throw new DetailedError('VAULT_DAMAGED', `The vault integrity check found ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}:\n${r.problems.map((x) => `  ${x}`).join('\n')}\nKeep this vault as it is and restore a backup.`, r);
      }
      return { result: r, text: 'ok', message: 'The vault integrity check found no problems.' };
    });
  },
};

/** Vault states where the current vault cannot be opened, so a restore goes ahead without that check. */
const UNREADABLE = new Set(['VAULT_MISSING', 'VAULT_DAMAGED', 'VAULT_NEWER', 'WRONG_KEY', 'SLOTS_INVALID']);

async function credential(ctx: Context, useRecoveryKey: boolean): Promise<BackupCredential> {
  if (useRecoveryKey) {
    const key = await ctx.secret('FACTORDESK_RECOVERY_KEY', 'Recovery key: ', 'recovery key');
    if (!parseRawKey(key)) fail('BAD_REQUEST', 'That is not a recovery key: it has 52 letters A–Z and digits 2–7, in groups of four.');
    return { recoveryKey: key };
  }
  return { name: await ctx.operatorName(), password: await ctx.password() };
}

async function openWith(ctx: Context, cred: BackupCredential): Promise<{ vault: Vault; session: Session | null }> {
  if ('recoveryKey' in cred) return { vault: await unlockWithRecoveryKey(ctx.env, cred.recoveryKey), session: null };
  const r = await signIn(ctx.env, cred.name, cred.password);
  try {
    requireRole(r.session, 'vault:restore');
  } catch (err) {
    r.vault.close();
    throw err;
  }
  return { vault: r.vault, session: { ...r.session, via: 'cli' } };
}

/**
 * Before files are swapped: the credential must open the current vault as an admin (or be its
 * recovery key), and no other process may have it open (switching the journal mode off WAL needs
 * the only connection). A vault that cannot be opened at all (damaged, missing) is what restore
 * is for, so then the backup's own credential check is the gate.
 */
async function gateCurrentVault(ctx: Context, cred: BackupCredential): Promise<{ session: Session | null; users: number | null }> {
  if (vaultState(ctx.vaultDir) === 'none') return { session: null, users: null };
  let opened: { vault: Vault; session: Session | null };
  try {
    opened = await openWith(ctx, cred);
  } catch (err) {
    const e = toFactorDeskError(err);
    if (UNREADABLE.has(e.code)) {
      ctx.out.warn(`The current vault cannot be opened (${e.code}); restoring over it.`);
      return { session: null, users: null };
    }
    throw e;
  }
  let users: number;
  try {
    users = (await vaultAdminOf(opened.vault).describe()).users;
    claimSoleConnection(opened.vault);
  } finally {
    opened.vault.close();
  }
  return { session: opened.session, users };
}

/** Records `event` in the vault now in the folder, opened with `cred` (after an undo). */
async function recordIn(ctx: Context, cred: BackupCredential, event: AuditInput): Promise<void> {
  const { vault } = await openWith(ctx, cred);
  try {
    const store = storeOf(vault);
    await store.write(async (tx) => {
      await tx.audit.append(event, store.clock.now());
    });
  } finally {
    vault.close();
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function credentialNames(list: CredentialSummary[]): string {
  return list.map((c) => (c.kind === 'operator' ? `operator "${c.label ?? '?'}"` : `service key "${c.label ?? '?'}"`)).join(', ');
}

function keptFiles(dir: string, suffix: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(`.${suffix}`))
    .sort()
    .map((f) => join(dir, f));
}

export const restore: Command = {
  name: 'restore',
  summary: 'replace the vault with a backup; the current one is kept aside (admin)',
  usage: ['restore FILE [--recovery-key] [--other-vault]', 'restore --undo [--recovery-key]', 'restore --delete-kept'],
  help: `Checks the backup (checksum, key, integrity, vault id), then renames the current vault
files aside with a .before-restore-<time> suffix and puts the backup in place.
A backup of another vault (another vault id) is refused (exit 2) unless --other-vault is given;
then the vault ids and user counts of both are shown. No other FactorDesk process may have the
vault open. The credential is the operator and password (an admin) or, with --recovery-key,
the recovery key from FACTORDESK_RECOVERY_KEY or typed; it must open the current vault (unless
that is damaged) and the backup.

A backup holds the key slots of its day: operators removed and service keys revoked since then
open the restored vault again. restore warns about them before it starts and lists them after;
remove them again (operators remove, service-key revoke) and rotate the key. The files kept
aside hold the old slots too: once the restored vault is confirmed good, delete them with
restore --delete-kept (admin, audited; --undo is no longer possible after that).

  --recovery-key   sign in with the recovery key instead of an operator password
  --other-vault    replace the current vault even though the backup is of another vault
  --undo           put back the vault kept aside by the latest restore
  --delete-kept    delete the files earlier restores and undos kept aside`,
  options: { 'recovery-key': { type: 'boolean' }, undo: { type: 'boolean' }, 'other-vault': { type: 'boolean' }, 'delete-kept': { type: 'boolean' } },
  args: ['FILE?'],
  admin: true,
  async run(ctx, p) {
    const undo = flag(p, 'undo');
    const file = p.args[0];
    if (flag(p, 'delete-kept')) {
      if (undo || file !== undefined || flag(p, 'other-vault') || flag(p, 'recovery-key')) throw usageError('--delete-kept goes alone: restore --delete-kept.', 'restore');
      return deleteKept(ctx);
    }
    if (undo && file !== undefined) throw usageError('Give either FILE or --undo, not both.', 'restore');
    if (undo && flag(p, 'other-vault')) throw usageError('--other-vault goes with FILE, not with --undo.', 'restore');
    if (!undo && file === undefined) throw usageError('Missing FILE (or --undo).', 'restore');
    if (file === '-') throw usageError('restore reads the backup from a file, not from standard input ("-"): name the backup file.', 'restore');
    const src = file === undefined ? null : pathArg(file, 'backup file');
    if (src) checkInputFile(src, 'backup file');
    const dir = ctx.vaultDir;
    if (!existsSync(dir)) {
      if (ctx.vaultConfigured || undo || !existsSync(dirname(dir))) fail('VAULT_MISSING', `The vault folder ${dir} does not exist.`);
      ensurePrivateDir(dir);
    } else {
      vaultState(dir, ctx.vaultConfigured);
    }
    const folder = vaultFolderOf(ctx.env);
    if (undo && !folder.canUndoRestore()) throw usageError(`There is nothing to undo: no vault was kept aside by a restore in ${dir}.`, 'restore');
    const otherVault = flag(p, 'other-vault');
    if (src && !otherVault) {
      // Refused before any credential is asked for or any KDF runs.
      const current = folder.currentVaultId();
      const { vaultId } = await folder.inspect(fileRef(src));
      if (current !== null && current !== vaultId) {
        fail('CONFLICT', `${src} is a backup of another vault (vault id ${vaultId}), not of the vault in ${dir} (vault id ${current}). Nothing was changed. To replace this vault with it anyway, run restore again with --other-vault.`, { reason: 'other-vault' });
      }
    }
    if (src) {
      const { revived } = await restoreWarnings(folder, fileRef(src));
      if (revived.length) ctx.out.warn(`This backup holds ${plural(revived.length, 'credential')} revoked since it was made, which will open the vault again after the restore: ${credentialNames(revived)}.`);
    }
    const cred = await credential(ctx, flag(p, 'recovery-key'));
    const { session, users } = await gateCurrentVault(ctx, cred);
    if (undo) {
      const r = await undoRestore(folder, { session, via: 'cli' }, cred, (event) => recordIn(ctx, cred, event));
      if (r.recordProblem) ctx.out.warn(`The vault was swapped, but the event could not be recorded in its audit: ${r.recordProblem}`);
      const kept = keptFiles(dir, r.kept);
      return {
        result: { restoredSuffix: r.restored, kept },
        text: kept.join('\n'),
        message: `The vault from before the restore is back. The restored one was kept aside${kept.length ? ':' : '.'}`,
      };
    }
    const current = folder.currentVaultId();
    if (otherVault && current !== null) {
      const { vaultId } = await folder.inspect(fileRef(src!));
      if (vaultId !== current) ctx.out.warn(`Replacing the vault in ${dir} (vault id ${current}, ${users === null ? 'user count unknown: it cannot be opened' : plural(users, 'user')}) with a backup of another vault (vault id ${vaultId}).`);
    }
    const r = await restoreVault(folder, { session, via: 'cli' }, fileRef(src!), cred, { otherVault, currentUsers: users });
    const kept = keptFiles(dir, r.kept);
    const replaced = r.otherVault ? ` It replaced vault ${r.replacedVaultId}${users === null ? '' : ` (${plural(users, 'user')})`} with vault ${r.vaultId} (${plural(r.users, 'user')}).` : '';
    if (r.revived.length) ctx.out.warn(`Back in force with the restored key slots (revoked since the backup was made): ${credentialNames(r.revived)}. Remove them again (operators remove, service-key revoke), then run rotate-key.`);
    if (kept.length) ctx.out.warn('The files kept aside hold the key slots of the vault before the restore. When the restored vault is confirmed good, delete them with: factordesk restore --delete-kept');
    return {
      result: {
        file: src,
        asideSuffix: r.kept,
        kept,
        vaultId: r.vaultId,
        users: r.users,
        replacedVaultId: r.replacedVaultId,
        replacedUsers: users,
        otherVault: r.otherVault,
        revivedCredentials: r.revived.map((c) => ({ kind: c.kind, label: c.label })),
      },
      text: kept.join('\n'),
      message: kept.length ? `Restored.${replaced} The previous vault was kept aside as:` : 'Restored (there was no previous vault to keep).',
    };
  },
};

/** restore --delete-kept: the event goes into the vault in the folder, then the kept files go. */
async function deleteKept(ctx: Context) {
  const folder = vaultFolderOf(ctx.env);
  if (folder.keptAside().length === 0) throw usageError(`There is nothing to delete: no files kept aside by a restore are in ${ctx.vaultDir}.`, 'restore');
  return ctx.withSession(async (vault, session) => {
    const store = storeOf(vault);
    const r = await deleteKeptVaults(folder, session, (event) => store.write(async (tx) => void (await tx.audit.append(event, store.clock.now()))));
    return { result: { deleted: r.deleted }, text: r.deleted.join('\n'), message: `Deleted ${plural(r.deleted.length, 'file')} kept aside by earlier restores:` };
  });
}

export const rotateKey: Command = {
  name: 'rotate-key',
  summary: 'rotate the vault key; prints the new recovery key once (admin)',
  usage: ['rotate-key'],
  help: `Re-encrypts the vault under a new key, crash-safely, and issues a new recovery key (the old
one stops working). Operator passwords and service keys keep working. No other FactorDesk
process may have the vault open. Rotate after removing an operator.`,
  options: {},
  args: [],
  admin: true,
  async run(ctx) {
    return ctx.withSession(async (vault, session) => {
      const r = await rotateVaultKey(storeOf(vault), vaultAdminOf(vault), session);
      // A served vault: the server's recovery key (from "server init") is not rotated with it.
      if (boundServerKey(vault.db)) ctx.out.warn('This vault is served by "factordesk serve": its server key file keeps opening it, and the server recovery key printed by "server init" keeps re-creating that file (it is not rotated here). Keep that key as safe as the key file.');
      return {
        result: { recoveryKey: r.recoveryKey, generation: r.generation },
        message: 'The vault key was rotated. The old recovery key no longer works; the new one below is shown this once:',
        text: r.recoveryKey,
      };
    });
  },
};

export const serviceKeyCreate: Command = {
  name: 'service-key create',
  summary: 'retired: a login service uses a service client of "factordesk serve"',
  usage: ['service-key create [FILE] [--label LABEL]'],
  help: `Retired: refused (exit 2, SERVICE_KEY_RETIRED), nothing is written. A service key file
unwraps the vault key, so a login service holding one holds everything in the vault.
A login service checks codes over POST /api/v1/validate of "factordesk serve" with a service
client ("factordesk --server URL service-client create --label L"). A solo site runs
"factordesk serve" on its vault, on the same machine, listening on 127.0.0.1 (README, Login
services). Service keys made before are shown by "service-key list"; revoke them.`,
  options: { label: { type: 'string' } },
  args: ['FILE?'],
  async run() {
    return refuseServiceKeyCreate();
  },
};

/** The warning a remaining service slot is listed with, in the language of the command line. */
function slotWarning(ctx: Context): string {
  return cliLanguage(ctx.io.env) === 'nb' ? NB_SERVICE_KEY_WARNING : SERVICE_KEY_WARNING;
}

export const serviceKeyList: Command = {
  name: 'service-key list',
  summary: 'list the service keys that still open the vault, each to revoke (admin)',
  usage: ['service-key list'],
  help: `Lists each service key's id, label and creation time (never the key), each with the warning
"${SERVICE_KEY_WARNING}". Service keys are retired: a login service uses a service client
of "factordesk serve" (README, Login services); revoke each key listed ("service-key revoke").`,
  options: {},
  args: [],
  admin: true,
  async run(ctx) {
    return ctx.withSession(async (vault, session) => {
      const keys = await listServiceKeys(storeOf(vault), session);
      const warning = slotWarning(ctx);
      if (keys.length) ctx.out.warn(`${keys.length === 1 ? 'service key' : `${keys.length} service keys`}: ${warning}`);
      return {
        result: keys.map((k) => ({ ...k, warning: SERVICE_KEY_WARNING })),
        text: keys.map((k) => `${k.keyId}  ${localTime(Date.parse(k.createdAt))}  ${k.label}  (${warning})`).join('\n'),
        message: `${keys.length} service key${keys.length === 1 ? '' : 's'}.`,
      };
    });
  },
};

export const serviceKeyRevoke: Command = {
  name: 'service-key revoke',
  summary: 'revoke a service key by id or label, then rotate the vault key (admin)',
  usage: ['service-key revoke KEYID|LABEL'],
  help: `Removes the service key's slots: its key file no longer opens the vault. A service key
unwraps the vault key itself, so the vault key is rotated next (the recovery key stays the
same): a copy of the old key slots no longer opens the vault files. If another FactorDesk
process has the vault open, it says so and "factordesk rotate-key" is needed later. Backups
made before still open with the key file.`,
  options: {},
  args: ['KEY'],
  admin: true,
  async run(ctx, p) {
    const which = p.args[0]!;
    if (which.length > 128 || !/^[\p{L}\p{N} ._@:/-]+$/u.test(which)) fail('BAD_REQUEST', 'Give a service key id or label (see "service-key list").', { field: 'key' });
    return ctx.withSession(async (vault, session) => {
      requireRole(session, 'vault:rekey');
      const r = await revokeServiceKey(storeOf(vault), session, which);
      const rotated = await rotateAfterServiceKey(ctx, vault, session, r.label);
      return {
        result: { revoked: r.revoked, keyRotated: rotated !== null },
        text: 'revoked',
        message: rotated ? 'The service key was revoked and the vault key rotated (the recovery key stays the same): a copy of its old slot no longer opens the vault.' : 'The service key was revoked.',
      };
    });
  },
};

/** The rotation after a revoke; null (with a warning) when another process has the vault open. */
async function rotateAfterServiceKey(ctx: Context, vault: Vault, session: Session, label: string): Promise<{ generation: number } | null> {
  try {
    return await rotateAfterRevocation(storeOf(vault), vaultAdminOf(vault), session, { serviceKey: label, change: 'revoke' });
  } catch (err) {
    const e = toFactorDeskError(err);
    if (e.code !== 'VAULT_BUSY') throw e;
    ctx.out.warn(`The vault key was not rotated: another FactorDesk process has the vault open. Until it is, a copy of the key slots with service key "${label}" still opens the vault files. Close the other process and run: factordesk rotate-key`);
    return null;
  }
}
