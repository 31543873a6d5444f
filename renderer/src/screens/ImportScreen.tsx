// Import users (admin): main shows the file dialog and checks the file off the main thread
// (a dry run: the counts and the rejected lines, nothing written); "Import" then runs the import
// of that file off the main thread; progress (bytes read of the file's size) arrives as events,
// the report with 'job:done'.
import type { TFunction } from 'i18next';
import { useState, type Dispatch, type SetStateAction } from 'react';
import { useTranslation } from 'react-i18next';
import { call, type ApiError } from '../api.ts';
import { Icon } from '../components/Icon.tsx';
import { ScrollArea } from '../components/ScrollArea.tsx';
import { Notice } from '../components/Status.tsx';
import { useToast } from '../components/Toasts.tsx';
import { errorText } from '../errors.ts';
import { bytes, number } from '../format.ts';
import type { ImportJob } from '../jobs.ts';
import { IMPORT_REJECT_CODES, type ImportEncoding, type ImportPreview, type ImportPreviewView, type ImportReportWording } from '../../../contract/index.ts';
import { headerErrorText, ImportPreviewPanel, rejectionText } from './ImportPreview.tsx';

/**
 * The saved report's words in the screen's language: main fills each `{{name}}` from the line's
 * parameters, so the file says what the table says.
 */
export function reportWording(t: TFunction): ImportReportWording {
  const slots = { field: '{{field}}', max: '{{max}}', maxKb: '{{maxKb}}', email: '{{email}}' };
  const check = t('import.reportImportedCheck');
  return {
    line: t('import.line'),
    reason: t('import.reason'),
    reasons: Object.fromEntries(IMPORT_REJECT_CODES.map((code) => [code, t(`import.reject.${code}`, slots)])),
    nearDuplicate: `${check}: {{email}}: ${t('import.flaggedNearDuplicate', { other: '{{similarTo}}' })}`,
    mixedScript: `${check}: {{email}}: ${t('import.flaggedMixedScript')}`,
    stoppedRead: t('import.reportStoppedRead'),
    stoppedWrite: t('import.reportStoppedWrite'),
  };
}

/** The encodings an admin can choose, by their usual names (the same in every language). */
const ENCODINGS: Array<[ImportEncoding, string]> = [
  ['utf-8', 'UTF-8'],
  ['utf-16le', 'UTF-16 LE'],
  ['utf-16be', 'UTF-16 BE'],
  ['windows-1252', 'Windows-1252 (Latin-1)'],
];

/** The import screen. */
export function ImportScreen({ job, setJob }: { job: ImportJob | null; setJob: Dispatch<SetStateAction<ImportJob | null>> }) {
  const { t } = useTranslation();
  const toast = useToast();
  const [error, setError] = useState<ApiError | null>(null);
  const [encoding, setEncoding] = useState<ImportEncoding | 'auto'>('auto');
  const [checking, setChecking] = useState(false);
  const [preview, setPreview] = useState<(ImportPreviewView & { preview: ImportPreview }) | null>(null);
  const running = job !== null && !job.done;

  /** Step 1: pick a file and see what importing it would do. */
  async function check() {
    setError(null);
    setChecking(true);
    const r = await call('users:import-preview', encoding === 'auto' ? {} : { encoding });
    setChecking(false);
    if (!r.ok) return setError(r.error);
    if (r.value.previewId === null || r.value.preview === null) return; // cancelled in the file dialog
    setPreview({ ...r.value, preview: r.value.preview });
  }
  /** Step 2: import the file the preview read. */
  async function start() {
    if (!preview?.previewId) return;
    setError(null);
    const r = await call('users:import', { previewId: preview.previewId });
    setPreview(null);
    if (!r.ok) return setError(r.error);
    if (r.value.jobId === null) return;
    setJob({ jobId: r.value.jobId, startedAt: Date.now(), progress: null, totalBytes: preview.totalBytes, report: null, error: null, done: false, cancelling: false });
  }
  async function cancel() {
    if (!job) return;
    setJob({ ...job, cancelling: true });
    const r = await call('users:import-cancel', { jobId: job.jobId });
    if (!r.ok) setError(r.error);
  }
  async function save() {
    if (!job) return;
    const r = await call('users:import-save-report', { jobId: job.jobId, wording: reportWording(t) });
    if (!r.ok) setError(r.error);
    else if (r.value.file) toast({ title: t('import.saved'), description: r.value.file, tone: 'ok' });
  }

  const p = job?.progress;
  const rep = job?.report;
  const total = p?.totalBytes ?? job?.totalBytes ?? null;
  const read = total ? Math.min(p?.bytes ?? 0, total) : 0;
  return (
    <div className="screen" data-testid="import-screen">
      <h1>{t('import.title')}</h1>
      <p className="lead">{t('import.intro')}</p>
      <div className="field">
        <label htmlFor="import-encoding">{t('import.encoding')}</label>
        <select id="import-encoding" value={encoding} onChange={(e) => setEncoding(e.target.value as ImportEncoding | 'auto')} disabled={running || checking} data-testid="import-encoding">
          <option value="auto">{t('import.encodingAuto')}</option>
          {ENCODINGS.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </div>
      <div className="button-row">
        <button type="button" className="btn btn-primary" onClick={() => void check()} disabled={running || checking} data-testid="import-start">
          <Icon name="download" /> {t('import.choose')}
        </button>
      </div>
      {error ? (
        <Notice tone="bad" testId="import-error">
          {headerErrorText(t, error) ?? errorText(t, error)}
        </Notice>
      ) : null}
      {checking ? (
        <section className="panel" aria-labelledby="import-checking-h" data-testid="import-checking">
          <h2 id="import-checking-h">{t('import.checking')}</h2>
          <progress className="job-progress-bar" aria-label={t('import.checkingLabel')} />
        </section>
      ) : null}
      {preview && !checking && !running ? <ImportPreviewPanel view={preview} onImport={() => void start()} onDiscard={() => void check()} busy={checking} /> : null}
      {running ? (
        <section className="panel" aria-labelledby="import-running-h">
          <h2 id="import-running-h">{job.cancelling ? t('import.cancelling') : t('import.running')}</h2>
          {/* Determinate: bytes read of the file's size (its preview's until the first report). */}
          <progress className="job-progress-bar" max={total || undefined} value={total ? read : undefined} aria-label={t('import.progressLabel')} data-testid="import-progress" />
          {total ? (
            <p className="stats" data-testid="import-bytes">
              {t('import.bytesRead', { read: bytes(read), total: bytes(total), pct: number(Math.min(100, Math.floor((100 * read) / total))) })}
            </p>
          ) : null}
          <p className="stats" data-testid="import-stats" aria-live="polite">
            {t('import.stats', {
              rows: number(p?.rows ?? 0),
              accepted: number(p?.accepted ?? 0),
              rejected: number(p?.rejected ?? 0),
              speed: number(Math.round(p?.rowsPerSecond ?? 0)),
            })}
          </p>
          <button type="button" className="btn" onClick={() => void cancel()} disabled={job.cancelling} data-testid="import-cancel">
            {t('common.cancel')}
          </button>
        </section>
      ) : null}
      {job?.done ? (
        <section className="panel" aria-labelledby="import-report-h" data-testid="import-report">
          <h2 id="import-report-h">{rep?.cancelled ? t('import.reportCancelled') : t('import.reportTitle')}</h2>
          {job.error ? <Notice tone="bad">{errorText(t, job.error as ApiError)}</Notice> : null}
          {rep?.stopped ? (
            <Notice tone="bad" testId="import-stopped">
              {rep.stopped.kind === 'write' ? t('import.stoppedWrite', { line: number(rep.stopped.line), done: number(rep.inserted + rep.updated + rep.unchanged) }) : t('import.stopped', { line: number(rep.stopped.line) })}
            </Notice>
          ) : null}
          {rep?.encodingGuessed ? (
            <Notice tone="warn" testId="import-encoding-guessed">
              {t('import.encodingGuessed')}
            </Notice>
          ) : null}
          {rep ? (
            <>
              <dl className="counts">
                <div>
                  <dt>{t('import.rows')}</dt>
                  <dd data-testid="import-rows">{number(rep.rows)}</dd>
                </div>
                <div>
                  <dt>{t('import.inserted')}</dt>
                  <dd>{number(rep.inserted)}</dd>
                </div>
                <div>
                  <dt>{t('import.updated')}</dt>
                  <dd>{number(rep.updated)}</dd>
                </div>
                <div>
                  <dt>{t('import.unchanged')}</dt>
                  <dd>{number(rep.unchanged)}</dd>
                </div>
                <div>
                  <dt>{t('import.rejected')}</dt>
                  <dd data-testid="import-rejected-count">{number(rep.rejected.length)}</dd>
                </div>
              </dl>
              {rep.rejected.length > 0 ? (
                <ScrollArea label={t('import.rejectedCaption')}>
                  <table className="table" data-testid="import-rejected">
                    <caption>{t('import.rejectedCaption')}</caption>
                    <thead>
                      <tr>
                        <th scope="col">{t('import.line')}</th>
                        <th scope="col">{t('import.reason')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {rep.rejected.map((r) => (
                        <tr key={r.line}>
                          <td className="num">{number(r.line)}</td>
                          <td>{rejectionText(t, r)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </ScrollArea>
              ) : (
                <Notice tone="ok">{t('import.noRejected')}</Notice>
              )}
              {rep.flagged && rep.flagged.length > 0 ? (
                <>
                  <Notice tone="warn" testId="import-flagged-notice">
                    {t('import.flaggedNotice', { count: rep.flagged.length, n: number(rep.flagged.length) })}
                  </Notice>
                  <ScrollArea label={t('import.flaggedCaption')}>
                    <table className="table" data-testid="import-flagged">
                      <caption>{t('import.flaggedCaption')}</caption>
                      <thead>
                        <tr>
                          <th scope="col">{t('import.line')}</th>
                          <th scope="col">{t('import.flaggedAddress')}</th>
                          <th scope="col">{t('import.reason')}</th>
                        </tr>
                      </thead>
                      <tbody>
                        {rep.flagged.map((f) => (
                          <tr key={`${f.line}-${f.kind}`}>
                            <td className="num">{number(f.line)}</td>
                            <td className="mono">{f.email}</td>
                            <td>{f.kind === 'near-duplicate' ? t('import.flaggedNearDuplicate', { other: f.similarTo ?? '' }) : t('import.flaggedMixedScript')}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </ScrollArea>
                </>
              ) : null}
              <div className="button-row">
                <button type="button" className="btn" onClick={() => void save()} data-testid="import-save-report">
                  <Icon name="download" /> {t('import.saveReport')}
                </button>
              </div>
            </>
          ) : null}
        </section>
      ) : null}
    </div>
  );
}
