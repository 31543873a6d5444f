// The status bar at the bottom of the main window: who is signed in, the vault, the idle-lock
// countdown in its last minute, what waits (outbox, approvals for this operator) and the slot
// where toasts appear, so that a toast never covers anything.
import { useTranslation } from 'react-i18next';
import type { PublicSession } from '../../../contract/index.ts';
import { number, relative } from '../format.ts';
import { Icon } from './Icon.tsx';
import { ToastSlot } from './Toasts.tsx';
import { isServerMode, serverPage } from '../mode.ts';

interface Props {
  session: PublicSession;
  /** Seconds to the idle lock in its last minute, else null. */
  idleLeft: number | null;
  /** Notifications waiting in the outbox (admins; null when unknown or not allowed). */
  outboxPending: number | null;
  /** A background job that is running, e.g. "Import" (null when none). */
  job: string | null;
  onOutbox?: () => void;
  /** Approval requests waiting for this operator (to decide, or to run); null when unknown. */
  approvalsWaiting?: number | null;
  /** Admins: when the vault was last backed up (null: never; undefined: not shown). */
  lastBackup?: number | null;
}

/** The bar. */
export function StatusBar({ session, idleLeft, outboxPending, job, onOutbox, approvalsWaiting = null, lastBackup }: Props) {
  const { t } = useTranslation();
  return (
    <footer className="statusbar" data-testid="status-bar">
      <span className="status-item" data-testid="status-operator">
        <Icon name="user" />
        {t('statusBar.operator', { name: session.displayName, role: t(`role.${session.role}`) })}
      </span>
      <span className="status-item" data-testid="status-vault">
        <Icon name="shield" />
        {job ? t('statusBar.vaultBusy', { job }) : isServerMode() ? t('statusBar.server', { server: serverPage('') }) : t('statusBar.vaultOpen')}
      </span>
      {lastBackup !== undefined ? (
        <span className="status-item" data-testid="status-backup">
          <Icon name="download" />
          {lastBackup === null ? t('statusBar.noBackup') : t('statusBar.lastBackup', { age: relative(lastBackup) })}
        </span>
      ) : null}
      {outboxPending !== null ? (
        <span className="status-item" data-slot="outbox" data-testid="status-outbox">
          <Icon name="sms" />
          {onOutbox && outboxPending > 0 ? (
            <button type="button" className="link status-link" onClick={onOutbox}>
              {t('statusBar.outbox', { count: outboxPending, n: number(outboxPending) })}
            </button>
          ) : (
            t('statusBar.outbox', { count: outboxPending, n: number(outboxPending) })
          )}
        </span>
      ) : null}
      {approvalsWaiting !== null && approvalsWaiting > 0 ? (
        <span className="status-item" data-slot="approvals" data-testid="status-approvals">
          <Icon name="shield" />
          {t('statusBar.approvals', { count: approvalsWaiting, n: number(approvalsWaiting) })}
        </span>
      ) : null}
      {idleLeft !== null ? (
        <span className="status-item status-idle" data-testid="status-idle" aria-live="off">
          <Icon name="clock" />
          {t('statusBar.idle', { seconds: idleLeft })}
        </span>
      ) : null}
      <div className="status-toasts">
        <ToastSlot />
      </div>
    </footer>
  );
}
