import { readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import type { Handlers } from '../guard.ts';
import type { AppController } from '../../app/controller.ts';
import { addOperator, disableOperator, listOperators, removeOperator, resetOperatorPassword, updateOperator } from '../../core/operators.ts';
import { getSettings, updateSettings } from '../../core/settings.ts';
import { listAudit } from '../../core/audit.ts';
import { exportAudit, verifyAuditForReport } from '../../core/audit-export.ts';
import { exportOutbox, listOutbox } from '../../core/outbox.ts';
import { findUserByEmail } from '../../core/users.ts';
import { restoreBackup } from '../../core/backup.ts';
import { createServiceKey } from '../../core/service-keys.ts';
import { schemaVersion } from '../../store/sqlite/database.ts';
import { fail } from '../../core/errors.ts';
import { csvRow } from '../../core/csv-safe.ts';
import { writeFileAtomic } from '../../core/fs-atomic.ts';
import type { ImportReportView } from '../../../contract/index.ts';

type H = Pick<
  Handlers,
  | 'settings:update'
  | 'settings:choose-logo'
  | 'operators:list'
  | 'operators:add'
  | 'operators:update'
  | 'operators:disable'
  | 'operators:remove'
  | 'operators:reset-password'
  | 'users:import'
  | 'users:import-cancel'
  | 'users:import-save-report'
  | 'audit:list'
  | 'audit:verify'
  | 'audit:export'
  | 'outbox:list'
  | 'outbox:export'
  | 'vault:info'
  | 'vault:integrity'
  | 'vault:backup'
  | 'vault:restore'
  | 'vault:rekey'
  | 'service-keys:create'
>;

const LOGO_TYPES: Record<string, string> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.svg': 'image/svg+xml' };

/** Admin channels: operators, settings, import, audit, outbox, vault maintenance. */
export function adminHandlers(ctl: AppController): H {
  const stamp = () => new Date(ctl.clock.now()).toISOString().slice(0, 10);
  return {
    'settings:update': (patch, s) => {
      const next = updateSettings(ctl.vault(), s!, patch);
      // A new idle time applies now, not only from the next sign-in.
      if (patch.idleLockMinutes !== undefined) ctl.idle.start(next.idleLockMinutes * 60_000);
      return next;
    },
    'settings:choose-logo': async ({ clear }, s) => {
      if (clear) return updateSettings(ctl.vault(), s!, { organizationLogo: null });
      const path = await ctl.deps.dialogs.openFile('image');
      if (!path) return getSettings(ctl.vault().db);
      const type = LOGO_TYPES[extname(path).toLowerCase()];
      if (!type) fail('BAD_REQUEST', 'The logo must be a PNG, JPEG or SVG file.', { field: 'organizationLogo' });
      if (statSync(path).size > 200 * 1024) fail('BAD_REQUEST', 'The logo must be at most 200 kB.', { field: 'organizationLogo' });
      return updateSettings(ctl.vault(), s!, { organizationLogo: `data:${type};base64,${readFileSync(path).toString('base64')}` });
    },
    'operators:list': (_r, s) => listOperators(ctl.vault(), s!),
    'operators:add': (req, s) => addOperator(ctl.vault(), s!, { ...req, email: req.email ?? null }),
    'operators:update': ({ operatorId, ...patch }, s) => updateOperator(ctl.vault(), s!, operatorId, patch),
    'operators:disable': ({ operatorId }, s) => disableOperator(ctl.vault(), s!, operatorId),
    'operators:remove': ({ operatorId }, s) => removeOperator(ctl.vault(), s!, operatorId),
    'operators:reset-password': ({ operatorId, password }, s) => resetOperatorPassword(ctl.vault(), s!, operatorId, password),
    'users:import': async () => {
      ctl.vault();
      const path = await ctl.deps.dialogs.openFile('csv');
      if (!path) return { jobId: null };
      return { jobId: ctl.startJob('import', { path }).jobId };
    },
    'users:import-cancel': ({ jobId }) => {
      ctl.cancelJob(jobId);
      return { ok: true as const };
    },
    'users:import-save-report': async ({ jobId }) => {
      const job = ctl.job(jobId);
      const report = job?.result as ImportReportView | undefined;
      if (!job || job.kind !== 'import' || !report) fail('NOT_FOUND', 'That import has no report yet.');
      const file = await ctl.deps.dialogs.saveFile('import-report', `factordesk-import-report-${stamp()}.csv`);
      if (!file) return { file: null };
      const lines = [csvRow(['line', 'reason']), ...report.rejected.map((r) => csvRow([r.line, r.reason]))];
      writeFileAtomic(file, lines.join('\r\n') + '\r\n');
      return { file };
    },
    'audit:list': ({ userEmail, operator, action, from, to, beforeSeq, limit }) => {
      const db = ctl.vault().db;
      let userId: number | undefined;
      if (userEmail) {
        const u = findUserByEmail(db, userEmail);
        if (!u) return [];
        userId = u.id;
      }
      return listAudit(db, { userId, operator, action, from, to, beforeSeq, limit: limit ?? 200 }).map(({ prevHash: _p, hash: _h, ...e }) => e);
    },
    'audit:verify': (_r, s) => verifyAuditForReport(ctl.vault(), s!),
    'audit:export': async ({ format }, s) => {
      const file = await ctl.deps.dialogs.saveFile(format === 'csv' ? 'audit-csv' : 'audit-json', `factordesk-audit-${stamp()}.${format}`);
      if (!file) return { file: null, count: 0 };
      // The file is written inside the transaction that records the export: no file, no event.
      const vault = ctl.vault();
      const r = vault.write(() => {
        const out = exportAudit(vault, s!, format);
        writeFileAtomic(file, out.content);
        return out;
      });
      return { file, count: r.count };
    },
    'outbox:list': ({ pendingOnly }, s) =>
      listOutbox(ctl.vault(), s!, { pendingOnly }).map((o) => ({ id: o.id, email: o.email, kind: o.kind, subject: o.subject, createdAt: o.createdAt, exportedAt: o.exportedAt })),
    'outbox:export': async ({ format }, s) => {
      const file = await ctl.deps.dialogs.saveFile(format === 'csv' ? 'outbox-csv' : 'outbox-json', `factordesk-outbox-${stamp()}.${format}`);
      if (!file) return { file: null, count: 0 };
      // Written inside the transaction that marks the notifications exported: a failed write leaves them queued.
      const vault = ctl.vault();
      const r = vault.write(() => {
        const out = exportOutbox(vault, s!, format);
        writeFileAtomic(file, out.content);
        return out;
      });
      return { file, count: r.count };
    },
    'vault:info': () => {
      const v = ctl.vault();
      const count = (sql: string) => (v.db.prepare(sql).get() as { n: number }).n;
      return {
        dir: v.dir,
        cipher: String(v.db.pragma('cipher', { simple: true })),
        schemaVersion: schemaVersion(v.db),
        keyGeneration: v.generation,
        sizeBytes: statSync(v.dbPath).size,
        users: count('SELECT count(*) AS n FROM users'),
        operators: count("SELECT count(*) AS n FROM operators WHERE status != 'removed'"),
        auditEvents: count('SELECT count(*) AS n FROM audit_events'),
      };
    },
    'vault:integrity': async () => (await ctl.startJob('integrity', {}).done) as { ok: boolean; problems: string[] },
    'vault:backup': async () => {
      const file = await ctl.deps.dialogs.saveFile('backup', `factordesk-backup-${stamp()}.fdbackup`);
      if (!file) return { file: null, bytes: 0 };
      const r = (await ctl.startJob('backup', { dest: file }).done) as { bytes: number };
      return { file, bytes: r.bytes };
    },
    'vault:restore': async ({ password }, s) => {
      const file = await ctl.deps.dialogs.openFile('backup');
      if (!file) return { restored: false };
      if (ctl.hasRunningJobs()) fail('VAULT_BUSY', 'Wait for the running import or backup to finish, then restore.');
      const name = s!.name;
      // The restored vault may hold other operators and keys: no reopen; everyone signs in again.
      await ctl.withVaultClosed(async (env) => ({ value: await restoreBackup(env, file, { name, password }, ctl.clock.now(), { auditAs: name }) }), { reopen: false });
      ctl.lock('restore');
      return { restored: true };
    },
    'vault:rekey': () => ctl.rekey(),
    'service-keys:create': async ({ label }, s) => {
      const file = await ctl.deps.dialogs.saveFile('service-key', `factordesk-service-${label.replace(/[^\w.-]/g, '_')}.key`);
      if (!file) return { file: null };
      createServiceKey(ctl.vault(), s!, label, (content) => writeFileAtomic(file, content, 0o600));
      return { file };
    },
  };
}
