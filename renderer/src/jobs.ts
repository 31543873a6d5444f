// Background jobs (import, backup, integrity check, rekey): the toast text of a finished job
// and the import's live state.
import type { TFunction } from 'i18next';
import type { Events, ImportReportView, JobReport } from '../../contract/index.ts';
import { errorText } from './errors.ts';
import { number } from './format.ts';

/** The import job the import screen shows (kept in the workspace so it survives tab changes). */
export interface ImportJob {
  jobId: string;
  startedAt: number;
  progress: Events['import:progress'] | null;
  /** The file's size as its preview found it, so the bar is determinate from the start. */
  totalBytes?: number | null;
  report: ImportReportView | null;
  error: JobReport['error'];
  done: boolean;
  cancelling: boolean;
}

/** The import report inside a job report, if it looks like one. */
export function importReportOf(r: JobReport): ImportReportView | null {
  const v = r.result as Partial<ImportReportView> | null;
  if (!v || typeof v !== 'object' || typeof v.rows !== 'number') return null;
  return {
    rows: v.rows,
    inserted: v.inserted ?? 0,
    updated: v.updated ?? 0,
    unchanged: v.unchanged ?? 0,
    rejected: Array.isArray(v.rejected) ? v.rejected : [],
    cancelled: v.cancelled === true,
    encoding: v.encoding ?? 'utf-8',
    encodingGuessed: v.encodingGuessed === true,
    stopped: v.stopped && typeof v.stopped.line === 'number' ? v.stopped : null,
    flagged: Array.isArray(v.flagged) ? v.flagged : [],
  };
}

/** Title and description of the toast for a finished job. */
export function jobToast(t: TFunction, r: JobReport): { title: string; description?: string; tone: 'ok' | 'bad' | 'warn' } {
  const kind = t(`jobs.kind.${r.kind}`);
  if (!r.ok) return { title: t('jobs.failed', { kind }), description: r.error ? errorText(t, r.error) : undefined, tone: 'bad' };
  if (r.kind === 'import') {
    const rep = importReportOf(r);
    if (rep) {
      const description = t('jobs.importSummary', { rows: number(rep.rows), inserted: number(rep.inserted), updated: number(rep.updated), rejected: number(rep.rejected.length) });
      if (rep.stopped) return { title: t(rep.stopped.kind === 'write' ? 'jobs.importStoppedWrite' : 'jobs.importStopped'), description, tone: 'bad' };
      return { title: rep.cancelled ? t('jobs.importCancelled') : t('jobs.done', { kind }), description, tone: rep.rejected.length > 0 || rep.cancelled || rep.encodingGuessed || (rep.flagged?.length ?? 0) > 0 ? 'warn' : 'ok' };
    }
  }
  if (r.kind === 'integrity') {
    const v = r.result as { ok?: boolean; problems?: string[] } | null;
    if (v && v.ok === false) return { title: t('jobs.integrityProblems', { count: v.problems?.length ?? 0, n: number(v.problems?.length ?? 0) }), tone: 'bad' };
  }
  return { title: t('jobs.done', { kind }), tone: 'ok' };
}
