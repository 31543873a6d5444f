// One audit event in full: every recorded field and its details (never a secret: services do
// not write any), for an admin who needs more than the table's columns.
import { useTranslation } from 'react-i18next';
import type { AuditEventView, IdentityCheck } from '../../../contract/index.ts';
import { actionLabel, outcomeLabel } from '../audit-labels.ts';
import { Modal } from '../components/Modal.tsx';
import { checkLabel } from '../components/RecentActivity.tsx';
import { exactTime } from '../format.ts';
import { Footer } from './parts.tsx';

/** A details value as text: strings as they are, anything else as JSON. */
function valueText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** The event's details dialog. */
export function AuditEventDialog({ event: e, checks, onClose }: { event: AuditEventView; checks: IdentityCheck[] | undefined; onClose: () => void }) {
  const { t } = useTranslation();
  const rows: Array<[string, string]> = [
    [t('audit.col.time'), exactTime(e.at)],
    [t('audit.col.operator'), e.operator ?? t('audit.system')],
    [t('audit.col.action'), `${actionLabel(e.action)} (${e.action})`],
    [t('audit.col.user'), e.userEmail ?? '—'],
    [t('audit.col.checks'), e.checks.map((c) => checkLabel(c, checks)).join(', ') || '—'],
    [t('audit.col.ticket'), e.ticket ?? '—'],
    [t('audit.col.reason'), e.reason ?? '—'],
    [t('audit.col.outcome'), outcomeLabel(e.outcome)],
  ];
  const details = Object.entries(e.details);
  return (
    <Modal open onOpenChange={(o) => !o && onClose()} title={t('audit.seq', { seq: e.seq })} testId="audit-event-dialog" wide>
      <dl className="details-list" data-testid="audit-event-fields">
        {rows.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      <h3>{t('audit.details')}</h3>
      {details.length === 0 ? (
        <p className="muted">{t('audit.noDetails')}</p>
      ) : (
        <dl className="details-list" data-testid="audit-event-details">
          {details.map(([k, v]) => (
            <div key={k}>
              <dt className="mono-small">{k}</dt>
              <dd className="mono-small">{valueText(v)}</dd>
            </div>
          ))}
        </dl>
      )}
      <Footer
        right={
          <button type="button" className="btn btn-primary" onClick={onClose} autoFocus data-testid="audit-event-close">
            {t('common.close')}
          </button>
        }
      />
    </Modal>
  );
}
