// The last audit events about a user, in plain words, newest first.
import { useTranslation } from 'react-i18next';
import type { AuditEventView, IdentityCheck } from '../../../contract/index.ts';
import { actionLabel, outcomeLabel } from '../audit-labels.ts';
import { shortWhen } from '../format.ts';
import { currentLang } from '../i18n.ts';
import { ScrollArea } from './ScrollArea.tsx';
import { Time } from './Time.tsx';

/** The label of a check id in the UI language (the id itself when unknown). */
export function checkLabel(id: string, checks: IdentityCheck[] | undefined): string {
  const c = checks?.find((x) => x.id === id);
  return c ? c.label[currentLang()] : id;
}

/** The recent-activity table of a user page. */
export function RecentActivity({ events, checks }: { events: AuditEventView[]; checks: IdentityCheck[] | undefined }) {
  const { t } = useTranslation();
  if (events.length === 0) return <p className="muted">{t('activity.none')}</p>;
  return (
    <ScrollArea label={t('activity.title')}>
    <table className="table table-compact" data-testid="recent-activity">
      <thead>
        <tr>
          <th scope="col">{t('audit.col.time')}</th>
          <th scope="col">{t('audit.col.operator')}</th>
          <th scope="col">{t('audit.col.action')}</th>
          <th scope="col">{t('audit.col.checks')}</th>
          <th scope="col">{t('audit.col.ticket')}</th>
          <th scope="col">{t('audit.col.reason')}</th>
          <th scope="col">{t('audit.col.outcome')}</th>
        </tr>
      </thead>
      <tbody>
        {events.map((e) => (
          <tr key={e.seq}>
            <td className="nowrap">
              <Time at={e.at}>{shortWhen(e.at)}</Time>
            </td>
            <td>{e.operator ?? t('audit.system')}</td>
            <td>{actionLabel(e.action)}</td>
            <td>{e.checks.map((c) => checkLabel(c, checks)).join(', ')}</td>
            <td className="mono-small nowrap">{e.ticket}</td>
            <td className="wrap-cell">
              {e.reason}
            </td>
            <td>{outcomeLabel(e.outcome)}</td>
          </tr>
        ))}
      </tbody>
    </table>
    </ScrollArea>
  );
}
