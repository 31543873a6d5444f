import { listServiceKeys } from '../../core/service-keys.ts';
import type { Handlers } from '../guard.ts';
import type { AppController } from '../../app/controller.ts';
import { settingsView, updateSettings } from '../../core/settings.ts';
import type { verifyAuditForReport } from '../../core/audit-export.ts';
import { exportOutbox } from '../../core/outbox.ts';
import { deleteKeptVaults, previewRestore, restoreVault, vaultInfo, type RestorePreview } from '../../core/vault-maintenance.ts';
import { chooseLogo } from '../../core/logo.ts';
import { saveImportReport } from '../../core/import-report.ts';
import { fileSink, inputFile, pickedFile } from '../../platform/file-ports.ts';
import { fileRef, vaultAdminOf, vaultFolderOf } from '../../store/sqlite/vault-admin.ts';
import { refuseServiceKeyCreate } from '../../core/service-keys.ts';
import { fail } from '../../core/errors.ts';
import type { BackupPreview, ImportEncoding, ImportPreview, ImportReportView } from '../../../contract/index.ts';


type H = Pick<
  Handlers,
  | 'settings:update'
  | 'settings:choose-logo'
  | 'users:import'
  | 'users:import-preview'
  | 'users:import-cancel'
  | 'users:import-save-report'
  | 'jobs:status'
  | 'audit:verify'
  | 'audit:export'
  | 'outbox:export'
  | 'vault:info'
  | 'vault:integrity'
  | 'vault:backup'
  | 'vault:restore-preview'
  | 'vault:restore'
  | 'vault:delete-kept'
  | 'vault:rekey'
  | 'service-keys:create'
  | 'service-clients:create'
  | 'operators:reset-second-factor'
  | 'service-clients:list'
  | 'service-clients:revoke'
  | 'enrollment:issue-code'
>;

const SERVICE_CLIENTS_ON_SERVER = 'Service clients belong to "factordesk serve": a solo site runs it on its vault (on the same machine, listening on 127.0.0.1) and makes them with "factordesk --server URL service-client create".';

/** Admin channels: operators, settings, import, audit, outbox, vault maintenance. */
export function adminHandlers(ctl: AppController): H {
  const stamp = () => new Date(ctl.clock.now()).toISOString().slice(0, 10);
  /** Each operator's latest import preview: the file it read, for the import that follows it. */
  const previews = new Map<string, { previewId: string; path: string; encoding?: ImportEncoding }>();
  /** Each admin's latest restore preview: the backup file it opened, for the restore that follows it. */
  const restorePreviews = new Map<string, { previewId: string; path: string }>();
  const previewView = (p: RestorePreview): BackupPreview => ({ ...p, revived: p.revived.map((c) => ({ kind: c.kind, label: c.label })) });
  return {
    'settings:update': async (patch, s) => {
      const next = await updateSettings(ctl.store(), s!, patch);
      // A new idle time applies now, not only from the next sign-in.
      if (patch.idleLockMinutes !== undefined) ctl.idle.start(next.idleLockMinutes * 60_000);
      return settingsView(next, ctl.smtpPasswordSet());
    },
    'settings:choose-logo': async ({ clear }, s) => {
      if (clear) return settingsView(await chooseLogo(ctl.store(), s!, { clear: true }), ctl.smtpPasswordSet());
      ctl.vault();
      const path = await ctl.deps.dialogs.openFile('image');
      return settingsView(await chooseLogo(ctl.store(), s!, { file: path ? pickedFile(path) : null }), ctl.smtpPasswordSet());
    },
    'users:import': async ({ encoding, previewId }, s) => {
      ctl.vault();
      if (previewId !== undefined) {
        // The file the operator's own preview read, with the encoding it was read in.
        const p = previews.get(s!.operatorId);
        if (!p || p.previewId !== previewId) fail('NOT_FOUND', 'That preview is no longer there: choose the file again.');
        previews.delete(s!.operatorId);
        return { jobId: ctl.startJob('import', { path: p.path, ...(p.encoding ? { encoding: p.encoding } : {}) }).jobId };
      }
      const path = await ctl.deps.dialogs.openFile('csv');
      if (!path) return { jobId: null };
      return { jobId: ctl.startJob('import', { path, ...(encoding ? { encoding } : {}) }).jobId };
    },
    'users:import-preview': async ({ encoding }, s) => {
      ctl.vault();
      const path = await ctl.deps.dialogs.openFile('csv');
      if (!path) return { previewId: null, fileName: null, totalBytes: null, preview: null };
      // Read off the main thread like the import itself; it writes nothing.
      const preview = (await ctl.startJob('import-preview', { path, ...(encoding ? { encoding } : {}) }).done) as ImportPreview;
      const previewId = ctl.random.bytes(8).toString('hex');
      // The path stays in main: the renderer gets the file's name and an id for "Import".
      previews.set(s!.operatorId, { previewId, path, ...(encoding ? { encoding } : {}) });
      const picked = pickedFile(path);
      return { previewId, fileName: picked.name, totalBytes: inputFile(path).size(), preview };
    },
    'users:import-cancel': ({ jobId }) => {
      ctl.cancelJob(jobId);
      return { ok: true as const };
    },
    'jobs:status': ({ jobId }, s) => {
      const job = ctl.job(jobId);
      // An import of this operator's (an admin sees every import: its report names users).
      if (!job || (job.kind !== 'import' && job.kind !== 'import-preview') || (job.startedBy !== s!.operatorId && s!.role !== 'admin')) fail('NOT_FOUND', 'There is no such import.');
      const p = job.progress;
      const state = job.finishedAt === null ? 'running' : job.error ? 'failed' : 'done';
      return {
        jobId,
        kind: job.kind,
        state,
        rows: p.rows ?? 0,
        bytes: p.bytes ?? 0,
        totalBytes: p.totalBytes ?? null,
        accepted: p.accepted ?? 0,
        rejected: p.rejected ?? 0,
        rowsPerSecond: p.rowsPerSecond ?? 0,
        startedAt: job.startedAt,
        finishedAt: job.finishedAt,
        error: job.error,
        result: state === 'done' ? ((job.result ?? null) as ImportReportView | ImportPreview | null) : null,
      };
    },
    'users:import-save-report': async ({ jobId, wording }) => {
      const job = ctl.job(jobId);
      const report = job?.kind === 'import' ? (job.result as ImportReportView | undefined) : undefined;
      if (!report) fail('NOT_FOUND', 'That import has no report yet.');
      const file = await ctl.deps.dialogs.saveFile('import-report', `factordesk-import-report-${stamp()}.csv`);
      if (!file) return { file: null };
      await saveImportReport(report, fileSink(file), wording);
      return { file };
    },
    // Both walk the whole chain (100,000 events take seconds): in a worker, with progress events.
    'audit:verify': async () => (await ctl.startJob('audit-verify', {}).done) as Awaited<ReturnType<typeof verifyAuditForReport>>,
    'audit:export': async ({ format, filter }, s) => {
      const file = await ctl.deps.dialogs.saveFile(format === 'csv' ? 'audit-csv' : 'audit-json', `factordesk-audit-${stamp()}.${format}`);
      if (!file) return { file: null, count: 0 };
      // The service takes the file back when the export's audit event cannot be written: no event, no file.
      const r = (await ctl.startJob('audit-export', { dest: file, format, ...(filter ? { filter } : {}) }).done) as { count: number };
      return { file, count: r.count };
    },
    'outbox:export': async ({ format }, s) => {
      const file = await ctl.deps.dialogs.saveFile(format === 'csv' ? 'outbox-csv' : 'outbox-json', `factordesk-outbox-${stamp()}.${format}`);
      if (!file) return { file: null, count: 0 };
      // Marked exported only after the file is written; a failed mark takes the file back.
      const r = await exportOutbox(ctl.store(), s!, format, fileSink(file));
      return { file, count: r.count };
    },
    'vault:info': async (_r, s) => ({
      ...(await vaultInfo(ctl.store(), vaultAdminOf(ctl.vault()), s!)),
      keptAside: vaultFolderOf(ctl.env).keptAside().length,
      // Labels and ids only: the key files themselves are never in the vault.
      serviceKeys: (await listServiceKeys(ctl.store(), s!)).map((k) => ({ keyId: k.keyId, label: k.label, createdAt: k.createdAt })),
    }),
    'vault:delete-kept': async (_r, s) => {
      const store = ctl.store();
      const r = await deleteKeptVaults(vaultFolderOf(ctl.env), s!, (event) => store.write(async (tx) => void (await tx.audit.append(event, store.clock.now()))));
      return { deleted: r.deleted.length };
    },
    'vault:integrity': async () => (await ctl.startJob('integrity', {}).done) as { ok: boolean; problems: string[] },
    'vault:backup': async () => {
      const file = await ctl.deps.dialogs.saveFile('backup', `factordesk-backup-${stamp()}.fdbackup`);
      if (!file) return { file: null, bytes: 0 };
      const r = (await ctl.startJob('backup', { dest: file }).done) as { bytes: number };
      return { file, bytes: r.bytes };
    },
    'vault:restore-preview': async ({ previewId, password }, s) => {
      const session = s!;
      const admin = vaultAdminOf(ctl.vault());
      if (previewId !== undefined) {
        // Again, with the password valid when the backup was made: a backup the current key does not open.
        const p = restorePreviews.get(session.operatorId);
        if (!p || p.previewId !== previewId) fail('NOT_FOUND', 'That backup is no longer chosen: choose the file again.');
        if (password === undefined) fail('BAD_REQUEST', 'Give the password valid when the backup was made.');
        const preview = await previewRestore(admin, vaultFolderOf(ctl.env), session, fileRef(p.path), { name: session.name, password });
        return { previewId, fileName: pickedFile(p.path).name, preview: preview && previewView(preview) };
      }
      restorePreviews.delete(session.operatorId);
      const file = await ctl.deps.dialogs.openFile('backup');
      if (!file) return { previewId: null, fileName: null, preview: null };
      const preview = await previewRestore(admin, vaultFolderOf(ctl.env), session, fileRef(file));
      // The path stays in main: the renderer gets the file's name and an id for "Restore".
      const id = ctl.random.bytes(8).toString('hex');
      restorePreviews.set(session.operatorId, { previewId: id, path: file });
      return { previewId: id, fileName: pickedFile(file).name, preview: preview && previewView(preview) };
    },
    'vault:restore': async ({ password, previewId }, s) => {
      let file: string | null;
      if (previewId !== undefined) {
        // The file the admin's own preview opened, never a path from the page.
        const p = restorePreviews.get(s!.operatorId);
        if (!p || p.previewId !== previewId) fail('NOT_FOUND', 'That backup is no longer chosen: choose the file again.');
        file = p.path;
      } else {
        file = await ctl.deps.dialogs.openFile('backup');
      }
      if (!file) return { restored: false };
      if (ctl.hasRunningJobs()) fail('VAULT_BUSY', 'Wait for the running import or backup to finish, then restore.');
      const session = s!;
      // The restored vault may hold other operators and keys: no reopen; everyone signs in again.
      const out = await ctl.withVaultClosed(async (env) => ({ value: await restoreVault(vaultFolderOf(env), { session, via: 'app' }, fileRef(file), { name: session.name, password }) }), { reopen: false });
      // Operators and service keys revoked since the backup work again: the sign-in screen says which.
      const revived = out.revived.map((c) => ({ kind: c.kind, label: c.label }));
      restorePreviews.delete(session.operatorId);
      ctl.lock('restore', { revived });
      return { restored: true, ...(revived.length ? { revived } : {}) };
    },
    'vault:rekey': () => ctl.rekey(),
    // Retired: a service key file unwraps the vault key. Refused before any dialog opens.
    'service-keys:create': () => refuseServiceKeyCreate(),
    // Service clients verify over a server's HTTPS API; a solo site makes them on "factordesk serve" run on its vault.
    'service-clients:create': () => fail('BAD_REQUEST', SERVICE_CLIENTS_ON_SERVER),
    'service-clients:list': () => fail('BAD_REQUEST', SERVICE_CLIENTS_ON_SERVER),
    'service-clients:revoke': () => fail('BAD_REQUEST', SERVICE_CLIENTS_ON_SERVER),
    // Operators' second factors exist on a server; the solo vault signs in with the password alone.
    'operators:reset-second-factor': () => fail('SERVER_ONLY', 'Second factors of operators belong to a FactorDesk server; a solo vault has none.'),
    // The enrollment page is served by a server; a solo vault has no door for the user.
    'enrollment:issue-code': () => fail('SERVER_ONLY', 'Self-enrollment needs a server: a solo vault has no enrollment page. Re-enroll the user instead.'),
  };
}

