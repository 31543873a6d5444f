// A user's page: identity, factor cards, lock state, actions and recent activity.
import { useEffect, useRef, useState, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import type { FactorSummaryView } from '../../../contract/index.ts';
import { call, useApi } from '../api.ts';
import { Checkbox } from '../components/Checkbox.tsx';
import { FactorCards } from '../components/FactorCards.tsx';
import { Icon } from '../components/Icon.tsx';
import { RecentActivity } from '../components/RecentActivity.tsx';
import { Notice, Status } from '../components/Status.tsx';
import { ActionDialog } from '../dialogs/ActionDialog.tsx';
import type { ActionKind } from '../dialogs/actions.ts';
import { LostPhoneWizard } from '../dialogs/LostPhoneWizard.tsx';
import { ReenrollWizard } from '../dialogs/ReenrollWizard.tsx';
import { RefuseDialog, type RefusePrefill } from '../dialogs/RefuseDialog.tsx';
import { errorText } from '../errors.ts';
import { phoneForReading } from '../format.ts';
import { altAria, altLabel, useAltClick } from '../shortcuts.ts';
import { useWorkspace } from '../workspace.ts';

type Open = { kind: ActionKind } | { kind: 'reenroll' } | { kind: 'lost-phone' } | { kind: 'refuse'; prefill: RefusePrefill | null } | null;

/** The page of one user; `focusToken` changes when the page should take focus (opened by Enter). */
export function UserDetail({ userId, focusToken }: { userId: number; focusToken: number }) {
  const { t } = useTranslation();
  const ws = useWorkspace();
  const [reloadKey, setReloadKey] = useState(0);
  const { data: view, error, loading } = useApi('users:view', { userId }, `${userId}:${reloadKey}`);
  const [open, setOpen] = useState<Open>(null);
  const headRef = useRef<HTMLHeadingElement>(null);
  const focused = useRef(-1);

  useEffect(() => {
    if (view && focusToken > 0 && focused.current !== focusToken) {
      focused.current = focusToken;
      headRef.current?.focus();
    }
  }, [view, focusToken]);

  if (error) return <Notice tone="bad">{errorText(t, error)}</Notice>;
  if (!view) return <p className="muted" aria-busy={loading}>{t('common.loading')}</p>;

  const finished = (done: boolean) => {
    setOpen(null);
    if (done) {
      setReloadKey((k) => k + 1);
      ws.changed();
      ws.focusSearch();
    }
  };
  const toRefuse = (prefill: RefusePrefill) => setOpen({ kind: 'refuse', prefill });
  const settings = ws.settings;
  const disabled = view.user.status === 'disabled';

  return (
    <article className="user" aria-labelledby="user-name" data-testid="user-detail">
      <header className="user-head">
        <div>
          <h2 id="user-name" tabIndex={-1} ref={headRef} data-testid="user-name">
            {view.user.name}
          </h2>
          <div className="user-meta">
            <span data-testid="user-email">{view.user.email}</span>
            <span aria-hidden="true">·</span>
            {disabled ? <Status tone="bad" icon="ban" label={t('user.disabled')} /> : <Status tone="ok" label={t('user.active')} />}
            <span aria-hidden="true">·</span>
            {view.verification.locked ? <Status tone="bad" icon="lock" label={t('factor.locked')} /> : <Status tone="neutral" icon="unlock" label={t('factor.notLocked')} />}
            {view.privileged.marked || view.privileged.operatorAccount ? (
              <>
                <span aria-hidden="true">·</span>
                <span data-testid="user-privileged">
                  <Status tone="warn" icon="shield" label={view.privileged.operatorAccount ? t('user.privilegedOperator') : t('user.privileged')} />
                </span>
              </>
            ) : null}
          </div>
          {ws.isAdmin ? (
            <Checkbox
              label={t('user.markPrivileged')}
              note={t('user.markPrivilegedNote')}
              checked={view.privileged.marked}
              onChange={(on) => void call('users:set-privileged', { userId: view.user.id, privileged: on }).then(() => setReloadKey((k) => k + 1))}
              testId="user-mark-privileged"
            />
          ) : null}
          <div className="user-phone" data-testid="user-phone">
            <Icon name="phone" /> {t('user.phone')}{' '}
            {view.user.phone ? <strong className="mono">{phoneForReading(view.user.phone)}</strong> : <span className="muted">{t('user.noPhone')}</span>}
          </div>
        </div>
        <div className="user-org">
          {view.user.organization}
          {view.user.externalId ? <div className="muted">{t('user.externalId', { id: view.user.externalId })}</div> : null}
        </div>
      </header>
      {disabled ? <Notice tone="warn">{t('user.disabledNote')}</Notice> : null}
      <FactorCards view={view} />
      <div className="action-bar" role="group" aria-label={t('user.actions')}>
        <ActionButton id="action-reenroll" label={t('actions.reenroll')} letter="R" disabled={disabled || !settings} onClick={() => setOpen({ kind: 'reenroll' })} primary />
        <ActionButton id="action-lost-phone" label={t('actions.lostPhone')} letter="P" disabled={disabled || !settings} onClick={() => setOpen({ kind: 'lost-phone' })} />
        <ActionButton id="action-one-time-code" label={t('actions.oneTimeCode')} letter="O" disabled={disabled || !settings} onClick={() => setOpen({ kind: 'one-time-code' })} />
        <ActionButton id="action-backup-codes" label={t('actions.backupCodes')} letter="B" disabled={disabled || !settings} onClick={() => setOpen({ kind: 'backup-codes' })} />
        {view.sms ? <ActionButton id="action-remove-sms" label={t('actions.removeSms')} letter="S" disabled={disabled || !settings} onClick={() => setOpen({ kind: 'remove-sms' })} /> : null}
        {ws.isAdmin && view.verification.locked ? (
          <ActionButton id="action-clear-lock" label={t('actions.clearLock')} letter="L" disabled={!settings} onClick={() => setOpen({ kind: 'clear-lock' })} />
        ) : null}
        <ActionButton id="action-refuse" label={t('actions.refuse')} letter="A" disabled={!settings} onClick={() => setOpen({ kind: 'refuse', prefill: null })} subtle />
      </div>
      <div className="activity">
        <h3 id="activity-h">{t('activity.title')}</h3>
        <RecentActivity events={view.recentEvents} checks={settings?.identityChecks} />
      </div>
      {settings && open ? <Dialogs open={open} view={view} settings={settings} onDone={finished} onRefuse={toRefuse} /> : null}
    </article>
  );
}

/** An action of the user page, with its Alt+letter shortcut written on it. */
function ActionButton({ id, label, letter, onClick, disabled, primary }: { id: string; label: string; letter: string; onClick: () => void; disabled?: boolean; primary?: boolean; subtle?: boolean }) {
  const ref = useRef<HTMLButtonElement>(null);
  useAltClick(letter, ref as RefObject<HTMLElement | null>, 'page');
  return (
    <button ref={ref} type="button" className={`btn${primary ? ' btn-primary' : ''}`} onClick={onClick} disabled={disabled} data-testid={id} aria-keyshortcuts={altAria(letter)}>
      {label}
      <kbd className="kbd-hint" aria-hidden="true">
        {altLabel(letter)}
      </kbd>
    </button>
  );
}

function Dialogs({ open, view, settings, onDone, onRefuse }: { open: NonNullable<Open>; view: FactorSummaryView; settings: NonNullable<ReturnType<typeof useWorkspace>['settings']>; onDone: (done: boolean) => void; onRefuse: (p: RefusePrefill) => void }) {
  if (open.kind === 'lost-phone') return <LostPhoneWizard view={view} settings={settings} onClose={onDone} onRefuse={onRefuse} />;
  if (open.kind === 'reenroll') return <ReenrollWizard view={view} settings={settings} onClose={onDone} onRefuse={onRefuse} />;
  if (open.kind === 'refuse')
    return <RefuseDialog userId={view.user.id} userName={view.user.name} checks={settings.identityChecks} prefill={open.prefill} onClose={onDone} />;
  return <ActionDialog kind={open.kind} view={view} settings={settings} onClose={onDone} onRefuse={onRefuse} />;
}
