// Re-enrollment step 4: the six digits the new phone shows turn the enrollment active.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call } from '../api.ts';
import { Field } from '../components/Field.tsx';
import { Notice, Status } from '../components/Status.tsx';
import { errorText } from '../errors.ts';
import { firstName } from '../format.ts';
import { Footer, NextButton } from './parts.tsx';

interface Props {
  userId: number;
  name: string;
  onActive: () => void;
  active: boolean;
  onLater: () => void;
  onBack: () => void;
  onClose: () => void;
}

/** The confirmation form, or the "Active" result. */
export function ConfirmStep({ userId, name, onActive, active, onLater, onBack, onClose }: Props) {
  const { t } = useTranslation();
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  async function confirm() {
    const digits = code.replace(/[\s-]/g, '');
    if (!/^\d{6}$/.test(digits)) return setError(t('enroll.sixDigits'));
    setBusy(true);
    const r = await call('enrollment:confirm', { userId, code: digits });
    setBusy(false);
    if (r.ok) {
      setError(undefined);
      onActive();
    } else setError(errorText(t, r.error, { name: firstName(name) }));
  }

  if (active) {
    return (
      <div>
        <div className="big-status" data-testid="enrollment-active">
          <Status tone="ok" label={t('factor.active')} />
          <p>{t('enroll.activeText', { name: firstName(name) })}</p>
        </div>
        <Footer
          right={
            <button type="button" className="btn btn-primary" onClick={onClose} data-testid="dialog-close" autoFocus>
              {t('common.close')}
            </button>
          }
        />
      </div>
    );
  }

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void confirm();
      }}
    >
      <p>{t('enroll.confirmIntro', { name: firstName(name) })}</p>
      <Field
        label={t('enroll.codeLabel')}
        value={code}
        onChange={(v) => {
          setCode(v);
          setError(undefined);
        }}
        inputMode="numeric"
        autoComplete="off"
        maxLength={9}
        className="code-field"
        error={error}
        testId="confirm-code"
        autoFocus
      />
      <Notice tone="info">{t('enroll.laterNote')}</Notice>
      <Footer
        left={
          <>
            <button type="button" className="btn" onClick={onBack} data-testid="dialog-back">
              {t('common.back')}
            </button>
            <button type="button" className="btn" onClick={onLater} data-testid="confirm-later">
              {t('enroll.later')}
            </button>
          </>
        }
        right={<NextButton label={busy ? t('common.working') : t('enroll.confirm')} disabled={busy} testId="confirm-submit" />}
      />
    </form>
  );
}
