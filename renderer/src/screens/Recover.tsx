// "Lost every admin password": the recovery key opens the vault and the named admin gets a new
// password (or is created).
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { PublicSession } from '../../../contract/index.ts';
import { call, type ApiError } from '../api.ts';
import { Field } from '../components/Field.tsx';
import { LanguageSwitch } from '../components/LanguageSwitch.tsx';
import { passwordProblems, PasswordFields } from '../components/PasswordFields.tsx';
import { Notice } from '../components/Status.tsx';
import { errorText, fieldOf } from '../errors.ts';

/** The recovery screen. */
export function Recover({ onDone, onBack }: { onDone: (s: PublicSession) => void; onBack: () => void }) {
  const { t } = useTranslation();
  const [key, setKey] = useState('');
  const [name, setName] = useState('');
  const [pw, setPw] = useState('');
  const [repeat, setRepeat] = useState('');
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  async function submit() {
    setTried(true);
    const p = passwordProblems(pw, repeat);
    if (key.trim() === '' || name.trim() === '' || p.password || p.repeat) return;
    setBusy(true);
    const r = await call('session:recover', { recoveryKey: key.trim(), name: name.trim(), password: pw });
    setBusy(false);
    if (r.ok) onDone(r.value.session);
    else setError(r.error);
  }
  const keyError = !error
    ? tried && key.trim() === ''
      ? t('common.required')
      : undefined
    : error.code === 'BAD_REQUEST' && (!fieldOf(error) || fieldOf(error) === 'recoveryKey')
      ? t('recover.keyFormat')
      : error.code === 'SIGNIN_FAILED' || error.code === 'WRONG_KEY'
        ? t('recover.keyWrong')
        : error.code === 'SLOTS_INVALID'
          ? errorText(t, error)
          : undefined;
  const nameError = error && (error.code === 'FORBIDDEN' || fieldOf(error) === 'name') ? t('recover.notAdmin') : tried && name.trim() === '' ? t('common.required') : undefined;
  const pwError = error?.code === 'WEAK_PASSWORD' ? errorText(t, error) : undefined;
  const other = error && !keyError && !nameError && !pwError;

  return (
    <main className="gate">
      <div className="gate-card gate-wide">
        <div className="gate-top">
          <h1>{t('recover.title')}</h1>
          <LanguageSwitch />
        </div>
        <p>{t('recover.intro')}</p>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          <Field label={t('recover.key')} hint={t('recover.keyHint')} value={key} onChange={setKey} className="mono-input" autoComplete="off" spellCheck={false} maxLength={200} error={keyError} testId="recover-key" autoFocus />
          <Field label={t('recover.name')} hint={t('recover.nameHint')} value={name} onChange={setName} maxLength={64} autoComplete="username" error={nameError} testId="recover-name" />
          <PasswordFields password={pw} repeat={repeat} onPassword={setPw} onRepeat={setRepeat} showProblems={tried} serverError={pwError} />
          {other ? <Notice tone="bad">{errorText(t, error)}</Notice> : null}
          <div className="button-row">
            <button type="button" className="btn" onClick={onBack} data-testid="recover-back">
              {t('common.back')}
            </button>
            <button type="submit" className="btn btn-primary" disabled={busy} data-testid="recover-submit">
              {t('recover.submit')}
            </button>
          </div>
        </form>
      </div>
    </main>
  );
}
