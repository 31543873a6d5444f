// The three-step action dialog: 1 who is calling, 2 what will happen, 3 the result (once).
// Used for one-time code, new backup codes, remove SMS and clear lock.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { FactorSummaryView, SettingsView } from '../../../contract/index.ts';
import { call, type ApiError } from '../api.ts';
import { Modal } from '../components/Modal.tsx';
import { SecretDisplay } from '../components/SecretDisplay.tsx';
import { Notice } from '../components/Status.tsx';
import { errorText } from '../errors.ts';
import { dateTime, firstName, number } from '../format.ts';
import { ACTION_TITLE, actionConsequences, lifetimeChoices, lifetimeText, type ActionKind } from './actions.ts';
import { IdentityStep, EMPTY_IDENTITY, type Identity } from './IdentityStep.tsx';
import { CloseConfirm, Consequences, Footer, NextButton, StepList } from './parts.tsx';
import { identityErrorsOf, type RefusePrefill } from './RefuseDialog.tsx';

type Outcome = { kind: 'code'; code: string; expiresAt: number } | { kind: 'codes'; codes: string[] } | { kind: 'done' };

interface Props {
  kind: ActionKind;
  view: FactorSummaryView;
  settings: SettingsView;
  onClose: (finished: boolean) => void;
  onRefuse: (prefill: RefusePrefill) => void;
}

/** One action on one user, in three steps. */
export function ActionDialog({ kind, view, settings, onClose, onRefuse }: Props) {
  const { t } = useTranslation();
  const [step, setStep] = useState(1);
  const [identity, setIdentity] = useState<Identity>(EMPTY_IDENTITY);
  const [idErrors, setIdErrors] = useState({});
  const [minutes, setMinutes] = useState(settings.oneTimeCodeMinutes);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [asking, setAsking] = useState(false);
  const name = view.user.name;
  const userId = view.user.id;
  const secret = outcome !== null && outcome.kind !== 'done';
  const title = t('dialog.actionTitle', { action: t(ACTION_TITLE[kind]), name });

  async function perform() {
    setBusy(true);
    setError(null);
    const ctx = { userId, checks: identity.checks, ticket: identity.ticket.trim(), reason: identity.reason.trim() };
    let r;
    if (kind === 'one-time-code') {
      r = await call('codes:issue-one-time', { ...ctx, minutes });
      if (r.ok) setOutcome({ kind: 'code', code: r.value.code, expiresAt: r.value.expiresAt });
    } else if (kind === 'backup-codes') {
      r = await call('codes:backup', ctx);
      if (r.ok) setOutcome({ kind: 'codes', codes: r.value.codes });
    } else if (kind === 'remove-sms') {
      r = await call('sms:remove', ctx);
      if (r.ok) setOutcome({ kind: 'done' });
    } else {
      r = await call('lock:clear', ctx);
      if (r.ok) setOutcome({ kind: 'done' });
    }
    setBusy(false);
    if (r.ok) {
      setStep(3);
      return;
    }
    const fieldErrors = identityErrorsOf(t, r.error);
    if (fieldErrors) {
      setIdErrors(fieldErrors);
      setStep(1);
    } else setError(r.error);
  }

  function requestClose() {
    if (step === 3 && secret) setAsking(true);
    else onClose(step === 3);
  }

  const consequences = actionConsequences(kind, view, { minutes });
  const steps = [t('dialog.step1'), t('dialog.step2'), t(secret || step < 3 ? 'dialog.step3' : 'dialog.step3Done')];
  return (
    <Modal
      open
      onOpenChange={(open) => !open && requestClose()}
      title={title}
      testId={`dialog-${kind}`}
      wide={step === 3 && secret}
      onEscape={() => {
        if (step === 3 && secret) {
          setAsking(true);
          return true;
        }
        return false;
      }}
      onClosedFocus={() => step === 3}
    >
      <StepList steps={steps} current={step} />
      {step === 1 ? (
        <IdentityStep
          value={identity}
          onChange={(v) => {
            setIdentity(v);
            setIdErrors({});
          }}
          checks={settings.identityChecks}
          presets={settings.reasonPresets}
          phone={view.user.phone}
          errors={idErrors}
          onNext={() => setStep(2)}
          onCancel={() => onClose(false)}
          onRefuse={() => onRefuse({ requested: t(ACTION_TITLE[kind]), ticket: identity.ticket, checks: identity.checks })}
        />
      ) : null}
      {step === 2 ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void perform();
          }}
        >
          {kind === 'one-time-code' ? (
            <div className="field">
              <label htmlFor="otc-minutes">{t('otc.lifetime')}</label>
              <select id="otc-minutes" value={minutes} onChange={(e) => setMinutes(Number(e.target.value))} data-testid="otc-minutes">
                {lifetimeChoices(settings).map((m) => (
                  <option key={m} value={m}>
                    {lifetimeText(m)}
                    {m === settings.oneTimeCodeMinutes ? ` (${t('otc.default')})` : ''}
                  </option>
                ))}
              </select>
            </div>
          ) : null}
          <Consequences items={consequences} />
          {error ? <Notice tone="bad">{errorText(t, error, { name: firstName(name) })}</Notice> : null}
          <Footer
            left={
              <button type="button" className="btn" onClick={() => setStep(1)} data-testid="dialog-back" disabled={busy}>
                {t('common.back')}
              </button>
            }
            right={<NextButton label={busy ? t('common.working') : t(`confirm.${kind}`)} danger={consequences.some((c) => c.destructive)} disabled={busy} autoFocus />}
          />
        </form>
      ) : null}
      {step === 3 && outcome ? (
        <div>
          {outcome.kind === 'code' ? (
            <SecretDisplay
              values={[outcome.code]}
              label={t('otc.label')}
              printTitle={t('otc.printTitle', { name })}
              printNote={t('otc.expires', { at: dateTime(outcome.expiresAt) })}
            />
          ) : null}
          {outcome.kind === 'code' ? <p className="secret-note">{t('otc.expires', { at: dateTime(outcome.expiresAt) })} {t('otc.once')}</p> : null}
          {outcome.kind === 'codes' ? (
            <>
              <SecretDisplay values={outcome.codes} label={t('backup.label', { n: outcome.codes.length })} printTitle={t('backup.printTitle', { name })} printNote={t('backup.printNote')} compactCopy={false} />
              <p className="secret-note">{t('backup.once')}</p>
            </>
          ) : null}
          {outcome.kind === 'done' ? (
            <Notice tone="ok" testId="action-done">
              {t(`done.${kind}`, { name: firstName(name) })}
            </Notice>
          ) : null}
          {secret ? <Notice tone="warn">{t('dialog.onlyOnce')}</Notice> : null}
          {asking ? (
            <CloseConfirm name={firstName(name)} onYes={() => onClose(true)} onNo={() => setAsking(false)} />
          ) : (
            <Footer
              right={
                <button type="button" className="btn btn-primary" onClick={requestClose} data-testid="dialog-close" autoFocus>
                  {t('common.close')}
                </button>
              }
            />
          )}
        </div>
      ) : null}
    </Modal>
  );
}
