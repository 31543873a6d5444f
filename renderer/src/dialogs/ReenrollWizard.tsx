// Force re-enrollment in four steps: who is calling, what will happen (with options), the new
// set-up material (QR, key, sheet), and confirmation with a code from the new phone.
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { FactorSummaryView, IssuedEnrollment, SettingsView } from '../../../contract/index.ts';
import { call, type ApiError } from '../api.ts';
import { Checkbox } from '../components/Checkbox.tsx';
import { Modal } from '../components/Modal.tsx';
import { Notice } from '../components/Status.tsx';
import { errorText } from '../errors.ts';
import { firstName } from '../format.ts';
import { reenrollConsequences } from './actions.ts';
import { ConfirmStep } from './ConfirmStep.tsx';
import { EnrollmentStep } from './EnrollmentStep.tsx';
import { EMPTY_IDENTITY, IdentityStep, type Identity, type IdentityErrors } from './IdentityStep.tsx';
import { CloseConfirm, Consequences, Footer, NextButton, StepList } from './parts.tsx';
import { identityErrorsOf, type RefusePrefill } from './RefuseDialog.tsx';

interface Props {
  view: FactorSummaryView;
  settings: SettingsView;
  onClose: (finished: boolean) => void;
  onRefuse: (prefill: RefusePrefill) => void;
}

/** The re-enrollment wizard. */
export function ReenrollWizard({ view, settings, onClose, onRefuse }: Props) {
  const { t } = useTranslation();
  const [step, setStep] = useState(1);
  const [identity, setIdentity] = useState<Identity>(EMPTY_IDENTITY);
  const [idErrors, setIdErrors] = useState<IdentityErrors>({});
  const [opts, setOpts] = useState({ voidCodes: false, withBackupCodes: false });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [issued, setIssued] = useState<IssuedEnrollment | null>(null);
  const [backupCodes, setBackupCodes] = useState<string[] | null>(null);
  const [active, setActive] = useState(false);
  const [asking, setAsking] = useState(false);
  // After "No, show it again" the focus goes back to the button that asked.
  const [askedFrom, setAskedFrom] = useState<'close' | 'later' | null>(null);
  const nextRef = useRef<HTMLButtonElement>(null);
  const name = view.user.name;
  const userId = view.user.id;
  const ctx = () => ({ userId, checks: identity.checks, ticket: identity.ticket.trim(), reason: identity.reason.trim() });

  async function reenroll() {
    setBusy(true);
    setError(null);
    const r = await call('enrollment:reenroll', { ...ctx(), ...opts });
    setBusy(false);
    if (r.ok) {
      setIssued(r.value);
      setBackupCodes(r.value.backupCodes ?? null);
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
    if (r.value.backupCodes) setBackupCodes(r.value.backupCodes);
    return true;
  }

  // Leaving while the QR/key may still be needed asks first; after "active" it just closes.
  const mustAsk = issued !== null && !active;
  function requestClose() {
    if (mustAsk) {
      setAskedFrom('close');
      setAsking(true);
    } else onClose(issued !== null);
  }
  const focusNext = () => nextRef.current?.focus();

  const steps = [t('dialog.step1'), t('dialog.step2'), t('enroll.step3'), t('enroll.step4')];
  return (
    <Modal
      open
      onOpenChange={(o) => !o && requestClose()}
      title={t('dialog.actionTitle', { action: t('actions.reenroll'), name })}
      testId="dialog-reenroll"
      wide={step >= 3}
      onEscape={() => {
        if (mustAsk) {
          setAskedFrom('close');
          setAsking(true);
          return true;
        }
        return false;
      }}
      onClosedFocus={() => issued !== null}
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
          onRefuse={() => onRefuse({ requested: t('actions.reenroll'), ticket: identity.ticket, checks: identity.checks })}
        />
      ) : null}
      {step === 2 ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void reenroll();
          }}
        >
          <fieldset className="checks">
            <legend>{t('enroll.options')}</legend>
            <Checkbox label={t('enroll.withBackupCodes')} checked={opts.withBackupCodes} onChange={(v) => setOpts({ ...opts, withBackupCodes: v })} testId="opt-backup-codes" />
            <Checkbox label={t('enroll.voidCodes')} checked={opts.voidCodes} onChange={(v) => setOpts({ ...opts, voidCodes: v })} testId="opt-void-codes" />
          </fieldset>
          <Consequences items={reenrollConsequences(view, settings, opts)} />
          {error ? <Notice tone="bad">{errorText(t, error, { name: firstName(name) })}</Notice> : null}
          <Footer
            left={
              <button type="button" className="btn" onClick={() => setStep(1)} data-testid="dialog-back" disabled={busy}>
                {t('common.back')}
              </button>
            }
            right={<NextButton label={busy ? t('common.working') : t('confirm.reenroll')} danger disabled={busy} autoFocus />}
          />
        </form>
      ) : null}
      {step === 3 && issued ? (
        <>
          <EnrollmentStep userId={userId} name={name} issued={issued} backupCodes={backupCodes} onRegenerate={regenerate} onRevealed={focusNext} />
          {error ? <Notice tone="bad">{errorText(t, error, { name: firstName(name) })}</Notice> : null}
          {asking ? (
            <CloseConfirm name={firstName(name)} onYes={() => onClose(true)} onNo={() => setAsking(false)} />
          ) : (
            <Footer
              left={
                <button type="button" className="btn" onClick={requestClose} data-testid="dialog-close" autoFocus={askedFrom === 'close'}>
                  {t('enroll.closePending')}
                </button>
              }
              right={<NextButton label={t('enroll.toConfirm')} onClick={() => setStep(4)} buttonRef={nextRef} />}
            />
          )}
        </>
      ) : null}
      {step === 4 && issued ? (
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
            onBack={() => setStep(3)}
            onClose={() => onClose(true)}
          />
        )
      ) : null}
    </Modal>
  );
}
