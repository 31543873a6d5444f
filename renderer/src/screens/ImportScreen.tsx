// Import users (admin): main shows the file dialog and runs the import off the main thread;
// progress arrives as events, the report with 'job:done'.
import * as Progress from '@radix-ui/react-progress';
import { useState, type Dispatch, type SetStateAction } from 'react';
import { useTranslation } from 'react-i18next';
import { call, type ApiError } from '../api.ts';
import { Icon } from '../components/Icon.tsx';
import { ScrollArea } from '../components/ScrollArea.tsx';
import { Notice } from '../components/Status.tsx';
import { useToast } from '../components/Toasts.tsx';
import { errorText } from '../errors.ts';
import { number } from '../format.ts';
import type { ImportJob } from '../jobs.ts';
import type { ImportEncoding } from '../../../contract/index.ts';

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
  const running = job !== null && !job.done;

  async function start() {
    setError(null);
    const r = await call('users:import', encoding === 'auto' ? {} : { encoding });
    if (!r.ok) return setError(r.error);
    if (r.value.jobId === null) return; // cancelled in the file dialog
    setJob({ jobId: r.value.jobId, startedAt: Date.now(), progress: null, report: null, error: null, done: false, cancelling: false });
  }
  async function cancel() {
    if (!job) return;
    setJob({ ...job, cancelling: true });
    const r = await call('users:import-cancel', { jobId: job.jobId });
    if (!r.ok) setError(r.error);
  }
  async function save() {
    if (!job) return;
    const r = await call('users:import-save-report', { jobId: job.jobId });
    if (!r.ok) setError(r.error);
    else if (r.value.file) toast({ title: t('import.saved'), description: r.value.file, tone: 'ok' });
  }

  const p = job?.progress;
  const rep = job?.report;
  return (
    <div className="screen" data-testid="import-screen">
      <h1>{t('import.title')}</h1>
      <p className="lead">{t('import.intro')}</p>
      <div className="field">
        <label htmlFor="import-encoding">{t('import.encoding')}</label>
        <select id="import-encoding" value={encoding} onChange={(e) => setEncoding(e.target.value as ImportEncoding | 'auto')} disabled={running} data-testid="import-encoding">
          <option value="auto">{t('import.encodingAuto')}</option>
          {ENCODINGS.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </div>
      <div className="button-row">
        <button type="button" className="btn btn-primary" onClick={() => void start()} disabled={running} data-testid="import-start">
          <Icon name="download" /> {t('import.choose')}
        </button>
      </div>
      {error ? <Notice tone="bad">{errorText(t, error)}</Notice> : null}
      {running ? (
        <section className="panel" aria-labelledby="import-running-h">
          <h2 id="import-running-h">{job.cancelling ? t('import.cancelling') : t('import.running')}</h2>
          <Progress.Root className="progress" value={null} aria-label={t('import.progressLabel')} data-testid="import-progress">
            <Progress.Indicator className="progress-indicator" />
          </Progress.Root>
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
              {rep.stopped.kind === 'write'
                ? t('import.stoppedWrite', { line: number(rep.stopped.line), done: number(rep.inserted + rep.updated + rep.unchanged) })
                : t('import.stopped', { line: number(rep.stopped.line) })}
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
                          <td>{r.reason}</td>
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
