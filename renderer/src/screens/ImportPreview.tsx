// The import's first step: what importing the chosen file would do (main read it as the import
// would and wrote nothing), with the first rejected lines and why, before "Import" runs it.
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { Icon } from '../components/Icon.tsx';
import { ScrollArea } from '../components/ScrollArea.tsx';
import { Notice } from '../components/Status.tsx';
import { number } from '../format.ts';
import type { ApiError } from '../api.ts';
import type { ImportPreview, ImportPreviewView, ImportRejection } from '../../../contract/index.ts';

/** How many rejected lines the preview lists (the counts cover them all). */
const SHOWN = 50;

/** Why a line will be rejected, in the screen's language. */
export function rejectionText(t: TFunction, r: ImportRejection): string {
  return t(`import.reject.${r.code}`, { field: r.params?.field ?? '', max: r.params?.max ?? '', maxKb: r.params?.maxKb ?? 64, email: r.params?.email ?? '', reason: r.reason });
}

/** A refused header row in the screen's language, naming its columns; null for any other error. */
export function headerErrorText(t: TFunction, error: ApiError): string | null {
  if (error.code !== 'BAD_REQUEST') return null;
  const d = error.details;
  if (d?.field !== 'header' || d.kind !== 'header') return null;
  const parts: string[] = [];
  if (d.unknown?.length) parts.push(t('import.header.unknown', { cols: d.unknown.map((c) => t('import.header.quoted', { name: c })).join(', ') }));
  if (d.missing?.length) parts.push(t('import.header.missing', { cols: d.missing.join(', ') }));
  if (d.duplicate?.length) parts.push(t('import.header.duplicate', { cols: d.duplicate.join(', ') }));
  parts.push(t('import.header.allowed', { cols: (d.columns ?? []).join(', ') }));
  return parts.join(' ');
}

/** The preview panel: counts, warnings, the first rejected lines, and Import / Choose another file. */
export function ImportPreviewPanel({ view, onImport, onDiscard, busy }: { view: ImportPreviewView & { preview: ImportPreview }; onImport: () => void; onDiscard: () => void; busy: boolean }) {
  const { t } = useTranslation();
  const p = view.preview;
  const n = p.new + p.changed;
  const shown = p.rejected.slice(0, SHOWN);
  const more = p.rejectedCount - shown.length;
  return (
    <section className="panel" aria-labelledby="import-preview-h" data-testid="import-preview">
      <h2 id="import-preview-h">{t('import.previewTitle', { file: view.fileName ?? '' })}</h2>
      <p>{t('import.previewIntro')}</p>
      {p.stopped ? (
        <Notice tone="bad" testId="import-preview-stopped">
          {t('import.previewStopped', { line: number(p.stopped.line) })}
        </Notice>
      ) : null}
      {p.encodingGuessed ? (
        <Notice tone="warn" testId="import-preview-encoding">
          {t('import.previewEncodingGuessed')}
        </Notice>
      ) : null}
      <dl className="counts">
        <div>
          <dt>{t('import.rows')}</dt>
          <dd data-testid="import-preview-rows">{number(p.rows)}</dd>
        </div>
        <div>
          <dt>{t('import.new')}</dt>
          <dd data-testid="import-preview-new">{number(p.new)}</dd>
        </div>
        <div>
          <dt>{t('import.changed')}</dt>
          <dd data-testid="import-preview-changed">{number(p.changed)}</dd>
        </div>
        <div>
          <dt>{t('import.unchanged')}</dt>
          <dd data-testid="import-preview-unchanged">{number(p.unchanged)}</dd>
        </div>
        <div>
          <dt>{t('import.rejected')}</dt>
          <dd data-testid="import-preview-rejected-count">{number(p.rejectedCount)}</dd>
        </div>
      </dl>
      {shown.length > 0 ? (
        <ScrollArea label={t('import.previewRejectedCaption')}>
          <table className="table" data-testid="import-preview-rejected">
            <caption>{t('import.previewRejectedCaption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('import.line')}</th>
                <th scope="col">{t('import.reason')}</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((r) => (
                <tr key={r.line}>
                  <td className="num">{number(r.line)}</td>
                  <td>{rejectionText(t, r)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollArea>
      ) : (
        <Notice tone="ok">{t('import.previewNoRejected')}</Notice>
      )}
      {more > 0 ? <p data-testid="import-preview-more">{t('import.previewMore', { count: more, n: number(more) })}</p> : null}
      {n === 0 ? <Notice tone="ok">{t('import.previewNothing')}</Notice> : null}
      <div className="button-row">
        <button type="button" className="btn btn-primary" onClick={onImport} disabled={busy} data-testid="import-confirm">
          <Icon name="download" /> {n === 0 ? t('import.confirmNothing') : t('import.confirm', { count: n, n: number(n) })}
        </button>
        <button type="button" className="btn" onClick={onDiscard} disabled={busy} data-testid="import-preview-discard">
          {t('import.chooseAnother')}
        </button>
      </div>
    </section>
  );
}
