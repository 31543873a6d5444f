// Sign in with operator name and password; lockout messages; language switch; the recovery path.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { JobReport, PublicSession, RevivedCredential } from '../../../contract/index.ts';
import { call, type ApiError } from '../api.ts';
import { Field } from '../components/Field.tsx';
import { Icon } from '../components/Icon.tsx';
import { LanguageSwitch } from '../components/LanguageSwitch.tsx';
import { Notice } from '../components/Status.tsx';
import { errorText } from '../errors.ts';

interface Props {
  lastName: string;
  lockReason: string | null;
  /** After a restore: revoked operators and service keys that work again. */
  revived?: RevivedCredential[];
  onSignedIn: (r: { session: PublicSession; warnings: string[]; jobReports: JobReport[] }) => void;
  onRecover: () => void;
}

/** The sign-in screen. */
export function SignIn({ lastName, lockReason, revived = [], onSignedIn, onRecover }: Props) {
  const { t } = useTranslation();
  const [name, setName] = useState(lastName);
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [incomplete, setIncomplete] = useState(false);

  async function submit() {
    setIncomplete(false);
    if (name.trim() === '' || password === '') {
      setError(null);
      return setIncomplete(true);
    }
    setBusy(true);
    const r = await call('session:sign-in', { name: name.trim(), password });
    setBusy(false);
    setPassword('');
    if (r.ok) onSignedIn(r.value);
    else setError(r.error);
  }

  return (
    <main className="gate">
      <div className="gate-card">
        <div className="gate-top">
          <div className="brand brand-large">
            <Icon name="shield" /> <span>FactorDesk</span>
          </div>
          <LanguageSwitch />
        </div>
        <h1>{t('signin.title')}</h1>
        {lockReason ? <Notice tone="info">{t(`signin.locked.${lockReason}`, { defaultValue: t('signin.locked.manual') })}</Notice> : null}
        {revived.length ? (
          <Notice tone="warn" testId="signin-revived">
            <p>{t('signin.revived', { count: revived.length })}</p>
            <ul>
              {revived.map((c, i) => (
                <li key={i}>{t(c.kind === 'operator' ? 'signin.revivedOperator' : 'signin.revivedService', { label: c.label ?? '—' })}</li>
              ))}
            </ul>
            <p>{t('signin.revivedWhat')}</p>
          </Notice>
        ) : null}
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
          data-testid="signin-form"
        >
          <Field label={t('signin.name')} value={name} onChange={setName} autoComplete="username" maxLength={256} autoFocus={lastName === ''} testId="signin-name" />
          <Field label={t('signin.password')} type="password" value={password} onChange={setPassword} autoComplete="current-password" maxLength={1024} autoFocus={lastName !== ''} testId="signin-password" />
          {error || incomplete ? (
            <Notice tone="bad" testId="signin-error">
              {error ? errorText(t, error) : t('signin.fillBoth')}
            </Notice>
          ) : null}
          <button type="submit" className="btn btn-primary btn-block" disabled={busy} data-testid="signin-submit">
            {busy ? t('signin.busy') : t('signin.submit')}
          </button>
        </form>
        <button type="button" className="link" onClick={onRecover} data-testid="signin-recover">
          {t('signin.lostAll')}
        </button>
      </div>
    </main>
  );
}
