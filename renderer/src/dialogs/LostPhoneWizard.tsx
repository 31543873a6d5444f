// The lost-phone action in five steps: who is calling (one identity check, ticket and reason),
// what will happen, the short-lived one-time code (read first: the user signs in with it now),
// the new set-up (QR, key and sheet, or, where a server offers self-enrollment, the enrollment
// code with the page's address and steps), and confirmation with a code from the new phone.
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LOST_PHONE_CODE_MINUTES, type FactorSummaryView, type IssuedEnrollment, type LostPhoneIssued, type SettingsView } from '../../../contract/index.ts';
import { call, type ApiError } from '../api.ts';
import { Modal } from '../components/Modal.tsx';
import { SecretDisplay } from '../components/SecretDisplay.tsx';
import { Notice } from '../components/Status.tsx';
import { errorText } from '../errors.ts';
import { dateTime, firstName } from '../format.ts';
import { lostPhoneConsequences } from './actions.ts';
import { ConfirmStep } from './ConfirmStep.tsx';
import { EnrollmentStep } from './EnrollmentStep.tsx';
import { EMPTY_IDENTITY, IdentityStep, type Identity, type IdentityErrors } from './IdentityStep.tsx';
import { CloseConfirm, Consequences, Footer, NextButton, StepList } from './parts.tsx';
import { identityErrorsOf, type RefusePrefill } from './RefuseDialog.tsx';
import { serverPage } from '../mode.ts';

interface Props {
  view: FactorSummaryView;
  settings: SettingsView;
  onClose: (finished: boolean) => void;
  onRefuse: (prefill: RefusePrefill) => void;
}

/** The lost-phone wizard. */
export function LostPhoneWizard({ view, settings, onClose, onRefuse }: Props) {
  const { t } = useTranslation();
  const [step, setStep] = useState(1);
  const [identity, setIdentity] = useState<Identity>(EMPTY_IDENTITY);
  const [idErrors, setIdErrors] = useState<IdentityErrors>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [result, setResult] = useState<LostPhoneIssued | null>(null);
  // The agent-driven set-up, replaced when the operator regenerates the QR and key.
  const [issued, setIssued] = useState<IssuedEnrollment | null>(null);
  const [active, setActive] = useState(false);
  const [asking, setAsking] = useState(false);
  const [askedFrom, setAskedFrom] = useState<'close' | 'later' | null>(null);
  const nextRef = useRef<HTMLButtonElement>(null);
  const name = view.user.name;
  const userId = view.user.id;
  const minutes = Math.min(LOST_PHONE_CODE_MINUTES, settings.oneTimeCodeMinutes);
  const ctx = () => ({ userId, checks: identity.checks, ticket: identity.ticket.trim(), reason: identity.reason.trim() });

  async function perform() {
    setBusy(true);
    setError(null);
    const r = await call('users:lost-phone', ctx());
    setBusy(false);
    if (r.ok) {
      setResult(r.value);
      if (r.value.enrollment.mode === 'agent') {
        const { mode: _mode, ...enrollment } = r.value.enrollment;
        setIssued(enrollment);
      }
      setStep(3);
      return;
    }
    const fe = identityErrorsOf(t, r.error);
    if (fe) {
      setIdErrors(fe);
      setStep(1);
    } else setError(r.error);
  }

  async function regenerate(): Promise<boolean> {
    const r = await call('enrollment:regenerate', ctx());
    if (!r.ok) {
      setError(r.error);
      return false;
    }
    setError(null);
    setIssued(r.value);
    return true;
  }

  // The codes are shown once: leaving before the new app is active asks first.
  const mustAsk = result !== null && !active;
  function requestClose() {
    if (mustAsk) {
      setAskedFrom('close');
      setAsking(true);
    } else onClose(result !== null);
  }
  const selfMode = result?.enrollment.mode === 'self' ? result.enrollment : null;
  const steps = [t('dialog.step1'), t('dialog.step2'), t('lostPhone.step3'), t('enroll.step3'), ...(selfMode ? [] : [t('enroll.step4')])];

  return (
    <Modal
      open
      onOpenChange={(o) => !o && requestClose()}
      title={t('dialog.actionTitle', { action: t('actions.lostPhone'), name })}
      testId="dialog-lost-phone"
      wide={step >= 3}
      onEscape={() => {
        if (mustAsk) {
          setAskedFrom('close');
          setAsking(true);
          return true;
        }
        return false;
      }}
      onClosedFocus={() => result !== null}
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
          onRefuse={() => onRefuse({ requested: t('actions.lostPhone'), ticket: identity.ticket, checks: identity.checks })}
        />
      ) : null}
      {step === 2 ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void perform();
          }}
        >
          <Consequences items={lostPhoneConsequences(view, settings, minutes)} />
          {error ? <Notice tone="bad">{errorText(t, error, { name: firstName(name) })}</Notice> : null}
          <Footer
            left={
              <button type="button" className="btn" onClick={() => setStep(1)} data-testid="dialog-back" disabled={busy}>
                {t('common.back')}
              </button>
            }
            right={<NextButton label={busy ? t('common.working') : t('confirm.lost-phone')} danger disabled={busy} autoFocus />}
          />
        </form>
      ) : null}
      {step === 3 && result ? (
        <>
          <p className="muted" data-testid="lost-phone-action-id">
            {t('lostPhone.actionId', { id: result.actionId })}
          </p>
          <p>{t('lostPhone.codeFirst', { name: firstName(name) })}</p>
          <SecretDisplay
            values={[result.oneTimeCode.code]}
            label={t('otc.label')}
            printTitle={t('otc.printTitle', { name })}
            printNote={t('otc.expires', { at: dateTime(result.oneTimeCode.expiresAt) })}
            testId="lost-phone-code"
          />
          <p className="secret-note">
            {t('otc.expires', { at: dateTime(result.oneTimeCode.expiresAt) })} {t('otc.once')}
          </p>
          <Notice tone="warn">{t('dialog.onlyOnce')}</Notice>
          {asking ? (
            <CloseConfirm name={firstName(name)} onYes={() => onClose(true)} onNo={() => setAsking(false)} />
          ) : (
            <Footer
              left={
                <button type="button" className="btn" onClick={requestClose} data-testid="dialog-close" autoFocus={askedFrom === 'close'}>
                  {t('enroll.closePending')}
                </button>
              }
              right={<NextButton label={t('lostPhone.toSetUp')} onClick={() => setStep(4)} autoFocus={askedFrom === null} />}
            />
          )}
        </>
      ) : null}
      {step === 4 && result ? (
        <>
          {issued ? <EnrollmentStep userId={userId} name={name} issued={issued} backupCodes={null} onRegenerate={regenerate} onRevealed={() => nextRef.current?.focus()} /> : null}
          {selfMode ? <SelfEnrollment name={name} code={selfMode.code} expiresAt={selfMode.expiresAt} pagePath={selfMode.pagePath} /> : null}
          {error ? <Notice tone="bad">{errorText(t, error, { name: firstName(name) })}</Notice> : null}
          {asking ? (
            <CloseConfirm name={firstName(name)} onYes={() => onClose(true)} onNo={() => setAsking(false)} />
          ) : (
            <Footer
              left={
                <button type="button" className="btn" onClick={() => setStep(3)} data-testid="dialog-back">
                  {t('common.back')}
                </button>
              }
              right={
                selfMode ? (
                  <button type="button" className="btn btn-primary" onClick={requestClose} data-testid="dialog-close">
                    {t('common.close')}
                  </button>
                ) : (
                  <NextButton label={t('enroll.toConfirm')} onClick={() => setStep(5)} buttonRef={nextRef} />
                )
              }
            />
          )}
        </>
      ) : null}
      {step === 5 && issued ? (
        asking ? (
          <CloseConfirm name={firstName(name)} onYes={() => onClose(true)} onNo={() => setAsking(false)} />
        ) : (
          <ConfirmStep
            userId={userId}
            name={name}
            active={active}
            onActive={() => setActive(true)}
            onLater={() => {
              setAskedFrom('later');
              setAsking(true);
            }}
            onBack={() => setStep(4)}
            onClose={() => onClose(true)}
          />
        )
      ) : null}
    </Modal>
  );
}

/** Self-enrollment on a server's page: the enrollment code with the page's address and steps (never a QR the agent saw). */
function SelfEnrollment({ name, code, expiresAt, pagePath }: { name: string; code: string; expiresAt: number; pagePath: string }) {
  const { t } = useTranslation();
  const steps = [t('lostPhone.selfStep1', { page: serverPage(pagePath) }), t('lostPhone.selfStep2'), t('lostPhone.selfStep3')];
  return (
    <div className="enroll" data-testid="lost-phone-self">
      <SecretDisplay
        values={[code]}
        label={t('lostPhone.selfCodeLabel')}
        printTitle={t('lostPhone.selfPrintTitle', { name })}
        printNote={[t('lostPhone.selfExpires', { at: dateTime(expiresAt) }), ...steps].join(' ')}
        testId="lost-phone-enrollment-code"
      />
      <p className="secret-note">{t('lostPhone.selfExpires', { at: dateTime(expiresAt) })}</p>
      <ol data-testid="lost-phone-self-steps">
        {steps.map((s) => (
          <li key={s}>{s}</li>
        ))}
      </ol>
    </div>
  );
}
