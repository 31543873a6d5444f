/**
 * Imports while the app is a server's client: the file is chosen and read here, in main, and
 * streamed to the server's import route; progress comes from the job's status on the server and
 * goes to the renderer as the same events a vault's import sends. The file's path never leaves
 * main; the report is kept here for "Save report".
 */
import type { Handlers } from '../guard.ts';
import type { AppController } from '../../app/controller.ts';
import type { ServerLink } from '../../app/server-link.ts';
import type { ImportEncoding, ImportPreview, ImportReportView, JobReport, JobStatusView } from '../../../contract/index.ts';
import { fail, toFactorDeskError } from '../../core/errors.ts';
import { saveImportReport } from '../../core/import-report.ts';
import { fileSink, inputFile, pickedFile } from '../../platform/file-ports.ts';

/** How often a running import's status is asked for. */
export const STATUS_EVERY_MS = 500;

type H = Pick<Handlers, 'users:import' | 'users:import-preview' | 'users:import-cancel' | 'users:import-save-report' | 'jobs:reports' | 'jobs:status'>;

export function serverImportHandlers(ctl: AppController, link: () => ServerLink): H {
  const stamp = () => new Date(ctl.clock.now()).toISOString().slice(0, 10);
  /** Each operator's latest dry run: the file it read, for the import that follows it. */
  const previews = new Map<string, { previewId: string; path: string; encoding?: ImportEncoding }>();
  /** Finished imports' reports, for "Save report" (their operator's only). */
  const reports = new Map<string, { operatorId: string; report: ImportReportView }>();
  /** Reports of imports that ended while their operator was signed out, handed over at the next sign-in. */
  let unreported: Array<{ operatorId: string; report: JobReport }> = [];
  const signedIn = () => {
    const l = link();
    if (!l.session) fail('SESSION_LOCKED', 'Sign in first.');
    return { l, operatorId: l.session.operatorId };
  };

  /** Begins a job on the server and streams `path` to it; resolves with its answer. */
  async function send<T>(l: ServerLink, path: string, req: { dryRun?: boolean; encoding?: ImportEncoding }): Promise<{ jobId: string; answer: Promise<T> }> {
    const file = inputFile(path);
    const size = file.size();
    const { jobId } = await l.call('users:import-begin', { ...req, ...(size ? { totalBytes: size } : {}) });
    // Sent chunked: a file that grows or shrinks while it is read is still sent as it is read
    // (a body cut off before its last chunk stops the import, as a cut-off length does).
    return { jobId, answer: l.upload<T>(`import/${jobId}`, file.stream(), null).result };
  }

  return {
    'users:import-preview': async ({ encoding }) => {
      const { l, operatorId } = signedIn();
      const path = await ctl.deps.dialogs.openFile('csv');
      if (!path) return { previewId: null, fileName: null, totalBytes: null, preview: null };
      const { answer } = await send<ImportPreview>(l, path, { dryRun: true, ...(encoding ? { encoding } : {}) });
      const preview = await answer;
      const previewId = ctl.random.bytes(8).toString('hex');
      previews.set(operatorId, { previewId, path, ...(encoding ? { encoding } : {}) });
      return { previewId, fileName: pickedFile(path).name, totalBytes: inputFile(path).size(), preview };
    },
    'users:import': async ({ encoding, previewId }) => {
      const { l, operatorId } = signedIn();
      let path: string | null;
      let enc = encoding;
      if (previewId !== undefined) {
        const p = previews.get(operatorId);
        if (!p || p.previewId !== previewId) fail('NOT_FOUND', 'That preview is no longer there: choose the file again.');
        previews.delete(operatorId);
        path = p.path;
        enc = p.encoding;
      } else {
        path = await ctl.deps.dialogs.openFile('csv');
        if (!path) return { jobId: null };
      }
      const { jobId, answer } = await send<ImportReportView>(l, path, enc ? { encoding: enc } : {});
      const started = ctl.clock.now();
      // Progress while the file streams, from the job's status on the server.
      let running = true;
      const poll = setInterval(() => {
        if (!running || link().session?.operatorId !== operatorId) return;
        link()
          .call('jobs:status', { jobId })
          .then(
            (st: JobStatusView) => {
              if (running && st.state === 'running') ctl.deps.emit('import:progress', { jobId, rows: st.rows, bytes: st.bytes, totalBytes: st.totalBytes, accepted: st.accepted, rejected: st.rejected, rowsPerSecond: st.rowsPerSecond });
            },
            () => {},
          );
      }, STATUS_EVERY_MS);
      const finish = (r: JobReport) => {
        running = false;
        clearInterval(poll);
        if (r.ok) reports.set(jobId, { operatorId, report: r.result as ImportReportView });
        if (link().session?.operatorId === operatorId) ctl.deps.emit('job:done', r);
        else unreported.push({ operatorId, report: r });
      };
      answer.then(
        (report) => finish({ jobId, kind: 'import', ok: true, finishedAt: Math.max(ctl.clock.now(), started), error: null, result: report }),
        (err: unknown) => {
          const e = toFactorDeskError(err);
          finish({ jobId, kind: 'import', ok: false, finishedAt: ctl.clock.now(), error: { code: e.code, message: e.message }, result: null });
        },
      );
      return { jobId };
    },
    'users:import-cancel': async ({ jobId }) => {
      const { l } = signedIn();
      return l.call('users:import-cancel', { jobId });
    },
    'users:import-save-report': async ({ jobId, wording }) => {
      const { operatorId } = signedIn();
      const r = reports.get(jobId);
      if (!r || r.operatorId !== operatorId) fail('NOT_FOUND', 'That import has no report yet.');
      const file = await ctl.deps.dialogs.saveFile('import-report', `factordesk-import-report-${stamp()}.csv`);
      if (!file) return { file: null };
      await saveImportReport(r.report, fileSink(file), wording);
      return { file };
    },
    'jobs:reports': () => {
      const { operatorId } = signedIn();
      const mine = unreported.filter((u) => u.operatorId === operatorId);
      unreported = unreported.filter((u) => u.operatorId !== operatorId);
      return mine.map((u) => u.report);
    },
    'jobs:status': async ({ jobId }) => signedIn().l.call('jobs:status', { jobId }),
  };
}
