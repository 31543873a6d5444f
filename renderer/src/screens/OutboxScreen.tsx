// Outbox (admin): notifications waiting to be sent by the central mail system; export.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, useApi } from '../api.ts';
import { Checkbox } from '../components/Checkbox.tsx';
import { ScrollArea } from '../components/ScrollArea.tsx';
import { Notice, Status } from '../components/Status.tsx';
import { useToast } from '../components/Toasts.tsx';
import { errorText } from '../errors.ts';
import { dateTime, number } from '../format.ts';
import { isServerMode } from '../mode.ts';

/** The outbox screen. */
export function OutboxScreen() {
  const { t } = useTranslation();
  const toast = useToast();
  const [pendingOnly, setPendingOnly] = useState(true);
  const [key, setKey] = useState(0);
  const list = useApi('outbox:list', { pendingOnly }, `${pendingOnly}:${key}`);
  const [error, setError] = useState<string | null>(null);

  async function exportAs(format: 'csv' | 'json') {
    const r = await call('outbox:export', { format });
    if (!r.ok) return setError(errorText(t, r.error));
    setError(null);
    if (r.value.file) {
      toast({ title: t('outbox.exported', { count: r.value.count, n: number(r.value.count) }), description: r.value.file, tone: 'ok' });
      setKey((k) => k + 1);
    }
  }
  const items = list.data ?? [];
  return (
    <div className="screen screen-wide" data-testid="outbox-screen">
      <div className="screen-head">
        <h1>{t('outbox.title')}</h1>
        {isServerMode() ? null : (
          <div className="button-row">
            <button type="button" className="btn" onClick={() => void exportAs('csv')} data-testid="outbox-export-csv">
              {t('outbox.exportCsv')}
            </button>
            <button type="button" className="btn" onClick={() => void exportAs('json')} data-testid="outbox-export-json">
              {t('outbox.exportJson')}
            </button>
          </div>
        )}
      </div>
      <p className="lead">{t('outbox.intro')}</p>
      <Checkbox label={t('outbox.pendingOnly')} checked={pendingOnly} onChange={setPendingOnly} testId="outbox-pending-only" />
      {list.error ? <Notice tone="bad">{errorText(t, list.error)}</Notice> : null}
      {error ? <Notice tone="bad">{error}</Notice> : null}
      <ScrollArea label={t('outbox.title')}>
        <table className="table" data-testid="outbox-table">
          <thead>
            <tr>
              <th scope="col">{t('outbox.col.created')}</th>
              <th scope="col">{t('outbox.col.email')}</th>
              <th scope="col">{t('outbox.col.subject')}</th>
              <th scope="col">{t('outbox.col.status')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((i) => (
              <tr key={i.id} data-testid="outbox-row">
                <td className="nowrap">{dateTime(i.createdAt)}</td>
                <td>{i.email}</td>
                <td>{i.subject}</td>
                <td>
                  {i.deliveredAt ? (
                    <Status tone="ok" label={t('outbox.deliveredAt', { at: dateTime(i.deliveredAt) })} />
                  ) : i.exportedAt ? (
                    <Status tone="ok" label={t('outbox.exportedAt', { at: dateTime(i.exportedAt) })} />
                  ) : (
                    <Status tone="warn" icon="clock" label={t('outbox.pending')} />
                  )}
                  {!i.deliveredAt && !i.exportedAt && i.attempts > 0 ? (
                    <div className="muted" data-testid="outbox-retrying">
                      {t('outbox.retrying', { count: i.attempts, error: i.lastError ?? '' })}
                    </div>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {items.length === 0 && !list.loading ? <p className="muted empty">{t('outbox.empty')}</p> : null}
      </ScrollArea>
    </div>
  );
}
