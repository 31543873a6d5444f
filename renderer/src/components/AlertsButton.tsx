// Admins only: the count of open alerts in the top bar, opening the list with an Acknowledge
// button per alert. A plain button and a dialog, so it is one Tab stop and works by keyboard.
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AlertView } from '../../../contract/index.ts';
import { call } from '../api.ts';
import { Modal } from './Modal.tsx';
import { dateTime } from '../format.ts';
import { actionLabel } from '../audit-labels.ts';

/** The button and its dialog; `refresh` changes whenever the workspace may have raised alerts. */
export function AlertsButton({ refresh }: { refresh: unknown }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const [alerts, setAlerts] = useState<AlertView[]>([]);
  const [count, setCount] = useState(0);
  const [failed, setFailed] = useState<string | null>(null);

  const load = useCallback(async () => {
    const r = await call('alerts:list', {});
    if (r.ok) {
      setAlerts(r.value.alerts);
      setCount(r.value.open);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load, refresh, open]);

  const ack = async (id: number) => {
    setFailed(null);
    const r = await call('alerts:ack', { id });
    if (!r.ok) setFailed(r.error.message);
    await load();
  };

  return (
    <>
      <button type="button" className={`btn btn-alerts${count > 0 ? ' has-alerts' : ''}`} onClick={() => setOpen(true)} data-testid="alerts-button" aria-label={t('alerts.button', { count })}>
        <span className="alerts-label">{t('alerts.short')}</span> <span className="tab-badge" data-testid="alerts-count">{count}</span>
      </button>
      {open ? (
        <Modal open={open} onOpenChange={setOpen} title={t('alerts.title')} description={t('alerts.description')} testId="alerts-dialog" wide>
          {failed ? <p role="alert">{failed}</p> : null}
          {alerts.length === 0 ? (
            <p data-testid="alerts-empty">{t('alerts.none')}</p>
          ) : (
            <ul className="alerts-list">
              {alerts.map((a) => (
                <li key={a.id} data-testid={`alert-${a.id}`}>
                  <strong>{t(`alerts.kind.${a.kind}`)}</strong> — {dateTime(a.at)} — {actionLabel(a.action)}
                  {a.operator ? ` — ${a.operator}` : ''}
                  {a.userEmail ? ` — ${a.userEmail}` : ''}{' '}
                  <button type="button" className="btn" onClick={() => void ack(a.id)} data-testid={`alert-ack-${a.id}`}>
                    {t('alerts.ack')}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </Modal>
      ) : null}
    </>
  );
}
