// The factor cards of a user's page: authenticator, pending set-up, SMS, backup codes,
// one-time code and the verification lock. Status always with an icon and text.
import { useTranslation } from 'react-i18next';
import type { FactorSummaryView } from '../../../contract/index.ts';
import { date, dateTime, number, relative } from '../format.ts';
import { Icon, type IconName } from './Icon.tsx';
import { Status } from './Status.tsx';
import { Time } from './Time.tsx';

function Card({ title, icon, testId, children }: { title: string; icon: IconName; testId: string; children: React.ReactNode }) {
  return (
    <section className="card" data-testid={testId} aria-label={title}>
      <h3 className="card-title">
        <Icon name={icon} /> {title}
      </h3>
      <div className="card-body">{children}</div>
    </section>
  );
}

/** "last used 2 d ago", the exact time one hover or Tab away. */
function When({ label, at }: { label: string; at: number }) {
  return (
    <div className="when">
      {label} <Time at={at}>{relative(at)}</Time>
    </div>
  );
}

/** All factor cards for one user. */
export function FactorCards({ view }: { view: FactorSummaryView }) {
  const { t } = useTranslation();
  const a = view.authenticator;
  const authStatus = {
    active: <Status tone="ok" label={t('factor.active')} testId="auth-status" />,
    pending: <Status tone="warn" icon="pending" label={t('factor.pending')} testId="auth-status" />,
    revoked: <Status tone="bad" label={t('factor.revoked')} testId="auth-status" />,
    none: <Status tone="neutral" label={t('factor.none')} testId="auth-status" />,
  }[a.status];
  const v = view.verification;
  const now = Date.now();
  return (
    <div className="cards">
      <Card title={t('factor.authenticator')} icon="phone" testId="factor-authenticator">
        {authStatus}
        {a.enrolledAt !== null ? (
          <div className="when">
            {t('factor.since')} <Time at={a.enrolledAt}>{date(a.enrolledAt)}</Time>
          </div>
        ) : null}
        {a.lastUsedAt !== null ? <When label={t('factor.lastUsed')} at={a.lastUsedAt} /> : a.status === 'active' ? <div className="muted">{t('factor.neverUsed')}</div> : null}
      </Card>
      {view.pending ? (
        <Card title={t('factor.pendingTitle')} icon="pending" testId="factor-pending">
          {view.pending.deadline < now ? (
            <Status tone="bad" icon="clock" label={t('factor.deadlinePassed')} />
          ) : (
            <Status tone="warn" icon="clock" label={t('factor.waiting')} />
          )}
          <div className="when" data-testid="pending-deadline">
            {t('factor.setUpBefore')} <time dateTime={new Date(view.pending.deadline).toISOString()}>{dateTime(view.pending.deadline)}</time>
          </div>
          <When label={t('factor.made')} at={view.pending.createdAt} />
          {view.pending.sheetId ? <div className="muted">{t('factor.sheet', { id: view.pending.sheetId })}</div> : null}
        </Card>
      ) : null}
      <Card title={t('factor.sms')} icon="sms" testId="factor-sms">
        {view.sms ? (
          <>
            <div className="mono sms-number">{view.sms.masked}</div>
            {view.sms.usage === 'login-and-approvals' ? (
              <>
                <span className="badge">{t('factor.loginAndApprovals')}</span>
                <span className="card-note">{t('factor.loginAndApprovalsNote')}</span>
              </>
            ) : (
              <>
                <span className="badge">{t('factor.loginOnly')}</span>
                <span className="card-note">{t('factor.loginOnlyNote')}</span>
              </>
            )}
            {view.sms.verified ? <Status tone="ok" label={t('factor.verified')} /> : <Status tone="warn" label={t('factor.notVerified')} />}
          </>
        ) : (
          <Status tone="neutral" label={t('factor.noSms')} />
        )}
      </Card>
      <Card title={t('factor.backupCodes')} icon="list" testId="factor-backup-codes">
        {view.backupCodes ? (
          <>
            <Status
              tone={view.backupCodes.remaining === 0 ? 'warn' : 'ok'}
              icon={view.backupCodes.remaining === 0 ? 'warning' : 'check'}
              label={t('factor.codesLeft', { n: number(view.backupCodes.remaining), total: number(view.backupCodes.total) })}
            />
            <div className="when">
              {t('factor.made')} <Time at={view.backupCodes.createdAt}>{date(view.backupCodes.createdAt)}</Time>
            </div>
          </>
        ) : (
          <Status tone="neutral" label={t('factor.noCodes')} />
        )}
      </Card>
      <Card title={t('factor.oneTimeCode')} icon="key" testId="factor-one-time-code">
        {view.oneTimeCode.active && view.oneTimeCode.expiresAt !== null ? (
          <>
            <Status tone="info" icon="clock" label={t('factor.otcActive')} />
            <div className="when">
              {t('factor.expires')} <Time at={view.oneTimeCode.expiresAt}>{relative(view.oneTimeCode.expiresAt)}</Time>
            </div>
          </>
        ) : (
          <Status tone="neutral" label={t('factor.otcNone')} />
        )}
      </Card>
      <Card title={t('factor.verification')} icon="shield" testId="verification-state">
        {v.locked ? (
          <Status tone="bad" icon="lock" label={v.lockedUntil ? t('factor.lockedUntil', { at: dateTime(v.lockedUntil) }) : t('factor.locked')} />
        ) : (
          <Status tone="ok" icon="unlock" label={t('factor.notLocked')} />
        )}
        <div className={v.failures > 0 ? 'warn-text' : 'muted'}>{t('factor.failures', { count: v.failures, n: number(v.failures) })}</div>
      </Card>
    </div>
  );
}
